//! Staff pages of a zone's joint meeting: the convener calendar and the county's rotation
//! form, meetings with attendance and minutes, and the convener's term report.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike as _;
use qinglian_domain::access::Action;
use qinglian_domain::inspection::Text;
use qinglian_domain::scope::Reach;
use qinglian_domain::zone_governance::{JointMeetingInput, Quarter, Rotation};
use qinglian_store::model::{CalendarSlot, JointMeeting, TermReport, Zone, ZoneRotation};

use super::{render, render_status};
use crate::api::governance::{ReportOut, calendar, report as load_report, today, visible_zone};
use crate::auth::{CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

/// A posted form's fields; some repeat (`order`, `attendee_ids`).
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    pub(super) fn parse(body: &[u8]) -> Result<Self, AppError> {
        Ok(Self(
            serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(e.to_string()))?,
        ))
    }

    pub(super) fn one(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub(super) fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.trim().is_empty())
            .collect()
    }
}

/// A zone's secretary or group head, as forms offer them: (id, name, unit).
type Person = (String, String, String);

#[derive(Template)]
#[template(path = "staff/governance.html")]
struct ZonePage {
    t: Tr,
    user: Option<UserView>,
    zone: Zone,
    rotation: Option<ZoneRotation>,
    calendar: Vec<CalendarSlot>,
    meetings: Vec<JointMeeting>,
    reports: Vec<TermReport>,
    /// The zone's secretaries and group heads, for the forms (empty without the right).
    people: Vec<Person>,
    /// The rotation form's rows: the staff id chosen at each position, one row per person.
    slots: Vec<Option<String>>,
    may_manage: bool,
    current_quarter: String,
    today: String,
    errors: Vec<FieldProblem>,
}

async fn zone_people(state: &AppState, zone: &Zone) -> Result<Vec<Person>, AppError> {
    let members: Vec<String> = zone.members.iter().map(|m| m.id.clone()).collect();
    // The people the rotation may name: exactly those the convener rule accepts.
    Ok(state
        .store
        .all_staff()
        .await?
        .into_iter()
        .filter(|s| {
            qinglian_domain::role::Role::parse("role", &s.role).is_ok_and(|role| {
                qinglian_domain::convener::check_convener(role, s.posting_unit_id.as_deref(), &members).is_ok()
            })
        })
        .map(|s| (s.id, s.name, s.posting_unit_name.unwrap_or_default()))
        .collect())
}

async fn zone_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    errors: Vec<FieldProblem>,
) -> Result<ZonePage, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let zone = visible_zone(state, user, reach, id).await.map_err(err)?;
    let may_manage = user.may(Action::ManageZoneGovernance);
    let people = if may_manage {
        zone_people(state, &zone).await.map_err(err)?
    } else {
        Vec::new()
    };
    let store_err = |e: qinglian_store::StoreError| PageError::new(AppError::from(e), t.lang);
    let rotation = state.store.get_rotation(&zone.zone.id).await.map_err(store_err)?;
    let slots = (0..people.len())
        .map(|i| {
            rotation
                .as_ref()
                .and_then(|r| r.order.get(i))
                .map(|m| m.staff_id.clone())
        })
        .collect();
    Ok(ZonePage {
        rotation,
        slots,
        calendar: calendar(state, &zone.zone.id).await.map_err(err)?,
        meetings: state
            .store
            .list_joint_meetings(&zone.zone.id)
            .await
            .map_err(store_err)?,
        reports: state.store.list_term_reports(&zone.zone.id).await.map_err(store_err)?,
        zone,
        people,
        may_manage,
        current_quarter: Quarter::of(today()).to_string(),
        today: today().to_string(),
        t,
        user: Some(user.view()),
        errors,
    })
}

pub async fn zone(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadZoneGovernance>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(&zone_page(&state, &user, t, &reach, &id, Vec::new()).await?))
}

/// Back to the zone's page, or the page with the form's errors.
async fn outcome(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/zones/{id}/governance")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &zone_page(state, user, t, reach, id, errors).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn set_rotation(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageZoneGovernance>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let zone = visible_zone(&state, &user, &reach, &id).await?;
        let f = Fields::parse(&body)?;
        let rotation = Rotation::parse(&f.one("start"), f.all("order"))?;
        state.store.set_rotation(&user.actor, &zone.zone.id, &rotation).await?;
        Ok(())
    }
    .await;
    outcome(&state, &user, t, &reach, &id, result).await
}

