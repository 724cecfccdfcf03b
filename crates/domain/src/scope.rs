//! What part of the county a user's work reaches: the one place scope rules live.
//!
//! A role says what a user may do (`access`); a scope says on which objects. Scopes come from
//! the user's posting (a township secretary reaches their township) and from explicit grants
//! an administrator records (a zone, a department, an inspection round, a case). Objects
//! outside the reach are answered as not found, so ids leak nothing.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::error::Invalid;
use crate::role::{PostingKind, Role};

/// The kinds of scope a grant can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// The whole county.
    County,
    /// A collaboration zone: its townships, or the departments of its stationed groups.
    Zone,
    Township,
    Department,
    /// An inspection round: its target villages and their concerns.
    InspectionRound,
    /// One clue or case.
    Case,
}

impl ScopeKind {
    pub const ALL: [ScopeKind; 6] = [
        Self::County,
        Self::Zone,
        Self::Township,
        Self::Department,
        Self::InspectionRound,
        Self::Case,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Zone => "zone",
            Self::Township => "township",
            Self::Department => "department",
            Self::InspectionRound => "inspection_round",
            Self::Case => "case",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "scope.unknown_kind", Some(raw)))
    }

    /// Whether a grant of this kind names an object (all but the county).
    pub const fn needs_target(self) -> bool {
        !matches!(self, Self::County)
    }
}

/// One scope: a kind and, except for the county, the object it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Scope {
    pub kind: ScopeKind,
    pub target_id: Option<String>,
}

impl Scope {
    pub fn county() -> Self {
        Self {
            kind: ScopeKind::County,
            target_id: None,
        }
    }

    pub fn of(kind: ScopeKind, target_id: impl Into<String>) -> Self {
        Self {
            kind,
            target_id: Some(target_id.into()),
        }
    }

    /// A grant as an administrator enters it.
    pub fn parse(kind: &str, target_id: &str) -> Result<Self, Invalid> {
        let kind = ScopeKind::parse("kind", kind)?;
        let target = target_id.trim();
        match (kind.needs_target(), target.is_empty()) {
            (true, true) => Err(Invalid::field("target_id", "scope.target_missing", None)),
            (false, false) => Err(Invalid::field("target_id", "scope.target_unexpected", Some(target))),
            (true, false) => Ok(Self::of(kind, target)),
            (false, true) => Ok(Self::county()),
        }
    }
}

/// The scopes a role has by its posting alone, before any grant.
///
/// The system administrator and the auditor reach no case content at all (separation of
/// duties); an inspection group member reaches the rounds whose groups they are in, which the
/// store adds from the groups themselves.
pub fn posting_scopes(role: Role, posting_kind: PostingKind, posting_unit_id: Option<&str>) -> Vec<Scope> {
    use Role::*;
    match role {
        CommissionLeader | CaseManager | SupervisionOffice => vec![Scope::county()],
        TownshipSecretary | VillageLiaison | StationedGroupHead | DepartmentOfficer => {
            let kind = match posting_kind {
                PostingKind::Township => ScopeKind::Township,
                PostingKind::Department => ScopeKind::Department,
                // A stationed group reaches the departments it supervises; the store expands it.
                PostingKind::StationedGroup => ScopeKind::Department,
                PostingKind::Commission => return Vec::new(),
            };
            posting_unit_id.map(|id| vec![Scope::of(kind, id)]).unwrap_or_default()
        }
        InspectionGroupMember | Auditor | SystemAdmin => Vec::new(),
    }
}

/// Whether the role may hold scoped grants at all: the administrator and the auditor may not,
/// since a grant would let them read what separation of duties keeps from them.
pub fn may_hold_grants(role: Role) -> bool {
    !matches!(role, Role::SystemAdmin | Role::Auditor)
}

/// A user's scopes resolved to the objects they reach, for filtering lists and checking reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reach {
    pub county: bool,
    pub townships: BTreeSet<String>,
    pub departments: BTreeSet<String>,
    pub rounds: BTreeSet<String>,
    pub cases: BTreeSet<String>,
    /// The user's own townships (home and posting): never reached for clues and cases,
    /// whatever else the user holds (`case::reaches_case`).
    pub own_townships: BTreeSet<String>,
}

