//! Whether a C village has left C (整转): the rule in one place, for the plan pages, the public
//! notice, the dashboard and the monthly reports that stop when it applies.
//!
//! A plan answers the assessment period that graded its village C. The village leaves C when
//! the next published period grades it above C *and* every item of the plan is closed out.
//! Either alone is not enough: a better grade with work still open is not a way out, and a
//! finished plan does not change a grade.

use serde::Serialize;

use super::item::ItemState;
use crate::error::Invalid;
use crate::rating::Grade;

/// Where a plan's village stands against the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// No later period has graded the village yet (待下期研判).
    Awaiting,
    /// The next period graded it above C and every item is closed out (已整转).
    LeftC,
    /// The next period graded it above C, but items are still open: not out yet.
    AboveCPlanOpen,
    /// The next period graded it C again.
    StillC,
}

impl Standing {
    pub const ALL: [Standing; 4] = [Self::Awaiting, Self::LeftC, Self::AboveCPlanOpen, Self::StillC];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Awaiting => "awaiting",
            Self::LeftC => "left_c",
            Self::AboveCPlanOpen => "above_c_plan_open",
            Self::StillC => "still_c",
        }
    }

    /// Its name in the message catalogues.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Awaiting => "plan.standing.awaiting",
            Self::LeftC => "plan.standing.left_c",
            Self::AboveCPlanOpen => "plan.standing.above_c_plan_open",
            Self::StillC => "plan.standing.still_c",
        }
    }
}

/// A plan is closed when it has items and every one is closed out, verified or as not fixed:
/// both are a supervisor's final word on the item.
pub fn plan_closed(items: &[ItemState]) -> bool {
    !items.is_empty() && items.iter().all(|s| s.is_closed())
}

/// The rule: `next_grade` is the village's final grade in the first published period after the
/// plan's, if there is one.
pub fn standing(items: &[ItemState], next_grade: Option<Grade>) -> Standing {
    match next_grade {
        None => Standing::Awaiting,
        Some(Grade::C) => Standing::StillC,
        Some(_) if plan_closed(items) => Standing::LeftC,
        Some(_) => Standing::AboveCPlanOpen,
    }
}

/// What opening a plan for a period needs: the period decided (confirmed or published) and the
/// village graded C in it. `grade` is the village's final grade there, if it has a result.
pub fn check_plan_period(period_state: &str, grade: Option<Grade>) -> Result<(), Invalid> {
    if period_state == "open" {
        return Err(Invalid::field("period_id", "rectification.plan_period_undecided", None));
    }
    if grade != Some(Grade::C) {
        return Err(Invalid::field(
            "period_id",
            "rectification.plan_village_not_c",
            grade.map(Grade::as_str),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ItemState::*;

    #[test]
    fn leaving_c_needs_both_a_better_grade_and_a_closed_plan() {
        assert_eq!(standing(&[Closed, Closed], Some(Grade::B)), Standing::LeftC);
        assert_eq!(standing(&[Closed, ClosedNotFixed], Some(Grade::A)), Standing::LeftC);
        assert_eq!(standing(&[Closed, Submitted], Some(Grade::B)), Standing::AboveCPlanOpen);
        assert_eq!(standing(&[Closed, Reopened], Some(Grade::B)), Standing::AboveCPlanOpen);
        assert_eq!(standing(&[Closed, Closed], Some(Grade::C)), Standing::StillC);
        assert_eq!(standing(&[Closed, Closed], None), Standing::Awaiting);
    }

    #[test]
    fn a_plan_without_items_is_not_closed() {
        assert!(!plan_closed(&[]));
        assert_eq!(standing(&[], Some(Grade::B)), Standing::AboveCPlanOpen);
    }

    #[test]
    fn a_plan_answers_a_decided_period_that_graded_the_village_c() {
        assert!(check_plan_period("published", Some(Grade::C)).is_ok());
        assert!(check_plan_period("confirmed", Some(Grade::C)).is_ok());
        let key = |r: Result<(), Invalid>| r.unwrap_err().fields[0].key;
        assert_eq!(
            key(check_plan_period("open", Some(Grade::C))),
            "rectification.plan_period_undecided"
        );
        assert_eq!(
            key(check_plan_period("published", Some(Grade::B))),
            "rectification.plan_village_not_c"
        );
        assert_eq!(
            key(check_plan_period("published", None)),
            "rectification.plan_village_not_c"
        );
    }
}
