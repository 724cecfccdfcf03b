//! Campaign statistics for the commission and the zones: the dashboard (ECharts, embedded),
//! the zone league table, every table as a spreadsheet, and the forms that record campaigns,
//! problem findings and handlings.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::access::Action;
use qinglian_domain::campaign::{
    CampaignInput, CampaignStats, FindingInput, Form, HandlingInput, LEAGUE_FORMULA, Period, Sanction, disposition_keys,
};
use qinglian_store::model::{Campaign, PageRequest};

use super::governance::Fields;
use super::{render, render_status};
use crate::api::campaigns::{StatsQuery, period, statistics};
use crate::api::governance::today;
use crate::auth::{CurrentUser, UserView, cap};
use crate::error::{ApiQuery, AppError, FieldProblem, PageError};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/statistics.html")]
struct Dashboard {
    t: Tr,
    user: Option<UserView>,
    campaigns: Vec<Campaign>,
    period: Period,
    /// The period's title and its query string (for the export link).
    title: String,
    query: String,
    stats: CampaignStats,
    dispositions: Vec<&'static str>,
    formula_key: &'static str,
    may_manage: bool,
    /// `[[zone, found, rectified, cases], …]` and `[[form, people], …]` for the charts.
    zone_json: String,
    forms_json: String,
}

fn title_and_query(t: &Tr, period: &Period) -> (String, String) {
    match period {
        Period::Campaign {
            id,
            name,
            starts_on,
            ends_on,
        } => (
            format!("{name}（{starts_on} – {ends_on}）"),
            format!("campaign_id={id}"),
        ),
        Period::Year { year } => (t.named("stats.year_title", &year.to_string()), format!("year={year}")),
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadStatistics>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Response, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let period = period(&state, &q).await.map_err(err)?;
    let stats = statistics(&state, &user, &reach, &period).await.map_err(err)?;
    let campaigns = state.store.list_campaigns().await.map_err(|e| err(e.into()))?;
    let zone_json = serde_json::to_string(
        &stats
            .zones
            .iter()
            .map(|(_, name, _, f)| (name, f.problems_found, f.problems_rectified, f.cases_opened))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let forms: Vec<(String, i64)> = Form::ALL
        .iter()
        .map(|f| {
            (
                t.get(format!("stats.form.{}", f.number())),
                stats.county.forms[usize::from(f.number() - 1)],
            )
        })
        .collect();
    let forms_json = serde_json::to_string(&forms).unwrap_or_default();
    let (title, query) = title_and_query(&t, &period);
    Ok(render(&Dashboard {
        campaigns,
        period,
        title,
        query,
        stats,
        dispositions: disposition_keys(),
        formula_key: "stats.league_formula",
        may_manage: user.may(Action::ManageCampaigns),
        zone_json,
        forms_json,
        user: Some(user.view()),
        t,
    }))
}

pub async fn export(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadStatistics>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Response, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let period = period(&state, &q).await.map_err(err)?;
    let stats = statistics(&state, &user, &reach, &period).await.map_err(err)?;
    let (title, query) = title_and_query(&t, &period);
    let bytes = workbook(&stats, &title, t).map_err(|e| err(AppError::Internal(e)))?;
    state
        .store
        .record_audit(
            &user.actor,
            qinglian_domain::audit::AuditAction::StatisticsExport,
            None,
            qinglian_domain::audit::AuditResult::Ok,
            Some(&query),
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
                "attachment; filename=\"campaign-statistics.xlsx\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The figure columns every zone table shows, in order.
fn figure_headers(t: Tr) -> Vec<String> {
    let mut h = vec![
        t.get("stats.problems_found"),
        t.get("stats.problems_rectified"),
        t.get("stats.clues_received"),
        t.get("stats.cases_opened"),
    ];
    h.extend(Form::ALL.iter().map(|f| t.get(format!("stats.form.{}", f.number()))));
    h.extend([
        t.get("stats.sanctions"),
        t.get("stats.funds_seized"),
        t.get("stats.funds_handed_in"),
    ]);
    h
}

fn workbook(stats: &CampaignStats, title: &str, t: Tr) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    // Figures by zone, then the county.
    let sheet = book.add_worksheet();
    sheet.set_name(t.get("stats.by_zone"))?;
    sheet.write_string_with_format(0, 0, title, &bold)?;
    sheet.write_string_with_format(1, 0, t.get("nav.zones"), &bold)?;
    for (c, h) in figure_headers(t).iter().enumerate() {
        sheet.write_string_with_format(1, c as u16 + 1, h, &bold)?;
    }
    let county = t.get("stats.county");
    let rows = stats
        .zones
        .iter()
        .map(|(_, name, _, f)| (name.as_str(), f))
        .chain(std::iter::once((county.as_str(), &stats.county)));
    for (i, (name, f)) in rows.enumerate() {
        let r = i as u32 + 2;
        sheet.write_string(r, 0, name)?;
        let counts = [f.problems_found, f.problems_rectified, f.clues_total, f.cases_opened];
        for (c, v) in counts
            .iter()
            .chain(f.forms.iter())
            .chain([f.sanctions].iter())
            .enumerate()
        {
            sheet.write_number(r, c as u16 + 1, *v as f64)?;
        }
        // Exact in the database and in the sums; the spreadsheet cell holds the same two decimals.
        for (c, y) in [f.funds_seized, f.funds_handed_in].iter().enumerate() {
            let v: f64 = y.canonical().parse().unwrap_or_default();
            sheet.write_number_with_format(r, 10 + c as u16, v, &money)?;
        }
    }
    // Clues by disposition.
    let sheet = book.add_worksheet();
    sheet.set_name(t.get("stats.clues_by_disposition"))?;
    sheet.write_string_with_format(0, 0, t.get("nav.zones"), &bold)?;
    let keys = disposition_keys();
    for (c, k) in keys.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16 + 1, t.get(format!("stats.disposition.{k}")), &bold)?;
    }
    let rows = stats
        .zones
        .iter()
        .map(|(_, name, _, f)| (name.as_str(), f))
        .chain(std::iter::once((county.as_str(), &stats.county)));
    for (i, (name, f)) in rows.enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, name)?;
        for (c, k) in keys.iter().enumerate() {
            sheet.write_number(r, c as u16 + 1, *f.clues.get(*k).unwrap_or(&0) as f64)?;
        }
    }
    // The league table and its formula.
    let sheet = book.add_worksheet();
    sheet.set_name(t.get("stats.league"))?;
    for (c, h) in [
        "stats.rank",
        "nav.zones",
        "stats.score",
        "stats.rectification_rate",
        "stats.cases_per_unit",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, t.get(h), &bold)?;
    }
    for (i, l) in stats.league.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, l.rank as f64)?;
        sheet.write_string(r, 1, &l.zone_name)?;
        for (c, d) in [l.score, l.rectification_rate, l.cases_per_unit].iter().enumerate() {
            sheet.write_string(r, 2 + c as u16, d.to_string())?;
        }
    }
    let r = stats.league.len() as u32 + 2;
    sheet.write_string(r, 0, t.get("stats.league_formula"))?;
    sheet.write_string(r + 1, 0, LEAGUE_FORMULA)?;
    Ok(book.save_to_buffer()?)
}