impl Reach {
    pub fn everything() -> Self {
        Self {
            county: true,
            ..Self::default()
        }
    }

    pub fn covers_township(&self, id: &str) -> bool {
        self.county || self.townships.contains(id)
    }

    pub fn covers_department(&self, id: &str) -> bool {
        self.county || self.departments.contains(id)
    }

    pub fn covers_round(&self, id: &str) -> bool {
        self.county || self.rounds.contains(id)
    }

    pub fn covers_case(&self, id: &str) -> bool {
        self.county || self.cases.contains(id)
    }

    /// Whether a record placed in a round, a township and (perhaps) with a department is
    /// within reach: any one of the three suffices.
    pub fn covers_any(&self, round_id: Option<&str>, township_id: Option<&str>, department_id: Option<&str>) -> bool {
        self.county
            || round_id.is_some_and(|r| self.rounds.contains(r))
            || township_id.is_some_and(|t| self.townships.contains(t))
            || department_id.is_some_and(|d| self.departments.contains(d))
    }

    /// Whether the user reaches nothing at all.
    pub fn is_empty(&self) -> bool {
        !self.county
            && self.townships.is_empty()
            && self.departments.is_empty()
            && self.rounds.is_empty()
            && self.cases.is_empty()
    }

    /// The township ids as a JSON array, for SQL that filters with `json_each`/`jsonb`.
    pub fn ids_json(set: &BTreeSet<String>) -> String {
        let mut out = String::from("[");
        for (i, id) in set.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            // Ids are uuids or codes; anything else is dropped rather than escaped.
            out.extend(id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-'));
            out.push('"');
        }
        out.push(']');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_give_the_expected_scopes() {
        assert_eq!(
            posting_scopes(Role::CaseManager, PostingKind::Commission, None),
            vec![Scope::county()]
        );
        assert_eq!(
            posting_scopes(Role::TownshipSecretary, PostingKind::Township, Some("t1")),
            vec![Scope::of(ScopeKind::Township, "t1")]
        );
        assert_eq!(
            posting_scopes(Role::DepartmentOfficer, PostingKind::Department, Some("d1")),
            vec![Scope::of(ScopeKind::Department, "d1")]
        );
        assert!(posting_scopes(Role::SystemAdmin, PostingKind::Commission, None).is_empty());
        assert!(posting_scopes(Role::Auditor, PostingKind::Commission, None).is_empty());
        assert!(!may_hold_grants(Role::SystemAdmin));
        assert!(may_hold_grants(Role::InspectionGroupMember));
    }

    #[test]
    fn grants_name_their_target_and_only_when_needed() {
        assert_eq!(Scope::parse("county", ""), Ok(Scope::county()));
        assert_eq!(Scope::parse("zone", " z1 "), Ok(Scope::of(ScopeKind::Zone, "z1")));
        assert_eq!(
            Scope::parse("zone", "").unwrap_err().fields[0].key,
            "scope.target_missing"
        );
        assert_eq!(
            Scope::parse("county", "x").unwrap_err().fields[0].key,
            "scope.target_unexpected"
        );
        assert_eq!(
            Scope::parse("planet", "x").unwrap_err().fields[0].key,
            "scope.unknown_kind"
        );
    }

    #[test]
    fn reach_covers_by_any_route_and_county_covers_all() {
        let mut r = Reach::default();
        assert!(r.is_empty());
        r.townships.insert("t1".into());
        r.departments.insert("d1".into());
        assert!(r.covers_any(None, Some("t1"), None));
        assert!(r.covers_any(Some("r9"), Some("t9"), Some("d1")));
        assert!(!r.covers_any(Some("r9"), Some("t9"), Some("d9")));
        assert!(!r.covers_any(None, None, None));
        assert!(Reach::everything().covers_any(None, None, None));
        assert_eq!(Reach::ids_json(&r.townships), r#"["t1"]"#);
        let odd: BTreeSet<String> = ["a\"b".to_owned()].into();
        assert_eq!(Reach::ids_json(&odd), r#"["ab"]"#);
    }
}
