//! The repository contract: what the rest of the system may ask of storage, per aggregate.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use qinglian_domain::article::{ArticleInput, Column};
use qinglian_domain::audit::{AuditAction, AuditResult};
use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, UnitInput, VillageInput, ZoneInput};
use qinglian_domain::scope::Reach;

use crate::error::StoreError;
use crate::model::*;

type R<T> = Result<T, StoreError>;

/// Townships, villages, units, zones and staff of the county.
#[async_trait]
pub trait OrgRepo: Send + Sync {
    /// The deployment's county, if one has been set up.
    async fn county(&self) -> R<Option<County>>;
    /// Creates the county or renames it; a deployment serves one county.
    async fn upsert_county(&self, actor: &Actor, input: &CountyInput) -> R<County>;

    async fn list_townships(&self) -> R<Vec<Township>>;
    async fn get_township(&self, id: &str) -> R<Township>;
    async fn create_township(&self, actor: &Actor, input: &TownshipInput) -> R<Township>;
    async fn rename_township(&self, actor: &Actor, id: &str, name: &qinglian_domain::error::Name) -> R<Township>;

    async fn list_villages(&self, filter: &VillageFilter, page: PageRequest) -> R<Paged<Village>>;
    async fn get_village(&self, id: &str) -> R<Village>;
    /// The village's township is found by its code; it must exist.
    async fn create_village(&self, actor: &Actor, input: &VillageInput) -> R<Village>;
    async fn rename_village(&self, actor: &Actor, id: &str, name: &qinglian_domain::error::Name) -> R<Village>;

    async fn list_departments(&self) -> R<Vec<Department>>;
    async fn create_department(&self, actor: &Actor, input: &UnitInput) -> R<Department>;
    async fn list_offices(&self) -> R<Vec<Unit>>;
    async fn create_office(&self, actor: &Actor, input: &UnitInput) -> R<Unit>;
    async fn list_stationed_groups(&self) -> R<Vec<StationedGroup>>;
    async fn get_stationed_group(&self, id: &str) -> R<StationedGroup>;
    /// Creates the group and moves the named departments under it, in one transaction.
    async fn create_stationed_group(
        &self,
        actor: &Actor,
        input: &UnitInput,
        department_ids: &[String],
    ) -> R<StationedGroup>;

    async fn list_zones(&self) -> R<Vec<Zone>>;
    async fn get_zone(&self, id: &str) -> R<Zone>;
    async fn create_zone(&self, actor: &Actor, input: &ZoneInput) -> R<Zone>;
    async fn update_zone(&self, actor: &Actor, id: &str, input: &ZoneInput) -> R<Zone>;

    async fn list_staff(&self, page: PageRequest) -> R<Paged<Staff>>;
    /// Every member of staff, for forms that offer them all.
    async fn all_staff(&self) -> R<Vec<Staff>> {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let p = self
                .list_staff(PageRequest::new(page, PageRequest::MAX_LIMIT as u32))
                .await?;
            let empty = p.items.is_empty();
            all.extend(p.items);
            if empty || all.len() as i64 >= p.total {
                return Ok(all);
            }
            page += 1;
        }
    }
    async fn get_staff(&self, id: &str) -> R<Staff>;
    async fn create_staff(&self, actor: &Actor, input: &StaffInput) -> R<Staff>;
    async fn update_staff(&self, actor: &Actor, id: &str, input: &StaffInput) -> R<Staff>;
}

