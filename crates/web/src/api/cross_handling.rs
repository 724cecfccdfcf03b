//! Cross-handling over JSON: declared ties, involvement, the team form of a clue, teams formed
//! only through the recusal engine (a refused team answers 422 naming each rule and member),
//! overrides with a second approver, proposals, and authorisations.

use std::num::NonZeroU32;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use qinglian_domain::Invalid;
use qinglian_domain::cross_handling::{AuthorisationInput, TieDeclaration, exclusion_by_key};
use qinglian_domain::error::Name;
use qinglian_domain::inspection::CHINA;
use qinglian_store::model::{Authorisation, InvolvementRecord, RecusalOverride, StaffTie, TeamBoard, TeamProposals};
use serde::Deserialize;

use crate::auth::cap;
use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;
type Created<T> = Result<(StatusCode, ApiJson<T>), ApiError>;

/// Largest team the proposal form asks for.
pub const MAX_TEAM_SIZE: u32 = 9;

pub fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}

/// A team size as typed: 1 to `MAX_TEAM_SIZE`, 2 when left empty.
pub fn team_size(raw: Option<&str>) -> Result<NonZeroU32, Invalid> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("2");
    raw.parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX_TEAM_SIZE)
        .and_then(NonZeroU32::new)
        .ok_or_else(|| Invalid::field("team_size", "team.size_invalid", Some(raw)))
}

#[utoipa::path(get, path = "/api/v1/ties", tag = "cases",
    responses((status = 200, body = Vec<StaffTie>)))]
pub async fn my_ties(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::DeclareTies>,
) -> Res<Vec<StaffTie>> {
    Ok(ApiJson(state.store.my_ties(&user.actor).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTie {
    /// `kinship`, `former_colleague` or `same_village`.
    pub kind: String,
    /// `person` (with `person_name` and `person_unit`) or `village` (with `village_id`).
    pub target: String,
    #[serde(default)]
    pub person_name: String,
    #[serde(default)]
    pub person_unit: String,
    #[serde(default)]
    pub village_id: String,
    #[serde(default)]
    pub note: String,
}

impl NewTie {
    pub fn parse(&self) -> Result<TieDeclaration, Invalid> {
        TieDeclaration::parse(
            &self.kind,
            &self.target,
            &self.person_name,
            &self.person_unit,
            &self.village_id,
            &self.note,
        )
    }
}

#[utoipa::path(post, path = "/api/v1/ties", tag = "cases", request_body = NewTie,
    responses((status = 201, body = StaffTie), (status = 422, body = ErrorBody)))]
pub async fn declare_tie(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::DeclareTies>,
    ApiJson(b): ApiJson<NewTie>,
) -> Created<StaffTie> {
    let tie = b.parse()?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.declare_tie(&user.actor, &tie).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/ties/all", tag = "cases",
    responses((status = 200, body = Vec<StaffTie>)))]
pub async fn all_ties(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::ManageCases>,
) -> Res<Vec<StaffTie>> {
    Ok(ApiJson(state.store.all_ties(&user.actor).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvolvement {
    pub staff_id: String,
    pub person_name: String,
    pub person_unit: String,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/involvements", tag = "cases", request_body = NewInvolvement,
    responses((status = 201, body = InvolvementRecord), (status = 422, body = ErrorBody)))]
pub async fn record_involvement(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::ManageCases>,
    ApiJson(b): ApiJson<NewInvolvement>,
) -> Created<InvolvementRecord> {
    let name = Name::parse("person_name", &b.person_name);
    let unit = Name::parse("person_unit", &b.person_unit);
    Invalid::collect([name.as_ref().err().cloned(), unit.as_ref().err().cloned()])?;
    let r = state
        .store
        .record_involvement(&user.actor, b.staff_id.trim(), &name?, &unit?, &b.note)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(r)))
}

