//! Server-rendered pages: the public portal and the staff area.

mod accounts;
mod articles;
mod audit;
mod authorisation;
mod campaign_stats;
pub(crate) mod cases;
mod cross_handling;
mod governance;
mod groups;
mod inspection;
mod inspection_pdf;
mod inspection_stats;
mod ledger;
mod login;
mod monthly_reports;
mod org;
mod people;
mod portal;
mod proposals;
mod rating;
mod rating_dashboard;
mod rating_dashboard_xlsx;
mod rating_public;
mod rectification;
mod rectification_pdf;
mod second_factor;
mod security;
mod staff;
mod ties;
mod village_plans;
mod zones;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::routes::{Access, Registrar, RouteSpec};
use crate::state::AppState;

/// The pages and who may use them. Signing in, the second factor and the portal are public;
/// everything else needs a session, and most an action from `domain::access`.
pub fn router_and_table() -> (Router<AppState>, Vec<RouteSpec>) {
    use Access::{Can, Public, SignedIn};
    use qinglian_domain::access::Action::{
        ActOnConcern, ConductInterview, EditArticles, EditOrg, ExportEvidence, ManageCases, ManageInspection,
        ManageSecurity, ReadAudit, ReadCases, ReadComplainant, ReadInspection, ReadOrg, RevealWitness, RunMeeting,
    };
    use qinglian_domain::access::Action::{
        ManageCampaigns, ManageZoneGovernance, ReadStatistics, ReadZoneGovernance, WriteTermReport,
    };
    let registrar = Registrar::new();
    rectification_routes(rating_routes(cross_handling_routes(registrar)))
        .route("/", get(portal::home), &[("GET", Public)])
        .route("/articles", get(portal::column), &[("GET", Public)])
        .route("/articles/{id}", get(portal::article), &[("GET", Public)])
        .route("/rating", get(rating_public::periods), &[("GET", Public)])
        .route("/rating/{id}", get(rating_public::period), &[("GET", Public)])
        .route(
            "/ledger",
            get(ledger::show).post(ledger::check),
            &[("GET", Public), ("POST", Public)],
        )
        .route(
            "/login",
            get(login::form).post(login::submit),
            &[("GET", Public), ("POST", Public)],
        )
        .route(
            "/login/totp",
            get(second_factor::form).post(second_factor::submit),
            &[("GET", Public), ("POST", Public)],
        )
        .route(
            "/m/{id}",
            get(inspection::public_form).post(inspection::public_submit),
            &[("GET", Public), ("POST", Public)],
        )
        .route(
            "/inspection/rounds/{id}",
            get(inspection::public_round),
            &[("GET", Public)],
        )
        .route(
            "/receipt",
            get(inspection::receipt_form).post(inspection::receipt_lookup),
            &[("GET", Public), ("POST", Public)],
        )
        .route("/receipt/steps", post(inspection::receipt_step), &[("POST", Public)])
        .route(
            "/staff/inspection",
            get(inspection::home),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/inspection/rounds",
            post(inspection::create_round),
            &[("POST", Can(ManageInspection))],
        )
        .route(
            "/staff/inspection/rounds/{id}/groups",
            post(inspection_stats::create_group),
            &[("POST", Can(ManageInspection))],
        )
        .route(
            "/staff/inspection/rounds/{id}/targets",
            post(inspection_stats::assign_targets),
            &[("POST", Can(ManageInspection))],
        )
        .route(
            "/staff/inspection/rounds/{id}/meetings",
            post(inspection_stats::schedule_meeting),
            &[("POST", Can(RunMeeting))],
        )
        .route(
            "/staff/inspection/meetings/{id}/record",
            post(inspection::record_meeting),
            &[("POST", Can(RunMeeting))],
        )
        .route(
            "/staff/inspection/rounds/{id}",
            get(inspection_stats::round),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/inspection/rounds/{id}/export.xlsx",
            get(inspection_stats::export),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/inspection/rounds/{id}/print",
            get(inspection_stats::print),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/inspection/rounds/{id}/register.pdf",
            get(inspection_pdf::register),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/inspection/meetings/{id}",
            get(inspection::meeting),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/inspection/meetings/{id}/minutes.pdf",
            get(inspection_pdf::minutes),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/inspection/meetings/{id}/concerns",
            post(inspection::log_concern),
            &[("POST", Can(RunMeeting))],
        )
        .route(
            "/staff/concerns",
            get(inspection::list),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/concerns/{id}",
            get(inspection::detail),
            &[("GET", Can(ReadInspection))],
        )
        .route(
            "/staff/concerns/{id}/complainant",
            get(inspection::complainant),
            &[("GET", Can(ReadComplainant))],
        )
        .route(
            "/staff/concerns/{id}/steps",
            post(inspection::step),
            &[("POST", Can(ActOnConcern))],
        )
        .route(
            "/staff/clues",
            get(cases::clues).post(cases::create_clue),
            &[("GET", Can(ReadCases)), ("POST", Can(ManageCases))],
        )
        .route("/staff/clues/{id}", get(cases::clue), &[("GET", Can(ReadCases))])
        .route(
            "/staff/clues/{id}/dispose",
            post(cases::dispose),
            &[("POST", Can(ManageCases))],
        )
        .route(
            "/staff/clues/{id}/team",
            post(cases::add_member),
            &[("POST", Can(ManageCases))],
        )
        .route("/staff/cases", get(cases::cases), &[("GET", Can(ReadCases))])
        .route("/staff/cases/{id}", get(cases::case), &[("GET", Can(ReadCases))])
        .route(
            "/staff/cases/{id}/interviews",
            post(cases::plan_interview),
            &[("POST", Can(ConductInterview))],
        )
        .route(
            "/staff/interviews/{id}",
            get(cases::interview),
            &[("GET", Can(ReadCases))],
        )
        .route(
            "/staff/interviews/{id}/acts",
            post(cases::act),
            &[("POST", Can(ConductInterview))],
        )
        .route(
            "/staff/interviews/{id}/witness",
            post(cases::reveal),
            &[("POST", Can(RevealWitness))],
        )
        .route(
            "/staff/interviews/{id}/export",
            get(cases::export),
            &[("GET", Can(ExportEvidence))],
        )
        .route(
            "/staff/interviews/{id}/transcript.pdf",
            get(cases::transcript_pdf),
            &[("GET", Can(ReadCases))],
        )
        .route("/logout", post(login::logout), &[("POST", SignedIn)])
        .route("/staff", get(staff::home), &[("GET", SignedIn)])
        .route(
            "/staff/admin/security",
            get(security::page).post(security::save),
            &[("GET", Can(ManageSecurity)), ("POST", Can(ManageSecurity))],
        )
        .route(
            "/staff/admin/accounts",
            get(accounts::list).post(accounts::create),
            &[("GET", Can(ManageSecurity)), ("POST", Can(ManageSecurity))],
        )
        .route(
            "/staff/admin/accounts/{id}/disable",
            post(accounts::disable),
            &[("POST", Can(ManageSecurity))],
        )
        .route(
            "/staff/admin/accounts/{id}/enable",
            post(accounts::enable),
            &[("POST", Can(ManageSecurity))],
        )
        .route(
            "/staff/admin/accounts/{id}/scopes",
            get(accounts::scopes).post(accounts::grant_scope),
            &[("GET", Can(ManageSecurity)), ("POST", Can(ManageSecurity))],
        )
        .route(
            "/staff/admin/accounts/{id}/scopes/revoke",
            post(accounts::revoke_scope),
            &[("POST", Can(ManageSecurity))],
        )
        .route(
            "/staff/admin/accounts/{id}/reset-totp",
            post(accounts::reset_totp),
            &[("POST", Can(ManageSecurity))],
        )
        .route(
            "/account/password",
            get(accounts::password_form).post(accounts::change_password),
            &[("GET", SignedIn), ("POST", SignedIn)],
        )
        .route("/staff/audit", get(audit::page), &[("GET", Can(ReadAudit))])
        .route(
            "/staff/audit/export.xlsx",
            get(audit::export),
            &[("GET", Can(ReadAudit))],
        )
        .route("/staff/practice/{practice}", get(staff::practice), &[("GET", SignedIn)])
        .route(
            "/staff/org/townships",
            get(org::townships).post(org::create_township),
            &[("GET", Can(ReadOrg)), ("POST", Can(EditOrg))],
        )
        .route(
            "/staff/org/townships/{id}",
            get(org::township),
            &[("GET", Can(ReadOrg))],
        )
        .route(
            "/staff/org/townships/{id}/rename",
            post(org::rename_township),
            &[("POST", Can(EditOrg))],
        )
        .route(
            "/staff/org/villages",
            get(org::villages).post(org::create_village),
            &[("GET", Can(ReadOrg)), ("POST", Can(EditOrg))],
        )
        .route(
            "/staff/org/departments",
            get(org::departments).post(org::create_department),
            &[("GET", Can(ReadOrg)), ("POST", Can(EditOrg))],
        )
        .route(
            "/staff/org/offices",
            get(org::offices).post(org::create_office),
            &[("GET", Can(ReadOrg)), ("POST", Can(EditOrg))],
        )
        .route(
            "/staff/org/groups",
            get(groups::list).post(groups::create),
            &[("GET", Can(ReadOrg)), ("POST", Can(EditOrg))],
        )
        .route(
            "/staff/org/zones",
            get(zones::list).post(zones::create),
            &[("GET", Can(ReadOrg)), ("POST", Can(EditOrg))],
        )
        .route("/staff/org/zones/new", get(zones::new_form), &[("GET", Can(EditOrg))])
        .route(
            "/staff/org/zones/{id}",
            get(zones::edit_form).post(zones::update),
            &[("GET", Can(EditOrg)), ("POST", Can(EditOrg))],
        )
        .route(
            "/staff/org/staff/{id}",
            get(people::edit_form).post(people::update),
            &[("GET", Can(EditOrg)), ("POST", Can(EditOrg))],
        )
        .route(
            "/staff/org/staff",
            get(people::list).post(people::create),
            &[("GET", Can(ReadOrg)), ("POST", Can(EditOrg))],
        )
        .route(
            "/staff/zones/{id}/governance",
            get(governance::zone),
            &[("GET", Can(ReadZoneGovernance))],
        )
        .route(
            "/staff/zones/{id}/rotation",
            post(governance::set_rotation),
            &[("POST", Can(ManageZoneGovernance))],
        )
        .route(
            "/staff/zones/{id}/meetings",
            post(governance::record_meeting),
            &[("POST", Can(ManageZoneGovernance))],
        )
        .route(
            "/staff/zones/{id}/reports/{quarter}",
            get(governance::term_report).post(governance::save_report),
            &[("GET", Can(ReadZoneGovernance)), ("POST", Can(WriteTermReport))],
        )
        .route(
            "/staff/statistics",
            get(campaign_stats::dashboard),
            &[("GET", Can(ReadStatistics))],
        )
        .route(
            "/staff/statistics/export.xlsx",
            get(campaign_stats::export),
            &[("GET", Can(ReadStatistics))],
        )
        .route(
            "/staff/campaigns",
            get(campaign_stats::campaigns).post(campaign_stats::create_campaign),
            &[("GET", Can(ManageCampaigns)), ("POST", Can(ManageCampaigns))],
        )
        .route(
            "/staff/campaigns/findings",
            post(campaign_stats::record_finding),
            &[("POST", Can(ManageCampaigns))],
        )
        .route(
            "/staff/campaigns/handlings",
            post(campaign_stats::record_handling),
            &[("POST", Can(ManageCampaigns))],
        )
        .route(
            "/staff/articles",
            get(articles::list).post(articles::create),
            &[("GET", Can(EditArticles)), ("POST", Can(EditArticles))],
        )
        .route(
            "/staff/articles/new",
            get(articles::new_form),
            &[("GET", Can(EditArticles))],
        )
        .route(
            "/staff/articles/{id}",
            get(articles::edit_form).post(articles::update),
            &[("GET", Can(EditArticles)), ("POST", Can(EditArticles))],
        )
        .route(
            "/staff/articles/{id}/preview",
            get(articles::preview),
            &[("GET", Can(EditArticles))],
        )
        .route(
            "/staff/articles/{id}/publish",
            post(articles::publish),
            &[("POST", Can(EditArticles))],
        )
        .route(
            "/staff/articles/{id}/unpublish",
            post(articles::unpublish),
            &[("POST", Can(EditArticles))],
        )
        .into_parts()
}

