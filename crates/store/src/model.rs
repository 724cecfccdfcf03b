//! Records as the store returns them: plain rows, the same on both backends.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct County {
    pub id: String,
    pub division_code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Division {
    pub code: String,
    pub level: String,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Township {
    pub id: String,
    pub division_code: String,
    pub name: String,
    pub kind: String,
    pub village_count: i64,
    pub zone_id: Option<String>,
    pub zone_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Village {
    pub id: String,
    pub township_id: String,
    pub township_name: String,
    pub division_code: String,
    pub name: String,
    pub kind: String,
}

/// A department, stationed group or supervision office.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Unit {
    pub id: String,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Department {
    pub id: String,
    pub code: String,
    pub name: String,
    pub stationed_group_id: Option<String>,
    pub stationed_group_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StationedGroup {
    pub id: String,
    pub code: String,
    pub name: String,
    pub departments: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ZoneRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub leader_staff_id: String,
    pub leader_name: String,
    pub liaison_office_id: String,
    pub liaison_office_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Zone {
    #[serde(flatten)]
    pub zone: ZoneRow,
    /// Townships or stationed groups, by the zone's kind.
    pub members: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub role: String,
    pub posting_kind: String,
    pub posting_unit_id: Option<String>,
    pub posting_unit_name: Option<String>,
    pub home_township_id: Option<String>,
    pub home_township_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Article {
    pub id: String,
    pub column_code: String,
    pub title: String,
    pub source: String,
    pub author: String,
    pub body_html: String,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub view_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of results and the total behind it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Offset paging, bounded so no request can ask for the whole table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: i64,
    pub limit: i64,
}

impl PageRequest {
    pub const MAX_LIMIT: i64 = 200;

    pub fn new(page: u32, per_page: u32) -> Self {
        let limit = i64::from(per_page.clamp(1, Self::MAX_LIMIT as u32));
        let offset = i64::from(page.max(1) - 1) * limit;
        Self { offset, limit }
    }
}

/// Village filter for lists.
#[derive(Debug, Clone, Default)]
pub struct VillageFilter {
    pub township_id: Option<String>,
    /// Substring of the name or prefix of the code.
    pub q: Option<String>,
}

/// Counts a registry import reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// A county's org loaded from the registry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CountyLoad {
    pub townships: u64,
    pub villages: u64,
    pub townships_new: u64,
    pub villages_new: u64,
}

/// One row of the national registry, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct DivisionInput {
    pub code: qinglian_domain::division::DivisionCode,
    pub name: String,
}

/// A staff account as sign-in needs it; the hash never leaves the web layer's sign-in code.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AccountRow {
    pub id: String,
    pub staff_id: String,
    pub username: String,
    pub password_hash: String,
    pub disabled: bool,
    /// Base32 TOTP secret once the second factor is enrolled.
    pub totp_secret: Option<String>,
}

/// The signed-in user behind a session.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SessionUser {
    pub account_id: String,
    pub username: String,
    pub staff_id: String,
    pub staff_name: String,
    pub role: String,
    pub posting_kind: String,
    pub posting_unit_id: Option<String>,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// `full`, or `totp` / `enrol` while the second factor is still owed.
    pub stage: String,
    /// The secret being enrolled, during `enrol`.
    #[serde(skip)]
    pub pending_secret: Option<String>,
    #[serde(skip)]
    pub totp_secret: Option<String>,
}

/// Where a new session stands: signed in, or still owing the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage<'a> {
    Full,
    /// The account has a second factor; its code is asked next.
    Totp,
    /// The role requires a second factor the account does not have yet: enrol this secret.
    Enrol {
        secret: &'a str,
    },
}

impl SessionStage<'_> {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Totp => "totp",
            Self::Enrol { .. } => "enrol",
        }
    }

    pub fn pending_secret(&self) -> Option<&str> {
        match self {
            Self::Enrol { secret } => Some(secret),
            _ => None,
        }
    }
}

/// Who is acting, for the audit trail: a signed-in member of staff or the system itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Option<String>,
    pub staff_id: Option<String>,
    /// The staff member's name, or the system job's name.
    pub name: String,
    pub role: String,
    pub operation_id: String,
    pub client_addr: Option<String>,
}

impl Actor {
    /// The system acting on its own (a command, a scheduled job, the demo).
    pub fn system(name: &str) -> Self {
        Self {
            account_id: None,
            staff_id: None,
            name: name.to_owned(),
            role: "system".to_owned(),
            operation_id: uuid::Uuid::now_v7().simple().to_string(),
            client_addr: None,
        }
    }
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub at: DateTime<Utc>,
    pub account_id: Option<String>,
    pub staff_id: Option<String>,
    pub actor_name: String,
    pub role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub result: String,
    pub operation_id: String,
    pub client_addr: Option<String>,
    pub detail: Option<String>,
}

/// Narrows the audit trail for browsing and export.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub action: Option<String>,
    /// Matches the actor's name or account id.
    pub actor: Option<String>,
    pub object_id: Option<String>,
}

