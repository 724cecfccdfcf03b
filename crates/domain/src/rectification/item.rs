//! A rectification item (整改事项) of a village plan (一村一方案) and its close-out (销号).
//!
//! Closing is two-step so that nobody ticks off their own work: the item's owner submits
//! evidence (text and evidence file ids), and a supervisor other than the owner verifies it and
//! closes the item, or sends it back. A supervisor may also close an item as not fixed (it
//! cannot be fixed in this plan, e.g. it needs county money), and reopen a closed item when
//! the problem turns out to persist.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Refusal, check_version};
use crate::error::Invalid;
use crate::inspection::{Text, parse_date};

/// Most evidence files one submission may name.
pub const MAX_EVIDENCE_FILES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// The owner is working on it.
    Open,
    /// Evidence submitted, awaiting a supervisor's verification.
    Submitted,
    /// Sent back by the supervisor: the owner works on and submits again.
    Returned,
    /// Verified and closed out (已销号).
    Closed,
    /// Closed without the problem fixed, with the supervisor's reason.
    ClosedNotFixed,
    /// Reopened after closing: the owner works on it again.
    Reopened,
}

impl ItemState {
    pub const ALL: [ItemState; 6] = [
        Self::Open,
        Self::Submitted,
        Self::Returned,
        Self::Closed,
        Self::ClosedNotFixed,
        Self::Reopened,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Closed => "closed",
            Self::ClosedNotFixed => "closed_not_fixed",
            Self::Reopened => "reopened",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub const fn is_closed(self) -> bool {
        matches!(self, Self::Closed | Self::ClosedNotFixed)
    }

    /// States in which the owner has the next move.
    pub const fn awaits_owner(self) -> bool {
        matches!(self, Self::Open | Self::Returned | Self::Reopened)
    }
}

/// A village's plan as opened: the village, and the assessment period that graded it C, which
/// the plan answers (`standing` decides from the period after it whether the village left C).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInput {
    pub village_id: String,
    pub period_id: String,
}

impl PlanInput {
    pub fn parse(village_id: &str, period_id: &str) -> Result<Self, Invalid> {
        let village = village_id.trim();
        let period = period_id.trim();
        let village_r = village
            .is_empty()
            .then(|| Invalid::field("village_id", "field.required", None));
        let period_r = period
            .is_empty()
            .then(|| Invalid::field("period_id", "field.required", None));
        Invalid::collect([village_r, period_r])?;
        Ok(Self {
            village_id: village.to_owned(),
            period_id: period.to_owned(),
        })
    }
}

/// An item as the plan lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemInput {
    /// What is to be rectified.
    pub title: Text,
    pub owner_staff_id: String,
    pub deadline: NaiveDate,
    /// What counts as done (预期成效).
    pub expected_result: Text,
}

impl ItemInput {
    pub fn parse(
        title: &str,
        owner_staff_id: &str,
        deadline: &str,
        expected_result: &str,
        today: NaiveDate,
    ) -> Result<Self, Invalid> {
        let title_r = Text::parse("title", title);
        let owner = owner_staff_id.trim();
        let owner_r = if owner.is_empty() {
            Err(Invalid::field("owner_staff_id", "field.required", None))
        } else {
            Ok(owner.to_owned())
        };
        let deadline_r = parse_date("deadline", deadline).and_then(|d| {
            if d < today {
                Err(Invalid::field(
                    "deadline",
                    "rectification_item.deadline_past",
                    Some(&d.to_string()),
                ))
            } else {
                Ok(d)
            }
        });
        let expected_r = Text::parse("expected_result", expected_result);
        Invalid::collect([
            title_r.clone().err(),
            owner_r.clone().err(),
            deadline_r.clone().err(),
            expected_r.clone().err(),
        ])?;
        let (Ok(title), Ok(owner_staff_id), Ok(deadline), Ok(expected_result)) =
            (title_r, owner_r, deadline_r, expected_r)
        else {
            unreachable!("collect returned every error above")
        };
        Ok(Self {
            title,
            owner_staff_id,
            deadline,
            expected_result,
        })
    }
}