pub async fn record_meeting(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageZoneGovernance>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let zone = visible_zone(&state, &user, &reach, &id).await?;
        let f = Fields::parse(&body)?;
        let input = JointMeetingInput::parse(
            &f.one("held_on"),
            &f.one("place"),
            &f.one("agenda"),
            f.all("attendee_ids"),
            &f.one("minutes"),
            today(),
        )?;
        state
            .store
            .record_joint_meeting(&user.actor, &zone.zone.id, &input)
            .await?;
        Ok(())
    }
    .await;
    outcome(&state, &user, t, &reach, &id, result).await
}

#[derive(Template)]
#[template(path = "staff/term_report.html")]
struct ReportPage {
    t: Tr,
    user: Option<UserView>,
    zone: Zone,
    report: ReportOut,
    state_key: String,
    /// Whether this user is the quarter's convener and the report is still open.
    editable: bool,
    errors: Vec<FieldProblem>,
}

#[allow(clippy::too_many_arguments)]
async fn report_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    quarter: &str,
    body: Option<String>,
    errors: Vec<FieldProblem>,
) -> Result<ReportPage, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let zone = visible_zone(state, user, reach, id).await.map_err(err)?;
    let quarter = Quarter::parse("quarter", quarter).map_err(|e| err(e.into()))?;
    let mut report = load_report(state, &zone, quarter).await.map_err(err)?;
    let editable = user.may(Action::WriteTermReport)
        && report.state != "submitted"
        && report.convener_staff_id.as_deref() == Some(user.session.staff_id.as_str());
    if let Some(b) = body {
        report.body = b;
    }
    Ok(ReportPage {
        state_key: format!("gov.report.{}", report.state),
        t,
        user: Some(user.view()),
        zone,
        report,
        editable,
        errors,
    })
}

pub async fn term_report(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadZoneGovernance>,
    Path((id, quarter)): Path<(String, String)>,
) -> Result<Response, PageError> {
    Ok(render(
        &report_page(&state, &user, t, &reach, &id, &quarter, None, Vec::new()).await?,
    ))
}

pub async fn save_report(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::WriteTermReport>,
    Path((id, quarter)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = Fields::parse(&body).map_err(|e| PageError::new(e, t.lang))?;
    let text = f.one("body");
    let result: Result<(), AppError> = async {
        let zone = visible_zone(&state, &user, &reach, &id).await?;
        let q = Quarter::parse("quarter", &quarter)?;
        let body = Text::parse("body", &text)?;
        let version = f.one("version").trim().parse::<i64>().ok();
        let submit = f.one("action") == "submit";
        state
            .store
            .save_term_report(&user.actor, &zone.zone.id, q, &body, submit, version, today())
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/zones/{id}/reports/{quarter}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &report_page(&state, &user, t, &reach, &id, &quarter, Some(text), errors).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

/// The staff home's reminders: for each zone the user sees, this quarter's and the next
/// quarter's convener, and whether the user owes a term report (this quarter's, from its last
/// month, or last quarter's, not yet submitted).
pub(super) struct ConvenerReminder {
    pub zone_id: String,
    pub zone_name: String,
    pub current: Option<String>,
    pub next: Option<String>,
    /// The quarter whose report this user owes, if any.
    pub report_due: Option<String>,
}

pub(super) async fn reminders(state: &AppState, user: &CurrentUser) -> Result<Vec<ConvenerReminder>, AppError> {
    if !user.may(Action::ReadZoneGovernance) {
        return Ok(Vec::new());
    }
    let reach = state.store.reach_of(&user.session.account_id).await?;
    let now = Quarter::of(today());
    let mut out = Vec::new();
    for zone in state.store.list_zones().await? {
        let members: Vec<String> = zone.members.iter().map(|m| m.id.clone()).collect();
        if !qinglian_domain::zone_governance::sees_zone(&reach, user.session.posting_unit_id.as_deref(), &members) {
            continue;
        }
        let cal = state.store.convener_calendar(&zone.zone.id, now.prev(), 3).await?;
        if cal.iter().all(|s| s.staff_id.is_none()) {
            continue;
        }
        let mine = |s: &CalendarSlot| s.staff_id.as_deref() == Some(user.session.staff_id.as_str());
        let open = |s: &CalendarSlot| s.report_state.as_deref() != Some("submitted");
        let last_month = today() >= now.last_day().with_day0(0).unwrap_or(now.first_day());
        let report_due = match cal.as_slice() {
            [prev, ..] if mine(prev) && open(prev) => Some(prev.quarter.clone()),
            [_, cur, ..] if mine(cur) && open(cur) && last_month => Some(cur.quarter.clone()),
            _ => None,
        };
        out.push(ConvenerReminder {
            zone_id: zone.zone.id,
            zone_name: zone.zone.name,
            current: cal.get(1).and_then(|s| s.staff_name.clone()),
            next: cal.get(2).and_then(|s| s.staff_name.clone()),
            report_due,
        });
    }
    Ok(out)
}
