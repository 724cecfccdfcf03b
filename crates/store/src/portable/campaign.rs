//! Campaigns, problem findings and handlings on both backends, and the facts statistics are
//! computed from. Money is exact: NUMERIC on PostgreSQL, canonical text on SQLite, read back
//! as text and summed in Rust (`campaign::CampaignStats`), never as a float.

macro_rules! handling_select {
    () => {
        "SELECT h.id, h.case_id, f.number AS case_number, h.unit_id, COALESCE(t.name, g.name, h.unit_id) AS unit_name, \
         h.campaign_id, h.form, h.sanction, CAST(h.funds_seized AS TEXT) AS funds_seized, \
         CAST(h.funds_handed_in AS TEXT) AS funds_handed_in, h.decided_on \
         FROM handling h LEFT JOIN case_file f ON f.id = h.case_id LEFT JOIN township t ON t.id = h.unit_id \
         LEFT JOIN stationed_group g ON g.id = h.unit_id"
    };
}
pub(crate) use handling_select;

macro_rules! finding_select {
    () => {
        "SELECT p.id, p.campaign_id, p.unit_id, COALESCE(t.name, g.name, p.unit_id) AS unit_name, p.found, p.rectified, p.recorded_on \
         FROM problem_finding p LEFT JOIN township t ON t.id = p.unit_id LEFT JOIN stationed_group g ON g.id = p.unit_id"
    };
}
pub(crate) use finding_select;

/// The placeholder for an amount: PostgreSQL takes the text into NUMERIC; SQLite keeps the
/// canonical text as it is (its NUMERIC affinity would turn it into a float).
pub(crate) fn money_param(backend: &str, n: usize) -> String {
    if backend == "postgres" {
        format!("CAST(${n} AS NUMERIC)")
    } else {
        format!("${n}")
    }
}