/// The national division registry and loading a county's org from it.
#[async_trait]
pub trait DivisionRepo: Send + Sync {
    /// Upserts the rows in one transaction: all of them or none.
    async fn import_divisions(
        &self,
        actor: &Actor,
        rows: &[DivisionInput],
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> R<ImportCounts>;
    async fn get_division(&self, code: &str) -> R<Division>;
    async fn division_children(&self, code: &str) -> R<Vec<Division>>;
    async fn count_divisions(&self, level: qinglian_domain::division::DivisionLevel) -> R<i64>;
    /// Makes the registry's county the deployment's county, with all its townships and
    /// villages, in one transaction; re-running changes nothing.
    async fn load_county(&self, actor: &Actor, county_code: &str) -> R<CountyLoad>;
}

/// Portal articles.
#[async_trait]
pub trait ArticleRepo: Send + Sync {
    async fn list_published(&self, column: Option<Column>, page: PageRequest) -> R<Paged<Article>>;
    /// Returns a published article and counts the view.
    async fn view_published(&self, id: &str) -> R<Article>;
    async fn list_articles(&self, page: PageRequest) -> R<Paged<Article>>;
    async fn get_article(&self, id: &str) -> R<Article>;
    async fn create_article(&self, actor: &Actor, input: &ArticleInput) -> R<Article>;
    async fn update_article(&self, actor: &Actor, id: &str, input: &ArticleInput) -> R<Article>;
    async fn set_published(&self, actor: &Actor, id: &str, published: bool, at: DateTime<Utc>) -> R<Article>;
}

/// Claims on scheduled work, so exactly one instance runs a job at a time.
#[async_trait]
pub trait JobRepo: Send + Sync {
    /// Takes the job if nobody holds an unexpired claim and it has not run since
    /// `not_run_since`; true when this owner now holds it.
    async fn claim_job(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        not_run_since: DateTime<Utc>,
    ) -> R<bool>;
    async fn finish_job(&self, name: &str, owner: &str, now: DateTime<Utc>) -> R<()>;
}

/// Accounts and server-side sessions.
#[async_trait]
pub trait AccountRepo: Send + Sync {
    async fn create_account(&self, actor: &Actor, staff_id: &str, username: &str, password_hash: &str) -> R<String>;
    async fn find_account(&self, username: &str) -> R<Option<AccountRow>>;
    async fn list_accounts(&self) -> R<Vec<AccountSummary>>;
    /// Disabling also ends every session of the account.
    async fn set_account_disabled(&self, actor: &Actor, account_id: &str, disabled: bool) -> R<()>;
    /// Replaces the password hash and ends the account's other sessions (all but `keep_session`).
    async fn set_password(
        &self,
        actor: &Actor,
        account_id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> R<()>;
    async fn create_session(
        &self,
        token_hash: &str,
        account_id: &str,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> R<()>;
    /// A session that has passed the password but still owes the second factor (`stage` is
    /// `totp`, or `enrol` with the secret being enrolled).
    async fn create_pending_session(
        &self,
        token_hash: &str,
        account_id: &str,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        stage: SessionStage<'_>,
    ) -> R<()>;
    /// Marks a pending session as fully signed in.
    async fn complete_session(&self, token_hash: &str) -> R<()>;
    /// Sets or clears the account's TOTP secret (clearing also forgets the last step used).
    async fn set_totp_secret(&self, actor: &Actor, account_id: &str, secret: Option<&str>) -> R<()>;
    /// Records that `step` was used; false when it (or a later step) was used before: a replay.
    async fn use_totp_step(&self, account_id: &str, step: i64) -> R<bool>;
    /// Roles that must use the second factor.
    async fn roles_requiring_totp(&self) -> R<Vec<String>>;
    async fn set_role_requires_totp(&self, actor: &Actor, role: &str, required: bool) -> R<()>;
    /// The live session's user; expired or idle sessions are removed and give `None`.
    async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> R<Option<SessionUser>>;
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> R<()>;
    async fn delete_session(&self, token_hash: &str) -> R<()>;
    /// Until when `key` (an account or a client) is locked out, if it is.
    async fn login_locked_until(&self, key: &str, now: DateTime<Utc>) -> R<Option<DateTime<Utc>>>;
    /// Counts a failed sign-in for `key`; failures older than `window` start a new count, and
    /// reaching `limit` locks the key until `now + lock_for`. Returns the lock's end if locked.
    async fn record_login_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        limit: i64,
        lock_for: chrono::Duration,
    ) -> R<Option<DateTime<Utc>>>;
    async fn clear_login_failures(&self, key: &str) -> R<()>;
    /// Forgets throttle counts whose window started before `window_started_before` and that lock
    /// nothing at `now`: for any window shorter than that age, such a row counts as no row.
    /// Returns how many went.
    async fn delete_stale_throttles(&self, window_started_before: DateTime<Utc>, now: DateTime<Utc>) -> R<u64>;
    /// Removes sessions past their absolute expiry or idle since `idle_since`; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>, idle_since: DateTime<Utc>) -> R<u64>;
}

/// The audit trail: append-only; rows leave only through retention.
#[async_trait]
pub trait AuditRepo: Send + Sync {
    /// Records an event that is not itself a write (a sign-in, a refusal, a read of a
    /// protected record).
    async fn record_audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        object_id: Option<&str>,
        result: AuditResult,
        detail: Option<&str>,
    ) -> R<()>;
    async fn list_audit(&self, filter: &AuditFilter, page: PageRequest) -> R<Paged<AuditEvent>>;
    /// Moves the retention cutoff forward and removes the rows older than it; returns how many.
    async fn apply_audit_retention(&self, actor: &Actor, cutoff: DateTime<Utc>) -> R<u64>;
}

/// The tamper-evident log's storage: entries, the nodes proofs need, signed checkpoints.
#[async_trait]
pub trait LedgerRepo: Send + Sync {
    /// Integrated entries (the tree's size).
    async fn ledger_size(&self) -> R<u64>;
    /// Gives up to `limit` pending entries consecutive indexes in commit order, stores the
    /// nodes they complete, and returns the new head. The hash algorithm is fixed the first
    /// time and refused if it differs later.
    async fn integrate_ledger(&self, algorithm: qinglian_ledger::Algorithm, limit: u64) -> R<LedgerHead>;
    /// Whether the log holds at least `size` entries. Answered from memory when this process
    /// has seen it that large (logs only grow), so proofs skip a round trip.
    async fn ledger_has(&self, size: u64) -> R<bool>;
    /// Node hashes of the stored tree, in the order asked; `None` for nodes not (yet) stored.
    /// The upper levels are served from memory; nodes of the lowest levels not cached are
    /// hashed with `algorithm` from their stored leaves (`proof_read`).
    async fn ledger_nodes(
        &self,
        algorithm: qinglian_ledger::Algorithm,
        ids: &[qinglian_ledger::NodeId],
    ) -> R<Vec<Option<[u8; 32]>>>;
    async fn ledger_entries(&self, start: u64, count: u64) -> R<Vec<LedgerEntryRow>>;
    /// The same entries packed into one buffer, as verification reads a whole log: far
    /// cheaper per entry than a row each.
    async fn ledger_entry_pack(&self, start: u64, count: u64) -> R<crate::EntryPack>;
    /// The integrated entries about one object, oldest first: how a record shows its proofs.
    async fn ledger_entries_for(&self, object_id: &str) -> R<Vec<LedgerEntryRow>>;
    async fn save_checkpoint(&self, size: u64, root: &[u8; 32], note: &str) -> R<()>;
    async fn latest_checkpoint(&self) -> R<Option<CheckpointRow>>;
    /// A mark that moves whenever anything changes: every change appends a log entry, and
    /// integrating and signing move the log's size and checkpoint. Equal marks mean a page
    /// rendered from the store is still current (`web::public_cache`).
    async fn ledger_mark(&self) -> R<[i64; 3]>;
    async fn checkpoint_at(&self, size: u64) -> R<Option<CheckpointRow>>;
}

/// Explicit scope grants, and each account's reach resolved from posting, grants and groups.
#[async_trait]
pub trait ScopeRepo: Send + Sync {
    async fn list_scope_grants(&self, account_id: &str) -> R<Vec<ScopeGrant>>;
    /// Records a grant; the target must exist, and the account's role must be allowed grants.
    async fn grant_scope(&self, actor: &Actor, account_id: &str, scope: &qinglian_domain::scope::Scope) -> R<()>;
    async fn revoke_scope(&self, actor: &Actor, account_id: &str, scope: &qinglian_domain::scope::Scope) -> R<()>;
    /// Everything the account reaches: its posting's scope, its grants (zones expanded to
    /// their townships or their groups' departments) and the rounds whose groups it is in.
    async fn reach_of(&self, account_id: &str) -> R<qinglian_domain::scope::Reach>;
}

/// Inspection rounds, their groups and targets, on-site meetings and concerns.
///
/// Reads take the caller's `Reach`: what lies outside it is `NotFound`, never a refusal.
#[async_trait]
pub trait InspectionRepo: Send + Sync {
    async fn list_rounds(&self, reach: &Reach) -> R<Vec<Round>>;
    async fn get_round(&self, reach: &Reach, id: &str) -> R<Round>;
    async fn create_round(&self, actor: &Actor, input: &qinglian_domain::inspection::RoundInput) -> R<Round>;
    async fn list_groups(&self, reach: &Reach, round_id: &str) -> R<Vec<InspectionGroup>>;
    /// Creates a group; the leader is a member too. Members must be inspection staff.
    async fn create_group(
        &self,
        actor: &Actor,
        round_id: &str,
        name: &qinglian_domain::error::Name,
        leader_staff_id: &str,
        member_ids: &[String],
    ) -> R<InspectionGroup>;
    async fn list_targets(&self, reach: &Reach, round_id: &str) -> R<Vec<Target>>;
    /// Makes the villages targets of the group, refusing any that breaks recusal or is
    /// already another group's target in the round; all or nothing.
    async fn assign_targets(&self, actor: &Actor, round_id: &str, group_id: &str, village_ids: &[String]) -> R<u64>;
    async fn list_meetings(&self, reach: &Reach, round_id: Option<&str>) -> R<Vec<Meeting>>;
    async fn get_meeting(&self, reach: &Reach, id: &str) -> R<Meeting>;
    /// Looks a meeting up for the public form (it says only where and when).
    async fn public_meeting(&self, id: &str) -> R<Meeting>;
    /// Schedules a meeting in a round the caller reaches (another round is `NotFound`).
    async fn create_meeting(
        &self,
        actor: &Actor,
        reach: &Reach,
        input: &qinglian_domain::inspection::MeetingInput,
    ) -> R<Meeting>;
    async fn record_meeting(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        attendance: &str,
        minutes: &str,
        publish_minutes: bool,
    ) -> R<Meeting>;
    async fn list_categories(&self) -> R<Vec<Category>>;
    async fn create_category(&self, actor: &Actor, code: &str, name: &qinglian_domain::error::Name) -> R<Category>;
    /// Logs a concern with the hash of its receipt code; a meeting's concern takes the
    /// meeting's round and must be about its village. `now` is when it was raised.
    async fn create_concern(
        &self,
        actor: &Actor,
        input: &qinglian_domain::inspection::ConcernInput,
        source: qinglian_domain::inspection::ConcernSource,
        receipt_hash: &str,
        unit_name: &str,
        now: DateTime<Utc>,
    ) -> R<Concern>;
    /// A villager's concern from the public form, charged to the client's `allowance` with
    /// it: a client past its allowance gets `Throttled` and nothing is written. PostgreSQL
    /// keeps the count in the throttle table, in the same transaction; SQLite's writer keeps
    /// it in memory, kept only once the concern's COMMIT is durable, and forgets it at a
    /// restart (`concern_batch`).
    async fn create_public_concern(
        &self,
        actor: &Actor,
        input: &qinglian_domain::inspection::ConcernInput,
        place: &crate::model::MeetingPlace,
        receipt_hash: &str,
        allowance: &crate::model::Allowance,
        now: DateTime<Utc>,
    ) -> R<Concern>;
    /// Where a meeting is held (what a public submission to it is about), with the name of
    /// the category the submission names; `NotFound` for an unknown meeting.
    async fn meeting_place(&self, meeting_id: &str, category_id: &str) -> R<crate::model::MeetingPlace>;
    async fn list_concerns(&self, reach: &Reach, filter: &ConcernFilter, page: PageRequest) -> R<Paged<Concern>>;
    async fn get_concern(&self, reach: &Reach, id: &str) -> R<Concern>;
    async fn concern_events(&self, reach: &Reach, id: &str) -> R<Vec<ConcernEvent>>;
    /// Who raised the concern; the read is recorded in the audit trail.
    async fn read_complainant(&self, actor: &Actor, reach: &Reach, id: &str) -> R<Complainant>;
    /// Takes a step by staff or a department, in order, refusing it with the rule it breaks.
    /// `expected_version` guards against two people answering at once.
    #[allow(clippy::too_many_arguments)]
    async fn step_concern(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        expected_version: Option<i64>,
        step: &qinglian_domain::inspection::ConcernStep,
        by: &StepBy<'_>,
        now: DateTime<Utc>,
    ) -> R<Concern>;
    /// The concern behind a receipt, with its history, for the villager.
    async fn concern_by_receipt(&self, receipt_hash: &str) -> R<(Concern, Vec<ConcernEvent>)>;
    /// A receipt look-up in one round trip: the lock-out of `throttle_key` (whatever the
    /// receipt), and the concern behind the receipt with its history and log entries.
    async fn follow_receipt(&self, receipt_hash: &str, throttle_key: &str) -> R<ReceiptRead>;
    /// The villager confirms or reopens their concern.
    async fn villager_step(
        &self,
        actor: &Actor,
        receipt_hash: &str,
        step: &qinglian_domain::inspection::ConcernStep,
        now: DateTime<Utc>,
    ) -> R<Concern>;
    /// Every concern of a round as its statistics see it (the round must be within reach).
    async fn concern_facts(&self, reach: &Reach, round_id: &str) -> R<Vec<qinglian_domain::inspection::ConcernFact>>;
    /// Overdue concerns within reach, counted per department, township and inspection group
    /// (the escalation lists), largest first.
    async fn overdue_summary(&self, reach: &Reach, today: chrono::NaiveDate) -> R<Vec<OverdueCount>>;
    /// The public register: counts for a round or a meeting, without personal data.
    async fn register(&self, round_id: Option<&str>, meeting_id: Option<&str>, today: chrono::NaiveDate)
    -> R<Register>;
}

/// Clues, cases, their cross-handling teams and remote interviews. Every read of one record is
/// audited; a record placed in the caller's own township is `NotFound` whatever their reach.
#[async_trait]
pub trait CaseRepo: Send + Sync {
    async fn list_clues(&self, actor: &Actor, reach: &Reach, filter: &ClueFilter, page: PageRequest) -> R<Paged<Clue>>;
    async fn get_clue(&self, actor: &Actor, reach: &Reach, id: &str) -> R<ClueDetail>;
    async fn create_clue(&self, actor: &Actor, input: &qinglian_domain::case::ClueInput) -> R<Clue>;
    /// Records a disposition; `CaseOpened` opens the case in the same transaction.
    #[allow(clippy::too_many_arguments)]
    async fn dispose_clue(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        expected_version: Option<i64>,
        disposition: qinglian_domain::case::Disposition,
        note: &qinglian_domain::inspection::Text,
        today: chrono::NaiveDate,
    ) -> R<Clue>;
    /// Adds a member to a clue's cross-handling team; never someone of the clue's township.
    async fn add_team_member(&self, actor: &Actor, reach: &Reach, clue_id: &str, staff_id: &str) -> R<()>;
    async fn list_cases(&self, actor: &Actor, reach: &Reach, page: PageRequest) -> R<Paged<CaseFile>>;
    async fn get_case(&self, actor: &Actor, reach: &Reach, id: &str) -> R<CaseFile>;

