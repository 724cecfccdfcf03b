//! Pages for inspection tours: rounds and meetings, the meeting's fast concern form (made for a
//! phone during the meeting), a department's inbox, a concern with its steps, and the
//! villager's public form and receipt look-up.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use qinglian_domain::access::Action;
use qinglian_domain::inspection::{CHINA, ConcernInput, ConcernSource, ConcernState, ConcernStep};
use qinglian_store::model::{Category, Complainant, Concern, ConcernEvent, Meeting, Register, Round, Unit};
use serde::Deserialize;

use super::{Pager, render, render_status};
use crate::api::inspection::{self as api, Followed, PublicConcern, PublicMeeting, VillagerStep};
use crate::auth::{ClientAddr, MaybeUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

/// The address villagers reach this server at, as the staff member's browser did.
fn origin(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.settings.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// A QR code as SVG; an over-long URL (impossible for ours) gives no code rather than an error.
fn qr_svg(url: &str) -> String {
    qrcode::QrCode::new(url.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .build()
        })
        .unwrap_or_default()
}

fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}

#[derive(Template)]
#[template(path = "staff/inspection.html")]
struct HomePage {
    t: Tr,
    user: Option<UserView>,
    rounds: Vec<Round>,
    meetings: Vec<Meeting>,
    overdue: Vec<qinglian_store::model::OverdueCount>,
    may_manage: bool,
    errors: Vec<FieldProblem>,
}

pub async fn home(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
) -> Result<Response, PageError> {
    Ok(render(&home_page(&state, &user, t, &reach, Vec::new()).await?))
}

