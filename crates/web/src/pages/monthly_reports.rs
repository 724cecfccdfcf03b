//! Staff pages of monthly reports (月度汇报): filing a month's report from the plan's page, one
//! report with the party secretary's hearing form, and the overdue months within reach.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::access::Action;
use qinglian_domain::inspection::Text;
use qinglian_domain::scope::Reach;
use qinglian_store::model::{MonthlyReport, OverdueMonthlyReport};
use serde::Deserialize;

use super::village_plans::plan_page;
use super::{local_time, render, render_status};
use crate::api::cross_handling::today;
use crate::api::monthly_reports::{NewMonthlyReport, parse};
use crate::auth::{CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    conduct: String,
    #[serde(default)]
    funds: String,
    #[serde(default)]
    projects: String,
    #[serde(default)]
    affairs: String,
    #[serde(default)]
    complaints: String,
}

/// `POST /staff/village-plans/{id}/monthly-reports`
pub async fn file(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::IssueRectification>,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReportForm>,
) -> Result<Response, PageError> {
    let result = async {
        let (month, sections) = parse(&NewMonthlyReport {
            month: f.month,
            conduct: f.conduct,
            funds: f.funds,
            projects: f.projects,
            affairs: f.affairs,
            complaints: f.complaints,
        })?;
        Ok::<_, AppError>(
            state
                .store
                .file_monthly_report(&user.actor, &reach, &id, month, &sections, chrono::Utc::now())
                .await?,
        )
    }
    .await;
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/staff/monthly-reports/{}", r.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = plan_page(&state, &user, t, &reach, &id, e.field_problems(t)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Template)]
#[template(path = "staff/monthly_report.html")]
struct ReportPage {
    t: Tr,
    user: Option<UserView>,
    r: MonthlyReport,
    /// Section label keys beside their text, in the order the township hears them.
    sections: Vec<(&'static str, String)>,
    filed_at: String,
    heard_at: String,
    may_issue: bool,
    errors: Vec<FieldProblem>,
}

async fn report_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    errors: Vec<FieldProblem>,
) -> Result<ReportPage, PageError> {
    let r = state
        .store
        .get_monthly_report(&user.actor, reach, id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let sections = vec![
        ("monthly_report.field.conduct", r.conduct.clone()),
        ("monthly_report.field.funds", r.funds.clone()),
        ("monthly_report.field.projects", r.projects.clone()),
        ("monthly_report.field.affairs", r.affairs.clone()),
        ("monthly_report.field.complaints", r.complaints.clone()),
    ];
    Ok(ReportPage {
        t,
        user: Some(user.view()),
        filed_at: local_time(&r.filed_at),
        heard_at: r.heard_at.as_ref().map(local_time).unwrap_or_default(),
        sections,
        r,
        may_issue: user.may(Action::IssueRectification),
        errors,
    })
}

/// `GET /staff/monthly-reports/{id}`
pub async fn show(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRectification>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(&report_page(&state, &user, t, &reach, &id, Vec::new()).await?))
}

#[derive(Debug, Deserialize, Default)]
pub struct HearingForm {
    #[serde(default)]
    remarks: String,
}

/// `POST /staff/monthly-reports/{id}/hearing`
pub async fn hear(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::IssueRectification>,
    Path(id): Path<String>,
    PageForm(f): PageForm<HearingForm>,
) -> Result<Response, PageError> {
    let result = async {
        let remarks = Text::parse("remarks", &f.remarks)?;
        Ok::<_, AppError>(
            state
                .store
                .hear_monthly_report(&user.actor, &reach, &id, &remarks, chrono::Utc::now())
                .await?,
        )
    }
    .await;
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/staff/monthly-reports/{}", r.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = report_page(&state, &user, t, &reach, &id, e.field_problems(t)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Template)]
#[template(path = "staff/monthly_reports_overdue.html")]
struct OverduePage {
    t: Tr,
    user: Option<UserView>,
    overdue: Vec<OverdueMonthlyReport>,
}

/// `GET /staff/monthly-reports/overdue`
pub async fn overdue(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRectification>,
) -> Result<Response, PageError> {
    let overdue = state
        .store
        .overdue_monthly_reports(&reach, today())
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&OverduePage {
        t,
        user: Some(user.view()),
        overdue,
    }))
}
