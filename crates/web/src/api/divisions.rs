//! Look-ups in the national division registry.

use axum::extract::{Path, State};
use qinglian_domain::division::DivisionCode;
use qinglian_store::model::Division;
use serde::Serialize;

use crate::auth::{ApiCan, cap};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DivisionWithChildren {
    #[serde(flatten)]
    pub division: Division,
    pub children: Vec<Division>,
}

/// A registry entry and the units directly below it. The code may be written with its
/// significant digits only (e.g. `330111`).
#[utoipa::path(get, path = "/api/v1/divisions/{code}", tag = "registry",
    params(("code" = String, Path, description = "2, 4, 6, 9 or 12 digits")),
    responses((status = 200, body = DivisionWithChildren), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_division(
    State(state): State<AppState>,
    _: ApiCan<cap::ReadOrg>,
    Path(code): Path<String>,
) -> Result<ApiJson<DivisionWithChildren>, ApiError> {
    let code = DivisionCode::parse("code", &code)?;
    let division = state.store.get_division(code.as_str()).await?;
    let children = state.store.division_children(code.as_str()).await?;
    Ok(ApiJson(DivisionWithChildren { division, children }))
}
