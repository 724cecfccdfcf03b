//! Staff pages of village plans (一村一方案): the plans within reach with the form to open one,
//! and a plan's items, each with its history and the step its state allows, and its monthly
//! reports' schedule (月度汇报) with the form to file one.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::access::Action;
use qinglian_domain::rectification::item::{ItemAct, ItemInput, ItemState, PlanInput};
use qinglian_domain::rectification::report::MonthStatus;
use qinglian_domain::scope::Reach;
use qinglian_store::model::{
    MonthlyReportSchedule, PageRequest, RatingPeriod, Staff, Village, VillageFilter, VillagePlan, VillagePlanSummary,
};
use serde::Deserialize;

use super::{local_time, render, render_status};
use crate::api::cross_handling::today;
use crate::auth::{CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/village_plans.html")]
struct ListPage {
    t: Tr,
    user: Option<UserView>,
    plans: Vec<VillagePlanSummary>,
    may_issue: bool,
    villages: Vec<Village>,
    /// Decided periods (confirmed or published), newest first: what a plan may answer.
    periods: Vec<RatingPeriod>,
    errors: Vec<FieldProblem>,
}

/// The villages of the townships the user reaches, for the forms of township officials.
async fn own_villages(state: &AppState, reach: &Reach) -> Result<Vec<Village>, qinglian_store::StoreError> {
    let mut out = Vec::new();
    // County-wide readers open no plans: only township officials get the choice.
    if reach.county {
        return Ok(out);
    }
    for township in &reach.townships {
        let filter = VillageFilter {
            township_id: Some(township.clone()),
            q: None,
        };
        out.extend(
            state
                .store
                .list_villages(&filter, PageRequest::new(1, PageRequest::MAX_LIMIT as u32))
                .await?
                .items,
        );
    }
    Ok(out)
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    errors: Vec<FieldProblem>,
) -> Result<ListPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let may_issue = user.may(Action::IssueRectification);
    Ok(ListPage {
        t,
        user: Some(user.view()),
        plans: state.store.list_village_plans(reach, today()).await.map_err(err)?,
        villages: if may_issue {
            own_villages(state, reach).await.map_err(err)?
        } else {
            Vec::new()
        },
        periods: if may_issue {
            let mut periods = state.store.list_periods().await.map_err(err)?;
            periods.retain(|p| p.state != "open");
            periods
        } else {
            Vec::new()
        },
        may_issue,
        errors,
    })
}

/// `GET /staff/village-plans`
pub async fn list(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRectification>,
) -> Result<Response, PageError> {
    Ok(render(&list_page(&state, &user, t, &reach, Vec::new()).await?))
}

#[derive(Debug, Deserialize, Default)]
pub struct PlanForm {
    #[serde(default)]
    village_id: String,
    #[serde(default)]
    period_id: String,
}

