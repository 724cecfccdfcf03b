//! The village integrity rating over JSON: the framework, assessment periods, values (also as
//! a spreadsheet), grading, review and publication, and each village's explanation. Township
//! staff reach their own township's villages only; any other village is 404.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qinglian_domain::rating::{Adjustment, Explanation, Framework, PeriodInput};
use qinglian_store::model::{FrameworkVersion, RatingPeriod, RatingResult, RatingValue, ValueEntry, ValueSource};
use serde::{Deserialize, Serialize};

use crate::auth::cap;
use crate::error::{ApiError, ApiJson, AppError, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;
type Created<T> = Result<(StatusCode, ApiJson<T>), ApiError>;

#[utoipa::path(get, path = "/api/v1/rating/framework", tag = "rating",
    responses((status = 200, body = FrameworkVersion), (status = 404, body = ErrorBody)))]
pub async fn get_framework(State(state): State<AppState>, _: ApiScoped<cap::ReadRating>) -> Res<FrameworkVersion> {
    Ok(ApiJson(
        state.store.current_framework().await?.ok_or(AppError::NotFound)?,
    ))
}

/// Saves a new framework version (the body is the whole framework); refused while a period is
/// in progress, or when weights do not sum to 100 or cut-offs are out of order.
#[utoipa::path(post, path = "/api/v1/rating/framework", tag = "rating", request_body = Object,
    responses((status = 201, body = FrameworkVersion), (status = 422, body = ErrorBody)))]
pub async fn save_framework(
    State(state): State<AppState>,
    ApiScoped(user, _, _): ApiScoped<cap::ReviewRating>,
    ApiJson(f): ApiJson<Framework>,
) -> Created<FrameworkVersion> {
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.save_framework(&user.actor, &f).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/rating/periods", tag = "rating", responses((status = 200, body = Vec<RatingPeriod>)))]
pub async fn list_periods(State(state): State<AppState>, _: ApiScoped<cap::ReadRating>) -> Res<Vec<RatingPeriod>> {
    Ok(ApiJson(state.store.list_periods().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodBody {
    /// `2026年10月`, `2026年第四季度` …
    pub label: String,
    /// `monthly` or `quarterly`.
    pub frequency: String,
}

#[utoipa::path(post, path = "/api/v1/rating/periods", tag = "rating", request_body = PeriodBody,
    responses((status = 201, body = RatingPeriod), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_period(
    State(state): State<AppState>,
    ApiScoped(user, _, _): ApiScoped<cap::ReviewRating>,
    ApiJson(b): ApiJson<PeriodBody>,
) -> Created<RatingPeriod> {
    let input = PeriodInput::parse(&b.label, &b.frequency)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.open_period(&user.actor, &input).await?),
    ))
}

/// A period with the values and results of the villages within the caller's reach.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodOut {
    pub period: RatingPeriod,
    pub values: Vec<RatingValue>,
    pub results: Vec<RatingResult>,
}

#[utoipa::path(get, path = "/api/v1/rating/periods/{id}", tag = "rating", params(("id" = String, Path)),
    responses((status = 200, body = PeriodOut), (status = 404, body = ErrorBody)))]