/// Cross-handling: ties, a clue's team form, overrides, proposals, authorisations.
fn cross_handling_routes(r: Registrar) -> Registrar {
    use Access::Can;
    use qinglian_domain::access::Action::{ApproveOverride, DeclareTies, ManageCases, ReadCases};
    r.route(
        "/staff/ties",
        get(ties::list).post(ties::declare),
        &[("GET", Can(DeclareTies)), ("POST", Can(DeclareTies))],
    )
    // The clue pages add one member by POST to `/staff/clues/{id}/team`; the team form
    // shows every candidate there and sets the whole team at `…/team/set`.
    .route(
        "/staff/clues/{id}/team",
        get(cross_handling::team),
        &[("GET", Can(ManageCases))],
    )
    .route(
        "/staff/clues/{id}/team/set",
        post(cross_handling::form_team),
        &[("POST", Can(ManageCases))],
    )
    .route(
        "/staff/clues/{id}/overrides",
        post(cross_handling::request_override),
        &[("POST", Can(ManageCases))],
    )
    .route(
        "/staff/overrides/{id}/approve",
        post(cross_handling::approve_override),
        &[("POST", Can(ApproveOverride))],
    )
    .route(
        "/staff/clues/{id}/authorisations",
        post(cross_handling::issue_authorisation),
        &[("POST", Can(ManageCases))],
    )
    .route(
        "/staff/authorisations/{id}",
        get(authorisation::show),
        &[("GET", Can(ReadCases))],
    )
    .route(
        "/staff/authorisations/{id}/authorisation.pdf",
        get(authorisation::pdf),
        &[("GET", Can(ReadCases))],
    )
    .route(
        "/staff/cross-handling/proposals",
        get(proposals::show),
        &[("GET", Can(ManageCases))],
    )
    .route(
        "/staff/cross-handling/proposals/accept",
        post(proposals::accept),
        &[("POST", Can(ManageCases))],
    )
}