/// `POST /staff/village-plans`
pub async fn create(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::IssueRectification>,
    PageForm(f): PageForm<PlanForm>,
) -> Result<Response, PageError> {
    let result = async {
        let input = PlanInput::parse(&f.village_id, &f.period_id)?;
        Ok::<_, AppError>(
            state
                .store
                .create_village_plan(&user.actor, &reach, &input, chrono::Utc::now())
                .await?,
        )
    }
    .await;
    match result {
        Ok(plan) => Ok(Redirect::to(&format!("/staff/village-plans/{}", plan.plan.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = list_page(&state, &user, t, &reach, e.field_problems(t)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

/// A step in an item's history: label key, text, who, when, and the files handed in with it.
struct HistoryLine {
    kind_key: String,
    body: String,
    actor: String,
    at: String,
    files: Vec<qinglian_store::model::ItemFile>,
}

/// An item as the plan's page shows it, with the steps the user may offer.
struct ItemView {
    id: String,
    seq: i64,
    title: String,
    owner: String,
    deadline: String,
    expected_result: String,
    state_key: String,
    overdue: bool,
    /// The owner has the next move: the form offers evidence files.
    awaits_owner: bool,
    version: i64,
    history: Vec<HistoryLine>,
    /// Steps the item's state allows: kind and label key. Who may take them is the store's
    /// check; the page only leaves out steps no one could take now.
    steps: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "staff/village_plan.html")]
pub(super) struct PlanPage {
    t: Tr,
    user: Option<UserView>,
    plan: VillagePlan,
    items: Vec<ItemView>,
    may_issue: bool,
    owners: Vec<Staff>,
    today: String,
    errors: Vec<FieldProblem>,
    /// The monthly reports' schedule (月度汇报), oldest month first.
    reports: MonthlyReportSchedule,
    months: Vec<MonthView>,
    /// The months a report can be filed for now (ended, owed, not yet filed).
    fileable: Vec<String>,
}

/// A month of the schedule as the plan's page shows it.
pub(super) struct MonthView {
    month: String,
    due_on: String,
    status: &'static str,
    status_key: &'static str,
    report_id: Option<String>,
    filed_by: String,
    heard_by: String,
}

fn steps(state: ItemState) -> Vec<(&'static str, &'static str)> {
    use ItemState::*;
    match state {
        Open | Returned | Reopened => vec![
            ("submit", "plan.act.submit"),
            ("close_not_fixed", "plan.act.close_not_fixed"),
        ],
        Submitted => vec![
            ("verify", "plan.act.verify"),
            ("send_back", "plan.act.send_back"),
            ("close_not_fixed", "plan.act.close_not_fixed"),
        ],
        Closed | ClosedNotFixed => vec![("reopen", "plan.act.reopen")],
    }
}

pub(super) async fn plan_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    errors: Vec<FieldProblem>,
) -> Result<PlanPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let plan = state.store.get_village_plan(reach, id, today()).await.map_err(err)?;
    let items = plan
        .items
        .iter()
        .map(|i| {
            let st = ItemState::parse(&i.item.state).unwrap_or(ItemState::Open);
            ItemView {
                id: i.item.id.clone(),
                seq: i.item.seq,
                title: i.item.title.clone(),
                owner: i.item.owner_name.clone(),
                deadline: i.item.deadline.to_string(),
                expected_result: i.item.expected_result.clone(),
                state_key: format!("plan.state.{}", i.item.state),
                overdue: i.overdue,
                awaits_owner: st.awaits_owner(),
                version: i.item.version,
                history: i
                    .events
                    .iter()
                    .map(|e| HistoryLine {
                        kind_key: format!("plan.act.{}", e.kind),
                        body: e.body.clone(),
                        actor: e.actor_name.clone(),
                        at: local_time(&e.at),
                        files: e.files.clone(),
                    })
                    .collect(),
                steps: steps(st),
            }
        })
        .collect();
    let may_issue = user.may(Action::IssueRectification);
    // Owners are the officials posted to the plan's township.
    let owners = if may_issue {
        state
            .store
            .all_staff()
            .await
            .map_err(err)?
            .into_iter()
            .filter(|s| {
                s.posting_kind == "township" && s.posting_unit_id.as_deref() == Some(plan.plan.township_id.as_str())
            })
            .collect()
    } else {
        Vec::new()
    };
    let reports = state
        .store
        .monthly_report_schedule(reach, id, today())
        .await
        .map_err(err)?;
    let months = reports
        .months
        .iter()
        .map(|m| {
            let st = MonthStatus::parse(&m.status).unwrap_or(MonthStatus::Due);
            MonthView {
                month: m.month.clone(),
                due_on: m.due_on.to_string(),
                status: st.as_str(),
                status_key: st.key(),
                report_id: m.report_id.clone(),
                filed_by: m.filed_by_name.clone().unwrap_or_default(),
                heard_by: m.heard_by_name.clone().unwrap_or_default(),
            }
        })
        .collect();
    let fileable = reports
        .months
        .iter()
        .filter(|m| {
            matches!(
                MonthStatus::parse(&m.status),
                Some(MonthStatus::Due | MonthStatus::Overdue)
            )
        })
        .map(|m| m.month.clone())
        .collect();
    Ok(PlanPage {
        t,
        user: Some(user.view()),
        plan,
        items,
        may_issue,
        owners,
        today: today().to_string(),
        errors,
        reports,
        months,
        fileable,
    })
}

/// `GET /staff/village-plans/{id}`
pub async fn show(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRectification>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(&plan_page(&state, &user, t, &reach, &id, Vec::new()).await?))
}

/// Back to the plan's page, or the page with the rule that refused the step.
async fn outcome(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    plan_id: &str,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/village-plans/{plan_id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = plan_page(state, user, t, reach, plan_id, e.field_problems(t)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ItemForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner_staff_id: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    expected_result: String,
}

/// `POST /staff/village-plans/{id}/items`
pub async fn add_item(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::IssueRectification>,
    Path(id): Path<String>,
    PageForm(f): PageForm<ItemForm>,
) -> Result<Response, PageError> {
    let today = today();
    let result = async {
        let input = ItemInput::parse(&f.title, &f.owner_staff_id, &f.deadline, &f.expected_result, today)?;
        state
            .store
            .add_rectification_item(&user.actor, &reach, &id, &input, today)
            .await?;
        Ok(())
    }
    .await;
    outcome(&state, &user, t, &reach, &id, result).await
}

#[derive(Debug, Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    /// Evidence file ids, separated by commas or spaces.
    #[serde(default)]
    file_ids: String,
    #[serde(default)]
    version: Option<i64>,
    /// The plan whose page the form is on, to show a refusal there.
    #[serde(default)]
    plan_id: String,
}

/// `POST /staff/rectification-items/{id}/acts`
pub async fn act(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::IssueRectification>,
    Path(id): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> Result<Response, PageError> {
    let files: Vec<String> = f
        .file_ids
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .map(str::to_owned)
        .collect();
    let result = async {
        let act = ItemAct::parse(&f.kind, &f.text, files)?;
        Ok::<_, AppError>(
            state
                .store
                .act_on_rectification_item(&user.actor, &reach, &id, &act, f.version, today())
                .await?,
        )
    }
    .await;
    match result {
        Ok(plan) => Ok(Redirect::to(&format!("/staff/village-plans/{}", plan.plan.id)).into_response()),
        // The refusal is shown on the plan the form came from (read within reach like any other).
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            outcome(&state, &user, t, &reach, &f.plan_id, Err(e)).await
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

/// `GET /staff/rectification-items/{id}/files/{file}`: an evidence file handed in on the item,
/// for whoever may read its plan (the supervisor who verifies it above all), as a recorded
/// download.
pub async fn file(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRectification>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let found = state
        .store
        .item_evidence(&reach, &id, &file)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    crate::api::evidence::stream(&state, &user.actor, &found)
        .await
        .map_err(|e| PageError::new(e, t.lang))
}
