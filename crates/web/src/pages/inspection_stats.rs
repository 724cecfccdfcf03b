//! A round's statistics for the commission: figures, charts (ECharts, embedded), the register
//! as a spreadsheet, and a printable register.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use qinglian_domain::inspection::{CHINA, RoundStats};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Concern, ConcernFilter, Meeting, PageRequest, Round};

use super::render;
use crate::auth::{UserView, cap};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

/// Rows in one export; a round has at most a few thousand concerns.
const EXPORT_LIMIT: usize = 50_000;

pub(super) struct Figures {
    pub(super) round: Round,
    pub(super) meetings: Vec<Meeting>,
    pub(super) stats: RoundStats,
}

pub(super) async fn figures(state: &AppState, reach: &Reach, id: &str) -> Result<Figures, AppError> {
    let round = state.store.get_round(reach, id).await?;
    let meetings = state.store.list_meetings(reach, Some(id)).await?;
    let categories: Vec<String> = state
        .store
        .list_categories()
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let facts = state.store.concern_facts(reach, id).await?;
    let today = Utc::now().with_timezone(&CHINA).date_naive();
    Ok(Figures {
        stats: RoundStats::compute(&categories, &facts, today),
        round,
        meetings,
    })
}

#[derive(Template)]
#[template(path = "staff/round.html")]
struct RoundPage {
    t: Tr,
    user: Option<UserView>,
    round: Round,
    meetings: Vec<Meeting>,
    stats: RoundStats,
    /// `[[name, count], …]` and state counts as JSON for the charts.
    category_json: String,
    state_json: String,
    groups: Vec<qinglian_store::model::InspectionGroup>,
    targets: Vec<qinglian_store::model::Target>,
    /// Forms for those who may set the round up or hold meetings.
    manage: Option<ManageForms>,
    errors: Vec<crate::error::FieldProblem>,
}

/// Choices for the round's set-up forms.
struct ManageForms {
    may_manage: bool,
    may_meet: bool,
    inspectors: Vec<(String, String, String)>,
    /// Villages not yet targeted, by township: (township, [(id, name)]).
    free_villages: Vec<(String, Vec<(String, String)>)>,
    departments: Vec<qinglian_store::model::Department>,
}

async fn manage_forms(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    targets: &[qinglian_store::model::Target],
) -> Result<Option<ManageForms>, AppError> {
    use qinglian_domain::access::Action;
    let may_manage = user.may(Action::ManageInspection);
    let may_meet = user.may(Action::RunMeeting);
    if !may_manage && !may_meet {
        return Ok(None);
    }
    let mut inspectors = Vec::new();
    let mut free_villages: Vec<(String, Vec<(String, String)>)> = Vec::new();
    if may_manage {
        inspectors = state
            .store
            .all_staff()
            .await?
            .into_iter()
            .filter(|s| s.role == "inspection_group_member")
            .map(|s| (s.id, s.name, s.home_township_name.unwrap_or_default()))
            .collect();
        for t in state.store.list_townships().await? {
            let villages = state
                .store
                .list_villages(
                    &qinglian_store::model::VillageFilter {
                        township_id: Some(t.id.clone()),
                        q: None,
                    },
                    PageRequest::new(1, PageRequest::MAX_LIMIT as u32),
                )
                .await?
                .items
                .into_iter()
                .filter(|v| !targets.iter().any(|x| x.village_id == v.id))
                .map(|v| (v.id, v.name))
                .collect::<Vec<_>>();
            if !villages.is_empty() {
                free_villages.push((t.name, villages));
            }
        }
    }
    Ok(Some(ManageForms {
        may_manage,
        may_meet,
        inspectors,
        free_villages,
        departments: state.store.list_departments().await?,
    }))
}

pub async fn round(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(&round_page(&state, &user, t, &reach, &id, Vec::new()).await?))
}

