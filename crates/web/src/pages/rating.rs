//! The rating's staff pages: periods, a period's values (form, spreadsheet template and
//! import) and grades with the review, publication, and each village's explanation.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::access::Action;
use qinglian_domain::rating::{Adjustment, Explanation, Framework, PeriodInput, entered_indicators, parse_value};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{RatingPeriod, RatingResult, RatingVillage, ValueEntry, ValueSource};
use serde::Deserialize;

use super::governance::Fields;
use super::{render, render_status};
use crate::auth::{CurrentUser, UserView, cap};
use crate::error::{ApiQuery, AppError, FieldProblem, PageError};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/rating.html")]
struct PeriodsPage {
    t: Tr,
    user: Option<UserView>,
    periods: Vec<RatingPeriod>,
    framework: Option<Framework>,
    may_review: bool,
    errors: Vec<FieldProblem>,
}

async fn periods_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    errors: Vec<FieldProblem>,
) -> Result<PeriodsPage, AppError> {
    Ok(PeriodsPage {
        periods: state.store.list_periods().await?,
        framework: state.store.current_framework().await?.map(|f| f.framework),
        may_review: user.may(Action::ReviewRating),
        user: Some(user.view()),
        t,
        errors,
    })
}

pub async fn periods(
    State(state): State<AppState>,
    Scoped(user, t, _, _): Scoped<cap::ReadRating>,
) -> Result<Response, PageError> {
    let page = periods_page(&state, &user, t, Vec::new())
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&page))
}

pub async fn open_period(
    State(state): State<AppState>,
    Scoped(user, t, _, _): Scoped<cap::ReviewRating>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let f = Fields::parse(&body)?;
        let input = PeriodInput::parse(&f.one("label"), &f.one("frequency"))?;
        Ok::<_, AppError>(state.store.open_period(&user.actor, &input).await?)
    }
    .await;
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/staff/rating/periods/{}", p.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = periods_page(&state, &user, t, e.field_problems(t))
                .await
                .map_err(|e| PageError::new(e, t.lang))?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

/// One village's row on the period page: its values (as entered, empty when missing) and
/// its result.
struct Row {
    village: RatingVillage,
    values: Vec<String>,
    result: Option<RatingResult>,
}

#[derive(Template)]
#[template(path = "staff/rating_period.html")]
struct PeriodPage {
    t: Tr,
    user: Option<UserView>,
    period: RatingPeriod,
    framework: Framework,
    /// Indicator indexes in column order: entered ones first, then the system's.
    columns: Vec<usize>,
    entered: usize,
    rows: Vec<Row>,
    /// (id, name) of the townships within reach, and the one shown.
    townships: Vec<(String, String)>,
    township: String,
    counts: [usize; 3],
    may_enter: bool,
    may_review: bool,
    errors: Vec<FieldProblem>,
}

#[derive(Debug, Deserialize, Default)]
pub struct PeriodQuery {
    pub township: Option<String>,
}

async fn period_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    township: Option<String>,
    errors: Vec<FieldProblem>,
) -> Result<PeriodPage, AppError> {
    let period = state.store.get_period(id).await?;
    let framework = state.store.get_framework(&period.framework_id).await?.framework;
    let villages = state.store.rating_villages(reach).await?;
    let mut townships: Vec<(String, String)> = Vec::new();
    for v in &villages {
        if !townships.iter().any(|(id, _)| *id == v.township_id) {
            townships.push((v.township_id.clone(), v.township_name.clone()));
        }
    }
    // A county has hundreds of villages: the form shows one township at a time.
    let township = township
        .filter(|t| townships.iter().any(|(id, _)| id == t))
        .or_else(|| townships.first().map(|(id, _)| id.clone()))
        .unwrap_or_default();
    let values = state.store.period_values(reach, id).await?;
    let results = state.store.period_results(reach, id).await?;
    let mut counts = [0usize; 3];
    for r in &results {
        counts[r.grade() as usize] += 1;
    }
    let mut columns = entered_indicators(&framework);
    let entered = columns.len();
    columns.extend((0..framework.indicators.len()).filter(|i| framework.indicators[*i].source.is_some()));
    let rows = villages
        .into_iter()
        .filter(|v| v.township_id == township)
        .map(|v| {
            let values = columns
                .iter()
                .map(|&i| {
                    values
                        .iter()
                        .find(|x| x.village_id == v.id && x.indicator_code == framework.indicators[i].code)
                        .map(|x| x.value.to_string())
                        .unwrap_or_default()
                })
                .collect();
            let result = results.iter().find(|r| r.village_id == v.id).cloned();
            Row {
                village: v,
                values,
                result,
            }
        })
        .collect();
    Ok(PeriodPage {
        may_enter: user.may(Action::EnterRatingValues) && period.state == "open",
        may_review: user.may(Action::ReviewRating),
        period,
        framework,
        columns,
        entered,
        rows,
        townships,
        township,
        counts,
        user: Some(user.view()),
        t,
        errors,
    })
}