pub async fn get_period(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _): ApiScoped<cap::ReadRating>,
    Path(id): Path<String>,
) -> Res<PeriodOut> {
    Ok(ApiJson(PeriodOut {
        period: state.store.get_period(&id).await?,
        values: state.store.period_values(&reach, &id).await?,
        results: state.store.period_results(&reach, &id).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueBody {
    pub village_id: String,
    pub indicator: String,
    /// `null` clears the value: it becomes missing (never zero).
    pub value: Option<f64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValuesBody {
    pub values: Vec<ValueBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub saved: u64,
}

#[utoipa::path(put, path = "/api/v1/rating/periods/{id}/values", tag = "rating", params(("id" = String, Path)), request_body = ValuesBody,
    responses((status = 200, body = Saved), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_values(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::EnterRatingValues>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ValuesBody>,
) -> Res<Saved> {
    let entries: Vec<ValueEntry> = b
        .values
        .into_iter()
        .map(|v| ValueEntry {
            village_id: v.village_id,
            indicator_code: v.indicator,
            value: v.value,
        })
        .collect();
    let saved = state
        .store
        .save_values(&user.actor, &reach, &id, ValueSource::Form, &entries)
        .await?;
    Ok(ApiJson(Saved { saved }))
}

/// The body is the filled-in template (xlsx). Every problem is reported at its cell (`C3` …)
/// and nothing is imported until there is none; a file over 10 MB is refused unread.
#[utoipa::path(post, path = "/api/v1/rating/periods/{id}/import", tag = "rating", params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = Saved), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::EnterRatingValues>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Res<Saved> {
    let bytes = read_upload(
        &headers,
        body,
        crate::rating::IMPORT_MAX_BYTES,
        "rating.import.too_large",
    )
    .await?;
    let saved = crate::rating::import(state.store.as_ref(), &user.actor, &reach, &id, &bytes).await?;
    Ok(ApiJson(Saved { saved }))
}

/// Reads an upload of at most `max` bytes, refusing a larger declared length before reading
/// anything; `too_large` names the refusal for field `file`.
pub(crate) async fn read_upload(
    headers: &HeaderMap,
    body: Body,
    max: usize,
    too_large: &'static str,
) -> Result<axum::body::Bytes, AppError> {
    let refuse = || AppError::Invalid(qinglian_domain::Invalid::field("file", too_large, None));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(refuse());
    }
    axum::body::to_bytes(body, max).await.map_err(|_| refuse())
}

/// The value template of the villages within reach, with the values entered so far.
#[utoipa::path(get, path = "/api/v1/rating/periods/{id}/template", tag = "rating", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody)))]
pub async fn template(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _): ApiScoped<cap::EnterRatingValues>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let t = crate::i18n::Tr::new(crate::i18n::Lang::Zh);
    Ok(template_response(&state, &reach, &id, t).await?)
}

pub(crate) async fn template_response(
    state: &AppState,
    reach: &qinglian_domain::scope::Reach,
    id: &str,
    t: crate::i18n::Tr,
) -> Result<Response, AppError> {
    let period = state.store.get_period(id).await?;
    let framework = state.store.get_framework(&period.framework_id).await?.framework;
    let villages = state.store.rating_villages(reach).await?;
    let values = state.store.period_values(reach, id).await?;
    let bytes = crate::rating::template(
        &framework,
        &villages,
        &values,
        &t.get("rating.village"),
        &t.get("rating.division_code"),
    )
    .map_err(AppError::Internal)?;
    Ok(xlsx(bytes, "rating-values.xlsx"))
}

pub(crate) fn xlsx(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[utoipa::path(post, path = "/api/v1/rating/periods/{id}/grade", tag = "rating", params(("id" = String, Path)),
    responses((status = 200, body = RatingPeriod), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grade(
    State(state): State<AppState>,
    ApiScoped(user, _, _): ApiScoped<cap::ReviewRating>,
    Path(id): Path<String>,
) -> Res<RatingPeriod> {
    Ok(ApiJson(state.store.grade_period(&user.actor, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/rating/periods/{id}/confirm", tag = "rating", params(("id" = String, Path)),
    responses((status = 200, body = RatingPeriod), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    ApiScoped(user, _, _): ApiScoped<cap::ReviewRating>,
    Path(id): Path<String>,
) -> Res<RatingPeriod> {
    Ok(ApiJson(state.store.confirm_period(&user.actor, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/rating/periods/{id}/publish", tag = "rating", params(("id" = String, Path)),
    responses((status = 200, body = RatingPeriod), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ApiScoped(user, _, _): ApiScoped<cap::ReviewRating>,
    Path(id): Path<String>,
) -> Res<RatingPeriod> {
    Ok(ApiJson(state.store.publish_period(&user.actor, &id).await?))
}

/// A village's result and why: per dimension against the county, what pulled it down, the veto.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResultOut {
    pub result: RatingResult,
    #[schema(value_type = Object)]
    pub explanation: Explanation,
}

#[utoipa::path(get, path = "/api/v1/rating/results/{id}", tag = "rating", params(("id" = String, Path)),
    responses((status = 200, body = ResultOut), (status = 404, body = ErrorBody)))]
pub async fn get_result(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _): ApiScoped<cap::ReadRating>,
    Path(id): Path<String>,
) -> Res<ResultOut> {
    let result = state.store.get_result(&reach, &id).await?;
    let (_, explanation) = crate::rating::explain(state.store.as_ref(), &result.period_id, &result.village_id).await?;
    Ok(ApiJson(ResultOut { result, explanation }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    /// `A`, `B` or `C`.
    pub grade: String,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/rating/results/{id}/adjustment", tag = "rating", params(("id" = String, Path)), request_body = AdjustmentBody,
    responses((status = 200, body = RatingResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn adjust(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ReviewRating>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AdjustmentBody>,
) -> Res<RatingResult> {
    let adjustment = Adjustment::parse(&b.grade, &b.reason)?;
    Ok(ApiJson(
        state.store.adjust_grade(&user.actor, &reach, &id, &adjustment).await?,
    ))
}