macro_rules! campaign_impl {
    ($store:ty) => {
        impl $store {
            /// Whether a township or stationed group has this id.
            async fn unit_exists(&self, id: &str) -> R<bool> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM township WHERE id = $1) + (SELECT COUNT(*) FROM stationed_group WHERE id = $1)",
                )
                .bind(id)
                .fetch_one(&self.read)
                .await?;
                Ok(n > 0)
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::CampaignRepo for $store {
            async fn list_campaigns(&self) -> R<Vec<Campaign>> {
                Ok(sqlx::query_as::<_, Campaign>(
                    "SELECT id, name, year, starts_on, ends_on, created_at FROM campaign ORDER BY starts_on DESC, name",
                )
                .fetch_all(&self.read)
                .await?)
            }

            async fn get_campaign(&self, id: &str) -> R<Campaign> {
                sqlx::query_as::<_, Campaign>("SELECT id, name, year, starts_on, ends_on, created_at FROM campaign WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)
            }

            async fn create_campaign(&self, actor: &Actor, input: &qinglian_domain::campaign::CampaignInput) -> R<Campaign> {
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO campaign (id, name, year, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&id)
                    .bind(input.name.as_str())
                    .bind(i64::from(input.year))
                    .bind(input.starts_on)
                    .bind(input.ends_on)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(constraint("name", Some(input.name.as_str()), "name"))?;
                let detail = format!("{} {}..{}", input.name, input.starts_on, input.ends_on);
                self.audit_tx(&mut tx, actor, AuditAction::CampaignCreate, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.get_campaign(&id).await
            }

            async fn record_finding(&self, actor: &Actor, input: &qinglian_domain::campaign::FindingInput) -> R<Finding> {
                if !self.unit_exists(&input.unit_id).await? {
                    return Err(Invalid::field("unit_id", "field.unknown_id", Some(&input.unit_id)).into());
                }
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO problem_finding (id, campaign_id, unit_id, found, rectified, recorded_on, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&id)
                .bind(&input.campaign_id)
                .bind(&input.unit_id)
                .bind(input.found)
                .bind(input.rectified)
                .bind(input.recorded_on)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("id", None, "campaign_id"))?;
                let detail = format!("campaign {} unit {} found {} rectified {}", input.campaign_id, input.unit_id, input.found, input.rectified);
                self.audit_tx(&mut tx, actor, AuditAction::FindingRecord, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                sqlx::query_as::<_, Finding>(concat!(crate::portable::campaign::finding_select!(), " WHERE p.id = $1"))
                    .bind(&id)
                    .fetch_one(&self.read)
                    .await
                    .map_err(Into::into)
            }

            async fn list_findings(&self, campaign_id: &str) -> R<Vec<Finding>> {
                Ok(sqlx::query_as::<_, Finding>(concat!(
                    crate::portable::campaign::finding_select!(),
                    " WHERE p.campaign_id = $1 ORDER BY p.recorded_on, unit_name, p.id"
                ))
                .bind(campaign_id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn record_handling(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                input: &qinglian_domain::campaign::HandlingInput,
            ) -> R<Handling> {
                let unit_id = match &input.case_id {
                    Some(case_id) => {
                        let row: Option<(String, String)> = sqlx::query_as("SELECT clue_id, township_id FROM case_file WHERE id = $1")
                            .bind(case_id)
                            .fetch_optional(&self.read)
                            .await?;
                        let (clue_id, township) = row.ok_or(StoreError::NotFound)?;
                        if !qinglian_domain::case::reaches_case(reach, &clue_id, &township) {
                            return Err(StoreError::NotFound);
                        }
                        if input.unit_id.as_deref().is_some_and(|u| u != township) {
                            return Err(Invalid::field("unit_id", "handling.unit_not_case_township", input.unit_id.as_deref()).into());
                        }
                        township
                    }
                    None => {
                        let unit = input.unit_id.clone().unwrap_or_default();
                        if !self.unit_exists(&unit).await? {
                            return Err(Invalid::field("unit_id", "field.unknown_id", Some(&unit)).into());
                        }
                        unit
                    }
                };
                let id = new_id();
                let backend = crate::repo::Store::backend(self);
                let sql = format!(
                    "INSERT INTO handling (id, case_id, unit_id, campaign_id, form, sanction, funds_seized, funds_handed_in, decided_on, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, {}, {}, $9, $10)",
                    crate::portable::campaign::money_param(backend, 7),
                    crate::portable::campaign::money_param(backend, 8),
                );
                let mut tx = self.begin_write().await?;
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&id)
                    .bind(&input.case_id)
                    .bind(&unit_id)
                    .bind(&input.campaign_id)
                    .bind(i64::from(input.form.number()))
                    .bind(input.sanction.map(|s| s.as_str()))
                    .bind(input.funds_seized.canonical())
                    .bind(input.funds_handed_in.canonical())
                    .bind(input.decided_on)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(constraint("id", None, "campaign_id"))?;
                let detail = format!(
                    "unit {unit_id} case {} form {} sanction {} seized {} handed_in {}",
                    input.case_id.as_deref().unwrap_or("-"),
                    input.form.number(),
                    input.sanction.map(|s| s.as_str()).unwrap_or("-"),
                    input.funds_seized,
                    input.funds_handed_in
                );
                self.audit_tx(&mut tx, actor, AuditAction::HandlingRecord, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                sqlx::query_as::<_, Handling>(concat!(crate::portable::campaign::handling_select!(), " WHERE h.id = $1"))
                    .bind(&id)
                    .fetch_one(&self.read)
                    .await
                    .map_err(Into::into)
            }

            async fn list_handlings(&self, campaign_id: Option<&str>, year: Option<i32>) -> R<Vec<Handling>> {
                let (from, to) = match year {
                    Some(y) => (
                        chrono::NaiveDate::from_ymd_opt(y, 1, 1),
                        chrono::NaiveDate::from_ymd_opt(y, 12, 31),
                    ),
                    None => (None, None),
                };
                Ok(sqlx::query_as::<_, Handling>(concat!(
                    crate::portable::campaign::handling_select!(),
                    " WHERE (CAST($1 AS TEXT) IS NULL OR h.campaign_id = $1) \
                      AND (CAST($2 AS TEXT) IS NULL OR h.decided_on BETWEEN $2 AND $3) ORDER BY h.decided_on, h.id"
                ))
                .bind(campaign_id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?)
            }

            async fn stat_facts(&self, period: &qinglian_domain::campaign::Period) -> R<qinglian_domain::campaign::StatFacts> {
                use qinglian_domain::campaign::{Form, HandlingFact, Period, StatFacts, Yuan};
                let (campaign_id, from, to) = match period {
                    Period::Campaign { id, starts_on, ends_on, .. } => (Some(id.as_str()), *starts_on, *ends_on),
                    Period::Year { year } => {
                        let from = chrono::NaiveDate::from_ymd_opt(*year, 1, 1).ok_or_else(|| Invalid::field("year", "year.invalid", None))?;
                        let to = chrono::NaiveDate::from_ymd_opt(*year, 12, 31).ok_or_else(|| Invalid::field("year", "year.invalid", None))?;
                        (None, from, to)
                    }
                };
                // A campaign counts its own records whenever they were reported; a year counts
                // what was reported or decided in it.
                let findings: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT unit_id, CAST(SUM(found) AS BIGINT), CAST(SUM(rectified) AS BIGINT) FROM problem_finding \
                     WHERE (campaign_id = $1 OR (CAST($1 AS TEXT) IS NULL AND recorded_on BETWEEN $2 AND $3)) GROUP BY unit_id",
                )
                .bind(campaign_id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                let clues: Vec<(String, Option<String>, i64)> = sqlx::query_as(
                    "SELECT township_id, disposition, COUNT(*) FROM clue WHERE received_on BETWEEN $1 AND $2 \
                     GROUP BY township_id, disposition",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                let cases: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT township_id, COUNT(*) FROM case_file WHERE opened_on BETWEEN $1 AND $2 GROUP BY township_id",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                let rows: Vec<(String, i64, Option<String>, String, String)> = sqlx::query_as(
                    "SELECT unit_id, form, sanction, CAST(funds_seized AS TEXT), CAST(funds_handed_in AS TEXT) FROM handling \
                     WHERE (campaign_id = $1 OR (CAST($1 AS TEXT) IS NULL AND decided_on BETWEEN $2 AND $3))",
                )
                .bind(campaign_id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                let mut handlings = Vec::with_capacity(rows.len());
                for (unit_id, form, sanction, seized, handed) in rows {
                    handlings.push(HandlingFact {
                        unit_id,
                        form: Form::from_number(form).ok_or_else(|| Invalid::field("form", "handling.form_unknown", None))?,
                        sanctioned: sanction.is_some(),
                        funds_seized: Yuan::parse("funds_seized", &seized)?,
                        funds_handed_in: Yuan::parse("funds_handed_in", &handed)?,
                    });
                }
                Ok(StatFacts { findings, clues, cases, handlings })
            }
        }
    };
}
pub(crate) use campaign_impl;