async fn round_page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    errors: Vec<crate::error::FieldProblem>,
) -> Result<RoundPage, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let f = figures(state, reach, id).await.map_err(err)?;
    let groups = state.store.list_groups(reach, id).await.map_err(|e| err(e.into()))?;
    let targets = state.store.list_targets(reach, id).await.map_err(|e| err(e.into()))?;
    let manage = manage_forms(state, user, &targets).await.map_err(err)?;
    let category_json = serde_json::to_string(&f.stats.by_category).unwrap_or_default();
    let states: Vec<(String, usize)> = f
        .stats
        .by_state
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| (t.get(format!("concern.state.{}", s.as_str())), *n))
        .collect();
    let state_json = serde_json::to_string(&states).unwrap_or_default();
    Ok(RoundPage {
        t,
        user: Some(user.view()),
        round: f.round,
        meetings: f.meetings,
        stats: f.stats,
        category_json,
        state_json,
        groups,
        targets,
        manage,
        errors,
    })
}

/// The set-up forms' fields; `member_ids`, `village_ids` and `department_ids` repeat.
struct SetupForm {
    fields: Vec<(String, String)>,
}

impl SetupForm {
    fn from_body(body: &[u8]) -> Result<Self, AppError> {
        Ok(Self {
            fields: serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(e.to_string()))?,
        })
    }

    fn one(&self, key: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// After a set-up form: back to the round, or the round with the form's errors.
async fn setup_outcome(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(axum::response::Redirect::to(&format!("/staff/inspection/rounds/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(super::render_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                &round_page(state, user, t, reach, id, errors).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn create_group(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageInspection>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = SetupForm::from_body(&body).map_err(|e| PageError::new(e, t.lang))?;
    let result = match qinglian_domain::error::Name::parse("name", &form.one("name")) {
        Ok(name) => state
            .store
            .create_group(
                &user.actor,
                &id,
                &name,
                &form.one("leader_staff_id"),
                &form.all("member_ids"),
            )
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    setup_outcome(&state, &user, t, &reach, &id, result).await
}

pub async fn assign_targets(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageInspection>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = SetupForm::from_body(&body).map_err(|e| PageError::new(e, t.lang))?;
    let result = state
        .store
        .assign_targets(&user.actor, &id, &form.one("group_id"), &form.all("village_ids"))
        .await
        .map(|_| ())
        .map_err(AppError::from);
    setup_outcome(&state, &user, t, &reach, &id, result).await
}

pub async fn schedule_meeting(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::RunMeeting>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = SetupForm::from_body(&body).map_err(|e| PageError::new(e, t.lang))?;
    let target = form.one("target");
    let (group_id, village_id) = target.split_once(':').unwrap_or(("", ""));
    let result = match qinglian_domain::inspection::MeetingInput::parse(
        &id,
        group_id,
        village_id,
        &form.one("place"),
        &form.one("starts_at"),
        form.all("department_ids"),
    ) {
        Ok(input) => state
            .store
            .create_meeting(&user.actor, &reach, &input)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    setup_outcome(&state, &user, t, &reach, &id, result).await
}

/// Every concern of the round within reach, in pages.
pub(super) async fn round_concerns(state: &AppState, reach: &Reach, id: &str) -> Result<Vec<Concern>, AppError> {
    let filter = ConcernFilter {
        round_id: Some(id.to_owned()),
        ..ConcernFilter::default()
    };
    all_concerns(state, reach, &filter).await
}

/// Every concern the filter selects within reach, fetched page by page up to the export limit.
pub(super) async fn all_concerns(
    state: &AppState,
    reach: &Reach,
    filter: &ConcernFilter,
) -> Result<Vec<Concern>, AppError> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = state
            .store
            .list_concerns(reach, filter, PageRequest::new(page, PageRequest::MAX_LIMIT as u32))
            .await?;
        let done = p.items.is_empty() || out.len() + p.items.len() >= p.total as usize;
        out.extend(p.items);
        if done || out.len() >= EXPORT_LIMIT {
            break;
        }
    }
    Ok(out)
}

pub async fn export(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let f = figures(&state, &reach, &id).await.map_err(err)?;
    let concerns = round_concerns(&state, &reach, &id).await.map_err(err)?;
    let bytes = workbook(&f, &concerns, t).map_err(|e| err(AppError::Internal(e)))?;
    let detail = format!("round {} export, {} concerns", f.round.number, concerns.len());
    state
        .store
        .record_audit(
            &user.actor,
            qinglian_domain::audit::AuditAction::ConcernView,
            Some(&id),
            qinglian_domain::audit::AuditResult::Ok,
            Some(&detail),
        )
        .await
        .map_err(|e| err(e.into()))?;
    let name = format!("attachment; filename=\"round-{}-register.xlsx\"", f.round.number);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

fn workbook(f: &Figures, concerns: &[Concern], t: Tr) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(t.get("stats.register"))?;
    let headers = [
        "meeting.village",
        "concern.field.category_id",
        "concern.field.text",
        "concern.source",
        "concern.state",
        "concern.on_spot",
        "concern.department",
        "concern.deadline",
        "concern.answer",
        "stats.logged_at",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, t.get(h), &bold)?;
    }
    for (i, c) in concerns.iter().enumerate() {
        let r = i as u32 + 1;
        let cells = [
            format!("{} {}", c.township_name, c.village_name),
            c.category_name.clone(),
            c.text.clone(),
            t.get(format!("concern.source.{}", c.source)),
            t.get(format!("concern.state.{}", c.state)),
            if c.on_spot { t.get("stats.yes") } else { String::new() },
            c.department_name.clone().unwrap_or_default(),
            c.answer_deadline.map(|d| d.to_string()).unwrap_or_default(),
            c.answer.clone().unwrap_or_default(),
            crate::pages::local_time(&c.created_at),
        ];
        for (col, v) in cells.iter().enumerate() {
            sheet.write_string(r, col as u16, v)?;
        }
    }
    let summary = book.add_worksheet();
    summary.set_name(t.get("stats.summary"))?;
    let s = &f.stats;
    let rows: Vec<(String, usize)> = vec![
        (t.get("inspection.meetings"), f.meetings.len()),
        (t.get("concern.count"), s.total),
        (t.get("concern.on_spot"), s.on_spot),
        (t.get("stats.in_time"), s.answered_in_time),
        (t.get("stats.late"), s.answered_late),
        (t.get("concern.overdue"), s.overdue),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        summary.write_string_with_format(i as u32, 0, k, &bold)?;
        summary.write_number(i as u32, 1, *v as f64)?;
    }
    let mut r = rows.len() as u32 + 1;
    summary.write_string_with_format(r, 0, t.get("concern.field.category_id"), &bold)?;
    for (name, n) in &s.by_category {
        r += 1;
        summary.write_string(r, 0, name)?;
        summary.write_number(r, 1, *n as f64)?;
    }
    r += 2;
    for (c, h) in [
        "concern.department",
        "stats.assigned",
        "stats.in_time",
        "stats.late",
        "concern.overdue",
    ]
    .iter()
    .enumerate()
    {
        summary.write_string_with_format(r, c as u16, t.get(h), &bold)?;
    }
    for d in &s.by_department {
        r += 1;
        summary.write_string(r, 0, &d.department)?;
        for (c, v) in [d.assigned, d.answered_in_time, d.answered_late, d.overdue]
            .iter()
            .enumerate()
        {
            summary.write_number(r, c as u16 + 1, *v as f64)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

#[derive(Template)]
#[template(path = "staff/round_print.html")]
struct PrintPage {
    t: Tr,
    round: Round,
    stats: RoundStats,
    concerns: Vec<Concern>,
    printed_at: String,
}

/// The register (登记造册) as a printable page: the browser prints it or saves it as PDF.
pub async fn print(
    State(state): State<AppState>,
    Scoped(_user, t, reach, _): Scoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let f = figures(&state, &reach, &id).await.map_err(err)?;
    let concerns = round_concerns(&state, &reach, &id).await.map_err(err)?;
    Ok(render(&PrintPage {
        t,
        round: f.round,
        stats: f.stats,
        concerns,
        printed_at: crate::pages::local_time(&Utc::now()),
    }))
}
