//! The village integrity rating on both backends: framework versions, periods, values, grading
//! (the domain's `grade` and `sensitivity`, run inside the write so the results are those of
//! the values committed with them), reviews and publication.

macro_rules! period_select {
    () => {
        "SELECT p.id, p.label, p.frequency, p.framework_id, f.version AS framework_version, p.state, p.opened_at, \
         p.graded_at, p.confirmed_at, p.confirmed_by, p.published_at \
         FROM rating_period p JOIN rating_framework f ON f.id = p.framework_id"
    };
}
pub(crate) use period_select;

macro_rules! result_select {
    () => {
        "SELECT r.id, r.period_id, r.village_id, v.name AS village_name, v.division_code, r.township_id, \
         t.name AS township_name, r.score, r.dimension_scores, r.computed_grade, r.veto, r.missing, r.unstable_share, \
         r.adjusted_grade, r.adjust_reason, r.adjusted_by, r.adjusted_at \
         FROM rating_result r JOIN village v ON v.id = r.village_id JOIN township t ON t.id = r.township_id"
    };
}
pub(crate) use result_select;

pub(crate) const VILLAGES: &str = "SELECT v.id, v.division_code, v.name, v.township_id, t.name AS township_name \
     FROM village v JOIN township t ON t.id = v.township_id ORDER BY v.division_code";

/// Rows per multi-row statement: well under either backend's limit on parameters.
pub(crate) const CHUNK: usize = 200;

pub(crate) fn veto_str(v: qinglian_domain::rating::VetoEffect) -> &'static str {
    match v {
        qinglian_domain::rating::VetoEffect::BarsA => "bars_a",
        qinglian_domain::rating::VetoEffect::ForcesC => "forces_c",
    }
}

/// A refusal naming the period's state, for acts its state does not allow.
pub(crate) fn not_in_state(key: &'static str, period: &crate::model::RatingPeriod) -> crate::StoreError {
    qinglian_domain::Invalid::field("state", key, Some(&period.state)).into()
}

