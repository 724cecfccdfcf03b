//! The JSON API under `/api/v1`, its OpenAPI document generated from the handlers.

mod articles;
pub(crate) mod campaigns;
pub(crate) mod cases;
pub(crate) mod cross_handling;
mod divisions;
pub(crate) mod evidence;
mod evidence_upload;
pub(crate) mod governance;
pub(crate) mod inspection;
mod ledger;
pub(crate) mod monthly_reports;
pub(crate) mod org;
pub(crate) mod rating;
pub(crate) mod rectification;
mod village_plans;

use axum::Router;
use serde::Deserialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ErrorBody, FieldProblem};
use crate::routes::Access;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Qinglian API", version = "1", description = "县纪委监委清廉监督平台接口。Errors are `{code, message, operation_id, fields}`."),
    components(schemas(ErrorBody, FieldProblem)),
    tags((name = "org", description = "组织机构 Organisation"), (name = "registry", description = "行政区划库 Division registry"), (name = "portal", description = "门户文章 Portal articles"), (name = "ledger", description = "防篡改日志 Tamper-evident log"), (name = "inspection", description = "巡察现场办公会 Inspection tours"), (name = "public", description = "群众端 For villagers"), (name = "evidence", description = "证据库 Evidence store (uploads: tus 1.0)"), (name = "rating", description = "清廉村居分类评估 Village integrity rating"), (name = "rectification", description = "督改单、一村一方案与月度汇报 Rectification orders, village plans and monthly reports"))
)]
struct ApiDoc;

pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(org::get_county))
        .routes(routes!(org::list_townships, org::create_township))
        .routes(routes!(org::get_township, org::rename_township))
        .routes(routes!(org::list_villages, org::create_village))
        .routes(routes!(org::get_village, org::rename_village))
        .routes(routes!(org::list_departments, org::create_department))
        .routes(routes!(org::list_offices, org::create_office))
        .routes(routes!(org::list_stationed_groups, org::create_stationed_group))
        .routes(routes!(org::get_stationed_group))
        .routes(routes!(org::list_zones, org::create_zone))
        .routes(routes!(org::get_zone, org::update_zone))
        .routes(routes!(org::list_staff, org::create_staff))
        .routes(routes!(org::get_staff, org::update_staff))
        .routes(routes!(divisions::get_division))
        .routes(routes!(articles::list_articles))
        .routes(routes!(articles::get_article))
        .routes(routes!(ledger::checkpoint))
        .routes(routes!(ledger::key))
        .routes(routes!(ledger::entries))
        .routes(routes!(ledger::inclusion))
        .routes(routes!(ledger::consistency))
        .routes(routes!(inspection::list_rounds, inspection::create_round))
        .routes(routes!(inspection::get_round))
        .routes(routes!(inspection::create_group))
        .routes(routes!(inspection::assign_targets))
        .routes(routes!(inspection::list_meetings, inspection::create_meeting))
        .routes(routes!(inspection::get_meeting, inspection::record_meeting))
        .routes(routes!(inspection::list_categories))
        .routes(routes!(inspection::overdue))
        .routes(routes!(inspection::list_concerns, inspection::create_concern))
        .routes(routes!(inspection::get_concern))
        .routes(routes!(inspection::get_complainant))
        .routes(routes!(inspection::step_concern))
        .routes(routes!(inspection::public_meeting))
        .routes(routes!(inspection::public_register))
        .routes(routes!(inspection::create_public_concern))
        .routes(routes!(inspection::lookup_receipt))
        .routes(routes!(inspection::villager_step_api))
        .routes(routes!(cases::list_clues, cases::create_clue))
        .routes(routes!(cases::get_clue))
        .routes(routes!(cases::dispose_clue))
        .routes(routes!(cases::add_team_member, cross_handling::set_team))
        .routes(routes!(cross_handling::my_ties, cross_handling::declare_tie))
        .routes(routes!(cross_handling::all_ties))
        .routes(routes!(cross_handling::record_involvement))
        .routes(routes!(cross_handling::team_board))
        .routes(routes!(cross_handling::request_override))
        .routes(routes!(cross_handling::approve_override))
        .routes(routes!(cross_handling::proposals))
        .routes(routes!(cross_handling::accept_proposal))
        .routes(routes!(cross_handling::issue_authorisation))
        .routes(routes!(cross_handling::get_authorisation))
        .routes(routes!(cross_handling::authorise_interview))
        .routes(routes!(cases::list_cases))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::plan_interview))
        .routes(routes!(cases::get_interview))
        .routes(routes!(cases::interview_act))
        .routes(routes!(cases::save_transcript))
        .routes(routes!(cases::transcript_versions))
        .routes(routes!(cases::reveal_witness))
        .routes(routes!(cases::attach_file))
        .routes(routes!(evidence::list_evidence))
        .routes(routes!(evidence::get_evidence))
        .routes(routes!(evidence::custody))
        .routes(routes!(evidence::download))
        .routes(routes!(rectification::list_orders, rectification::draft_order))
        .routes(routes!(rectification::get_order))
        .routes(routes!(rectification::sign_order))
        .routes(routes!(rectification::follow_up))
        .routes(routes!(rectification::set_party_secretary))
        .routes(routes!(village_plans::list_plans, village_plans::create_plan))
        .routes(routes!(village_plans::get_plan))
        .routes(routes!(village_plans::add_item))
        .routes(routes!(village_plans::act))
        .routes(routes!(monthly_reports::schedule, monthly_reports::file))
        .routes(routes!(monthly_reports::overdue))
        .routes(routes!(monthly_reports::get_report))
        .routes(routes!(monthly_reports::hear))
        .routes(routes!(governance::get_rotation, governance::set_rotation))
        .routes(routes!(governance::list_meetings, governance::record_meeting))
        .routes(routes!(governance::get_report, governance::save_report))
        .routes(routes!(campaigns::list_campaigns, campaigns::create_campaign))
        .routes(routes!(campaigns::record_finding))
        .routes(routes!(campaigns::record_handling))
        .routes(routes!(campaigns::get_statistics))
        .routes(routes!(rating::get_framework, rating::save_framework))
        .routes(routes!(rating::list_periods, rating::open_period))
        .routes(routes!(rating::get_period))
        .routes(routes!(rating::save_values))
        .routes(routes!(rating::template))
        .routes(routes!(rating::grade))
        .routes(routes!(rating::confirm))
        .routes(routes!(rating::publish))
        .routes(routes!(rating::get_result))
        .routes(routes!(rating::adjust))
        .split_for_parts()
}

/// The evidence upload endpoints, apart from the others because their bodies are streamed to
/// disk without the request-size limit (each is bounded by its declared `Upload-Length`).
pub fn upload_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::new()
        .routes(routes!(evidence_upload::options, evidence_upload::create))
        .routes(routes!(
            evidence_upload::head,
            evidence_upload::patch,
            evidence_upload::terminate
        ))
        .split_for_parts()
}

/// The rating's spreadsheet import and a plan item's evidence files, apart because their bodies
/// may be larger than other requests (each handler checks its own cap before it reads:
/// `rating::IMPORT_MAX_BYTES`, `village_plans::ITEM_FILE_MAX_BYTES`).
pub fn import_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::new()
        .routes(routes!(rating::import))
        .routes(routes!(village_plans::take_in_file))
        .split_for_parts()
}

