//! Records of cross-handling: declared ties, involvement, overrides, team boards, proposals
//! and authorisations, as the store returns them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Clue, TeamMember};

/// A tie one member of staff declared.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StaffTie {
    pub id: String,
    pub staff_id: String,
    pub staff_name: String,
    /// `kinship`, `former_colleague` or `same_village`.
    pub kind: String,
    /// `person` or `village`.
    pub target_kind: String,
    pub person_name: Option<String>,
    pub person_unit: Option<String>,
    pub village_id: Option<String>,
    pub village_name: Option<String>,
    pub note: String,
    pub declared_at: DateTime<Utc>,
}

/// An explicit record that a member of staff dealt with a person before.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InvolvementRecord {
    pub id: String,
    pub staff_id: String,
    pub staff_name: String,
    pub person_name: String,
    pub person_unit: String,
    pub note: String,
    pub recorded_at: DateTime<Utc>,
}

/// A request to waive one recusal rule for one member on one clue; in force once approved.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RecusalOverride {
    pub id: String,
    pub clue_id: String,
    pub staff_id: String,
    pub staff_name: String,
    /// The rule's catalogue key, e.g. `recusal.tie_former_colleague`.
    pub exclusion: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// One member of staff as the team form shows them for a clue.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    pub staff_id: String,
    pub name: String,
    pub role: String,
    pub home_township_name: Option<String>,
    pub posting_unit_name: Option<String>,
    pub zone_name: Option<String>,
    /// From the clue's zone.
    pub in_zone: bool,
    /// Open clues and cases on their teams now.
    pub load: u32,
    pub on_team: bool,
    /// Recusal rules that keep them off this clue (catalogue keys), after approved overrides.
    pub exclusions: Vec<String>,
    /// Rules waived for them on this clue by approved overrides.
    pub waived: Vec<String>,
    /// Rules that could be waived by an override (the others never can).
    pub waivable: Vec<String>,
}

/// The team form of a clue: its team, every candidate with their exclusions, the overrides
/// asked for and granted, and the authorisations issued.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TeamBoard {
    pub clue: Clue,
    pub zone_name: Option<String>,
    pub team: Vec<TeamMember>,
    pub candidates: Vec<Candidate>,
    pub overrides: Vec<RecusalOverride>,
    pub authorisations: Vec<AuthorisationRow>,
}

/// A proposed member and why the place suits them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProposedMember {
    pub staff_id: String,
    pub name: String,
    pub posting_unit_name: Option<String>,
    pub in_zone: bool,
    pub load_before: u32,
    pub load_after: u32,
}

/// Staff kept off a clue for one reason.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ExcludedGroup {
    /// The rule's catalogue key.
    pub rule: String,
    pub names: Vec<String>,
}

/// The proposal for one clue: a team, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ClueProposal {
    pub clue: Clue,
    pub members: Vec<ProposedMember>,
    /// Why no team (`assignment.*` key), when none.
    pub unstaffed: Option<String>,
    /// Staff passing recusal, and the team size needed.
    pub eligible: u32,
    pub needed: u32,
    pub excluded: Vec<ExcludedGroup>,
}

/// Teams proposed for every open clue without one.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TeamProposals {
    pub team_size: u32,
    pub staff_considered: usize,
    pub clues: Vec<ClueProposal>,
    /// The engine's cost (load balance and out-of-zone places); lower is better.
    pub cost: i64,
    pub solve_ms: u64,
}

/// An authorisation (授权) as issued.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuthorisationRow {
    pub id: String,
    pub number: String,
    pub clue_id: String,
    pub clue_number: String,
    pub township_id: String,
    pub township_name: String,
    pub subject_name: String,
    pub subject_unit: String,
    pub mandate: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub issued_by_name: Option<String>,
    pub issued_at: DateTime<Utc>,
}

/// An authorisation with the team it names.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Authorisation {
    pub authorisation: AuthorisationRow,
    pub members: Vec<TeamMember>,
}
