//! Clues, cases, cross-handling teams and remote interviews over JSON. Every handler gets the
//! caller's reach; the store cuts it to exclude their own townships and audits every read.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use qinglian_domain::case::{ClueInput, Disposition};
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::interview::{Act, PlanForm, PlanInput, QaEntry, parse_transcript};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{CaseFile, Clue, ClueDetail, ClueFilter, Interview, InterviewDetail, TranscriptVersion};
use serde::{Deserialize, Serialize};

use super::org::PageOf;
use crate::auth::{CurrentUser, cap};
use crate::error::{ApiError, ApiJson, ApiQuery, AppError, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;
type Created<T> = Result<(StatusCode, ApiJson<T>), ApiError>;

fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClueQuery {
    pub township_id: Option<String>,
    /// `pending`, or a disposition (`talk_inquiry`, `preliminary_verification`, `shelved`,
    /// `closed`, `case_opened`).
    pub disposition: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl ClueQuery {
    pub fn filter(&self) -> Result<ClueFilter, AppError> {
        let some = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let disposition = some(&self.disposition);
        if let Some(d) = disposition.as_deref().filter(|d| *d != "pending") {
            Disposition::parse("disposition", d)?;
        }
        Ok(ClueFilter {
            township_id: some(&self.township_id),
            disposition,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/clues", tag = "cases", params(ClueQuery),
    responses((status = 200, body = PageOf<Clue>), (status = 422, body = ErrorBody)))]
pub async fn list_clues(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ReadCases>,
    ApiQuery(q): ApiQuery<ClueQuery>,
) -> Res<PageOf<Clue>> {
    let paging = super::Paging {
        page: q.page,
        per_page: q.per_page,
    };
    let page = state
        .store
        .list_clues(&user.actor, &reach, &q.filter()?, paging.request())
        .await?;
    Ok(ApiJson(PageOf {
        items: page.items,
        total: page.total,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClue {
    /// `petition`, `inspection`, `audit`, `supervision` or `other`.
    pub source: String,
    pub subject_name: String,
    pub subject_unit: String,
    pub township_id: String,
    pub summary: String,
    /// `YYYY-MM-DD`, not in the future.
    pub received_on: String,
}

#[utoipa::path(post, path = "/api/v1/clues", tag = "cases", request_body = NewClue,
    responses((status = 201, body = Clue), (status = 422, body = ErrorBody)))]
pub async fn create_clue(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::ManageCases>,
    ApiJson(b): ApiJson<NewClue>,
) -> Created<Clue> {
    let input = ClueInput::parse(
        &b.source,
        &b.subject_name,
        &b.subject_unit,
        &b.township_id,
        &b.summary,
        &b.received_on,
        today(),
    )?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_clue(&user.actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/clues/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = ClueDetail), (status = 404, body = ErrorBody)))]
pub async fn get_clue(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Res<ClueDetail> {
    Ok(ApiJson(state.store.get_clue(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDisposition {
    pub disposition: String,
    pub note: String,
    /// The clue's version the decision was made on; a newer one is a conflict.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/clues/{id}/dispositions", tag = "cases", params(("id" = String, Path)),
    request_body = NewDisposition,
    responses((status = 200, body = Clue), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dispose_clue(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ManageCases>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewDisposition>,
) -> Res<Clue> {
    let disposition = Disposition::parse("disposition", &b.disposition);
    let note = Text::parse("note", &b.note);
    qinglian_domain::Invalid::collect([disposition.as_ref().err().cloned(), note.as_ref().err().cloned()])?;
    let (disposition, note) = (disposition?, note?);
    Ok(ApiJson(
        state
            .store
            .dispose_clue(&user.actor, &reach, &id, b.version, disposition, &note, today())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeamMember {
    pub staff_id: String,
}

#[utoipa::path(post, path = "/api/v1/clues/{id}/team", tag = "cases", params(("id" = String, Path)),
    request_body = NewTeamMember,
    responses((status = 200, body = ClueDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_team_member(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ManageCases>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewTeamMember>,
) -> Res<ClueDetail> {
    state
        .store
        .add_team_member(&user.actor, &reach, &id, b.staff_id.trim())
        .await?;
    Ok(ApiJson(state.store.get_clue(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = PageOf<CaseFile>)))]
pub async fn list_cases(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ReadCases>,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Res<PageOf<CaseFile>> {
    let paging = super::Paging {
        page: q.page,
        per_page: q.per_page,
    };
    let page = state.store.list_cases(&user.actor, &reach, paging.request()).await?;
    Ok(ApiJson(PageOf {
        items: page.items,
        total: page.total,
    }))
}

/// A case with its interviews.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub case: CaseFile,
    pub interviews: Vec<Interview>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Res<CaseView> {
    let case = state.store.get_case(&user.actor, &reach, &id).await?;
    let interviews = state.store.list_interviews(&user.actor, &reach, &id).await?;
    Ok(ApiJson(CaseView { case, interviews }))
}

/// Plans an interview, sealing a protected witness's real identity into the classified volume.
pub async fn plan(
    state: &AppState,
    user: &CurrentUser,
    reach: &Reach,
    case_id: &str,
    form: &PlanForm,
) -> Result<Interview, AppError> {
    let plan = PlanInput::parse(form)?;
    let sealed = if plan.witness.protected {
        let identity = serde_json::json!({
            "name": plan.witness.real_name.as_str(),
            "id_number": plan.witness.id_number.as_str(),
            "phone": plan.witness.phone,
        });
        Some(state.secrets.seal(&identity.to_string()).map_err(AppError::Internal)?)
    } else {
        None
    };
    Ok(state
        .store
        .plan_interview(&user.actor, reach, case_id, &plan, sealed.as_deref())
        .await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInterview {
    pub witness_name: String,
    /// Protect the witness: the plan shows `alias`, the real identity goes to the classified volume.
    #[serde(default)]
    pub protected: bool,
    #[serde(default)]
    pub alias: String,
    /// 18-character resident identity number.
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    /// Two or more staff of the case's team.
    pub investigator_ids: Vec<String>,
    pub platform: String,
    pub link: String,
    /// RFC 3339, or `YYYY-MM-DDTHH:MM` in China time.
    pub scheduled_at: String,
    pub consent_caller_id: String,
    pub consent_called_at: String,
    pub consent_agreed: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/interviews", tag = "cases", params(("id" = String, Path)),
    request_body = NewInterview,
    responses((status = 201, body = Interview), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan_interview(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ConductInterview>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewInterview>,
) -> Created<Interview> {
    let form = PlanForm {
        witness_name: b.witness_name,
        protected: b.protected.then(|| "on".to_owned()),
        alias: b.alias,
        id_number: b.id_number,
        phone: b.phone,
        investigator_ids: b.investigator_ids,
        platform: b.platform,
        link: b.link,
        scheduled_at: b.scheduled_at,
        consent_caller_id: b.consent_caller_id,
        consent_called_at: b.consent_called_at,
        consent_agreed: b.consent_agreed,
    };
    Ok((
        StatusCode::CREATED,
        ApiJson(plan(&state, &user, &reach, &id, &form).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/interviews/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = InterviewDetail), (status = 404, body = ErrorBody)))]
pub async fn get_interview(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Res<InterviewDetail> {
    Ok(ApiJson(state.store.get_interview(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAct {
    /// `check_in`, `step`, `pause`, `interruption` or `resume`.
    pub kind: String,
    /// For `step`: the step taken, which must be the next one.
    #[serde(default)]
    pub step: String,
    /// How identity was verified; the reason of a pause or interruption.
    #[serde(default)]
    pub detail: String,
}

#[utoipa::path(post, path = "/api/v1/interviews/{id}/acts", tag = "cases", params(("id" = String, Path)),
    request_body = NewAct,
    responses((status = 200, body = InterviewDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn interview_act(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ConductInterview>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewAct>,
) -> Res<InterviewDetail> {
    let act = Act::parse(&b.kind, &b.step, &b.detail)?;
    Ok(ApiJson(
        state
            .store
            .interview_act(&user.actor, &reach, &id, &act, Utc::now())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptSave {
    /// The version the edits were made on (0 before the first save).
    pub base: i64,
    pub entries: Vec<QaEntryBody>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QaEntryBody {
    pub question: String,
    #[serde(default)]
    pub answer: String,
}

#[utoipa::path(put, path = "/api/v1/interviews/{id}/transcript", tag = "cases", params(("id" = String, Path)),
    request_body = TranscriptSave,
    responses((status = 200, body = TranscriptVersion), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_transcript(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ConductInterview>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TranscriptSave>,
) -> Res<TranscriptVersion> {
    let entries = parse_transcript(
        b.entries
            .into_iter()
            .map(|e| QaEntry {
                question: e.question,
                answer: e.answer,
            })
            .collect(),
    )?;
    Ok(ApiJson(
        state
            .store
            .save_transcript(&user.actor, &reach, &id, b.base, &entries, Utc::now())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/interviews/{id}/transcript/versions", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Vec<TranscriptVersion>), (status = 404, body = ErrorBody)))]
pub async fn transcript_versions(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Res<Vec<TranscriptVersion>> {
    Ok(ApiJson(
        state.store.transcript_versions(&user.actor, &reach, &id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// Why the real identity is needed; kept in the audit trail.
    pub reason: String,
}

/// A protected witness's real identity.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WitnessIdentity {
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
}

/// Opens the classified volume for one interview, with the reason audited.
pub async fn reveal(
    state: &AppState,
    user: &CurrentUser,
    reach: &Reach,
    id: &str,
    reason: &str,
) -> Result<WitnessIdentity, AppError> {
    let reason = Text::parse("reason", reason)?;
    let sealed = state.store.reveal_witness(&user.actor, reach, id, &reason).await?;
    let plain = state.secrets.open(&sealed).map_err(AppError::Internal)?;
    serde_json::from_str(&plain).map_err(|e| AppError::Internal(e.into()))
}

#[utoipa::path(post, path = "/api/v1/interviews/{id}/witness", tag = "cases", params(("id" = String, Path)),
    request_body = RevealRequest,
    responses((status = 200, body = WitnessIdentity), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal_witness(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::RevealWitness>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RevealRequest>,
) -> Res<WitnessIdentity> {
    Ok(ApiJson(reveal(&state, &user, &reach, &id, &b.reason).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachFile {
    /// An evidence file the caller uploaded (`X-Evidence-Id` of the completed upload).
    pub evidence_file_id: String,
    /// `recording`, `signed_transcript` or `other`.
    pub kind: String,
}

#[utoipa::path(post, path = "/api/v1/interviews/{id}/files", tag = "cases", params(("id" = String, Path)),
    request_body = AttachFile,
    responses((status = 200, body = InterviewDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach_file(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ConductInterview>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AttachFile>,
) -> Res<InterviewDetail> {
    state
        .store
        .attach_interview_file(&user.actor, &reach, &id, b.evidence_file_id.trim(), b.kind.trim())
        .await?;
    Ok(ApiJson(state.store.get_interview(&user.actor, &reach, &id).await?))
}
