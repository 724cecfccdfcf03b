//! Campaigns, their records and statistics over JSON.
//!
//! Statistics are aggregates without personal data. The county's roles see every zone; a
//! township secretary or group head sees their own zone's figures, the county's totals and the
//! league table (rank and score of every zone, as the county circulates it), not the other
//! zones' detail.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use qinglian_domain::campaign::{
    CampaignInput, CampaignStats, Figures, FindingInput, HandlingInput, LEAGUE_FORMULA, LeagueRow, Period, ZoneUnits,
};
use qinglian_domain::scope::Reach;
use qinglian_domain::zone_governance::sees_zone;
use qinglian_store::model::{Campaign, Finding, Handling};
use serde::{Deserialize, Serialize};

use crate::auth::{CurrentUser, cap};
use crate::error::{ApiError, ApiJson, ApiQuery, AppError, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;
type Created<T> = Result<(StatusCode, ApiJson<T>), ApiError>;

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "statistics", responses((status = 200, body = Vec<Campaign>)))]
pub async fn list_campaigns(State(state): State<AppState>, _: ApiScoped<cap::ReadStatistics>) -> Res<Vec<Campaign>> {
    Ok(ApiJson(state.store.list_campaigns().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignBody {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    pub ends_on: String,
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "statistics", request_body = CampaignBody,
    responses((status = 201, body = Campaign), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _): ApiScoped<cap::ManageCampaigns>,
    ApiJson(b): ApiJson<CampaignBody>,
) -> Created<Campaign> {
    let input = CampaignInput::parse(&b.name, &b.starts_on, &b.ends_on)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.create_campaign(&user.actor, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingBody {
    /// A township or stationed group id.
    pub unit_id: String,
    pub found: i64,
    pub rectified: i64,
    /// `YYYY-MM-DD`, not in the future.
    pub recorded_on: String,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/findings", tag = "statistics", params(("id" = String, Path)),
    request_body = FindingBody, responses((status = 201, body = Finding), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_finding(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _): ApiScoped<cap::ManageCampaigns>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FindingBody>,
) -> Created<Finding> {
    let campaign = state.store.get_campaign(&id).await?;
    let input = FindingInput::parse(
        &campaign.id,
        &b.unit_id,
        &b.found.to_string(),
        &b.rectified.to_string(),
        &b.recorded_on,
        super::governance::today(),
    )?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.record_finding(&user.actor, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandlingBody {
    /// The case the person was handled in, if one was opened.
    pub case_id: Option<String>,
    /// The township or stationed group, when there is no case.
    pub unit_id: Option<String>,
    pub campaign_id: Option<String>,
    /// 1 to 4: the form (四种形态).
    pub form: u8,
    /// `party_warning`, `gov_demerit`, … (forms 2–4 only).
    pub sanction: Option<String>,
    /// Yuan as a string with at most two decimals, e.g. `"76000.00"`.
    pub funds_seized: Option<String>,
    pub funds_handed_in: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    pub decided_on: String,
}

#[utoipa::path(post, path = "/api/v1/handlings", tag = "statistics", request_body = HandlingBody,
    responses((status = 201, body = Handling), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_handling(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ManageCampaigns>,
    ApiJson(b): ApiJson<HandlingBody>,
) -> Created<Handling> {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let input = HandlingInput::parse(
        &s(&b.case_id),
        &s(&b.unit_id),
        &s(&b.campaign_id),
        &b.form.to_string(),
        &s(&b.sanction),
        &s(&b.funds_seized),
        &s(&b.funds_handed_in),
        &b.decided_on,
        super::governance::today(),
    )?;
    Ok((
        StatusCode::CREATED,
        ApiJson(state.store.record_handling(&user.actor, &reach, &input).await?),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// A campaign; without it, the year (or the latest campaign when no year is given).
    pub campaign_id: Option<String>,
    pub year: Option<i32>,
}

/// One zone's line: its figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ZoneLine {
    pub zone_id: String,
    pub zone_name: String,
    pub member_units: usize,
    #[schema(value_type = Object)]
    pub figures: Figures,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatisticsOut {
    #[schema(value_type = Object)]
    pub period: Period,
    /// The zones the caller sees in detail.
    pub zones: Vec<ZoneLine>,
    #[schema(value_type = Object)]
    pub county: Figures,
    #[schema(value_type = Vec<Object>)]
    pub league: Vec<LeagueRow>,
    pub league_formula: &'static str,
}

/// The period asked for: a campaign, a year, or by default the latest campaign (else this year).
pub(crate) async fn period(state: &AppState, q: &StatsQuery) -> Result<Period, AppError> {
    let campaign = match q.campaign_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => Some(state.store.get_campaign(id).await?),
        None if q.year.is_none() => state.store.list_campaigns().await?.into_iter().next(),
        None => None,
    };
    Ok(match campaign {
        Some(c) => Period::Campaign {
            id: c.id,
            name: c.name,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
        },
        None => {
            let year = q
                .year
                .unwrap_or_else(|| chrono::Datelike::year(&super::governance::today()));
            if !(2000..=2100).contains(&year) {
                return Err(qinglian_domain::Invalid::field("year", "year.invalid", Some(&year.to_string())).into());
            }
            Period::Year { year }
        }
    })
}

/// The period's statistics cut to what the user sees in detail.
pub(crate) async fn statistics(
    state: &AppState,
    user: &CurrentUser,
    reach: &Reach,
    period: &Period,
) -> Result<CampaignStats, AppError> {
    let zones: Vec<ZoneUnits> = state
        .store
        .list_zones()
        .await?
        .into_iter()
        .map(|z| ZoneUnits {
            id: z.zone.id,
            name: z.zone.name,
            members: z.members.into_iter().map(|m| m.id).collect(),
        })
        .collect();
    let facts = state.store.stat_facts(period).await?;
    let mut stats = CampaignStats::compute(&zones, &facts)?;
    let unit = user.session.posting_unit_id.as_deref();
    stats.zones.retain(|(id, ..)| {
        zones
            .iter()
            .find(|z| &z.id == id)
            .is_some_and(|z| sees_zone(reach, unit, &z.members.iter().cloned().collect::<Vec<_>>()))
    });
    Ok(stats)
}

#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics", params(StatsQuery),
    responses((status = 200, body = StatisticsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_statistics(
    State(state): State<AppState>,
    ApiScoped(user, reach, _): ApiScoped<cap::ReadStatistics>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Res<StatisticsOut> {
    let period = period(&state, &q).await?;
    let stats = statistics(&state, &user, &reach, &period).await?;
    Ok(ApiJson(StatisticsOut {
        period,
        zones: stats
            .zones
            .into_iter()
            .map(|(zone_id, zone_name, member_units, figures)| ZoneLine {
                zone_id,
                zone_name,
                member_units,
                figures,
            })
            .collect(),
        county: stats.county,
        league: stats.league,
        league_formula: LEAGUE_FORMULA,
    }))
}