#[derive(Template)]
#[template(path = "staff/campaigns.html")]
struct CampaignsPage {
    t: Tr,
    user: Option<UserView>,
    campaigns: Vec<Campaign>,
    /// Townships and stationed groups: (id, name).
    units: Vec<(String, String)>,
    /// Cases the user reaches: (id, number and township).
    cases: Vec<(String, String)>,
    sanctions: Vec<&'static str>,
    today: String,
    errors: Vec<FieldProblem>,
}

async fn campaigns_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &qinglian_domain::scope::Reach,
    errors: Vec<FieldProblem>,
) -> Result<CampaignsPage, AppError> {
    let (townships, groups) = super::township_and_group_units(state).await?;
    let units = townships.into_iter().chain(groups).map(|u| (u.id, u.name)).collect();
    // The case list is case data: listing it is audited like any other read of the register.
    let cases = if user.may(Action::ReadCases) {
        state
            .store
            .list_cases(&user.actor, reach, PageRequest::new(1, PageRequest::MAX_LIMIT as u32))
            .await?
            .items
            .into_iter()
            .map(|c| (c.id, format!("{} {}", c.number, c.township_name)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(CampaignsPage {
        campaigns: state.store.list_campaigns().await?,
        units,
        cases,
        sanctions: Sanction::ALL.iter().map(|s| s.as_str()).collect(),
        today: today().to_string(),
        t,
        user: Some(user.view()),
        errors,
    })
}

pub async fn campaigns(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCampaigns>,
) -> Result<Response, PageError> {
    let page = campaigns_page(&state, &user, t, &reach, Vec::new())
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&page))
}

async fn after(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &qinglian_domain::scope::Reach,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to("/staff/campaigns").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            let page = campaigns_page(state, user, t, reach, errors)
                .await
                .map_err(|e| PageError::new(e, t.lang))?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn create_campaign(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCampaigns>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let f = Fields::parse(&body)?;
        let input = CampaignInput::parse(&f.one("name"), &f.one("starts_on"), &f.one("ends_on"))?;
        state.store.create_campaign(&user.actor, &input).await?;
        Ok(())
    }
    .await;
    after(&state, &user, t, &reach, result).await
}

pub async fn record_finding(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCampaigns>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let f = Fields::parse(&body)?;
        let input = FindingInput::parse(
            &f.one("campaign_id"),
            &f.one("unit_id"),
            &f.one("found"),
            &f.one("rectified"),
            &f.one("recorded_on"),
            today(),
        )?;
        state.store.record_finding(&user.actor, &input).await?;
        Ok(())
    }
    .await;
    after(&state, &user, t, &reach, result).await
}

pub async fn record_handling(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCampaigns>,
    body: Bytes,
) -> Result<Response, PageError> {
    let result = async {
        let f = Fields::parse(&body)?;
        let input = HandlingInput::parse(
            &f.one("case_id"),
            &f.one("unit_id"),
            &f.one("campaign_id"),
            &f.one("form"),
            &f.one("sanction"),
            &f.one("funds_seized"),
            &f.one("funds_handed_in"),
            &f.one("decided_on"),
            today(),
        )?;
        state.store.record_handling(&user.actor, &reach, &input).await?;
        Ok(())
    }
    .await;
    after(&state, &user, t, &reach, result).await
}
