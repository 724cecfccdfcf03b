//! The org model over JSON: townships, villages, departments, offices, stationed groups,
//! zones and staff. Reading needs a signed-in member of staff; writing needs `EditOrg`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use qinglian_domain::error::Name;
use qinglian_domain::org::{StaffInput, TownshipInput, UnitInput, VillageInput, ZoneInput};
use qinglian_store::model::{County, Department, Staff, StationedGroup, Township, Unit, Village, VillageFilter, Zone};
use serde::{Deserialize, Serialize};

use super::Paging;
use crate::auth::{ApiCan, cap};
use crate::error::{ApiError, ApiJson, ApiQuery, AppError, ErrorBody};
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;
type Created<T> = Result<(StatusCode, ApiJson<T>), ApiError>;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/county", tag = "org", responses((status = 200, body = County), (status = 404, body = ErrorBody)))]
pub async fn get_county(State(state): State<AppState>, _: ApiCan<cap::ReadOrg>) -> Res<County> {
    state
        .store
        .county()
        .await?
        .map(ApiJson)
        .ok_or(ApiError(AppError::NotFound))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDivisionUnit {
    /// 9 digits for a township, 12 for a village.
    pub division_code: String,
    pub name: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/townships", tag = "org", responses((status = 200, body = Vec<Township>)))]
pub async fn list_townships(State(state): State<AppState>, _: ApiCan<cap::ReadOrg>) -> Res<Vec<Township>> {
    Ok(ApiJson(state.store.list_townships().await?))
}

#[utoipa::path(post, path = "/api/v1/townships", tag = "org", request_body = NewDivisionUnit,
    responses((status = 201, body = Township), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_township(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    ApiJson(body): ApiJson<NewDivisionUnit>,
) -> Created<Township> {
    let input = TownshipInput::parse(&body.division_code, &body.name)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_township(&user.actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/townships/{id}", tag = "org", params(("id" = String, Path)),
    responses((status = 200, body = Township), (status = 404, body = ErrorBody)))]
pub async fn get_township(
    State(state): State<AppState>,
    _: ApiCan<cap::ReadOrg>,
    Path(id): Path<String>,
) -> Res<Township> {
    Ok(ApiJson(state.store.get_township(&id).await?))
}

#[utoipa::path(patch, path = "/api/v1/townships/{id}", tag = "org", params(("id" = String, Path)), request_body = Rename,
    responses((status = 200, body = Township), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rename_township(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Rename>,
) -> Res<Township> {
    let name = Name::parse("name", &body.name)?;
    Ok(ApiJson(state.store.rename_township(&user.actor, &id, &name).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VillageQuery {
    pub township_id: Option<String>,
    /// Part of the name, or the start of the code.
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/villages", tag = "org", params(VillageQuery), responses((status = 200, body = PageOf<Village>)))]
pub async fn list_villages(
    State(state): State<AppState>,
    _: ApiCan<cap::ReadOrg>,
    ApiQuery(q): ApiQuery<VillageQuery>,
) -> Res<PageOf<Village>> {
    let paging = Paging {
        page: q.page,
        per_page: q.per_page,
    };
    let filter = VillageFilter {
        township_id: q.township_id,
        q: q.q,
    };
    let page = state.store.list_villages(&filter, paging.request()).await?;
    Ok(ApiJson(PageOf {
        items: page.items,
        total: page.total,
    }))
}

#[utoipa::path(post, path = "/api/v1/villages", tag = "org", request_body = NewDivisionUnit,
    responses((status = 201, body = Village), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_village(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    ApiJson(body): ApiJson<NewDivisionUnit>,
) -> Created<Village> {
    let input = VillageInput::parse(&body.division_code, &body.name)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_village(&user.actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/villages/{id}", tag = "org", params(("id" = String, Path)),
    responses((status = 200, body = Village), (status = 404, body = ErrorBody)))]
pub async fn get_village(
    State(state): State<AppState>,
    _: ApiCan<cap::ReadOrg>,
    Path(id): Path<String>,
) -> Res<Village> {
    Ok(ApiJson(state.store.get_village(&id).await?))
}

#[utoipa::path(patch, path = "/api/v1/villages/{id}", tag = "org", params(("id" = String, Path)), request_body = Rename,
    responses((status = 200, body = Village), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rename_village(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Rename>,
) -> Res<Village> {
    let name = Name::parse("name", &body.name)?;
    Ok(ApiJson(state.store.rename_village(&user.actor, &id, &name).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    /// Short code: lowercase letters, digits, `-`, `_`.
    pub code: String,
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "org", responses((status = 200, body = Vec<Department>)))]
pub async fn list_departments(State(state): State<AppState>, _: ApiCan<cap::ReadOrg>) -> Res<Vec<Department>> {
    Ok(ApiJson(state.store.list_departments().await?))
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "org", request_body = NewUnit,
    responses((status = 201, body = Department), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_department(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    ApiJson(body): ApiJson<NewUnit>,
) -> Created<Department> {
    let input = UnitInput::parse(&body.code, &body.name)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_department(&user.actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/offices", tag = "org", responses((status = 200, body = Vec<Unit>)))]
pub async fn list_offices(State(state): State<AppState>, _: ApiCan<cap::ReadOrg>) -> Res<Vec<Unit>> {
    Ok(ApiJson(state.store.list_offices().await?))
}

#[utoipa::path(post, path = "/api/v1/offices", tag = "org", request_body = NewUnit,
    responses((status = 201, body = Unit), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_office(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    ApiJson(body): ApiJson<NewUnit>,
) -> Created<Unit> {
    let input = UnitInput::parse(&body.code, &body.name)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_office(&user.actor, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStationedGroup {
    pub code: String,
    pub name: String,
    /// Departments the group supervises.
    #[serde(default)]
    pub department_ids: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/stationed-groups", tag = "org", responses((status = 200, body = Vec<StationedGroup>)))]
pub async fn list_stationed_groups(State(state): State<AppState>, _: ApiCan<cap::ReadOrg>) -> Res<Vec<StationedGroup>> {
    Ok(ApiJson(state.store.list_stationed_groups().await?))
}

#[utoipa::path(post, path = "/api/v1/stationed-groups", tag = "org", request_body = NewStationedGroup,
    responses((status = 201, body = StationedGroup), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_stationed_group(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    ApiJson(body): ApiJson<NewStationedGroup>,
) -> Created<StationedGroup> {
    let input = UnitInput::parse(&body.code, &body.name)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(
            state
                .store
                .create_stationed_group(&user.actor, &input, &body.department_ids)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/stationed-groups/{id}", tag = "org", params(("id" = String, Path)),
    responses((status = 200, body = StationedGroup), (status = 404, body = ErrorBody)))]
pub async fn get_stationed_group(
    State(state): State<AppState>,
    _: ApiCan<cap::ReadOrg>,
    Path(id): Path<String>,
) -> Res<StationedGroup> {
    Ok(ApiJson(state.store.get_stationed_group(&id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneBody {
    pub name: String,
    /// `townships` or `stationed_groups`.
    pub kind: String,
    pub leader_staff_id: String,
    pub liaison_office_id: String,
    pub member_ids: Vec<String>,
}

impl ZoneBody {
    fn parse(self) -> Result<ZoneInput, qinglian_domain::Invalid> {
        ZoneInput::parse(
            &self.name,
            &self.kind,
            &self.leader_staff_id,
            &self.liaison_office_id,
            self.member_ids,
        )
    }
}

#[utoipa::path(get, path = "/api/v1/zones", tag = "org", responses((status = 200, body = Vec<Zone>)))]
pub async fn list_zones(State(state): State<AppState>, _: ApiCan<cap::ReadOrg>) -> Res<Vec<Zone>> {
    Ok(ApiJson(state.store.list_zones().await?))
}

#[utoipa::path(post, path = "/api/v1/zones", tag = "org", request_body = ZoneBody,
    responses((status = 201, body = Zone), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_zone(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    ApiJson(body): ApiJson<ZoneBody>,
) -> Created<Zone> {
    let input = body.parse()?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_zone(&user.actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/zones/{id}", tag = "org", params(("id" = String, Path)),
    responses((status = 200, body = Zone), (status = 404, body = ErrorBody)))]
pub async fn get_zone(State(state): State<AppState>, _: ApiCan<cap::ReadOrg>, Path(id): Path<String>) -> Res<Zone> {
    Ok(ApiJson(state.store.get_zone(&id).await?))
}

#[utoipa::path(put, path = "/api/v1/zones/{id}", tag = "org", params(("id" = String, Path)), request_body = ZoneBody,
    responses((status = 200, body = Zone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_zone(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ZoneBody>,
) -> Res<Zone> {
    let input = body.parse()?;
    Ok(ApiJson(state.store.update_zone(&user.actor, &id, &input).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffBody {
    pub name: String,
    pub role: String,
    /// The township, department or stationed group the role is posted to; none for commission roles.
    pub posting_unit_id: Option<String>,
    pub home_township_id: Option<String>,
}

impl StaffBody {
    fn parse(&self) -> Result<StaffInput, qinglian_domain::Invalid> {
        StaffInput::parse(
            &self.name,
            &self.role,
            self.posting_unit_id.as_deref(),
            self.home_township_id.as_deref(),
        )
    }
}

#[utoipa::path(get, path = "/api/v1/staff", tag = "org", params(Paging), responses((status = 200, body = PageOf<Staff>)))]
pub async fn list_staff(
    State(state): State<AppState>,
    _: ApiCan<cap::ReadOrg>,
    ApiQuery(p): ApiQuery<Paging>,
) -> Res<PageOf<Staff>> {
    let page = state.store.list_staff(p.request()).await?;
    Ok(ApiJson(PageOf {
        items: page.items,
        total: page.total,
    }))
}

#[utoipa::path(post, path = "/api/v1/staff", tag = "org", request_body = StaffBody,
    responses((status = 201, body = Staff), (status = 422, body = ErrorBody)))]
pub async fn create_staff(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    ApiJson(body): ApiJson<StaffBody>,
) -> Created<Staff> {
    let input = body.parse()?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_staff(&user.actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/staff/{id}", tag = "org", params(("id" = String, Path)),
    responses((status = 200, body = Staff), (status = 404, body = ErrorBody)))]
pub async fn get_staff(State(state): State<AppState>, _: ApiCan<cap::ReadOrg>, Path(id): Path<String>) -> Res<Staff> {
    Ok(ApiJson(state.store.get_staff(&id).await?))
}

#[utoipa::path(put, path = "/api/v1/staff/{id}", tag = "org", params(("id" = String, Path)), request_body = StaffBody,
    responses((status = 200, body = Staff), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_staff(
    State(state): State<AppState>,
    ApiCan(user, _): ApiCan<cap::EditOrg>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StaffBody>,
) -> Res<Staff> {
    let input = body.parse()?;
    Ok(ApiJson(state.store.update_staff(&user.actor, &id, &input).await?))
}
