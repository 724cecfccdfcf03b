//! The rating's dashboard for staff: grades per township for a period, the transitions between
//! two periods, the count of C villages over the periods and the village plans' progress, as
//! charts, tables and a spreadsheet. Every figure is over the villages the user reaches.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qinglian_domain::rating::{Grade, transition_matrix};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{RatingPeriod, RatingResult, VillagePlanSummary};
use serde::Deserialize;

use super::render;
use crate::auth::{UserView, cap};
use crate::error::{ApiQuery, AppError, PageError};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// The period whose grades are shown; the newest without it.
    pub period: Option<String>,
    /// The transition's two periods; `to` defaults to `period`, `from` to the one before `to`.
    pub from: Option<String>,
    pub to: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// One township's counts of A, B and C villages.
pub struct TownshipRow {
    pub name: String,
    pub counts: [u32; 3],
}

impl TownshipRow {
    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }
}

/// Grade counts per township, in the order the villages come (their division codes), and the
/// sum of them all.
fn distribution(results: &[RatingResult]) -> (Vec<TownshipRow>, TownshipRow) {
    let mut rows: Vec<TownshipRow> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut total = [0u32; 3];
    for r in results {
        let i = *index.entry(r.township_id.as_str()).or_insert_with(|| {
            rows.push(TownshipRow {
                name: r.township_name.clone(),
                counts: [0; 3],
            });
            rows.len() - 1
        });
        rows[i].counts[r.grade() as usize] += 1;
        total[r.grade() as usize] += 1;
    }
    (
        rows,
        TownshipRow {
            name: String::new(),
            counts: total,
        },
    )
}

/// The villages graded in both periods, from their grade in the first to that in the second.
fn transitions(from: &[RatingResult], to: &[RatingResult]) -> [[u32; 3]; 3] {
    let later: HashMap<&str, Grade> = to.iter().map(|r| (r.village_id.as_str(), r.grade())).collect();
    transition_matrix(
        from.iter()
            .filter_map(|r| later.get(r.village_id.as_str()).map(|&g| (r.grade(), g))),
    )
}

/// One township's village plans (一村一方案) and how far their items have got.
#[derive(Default)]
pub struct PlanRow {
    pub name: String,
    pub plans: u32,
    pub items: i64,
    pub closed: i64,
    pub overdue: i64,
    /// Plans whose village left C (整转).
    pub left_c: i64,
}

impl PlanRow {
    fn add(&mut self, p: &VillagePlanSummary) {
        self.plans += 1;
        self.items += p.items;
        self.closed += p.closed;
        self.overdue += p.overdue;
        self.left_c += i64::from(p.standing == qinglian_domain::rectification::standing::Standing::LeftC);
    }
}

/// Plans per township, in the order they come (the townships' division codes), and the sum.
fn plan_progress(plans: &[VillagePlanSummary]) -> (Vec<PlanRow>, PlanRow) {
    let mut rows: Vec<PlanRow> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut total = PlanRow::default();
    for p in plans {
        let i = *index.entry(p.plan.township_id.as_str()).or_insert_with(|| {
            rows.push(PlanRow {
                name: p.plan.township_name.clone(),
                ..PlanRow::default()
            });
            rows.len() - 1
        });
        rows[i].add(p);
        total.add(p);
    }
    (rows, total)
}

/// A period in the C-village series.
pub struct SeriesPoint {
    pub label: String,
    pub state: String,
    pub c: u32,
    pub graded: u32,
}

pub struct Figures {
    /// Oldest first.
    pub periods: Vec<RatingPeriod>,
    pub period: Option<RatingPeriod>,
    pub from: Option<RatingPeriod>,
    pub to: Option<RatingPeriod>,
    pub townships: Vec<TownshipRow>,
    pub total: TownshipRow,
    pub matrix: Option<[[u32; 3]; 3]>,
    pub series: Vec<SeriesPoint>,
    pub plans: Vec<PlanRow>,
    pub plans_total: PlanRow,
}