pub async fn show_period(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRating>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Response, PageError> {
    let page = period_page(&state, &user, t, &reach, &id, q.township, Vec::new())
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&page))
}

/// After a form on the period page: back to it, or the page again with the problems listed.
async fn after(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    township: Option<String>,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => {
            let query = township.map(|t| format!("?township={t}")).unwrap_or_default();
            Ok(Redirect::to(&format!("/staff/rating/periods/{id}{query}")).into_response())
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = period_page(state, user, t, reach, id, township, e.field_problems(t))
                .await
                .map_err(|e| PageError::new(e, t.lang))?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

/// The values form: fields `v.{village_id}.{indicator}`; an empty field is a missing value.
pub async fn save_values(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::EnterRatingValues>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = Fields::parse(&body).map_err(|e| PageError::new(e, t.lang))?;
    let township = Some(f.one("township")).filter(|s| !s.is_empty());
    let result = async {
        let period = state.store.get_period(&id).await?;
        let framework = state.store.get_framework(&period.framework_id).await?.framework;
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for (k, raw) in &f.0 {
            let Some((village, code)) = k.strip_prefix("v.").and_then(|r| r.split_once('.')) else {
                continue;
            };
            let Some(i) = framework.indicators.iter().position(|x| x.code == code) else {
                problems.push(Some(qinglian_domain::Invalid::field(
                    k.clone(),
                    "rating.indicator_unknown",
                    Some(code),
                )));
                continue;
            };
            match parse_value(&framework, i, raw) {
                Ok(value) => entries.push(ValueEntry {
                    village_id: village.to_owned(),
                    indicator_code: code.to_owned(),
                    value,
                }),
                Err(key) => problems.push(Some(qinglian_domain::Invalid::field(
                    format!(
                        "{}（{}）",
                        framework.indicators[i].name,
                        village_name(&state, village).await
                    ),
                    key,
                    Some(raw),
                ))),
            }
        }
        qinglian_domain::Invalid::collect(problems)?;
        state
            .store
            .save_values(&user.actor, &reach, &id, ValueSource::Form, &entries)
            .await?;
        Ok(())
    }
    .await;
    after(&state, &user, t, &reach, &id, township, result).await
}

async fn village_name(state: &AppState, id: &str) -> String {
    state.store.get_village(id).await.map(|v| v.name).unwrap_or_default()
}

macro_rules! period_action {
    ($name:ident, $method:ident) => {
        pub async fn $name(
            State(state): State<AppState>,
            Scoped(user, t, reach, _): Scoped<cap::ReviewRating>,
            Path(id): Path<String>,
        ) -> Result<Response, PageError> {
            let result = state
                .store
                .$method(&user.actor, &id)
                .await
                .map(|_| ())
                .map_err(AppError::from);
            after(&state, &user, t, &reach, &id, None, result).await
        }
    };
}
period_action!(grade, grade_period);
period_action!(confirm, confirm_period);
period_action!(publish, publish_period);

pub async fn template(
    State(state): State<AppState>,
    Scoped(_user, t, reach, _): Scoped<cap::EnterRatingValues>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    crate::api::rating::template_response(&state, &reach, &id, t)
        .await
        .map_err(|e| PageError::new(e, t.lang))
}

#[derive(Template)]
#[template(path = "staff/rating_result.html")]
struct ResultPage {
    t: Tr,
    user: Option<UserView>,
    period: RatingPeriod,
    result: RatingResult,
    framework: Framework,
    explanation: Explanation,
    may_adjust: bool,
    errors: Vec<FieldProblem>,
}

impl ResultPage {
    /// An indicator's name from its code, for the lists of the explanation.
    fn indicator_name(&self, code: &str) -> String {
        self.framework
            .indicators
            .iter()
            .find(|i| i.code == code)
            .map_or_else(|| code.to_owned(), |i| i.name.clone())
    }
}

async fn result_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    errors: Vec<FieldProblem>,
) -> Result<ResultPage, AppError> {
    let result = state.store.get_result(reach, id).await?;
    let period = state.store.get_period(&result.period_id).await?;
    let (framework, explanation) = crate::rating::explain(state.store.as_ref(), &period.id, &result.village_id).await?;
    Ok(ResultPage {
        may_adjust: user.may(Action::ReviewRating) && period.state != "published",
        period,
        result,
        framework,
        explanation,
        user: Some(user.view()),
        t,
        errors,
    })
}

pub async fn show_result(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRating>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = result_page(&state, &user, t, &reach, &id, Vec::new())
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&page))
}

pub async fn adjust(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReviewRating>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let f = Fields::parse(&body)?;
        let adjustment = Adjustment::parse(&f.one("grade"), &f.one("reason"))?;
        state.store.adjust_grade(&user.actor, &reach, &id, &adjustment).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/rating/results/{id}")).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let page = result_page(&state, &user, t, &reach, &id, e.field_problems(t))
                .await
                .map_err(|e| PageError::new(e, t.lang))?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}