    /// Plans an interview; investigators must be on the case's team. `sealed_identity` is the
    /// protected witness's real identity, already sealed by the caller.
    async fn plan_interview(
        &self,
        actor: &Actor,
        reach: &Reach,
        case_id: &str,
        plan: &qinglian_domain::interview::PlanInput,
        sealed_identity: Option<&str>,
    ) -> R<Interview>;
    async fn list_interviews(&self, actor: &Actor, reach: &Reach, case_id: &str) -> R<Vec<Interview>>;
    async fn get_interview(&self, actor: &Actor, reach: &Reach, id: &str) -> R<InterviewDetail>;
    /// Takes one act of the procedure, judged by `interview::next`.
    async fn interview_act(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        act: &qinglian_domain::interview::Act,
        now: DateTime<Utc>,
    ) -> R<InterviewDetail>;
    /// Saves the transcript as a new version when it changed since `base`; a stale base is a
    /// conflict, a frozen transcript is refused.
    async fn save_transcript(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        base: i64,
        entries: &[qinglian_domain::interview::QaEntry],
        now: DateTime<Utc>,
    ) -> R<TranscriptVersion>;
    async fn transcript_versions(&self, actor: &Actor, reach: &Reach, id: &str) -> R<Vec<TranscriptVersion>>;
    async fn attach_interview_file(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        evidence_file_id: &str,
        kind: &str,
    ) -> R<()>;
    /// The sealed real identity of a protected witness, for a reasoned and audited reveal.
    async fn reveal_witness(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        reason: &qinglian_domain::inspection::Text,
    ) -> R<String>;
}

/// Evidence files, their uploads in progress and their chain of custody.
///
/// A file record exists only once its bytes are stored and hashed; it is written with its
/// intake custody event, audit row and log entry in one transaction, and never changes.
#[async_trait]
pub trait EvidenceRepo: Send + Sync {
    async fn create_upload(&self, upload: &crate::evidence::EvidenceUpload) -> R<()>;
    /// The upload, if `account_id` started it; anyone else's is `NotFound`.
    async fn get_upload(&self, account_id: &str, id: &str) -> R<crate::evidence::EvidenceUpload>;
    /// Records the offset acknowledged to the client (its bytes are already on disk).
    async fn set_upload_offset(&self, id: &str, offset: i64, expires_at: DateTime<Utc>) -> R<()>;
    async fn delete_upload(&self, id: &str) -> R<()>;
    async fn expired_uploads(&self, now: DateTime<Utc>) -> R<Vec<crate::evidence::EvidenceUpload>>;
    async fn upload_ids(&self) -> R<Vec<String>>;
    /// Records a completed upload as evidence, in one transaction: the blob (once per
    /// content), the file, its intake custody event, audit row and log entry (which carries
    /// both digests and the size), and the end of the upload `upload_id`.
    async fn record_intake(
        &self,
        actor: &Actor,
        upload_id: Option<&str>,
        new: &crate::evidence::NewEvidence,
    ) -> R<crate::evidence::EvidenceFile>;
    async fn list_evidence(
        &self,
        viewer: &crate::evidence::EvidenceViewer<'_>,
        page: PageRequest,
    ) -> R<Paged<crate::evidence::EvidenceFile>>;
    /// One file, if the viewer may see it; otherwise `NotFound`.
    async fn get_evidence(
        &self,
        viewer: &crate::evidence::EvidenceViewer<'_>,
        id: &str,
    ) -> R<crate::evidence::EvidenceFile>;
    /// Every file, in id order, a page at a time (for verification and export).
    async fn evidence_after(&self, after: Option<&str>, limit: i64) -> R<Vec<crate::evidence::EvidenceFile>>;
    /// Distinct blobs behind the files and their bytes.
    async fn evidence_totals(&self) -> R<crate::evidence::EvidenceTotals>;
    /// Appends a custody event with its audit row and log entry, in one transaction.
    async fn record_custody(
        &self,
        actor: &Actor,
        file_id: &str,
        kind: qinglian_domain::evidence::CustodyKind,
        detail: Option<&str>,
    ) -> R<()>;
    async fn custody_events(&self, file_id: &str) -> R<Vec<crate::evidence::CustodyEvent>>;
}

/// Cross-handling: declared ties, involvement, teams formed through the recusal engine,
/// overrides with a second approver, proposals from the assignment engine, and the county's
/// authorisation of a team. Every write is audited and ledgered in its transaction; reads of a
/// clue's board or proposals are audited; a clue of the caller's own township is `NotFound`.
#[async_trait]
pub trait CrossHandlingRepo: Send + Sync {
    /// Records a tie the acting member of staff declares for themself.
    async fn declare_tie(&self, actor: &Actor, tie: &qinglian_domain::cross_handling::TieDeclaration) -> R<StaffTie>;
    /// The acting member of staff's own declarations.
    async fn my_ties(&self, actor: &Actor) -> R<Vec<StaffTie>>;
    /// Everyone's declarations, for case managers (audited).
    async fn all_ties(&self, actor: &Actor) -> R<Vec<StaffTie>>;
    /// Records that `staff_id` dealt with a person before.
    async fn record_involvement(
        &self,
        actor: &Actor,
        staff_id: &str,
        person_name: &qinglian_domain::error::Name,
        person_unit: &qinglian_domain::error::Name,
        note: &str,
    ) -> R<InvolvementRecord>;
    /// The team form of a clue: every candidate with the rules that keep them off it.
    async fn team_board(&self, actor: &Actor, reach: &Reach, clue_id: &str) -> R<TeamBoard>;
    /// Sets a clue's team to exactly `staff_ids`, refused with every broken rule named.
    async fn form_team(&self, actor: &Actor, reach: &Reach, clue_id: &str, staff_ids: &[String]) -> R<()>;
    /// Asks to waive one rule for one member on one clue, with a reason.
    async fn request_override(
        &self,
        actor: &Actor,
        reach: &Reach,
        clue_id: &str,
        staff_id: &str,
        exclusion: qinglian_domain::recusal::Exclusion,
        reason: &str,
    ) -> R<RecusalOverride>;
    /// Approves a pending override: the approver is neither the requester nor the member.
    async fn approve_override(&self, actor: &Actor, reach: &Reach, override_id: &str) -> R<RecusalOverride>;
    /// Proposes teams of `team_size` for every open clue in reach that has none.
    async fn propose_teams(&self, actor: &Actor, reach: &Reach, team_size: std::num::NonZeroU32) -> R<TeamProposals>;
    /// Forms every proposed team (through `form_team`); returns how many clues got one.
    async fn form_proposed_teams(&self, actor: &Actor, reach: &Reach, team_size: std::num::NonZeroU32) -> R<usize>;
    /// Issues the authorisation of a clue's current (valid) team.
    async fn issue_authorisation(
        &self,
        actor: &Actor,
        reach: &Reach,
        clue_id: &str,
        input: &qinglian_domain::cross_handling::AuthorisationInput,
    ) -> R<Authorisation>;
    /// One authorisation (audited read).
    async fn get_authorisation(&self, actor: &Actor, reach: &Reach, id: &str) -> R<Authorisation>;
    /// The latest authorisation of a clue in force on `on`, for acts of its team (unaudited:
    /// callers are within a write that is).
    async fn authorisation_for(&self, clue_id: &str, on: chrono::NaiveDate) -> R<Option<Authorisation>>;
    /// Records the authorisation an interview is held under; refused with the rule named when
    /// it is for another case, out of its dates, or does not name the investigators.
    async fn authorise_interview(
        &self,
        actor: &Actor,
        reach: &Reach,
        interview_id: &str,
        authorisation_id: &str,
        on: chrono::NaiveDate,
    ) -> R<Authorisation>;
}

/// A zone's joint meeting: the convener rotation, meetings, and the conveners' term reports.
#[async_trait]
pub trait ZoneGovernanceRepo: Send + Sync {
    async fn get_rotation(&self, zone_id: &str) -> R<Option<ZoneRotation>>;
    /// Replaces the zone's convener order; everyone in it must pass `convener::check_convener`.
    async fn set_rotation(
        &self,
        actor: &Actor,
        zone_id: &str,
        rotation: &qinglian_domain::zone_governance::Rotation,
    ) -> R<ZoneRotation>;
    /// The convener of each quarter from `from`, with their report's state.
    async fn convener_calendar(
        &self,
        zone_id: &str,
        from: qinglian_domain::zone_governance::Quarter,
        count: usize,
    ) -> R<Vec<CalendarSlot>>;
    async fn list_joint_meetings(&self, zone_id: &str) -> R<Vec<JointMeeting>>;
    /// Records a held meeting; attendees must be the zone's secretaries or group heads.
    async fn record_joint_meeting(
        &self,
        actor: &Actor,
        zone_id: &str,
        input: &qinglian_domain::zone_governance::JointMeetingInput,
    ) -> R<JointMeeting>;
    /// What the zone did in a quarter: the figures a term report is drafted from.
    async fn term_figures(
        &self,
        zone_id: &str,
        quarter: qinglian_domain::zone_governance::Quarter,
    ) -> R<qinglian_domain::zone_governance::TermFigures>;
    async fn get_term_report(
        &self,
        zone_id: &str,
        quarter: qinglian_domain::zone_governance::Quarter,
    ) -> R<Option<TermReport>>;
    async fn list_term_reports(&self, zone_id: &str) -> R<Vec<TermReport>>;
    /// Saves the quarter's convener's report (only theirs, only from the term's last month),
    /// and submits it when `submit`; a submitted report is final. `expected_version` guards
    /// against a stale edit.
    #[allow(clippy::too_many_arguments)]
    async fn save_term_report(
        &self,
        actor: &Actor,
        zone_id: &str,
        quarter: qinglian_domain::zone_governance::Quarter,
        body: &qinglian_domain::inspection::Text,
        submit: bool,
        expected_version: Option<i64>,
        today: chrono::NaiveDate,
    ) -> R<TermReport>;
}

/// Campaigns and the records their statistics are made of.
#[async_trait]
pub trait CampaignRepo: Send + Sync {
    async fn list_campaigns(&self) -> R<Vec<Campaign>>;
    async fn get_campaign(&self, id: &str) -> R<Campaign>;
    async fn create_campaign(&self, actor: &Actor, input: &qinglian_domain::campaign::CampaignInput) -> R<Campaign>;
    async fn record_finding(&self, actor: &Actor, input: &qinglian_domain::campaign::FindingInput) -> R<Finding>;
    async fn list_findings(&self, campaign_id: &str) -> R<Vec<Finding>>;
    /// Records a handling; one tied to a case takes the case's township, and a case outside
    /// the caller's reach (or in their own township) is `NotFound`.
    async fn record_handling(
        &self,
        actor: &Actor,
        reach: &Reach,
        input: &qinglian_domain::campaign::HandlingInput,
    ) -> R<Handling>;
    async fn list_handlings(&self, campaign_id: Option<&str>, year: Option<i32>) -> R<Vec<Handling>>;
    /// Every fact of a period, placed in its unit, without personal data.
    async fn stat_facts(&self, period: &qinglian_domain::campaign::Period) -> R<qinglian_domain::campaign::StatFacts>;
}

/// The village integrity rating: versioned frameworks, assessment periods, their values,
/// grades, reviews and publication. Reads take the caller's `Reach`: a village outside it is
/// `NotFound`, and its values are neither shown nor written.
#[async_trait]
pub trait RatingRepo: Send + Sync {
    /// The latest framework version, if one was saved.
    async fn current_framework(&self) -> R<Option<FrameworkVersion>>;
    async fn get_framework(&self, id: &str) -> R<FrameworkVersion>;
    /// Saves the framework as a new version (versions are never edited), refused with the rule
    /// named when it is invalid or while a period is not yet published.
    async fn save_framework(
        &self,
        actor: &Actor,
        framework: &qinglian_domain::rating::Framework,
    ) -> R<FrameworkVersion>;
    /// Every period, newest first.
    async fn list_periods(&self) -> R<Vec<RatingPeriod>>;
    async fn get_period(&self, id: &str) -> R<RatingPeriod>;
    /// Opens a period under the framework in force; one period is in progress at a time.
    async fn open_period(&self, actor: &Actor, input: &qinglian_domain::rating::PeriodInput) -> R<RatingPeriod>;
    /// The villages within reach, by division code.
    async fn rating_villages(&self, reach: &Reach) -> R<Vec<RatingVillage>>;
    /// The period's values for the villages within reach.
    async fn period_values(&self, reach: &Reach, period_id: &str) -> R<Vec<RatingValue>>;
    /// Saves entered values (all or none) while the period is open; a village outside reach is
    /// `NotFound`. The period's results become stale until it is graded again.
    async fn save_values(
        &self,
        actor: &Actor,
        reach: &Reach,
        period_id: &str,
        source: ValueSource,
        entries: &[ValueEntry],
    ) -> R<u64>;
    /// Fills in the values the system knows, grades every village with the period's framework
    /// (with the sensitivity check), and stores the results; adjustments are kept.
    async fn grade_period(&self, actor: &Actor, period_id: &str) -> R<RatingPeriod>;
    async fn period_results(&self, reach: &Reach, period_id: &str) -> R<Vec<RatingResult>>;
    async fn get_result(&self, reach: &Reach, id: &str) -> R<RatingResult>;
    /// A reviewer's grade with its reason, beside the computed one, until publication.
    async fn adjust_grade(
        &self,
        actor: &Actor,
        reach: &Reach,
        result_id: &str,
        adjustment: &qinglian_domain::rating::Adjustment,
    ) -> R<RatingResult>;
    /// The review (研判): freezes the values of a period graded from its current values.
    async fn confirm_period(&self, actor: &Actor, id: &str) -> R<RatingPeriod>;
    /// Publishes a confirmed period; its grades never change afterwards.
    async fn publish_period(&self, actor: &Actor, id: &str) -> R<RatingPeriod>;
    /// The C villages of a published period (any other period is `NotFound`).
    async fn public_c_villages(&self, period_id: &str) -> R<Vec<PublicCVillage>>;
    /// What the public notice shows of a published period (any other period is `NotFound`):
    /// its counts, its C villages and the items of every plan of each of them.
    async fn public_rating(&self, period_id: &str) -> R<PublicRating>;
}

/// Rectification orders (督改单): drafted by a township, issued once its party secretary and its
/// discipline secretary have both signed, followed up until verified. Every object outside the
/// caller's reach is `NotFound`.
#[async_trait]
pub trait RectificationRepo: Send + Sync {
    /// Who the county recorded as the township's party secretary, if anyone.
    async fn party_secretary(&self, township_id: &str) -> R<Option<TownshipPost>>;
    /// Records the township's party secretary (replacing the previous holder): someone posted
    /// there who is not its discipline secretary (`order::check_party_secretary`).
    async fn set_party_secretary(&self, actor: &Actor, township_id: &str, staff_id: &str) -> R<TownshipPost>;
    async fn list_rectification_orders(
        &self,
        reach: &Reach,
        filter: &RectificationFilter,
        today: chrono::NaiveDate,
        page: PageRequest,
    ) -> R<Paged<RectificationOrderSummary>>;
    /// One order; the read is audited.
    async fn get_rectification_order(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        today: chrono::NaiveDate,
    ) -> R<RectificationOrder>;
    /// Drafts an order for a village within reach (another township's village is unknown),
    /// numbered within its township and year.
    async fn draft_rectification_order(
        &self,
        actor: &Actor,
        reach: &Reach,
        input: &qinglian_domain::rectification::order::OrderInput,
        today: chrono::NaiveDate,
    ) -> R<RectificationOrder>;
    /// Signs the order in the post the actor holds in its township (`order::sign`); the
    /// second post's signature issues it. A stale `expected_version` is a conflict.
    async fn sign_rectification_order(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        expected_version: Option<i64>,
        today: chrono::NaiveDate,
    ) -> R<RectificationOrder>;
    /// Adds a follow-up record (`order::follow_up`); a verified completion completes the order.
    #[allow(clippy::too_many_arguments)]
    async fn follow_up_rectification_order(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        kind: qinglian_domain::rectification::order::FollowUpKind,
        body: &qinglian_domain::inspection::Text,
        expected_version: Option<i64>,
        today: chrono::NaiveDate,
    ) -> R<RectificationOrder>;