/// What the owner hands in: a statement and the evidence files that back it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub text: Text,
    /// Ids of files in the evidence store, deduplicated and sorted.
    pub file_ids: Vec<String>,
}

impl Evidence {
    pub fn parse(text: &str, file_ids: Vec<String>) -> Result<Self, Invalid> {
        let text_r = Text::parse("text", text);
        let mut ids: Vec<String> = file_ids
            .into_iter()
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        ids.sort();
        ids.dedup();
        let too_many = (ids.len() > MAX_EVIDENCE_FILES).then(|| {
            Invalid::field(
                "file_ids",
                "rectification_item.too_many_files",
                Some(&ids.len().to_string()),
            )
        });
        Invalid::collect([text_r.clone().err(), too_many])?;
        let Ok(text) = text_r else {
            unreachable!("collect returned every error above")
        };
        Ok(Self { text, file_ids: ids })
    }
}

/// A step on an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemAct {
    /// The owner hands in evidence for verification.
    Submit(Evidence),
    /// A supervisor checks the evidence and closes the item out.
    Verify { note: Text },
    /// A supervisor finds the evidence wanting.
    SendBack { reason: Text },
    /// A supervisor closes the item although it is not fixed.
    CloseNotFixed { reason: Text },
    /// A supervisor reopens a closed item.
    Reopen { reason: Text },
}

impl ItemAct {
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Submit(_) => "submit",
            Self::Verify { .. } => "verify",
            Self::SendBack { .. } => "send_back",
            Self::CloseNotFixed { .. } => "close_not_fixed",
            Self::Reopen { .. } => "reopen",
        }
    }

    /// Parses a step from a form or API body: `kind`, its text, and (to submit) file ids.
    pub fn parse(kind: &str, text: &str, file_ids: Vec<String>) -> Result<Self, Invalid> {
        let t = |f: &str| Text::parse(f, text);
        Ok(match kind.trim() {
            "submit" => Self::Submit(Evidence::parse(text, file_ids)?),
            "verify" => Self::Verify { note: t("text")? },
            "send_back" => Self::SendBack { reason: t("text")? },
            "close_not_fixed" => Self::CloseNotFixed { reason: t("text")? },
            "reopen" => Self::Reopen { reason: t("text")? },
            other => return Err(Invalid::field("kind", "rectification_item.act_unknown", Some(other))),
        })
    }
}

/// What the rules need to know about an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFacts {
    pub state: ItemState,
    pub version: i64,
    pub owner_staff_id: String,
}

/// Who acts: the person, and whether they supervise the plan the item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    pub staff_id: &'a str,
    pub supervises: bool,
}

/// Judges a step against the item: the state after it, or the rule that refuses it. The
/// version is checked first, so a stale edit is a conflict whatever it asks.
pub fn next(
    facts: &ItemFacts,
    actor: Actor<'_>,
    act: &ItemAct,
    expected_version: Option<i64>,
) -> Result<ItemState, Refusal> {
    use ItemState::*;
    check_version(facts.version, expected_version)?;
    let refuse = |key: &'static str| Err(Refusal::Rule(Invalid::field("kind", key, Some(facts.state.as_str()))));
    let is_owner = actor.staff_id == facts.owner_staff_id;
    if let ItemAct::Submit(_) = act {
        owner_may_submit(facts, actor.staff_id)?;
        return Ok(Submitted);
    }
    // Every other step is the supervisor's, and never on their own item: whoever did the
    // work does not tick it off.
    if !actor.supervises {
        return refuse("rectification_item.rule_supervisor_only");
    }
    if is_owner {
        return refuse("rectification_item.rule_no_self_verification");
    }
    match act {
        ItemAct::Verify { .. } => match facts.state {
            Submitted => Ok(Closed),
            Closed | ClosedNotFixed => refuse("rectification_item.rule_closed"),
            Open | Returned | Reopened => refuse("rectification_item.rule_verify_needs_submission"),
        },
        ItemAct::SendBack { .. } => match facts.state {
            Submitted => Ok(Returned),
            Closed | ClosedNotFixed => refuse("rectification_item.rule_closed"),
            Open | Returned | Reopened => refuse("rectification_item.rule_send_back_needs_submission"),
        },
        ItemAct::CloseNotFixed { .. } => match facts.state {
            Open | Submitted | Returned | Reopened => Ok(ClosedNotFixed),
            Closed | ClosedNotFixed => refuse("rectification_item.rule_closed"),
        },
        ItemAct::Reopen { .. } => match facts.state {
            Closed | ClosedNotFixed => Ok(Reopened),
            _ => refuse("rectification_item.rule_reopen_needs_closed"),
        },
        ItemAct::Submit(_) => unreachable!("handled above"),
    }
}