/// An account as administrators see it: never the password hash or the second-factor secret.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AccountSummary {
    pub id: String,
    pub username: String,
    pub staff_id: String,
    pub staff_name: String,
    pub role: String,
    pub disabled: bool,
    pub totp_enrolled: bool,
    pub created_at: DateTime<Utc>,
}

/// The short form forms and member lists use.
impl From<Township> for Unit {
    fn from(t: Township) -> Self {
        Unit {
            id: t.id,
            code: t.division_code,
            name: t.name,
        }
    }
}

impl From<Department> for Unit {
    fn from(d: Department) -> Self {
        Unit {
            id: d.id,
            code: d.code,
            name: d.name,
        }
    }
}

impl From<StationedGroup> for Unit {
    fn from(g: StationedGroup) -> Self {
        Unit {
            id: g.id,
            code: g.code,
            name: g.name,
        }
    }
}

/// An integrated entry of the tamper-evident log, as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LedgerEntryRow {
    pub idx: i64,
    pub entry_type: String,
    pub object_id: String,
    /// The canonical entry bytes (`qinglian_ledger::Entry`), which hash to the leaf.
    #[serde(with = "hex_bytes")]
    #[schema(value_type = String)]
    pub entry: Vec<u8>,
    #[serde(with = "hex_bytes")]
    #[schema(value_type = String)]
    pub leaf_hash: Vec<u8>,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CheckpointRow {
    pub size: i64,
    pub root_hash: Vec<u8>,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// The log's size and root after integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerHead {
    pub size: u64,
    pub root: [u8; 32],
    /// Entries integrated by this call.
    pub added: u64,
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }
}

/// An explicit scope grant on an account.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ScopeGrant {
    pub account_id: String,
    pub kind: String,
    /// Empty for the county.
    pub target_id: String,
    /// The zone's, township's, department's or round's name, when it still exists.
    pub target_name: Option<String>,
    pub granted_at: DateTime<Utc>,
}

/// An inspection round with its running figures.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Round {
    pub id: String,
    pub number: i64,
    pub name: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub group_count: i64,
    pub target_count: i64,
    pub meeting_count: i64,
    pub concern_count: i64,
}

/// A member of an inspection group (the leader is one too).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GroupMember {
    pub staff_id: String,
    pub name: String,
    pub home_township_id: Option<String>,
    pub home_township_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InspectionGroupRow {
    pub id: String,
    pub round_id: String,
    pub name: String,
    pub leader_staff_id: String,
    pub leader_name: String,
    pub target_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct InspectionGroup {
    #[serde(flatten)]
    pub group: InspectionGroupRow,
    pub members: Vec<GroupMember>,
}

/// A village a round inspects, and the group that inspects it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Target {
    pub village_id: String,
    pub village_name: String,
    pub township_id: String,
    pub township_name: String,
    pub group_id: String,
    pub group_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeetingRow {
    pub id: String,
    pub round_id: String,
    pub round_name: String,
    pub group_id: String,
    pub group_name: String,
    pub village_id: String,
    pub village_name: String,
    pub township_id: String,
    pub township_name: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub attendance: String,
    pub minutes: String,
    pub publish_minutes: bool,
    pub concern_count: i64,
    pub on_spot_count: i64,
}

/// An on-site meeting with the departments invited to answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    #[serde(flatten)]
    pub meeting: MeetingRow,
    pub departments: Vec<Unit>,
}

/// A category of concern (一户多宅, 人居环境, …), configurable per county.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Category {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// A concern without the complainant's identity, which is read apart and audited.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Concern {
    pub id: String,
    pub round_id: Option<String>,
    pub meeting_id: Option<String>,
    pub village_id: String,
    pub village_name: String,
    pub township_id: String,
    pub township_name: String,
    pub category_id: String,
    pub category_name: String,
    pub department_id: Option<String>,
    pub department_name: Option<String>,
    pub text: String,
    pub source: String,
    pub state: String,
    pub on_spot: bool,
    pub answer: Option<String>,
    pub answer_deadline: Option<chrono::NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether the person who raised it left a name or phone (not who they are).
    pub has_complainant: bool,
}

/// Who raised a concern, when they chose to say.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Complainant {
    pub complainant_name: Option<String>,
    pub complainant_phone: Option<String>,
}

/// One step in a concern's history, as the villager sees it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ConcernEvent {
    pub version: i64,
    pub kind: String,
    pub state: String,
    pub party: String,
    pub unit_name: String,
    pub text: Option<String>,
    pub deadline: Option<chrono::NaiveDate>,
    pub at: DateTime<Utc>,
}

/// Where a meeting is held, and the name of the category a public submission to it names:
/// read before the submission is written, so its answer is built without reading it back.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MeetingPlace {
    pub meeting_id: String,
    pub round_id: String,
    pub village_id: String,
    pub village_name: String,
    pub township_id: String,
    pub township_name: String,
    pub category_id: String,
    /// `None` when no category has that id: the write then refuses the submission.
    pub category_name: Option<String>,
}

/// A client's allowance of some action (the throttle row `key`): at most `limit` in `window`,
/// then refused until `lock_for` has passed. Charged with the write it limits, so a public
/// submission costs one durable commit, not two (on SQLite its count is kept in the writer's
/// memory, `concern_batch`).
#[derive(Debug, Clone)]
pub struct Allowance {
    pub key: String,
    pub window: chrono::Duration,
    pub limit: i64,
    pub lock_for: chrono::Duration,
}