    /// Village plans (一村一方案) within reach, with their progress.
    async fn list_village_plans(&self, reach: &Reach, today: chrono::NaiveDate) -> R<Vec<VillagePlanSummary>>;
    async fn get_village_plan(&self, reach: &Reach, id: &str, today: chrono::NaiveDate) -> R<VillagePlan>;
    /// Opens a plan for a village within reach (another township's village is unknown).
    /// `opened_at` is when it was opened: its month is the first that owes a monthly report.
    async fn create_village_plan(
        &self,
        actor: &Actor,
        reach: &Reach,
        input: &qinglian_domain::rectification::item::PlanInput,
        opened_at: DateTime<Utc>,
    ) -> R<VillagePlan>;
    /// Adds an item; its owner must be posted to the plan's township.
    async fn add_rectification_item(
        &self,
        actor: &Actor,
        reach: &Reach,
        plan_id: &str,
        input: &qinglian_domain::rectification::item::ItemInput,
        today: chrono::NaiveDate,
    ) -> R<VillagePlan>;
    /// Takes a step on an item (`item::next`): the owner submits, a holder of one of the
    /// township's two posts supervises. A stale `expected_version` is a conflict.
    async fn act_on_rectification_item(
        &self,
        actor: &Actor,
        reach: &Reach,
        item_id: &str,
        act: &qinglian_domain::rectification::item::ItemAct,
        expected_version: Option<i64>,
        today: chrono::NaiveDate,
    ) -> R<VillagePlan>;
    /// Whether the actor may take in an evidence file for the item now: its owner, while it
    /// awaits them (`item::owner_may_submit`); an item out of reach is not found.
    async fn item_file_allowed(&self, actor: &Actor, reach: &Reach, item_id: &str) -> R<()>;
    /// An evidence file handed in on the item, for those who may read its plan; a file not
    /// handed in on it, or an item out of reach, is not found.
    async fn item_evidence(&self, reach: &Reach, item_id: &str, file_id: &str) -> R<crate::evidence::EvidenceFile>;
}

/// Monthly reports (月度汇报) of village plans to the township's party secretary: the months a
/// plan owes (`rectification::report`), filing, hearing, and the archive. A plan or report
/// outside the caller's reach is `NotFound`.
#[async_trait]
pub trait MonthlyReportRepo: Send + Sync {
    /// Every month the plan owes on `today` with its status, a month without a report included.
    async fn monthly_report_schedule(
        &self,
        reach: &Reach,
        plan_id: &str,
        today: chrono::NaiveDate,
    ) -> R<MonthlyReportSchedule>;
    /// The months past their due day without a report, of every plan within reach, oldest first.
    async fn overdue_monthly_reports(&self, reach: &Reach, today: chrono::NaiveDate) -> R<Vec<OverdueMonthlyReport>>;
    /// Files the month's report (`report::check_filing`): a liaison posted to the plan's
    /// township, an ended month the plan owes, once. `now` is when it was filed.
    async fn file_monthly_report(
        &self,
        actor: &Actor,
        reach: &Reach,
        plan_id: &str,
        month: qinglian_domain::rectification::report::ReportMonth,
        sections: &qinglian_domain::rectification::report::Sections,
        now: DateTime<Utc>,
    ) -> R<MonthlyReport>;
    /// Records the hearing (`report::check_hearing`): the township's party secretary, not the
    /// filer, once; the report is archived from then on.
    async fn hear_monthly_report(
        &self,
        actor: &Actor,
        reach: &Reach,
        id: &str,
        remarks: &qinglian_domain::inspection::Text,
        now: DateTime<Utc>,
    ) -> R<MonthlyReport>;
    /// One report; the read is audited.
    async fn get_monthly_report(&self, actor: &Actor, reach: &Reach, id: &str) -> R<MonthlyReport>;
}

/// Everything the application stores.
#[async_trait]
pub trait Store:
    OrgRepo
    + DivisionRepo
    + ArticleRepo
    + JobRepo
    + AccountRepo
    + AuditRepo
    + LedgerRepo
    + ScopeRepo
    + InspectionRepo
    + CaseRepo
    + EvidenceRepo
    + CrossHandlingRepo
    + ZoneGovernanceRepo
    + CampaignRepo
    + RatingRepo
    + RectificationRepo
    + MonthlyReportRepo
{
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for readiness.
    async fn ping(&self) -> R<()>;
}
