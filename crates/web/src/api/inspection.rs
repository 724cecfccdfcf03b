//! Inspection tours over JSON: rounds, groups, targets, on-site meetings and concerns for
//! staff (within their reach), and the villager's side by receipt code.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use qinglian_domain::error::Name;
use qinglian_domain::inspection::{
    ConcernInput, ConcernSource, ConcernStep, MeetingInput, Party, ReceiptCode, RoundInput,
};
use qinglian_domain::scope::Reach;
use qinglian_store::StoreError;
use qinglian_store::model::{
    Category, Complainant, Concern, ConcernEvent, ConcernFilter, InspectionGroup, Meeting, Register, Round, StepBy,
    Target,
};
use serde::{Deserialize, Serialize};

use super::org::PageOf;
use crate::auth::{ClientAddr, CurrentUser, cap, villager_actor};
use crate::error::{ApiError, ApiJson, ApiQuery, AppError, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;
type Created<T> = Result<(StatusCode, ApiJson<T>), ApiError>;

#[utoipa::path(get, path = "/api/v1/inspection/rounds", tag = "inspection", responses((status = 200, body = Vec<Round>)))]
pub async fn list_rounds(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _cap): ApiScoped<cap::ReadInspection>,
) -> Res<Vec<Round>> {
    Ok(ApiJson(state.store.list_rounds(&reach).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    /// The round's number in the county committee's term (1–99).
    pub number: String,
    pub name: String,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Length in days.
    pub days: String,
}

#[utoipa::path(post, path = "/api/v1/inspection/rounds", tag = "inspection", request_body = NewRound,
    responses((status = 201, body = Round), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_round(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::ManageInspection>,
    ApiJson(body): ApiJson<NewRound>,
) -> Created<Round> {
    let input = RoundInput::parse(&body.number, &body.name, &body.starts_on, &body.days)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_round(&user.actor, &input).await?),
    ))
}

/// A round with its groups and target villages.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoundDetail {
    pub round: Round,
    pub groups: Vec<InspectionGroup>,
    pub targets: Vec<Target>,
}

#[utoipa::path(get, path = "/api/v1/inspection/rounds/{id}", tag = "inspection", params(("id" = String, Path)),
    responses((status = 200, body = RoundDetail), (status = 404, body = ErrorBody)))]