macro_rules! rating_impl {
    ($store:ty) => {
        impl $store {
            fn parse_framework(id: String, version: i64, body: &str, created_at: DateTime<Utc>) -> R<FrameworkVersion> {
                let framework: qinglian_domain::rating::Framework = serde_json::from_str(body)
                    .map_err(|_| Invalid::field("framework", "rating.framework_unreadable", None))?;
                Ok(FrameworkVersion { id, version, framework, created_at })
            }

            /// The unpublished period, if any: while one exists the framework stays as it is.
            async fn period_in_progress(&self) -> R<Option<RatingPeriod>> {
                Ok(sqlx::query_as::<_, RatingPeriod>(concat!(
                    crate::portable::rating::period_select!(),
                    " WHERE p.state <> 'published' ORDER BY p.opened_at LIMIT 1"
                ))
                .fetch_optional(&self.read)
                .await?)
            }

            // The public notice's three reads; their callers check the period is published.
            async fn public_c_rows(&self, period_id: &str) -> R<Vec<PublicCVillage>> {
                Ok(sqlx::query_as::<_, PublicCVillage>(
                    "SELECT r.village_id, v.division_code, v.name AS village_name, t.name AS township_name, r.score, r.veto \
                     FROM rating_result r JOIN village v ON v.id = r.village_id JOIN township t ON t.id = r.township_id \
                     WHERE r.period_id = $1 AND COALESCE(r.adjusted_grade, r.computed_grade) = 'C' ORDER BY v.division_code",
                )
                .bind(period_id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn public_count_rows(&self, period_id: &str) -> R<GradeCounts> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT COALESCE(adjusted_grade, computed_grade) AS g, COUNT(*) FROM rating_result \
                     WHERE period_id = $1 GROUP BY COALESCE(adjusted_grade, computed_grade)",
                )
                .bind(period_id)
                .fetch_all(&self.read)
                .await?;
                let mut counts = GradeCounts::default();
                for (g, n) in rows {
                    match g.as_str() {
                        "A" => counts.a = n,
                        "B" => counts.b = n,
                        _ => counts.c += n,
                    }
                }
                Ok(counts)
            }

            /// Items of the plans of this period's C villages, and of the plans answering the
            /// published period before it whose village this period grades above C (the
            /// candidates for leaving C), with the village's grade here.
            async fn public_item_rows(&self, period_id: &str) -> R<Vec<PublicPlanItem>> {
                Ok(sqlx::query_as::<_, PublicPlanItem>(
                    "SELECT p.village_id, v.division_code, v.name AS village_name, t.name AS township_name, \
                     p.id AS plan_id, p.period_id, p.period_label, p.created_at AS plan_created_at, i.id AS item_id, \
                     i.seq, i.title, i.deadline, i.state, \
                     (SELECT MAX(e.idx) FROM ledger_entry e WHERE e.object_id = i.id AND e.idx IS NOT NULL) AS ledger_idx, \
                     (SELECT COALESCE(r.adjusted_grade, r.computed_grade) FROM rating_result r \
                      WHERE r.period_id = $1 AND r.village_id = p.village_id) AS grade_here \
                     FROM village_plan p JOIN rectification_item i ON i.plan_id = p.id \
                     JOIN village v ON v.id = p.village_id JOIN township t ON t.id = p.township_id \
                     WHERE p.village_id IN (SELECT r.village_id FROM rating_result r WHERE r.period_id = $1 \
                     AND COALESCE(r.adjusted_grade, r.computed_grade) = 'C') \
                     OR p.period_id = (SELECT q.id FROM rating_period q WHERE q.state = 'published' \
                     AND q.opened_at < (SELECT c.opened_at FROM rating_period c WHERE c.id = $1) ORDER BY q.opened_at DESC LIMIT 1) \
                     ORDER BY v.division_code, p.created_at, p.id, i.seq",
                )
                .bind(period_id)
                .fetch_all(&self.read)
                .await?)
            }

            /// A period the public may see: published, else not found.
            async fn published_period(&self, id: &str) -> R<RatingPeriod> {
                let period = crate::repo::RatingRepo::get_period(self, id).await?;
                if period.state == "published" { Ok(period) } else { Err(StoreError::NotFound) }
            }

            async fn open_period_and_framework(&self, id: &str) -> R<(RatingPeriod, FrameworkVersion)> {
                let period = crate::repo::RatingRepo::get_period(self, id).await?;
                if period.state != "open" {
                    return Err(crate::portable::rating::not_in_state("rating.period_not_open", &period));
                }
                let f = crate::repo::RatingRepo::get_framework(self, &period.framework_id).await?;
                Ok((period, f))
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::RatingRepo for $store {
            async fn current_framework(&self) -> R<Option<FrameworkVersion>> {
                let row: Option<(String, i64, String, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT id, version, body, created_at FROM rating_framework ORDER BY version DESC LIMIT 1",
                )
                .fetch_optional(&self.read)
                .await?;
                row.map(|(id, v, body, at)| Self::parse_framework(id, v, &body, at)).transpose()
            }

            async fn get_framework(&self, id: &str) -> R<FrameworkVersion> {
                let (id, v, body, at): (String, i64, String, DateTime<Utc>) =
                    sqlx::query_as("SELECT id, version, body, created_at FROM rating_framework WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                Self::parse_framework(id, v, &body, at)
            }

            async fn save_framework(&self, actor: &Actor, framework: &qinglian_domain::rating::Framework) -> R<FrameworkVersion> {
                framework.validate()?;
                if let Some(p) = self.period_in_progress().await? {
                    // Grades of a period come from the version it opened with; a change now
                    // would be a change under the feet of the people entering its values.
                    return Err(Invalid::field("framework", "rating.framework_in_use", Some(&p.label)).into());
                }
                let id = new_id();
                let mut tx = self.begin_write().await?;
                let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM rating_framework")
                    .fetch_one(&mut *tx)
                    .await?;
                let mut stored = framework.clone();
                stored.version = u32::try_from(version).unwrap_or(u32::MAX);
                let body = serde_json::to_string(&stored).map_err(|_| Invalid::field("framework", "rating.framework_unreadable", None))?;
                sqlx::query("INSERT INTO rating_framework (id, version, body, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&id)
                    .bind(version)
                    .bind(&body)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(constraint("version", None, "version"))?;
                let hash = crate::portable::inspection::content_hash(&[&body]);
                let detail = format!("version {version} sha256:{hash}");
                self.audit_tx(&mut tx, actor, AuditAction::RatingFrameworkSave, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.get_framework(&id).await
            }

            async fn list_periods(&self) -> R<Vec<RatingPeriod>> {
                Ok(sqlx::query_as::<_, RatingPeriod>(concat!(crate::portable::rating::period_select!(), " ORDER BY p.opened_at DESC, p.id DESC"))
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn get_period(&self, id: &str) -> R<RatingPeriod> {
                sqlx::query_as::<_, RatingPeriod>(concat!(crate::portable::rating::period_select!(), " WHERE p.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)
            }

            async fn open_period(&self, actor: &Actor, input: &qinglian_domain::rating::PeriodInput) -> R<RatingPeriod> {
                let framework = self
                    .current_framework()
                    .await?
                    .ok_or_else(|| Invalid::field("framework", "rating.no_framework", None))?;
                if let Some(p) = self.period_in_progress().await? {
                    return Err(Invalid::field("label", "rating.period_in_progress", Some(&p.label)).into());
                }
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO rating_period (id, label, frequency, framework_id, state, opened_at) VALUES ($1, $2, $3, $4, 'open', $5)",
                )
                .bind(&id)
                .bind(input.label.as_str())
                .bind(input.frequency.as_str())
                .bind(&framework.id)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("label", Some(input.label.as_str()), "framework"))?;
                let detail = format!("{} {} framework v{}", input.label, input.frequency.as_str(), framework.version);
                self.audit_tx(&mut tx, actor, AuditAction::RatingPeriodOpen, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.get_period(&id).await
            }

            async fn rating_villages(&self, reach: &qinglian_domain::scope::Reach) -> R<Vec<RatingVillage>> {
                let all = sqlx::query_as::<_, RatingVillage>(crate::portable::rating::VILLAGES)
                    .fetch_all(&self.read)
                    .await?;
                Ok(all.into_iter().filter(|v| reach.covers_township(&v.township_id)).collect())
            }

            async fn period_values(&self, reach: &qinglian_domain::scope::Reach, period_id: &str) -> R<Vec<RatingValue>> {
                self.get_period(period_id).await?;
                let rows: Vec<(RatingValue, String)> = sqlx::query_as::<_, (String, String, f64, String, String)>(
                    "SELECT x.village_id, x.indicator_code, x.value, x.source, v.township_id FROM rating_value x \
                     JOIN village v ON v.id = x.village_id WHERE x.period_id = $1 ORDER BY v.division_code, x.indicator_code",
                )
                .bind(period_id)
                .fetch_all(&self.read)
                .await?
                .into_iter()
                .map(|(village_id, indicator_code, value, source, township)| {
                    (RatingValue { village_id, indicator_code, value, source }, township)
                })
                .collect();
                Ok(rows.into_iter().filter(|(_, t)| reach.covers_township(t)).map(|(v, _)| v).collect())
            }

            async fn save_values(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                period_id: &str,
                source: ValueSource,
                entries: &[ValueEntry],
            ) -> R<u64> {
                let (_, fv) = self.open_period_and_framework(period_id).await?;
                let framework = &fv.framework;
                let reached: std::collections::HashSet<String> =
                    self.rating_villages(reach).await?.into_iter().map(|v| v.id).collect();
                let mut problems = Vec::new();
                for e in entries {
                    if !reached.contains(&e.village_id) {
                        // Another township's village (or none): nothing about it is told.
                        return Err(StoreError::NotFound);
                    }
                    let field = format!("{}.{}", e.village_id, e.indicator_code);
                    match framework.indicators.iter().position(|i| i.code == e.indicator_code) {
                        None => problems.push(Some(Invalid::field(field, "rating.indicator_unknown", Some(&e.indicator_code)))),
                        Some(i) if framework.indicators[i].source.is_some() => {
                            problems.push(Some(Invalid::field(field, "rating.indicator_system", Some(&e.indicator_code))))
                        }
                        Some(i) => {
                            if let Some(x) = e.value
                                && let Err(key) = qinglian_domain::rating::check_value(framework, i, x)
                            {
                                problems.push(Some(Invalid::field(field, key, Some(&x.to_string()))));
                            }
                        }
                    }
                }
                Invalid::collect(problems)?;
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let set: Vec<&ValueEntry> = entries.iter().filter(|e| e.value.is_some()).collect();
                for chunk in set.chunks(crate::portable::rating::CHUNK) {
                    let mut q = sqlx::QueryBuilder::<<$store as crate::BackendDb>::Db>::new(
                        "INSERT INTO rating_value (period_id, village_id, indicator_code, value, source, entered_at) ",
                    );
                    q.push_values(chunk, |mut b, e| {
                        b.push_bind(period_id)
                            .push_bind(e.village_id.clone())
                            .push_bind(e.indicator_code.clone())
                            .push_bind(e.value.unwrap_or(f64::NAN))
                            .push_bind(source.as_str())
                            .push_bind(now);
                    });
                    q.push(
                        " ON CONFLICT (period_id, village_id, indicator_code) DO UPDATE SET value = excluded.value, \
                         source = excluded.source, entered_at = excluded.entered_at",
                    );
                    q.build().execute(&mut *tx).await?;
                }
                for e in entries.iter().filter(|e| e.value.is_none()) {
                    sqlx::query("DELETE FROM rating_value WHERE period_id = $1 AND village_id = $2 AND indicator_code = $3")
                        .bind(period_id)
                        .bind(&e.village_id)
                        .bind(&e.indicator_code)
                        .execute(&mut *tx)
                        .await?;
                }
                // The results no longer follow from the values: confirming waits for a new grading.
                let n = sqlx::query("UPDATE rating_period SET graded_at = NULL WHERE id = $1 AND state = 'open'")
                    .bind(period_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(Invalid::field("state", "rating.period_not_open", None).into());
                }
                let canonical: Vec<String> = entries
                    .iter()
                    .map(|e| format!("{}|{}|{}", e.village_id, e.indicator_code, e.value.map(|x| x.to_string()).unwrap_or_default()))
                    .collect();
                let refs: Vec<&str> = canonical.iter().map(String::as_str).collect();
                let hash = crate::portable::inspection::content_hash(&refs);
                let detail = format!("period {period_id} values {} source {} sha256:{hash}", entries.len(), source.as_str());
                let action = match source {
                    ValueSource::Form => AuditAction::RatingValuesSave,
                    ValueSource::Import => AuditAction::RatingImport,
                };
                self.audit_tx(&mut tx, actor, action, Some(period_id), Some(&detail)).await?;
                tx.commit().await?;
                Ok(entries.len() as u64)
            }

            async fn grade_period(&self, actor: &Actor, period_id: &str) -> R<RatingPeriod> {
                use qinglian_domain::rating::{self as rating, SystemSource, Values};
                let (_, fv) = self.open_period_and_framework(period_id).await?;
                let framework = &fv.framework;
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let villages: Vec<RatingVillage> = sqlx::query_as(crate::portable::rating::VILLAGES).fetch_all(&mut *tx).await?;
                // What the system knows itself is taken now, into the values it is graded from.
                for ind in framework.indicators.iter().filter(|i| i.source.is_some()) {
                    let counts: std::collections::HashMap<String, i64> = match ind.source {
                        Some(SystemSource::OpenConcerns) => sqlx::query_as::<_, (String, i64)>(
                            "SELECT village_id, COUNT(*) FROM concern WHERE source = 'meeting' \
                             AND state NOT IN ('closed','closed_not_fixed') GROUP BY village_id",
                        )
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .collect(),
                        None => continue,
                    };
                    sqlx::query("DELETE FROM rating_value WHERE period_id = $1 AND indicator_code = $2")
                        .bind(period_id)
                        .bind(&ind.code)
                        .execute(&mut *tx)
                        .await?;
                    for chunk in villages.chunks(crate::portable::rating::CHUNK) {
                        let mut q = sqlx::QueryBuilder::<<$store as crate::BackendDb>::Db>::new(
                            "INSERT INTO rating_value (period_id, village_id, indicator_code, value, source, entered_at) ",
                        );
                        q.push_values(chunk, |mut b, v| {
                            // No open concern is a known zero, not a missing value.
                            b.push_bind(period_id)
                                .push_bind(v.id.clone())
                                .push_bind(ind.code.clone())
                                .push_bind(counts.get(&v.id).copied().unwrap_or(0) as f64)
                                .push_bind("system")
                                .push_bind(now);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                }
                let rows: Vec<(String, String, f64)> =
                    sqlx::query_as("SELECT village_id, indicator_code, value FROM rating_value WHERE period_id = $1")
                        .bind(period_id)
                        .fetch_all(&mut *tx)
                        .await?;
                let index: std::collections::HashMap<&str, usize> =
                    villages.iter().enumerate().map(|(i, v)| (v.id.as_str(), i)).collect();
                let codes: std::collections::HashMap<&str, usize> =
                    framework.indicators.iter().enumerate().map(|(i, x)| (x.code.as_str(), i)).collect();
                let mut values = Values {
                    villages: villages.len(),
                    columns: vec![vec![f64::NAN; villages.len()]; framework.indicators.len()],
                };
                for (village, code, x) in &rows {
                    if let (Some(&v), Some(&i)) = (index.get(village.as_str()), codes.get(code.as_str())) {
                        values.columns[i][v] = *x;
                    }
                }
                let grading = rating::grade(framework, &values)?;
                let unstable = rating::sensitivity(
                    framework,
                    &values,
                    &grading,
                    rating::SENSITIVITY_RANGE,
                    rating::SENSITIVITY_DRAWS,
                    rating::SENSITIVITY_SEED,
                );
                let dims = rating::dimension_scores(framework, &values, &grading);
                // A village with no value at all has no grade: it is shown as missing, not as C.
                let graded: Vec<usize> = (0..villages.len()).filter(|&v| !grading.scores[v].is_nan()).collect();
                sqlx::query(
                    "DELETE FROM rating_result WHERE period_id = $1 AND village_id NOT IN \
                     (SELECT village_id FROM rating_value WHERE period_id = $1)",
                )
                .bind(period_id)
                .execute(&mut *tx)
                .await?;
                for chunk in graded.chunks(crate::portable::rating::CHUNK) {
                    let mut q = sqlx::QueryBuilder::<<$store as crate::BackendDb>::Db>::new(
                        "INSERT INTO rating_result (id, period_id, village_id, township_id, score, dimension_scores, computed_grade, veto, missing, unstable_share) ",
                    );
                    q.push_values(chunk, |mut b, &v| {
                        b.push_bind(new_id())
                            .push_bind(period_id)
                            .push_bind(villages[v].id.clone())
                            .push_bind(villages[v].township_id.clone())
                            .push_bind(grading.scores[v])
                            .push_bind(serde_json::to_string(&dims[v]).unwrap_or_else(|_| "[]".to_owned()))
                            .push_bind(grading.grades[v].as_str())
                            .push_bind(grading.vetoes[v].map(crate::portable::rating::veto_str))
                            .push_bind(i64::from(grading.missing[v]))
                            .push_bind(unstable[v].clamp(0.0, 1.0));
                    });
                    q.push(
                        " ON CONFLICT (period_id, village_id) DO UPDATE SET township_id = excluded.township_id, score = excluded.score, \
                         dimension_scores = excluded.dimension_scores, computed_grade = excluded.computed_grade, veto = excluded.veto, \
                         missing = excluded.missing, unstable_share = excluded.unstable_share",
                    );
                    q.build().execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE rating_period SET graded_at = $2 WHERE id = $1")
                    .bind(period_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let mut counts = [0usize; 3];
                let canonical: Vec<String> = graded
                    .iter()
                    .map(|&v| {
                        counts[grading.grades[v] as usize] += 1;
                        format!("{}|{:.6}|{}", villages[v].id, grading.scores[v], grading.grades[v].as_str())
                    })
                    .collect();
                let refs: Vec<&str> = canonical.iter().map(String::as_str).collect();
                let hash = crate::portable::inspection::content_hash(&refs);
                let detail = format!(
                    "framework v{} graded {} A {} B {} C {} sha256:{hash}",
                    fv.version,
                    graded.len(),
                    counts[0],
                    counts[1],
                    counts[2]
                );
                self.audit_tx(&mut tx, actor, AuditAction::RatingGrade, Some(period_id), Some(&detail)).await?;
                tx.commit().await?;
                self.get_period(period_id).await
            }

            async fn period_results(&self, reach: &qinglian_domain::scope::Reach, period_id: &str) -> R<Vec<RatingResult>> {
                self.get_period(period_id).await?;
                let all = sqlx::query_as::<_, RatingResult>(concat!(
                    crate::portable::rating::result_select!(),
                    " WHERE r.period_id = $1 ORDER BY v.division_code"
                ))
                .bind(period_id)
                .fetch_all(&self.read)
                .await?;
                Ok(all.into_iter().filter(|r| reach.covers_township(&r.township_id)).collect())
            }

            async fn get_result(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<RatingResult> {
                let r = sqlx::query_as::<_, RatingResult>(concat!(crate::portable::rating::result_select!(), " WHERE r.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                if reach.covers_township(&r.township_id) { Ok(r) } else { Err(StoreError::NotFound) }
            }

            async fn adjust_grade(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                result_id: &str,
                adjustment: &qinglian_domain::rating::Adjustment,
            ) -> R<RatingResult> {
                let r = self.get_result(reach, result_id).await?;
                let period = self.get_period(&r.period_id).await?;
                if period.state == "published" {
                    return Err(crate::portable::rating::not_in_state("rating.period_published", &period));
                }
                if adjustment.grade.as_str() == r.computed_grade {
                    return Err(Invalid::field("grade", "rating.adjust_same", Some(&r.computed_grade)).into());
                }
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE rating_result SET adjusted_grade = $2, adjust_reason = $3, adjusted_by = $4, adjusted_at = $5 WHERE id = $1",
                )
                .bind(result_id)
                .bind(adjustment.grade.as_str())
                .bind(adjustment.reason.as_str())
                .bind(&actor.name)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                // The reason stays in the record; the log carries only its hash.
                let hash = crate::portable::inspection::content_hash(&[adjustment.reason.as_str()]);
                let detail = format!(
                    "period {} village {} {} -> {} reason sha256:{hash}",
                    r.period_id,
                    r.division_code,
                    r.computed_grade,
                    adjustment.grade.as_str()
                );
                self.audit_tx(&mut tx, actor, AuditAction::GradeAdjust, Some(result_id), Some(&detail)).await?;
                tx.commit().await?;
                self.get_result(reach, result_id).await
            }

            async fn confirm_period(&self, actor: &Actor, id: &str) -> R<RatingPeriod> {
                let period = self.get_period(id).await?;
                if period.state != "open" {
                    return Err(crate::portable::rating::not_in_state("rating.period_not_open", &period));
                }
                if period.graded_at.is_none() {
                    return Err(Invalid::field("graded_at", "rating.not_graded", None).into());
                }
                let mut tx = self.begin_write().await?;
                // Guarded by the state read above: a concurrent change of values clears graded_at.
                let n = sqlx::query(
                    "UPDATE rating_period SET state = 'confirmed', confirmed_at = $2, confirmed_by = $3 \
                     WHERE id = $1 AND state = 'open' AND graded_at IS NOT NULL",
                )
                .bind(id)
                .bind(Utc::now())
                .bind(&actor.name)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n != 1 {
                    return Err(Invalid::field("graded_at", "rating.not_graded", None).into());
                }
                self.audit_tx(&mut tx, actor, AuditAction::RatingConfirm, Some(id), Some(&period.label)).await?;
                tx.commit().await?;
                self.get_period(id).await
            }

            async fn publish_period(&self, actor: &Actor, id: &str) -> R<RatingPeriod> {
                let period = self.get_period(id).await?;
                if period.state != "confirmed" {
                    return Err(crate::portable::rating::not_in_state("rating.period_not_confirmed", &period));
                }
                let results = self.period_results(&qinglian_domain::scope::Reach::everything(), id).await?;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("UPDATE rating_period SET state = 'published', published_at = $2 WHERE id = $1 AND state = 'confirmed'")
                    .bind(id)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(Invalid::field("state", "rating.period_not_confirmed", None).into());
                }
                let mut counts = [0usize; 3];
                let canonical: Vec<String> = results
                    .iter()
                    .map(|r| {
                        counts[r.grade() as usize] += 1;
                        format!("{}|{}", r.division_code, r.grade().as_str())
                    })
                    .collect();
                let refs: Vec<&str> = canonical.iter().map(String::as_str).collect();
                let hash = crate::portable::inspection::content_hash(&refs);
                let detail = format!("{} A {} B {} C {} sha256:{hash}", period.label, counts[0], counts[1], counts[2]);
                self.audit_tx(&mut tx, actor, AuditAction::RatingPublish, Some(id), Some(&detail)).await?;
                tx.commit().await?;
                self.get_period(id).await
            }

            async fn public_c_villages(&self, period_id: &str) -> R<Vec<PublicCVillage>> {
                self.published_period(period_id).await?;
                self.public_c_rows(period_id).await
            }

            async fn public_rating(&self, period_id: &str) -> R<PublicRating> {
                let period = self.published_period(period_id).await?;
                Ok(PublicRating {
                    counts: self.public_count_rows(period_id).await?,
                    villages: self.public_c_rows(period_id).await?,
                    items: self.public_item_rows(period_id).await?,
                    period,
                })
            }
        }
    };
}
pub(crate) use rating_impl;
