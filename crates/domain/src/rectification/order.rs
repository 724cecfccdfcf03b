//! The rectification order (督改单): a township's order on one key problem of one of its
//! villages, issued only when both the township party secretary and the township discipline
//! secretary have signed it, then followed up until its completion is verified.
//!
//! The role model has the discipline secretary (乡镇纪委书记, `Role::TownshipSecretary`) but
//! not the party secretary (乡镇党委书记), who is not the commission's staff: a township
//! official posted to the township holds that post as a title the county records
//! (`township_post`). `post_in` is the one rule that says in which post someone signs.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Refusal, check_version};
use crate::error::Invalid;
use crate::inspection::{Text, parse_date};
use crate::role::Role;

/// The two posts whose holders sign an order jointly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 乡镇党委书记
    PartySecretary,
    /// 乡镇纪委书记
    DisciplineSecretary,
}

impl Post {
    pub const ALL: [Post; 2] = [Self::PartySecretary, Self::DisciplineSecretary];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PartySecretary => "party_secretary",
            Self::DisciplineSecretary => "discipline_secretary",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    /// The catalogue key of the post's name.
    pub const fn key(self) -> &'static str {
        match self {
            Self::PartySecretary => "rectification.post.party_secretary",
            Self::DisciplineSecretary => "rectification.post.discipline_secretary",
        }
    }
}

/// What the rule needs to know about a person to say which post of a township they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonFacts<'a> {
    pub role: Role,
    /// The township the person is posted to, if any.
    pub posting_township_id: Option<&'a str>,
    /// Whether the county recorded the person as this township's party secretary.
    pub titled_party_secretary: bool,
}

/// The post the person holds in `township_id`, if any. A post is held only while posted
/// there: a secretary moved to another township no longer signs for the old one.
pub fn post_in(township_id: &str, person: PersonFacts<'_>) -> Option<Post> {
    if person.posting_township_id != Some(township_id) {
        return None;
    }
    if person.role == Role::TownshipSecretary {
        Some(Post::DisciplineSecretary)
    } else if person.titled_party_secretary {
        Some(Post::PartySecretary)
    } else {
        None
    }
}

/// Whether a person may be recorded as the township's party secretary: posted there, and not
/// its discipline secretary (the two signatures must come from two posts).
pub fn check_party_secretary(township_id: &str, role: Role, posting_township_id: Option<&str>) -> Result<(), Invalid> {
    if posting_township_id != Some(township_id) {
        return Err(Invalid::field(
            "staff_id",
            "rectification.party_secretary_not_posted",
            None,
        ));
    }
    if role == Role::TownshipSecretary {
        return Err(Invalid::field(
            "staff_id",
            "rectification.party_secretary_is_discipline_secretary",
            None,
        ));
    }
    Ok(())
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Written, awaiting one or both signatures; not yet in force.
    Draft,
    /// Signed by both posts: in force, followed up until verified.
    Issued,
    /// Completion verified by a signatory post.
    Completed,
}

impl OrderState {
    pub const ALL: [OrderState; 3] = [Self::Draft, Self::Issued, Self::Completed];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Issued => "issued",
            Self::Completed => "completed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub const fn key(self) -> &'static str {
        match self {
            Self::Draft => "rectification.state.draft",
            Self::Issued => "rectification.state.issued",
            Self::Completed => "rectification.state.completed",
        }
    }
}

/// An order as the township writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderInput {
    pub village_id: String,
    /// The key problem (问题).
    pub problem: Text,
    /// What must be done (整改要求).
    pub actions: Text,
    /// The day by which it must be done, Beijing time.
    pub deadline: NaiveDate,
}