/// The village integrity rating: periods, values, grades, review, explanations.
fn rating_routes(r: Registrar) -> Registrar {
    use Access::Can;
    use qinglian_domain::access::Action::{EnterRatingValues, ReadRating, ReviewRating};
    r.route("/staff/rating", get(rating::periods), &[("GET", Can(ReadRating))])
        .route(
            "/staff/rating/dashboard",
            get(rating_dashboard::dashboard),
            &[("GET", Can(ReadRating))],
        )
        .route(
            "/staff/rating/dashboard.xlsx",
            get(rating_dashboard::export),
            &[("GET", Can(ReadRating))],
        )
        .route(
            "/staff/rating/periods",
            post(rating::open_period),
            &[("POST", Can(ReviewRating))],
        )
        .route(
            "/staff/rating/periods/{id}",
            get(rating::show_period),
            &[("GET", Can(ReadRating))],
        )
        .route(
            "/staff/rating/periods/{id}/values",
            post(rating::save_values),
            &[("POST", Can(EnterRatingValues))],
        )
        .route(
            "/staff/rating/periods/{id}/template.xlsx",
            get(rating::template),
            &[("GET", Can(EnterRatingValues))],
        )
        .route(
            "/staff/rating/periods/{id}/grade",
            post(rating::grade),
            &[("POST", Can(ReviewRating))],
        )
        .route(
            "/staff/rating/periods/{id}/confirm",
            post(rating::confirm),
            &[("POST", Can(ReviewRating))],
        )
        .route(
            "/staff/rating/periods/{id}/publish",
            post(rating::publish),
            &[("POST", Can(ReviewRating))],
        )
        .route(
            "/staff/rating/results/{id}",
            get(rating::show_result),
            &[("GET", Can(ReadRating))],
        )
        .route(
            "/staff/rating/results/{id}/adjust",
            post(rating::adjust),
            &[("POST", Can(ReviewRating))],
        )
}