#[utoipa::path(get, path = "/api/v1/clues/{id}/team-board", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = TeamBoard), (status = 404, body = ErrorBody)))]
pub async fn team_board(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ManageCases>,
    Path(id): Path<String>,
) -> Res<TeamBoard> {
    Ok(ApiJson(state.store.team_board(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamForm {
    /// The whole team; members not listed leave it.
    pub staff_ids: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/clues/{id}/team", tag = "cases", params(("id" = String, Path)), request_body = TeamForm,
    responses((status = 200, body = TeamBoard), (status = 404, body = ErrorBody),
        (status = 422, description = "A member breaks a recusal rule: each field names the rule (`recusal.*`) and the member's id", body = ErrorBody)))]
pub async fn set_team(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ManageCases>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TeamForm>,
) -> Res<TeamBoard> {
    state.store.form_team(&user.actor, &reach, &id, &b.staff_ids).await?;
    Ok(ApiJson(state.store.team_board(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    pub staff_id: String,
    /// The rule to waive, by its key (e.g. `recusal.tie_former_colleague`).
    pub rule: String,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/clues/{id}/overrides", tag = "cases", params(("id" = String, Path)), request_body = NewOverride,
    responses((status = 201, body = RecusalOverride), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_override(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ManageCases>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewOverride>,
) -> Created<RecusalOverride> {
    let rule = exclusion_by_key("rule", &b.rule)?;
    let o = state
        .store
        .request_override(&user.actor, &reach, &id, b.staff_id.trim(), rule, &b.reason)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(o)))
}

#[utoipa::path(post, path = "/api/v1/overrides/{id}/approve", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = RecusalOverride), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "The approver is the requester or the member (`recusal.override_approver_is_*`)", body = ErrorBody)))]
pub async fn approve_override(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ApproveOverride>,
    Path(id): Path<String>,
) -> Res<RecusalOverride> {
    Ok(ApiJson(state.store.approve_override(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Members per team, 1 to 9; 2 when absent.
    pub team_size: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/cross-handling/proposals", tag = "cases", params(ProposalQuery),
    responses((status = 200, body = TeamProposals), (status = 422, body = ErrorBody)))]
pub async fn proposals(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ManageCases>,
    ApiQuery(q): ApiQuery<ProposalQuery>,
) -> Res<TeamProposals> {
    let size = team_size(q.team_size.as_deref())?;
    Ok(ApiJson(state.store.propose_teams(&user.actor, &reach, size).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptProposal {
    pub clue_id: String,
    pub staff_ids: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/cross-handling/proposals/accept", tag = "cases", request_body = AcceptProposal,
    responses((status = 200, body = TeamBoard), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept_proposal(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ManageCases>,
    ApiJson(b): ApiJson<AcceptProposal>,
) -> Res<TeamBoard> {
    state
        .store
        .form_team(&user.actor, &reach, &b.clue_id, &b.staff_ids)
        .await?;
    Ok(ApiJson(state.store.team_board(&user.actor, &reach, &b.clue_id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthorisation {
    /// The scope of the mandate (授权事项).
    pub mandate: String,
    /// `YYYY-MM-DD`, today or later.
    pub valid_from: String,
    /// `YYYY-MM-DD`, at most a year after `valid_from`.
    pub valid_until: String,
}

#[utoipa::path(post, path = "/api/v1/clues/{id}/authorisations", tag = "cases", params(("id" = String, Path)), request_body = NewAuthorisation,
    responses((status = 201, body = Authorisation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_authorisation(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ManageCases>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewAuthorisation>,
) -> Created<Authorisation> {
    let input = AuthorisationInput::parse(&b.mandate, &b.valid_from, &b.valid_until, today())?;
    let a = state
        .store
        .issue_authorisation(&user.actor, &reach, &id, &input)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(a)))
}

#[utoipa::path(get, path = "/api/v1/authorisations/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Authorisation), (status = 404, body = ErrorBody)))]
pub async fn get_authorisation(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Res<Authorisation> {
    Ok(ApiJson(state.store.get_authorisation(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterviewAuthorisation {
    pub authorisation_id: String,
}

#[utoipa::path(post, path = "/api/v1/interviews/{id}/authorisation", tag = "cases", params(("id" = String, Path)), request_body = InterviewAuthorisation,
    responses((status = 200, body = Authorisation), (status = 404, body = ErrorBody),
        (status = 422, description = "For another case (`authorisation.wrong_case`), out of its dates, or not naming the investigators", body = ErrorBody)))]
pub async fn authorise_interview(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ConductInterview>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<InterviewAuthorisation>,
) -> Res<Authorisation> {
    Ok(ApiJson(
        state
            .store
            .authorise_interview(&user.actor, &reach, &id, &b.authorisation_id, today())
            .await?,
    ))
}