impl OrderInput {
    /// Every bad field at once; a deadline before `today` is refused.
    pub fn parse(
        village_id: &str,
        problem: &str,
        actions: &str,
        deadline: &str,
        today: NaiveDate,
    ) -> Result<Self, Invalid> {
        let village = village_id.trim();
        let village_r = if village.is_empty() {
            Err(Invalid::field("village_id", "field.required", None))
        } else {
            Ok(village.to_owned())
        };
        let problem_r = Text::parse("problem", problem);
        let actions_r = Text::parse("actions", actions);
        let deadline_r = parse_date("deadline", deadline).and_then(|d| {
            if d < today {
                Err(Invalid::field(
                    "deadline",
                    "rectification.deadline_past",
                    Some(&d.to_string()),
                ))
            } else {
                Ok(d)
            }
        });
        Invalid::collect([
            village_r.clone().err(),
            problem_r.clone().err(),
            actions_r.clone().err(),
            deadline_r.clone().err(),
        ])?;
        let (Ok(village_id), Ok(problem), Ok(actions), Ok(deadline)) = (village_r, problem_r, actions_r, deadline_r)
        else {
            unreachable!("collect returned every error above")
        };
        Ok(Self {
            village_id,
            problem,
            actions,
            deadline,
        })
    }
}

/// A signature on record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOffFact {
    pub staff_id: String,
    pub post: Post,
}

/// What the rules need to know about an order to judge a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub state: OrderState,
    pub version: i64,
    pub sign_offs: Vec<SignOffFact>,
    /// Whether the village has replied (a completion is verified against a reply).
    pub village_replied: bool,
}

/// Someone acting on an order: who, and the post they hold in the order's township.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signer<'a> {
    pub staff_id: &'a str,
    pub post: Option<Post>,
}

/// Judges a signature: the state after it (issued once both posts have signed), or the rule
/// that refuses it.
pub fn sign(facts: &OrderFacts, signer: Signer<'_>, expected_version: Option<i64>) -> Result<OrderState, Refusal> {
    check_version(facts.version, expected_version)?;
    let refuse = |key: &'static str| {
        Err(Refusal::Rule(Invalid::field(
            "sign_off",
            key,
            Some(facts.state.as_str()),
        )))
    };
    if facts.state != OrderState::Draft {
        return refuse("rectification.rule_sign_only_draft");
    }
    let Some(post) = signer.post else {
        return refuse("rectification.signer_not_post_holder");
    };
    if facts.sign_offs.iter().any(|s| s.staff_id == signer.staff_id) {
        return refuse("rectification.same_signer_twice");
    }
    if facts.sign_offs.iter().any(|s| s.post == post) {
        return refuse("rectification.post_already_signed");
    }
    let signed_both = Post::ALL
        .into_iter()
        .all(|p| p == post || facts.sign_offs.iter().any(|s| s.post == p));
    Ok(if signed_both {
        OrderState::Issued
    } else {
        OrderState::Draft
    })
}

/// A follow-up record on an issued order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    /// 进展情况: what the township sees being done.
    Progress,
    /// 村级回复: the village's own report, as the township records it.
    VillageReply,
    /// 验收销号: completion verified; the order is done.
    CompletionVerified,
}

impl FollowUpKind {
    pub const ALL: [FollowUpKind; 3] = [Self::Progress, Self::VillageReply, Self::CompletionVerified];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Progress => "progress",
            Self::VillageReply => "village_reply",
            Self::CompletionVerified => "completion_verified",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "rectification.follow_up_unknown", Some(raw)))
    }

    pub const fn key(self) -> &'static str {
        match self {
            Self::Progress => "rectification.follow_up.progress",
            Self::VillageReply => "rectification.follow_up.village_reply",
            Self::CompletionVerified => "rectification.follow_up.completion_verified",
        }
    }
}

/// Judges a follow-up record: the state after it, or the rule that refuses it. Only a holder
/// of one of the two posts verifies completion, and only after the village has replied.
pub fn follow_up(
    facts: &OrderFacts,
    kind: FollowUpKind,
    author_post: Option<Post>,
    expected_version: Option<i64>,
) -> Result<OrderState, Refusal> {
    check_version(facts.version, expected_version)?;
    let refuse = |key: &'static str| Err(Refusal::Rule(Invalid::field("kind", key, Some(facts.state.as_str()))));
    match facts.state {
        OrderState::Draft => return refuse("rectification.rule_follow_up_needs_issue"),
        OrderState::Completed => return refuse("rectification.rule_completed"),
        OrderState::Issued => {}
    }
    match kind {
        FollowUpKind::Progress | FollowUpKind::VillageReply => Ok(OrderState::Issued),
        FollowUpKind::CompletionVerified if author_post.is_none() => refuse("rectification.verifier_not_post_holder"),
        FollowUpKind::CompletionVerified if !facts.village_replied => refuse("rectification.rule_verify_needs_reply"),
        FollowUpKind::CompletionVerified => Ok(OrderState::Completed),
    }
}

