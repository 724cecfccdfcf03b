//! A zone's joint meeting over JSON: the convener rotation and calendar, meetings, and the
//! convener's term report. Zone-level staff reach only their own zone; any other is 404.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::scope::Reach;
use qinglian_domain::zone_governance::{JointMeetingInput, Quarter, Rotation, TermFigures, draft_report, sees_zone};
use qinglian_store::model::{CalendarSlot, JointMeeting, Zone, ZoneRotation};
use serde::{Deserialize, Serialize};

use crate::auth::{CurrentUser, cap};
use crate::error::{ApiError, ApiJson, AppError, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;

pub(crate) fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}

/// The zone if the user sees it (`zone_governance::sees_zone`); otherwise `NotFound`.
pub(crate) async fn visible_zone(
    state: &AppState,
    user: &CurrentUser,
    reach: &Reach,
    id: &str,
) -> Result<Zone, AppError> {
    let zone = state.store.get_zone(id).await?;
    let members: Vec<String> = zone.members.iter().map(|m| m.id.clone()).collect();
    if sees_zone(reach, user.session.posting_unit_id.as_deref(), &members) {
        Ok(zone)
    } else {
        Err(AppError::NotFound)
    }
}

/// A zone's rotation and its calendar: last quarter, this one and the next four.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotationOut {
    pub rotation: Option<ZoneRotation>,
    pub calendar: Vec<CalendarSlot>,
}

pub(crate) async fn calendar(state: &AppState, zone_id: &str) -> Result<Vec<CalendarSlot>, AppError> {
    let from = Quarter::of(today()).prev();
    Ok(state.store.convener_calendar(zone_id, from, 6).await?)
}

#[utoipa::path(get, path = "/api/v1/zones/{id}/rotation", tag = "zones", params(("id" = String, Path)),
    responses((status = 200, body = RotationOut), (status = 404, body = ErrorBody)))]
pub async fn get_rotation(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ReadZoneGovernance>,
    Path(id): Path<String>,
) -> Res<RotationOut> {
    let zone = visible_zone(&state, &user, &reach, &id).await?;
    Ok(ApiJson(RotationOut {
        rotation: state.store.get_rotation(&zone.zone.id).await?,
        calendar: calendar(&state, &zone.zone.id).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationBody {
    /// The first quarter of the order, `2026Q1`.
    pub start: String,
    /// Staff ids of the zone's secretaries or group heads, first convener first.
    pub order: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/zones/{id}/rotation", tag = "zones", params(("id" = String, Path)), request_body = RotationBody,
    responses((status = 200, body = RotationOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_rotation(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ManageZoneGovernance>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RotationBody>,
) -> Res<RotationOut> {
    let zone = visible_zone(&state, &user, &reach, &id).await?;
    let rotation = Rotation::parse(&b.start, b.order)?;
    let saved = state.store.set_rotation(&user.actor, &zone.zone.id, &rotation).await?;
    Ok(ApiJson(RotationOut {
        rotation: Some(saved),
        calendar: calendar(&state, &zone.zone.id).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/zones/{id}/meetings", tag = "zones", params(("id" = String, Path)),
    responses((status = 200, body = Vec<JointMeeting>), (status = 404, body = ErrorBody)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ReadZoneGovernance>,
    Path(id): Path<String>,
) -> Res<Vec<JointMeeting>> {
    let zone = visible_zone(&state, &user, &reach, &id).await?;
    Ok(ApiJson(state.store.list_joint_meetings(&zone.zone.id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingBody {
    /// `YYYY-MM-DD`, not in the future.
    pub held_on: String,
    pub place: String,
    pub agenda: String,
    /// Staff ids of the zone's secretaries and group heads who attended.
    pub attendee_ids: Vec<String>,
    pub minutes: String,
}

#[utoipa::path(post, path = "/api/v1/zones/{id}/meetings", tag = "zones", params(("id" = String, Path)), request_body = MeetingBody,
    responses((status = 201, body = JointMeeting), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_meeting(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ManageZoneGovernance>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MeetingBody>,
) -> Result<(StatusCode, ApiJson<JointMeeting>), ApiError> {
    let zone = visible_zone(&state, &user, &reach, &id).await?;
    let input = JointMeetingInput::parse(&b.held_on, &b.place, &b.agenda, b.attendee_ids, &b.minutes, today())?;
    let m = state
        .store
        .record_joint_meeting(&user.actor, &zone.zone.id, &input)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(m)))
}

/// A quarter's term report: the saved one, or the draft made from the quarter's figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportOut {
    pub quarter: String,
    pub convener_staff_id: Option<String>,
    pub convener_name: Option<String>,
    /// `none` (a fresh draft, not saved), `draft` or `submitted`.
    pub state: String,
    pub body: String,
    #[schema(value_type = Object)]
    pub figures: TermFigures,
    pub version: Option<i64>,
}

pub(crate) async fn report(state: &AppState, zone: &Zone, quarter: Quarter) -> Result<ReportOut, AppError> {
    if let Some(r) = state.store.get_term_report(&zone.zone.id, quarter).await? {
        return Ok(ReportOut {
            quarter: r.quarter,
            convener_staff_id: Some(r.convener_staff_id),
            convener_name: Some(r.convener_name),
            state: r.state,
            body: r.body,
            figures: r.figures,
            version: Some(r.version),
        });
    }
    let slot = state
        .store
        .convener_calendar(&zone.zone.id, quarter, 1)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let figures = state.store.term_figures(&zone.zone.id, quarter).await?;
    let name = slot.staff_name.clone().unwrap_or_default();
    Ok(ReportOut {
        quarter: quarter.to_string(),
        body: draft_report(&zone.zone.name, &name, quarter, &figures),
        convener_staff_id: slot.staff_id,
        convener_name: slot.staff_name,
        state: "none".to_owned(),
        figures,
        version: None,
    })
}

#[utoipa::path(get, path = "/api/v1/zones/{id}/reports/{quarter}", tag = "zones",
    params(("id" = String, Path), ("quarter" = String, Path, description = "`2026Q3`")),
    responses((status = 200, body = ReportOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ReadZoneGovernance>,
    Path((id, quarter)): Path<(String, String)>,
) -> Res<ReportOut> {
    let zone = visible_zone(&state, &user, &reach, &id).await?;
    let quarter = Quarter::parse("quarter", &quarter)?;
    Ok(ApiJson(report(&state, &zone, quarter).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    pub body: String,
    /// Submit it (final) rather than keep it as a draft.
    #[serde(default)]
    pub submit: bool,
    /// The version the edit started from; a newer saved version is a conflict.
    pub version: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/zones/{id}/reports/{quarter}", tag = "zones",
    params(("id" = String, Path), ("quarter" = String, Path, description = "`2026Q3`")), request_body = ReportBody,
    responses((status = 200, body = ReportOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_report(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::WriteTermReport>,
    Path((id, quarter)): Path<(String, String)>,
    ApiJson(b): ApiJson<ReportBody>,
) -> Res<ReportOut> {
    let zone = visible_zone(&state, &user, &reach, &id).await?;
    let quarter = Quarter::parse("quarter", &quarter)?;
    let body = Text::parse("body", &b.body)?;
    state
        .store
        .save_term_report(&user.actor, &zone.zone.id, quarter, &body, b.submit, b.version, today())
        .await?;
    Ok(ApiJson(report(&state, &zone, quarter).await?))
}
