//! Monthly reports (月度汇报) as the store returns them: one report, a plan's schedule of
//! months with their status, and the overdue months within reach.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A report as filed and, once heard, archived.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MonthlyReport {
    pub id: String,
    pub plan_id: String,
    pub village_id: String,
    pub village_name: String,
    pub township_id: String,
    pub township_name: String,
    /// `YYYY-MM`, the month reported on.
    pub month: String,
    /// 作风纪律
    pub conduct: String,
    /// 三资管理
    pub funds: String,
    /// 村级工程
    pub projects: String,
    /// 村务管理运行
    pub affairs: String,
    /// 群众反映/信访
    pub complaints: String,
    pub filed_by: String,
    pub filed_by_name: String,
    pub filed_at: DateTime<Utc>,
    pub heard_by: Option<String>,
    pub heard_by_name: Option<String>,
    pub heard_at: Option<DateTime<Utc>>,
    /// The party secretary's remarks at the hearing.
    pub remarks: Option<String>,
}

/// A month of a plan's schedule, with the report filed for it if any.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ScheduledMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// The day the report is due (`DUE_DAY` of the following month).
    pub due_on: NaiveDate,
    /// `not_yet_due`, `due`, `overdue`, `filed` (awaiting the hearing) or `heard` (archived).
    pub status: String,
    pub report_id: Option<String>,
    pub filed_by_name: Option<String>,
    pub filed_at: Option<DateTime<Utc>>,
    pub heard_by_name: Option<String>,
    pub heard_at: Option<DateTime<Utc>>,
}

/// The months a plan owes a report for, oldest first: a month with no report is listed too.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MonthlyReportSchedule {
    pub plan_id: String,
    /// The day the plan was opened (Beijing time): its month is the first owed.
    pub opened_on: NaiveDate,
    /// The day reporting ended, if it has; its month is the last owed.
    pub reporting_ends_on: Option<NaiveDate>,
    /// The day of the following month a report is due.
    pub due_day: u32,
    pub months: Vec<ScheduledMonth>,
}

/// A month whose report is past its due day and not filed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OverdueMonthlyReport {
    pub plan_id: String,
    pub village_id: String,
    pub village_name: String,
    pub township_id: String,
    pub township_name: String,
    /// `YYYY-MM`.
    pub month: String,
    pub due_on: NaiveDate,
    pub days_overdue: i64,
}