/// Whether an order in force is past its deadline (drafts are not in force; completed ones
/// are done).
pub fn is_overdue(state: OrderState, deadline: NaiveDate, today: NaiveDate) -> bool {
    state == OrderState::Issued && deadline < today
}

/// The order's number within its township and year: `督改〔2026〕3号`.
pub fn order_number(year: i32, seq: u32) -> String {
    format!("督改〔{year}〕{seq}号")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn draft(sign_offs: Vec<SignOffFact>) -> OrderFacts {
        OrderFacts {
            state: OrderState::Draft,
            version: 1,
            sign_offs,
            village_replied: false,
        }
    }

    fn signed(staff: &str, post: Post) -> SignOffFact {
        SignOffFact {
            staff_id: staff.into(),
            post,
        }
    }

    fn as_(staff: &str, post: Option<Post>) -> Signer<'_> {
        Signer { staff_id: staff, post }
    }

    #[test]
    fn input_reports_every_bad_field_and_refuses_a_past_deadline() {
        let today = day("2026-11-27");
        let e = OrderInput::parse(" ", "  ", "拆除违建", "2026-11-26", today).unwrap_err();
        let keys: Vec<_> = e.fields.iter().map(|f| (f.field.as_str(), f.key)).collect();
        assert_eq!(
            keys,
            vec![
                ("village_id", "field.required"),
                ("problem", "text.empty"),
                ("deadline", "rectification.deadline_past")
            ]
        );
        let e = OrderInput::parse("v1", "宅基地征收搁置一年", "x", "明天", today).unwrap_err();
        assert_eq!(e.fields[0].key, "date.invalid");
        let ok = OrderInput::parse("v1", " 宅基地征收搁置一年 ", "一个月内完成征收", "2026-11-27", today).unwrap();
        assert_eq!((ok.problem.as_str(), ok.deadline), ("宅基地征收搁置一年", today));
    }

    #[test]
    fn posts_follow_the_role_and_the_title_in_the_posting_township_only() {
        let secretary = PersonFacts {
            role: Role::TownshipSecretary,
            posting_township_id: Some("t1"),
            titled_party_secretary: false,
        };
        assert_eq!(post_in("t1", secretary), Some(Post::DisciplineSecretary));
        assert_eq!(
            post_in("t2", secretary),
            None,
            "another township's secretary signs nothing here"
        );
        let official = PersonFacts {
            role: Role::VillageLiaison,
            posting_township_id: Some("t1"),
            titled_party_secretary: true,
        };
        assert_eq!(post_in("t1", official), Some(Post::PartySecretary));
        let untitled = PersonFacts {
            titled_party_secretary: false,
            ..official
        };
        assert_eq!(post_in("t1", untitled), None);
        let moved = PersonFacts {
            posting_township_id: Some("t2"),
            ..official
        };
        assert_eq!(post_in("t1", moved), None, "a title does not outlive the posting");
    }

    #[test]
    fn the_party_secretary_is_posted_there_and_is_not_the_discipline_secretary() {
        assert!(check_party_secretary("t1", Role::VillageLiaison, Some("t1")).is_ok());
        assert_eq!(
            check_party_secretary("t1", Role::VillageLiaison, Some("t2"))
                .unwrap_err()
                .fields[0]
                .key,
            "rectification.party_secretary_not_posted"
        );
        assert_eq!(
            check_party_secretary("t1", Role::TownshipSecretary, Some("t1"))
                .unwrap_err()
                .fields[0]
                .key,
            "rectification.party_secretary_is_discipline_secretary"
        );
    }

    #[test]
    fn one_signature_leaves_a_draft_and_both_posts_issue_it() {
        let first = sign(&draft(vec![]), as_("p", Some(Post::PartySecretary)), Some(1)).unwrap();
        assert_eq!(first, OrderState::Draft);
        let second = sign(
            &draft(vec![signed("p", Post::PartySecretary)]),
            as_("d", Some(Post::DisciplineSecretary)),
            None,
        )
        .unwrap();
        assert_eq!(second, OrderState::Issued);
        // The other order of signing issues it just the same.
        let second = sign(
            &draft(vec![signed("d", Post::DisciplineSecretary)]),
            as_("p", Some(Post::PartySecretary)),
            None,
        )
        .unwrap();
        assert_eq!(second, OrderState::Issued);
    }

    #[test]
    fn signatures_are_refused_naming_the_rule() {
        let one = draft(vec![signed("d", Post::DisciplineSecretary)]);
        let key = |r: Result<OrderState, Refusal>| r.unwrap_err().key();
        assert_eq!(
            key(sign(&one, as_("d", Some(Post::DisciplineSecretary)), None)),
            Some("rectification.same_signer_twice")
        );
        // A second discipline secretary of the same township cannot stand in for the party secretary.
        assert_eq!(
            key(sign(&one, as_("d2", Some(Post::DisciplineSecretary)), None)),
            Some("rectification.post_already_signed")
        );
        assert_eq!(
            key(sign(&one, as_("x", None), None)),
            Some("rectification.signer_not_post_holder")
        );
        let issued = OrderFacts {
            state: OrderState::Issued,
            ..one.clone()
        };
        assert_eq!(
            key(sign(&issued, as_("p", Some(Post::PartySecretary)), None)),
            Some("rectification.rule_sign_only_draft")
        );
        assert_eq!(
            sign(&one, as_("p", Some(Post::PartySecretary)), Some(0)),
            Err(Refusal::Stale { current: 1 })
        );
    }

    #[test]
    fn follow_ups_need_an_issued_order_and_verification_a_reply_and_a_post() {
        let mut facts = OrderFacts {
            state: OrderState::Draft,
            version: 3,
            sign_offs: vec![],
            village_replied: false,
        };
        let key = |r: Result<OrderState, Refusal>| r.unwrap_err().key();
        assert_eq!(
            key(follow_up(&facts, FollowUpKind::Progress, None, None)),
            Some("rectification.rule_follow_up_needs_issue")
        );
        facts.state = OrderState::Issued;
        assert_eq!(
            follow_up(&facts, FollowUpKind::Progress, None, Some(3)),
            Ok(OrderState::Issued)
        );
        assert_eq!(
            follow_up(&facts, FollowUpKind::Progress, None, Some(2)),
            Err(Refusal::Stale { current: 3 })
        );
        assert_eq!(
            key(follow_up(
                &facts,
                FollowUpKind::CompletionVerified,
                Some(Post::DisciplineSecretary),
                None
            )),
            Some("rectification.rule_verify_needs_reply")
        );
        facts.village_replied = true;
        assert_eq!(
            key(follow_up(&facts, FollowUpKind::CompletionVerified, None, None)),
            Some("rectification.verifier_not_post_holder")
        );
        assert_eq!(
            follow_up(
                &facts,
                FollowUpKind::CompletionVerified,
                Some(Post::PartySecretary),
                None
            ),
            Ok(OrderState::Completed)
        );
        facts.state = OrderState::Completed;
        assert_eq!(
            key(follow_up(&facts, FollowUpKind::VillageReply, None, None)),
            Some("rectification.rule_completed")
        );
    }

    #[test]
    fn only_an_order_in_force_is_overdue() {
        let today = day("2026-11-27");
        assert!(is_overdue(OrderState::Issued, day("2026-11-26"), today));
        assert!(
            !is_overdue(OrderState::Issued, today, today),
            "due today is not yet late"
        );
        assert!(!is_overdue(OrderState::Draft, day("2026-01-01"), today));
        assert!(!is_overdue(OrderState::Completed, day("2026-01-01"), today));
    }

    #[test]
    fn names_round_trip() {
        for p in Post::ALL {
            assert_eq!(Post::parse(p.as_str()), Some(p));
        }
        for s in OrderState::ALL {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
        }
        for k in FollowUpKind::ALL {
            assert_eq!(FollowUpKind::parse("kind", k.as_str()), Ok(k));
        }
        assert_eq!(order_number(2026, 3), "督改〔2026〕3号");
    }
}