/// Rectification orders (督改单): the township's list and draft form, an order's page with its
/// sign-offs and follow-ups, and its official PDF; village plans (一村一方案) and the close-out
/// of their items; the party secretary's post on the township.
fn rectification_routes(r: Registrar) -> Registrar {
    use Access::Can;
    use qinglian_domain::access::Action::{EditOrg, IssueRectification, ReadRectification};
    r.route(
        "/staff/rectification",
        get(rectification::list).post(rectification::draft),
        &[("GET", Can(ReadRectification)), ("POST", Can(IssueRectification))],
    )
    .route(
        "/staff/rectification/{id}",
        get(rectification::show),
        &[("GET", Can(ReadRectification))],
    )
    .route(
        "/staff/rectification/{id}/sign",
        post(rectification::sign),
        &[("POST", Can(IssueRectification))],
    )
    .route(
        "/staff/rectification/{id}/follow-ups",
        post(rectification::follow_up),
        &[("POST", Can(IssueRectification))],
    )
    .route(
        "/staff/rectification/{id}/order.pdf",
        get(rectification::pdf),
        &[("GET", Can(ReadRectification))],
    )
    .route(
        "/staff/village-plans",
        get(village_plans::list).post(village_plans::create),
        &[("GET", Can(ReadRectification)), ("POST", Can(IssueRectification))],
    )
    .route(
        "/staff/village-plans/{id}",
        get(village_plans::show),
        &[("GET", Can(ReadRectification))],
    )
    .route(
        "/staff/village-plans/{id}/items",
        post(village_plans::add_item),
        &[("POST", Can(IssueRectification))],
    )
    .route(
        "/staff/rectification-items/{id}/acts",
        post(village_plans::act),
        &[("POST", Can(IssueRectification))],
    )
    .route(
        "/staff/rectification-items/{id}/files/{file}",
        get(village_plans::file),
        &[("GET", Can(ReadRectification))],
    )
    .route(
        "/staff/village-plans/{id}/monthly-reports",
        post(monthly_reports::file),
        &[("POST", Can(IssueRectification))],
    )
    .route(
        "/staff/monthly-reports/overdue",
        get(monthly_reports::overdue),
        &[("GET", Can(ReadRectification))],
    )
    .route(
        "/staff/monthly-reports/{id}",
        get(monthly_reports::show),
        &[("GET", Can(ReadRectification))],
    )
    .route(
        "/staff/monthly-reports/{id}/hearing",
        post(monthly_reports::hear),
        &[("POST", Can(IssueRectification))],
    )
    .route(
        "/staff/org/townships/{id}/party-secretary",
        post(org::set_party_secretary),
        &[("POST", Can(EditOrg))],
    )
}

