//! Monthly reports (月度汇报) over JSON: a village plan's schedule of months with their status,
//! the overdue months within reach, filing a month's report (a village liaison of the
//! township), hearing it (the township's party secretary, never the filer), and one report (an
//! audited read). Another township's plan or report is 404; a refused filing or hearing is 422
//! naming the rule; a second report for a month is 422 (or 409 if two race).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use qinglian_domain::inspection::Text;
use qinglian_domain::rectification::report::{ReportMonth, Sections};
use qinglian_store::model::{MonthlyReport, MonthlyReportSchedule, OverdueMonthlyReport};
use serde::Deserialize;

use super::cross_handling::today;
use crate::auth::cap;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;

#[utoipa::path(get, path = "/api/v1/village-plans/{id}/monthly-reports", tag = "rectification",
    params(("id" = String, Path)),
    responses((status = 200, body = MonthlyReportSchedule), (status = 404, body = ErrorBody)))]
pub async fn schedule(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _): ApiScoped<cap::ReadRectification>,
    Path(id): Path<String>,
) -> Res<MonthlyReportSchedule> {
    Ok(ApiJson(
        state.store.monthly_report_schedule(&reach, &id, today()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMonthlyReport {
    /// `YYYY-MM`: an ended month the plan owes a report for.
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
}

#[utoipa::path(post, path = "/api/v1/village-plans/{id}/monthly-reports", tag = "rectification",
    params(("id" = String, Path)), request_body = NewMonthlyReport,
    responses((status = 201, body = MonthlyReport), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewMonthlyReport>,
) -> Result<(StatusCode, ApiJson<MonthlyReport>), ApiError> {
    let (month, sections) = parse(&b)?;
    let report = state
        .store
        .file_monthly_report(&user.actor, &reach, &id, month, &sections, chrono::Utc::now())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(report)))
}

/// The month and the five sections, every bad field at once.
pub(crate) fn parse(b: &NewMonthlyReport) -> Result<(ReportMonth, Sections), qinglian_domain::Invalid> {
    let month = ReportMonth::parse("month", &b.month);
    let sections = Sections::parse(&b.conduct, &b.funds, &b.projects, &b.affairs, &b.complaints);
    qinglian_domain::Invalid::collect([month.clone().err(), sections.clone().err()])?;
    let (Ok(month), Ok(sections)) = (month, sections) else {
        unreachable!("collect returned every error above")
    };
    Ok((month, sections))
}

#[utoipa::path(get, path = "/api/v1/monthly-reports/{id}", tag = "rectification", params(("id" = String, Path)),
    responses((status = 200, body = MonthlyReport), (status = 404, body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ReadRectification>,
    Path(id): Path<String>,
) -> Res<MonthlyReport> {
    Ok(ApiJson(state.store.get_monthly_report(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hearing {
    /// The party secretary's remarks on the report.
    pub remarks: String,
}

#[utoipa::path(post, path = "/api/v1/monthly-reports/{id}/hearing", tag = "rectification",
    params(("id" = String, Path)), request_body = Hearing,
    responses((status = 200, body = MonthlyReport), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn hear(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Hearing>,
) -> Res<MonthlyReport> {
    let remarks = Text::parse("remarks", &b.remarks)?;
    Ok(ApiJson(
        state
            .store
            .hear_monthly_report(&user.actor, &reach, &id, &remarks, chrono::Utc::now())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/monthly-reports/overdue", tag = "rectification",
    responses((status = 200, body = Vec<OverdueMonthlyReport>)))]
pub async fn overdue(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _): ApiScoped<cap::ReadRectification>,
) -> Res<Vec<OverdueMonthlyReport>> {
    Ok(ApiJson(state.store.overdue_monthly_reports(&reach, today()).await?))
}
