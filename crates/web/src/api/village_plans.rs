//! Village plans (一村一方案) over JSON: a township opens a plan for a village, lists its
//! rectification items (owner, deadline, expected result), and closes each out in two steps:
//! the owner submits evidence, a holder of one of the township's two posts verifies it or
//! sends it back. Another township's plan is 404; a refused step is 422 naming the rule; a
//! stale version is 409.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use qinglian_domain::Invalid;
use qinglian_domain::evidence::{FileName, MediaType};
use qinglian_domain::rectification::item::{ItemAct, ItemInput, PlanInput};
use qinglian_store::model::{ItemFile, VillagePlan, VillagePlanSummary};
use serde::Deserialize;

use super::cross_handling::today;
use super::rating::read_upload;
use crate::auth::cap;
use crate::error::{ApiError, ApiJson, ApiQuery, AppError, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;

#[utoipa::path(get, path = "/api/v1/village-plans", tag = "rectification",
    responses((status = 200, body = Vec<VillagePlanSummary>)))]
pub async fn list_plans(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _): ApiScoped<cap::ReadRectification>,
) -> Res<Vec<VillagePlanSummary>> {
    Ok(ApiJson(state.store.list_village_plans(&reach, today()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// A village of the caller's township.
    pub village_id: String,
    /// The assessment period that graded the village C, which the plan answers: confirmed or
    /// published.
    pub period_id: String,
}

#[utoipa::path(post, path = "/api/v1/village-plans", tag = "rectification", request_body = NewPlan,
    responses((status = 201, body = VillagePlan), (status = 422, body = ErrorBody)))]
pub async fn create_plan(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    ApiJson(b): ApiJson<NewPlan>,
) -> Result<(StatusCode, ApiJson<VillagePlan>), ApiError> {
    let input = PlanInput::parse(&b.village_id, &b.period_id)?;
    let plan = state
        .store
        .create_village_plan(&user.actor, &reach, &input, chrono::Utc::now())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(plan)))
}

#[utoipa::path(get, path = "/api/v1/village-plans/{id}", tag = "rectification", params(("id" = String, Path)),
    responses((status = 200, body = VillagePlan), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _): ApiScoped<cap::ReadRectification>,
    Path(id): Path<String>,
) -> Res<VillagePlan> {
    Ok(ApiJson(state.store.get_village_plan(&reach, &id, today()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub title: String,
    /// A member of staff posted to the plan's township.
    pub owner_staff_id: String,
    /// `YYYY-MM-DD`, today or later.
    pub deadline: String,
    pub expected_result: String,
}

#[utoipa::path(post, path = "/api/v1/village-plans/{id}/items", tag = "rectification",
    params(("id" = String, Path)), request_body = NewItem,
    responses((status = 201, body = VillagePlan), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_item(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewItem>,
) -> Result<(StatusCode, ApiJson<VillagePlan>), ApiError> {
    let today = today();
    let input = ItemInput::parse(&b.title, &b.owner_staff_id, &b.deadline, &b.expected_result, today)?;
    let plan = state
        .store
        .add_rectification_item(&user.actor, &reach, &id, &input, today)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(plan)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemActBody {
    /// `submit` (the owner), `verify`, `send_back`, `close_not_fixed` or `reopen` (a supervisor).
    pub kind: String,
    /// The evidence statement, note or reason.
    pub text: String,
    /// Evidence file ids, when submitting.
    #[serde(default)]
    pub file_ids: Vec<String>,
    /// The item's version the step was decided on; a newer one is a conflict.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/rectification-items/{id}/acts", tag = "rectification",
    params(("id" = String, Path)), request_body = ItemActBody,
    responses((status = 200, body = VillagePlan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ItemActBody>,
) -> Res<VillagePlan> {
    let act = ItemAct::parse(&b.kind, &b.text, b.file_ids)?;
    Ok(ApiJson(
        state
            .store
            .act_on_rectification_item(&user.actor, &reach, &id, &act, b.version, today())
            .await?,
    ))
}

/// Largest evidence file handed in on a plan item: photos and scanned minutes, not video.
pub const ITEM_FILE_MAX_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FileQuery {
    /// The file's name as chosen on the owner's device.
    pub name: String,
}

/// The item's owner takes in one evidence file (the request body, `Content-Type` as declared)
/// before submitting; the answer's id goes into the submission's `file_ids`. Only the owner,
/// only while the item awaits them, at most `ITEM_FILE_MAX_BYTES`.
#[utoipa::path(post, path = "/api/v1/rectification-items/{id}/files", tag = "rectification",
    params(("id" = String, Path), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ItemFile), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_in_file(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, ApiJson<ItemFile>), ApiError> {
    let name = FileName::parse("name", &q.name)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(MediaType::OCTET_STREAM);
    let media = MediaType::parse("filetype", declared)?;
    // Refused before a byte is read or stored.
    state.store.item_file_allowed(&user.actor, &reach, &id).await?;
    let bytes = read_upload(&headers, body, ITEM_FILE_MAX_BYTES, "rectification_item.file_too_large").await?;
    if bytes.is_empty() {
        return Err(AppError::Invalid(Invalid::field("file", "rectification_item.file_empty", None)).into());
    }
    let file = state
        .evidence
        .take_in(state.store.as_ref(), &user.actor, name, media, bytes.to_vec())
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(ItemFile {
            id: file.id,
            name: file.original_name,
            size: file.size,
        }),
    ))
}