async fn figures(state: &AppState, reach: &Reach, q: &DashboardQuery) -> Result<Figures, AppError> {
    let mut periods = state.store.list_periods().await?;
    periods.reverse();
    let find = |id: &str| periods.iter().position(|p| p.id == id).ok_or(AppError::NotFound);
    let period = match given(&q.period) {
        Some(id) => Some(find(id)?),
        None => periods.len().checked_sub(1),
    };
    let to = match given(&q.to) {
        Some(id) => Some(find(id)?),
        None => period,
    };
    let from = match given(&q.from) {
        Some(id) => Some(find(id)?),
        None => to.and_then(|i| i.checked_sub(1)),
    };
    let mut results: Vec<Vec<RatingResult>> = Vec::with_capacity(periods.len());
    for p in &periods {
        results.push(state.store.period_results(reach, &p.id).await?);
    }
    let (townships, total) = period.map(|i| distribution(&results[i])).unwrap_or_else(|| {
        (
            Vec::new(),
            TownshipRow {
                name: String::new(),
                counts: [0; 3],
            },
        )
    });
    let matrix = match (from, to) {
        (Some(f), Some(t)) => Some(transitions(&results[f], &results[t])),
        _ => None,
    };
    let series = periods
        .iter()
        .zip(&results)
        .map(|(p, r)| SeriesPoint {
            label: p.label.clone(),
            state: p.state.clone(),
            c: r.iter().filter(|x| x.grade() == Grade::C).count() as u32,
            graded: r.len() as u32,
        })
        .collect();
    let (plans, plans_total) = plan_progress(
        &state
            .store
            .list_village_plans(reach, crate::api::cross_handling::today())
            .await?,
    );
    let pick = |i: Option<usize>| i.map(|i| periods[i].clone());
    Ok(Figures {
        period: pick(period),
        from: pick(from),
        to: pick(to),
        townships,
        total,
        matrix,
        series,
        plans,
        plans_total,
        periods,
    })
}

#[derive(Template)]
#[template(path = "staff/rating_dashboard.html")]
struct Dashboard {
    t: Tr,
    user: Option<UserView>,
    f: Figures,
    /// The label of the sum row: the county, or the townships the user reaches.
    total_key: &'static str,
    query: String,
    grades: [&'static str; 3],
    distribution_json: String,
    matrix_json: String,
    series_json: String,
}

fn query_of(f: &Figures) -> String {
    let id = |p: &Option<RatingPeriod>| p.as_ref().map(|p| p.id.clone()).unwrap_or_default();
    format!("period={}&from={}&to={}", id(&f.period), id(&f.from), id(&f.to))
}

fn total_key(reach: &Reach) -> &'static str {
    if reach.county { "rating.county" } else { "rating.total" }
}

pub async fn dashboard(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRating>,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> Result<Response, PageError> {
    let f = figures(&state, &reach, &q)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let distribution_json = serde_json::to_string(
        &f.townships
            .iter()
            .map(|r| (&r.name, r.counts[0], r.counts[1], r.counts[2]))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let matrix_json = serde_json::to_string(&f.matrix).unwrap_or_default();
    let series_json =
        serde_json::to_string(&f.series.iter().map(|s| (&s.label, s.c)).collect::<Vec<_>>()).unwrap_or_default();
    Ok(render(&Dashboard {
        query: query_of(&f),
        total_key: total_key(&reach),
        grades: ["A", "B", "C"],
        distribution_json,
        matrix_json,
        series_json,
        f,
        user: Some(user.view()),
        t,
    }))
}

pub async fn export(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRating>,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> Result<Response, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let f = figures(&state, &reach, &q).await.map_err(err)?;
    let bytes =
        super::rating_dashboard_xlsx::workbook(&f, t, total_key(&reach)).map_err(|e| err(AppError::Internal(e)))?;
    state
        .store
        .record_audit(
            &user.actor,
            qinglian_domain::audit::AuditAction::RatingExport,
            f.period.as_ref().map(|p| p.id.as_str()),
            qinglian_domain::audit::AuditResult::Ok,
            Some(&format!("dashboard {}", query_of(&f))),
        )
        .await
        .map_err(|e| err(e.into()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rating-dashboard.xlsx\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}