/// Who may call each API operation; the matrix test checks it against the OpenAPI document
/// (so an operation missing here fails the suite) and against the handlers' own checks.
pub const ACCESS: &[(&str, &str, Access)] = {
    use Access::{Can, Public};
    use qinglian_domain::access::Action::{
        ActOnConcern, ApproveOverride, ConductInterview, DeclareTies, EditOrg, HandleEvidence, ManageCases,
        ManageInspection, ReadCases, ReadComplainant, ReadInspection, ReadOrg, RevealWitness, RunMeeting,
    };
    use qinglian_domain::access::Action::{EnterRatingValues, ReadRating, ReviewRating};
    use qinglian_domain::access::Action::{IssueRectification, ReadRectification};
    use qinglian_domain::access::Action::{
        ManageCampaigns, ManageZoneGovernance, ReadStatistics, ReadZoneGovernance, WriteTermReport,
    };
    &[
        ("GET", "/api/v1/county", Can(ReadOrg)),
        ("GET", "/api/v1/townships", Can(ReadOrg)),
        ("POST", "/api/v1/townships", Can(EditOrg)),
        ("GET", "/api/v1/townships/{id}", Can(ReadOrg)),
        ("PATCH", "/api/v1/townships/{id}", Can(EditOrg)),
        ("GET", "/api/v1/villages", Can(ReadOrg)),
        ("POST", "/api/v1/villages", Can(EditOrg)),
        ("GET", "/api/v1/villages/{id}", Can(ReadOrg)),
        ("PATCH", "/api/v1/villages/{id}", Can(EditOrg)),
        ("GET", "/api/v1/departments", Can(ReadOrg)),
        ("POST", "/api/v1/departments", Can(EditOrg)),
        ("GET", "/api/v1/offices", Can(ReadOrg)),
        ("POST", "/api/v1/offices", Can(EditOrg)),
        ("GET", "/api/v1/stationed-groups", Can(ReadOrg)),
        ("POST", "/api/v1/stationed-groups", Can(EditOrg)),
        ("GET", "/api/v1/stationed-groups/{id}", Can(ReadOrg)),
        ("GET", "/api/v1/zones", Can(ReadOrg)),
        ("POST", "/api/v1/zones", Can(EditOrg)),
        ("GET", "/api/v1/zones/{id}", Can(ReadOrg)),
        ("PUT", "/api/v1/zones/{id}", Can(EditOrg)),
        ("GET", "/api/v1/staff", Can(ReadOrg)),
        ("POST", "/api/v1/staff", Can(EditOrg)),
        ("GET", "/api/v1/staff/{id}", Can(ReadOrg)),
        ("PUT", "/api/v1/staff/{id}", Can(EditOrg)),
        ("GET", "/api/v1/divisions/{code}", Can(ReadOrg)),
        ("GET", "/api/v1/articles", Public),
        ("GET", "/api/v1/articles/{id}", Public),
        ("GET", "/api/v1/ledger/checkpoint", Public),
        ("GET", "/api/v1/ledger/key", Public),
        ("GET", "/api/v1/ledger/entries", Public),
        ("GET", "/api/v1/ledger/proof/inclusion", Public),
        ("GET", "/api/v1/ledger/proof/consistency", Public),
        ("GET", "/api/v1/inspection/rounds", Can(ReadInspection)),
        ("POST", "/api/v1/inspection/rounds", Can(ManageInspection)),
        ("GET", "/api/v1/inspection/rounds/{id}", Can(ReadInspection)),
        ("POST", "/api/v1/inspection/rounds/{id}/groups", Can(ManageInspection)),
        ("POST", "/api/v1/inspection/rounds/{id}/targets", Can(ManageInspection)),
        ("GET", "/api/v1/inspection/meetings", Can(ReadInspection)),
        ("POST", "/api/v1/inspection/meetings", Can(RunMeeting)),
        ("GET", "/api/v1/inspection/meetings/{id}", Can(ReadInspection)),
        ("PUT", "/api/v1/inspection/meetings/{id}", Can(RunMeeting)),
        ("GET", "/api/v1/inspection/categories", Can(ReadInspection)),
        ("GET", "/api/v1/inspection/overdue", Can(ReadInspection)),
        ("GET", "/api/v1/concerns", Can(ReadInspection)),
        ("POST", "/api/v1/concerns", Can(RunMeeting)),
        ("GET", "/api/v1/concerns/{id}", Can(ReadInspection)),
        ("GET", "/api/v1/concerns/{id}/complainant", Can(ReadComplainant)),
        ("POST", "/api/v1/concerns/{id}/steps", Can(ActOnConcern)),
        ("GET", "/api/v1/public/meetings/{id}", Public),
        ("GET", "/api/v1/public/rounds/{id}/register", Public),
        ("POST", "/api/v1/public/concerns", Public),
        ("POST", "/api/v1/public/receipt", Public),
        ("POST", "/api/v1/public/receipt/steps", Public),
        ("GET", "/api/v1/clues", Can(ReadCases)),
        ("POST", "/api/v1/clues", Can(ManageCases)),
        ("GET", "/api/v1/clues/{id}", Can(ReadCases)),
        ("POST", "/api/v1/clues/{id}/dispositions", Can(ManageCases)),
        ("POST", "/api/v1/clues/{id}/team", Can(ManageCases)),
        ("PUT", "/api/v1/clues/{id}/team", Can(ManageCases)),
        ("GET", "/api/v1/ties", Can(DeclareTies)),
        ("POST", "/api/v1/ties", Can(DeclareTies)),
        ("GET", "/api/v1/ties/all", Can(ManageCases)),
        ("POST", "/api/v1/involvements", Can(ManageCases)),
        ("GET", "/api/v1/clues/{id}/team-board", Can(ManageCases)),
        ("POST", "/api/v1/clues/{id}/overrides", Can(ManageCases)),
        ("POST", "/api/v1/overrides/{id}/approve", Can(ApproveOverride)),
        ("GET", "/api/v1/cross-handling/proposals", Can(ManageCases)),
        ("POST", "/api/v1/cross-handling/proposals/accept", Can(ManageCases)),
        ("POST", "/api/v1/clues/{id}/authorisations", Can(ManageCases)),
        ("GET", "/api/v1/authorisations/{id}", Can(ReadCases)),
        ("POST", "/api/v1/interviews/{id}/authorisation", Can(ConductInterview)),
        ("GET", "/api/v1/cases", Can(ReadCases)),
        ("GET", "/api/v1/cases/{id}", Can(ReadCases)),
        ("POST", "/api/v1/cases/{id}/interviews", Can(ConductInterview)),
        ("GET", "/api/v1/interviews/{id}", Can(ReadCases)),
        ("POST", "/api/v1/interviews/{id}/acts", Can(ConductInterview)),
        ("PUT", "/api/v1/interviews/{id}/transcript", Can(ConductInterview)),
        ("GET", "/api/v1/interviews/{id}/transcript/versions", Can(ReadCases)),
        ("POST", "/api/v1/interviews/{id}/witness", Can(RevealWitness)),
        ("POST", "/api/v1/interviews/{id}/files", Can(ConductInterview)),
        // Evidence store
        ("GET", "/api/v1/evidence", Can(HandleEvidence)),
        ("GET", "/api/v1/evidence/{id}", Can(HandleEvidence)),
        ("GET", "/api/v1/evidence/{id}/custody", Can(HandleEvidence)),
        ("GET", "/api/v1/evidence/{id}/content", Can(HandleEvidence)),
        ("OPTIONS", "/api/v1/evidence/uploads", Can(HandleEvidence)),
        ("POST", "/api/v1/evidence/uploads", Can(HandleEvidence)),
        ("HEAD", "/api/v1/evidence/uploads/{id}", Can(HandleEvidence)),
        ("PATCH", "/api/v1/evidence/uploads/{id}", Can(HandleEvidence)),
        ("DELETE", "/api/v1/evidence/uploads/{id}", Can(HandleEvidence)),
        ("GET", "/api/v1/zones/{id}/rotation", Can(ReadZoneGovernance)),
        ("PUT", "/api/v1/zones/{id}/rotation", Can(ManageZoneGovernance)),
        ("GET", "/api/v1/zones/{id}/meetings", Can(ReadZoneGovernance)),
        ("POST", "/api/v1/zones/{id}/meetings", Can(ManageZoneGovernance)),
        ("GET", "/api/v1/zones/{id}/reports/{quarter}", Can(ReadZoneGovernance)),
        ("PUT", "/api/v1/zones/{id}/reports/{quarter}", Can(WriteTermReport)),
        ("GET", "/api/v1/campaigns", Can(ReadStatistics)),
        ("POST", "/api/v1/campaigns", Can(ManageCampaigns)),
        ("POST", "/api/v1/campaigns/{id}/findings", Can(ManageCampaigns)),
        ("POST", "/api/v1/handlings", Can(ManageCampaigns)),
        ("GET", "/api/v1/statistics", Can(ReadStatistics)),
        ("GET", "/api/v1/rating/framework", Can(ReadRating)),
        ("POST", "/api/v1/rating/framework", Can(ReviewRating)),
        ("GET", "/api/v1/rating/periods", Can(ReadRating)),
        ("POST", "/api/v1/rating/periods", Can(ReviewRating)),
        ("GET", "/api/v1/rating/periods/{id}", Can(ReadRating)),
        ("PUT", "/api/v1/rating/periods/{id}/values", Can(EnterRatingValues)),
        ("POST", "/api/v1/rating/periods/{id}/import", Can(EnterRatingValues)),
        ("GET", "/api/v1/rating/periods/{id}/template", Can(EnterRatingValues)),
        ("POST", "/api/v1/rating/periods/{id}/grade", Can(ReviewRating)),
        ("POST", "/api/v1/rating/periods/{id}/confirm", Can(ReviewRating)),
        ("POST", "/api/v1/rating/periods/{id}/publish", Can(ReviewRating)),
        ("GET", "/api/v1/rating/results/{id}", Can(ReadRating)),
        ("POST", "/api/v1/rating/results/{id}/adjustment", Can(ReviewRating)),
        // Rectification orders (督改单)
        ("GET", "/api/v1/rectification-orders", Can(ReadRectification)),
        ("POST", "/api/v1/rectification-orders", Can(IssueRectification)),
        ("GET", "/api/v1/rectification-orders/{id}", Can(ReadRectification)),
        (
            "POST",
            "/api/v1/rectification-orders/{id}/sign-offs",
            Can(IssueRectification),
        ),
        (
            "POST",
            "/api/v1/rectification-orders/{id}/follow-ups",
            Can(IssueRectification),
        ),
        ("PUT", "/api/v1/townships/{id}/party-secretary", Can(EditOrg)),
        // Village plans (一村一方案) and the close-out of their items
        ("GET", "/api/v1/village-plans", Can(ReadRectification)),
        ("POST", "/api/v1/village-plans", Can(IssueRectification)),
        ("GET", "/api/v1/village-plans/{id}", Can(ReadRectification)),
        ("POST", "/api/v1/village-plans/{id}/items", Can(IssueRectification)),
        ("POST", "/api/v1/rectification-items/{id}/acts", Can(IssueRectification)),
        (
            "POST",
            "/api/v1/rectification-items/{id}/files",
            Can(IssueRectification),
        ),
        // Monthly reports (月度汇报) of the plans to the township's party secretary
        (
            "GET",
            "/api/v1/village-plans/{id}/monthly-reports",
            Can(ReadRectification),
        ),
        (
            "POST",
            "/api/v1/village-plans/{id}/monthly-reports",
            Can(IssueRectification),
        ),
        ("GET", "/api/v1/monthly-reports/overdue", Can(ReadRectification)),
        ("GET", "/api/v1/monthly-reports/{id}", Can(ReadRectification)),
        ("POST", "/api/v1/monthly-reports/{id}/hearing", Can(IssueRectification)),
    ]
};

/// Paging for list endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 1-based page number.
    pub page: Option<u32>,
    /// Rows per page, at most 200.
    pub per_page: Option<u32>,
}

impl Paging {
    pub fn request(&self) -> qinglian_store::model::PageRequest {
        qinglian_store::model::PageRequest::new(self.page.unwrap_or(1), self.per_page.unwrap_or(50))
    }
}