/// Which concerns a list shows; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConcernFilter {
    pub round_id: Option<String>,
    pub meeting_id: Option<String>,
    pub township_id: Option<String>,
    pub department_id: Option<String>,
    pub category_id: Option<String>,
    pub state: Option<String>,
    /// Only those past their answer deadline on this day.
    pub overdue_on: Option<chrono::NaiveDate>,
}

/// A step taken on a concern, and by whom, for the history.
#[derive(Debug, Clone)]
pub struct StepBy<'a> {
    pub party: qinglian_domain::inspection::Party,
    /// The unit shown in the public history (the group, the department, "群众").
    pub unit_name: &'a str,
    /// For a department's step: the department the actor is posted to.
    pub department_id: Option<&'a str>,
}

/// The public register of a round or a meeting: counts only, no personal data.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Register {
    pub total: i64,
    pub on_spot: i64,
    pub overdue: i64,
    pub by_category: Vec<NamedCount>,
    pub by_state: Vec<NamedCount>,
}

/// How many concerns one department, township or group has overdue.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OverdueCount {
    /// `department`, `township` or `group`.
    pub by: String,
    pub id: String,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NamedCount {
    pub name: String,
    pub count: i64,
}

/// A clue as the register lists it (case data: every read is audited).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Clue {
    pub id: String,
    pub number: String,
    pub source: String,
    pub subject_name: String,
    pub subject_unit: String,
    pub township_id: String,
    pub township_name: String,
    pub summary: String,
    pub received_on: chrono::NaiveDate,
    pub disposition: Option<String>,
    pub case_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One decision on a clue.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ClueEvent {
    pub version: i64,
    pub disposition: String,
    pub note: String,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// A member of a clue's cross-handling team.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TeamMember {
    pub staff_id: String,
    pub name: String,
    pub home_township_name: Option<String>,
    pub posting_unit_name: Option<String>,
    pub added_at: DateTime<Utc>,
}

/// A clue with its history and team, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ClueDetail {
    pub clue: Clue,
    pub events: Vec<ClueEvent>,
    pub team: Vec<TeamMember>,
}

/// Filters of the clue register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClueFilter {
    pub township_id: Option<String>,
    /// `pending` for clues without a disposition, else a disposition.
    pub disposition: Option<String>,
}

/// A case opened from a clue.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseFile {
    pub id: String,
    pub number: String,
    pub clue_id: String,
    pub township_id: String,
    pub township_name: String,
    pub subject_name: String,
    pub subject_unit: String,
    pub opened_on: chrono::NaiveDate,
    pub state: String,
    pub interview_count: i64,
}

/// An interview as listed and shown (the witness by the name the plan shows).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Interview {
    pub id: String,
    pub case_id: String,
    pub case_number: String,
    pub clue_id: String,
    pub township_id: String,
    pub witness_shown: String,
    pub witness_protected: bool,
    pub platform: String,
    pub link: String,
    pub scheduled_at: DateTime<Utc>,
    pub consent_caller_name: String,
    pub consent_called_at: DateTime<Utc>,
    pub consent_agreed: String,
    pub done_step: Option<String>,
    pub paused: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    /// The county's authorisation the team holds the interview under, once recorded.
    pub authorisation_id: Option<String>,
    pub authorisation_number: Option<String>,
}

/// An unprotected witness's identity, shown to the case's people.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WitnessClear {
    pub witness_name: Option<String>,
    pub witness_id_number: Option<String>,
    pub witness_phone: Option<String>,
}

/// An investigator of an interview and whether they have checked in.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Investigator {
    pub staff_id: String,
    pub name: String,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// One act of the procedure log.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InterviewEvent {
    pub seq: i64,
    pub kind: String,
    pub step: Option<String>,
    pub detail: Option<String>,
    pub actor_staff_id: String,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

/// A saved version of a transcript; the body is the JSON array of question/answer pairs.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TranscriptVersion {
    pub number: i64,
    pub body: String,
    pub sha256: String,
    pub author_name: String,
    pub saved_at: DateTime<Utc>,
}

/// A file of the evidence store attached to an interview.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InterviewFile {
    pub evidence_file_id: String,
    pub kind: String,
    pub attached_by_name: String,
    pub attached_at: DateTime<Utc>,
}

/// Everything an interview's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct InterviewDetail {
    pub interview: Interview,
    pub witness: Option<WitnessClear>,
    pub investigators: Vec<Investigator>,
    pub events: Vec<InterviewEvent>,
    pub transcript: Option<TranscriptVersion>,
    pub files: Vec<InterviewFile>,
}

mod cross_handling;
pub use cross_handling::*;
#[path = "model_zone.rs"]
mod zone_governance;
pub use zone_governance::*;
#[path = "model_rating.rs"]
mod rating;
pub use rating::*;
mod rectification;
pub use rectification::*;
mod monthly_report;
pub use monthly_report::*;
mod receipt;
pub use receipt::*;
