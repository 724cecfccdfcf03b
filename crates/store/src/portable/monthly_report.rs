//! Monthly reports (月度汇报) on both backends. The schedule and the rules are
//! `domain::rectification::report`'s; the store loads the facts (when the plan opened, where
//! its reporting ends, what was filed), asks the rule, and writes the change with its audit row
//! and log entry in one transaction.

macro_rules! report_select {
    () => {
        "SELECT r.id, r.plan_id, p.village_id, v.name AS village_name, p.township_id, t.name AS township_name, \
         r.month, r.conduct, r.funds, r.projects, r.affairs, r.complaints, r.filed_by, r.filed_by_name, r.filed_at, \
         r.heard_by, r.heard_by_name, r.heard_at, r.remarks FROM monthly_report r \
         JOIN village_plan p ON p.id = r.plan_id JOIN village v ON v.id = p.village_id JOIN township t ON t.id = p.township_id"
    };
}
pub(crate) use report_select;

/// The day a plan was opened, Beijing time: its month is the first that owes a report.
pub(crate) fn opened_on(plan: &crate::model::VillagePlanRow) -> chrono::NaiveDate {
    plan.created_at
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive()
}

/// Where each plan's reporting ends, from its row and its items' states: on the day the next
/// period was published, once that period decided the village's way (`standing`): it left C,
/// so there is nothing more to report, or it is C again, so the reports go on under the plan
/// for that period. A village graded above C with items still open keeps reporting.
pub(crate) fn ends_of(
    plans: &[crate::model::VillagePlanRow],
    items: &[(String, String)],
) -> std::collections::HashMap<String, chrono::NaiveDate> {
    use qinglian_domain::rectification::item::ItemState;
    use qinglian_domain::rectification::standing::Standing;
    plans
        .iter()
        .filter_map(|p| {
            let states: Vec<ItemState> = items
                .iter()
                .filter(|(plan, _)| *plan == p.id)
                .map(|(_, s)| ItemState::parse(s).unwrap_or(ItemState::Open))
                .collect();
            match p.standing(&states) {
                Standing::LeftC | Standing::StillC => p.next_published_at.map(|t| {
                    (
                        p.id.clone(),
                        t.with_timezone(&qinglian_domain::inspection::CHINA).date_naive(),
                    )
                }),
                Standing::Awaiting | Standing::AboveCPlanOpen => None,
            }
        })
        .collect()
}

