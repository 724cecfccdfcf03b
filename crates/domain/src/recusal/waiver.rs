//! Overrides of recusal and the check of a team formed by hand, so that a recused member can
//! only be on a team with a reason and a second approver on record.

use std::collections::HashSet;

use serde::Serialize;

use super::{Exclusion, Exclusions, Facts, REASON_MAX_CHARS, Subject};

/// An approved waiver of one exclusion, for one staff member on one clue or case.
///
/// Built only through [`Override::new`], so a value of this type is known to carry a reason,
/// an approver distinct from the requester and from the staff member, and a waivable rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    subject_id: String,
    staff_id: String,
    exclusion: Exclusion,
    reason: String,
    requested_by: String,
    approved_by: String,
}

/// Why an override was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum OverrideRefusal {
    #[error("an override needs a reason")]
    ReasonMissing,
    #[error("the reason is too long")]
    ReasonTooLong,
    #[error("the approver must be someone other than the requester")]
    ApproverIsRequester,
    #[error("the staff member cannot approve their own override")]
    ApproverIsStaff,
    #[error("this rule cannot be waived")]
    NotWaivable,
}

impl OverrideRefusal {
    pub const fn key(self) -> &'static str {
        match self {
            Self::ReasonMissing => "recusal.override_reason_missing",
            Self::ReasonTooLong => "recusal.override_reason_too_long",
            Self::ApproverIsRequester => "recusal.override_approver_is_requester",
            Self::ApproverIsStaff => "recusal.override_approver_is_staff",
            Self::NotWaivable => "recusal.override_not_waivable",
        }
    }
}

impl Override {
    pub fn new(
        subject_id: &str,
        staff_id: &str,
        exclusion: Exclusion,
        reason: &str,
        requested_by: &str,
        approved_by: &str,
    ) -> Result<Self, OverrideRefusal> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(OverrideRefusal::ReasonMissing);
        }
        if reason.chars().count() > REASON_MAX_CHARS {
            return Err(OverrideRefusal::ReasonTooLong);
        }
        let approver = approved_by.trim();
        if approver == requested_by.trim() {
            return Err(OverrideRefusal::ApproverIsRequester);
        }
        if approver == staff_id.trim() {
            return Err(OverrideRefusal::ApproverIsStaff);
        }
        if !exclusion.waivable() {
            return Err(OverrideRefusal::NotWaivable);
        }
        Ok(Self {
            subject_id: subject_id.trim().to_owned(),
            staff_id: staff_id.trim().to_owned(),
            exclusion,
            reason: reason.to_owned(),
            requested_by: requested_by.trim().to_owned(),
            approved_by: approver.to_owned(),
        })
    }

    pub fn subject_id(&self) -> &str {
        &self.subject_id
    }
    pub fn staff_id(&self) -> &str {
        &self.staff_id
    }
    pub fn exclusion(&self) -> Exclusion {
        self.exclusion
    }
    pub fn reason(&self) -> &str {
        &self.reason
    }
    pub fn requested_by(&self) -> &str {
        &self.requested_by
    }
    pub fn approved_by(&self) -> &str {
        &self.approved_by
    }

    /// Removes from `x` what this override waives for `staff_id` on `subject_id`.
    pub(crate) fn waive(&self, subject_id: &str, staff_id: &str, x: &mut Exclusions) {
        if self.subject_id == subject_id && self.staff_id == staff_id {
            x.remove(self.exclusion);
        }
    }
}

/// The rule a team breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum TeamRule {
    /// A member is excluded and no override waives it.
    Excluded { exclusion: Exclusion },
    /// A member appears twice.
    Duplicate,
    /// A member is not known staff.
    UnknownStaff,
    /// The team has nobody.
    Empty,
}

impl TeamRule {
    pub const fn key(self) -> &'static str {
        match self {
            Self::Excluded { exclusion } => exclusion.key(),
            Self::Duplicate => "recusal.team_duplicate",
            Self::UnknownStaff => "recusal.team_unknown_staff",
            Self::Empty => "recusal.team_empty",
        }
    }
}

/// One broken rule, naming the member (`None` for the team as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub staff_id: Option<String>,
    pub rule: TeamRule,
}

/// The exclusions left for one staff member after the overrides for this subject.
pub fn unwaived(facts: &Facts, subject: &Subject, staff_id: &str, overrides: &[Override]) -> Option<Exclusions> {
    let mut x = facts.exclusions(subject, staff_id)?;
    for o in overrides {
        o.waive(&subject.id, staff_id, &mut x);
    }
    Some(x)
}

/// Checks a team formed by hand (or forced through the API) for `subject`: every member
/// known, none twice, and every exclusion of every member waived by an override for this
/// subject. Reports every violation, member by member, in the team's order.
pub fn team_is_valid(
    team: &[&str],
    subject: &Subject,
    facts: &Facts,
    overrides: &[Override],
) -> Result<(), Vec<Violation>> {
    let mut violations = Vec::new();
    if team.is_empty() {
        violations.push(Violation {
            staff_id: None,
            rule: TeamRule::Empty,
        });
    }
    let key = facts.subject_key(subject);
    let all = facts.exclusions_all(&key);
    let mut seen = HashSet::new();
    for &member in team {
        let named = Some(member.to_owned());
        if !seen.insert(member) {
            violations.push(Violation {
                staff_id: named,
                rule: TeamRule::Duplicate,
            });
            continue;
        }
        let Some(i) = facts.index_of(member) else {
            violations.push(Violation {
                staff_id: named,
                rule: TeamRule::UnknownStaff,
            });
            continue;
        };
        let mut x = all[i];
        for o in overrides {
            o.waive(&subject.id, member, &mut x);
        }
        violations.extend(x.iter().map(|exclusion| Violation {
            staff_id: named.clone(),
            rule: TeamRule::Excluded { exclusion },
        }));
    }
    if violations.is_empty() { Ok(()) } else { Err(violations) }
}
