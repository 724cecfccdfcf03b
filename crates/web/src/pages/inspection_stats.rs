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

struct Figures {
    round: Round,
    meetings: Vec<Meeting>,
    stats: RoundStats,
}

async fn figures(state: &AppState, reach: &Reach, id: &str) -> Result<Figures, AppError> {
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
}

pub async fn round(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let f = figures(&state, &reach, &id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let category_json = serde_json::to_string(&f.stats.by_category).unwrap_or_default();
    let states: Vec<(String, usize)> = f
        .stats
        .by_state
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| (t.get(format!("concern.state.{}", s.as_str())), *n))
        .collect();
    let state_json = serde_json::to_string(&states).unwrap_or_default();
    Ok(render(&RoundPage {
        t,
        user: Some(user.view()),
        round: f.round,
        meetings: f.meetings,
        stats: f.stats,
        category_json,
        state_json,
    }))
}

/// Every concern of the round within reach, in pages.
async fn round_concerns(state: &AppState, reach: &Reach, id: &str) -> Result<Vec<Concern>, AppError> {
    let filter = ConcernFilter {
        round_id: Some(id.to_owned()),
        ..ConcernFilter::default()
    };
    let mut out = Vec::new();
    for page in 1.. {
        let p = state
            .store
            .list_concerns(reach, &filter, PageRequest::new(page, PageRequest::MAX_LIMIT as u32))
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