macro_rules! monthly_report_impl {
    ($store:ty) => {
        impl $store {
            /// Where the reporting of each plan ends (absent: still running); the rule is
            /// `ends_of`'s, the one place that says so.
            async fn reporting_ends(&self, plans: &[VillagePlanRow]) -> R<std::collections::HashMap<String, chrono::NaiveDate>> {
                if plans.is_empty() {
                    return Ok(Default::default());
                }
                let marks: Vec<String> = (1..=plans.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT plan_id, state FROM rectification_item WHERE plan_id IN ({})",
                    marks.join(", ")
                );
                let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
                for p in plans {
                    q = q.bind(&p.id);
                }
                let rows = q.fetch_all(&self.read).await?;
                Ok(crate::portable::monthly_report::ends_of(plans, &rows))
            }

            /// A report's row, if its plan is within reach; `NotFound` otherwise.
            async fn report_row(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<MonthlyReport> {
                let row = sqlx::query_as::<_, MonthlyReport>(concat!(crate::portable::monthly_report::report_select!(), " WHERE r.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                if !reach.covers_township(&row.township_id) {
                    return Err(StoreError::NotFound);
                }
                Ok(row)
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::MonthlyReportRepo for $store {
            async fn monthly_report_schedule(
                &self,
                reach: &qinglian_domain::scope::Reach,
                plan_id: &str,
                today: chrono::NaiveDate,
            ) -> R<MonthlyReportSchedule> {
                use qinglian_domain::rectification::report::{DUE_DAY, ReportMonth, schedule, status};
                let plan = self.plan_row(reach, plan_id).await?;
                let ends = self.reporting_ends(std::slice::from_ref(&plan)).await?.remove(&plan.id);
                let opened = crate::portable::monthly_report::opened_on(&plan);
                let reports = sqlx::query_as::<_, MonthlyReport>(concat!(
                    crate::portable::monthly_report::report_select!(),
                    " WHERE r.plan_id = $1 ORDER BY r.month"
                ))
                .bind(&plan.id)
                .fetch_all(&self.read)
                .await?;
                let mut months: Vec<ReportMonth> = schedule(opened, ends, today);
                // A report on record is never left out, whatever the schedule says now.
                for r in &reports {
                    if let Ok(m) = ReportMonth::parse("month", &r.month)
                        && !months.contains(&m)
                    {
                        months.push(m);
                    }
                }
                months.sort();
                let months = months
                    .into_iter()
                    .map(|m| {
                        let key = m.to_string();
                        let r = reports.iter().find(|r| r.month == key);
                        ScheduledMonth {
                            due_on: m.due_on(),
                            status: status(m, r.map(|r| r.heard_at.is_some()), today).as_str().to_owned(),
                            report_id: r.map(|r| r.id.clone()),
                            filed_by_name: r.map(|r| r.filed_by_name.clone()),
                            filed_at: r.map(|r| r.filed_at),
                            heard_by_name: r.and_then(|r| r.heard_by_name.clone()),
                            heard_at: r.and_then(|r| r.heard_at),
                            month: key,
                        }
                    })
                    .collect();
                Ok(MonthlyReportSchedule {
                    plan_id: plan.id,
                    opened_on: opened,
                    reporting_ends_on: ends,
                    due_day: DUE_DAY,
                    months,
                })
            }

            async fn overdue_monthly_reports(
                &self,
                reach: &qinglian_domain::scope::Reach,
                today: chrono::NaiveDate,
            ) -> R<Vec<OverdueMonthlyReport>> {
                use qinglian_domain::rectification::report::{MonthStatus, schedule, status};
                let (cond, binds) = crate::portable::inspection::reach_clause(reach, None, Some("p.township_id"), None, 1);
                let sql = format!(
                    concat!(crate::portable::rectification::plan_select!(), " WHERE {} ORDER BY t.division_code, v.division_code, p.created_at"),
                    cond
                );
                let mut q = sqlx::query_as::<_, VillagePlanRow>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let plans = q.fetch_all(&self.read).await?;
                let sql = format!("SELECT r.plan_id, r.month FROM monthly_report r JOIN village_plan p ON p.id = r.plan_id WHERE {cond}");
                let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let filed: std::collections::HashSet<(String, String)> = q.fetch_all(&self.read).await?.into_iter().collect();
                let ends = self.reporting_ends(&plans).await?;
                let mut out = Vec::new();
                for plan in &plans {
                    let opened = crate::portable::monthly_report::opened_on(plan);
                    for m in schedule(opened, ends.get(&plan.id).copied(), today) {
                        if filed.contains(&(plan.id.clone(), m.to_string())) || status(m, None, today) != MonthStatus::Overdue {
                            continue;
                        }
                        out.push(OverdueMonthlyReport {
                            plan_id: plan.id.clone(),
                            village_id: plan.village_id.clone(),
                            village_name: plan.village_name.clone(),
                            township_id: plan.township_id.clone(),
                            township_name: plan.township_name.clone(),
                            month: m.to_string(),
                            due_on: m.due_on(),
                            days_overdue: (today - m.due_on()).num_days(),
                        });
                    }
                }
                out.sort_by(|a, b| a.month.cmp(&b.month));
                Ok(out)
            }

            async fn file_monthly_report(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                plan_id: &str,
                month: qinglian_domain::rectification::report::ReportMonth,
                sections: &qinglian_domain::rectification::report::Sections,
                now: DateTime<Utc>,
            ) -> R<MonthlyReport> {
                use qinglian_domain::rectification::report::{Filer, FilingFacts, check_filing};
                let plan = self.plan_row(reach, plan_id).await?;
                let not_liaison = || Invalid::field("report", "monthly_report.filer_not_liaison", None);
                let staff_id = actor.staff_id.clone().ok_or_else(not_liaison)?;
                let (name, role, posting_kind, unit): (String, String, String, Option<String>) =
                    sqlx::query_as("SELECT name, role, posting_kind, posting_unit_id FROM staff WHERE id = $1")
                        .bind(&staff_id)
                        .fetch_optional(&self.read)
                        .await?
                        .ok_or_else(not_liaison)?;
                let titled: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM township_post WHERE township_id = $1 AND post = 'party_secretary' AND staff_id = $2",
                )
                .bind(&plan.township_id)
                .bind(&staff_id)
                .fetch_one(&self.read)
                .await?;
                let filed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM monthly_report WHERE plan_id = $1 AND month = $2")
                    .bind(&plan.id)
                    .bind(month.to_string())
                    .fetch_one(&self.read)
                    .await?;
                let ends = self.reporting_ends(std::slice::from_ref(&plan)).await?.remove(&plan.id);
                let posting_township = (posting_kind == "township").then_some(unit).flatten();
                let today = now.with_timezone(&qinglian_domain::inspection::CHINA).date_naive();
                check_filing(
                    FilingFacts {
                        township_id: &plan.township_id,
                        opened_on: crate::portable::monthly_report::opened_on(&plan),
                        reporting_ends_on: ends,
                        already_filed: filed > 0,
                    },
                    Filer {
                        role: Role::parse("role", &role)?,
                        posting_township_id: posting_township.as_deref(),
                        party_secretary: titled > 0,
                    },
                    month,
                    today,
                )?;
                let id = new_id();
                let [conduct, funds, projects, affairs, complaints] = sections.texts();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO monthly_report (id, plan_id, month, conduct, funds, projects, affairs, complaints, \
                     filed_by, filed_by_name, filed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&id)
                .bind(&plan.id)
                .bind(month.to_string())
                .bind(conduct)
                .bind(funds)
                .bind(projects)
                .bind(affairs)
                .bind(complaints)
                .bind(&staff_id)
                .bind(&name)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(constraint("month", Some(&month.to_string()), "plan_id"))?;
                // The log carries a hash of the text, never the text: reports may name people.
                let hash = crate::portable::inspection::content_hash(&sections.texts());
                let detail = format!("plan {} month {month} sha256:{hash}", plan.id);
                self.audit_tx(&mut tx, actor, AuditAction::MonthlyReportFile, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.report_row(&qinglian_domain::scope::Reach::everything(), &id).await
            }

            async fn hear_monthly_report(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                remarks: &qinglian_domain::inspection::Text,
                now: DateTime<Utc>,
            ) -> R<MonthlyReport> {
                use qinglian_domain::rectification::report::check_hearing;
                let row = self.report_row(reach, id).await?;
                let (staff_id, name, post) = match self.rect_post_of(actor, &row.township_id).await {
                    Ok(who) => who,
                    // Someone who is not staff holds no post: the same refusal as anyone else's.
                    Err(StoreError::Invalid(_) | StoreError::NotFound) => (String::new(), String::new(), None),
                    Err(e) => return Err(e),
                };
                check_hearing(&row.filed_by, row.heard_at.is_some(), &staff_id, post)?;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE monthly_report SET heard_by = $2, heard_by_name = $3, heard_at = $4, remarks = $5 \
                     WHERE id = $1 AND heard_at IS NULL",
                )
                .bind(&row.id)
                .bind(&staff_id)
                .bind(&name)
                .bind(now)
                .bind(remarks.as_str())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(Invalid::field("report", "monthly_report.already_heard", None).into());
                }
                let hash = crate::portable::inspection::content_hash(&[remarks.as_str()]);
                let detail = format!("plan {} month {} sha256:{hash}", row.plan_id, row.month);
                self.audit_tx(&mut tx, actor, AuditAction::MonthlyReportHear, Some(&row.id), Some(&detail)).await?;
                tx.commit().await?;
                self.report_row(&qinglian_domain::scope::Reach::everything(), &row.id).await
            }

            async fn get_monthly_report(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, id: &str) -> R<MonthlyReport> {
                let row = self.report_row(reach, id).await?;
                let detail = format!("plan {} month {}", row.plan_id, row.month);
                self.audit_read(actor, AuditAction::MonthlyReportView, Some(&row.id), Some(&detail)).await?;
                Ok(row)
            }
        }
    };
}
pub(crate) use monthly_report_impl;