pub async fn get_round(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _cap): ApiScoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Res<RoundDetail> {
    Ok(ApiJson(RoundDetail {
        round: state.store.get_round(&reach, &id).await?,
        groups: state.store.list_groups(&reach, &id).await?,
        targets: state.store.list_targets(&reach, &id).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    pub name: String,
    pub leader_staff_id: String,
    #[serde(default)]
    pub member_ids: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/inspection/rounds/{id}/groups", tag = "inspection", params(("id" = String, Path)),
    request_body = NewGroup,
    responses((status = 201, body = InspectionGroup), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::ManageInspection>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewGroup>,
) -> Created<InspectionGroup> {
    let name = Name::parse("name", &body.name)?;
    let group = state
        .store
        .create_group(&user.actor, &id, &name, &body.leader_staff_id, &body.member_ids)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(group)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTargets {
    pub group_id: String,
    pub village_ids: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    pub assigned: u64,
}

#[utoipa::path(post, path = "/api/v1/inspection/rounds/{id}/targets", tag = "inspection", params(("id" = String, Path)),
    request_body = NewTargets,
    responses((status = 200, body = Assigned), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign_targets(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::ManageInspection>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewTargets>,
) -> Res<Assigned> {
    let assigned = state
        .store
        .assign_targets(&user.actor, &id, &body.group_id, &body.village_ids)
        .await?;
    Ok(ApiJson(Assigned { assigned }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    pub round_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/inspection/meetings", tag = "inspection", params(MeetingQuery),
    responses((status = 200, body = Vec<Meeting>)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _cap): ApiScoped<cap::ReadInspection>,
    ApiQuery(q): ApiQuery<MeetingQuery>,
) -> Res<Vec<Meeting>> {
    Ok(ApiJson(state.store.list_meetings(&reach, q.round_id.as_deref()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    pub round_id: String,
    pub group_id: String,
    pub village_id: String,
    pub place: String,
    /// `YYYY-MM-DDTHH:MM` Beijing time, or RFC 3339.
    pub starts_at: String,
    #[serde(default)]
    pub department_ids: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/inspection/meetings", tag = "inspection", request_body = NewMeeting,
    responses((status = 201, body = Meeting), (status = 422, body = ErrorBody)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::RunMeeting>,
    ApiJson(body): ApiJson<NewMeeting>,
) -> Created<Meeting> {
    let input = MeetingInput::parse(
        &body.round_id,
        &body.group_id,
        &body.village_id,
        &body.place,
        &body.starts_at,
        body.department_ids,
    )?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_meeting(&user.actor, &reach, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/inspection/meetings/{id}", tag = "inspection", params(("id" = String, Path)),
    responses((status = 200, body = Meeting), (status = 404, body = ErrorBody)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _cap): ApiScoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Res<Meeting> {
    Ok(ApiJson(state.store.get_meeting(&reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRecord {
    #[serde(default)]
    pub attendance: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub publish_minutes: bool,
}

#[utoipa::path(put, path = "/api/v1/inspection/meetings/{id}", tag = "inspection", params(("id" = String, Path)),
    request_body = MeetingRecord,
    responses((status = 200, body = Meeting), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_meeting(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::RunMeeting>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MeetingRecord>,
) -> Res<Meeting> {
    Ok(ApiJson(
        state
            .store
            .record_meeting(
                &user.actor,
                &reach,
                &id,
                &body.attendance,
                &body.minutes,
                body.publish_minutes,
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/inspection/overdue", tag = "inspection",
    responses((status = 200, body = Vec<qinglian_store::model::OverdueCount>)))]
pub async fn overdue(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _cap): ApiScoped<cap::ReadInspection>,
) -> Res<Vec<qinglian_store::model::OverdueCount>> {
    let today = Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    Ok(ApiJson(state.store.overdue_summary(&reach, today).await?))
}

#[utoipa::path(get, path = "/api/v1/inspection/categories", tag = "inspection", responses((status = 200, body = Vec<Category>)))]
pub async fn list_categories(State(state): State<AppState>, _: ApiScoped<cap::ReadInspection>) -> Res<Vec<Category>> {
    Ok(ApiJson(state.store.list_categories().await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConcernQuery {
    pub round_id: Option<String>,
    pub meeting_id: Option<String>,
    pub township_id: Option<String>,
    pub department_id: Option<String>,
    pub category_id: Option<String>,
    pub state: Option<String>,
    /// Only concerns past their answer deadline today.
    pub overdue: Option<bool>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl ConcernQuery {
    pub fn filter(&self) -> Result<ConcernFilter, AppError> {
        if let Some(s) = self.state.as_deref().filter(|s| !s.is_empty()) {
            qinglian_domain::inspection::ConcernState::parse("state", s)?;
        }
        let some = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        Ok(ConcernFilter {
            round_id: some(&self.round_id),
            meeting_id: some(&self.meeting_id),
            township_id: some(&self.township_id),
            department_id: some(&self.department_id),
            category_id: some(&self.category_id),
            state: some(&self.state),
            overdue_on: self.overdue.unwrap_or(false).then(|| {
                Utc::now()
                    .with_timezone(&qinglian_domain::inspection::CHINA)
                    .date_naive()
            }),
        })
    }
}

#[utoipa::path(get, path = "/api/v1/concerns", tag = "inspection", params(ConcernQuery),
    responses((status = 200, body = PageOf<Concern>), (status = 422, body = ErrorBody)))]
pub async fn list_concerns(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _cap): ApiScoped<cap::ReadInspection>,
    ApiQuery(q): ApiQuery<ConcernQuery>,
) -> Res<PageOf<Concern>> {
    let paging = super::Paging {
        page: q.page,
        per_page: q.per_page,
    };
    let page = state
        .store
        .list_concerns(&reach, &q.filter()?, paging.request())
        .await?;
    Ok(ApiJson(PageOf {
        items: page.items,
        total: page.total,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConcern {
    pub text: String,
    pub category_id: String,
    pub village_id: String,
    pub meeting_id: Option<String>,
    #[serde(default)]
    pub complainant_name: String,
    #[serde(default)]
    pub complainant_phone: String,
}

/// A logged concern and the receipt code to hand to the villager: shown once, never stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Logged {
    pub concern: Concern,
    /// `1234-5678-9012-3456`
    pub receipt: String,
}

#[utoipa::path(post, path = "/api/v1/concerns", tag = "inspection", request_body = NewConcern,
    responses((status = 201, body = Logged), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_concern(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::RunMeeting>,
    ApiJson(body): ApiJson<NewConcern>,
) -> Created<Logged> {
    let input = ConcernInput::parse(
        &body.text,
        &body.category_id,
        &body.village_id,
        body.meeting_id.as_deref(),
        &body.complainant_name,
        &body.complainant_phone,
    )?;
    let unit = match &input.meeting_id {
        Some(m) => state.store.get_meeting(&reach, m).await?.meeting.group_name,
        None => String::new(),
    };
    let code = crate::receipt::new_code()?;
    let concern = state
        .store
        .create_concern(
            &user.actor,
            &input,
            ConcernSource::Meeting,
            &state.secrets.receipt_hash(&code),
            &unit,
            Utc::now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Logged {
            concern,
            receipt: code.display(),
        }),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConcernDetail {
    pub concern: Concern,
    pub events: Vec<ConcernEvent>,
}

#[utoipa::path(get, path = "/api/v1/concerns/{id}", tag = "inspection", params(("id" = String, Path)),
    responses((status = 200, body = ConcernDetail), (status = 404, body = ErrorBody)))]
pub async fn get_concern(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _cap): ApiScoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Res<ConcernDetail> {
    Ok(ApiJson(ConcernDetail {
        concern: state.store.get_concern(&reach, &id).await?,
        events: state.store.concern_events(&reach, &id).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/concerns/{id}/complainant", tag = "inspection", params(("id" = String, Path)),
    responses((status = 200, body = Complainant), (status = 404, body = ErrorBody)))]
pub async fn get_complainant(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ReadComplainant>,
    Path(id): Path<String>,
) -> Res<Complainant> {
    Ok(ApiJson(state.store.read_complainant(&user.actor, &reach, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// `answer_on_spot`, `assign`, `close` (group); `start_rectifying`, `answer`, `extend`,
    /// `not_ours` (department).
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub department_id: String,
    /// `YYYY-MM-DD`, for `assign` and `extend`.
    #[serde(default)]
    pub deadline: String,
    /// For `close`: whether the problem was fixed.
    #[serde(default)]
    pub fixed: bool,
    /// The version the user saw; a later change makes this a conflict.
    pub version: Option<i64>,
}

/// Who the user acts as on a concern, and the unit the public history names.
pub async fn step_party(state: &AppState, user: &CurrentUser, concern: &Concern) -> Result<(Party, String), AppError> {
    use qinglian_domain::access::Action;
    if user.may(Action::AnswerConcern) {
        let dept = user.session.posting_unit_id.clone().unwrap_or_default();
        let name = state
            .store
            .list_departments()
            .await?
            .into_iter()
            .find(|d| d.id == dept)
            .map(|d| d.name)
            .unwrap_or_default();
        return Ok((Party::Department, name));
    }
    if user.may(Action::RunMeeting) {
        let unit = match &concern.meeting_id {
            Some(m) => state.store.public_meeting(m).await?.meeting.group_name,
            None => String::new(),
        };
        return Ok((Party::Group, unit));
    }
    Err(AppError::Forbidden)
}

/// Takes a step on a concern for a signed-in user; shared by the API and the pages.
pub async fn take_step(
    state: &AppState,
    user: &CurrentUser,
    reach: &Reach,
    id: &str,
    step: &ConcernStep,
    version: Option<i64>,
) -> Result<Concern, AppError> {
    let concern = state.store.get_concern(reach, id).await?;
    let (party, unit) = step_party(state, user, &concern).await?;
    let by = StepBy {
        party,
        unit_name: &unit,
        department_id: (party == Party::Department)
            .then_some(user.session.posting_unit_id.as_deref())
            .flatten(),
    };
    Ok(state
        .store
        .step_concern(&user.actor, reach, id, version, step, &by, Utc::now())
        .await?)
}

#[utoipa::path(post, path = "/api/v1/concerns/{id}/steps", tag = "inspection", params(("id" = String, Path)),
    request_body = StepRequest,
    responses((status = 200, body = Concern), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step_concern(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::ActOnConcern>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StepRequest>,
) -> Res<Concern> {
    let step = ConcernStep::parse(&body.kind, &body.text, &body.department_id, &body.deadline, body.fixed)?;
    Ok(ApiJson(
        take_step(&state, &user, &reach, &id, &step, body.version).await?,
    ))
}

// ---- the villager's side -------------------------------------------------------------------

/// What a villager's form shows of a meeting: where and when, and what may be reported.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicMeeting {
    pub id: String,
    pub village_id: String,
    pub village_name: String,
    pub township_name: String,
    pub place: String,
    pub starts_at: chrono::DateTime<Utc>,
    /// The minutes, when the group has published them.
    pub minutes: Option<String>,
    pub categories: Vec<Category>,
    pub register: Register,
}

pub async fn public_meeting_view(state: &AppState, id: &str) -> Result<PublicMeeting, AppError> {
    let m = state.store.public_meeting(id).await?.meeting;
    let today = Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    Ok(PublicMeeting {
        register: state.store.register(None, Some(&m.id), today).await?,
        categories: state.store.list_categories().await?,
        minutes: m.publish_minutes.then_some(m.minutes),
        id: m.id,
        village_id: m.village_id,
        village_name: m.village_name,
        township_name: m.township_name,
        place: m.place,
        starts_at: m.starts_at,
    })
}

#[utoipa::path(get, path = "/api/v1/public/meetings/{id}", tag = "public", params(("id" = String, Path)),
    responses((status = 200, body = PublicMeeting), (status = 404, body = ErrorBody)))]
pub async fn public_meeting(State(state): State<AppState>, Path(id): Path<String>) -> Res<PublicMeeting> {
    Ok(ApiJson(public_meeting_view(&state, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/public/rounds/{id}/register", tag = "public", params(("id" = String, Path)),
    responses((status = 200, body = Register), (status = 404, body = ErrorBody)))]
pub async fn public_register(State(state): State<AppState>, Path(id): Path<String>) -> Res<Register> {
    state.store.get_round(&Reach::everything(), &id).await?;
    let today = Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    Ok(ApiJson(state.store.register(Some(&id), None, today).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicConcern {
    pub meeting_id: String,
    pub category_id: String,
    pub text: String,
    #[serde(default)]
    pub complainant_name: String,
    #[serde(default)]
    pub complainant_phone: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// Keep this code: it is the only way to follow the concern. `1234-5678-9012-3456`
    pub receipt: String,
    pub state: String,
}

/// Logs a villager's concern from the public form; the receipt is shown once.
pub async fn submit_public(
    state: &AppState,
    client: &str,
    body: &PublicConcern,
) -> Result<(ReceiptCode, Concern), AppError> {
    let place = meeting_place(state, &body.meeting_id, &body.category_id).await?;
    let input = ConcernInput::parse(
        &body.text,
        &body.category_id,
        &place.village_id,
        Some(&body.meeting_id),
        &body.complainant_name,
        &body.complainant_phone,
    )?;
    let code = crate::receipt::new_code()?;
    // The client's hourly allowance is charged in the concern's own transaction.
    let concern = state
        .store
        .create_public_concern(
            &villager_actor("public"),
            &input,
            &place,
            &state.secrets.receipt_hash(&code),
            &crate::receipt::submission_allowance(state, client),
            Utc::now(),
        )
        .await
        .inspect_err(|e| {
            // The write found the place wrong (should a meeting ever go or move, or a category).
            if matches!(e, StoreError::NotFound | StoreError::Invalid(_)) {
                state.places.forget(&body.meeting_id, &body.category_id);
            }
        })?;
    Ok((code, concern))
}

/// Where a public submission's meeting is, kept for a few seconds (`place_cache`).
async fn meeting_place(
    state: &AppState,
    meeting_id: &str,
    category_id: &str,
) -> Result<std::sync::Arc<qinglian_store::model::MeetingPlace>, AppError> {
    let now = std::time::Instant::now();
    if let Some(place) = state.places.get(meeting_id, category_id, now) {
        return Ok(place);
    }
    let place = state.store.meeting_place(meeting_id, category_id).await?;
    Ok(state.places.put(place, now))
}

#[utoipa::path(post, path = "/api/v1/public/concerns", tag = "public", request_body = PublicConcern,
    responses((status = 201, body = Receipt), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_public_concern(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<PublicConcern>,
) -> Created<Receipt> {
    let (code, concern) = submit_public(&state, &client, &body).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Receipt {
            receipt: code.display(),
            state: concern.state,
        }),
    ))
}

/// A concern as its villager sees it: no staff names, no complainant.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Followed {
    pub village_name: String,
    pub category_name: String,
    pub text: String,
    pub state: String,
    pub on_spot: bool,
    pub answer: Option<String>,
    pub answer_deadline: Option<chrono::NaiveDate>,
    pub department_name: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub closed_at: Option<chrono::DateTime<Utc>>,
    pub events: Vec<ConcernEvent>,
    /// Where each state change sits in the tamper-evident log, one per event in order, for
    /// those the log has integrated.
    pub ledger: Vec<LedgerRef>,
}

/// One state change's entry in the tamper-evident log, and how to prove it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerRef {
    /// The history line (event version) this entry records.
    pub version: i64,
    pub index: i64,
    /// SHA-256 (or SM3) leaf hash of the entry, hex.
    pub leaf_hash: String,
    /// The inclusion proof against the latest signed checkpoint, when it covers the entry.
    pub proof_url: Option<String>,
}

/// Where the inclusion proof of entry `index` is, once a signed checkpoint of `signed`
/// entries covers it.
pub fn proof_url(index: i64, signed: i64) -> Option<String> {
    (index < signed).then(|| format!("/api/v1/ledger/proof/inclusion?index={index}&tree_size={signed}"))
}

/// Looks a receipt up under the client's miss limit.
///
/// The lock-out comes back with the concern in the one read (`follow_receipt`), so a hit
/// costs a single round trip; a locked client is still refused before anything is shown,
/// and a miss still counts and answers the same whatever the reason.
pub async fn follow(state: &AppState, client: &str, raw: &str) -> Result<(ReceiptCode, Followed), AppError> {
    let code = match ReceiptCode::parse(raw) {
        Ok(c) => c,
        Err(e) => {
            crate::receipt::check_client(state, client).await?;
            crate::receipt::record_miss(state, client).await?;
            return Err(e.into());
        }
    };
    let read = state
        .store
        .follow_receipt(&state.secrets.receipt_hash(&code), &crate::receipt::key(state, client))
        .await?;
    if read.locked_until.is_some_and(|u| u > Utc::now()) {
        return Err(AppError::TooManyRequests);
    }
    let Some(c) = read.found else {
        crate::receipt::record_miss(state, client).await?;
        return Err(AppError::NotFound);
    };
    let ledger = c
        .ledger
        .iter()
        .enumerate()
        .map(|(i, (index, leaf))| LedgerRef {
            version: i as i64 + 1,
            index: *index,
            leaf_hash: hex::encode(leaf),
            proof_url: proof_url(*index, c.signed),
        })
        .collect();
    Ok((
        code,
        Followed {
            ledger,
            village_name: c.village_name,
            category_name: c.category_name,
            text: c.text,
            state: c.state,
            on_spot: c.on_spot,
            answer: c.answer,
            answer_deadline: c.answer_deadline,
            department_name: c.department_name,
            created_at: c.created_at,
            closed_at: c.closed_at,
            events: c.events,
        },
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLookup {
    pub receipt: String,
}

#[utoipa::path(post, path = "/api/v1/public/receipt", tag = "public", request_body = ReceiptLookup,
    responses((status = 200, body = Followed), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn lookup_receipt(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<ReceiptLookup>,
) -> Res<Followed> {
    Ok(ApiJson(follow(&state, &client, &body.receipt).await?.1))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VillagerStep {
    pub receipt: String,
    /// `confirm` or `reopen`.
    pub kind: String,
    /// The reason, for `reopen`.
    #[serde(default)]
    pub text: String,
}

/// The villager confirms or reopens, by receipt.
pub async fn villager_step(state: &AppState, client: &str, body: &VillagerStep) -> Result<Followed, AppError> {
    let (code, _) = follow(state, client, &body.receipt).await?;
    let step = ConcernStep::parse(&body.kind, &body.text, "", "", false)?;
    state
        .store
        .villager_step(
            &villager_actor("villager"),
            &state.secrets.receipt_hash(&code),
            &step,
            Utc::now(),
        )
        .await?;
    Ok(follow(state, client, &body.receipt).await?.1)
}

#[utoipa::path(post, path = "/api/v1/public/receipt/steps", tag = "public", request_body = VillagerStep,
    responses((status = 200, body = Followed), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn villager_step_api(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<VillagerStep>,
) -> Res<Followed> {
    Ok(ApiJson(villager_step(&state, &client, &body).await?))
}
