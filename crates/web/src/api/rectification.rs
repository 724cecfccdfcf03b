//! Rectification orders (督改单) over JSON: drafted by a township, signed by its party
//! secretary and its discipline secretary (the second signature issues it), followed up until
//! verified. Another township's order is 404; a refused step is 422 naming the rule; a stale
//! version is 409.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use qinglian_domain::inspection::Text;
use qinglian_domain::rectification::order::{FollowUpKind, OrderInput};
use qinglian_store::model::{RectificationFilter, RectificationOrder, RectificationOrderSummary, TownshipPost};
use serde::{Deserialize, Serialize};

use super::cross_handling::today;
use crate::auth::{ApiCan, cap};
use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    pub township_id: Option<String>,
    /// `draft`, `issued` or `completed`.
    pub state: Option<String>,
    /// `1`: only orders in force past their deadline.
    pub overdue: Option<u8>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// A page of orders and how many there are in all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderPage {
    pub items: Vec<RectificationOrderSummary>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/rectification-orders", tag = "rectification", params(OrderQuery),
    responses((status = 200, body = OrderPage)))]
pub async fn list_orders(
    State(state): State<AppState>,
    ApiScoped(_user, reach, _): ApiScoped<cap::ReadRectification>,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> Res<OrderPage> {
    let today = today();
    let filter = RectificationFilter {
        township_id: q.township_id,
        state: q.state,
        overdue_on: (q.overdue == Some(1)).then_some(today),
    };
    let page = qinglian_store::model::PageRequest::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let p = state
        .store
        .list_rectification_orders(&reach, &filter, today, page)
        .await?;
    Ok(ApiJson(OrderPage {
        items: p.items,
        total: p.total,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// A village of the caller's township.
    pub village_id: String,
    /// The key problem.
    pub problem: String,
    /// What must be done.
    pub actions: String,
    /// `YYYY-MM-DD`, today or later.
    pub deadline: String,
}

#[utoipa::path(post, path = "/api/v1/rectification-orders", tag = "rectification", request_body = NewOrder,
    responses((status = 201, body = RectificationOrder), (status = 422, body = ErrorBody)))]
pub async fn draft_order(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    ApiJson(b): ApiJson<NewOrder>,
) -> Result<(StatusCode, ApiJson<RectificationOrder>), ApiError> {
    let today = today();
    let input = OrderInput::parse(&b.village_id, &b.problem, &b.actions, &b.deadline, today)?;
    let order = state
        .store
        .draft_rectification_order(&user.actor, &reach, &input, today)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(order)))
}

#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}", tag = "rectification", params(("id" = String, Path)),
    responses((status = 200, body = RectificationOrder), (status = 404, body = ErrorBody)))]
pub async fn get_order(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ReadRectification>,
    Path(id): Path<String>,
) -> Res<RectificationOrder> {
    Ok(ApiJson(
        state
            .store
            .get_rectification_order(&user.actor, &reach, &id, today())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignBody {
    /// The version the signer read; a newer one is a conflict.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/sign-offs", tag = "rectification",
    params(("id" = String, Path)), request_body = SignBody,
    responses((status = 200, body = RectificationOrder), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign_order(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SignBody>,
) -> Res<RectificationOrder> {
    Ok(ApiJson(
        state
            .store
            .sign_rectification_order(&user.actor, &reach, &id, b.version, today())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// `progress`, `village_reply` or `completion_verified`.
    pub kind: String,
    pub text: String,
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/follow-ups", tag = "rectification",
    params(("id" = String, Path)), request_body = FollowUpBody,
    responses((status = 200, body = RectificationOrder), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::IssueRectification>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FollowUpBody>,
) -> Res<RectificationOrder> {
    let kind = FollowUpKind::parse("kind", &b.kind);
    let text = Text::parse("text", &b.text);
    qinglian_domain::Invalid::collect([kind.clone().err(), text.clone().err()])?;
    let (Ok(kind), Ok(text)) = (kind, text) else {
        unreachable!("collect returned every error above")
    };
    Ok(ApiJson(
        state
            .store
            .follow_up_rectification_order(&user.actor, &reach, &id, kind, &text, b.version, today())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartySecretaryBody {
    /// A member of staff posted to the township, not its discipline secretary.
    pub staff_id: String,
}

#[utoipa::path(put, path = "/api/v1/townships/{id}/party-secretary", tag = "org",
    params(("id" = String, Path)), request_body = PartySecretaryBody,
    responses((status = 200, body = TownshipPost), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_party_secretary(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PartySecretaryBody>,
) -> Res<TownshipPost> {
    Ok(ApiJson(
        state
            .store
            .set_party_secretary(&user.actor, &id, b.staff_id.trim())
            .await?,
    ))
}