/// Whether `staff_id` may hand in evidence on the item now: its owner, while it awaits them.
/// Also what taking in an evidence file for the item asks first.
pub fn owner_may_submit(facts: &ItemFacts, staff_id: &str) -> Result<(), Refusal> {
    use ItemState::*;
    let refuse = |key: &'static str| Err(Refusal::Rule(Invalid::field("kind", key, Some(facts.state.as_str()))));
    if staff_id != facts.owner_staff_id {
        return refuse("rectification_item.rule_owner_submits");
    }
    match facts.state {
        Open | Returned | Reopened => Ok(()),
        Submitted => refuse("rectification_item.rule_already_submitted"),
        Closed | ClosedNotFixed => refuse("rectification_item.rule_closed"),
    }
}

/// Whether an item still being worked on is past its deadline.
pub fn is_overdue(state: ItemState, deadline: NaiveDate, today: NaiveDate) -> bool {
    !state.is_closed() && deadline < today
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OWNER: &str = "owner";
    const SUPERVISOR: &str = "supervisor";

    fn text(s: &str) -> Text {
        Text::parse("text", s).unwrap()
    }

    fn facts(state: ItemState) -> ItemFacts {
        ItemFacts {
            state,
            version: 1,
            owner_staff_id: OWNER.into(),
        }
    }

    fn submit() -> ItemAct {
        ItemAct::Submit(Evidence::parse("已完成公示栏更新", vec!["f1".into()]).unwrap())
    }

    fn owner() -> Actor<'static> {
        Actor {
            staff_id: OWNER,
            supervises: false,
        }
    }

    fn supervisor() -> Actor<'static> {
        Actor {
            staff_id: SUPERVISOR,
            supervises: true,
        }
    }

    fn key(r: Result<ItemState, Refusal>) -> Option<&'static str> {
        r.unwrap_err().key()
    }

    #[test]
    fn an_item_is_closed_out_in_two_steps() {
        let s = next(&facts(ItemState::Open), owner(), &submit(), Some(1)).unwrap();
        assert_eq!(s, ItemState::Submitted);
        let s = next(
            &facts(s),
            supervisor(),
            &ItemAct::Verify {
                note: text("现场核验属实"),
            },
            None,
        )
        .unwrap();
        assert_eq!(s, ItemState::Closed);
    }

    #[test]
    fn a_send_back_returns_it_to_the_owner_who_submits_again() {
        let s = next(
            &facts(ItemState::Submitted),
            supervisor(),
            &ItemAct::SendBack {
                reason: text("缺少票据"),
            },
            None,
        )
        .unwrap();
        assert_eq!(s, ItemState::Returned);
        assert_eq!(next(&facts(s), owner(), &submit(), None), Ok(ItemState::Submitted));
    }

    #[test]
    fn out_of_order_steps_are_refused_naming_the_rule() {
        let verify = ItemAct::Verify { note: text("核验") };
        assert_eq!(
            key(next(&facts(ItemState::Open), supervisor(), &verify, None)),
            Some("rectification_item.rule_verify_needs_submission")
        );
        assert_eq!(
            key(next(&facts(ItemState::Submitted), owner(), &submit(), None)),
            Some("rectification_item.rule_already_submitted")
        );
        assert_eq!(
            key(next(&facts(ItemState::Closed), owner(), &submit(), None)),
            Some("rectification_item.rule_closed")
        );
        assert_eq!(
            key(next(
                &facts(ItemState::Open),
                supervisor(),
                &ItemAct::Reopen { reason: text("x") },
                None
            )),
            Some("rectification_item.rule_reopen_needs_closed")
        );
        assert_eq!(
            key(next(
                &facts(ItemState::Returned),
                supervisor(),
                &ItemAct::SendBack { reason: text("x") },
                None
            )),
            Some("rectification_item.rule_send_back_needs_submission")
        );
    }

    #[test]
    fn only_the_owner_submits_and_only_another_supervisor_closes() {
        assert_eq!(
            key(next(&facts(ItemState::Open), supervisor(), &submit(), None)),
            Some("rectification_item.rule_owner_submits")
        );
        let verify = ItemAct::Verify { note: text("核验") };
        assert_eq!(
            key(next(&facts(ItemState::Submitted), owner(), &verify, None)),
            Some("rectification_item.rule_supervisor_only")
        );
        // A supervisor who owns the item cannot tick off their own work.
        let owner_supervising = Actor {
            staff_id: OWNER,
            supervises: true,
        };
        assert_eq!(
            key(next(&facts(ItemState::Submitted), owner_supervising, &verify, None)),
            Some("rectification_item.rule_no_self_verification")
        );
    }

    #[test]
    fn closed_not_fixed_can_be_reopened_and_worked_again() {
        let s = next(
            &facts(ItemState::Open),
            supervisor(),
            &ItemAct::CloseNotFixed {
                reason: text("需县级资金，列入下年计划"),
            },
            None,
        )
        .unwrap();
        assert_eq!(s, ItemState::ClosedNotFixed);
        let s = next(
            &facts(s),
            supervisor(),
            &ItemAct::Reopen {
                reason: text("资金已到位"),
            },
            None,
        )
        .unwrap();
        assert_eq!(s, ItemState::Reopened);
        assert!(s.awaits_owner());
        assert_eq!(next(&facts(s), owner(), &submit(), None), Ok(ItemState::Submitted));
    }

    #[test]
    fn a_stale_version_is_a_conflict_before_any_rule() {
        assert_eq!(
            next(&facts(ItemState::Open), supervisor(), &submit(), Some(7)),
            Err(Refusal::Stale { current: 1 })
        );
    }

    #[test]
    fn input_and_evidence_are_parsed_whole() {
        let today: NaiveDate = "2026-11-27".parse().unwrap();
        let e = ItemInput::parse("", "", "2026-11-01", " ", today).unwrap_err();
        let keys: Vec<_> = e.fields.iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            vec![
                "text.empty",
                "field.required",
                "rectification_item.deadline_past",
                "text.empty"
            ]
        );
        let ev = Evidence::parse("整改说明", vec![" b ".into(), "a".into(), "b".into(), "".into()]).unwrap();
        assert_eq!(ev.file_ids, vec!["a", "b"]);
        let many: Vec<String> = (0..=MAX_EVIDENCE_FILES).map(|i| format!("f{i}")).collect();
        assert_eq!(
            Evidence::parse("说明", many).unwrap_err().fields[0].key,
            "rectification_item.too_many_files"
        );
        assert_eq!(
            ItemAct::parse("tick", "x", vec![]).unwrap_err().fields[0].key,
            "rectification_item.act_unknown"
        );
    }

    #[test]
    fn a_plan_names_its_village_and_its_period() {
        let p = PlanInput::parse(" v1 ", " p1 ").unwrap();
        assert_eq!((p.village_id.as_str(), p.period_id.as_str()), ("v1", "p1"));
        let e = PlanInput::parse("", "  ").unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| (f.field.as_str(), f.key)).collect();
        assert_eq!(
            fields,
            vec![("village_id", "field.required"), ("period_id", "field.required")]
        );
    }

    #[test]
    fn overdue_means_open_work_past_its_day() {
        let today: NaiveDate = "2026-11-27".parse().unwrap();
        let past: NaiveDate = "2026-11-20".parse().unwrap();
        assert!(is_overdue(ItemState::Returned, past, today));
        assert!(is_overdue(ItemState::Submitted, past, today));
        assert!(!is_overdue(ItemState::Closed, past, today));
        assert!(!is_overdue(ItemState::ClosedNotFixed, past, today));
        assert!(!is_overdue(ItemState::Open, today, today));
    }

    /// A step as the property test draws it: who acts and what they ask.
    #[derive(Debug, Clone)]
    struct Drawn {
        who: u8,
        act: u8,
        stale: bool,
    }

    fn drawn() -> impl Strategy<Value = Drawn> {
        (0u8..3, 0u8..5, proptest::bool::weighted(0.1)).prop_map(|(who, act, stale)| Drawn { who, act, stale })
    }

    fn act_of(n: u8) -> ItemAct {
        match n {
            0 => submit(),
            1 => ItemAct::Verify { note: text("核验") },
            2 => ItemAct::SendBack { reason: text("退回") },
            3 => ItemAct::CloseNotFixed {
                reason: text("无法整改"),
            },
            _ => ItemAct::Reopen {
                reason: text("重新整改"),
            },
        }
    }

    /// The rules restated as a table, independently of `next`'s structure.
    fn expected(state: ItemState, who: u8, act: u8) -> Option<ItemState> {
        use ItemState::*;
        // who: 0 the owner, 1 a supervisor, 2 someone else on the plan.
        match (who, act, state) {
            (0, 0, Open | Returned | Reopened) => Some(Submitted),
            (1, 1, Submitted) => Some(Closed),
            (1, 2, Submitted) => Some(Returned),
            (1, 3, Open | Submitted | Returned | Reopened) => Some(ClosedNotFixed),
            (1, 4, Closed | ClosedNotFixed) => Some(Reopened),
            _ => None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any sequence of steps by anyone: each is accepted exactly when the table allows it,
        /// a refusal changes nothing, and an item is only ever closed out from a submission
        /// verified by a supervisor who is not its owner.
        #[test]
        fn sequences_follow_the_table(steps in proptest::collection::vec(drawn(), 1..40)) {
            let mut f = facts(ItemState::Open);
            for s in steps {
                let actor = match s.who {
                    0 => owner(),
                    1 => supervisor(),
                    _ => Actor { staff_id: "other", supervises: false },
                };
                let act = act_of(s.act);
                let expected_version = if s.stale { Some(f.version - 1) } else { Some(f.version) };
                let before = f.state;
                match next(&f, actor, &act, expected_version) {
                    Ok(after) => {
                        prop_assert!(!s.stale, "a stale step was accepted");
                        prop_assert_eq!(Some(after), expected(before, s.who, s.act));
                        if after == ItemState::Closed {
                            prop_assert_eq!(before, ItemState::Submitted);
                            prop_assert!(actor.supervises && actor.staff_id != f.owner_staff_id);
                        }
                        f = ItemFacts { state: after, version: f.version + 1, ..f };
                    }
                    Err(Refusal::Stale { current }) => {
                        prop_assert!(s.stale);
                        prop_assert_eq!(current, f.version);
                    }
                    Err(Refusal::Rule(e)) => {
                        prop_assert!(!s.stale);
                        prop_assert_eq!(expected(before, s.who, s.act), None);
                        prop_assert!(e.fields[0].key.starts_with("rectification_item.rule_"), "{}", e.fields[0].key);
                    }
                }
            }
        }
    }
}
