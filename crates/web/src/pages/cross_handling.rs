//! The team form of a clue (`/staff/clues/{id}/team`): every candidate with the recusal rules
//! that keep them off it, the team picked by checkbox and formed through the engine, override
//! requests and their second approval, and the authorisations issued for the team.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::access::Action;
use qinglian_domain::cross_handling::{AuthorisationInput, exclusion_by_key};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{AuthorisationRow, Clue, TeamBoard};

use super::{local_time, render_status};
use crate::api::cross_handling::today;
use crate::auth::{CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

/// One candidate as the form shows them; every text already in the user's language.
pub struct CandidateView {
    pub id: String,
    pub name: String,
    pub role: String,
    pub home: String,
    pub posting: String,
    pub zone: String,
    pub in_zone: bool,
    pub load: u32,
    pub on_team: bool,
    pub excluded: bool,
    /// "回避：籍贯乡镇相同；回避：…"
    pub reasons: String,
    pub waived: String,
}

pub struct OverrideView {
    pub id: String,
    pub staff: String,
    pub rule: String,
    pub reason: String,
    pub requested: String,
    pub approved: Option<String>,
}

/// `(value, label)` choices: a member and a rule an override may waive.
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "cross_handling/team.html")]
struct TeamPage {
    t: Tr,
    user: Option<UserView>,
    clue: Clue,
    zone: String,
    candidates: Vec<CandidateView>,
    overrides: Vec<OverrideView>,
    waivable: Vec<Choice>,
    authorisations: Vec<AuthorisationRow>,
    may_approve: bool,
    errors: Vec<FieldProblem>,
    valid_from: String,
    valid_until: String,
}

fn joined(t: Tr, keys: &[String]) -> String {
    keys.iter().map(|k| t.get(k)).collect::<Vec<_>>().join("；")
}

fn page(t: Tr, user: &CurrentUser, b: TeamBoard, errors: Vec<FieldProblem>) -> TeamPage {
    let candidates = b
        .candidates
        .iter()
        .map(|c| CandidateView {
            id: c.staff_id.clone(),
            name: c.name.clone(),
            role: t.get(format!("role.{}", c.role)),
            home: c.home_township_name.clone().unwrap_or_default(),
            posting: c.posting_unit_name.clone().unwrap_or_default(),
            zone: c.zone_name.clone().unwrap_or_default(),
            in_zone: c.in_zone,
            load: c.load,
            on_team: c.on_team,
            excluded: !c.exclusions.is_empty(),
            reasons: joined(t, &c.exclusions),
            waived: joined(t, &c.waived),
        })
        .collect();
    let waivable = b
        .candidates
        .iter()
        .flat_map(|c| {
            c.waivable.iter().map(move |rule| Choice {
                value: format!("{}|{rule}", c.staff_id),
                label: format!("{}：{}", c.name, t.get(rule)),
            })
        })
        .collect();
    let overrides = b
        .overrides
        .iter()
        .map(|o| OverrideView {
            id: o.id.clone(),
            staff: o.staff_name.clone(),
            rule: t.get(&o.exclusion),
            reason: o.reason.clone(),
            requested: format!("{} {}", o.requested_by_name, local_time(&o.requested_at)),
            approved: o
                .approved_at
                .map(|at| format!("{} {}", o.approved_by_name.clone().unwrap_or_default(), local_time(&at))),
        })
        .collect();
    let day = today();
    TeamPage {
        t,
        user: Some(user.view()),
        zone: b.zone_name.clone().unwrap_or_default(),
        clue: b.clue,
        candidates,
        overrides,
        waivable,
        authorisations: b.authorisations,
        may_approve: user.may(Action::ApproveOverride),
        errors,
        valid_from: day.to_string(),
        valid_until: (day + chrono::Duration::days(90)).to_string(),
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    errors: Vec<FieldProblem>,
) -> Result<Response, PageError> {
    let board = state
        .store
        .team_board(&user.actor, reach, id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(status, &page(t, user, board, errors)))
}

/// `GET /staff/clues/{id}/team`
pub async fn team(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    show(&state, &user, t, &reach, &id, Vec::new()).await
}

/// Answers a form: back to the team page on success, the page with the problems on a refusal.
async fn after(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    clue_id: &str,
    result: Result<String, AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            show(state, user, t, reach, clue_id, e.field_problems(t)).await
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

fn pairs(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(e.to_string()))
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `POST /staff/clues/{id}/team/set`: the checked members become the team, if every rule holds.
pub async fn form_team(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let staff: Vec<String> = pairs(&body)?
            .into_iter()
            .filter(|(k, _)| k == "staff_ids")
            .map(|(_, v)| v)
            .collect();
        state.store.form_team(&user.actor, &reach, &id, &staff).await?;
        Ok(format!("/staff/clues/{id}/team"))
    }
    .await;
    after(&state, &user, t, &reach, &id, result).await
}

/// `POST /staff/clues/{id}/overrides`: asks to waive one rule for one member, with a reason.
pub async fn request_override(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let form = pairs(&body)?;
        let choice = field(&form, "choice");
        let (staff, rule) = choice.split_once('|').unwrap_or(("", ""));
        let rule = exclusion_by_key("exclusion", rule)?;
        state
            .store
            .request_override(&user.actor, &reach, &id, staff, rule, &field(&form, "reason"))
            .await?;
        Ok(format!("/staff/clues/{id}/team"))
    }
    .await;
    after(&state, &user, t, &reach, &id, result).await
}

/// `POST /staff/overrides/{id}/approve`: the second approver's signature. The form names the
/// clue, so a refusal is shown on its page (which checks the reach again).
pub async fn approve_override(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ApproveOverride>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let clue = pairs(&body).map(|f| field(&f, "clue_id")).unwrap_or_default();
    let result = state
        .store
        .approve_override(&user.actor, &reach, &id)
        .await
        .map(|o| format!("/staff/clues/{}/team", o.clue_id))
        .map_err(AppError::from);
    after(&state, &user, t, &reach, &clue, result).await
}

/// `POST /staff/clues/{id}/authorisations`: issues the authorisation of the current team.
pub async fn issue_authorisation(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let form = pairs(&body)?;
        let input = AuthorisationInput::parse(
            &field(&form, "mandate"),
            &field(&form, "valid_from"),
            &field(&form, "valid_until"),
            today(),
        )?;
        let a = state
            .store
            .issue_authorisation(&user.actor, &reach, &id, &input)
            .await?;
        Ok(format!("/staff/authorisations/{}", a.authorisation.id))
    }
    .await;
    after(&state, &user, t, &reach, &id, result).await
}