/// Townships and stationed groups as form choices: what posting and membership lists offer.
pub async fn township_and_group_units(
    state: &AppState,
) -> Result<(Vec<qinglian_store::model::Unit>, Vec<qinglian_store::model::Unit>), qinglian_store::StoreError> {
    use qinglian_store::model::Unit;
    let townships = state
        .store
        .list_townships()
        .await?
        .into_iter()
        .map(Unit::from)
        .collect();
    let groups = state
        .store
        .list_stationed_groups()
        .await?
        .into_iter()
        .map(Unit::from)
        .collect();
    Ok((townships, groups))
}

/// A time as the county reads it (Beijing time), for templates.
pub fn local_time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&qinglian_domain::inspection::CHINA)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Renders a template; a rendering failure is logged and answered as a plain 500.
pub fn render<T: askama::Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            let op = crate::observe::operation_id();
            tracing::error!(operation_id = %op, error = %e, "template rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("internal error, operation id {op}"),
            )
                .into_response()
        }
    }
}

/// Renders with a status (e.g. 422 for a form with errors).
pub fn render_status<T: askama::Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

/// `?page=` for paged lists.
#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub page: Option<u32>,
    pub q: Option<String>,
    pub column: Option<String>,
}

/// Previous/next links under a list.
pub struct Pager {
    pub total: i64,
    pub prev: Option<u32>,
    pub next: Option<u32>,
    /// The list's URL up to and including `?` or `&`, ready for `page=`.
    pub base: String,
}

impl Pager {
    pub fn new(base: String, page: u32, per_page: u32, total: i64) -> Self {
        let page = page.max(1);
        let shown = i64::from(page) * i64::from(per_page);
        Self {
            total,
            prev: (page > 1).then(|| page - 1),
            next: (shown < total).then(|| page + 1),
            base,
        }
    }
}