async fn home_page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    t: Tr,
    reach: &qinglian_domain::scope::Reach,
    errors: Vec<FieldProblem>,
) -> Result<HomePage, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let rounds = state.store.list_rounds(reach).await.map_err(err)?;
    let meetings = state.store.list_meetings(reach, None).await.map_err(err)?;
    let overdue = state.store.overdue_summary(reach, today()).await.map_err(err)?;
    Ok(HomePage {
        may_manage: user.may(Action::ManageInspection),
        t,
        user: Some(user.view()),
        rounds,
        meetings,
        overdue,
        errors,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct RoundForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    days: String,
}

pub async fn create_round(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageInspection>,
    PageForm(form): PageForm<RoundForm>,
) -> Result<Response, PageError> {
    let result =
        match qinglian_domain::inspection::RoundInput::parse(&form.number, &form.name, &form.starts_on, &form.days) {
            Ok(input) => state
                .store
                .create_round(&user.actor, &input)
                .await
                .map_err(AppError::from),
            Err(e) => Err(e.into()),
        };
    match result {
        Ok(round) => Ok(Redirect::to(&format!("/staff/inspection/rounds/{}", round.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &home_page(&state, &user, t, &reach, errors).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    attendance: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    publish_minutes: Option<String>,
}

pub async fn record_meeting(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::RunMeeting>,
    Path(id): Path<String>,
    PageForm(form): PageForm<RecordForm>,
) -> Result<Response, PageError> {
    let publish = form.publish_minutes.as_deref().is_some_and(|v| !v.is_empty());
    state
        .store
        .record_meeting(&user.actor, &reach, &id, &form.attendance, &form.minutes, publish)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(Redirect::to(&format!("/staff/inspection/meetings/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "staff/meeting.html")]
struct MeetingPage {
    t: Tr,
    user: Option<UserView>,
    meeting: Meeting,
    register: Register,
    concerns: Vec<Concern>,
    categories: Vec<Category>,
    may_log: bool,
    form: ConcernForm,
    errors: Vec<FieldProblem>,
    /// The receipt code of the concern just logged, shown once to hand to the villager.
    receipt: Option<String>,
    /// The public form's QR code, as inline SVG made here from the URL alone.
    qr_svg: String,
    public_url: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConcernForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    complainant_name: String,
    #[serde(default)]
    complainant_phone: String,
}

#[allow(clippy::too_many_arguments)]
async fn meeting_page(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    user: &crate::auth::CurrentUser,
    t: Tr,
    reach: &qinglian_domain::scope::Reach,
    id: &str,
    form: ConcernForm,
    errors: Vec<FieldProblem>,
    receipt: Option<String>,
) -> Result<MeetingPage, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let meeting = state.store.get_meeting(reach, id).await.map_err(err)?;
    let filter = qinglian_store::model::ConcernFilter {
        meeting_id: Some(id.to_owned()),
        ..Default::default()
    };
    let concerns = state
        .store
        .list_concerns(reach, &filter, qinglian_store::model::PageRequest::new(1, 200))
        .await
        .map_err(err)?
        .items;
    let public_url = format!("{}/m/{}", origin(state, headers), meeting.meeting.id);
    Ok(MeetingPage {
        qr_svg: qr_svg(&public_url),
        public_url,
        register: state.store.register(None, Some(id), today()).await.map_err(err)?,
        categories: state.store.list_categories().await.map_err(err)?,
        may_log: user.may(Action::RunMeeting),
        user: Some(user.view()),
        t,
        meeting,
        concerns,
        form,
        errors,
        receipt,
    })
}

pub async fn meeting(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(
        &meeting_page(
            &state,
            &headers,
            &user,
            t,
            &reach,
            &id,
            ConcernForm::default(),
            Vec::new(),
            None,
        )
        .await?,
    ))
}

pub async fn log_concern(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::RunMeeting>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    PageForm(form): PageForm<ConcernForm>,
) -> Result<Response, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let meeting = state.store.get_meeting(&reach, &id).await.map_err(err)?;
    let parsed = ConcernInput::parse(
        &form.text,
        &form.category_id,
        &meeting.meeting.village_id,
        Some(&id),
        &form.complainant_name,
        &form.complainant_phone,
    );
    let result = match parsed {
        Ok(input) => match crate::receipt::new_code() {
            Ok(code) => state
                .store
                .create_concern(
                    &user.actor,
                    &input,
                    ConcernSource::Meeting,
                    &state.secrets.receipt_hash(&code),
                    &meeting.meeting.group_name,
                    Utc::now(),
                )
                .await
                .map(|_| code)
                .map_err(AppError::from),
            Err(e) => Err(e),
        },
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(code) => Ok(render_status(
            StatusCode::CREATED,
            &meeting_page(
                &state,
                &headers,
                &user,
                t,
                &reach,
                &id,
                ConcernForm::default(),
                Vec::new(),
                Some(code.display()),
            )
            .await?,
        )),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &meeting_page(&state, &headers, &user, t, &reach, &id, form, errors, None).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Template)]
#[template(path = "staff/concerns.html")]
struct ListPage {
    t: Tr,
    user: Option<UserView>,
    concerns: Vec<Concern>,
    pager: Pager,
    state: String,
    overdue: bool,
    states: Vec<&'static str>,
    today: chrono::NaiveDate,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    page: Option<u32>,
    state: Option<String>,
    overdue: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<Response, PageError> {
    let overdue = q.overdue.as_deref().is_some_and(|v| !v.is_empty());
    let query = api::ConcernQuery {
        round_id: None,
        meeting_id: None,
        township_id: None,
        department_id: None,
        category_id: None,
        state: q.state.clone(),
        overdue: Some(overdue),
        page: q.page,
        per_page: Some(25),
    };
    let err = |e| PageError::new(e, t.lang);
    let filter = query.filter().map_err(err)?;
    let page = q.page.unwrap_or(1).max(1);
    let result = state
        .store
        .list_concerns(&reach, &filter, qinglian_store::model::PageRequest::new(page, 25))
        .await
        .map_err(|e| err(e.into()))?;
    let s = q.state.unwrap_or_default();
    let base = format!("/staff/concerns?state={s}{}&", if overdue { "&overdue=1" } else { "" });
    Ok(render(&ListPage {
        pager: Pager::new(base, page, 25, result.total),
        t,
        user: Some(user.view()),
        concerns: result.items,
        state: s,
        overdue,
        states: ConcernState::ALL.iter().map(|s| s.as_str()).collect(),
        today: today(),
    }))
}

#[derive(Template)]
#[template(path = "staff/concern.html")]
struct DetailPage {
    t: Tr,
    user: Option<UserView>,
    concern: Concern,
    events: Vec<ConcernEvent>,
    /// `group`, `department` or empty when the user takes no steps.
    party: &'static str,
    may_reveal: bool,
    complainant: Option<Complainant>,
    departments: Vec<Unit>,
    errors: Vec<FieldProblem>,
    overdue: bool,
    state_key: String,
    source_key: String,
}

async fn detail_page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    t: Tr,
    reach: &qinglian_domain::scope::Reach,
    id: &str,
    complainant: Option<Complainant>,
    errors: Vec<FieldProblem>,
) -> Result<DetailPage, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let concern = state.store.get_concern(reach, id).await.map_err(err)?;
    let events = state.store.concern_events(reach, id).await.map_err(err)?;
    let party = if user.may(Action::AnswerConcern) {
        "department"
    } else if user.may(Action::RunMeeting) {
        "group"
    } else {
        ""
    };
    let departments = match &concern.meeting_id {
        Some(m) => state.store.public_meeting(m).await.map_err(err)?.departments,
        None => Vec::new(),
    };
    let departments = if departments.is_empty() {
        state
            .store
            .list_departments()
            .await
            .map_err(err)?
            .into_iter()
            .map(Unit::from)
            .collect()
    } else {
        departments
    };
    let state_kind = ConcernState::parse("state", &concern.state).map_err(|e| err(e.into()))?;
    Ok(DetailPage {
        state_key: format!("concern.state.{}", concern.state),
        source_key: format!("concern.source.{}", concern.source),
        overdue: qinglian_domain::inspection::is_overdue(state_kind, concern.answer_deadline, today()),
        may_reveal: user.may(Action::ReadComplainant) && concern.has_complainant,
        user: Some(user.view()),
        t,
        concern,
        events,
        party,
        complainant,
        departments,
        errors,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(
        &detail_page(&state, &user, t, &reach, &id, None, Vec::new()).await?,
    ))
}

pub async fn complainant(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadComplainant>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let who = state
        .store
        .read_complainant(&user.actor, &reach, &id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(
        &detail_page(&state, &user, t, &reach, &id, Some(who), Vec::new()).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    fixed: Option<String>,
    version: Option<i64>,
}

pub async fn step(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ActOnConcern>,
    Path(id): Path<String>,
    PageForm(form): PageForm<StepForm>,
) -> Result<Response, PageError> {
    let fixed = form.fixed.as_deref().is_some_and(|v| !v.is_empty());
    let result = match ConcernStep::parse(&form.kind, &form.text, &form.department_id, &form.deadline, fixed) {
        Ok(step) => api::take_step(&state, &user, &reach, &id, &step, form.version).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/staff/concerns/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &detail_page(&state, &user, t, &reach, &id, None, errors).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

// ---- the villager's side -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/round.html")]
struct PublicRoundPage {
    t: Tr,
    user: Option<UserView>,
    round: Round,
    register: Register,
    /// State names already translated, with their counts.
    states: Vec<(String, i64)>,
    meetings: Vec<Meeting>,
}

/// A round's public register (登记造册): counts and meetings, no personal data.
pub async fn public_round(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    lang: crate::i18n::Lang,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let t = Tr::new(lang);
    let err = |e| PageError::new(e, t.lang);
    let everyone = qinglian_domain::scope::Reach::everything();
    let round = state.store.get_round(&everyone, &id).await.map_err(err)?;
    let register = state.store.register(Some(&id), None, today()).await.map_err(err)?;
    let meetings = state.store.list_meetings(&everyone, Some(&id)).await.map_err(err)?;
    let states = register
        .by_state
        .iter()
        .map(|s| (t.get(format!("concern.state.{}", s.name)), s.count))
        .collect();
    Ok(render(&PublicRoundPage {
        t,
        user: user.map(|u| u.view()),
        round,
        register,
        states,
        meetings,
    }))
}

#[derive(Template)]
#[template(path = "portal/concern_form.html")]
struct PublicFormPage {
    t: Tr,
    user: Option<UserView>,
    meeting: PublicMeeting,
    form: ConcernForm,
    errors: Vec<FieldProblem>,
}

/// The answer to a villager's submission: the receipt code, once. It names the concern's
/// village and category, so it needs no second look at the meeting (its form, its register).
#[derive(Template)]
#[template(path = "portal/concern_received.html")]
struct ReceivedPage {
    t: Tr,
    user: Option<UserView>,
    concern: Concern,
    receipt: String,
    meeting_id: String,
}

/// The form a meeting's QR code opens.
pub async fn public_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    lang: crate::i18n::Lang,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let t = Tr::new(lang);
    let meeting = api::public_meeting_view(&state, &id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&PublicFormPage {
        t,
        user: user.map(|u| u.view()),
        meeting,
        form: ConcernForm::default(),
        errors: Vec::new(),
    }))
}

pub async fn public_submit(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientAddr(client): ClientAddr,
    lang: crate::i18n::Lang,
    Path(id): Path<String>,
    PageForm(form): PageForm<ConcernForm>,
) -> Result<Response, PageError> {
    let t = Tr::new(lang);
    let err = |e| PageError::new(e, t.lang);
    let body = PublicConcern {
        meeting_id: id.clone(),
        category_id: form.category_id.clone(),
        text: form.text.clone(),
        complainant_name: form.complainant_name.clone(),
        complainant_phone: form.complainant_phone.clone(),
    };
    let errors = match api::submit_public(&state, &client, &body).await {
        Ok((code, concern)) => {
            return Ok(render_status(
                StatusCode::CREATED,
                &ReceivedPage {
                    t,
                    user: user.map(|u| u.view()),
                    concern,
                    receipt: code.display(),
                    meeting_id: id,
                },
            ));
        }
        Err(e @ AppError::Invalid(_)) => e.field_problems(t),
        Err(e) => return Err(err(e)),
    };
    // Only a refused form is drawn again, with what was typed and what was wrong.
    let meeting = api::public_meeting_view(&state, &id).await.map_err(err)?;
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PublicFormPage {
            t,
            user: user.map(|u| u.view()),
            meeting,
            form,
            errors,
        },
    ))
}

#[derive(Template)]
#[template(path = "portal/receipt.html")]
struct ReceiptPage {
    t: Tr,
    user: Option<UserView>,
    /// The code as typed, echoed into the confirm and reopen forms.
    receipt: String,
    followed: Option<Followed>,
    errors: Vec<FieldProblem>,
    /// A wrong code: said without hinting whether some other code exists.
    not_found: bool,
}

pub async fn receipt_form(MaybeUser(user): MaybeUser, lang: crate::i18n::Lang) -> Response {
    let t = Tr::new(lang);
    render(&ReceiptPage {
        t,
        user: user.map(|u| u.view()),
        receipt: String::new(),
        followed: None,
        errors: Vec::new(),
        not_found: false,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ReceiptForm {
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

fn receipt_outcome(
    t: Tr,
    user: Option<UserView>,
    receipt: String,
    result: Result<Followed, AppError>,
) -> Result<Response, PageError> {
    let page = |followed, errors, not_found| ReceiptPage {
        t,
        user,
        receipt: receipt.clone(),
        followed,
        errors,
        not_found,
    };
    match result {
        Ok(f) => Ok(render(&page(Some(f), Vec::new(), false))),
        Err(AppError::NotFound) => Ok(render_status(StatusCode::NOT_FOUND, &page(None, Vec::new(), true))),
        Err(e @ AppError::Invalid(_)) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(None, errors, false),
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn receipt_lookup(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientAddr(client): ClientAddr,
    lang: crate::i18n::Lang,
    PageForm(form): PageForm<ReceiptForm>,
) -> Result<Response, PageError> {
    let t = Tr::new(lang);
    let result = api::follow(&state, &client, &form.receipt).await.map(|(_, f)| f);
    receipt_outcome(t, user.map(|u| u.view()), form.receipt, result)
}

pub async fn receipt_step(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientAddr(client): ClientAddr,
    lang: crate::i18n::Lang,
    PageForm(form): PageForm<ReceiptForm>,
) -> Result<Response, PageError> {
    let t = Tr::new(lang);
    let body = VillagerStep {
        receipt: form.receipt.clone(),
        kind: form.kind,
        text: form.text,
    };
    let result = api::villager_step(&state, &client, &body).await;
    // A refused step still shows the concern, with the rule that refused it.
    if let Err(e @ AppError::Invalid(_)) = &result {
        let errors = e.field_problems(t);
        let followed = api::follow(&state, &client, &form.receipt).await.ok().map(|(_, f)| f);
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ReceiptPage {
                t,
                user: user.map(|u| u.view()),
                receipt: form.receipt,
                followed,
                errors,
                not_found: false,
            },
        ));
    }
    receipt_outcome(t, user.map(|u| u.view()), form.receipt, result)
}
