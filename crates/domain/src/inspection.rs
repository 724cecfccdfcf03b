//! Inspection tours and on-site meetings: rounds, groups and the recusal rule, concerns and
//! the order their answers must follow, and the receipt code a villager keeps.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::error::{Invalid, Name};

/// How long after closing a villager may still reopen their concern.
pub const REOPEN_WINDOW_DAYS: i64 = 30;
/// Longest concern, answer or reason text, in characters.
pub const TEXT_MAX_CHARS: usize = 2000;

/// A round as entered: its number in the term, a name, and its period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundInput {
    pub number: i64,
    pub name: Name,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl RoundInput {
    pub fn parse(number: &str, name: &str, starts_on: &str, days: &str) -> Result<Self, Invalid> {
        let number_r = number
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=99).contains(n))
            .ok_or_else(|| Invalid::field("number", "inspection.round_number", Some(number)));
        let name_r = Name::parse("name", name);
        let start_r = parse_date("starts_on", starts_on);
        let days_r = days
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| Invalid::field("days", "inspection.round_days", Some(days)));
        Invalid::collect([
            number_r.clone().err(),
            name_r.clone().err(),
            start_r.clone().err(),
            days_r.clone().err(),
        ])?;
        let (Ok(number), Ok(name), Ok(starts_on), Ok(days)) = (number_r, name_r, start_r, days_r) else {
            unreachable!("collect returned every error above")
        };
        Ok(Self {
            number,
            name,
            starts_on,
            ends_on: starts_on + Duration::days(days - 1),
        })
    }
}

pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| Invalid::field(field, "date.invalid", Some(raw)))
}

/// A member of an inspection group, as the recusal rule sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspector {
    pub staff_id: String,
    pub name: String,
    pub home_township_id: Option<String>,
}

/// A target village, as the recusal rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetVillage {
    pub village_id: String,
    pub name: String,
    pub township_id: String,
}

/// Recusal (回避): no member of a group inspects a village of their own home township.
/// Every conflict is named, so the form shows them all at once.
pub fn check_recusal(members: &[Inspector], targets: &[TargetVillage]) -> Result<(), Invalid> {
    let mut fields = Vec::new();
    for m in members {
        for t in targets {
            if m.home_township_id.as_deref() == Some(t.township_id.as_str()) {
                fields.extend(
                    Invalid::field(
                        "members",
                        "inspection.recusal_home_township",
                        Some(&format!("{} / {}", m.name, t.name)),
                    )
                    .fields,
                );
            }
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(Invalid { fields })
    }
}

/// The county's clock: times typed in forms are Beijing time.
pub const CHINA: chrono::FixedOffset = match chrono::FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

/// Parses `2026-12-01T09:30` (a form's datetime-local, Beijing time) or RFC 3339.
pub fn parse_time(field: &str, raw: &str) -> Result<DateTime<Utc>, Invalid> {
    let t = raw.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|n| n.and_local_timezone(CHINA).single())
        .map(|dt| dt.with_timezone(&Utc))
        .ok_or_else(|| Invalid::field(field, "time.invalid", Some(raw)))
}

/// An on-site meeting as scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingInput {
    pub round_id: String,
    pub group_id: String,
    pub village_id: String,
    pub place: Name,
    pub starts_at: DateTime<Utc>,
    pub department_ids: Vec<String>,
}

impl MeetingInput {
    pub fn parse(
        round_id: &str,
        group_id: &str,
        village_id: &str,
        place: &str,
        starts_at: &str,
        department_ids: Vec<String>,
    ) -> Result<Self, Invalid> {
        let round = required("round_id", round_id);
        let group = required("group_id", group_id);
        let village = required("village_id", village_id);
        let place_r = Name::parse("place", place);
        let time_r = parse_time("starts_at", starts_at);
        Invalid::collect([
            round.clone().err(),
            group.clone().err(),
            village.clone().err(),
            place_r.clone().err(),
            time_r.clone().err(),
        ])?;
        let (Ok(round_id), Ok(group_id), Ok(village_id), Ok(place), Ok(starts_at)) =
            (round, group, village, place_r, time_r)
        else {
            unreachable!("collect returned every error above")
        };
        let mut department_ids: Vec<String> = department_ids
            .into_iter()
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        department_ids.sort();
        department_ids.dedup();
        Ok(Self {
            round_id,
            group_id,
            village_id,
            place,
            starts_at,
            department_ids,
        })
    }
}

/// Free text from staff, a department or a villager: trimmed, bounded, no control characters
/// but line breaks. Markup is kept as text and rendered inert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(Invalid::field(field, "text.empty", None));
        }
        if t.chars().count() > TEXT_MAX_CHARS {
            return Err(Invalid::field(field, "text.too_long", None));
        }
        if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(Invalid::field(field, "text.control_chars", None));
        }
        Ok(Self(t.replace("\r\n", "\n")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a concern came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcernSource {
    /// Logged by staff during an on-site meeting.
    Meeting,
    /// Submitted by a villager through the public form.
    Public,
}

impl ConcernSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Meeting => "meeting",
            Self::Public => "public",
        }
    }
}

/// A concern as logged: what, where, which category; who raised it only if they wish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcernInput {
    pub text: Text,
    pub category_id: String,
    pub village_id: String,
    pub meeting_id: Option<String>,
    pub complainant_name: Option<Name>,
    pub complainant_phone: Option<String>,
}

impl ConcernInput {
    pub fn parse(
        text: &str,
        category_id: &str,
        village_id: &str,
        meeting_id: Option<&str>,
        complainant_name: &str,
        complainant_phone: &str,
    ) -> Result<Self, Invalid> {
        let text_r = Text::parse("text", text);
        let category = required("category_id", category_id);
        let village = required("village_id", village_id);
        let name_r = if complainant_name.trim().is_empty() {
            Ok(None)
        } else {
            Name::parse("complainant_name", complainant_name).map(Some)
        };
        let phone = complainant_phone.trim();
        let phone_r = if phone.is_empty() {
            Ok(None)
        } else if (5..=20).contains(&phone.len()) && phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+') {
            Ok(Some(phone.to_owned()))
        } else {
            Err(Invalid::field("complainant_phone", "concern.phone", Some(phone)))
        };
        Invalid::collect([
            text_r.clone().err(),
            category.clone().err(),
            village.clone().err(),
            name_r.clone().err(),
            phone_r.clone().err(),
        ])?;
        let (Ok(text), Ok(category_id), Ok(village_id), Ok(complainant_name), Ok(complainant_phone)) =
            (text_r, category, village, name_r, phone_r)
        else {
            unreachable!("collect returned every error above")
        };
        Ok(Self {
            text,
            category_id,
            village_id,
            meeting_id: meeting_id.map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned),
            complainant_name,
            complainant_phone,
        })
    }
}

fn required(field: &str, raw: &str) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        Err(Invalid::field(field, "field.required", None))
    } else {
        Ok(t.to_owned())
    }
}

/// Where a concern stands. The public sees these names (through the catalogue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcernState {
    /// 已登记: logged, not yet answered nor routed.
    Registered,
    /// 已交办: routed to a department with an answer deadline.
    Assigned,
    /// 整改中
    Rectifying,
    /// 已答复
    Answered,
    /// 已办结
    Closed,
    /// 办结未解决
    ClosedNotFixed,
    /// 群众重新打开
    Reopened,
}

impl ConcernState {
    pub const ALL: [ConcernState; 7] = [
        Self::Registered,
        Self::Assigned,
        Self::Rectifying,
        Self::Answered,
        Self::Closed,
        Self::ClosedNotFixed,
        Self::Reopened,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Assigned => "assigned",
            Self::Rectifying => "rectifying",
            Self::Answered => "answered",
            Self::Closed => "closed",
            Self::ClosedNotFixed => "closed_not_fixed",
            Self::Reopened => "reopened",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "concern.state_unknown", Some(raw)))
    }

    /// States in which a department owes an answer by the deadline.
    pub const fn awaits_department(self) -> bool {
        matches!(self, Self::Assigned | Self::Rectifying)
    }

    pub const fn is_closed(self) -> bool {
        matches!(self, Self::Closed | Self::ClosedNotFixed)
    }
}

/// Who takes a step on a concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The inspection group or the commission's staff.
    Group,
    /// The department the concern is routed to.
    Department,
    /// The villager, by receipt code.
    Villager,
}

/// A step on a concern. Each belongs to one party and is allowed only from certain states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConcernStep {
    AnswerOnSpot { answer: Text },
    Assign { department_id: String, deadline: NaiveDate },
    StartRectifying { note: Text },
    Answer { answer: Text },
    Extend { deadline: NaiveDate, reason: Text },
    NotOurs { reason: Text },
    Close { fixed: bool, note: Text },
    Confirm,
    Reopen { reason: Text },
}

impl ConcernStep {
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::AnswerOnSpot { .. } => "answer_on_spot",
            Self::Assign { .. } => "assign",
            Self::StartRectifying { .. } => "start_rectifying",
            Self::Answer { .. } => "answer",
            Self::Extend { .. } => "extend",
            Self::NotOurs { .. } => "not_ours",
            Self::Close { .. } => "close",
            Self::Confirm => "confirm",
            Self::Reopen { .. } => "reopen",
        }
    }

    pub const fn party(&self) -> Party {
        match self {
            Self::AnswerOnSpot { .. } | Self::Assign { .. } | Self::Close { .. } => Party::Group,
            Self::StartRectifying { .. } | Self::Answer { .. } | Self::Extend { .. } | Self::NotOurs { .. } => {
                Party::Department
            }
            Self::Confirm | Self::Reopen { .. } => Party::Villager,
        }
    }

    /// The step's text for the history, if it has one.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::AnswerOnSpot { answer } | Self::Answer { answer } => Some(answer.as_str()),
            Self::StartRectifying { note } | Self::Close { note, .. } => Some(note.as_str()),
            Self::Extend { reason, .. } | Self::NotOurs { reason } | Self::Reopen { reason } => Some(reason.as_str()),
            Self::Assign { .. } | Self::Confirm => None,
        }
    }

    /// Parses a step from a form or API body: `kind` and the fields it needs.
    pub fn parse(kind: &str, text: &str, department_id: &str, deadline: &str, fixed: bool) -> Result<Self, Invalid> {
        let t = |f: &str| Text::parse(f, text);
        Ok(match kind.trim() {
            "answer_on_spot" => Self::AnswerOnSpot { answer: t("text")? },
            "assign" => {
                let dept = required("department_id", department_id);
                let date = parse_date("deadline", deadline);
                Invalid::collect([dept.clone().err(), date.clone().err()])?;
                let (Ok(department_id), Ok(deadline)) = (dept, date) else {
                    unreachable!("collect returned every error above")
                };
                Self::Assign {
                    department_id,
                    deadline,
                }
            }
            "start_rectifying" => Self::StartRectifying { note: t("text")? },
            "answer" => Self::Answer { answer: t("text")? },
            "extend" => {
                let date = parse_date("deadline", deadline);
                let reason = t("text");
                Invalid::collect([date.clone().err(), reason.clone().err()])?;
                let (Ok(deadline), Ok(reason)) = (date, reason) else {
                    unreachable!("collect returned every error above")
                };
                Self::Extend { deadline, reason }
            }
            "not_ours" => Self::NotOurs { reason: t("text")? },
            "close" => Self::Close {
                fixed,
                note: t("text")?,
            },
            "confirm" => Self::Confirm,
            "reopen" => Self::Reopen { reason: t("text")? },
            other => return Err(Invalid::field("kind", "concern.step_unknown", Some(other))),
        })
    }
}

/// What the rules need to know about a concern to judge a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcernFacts {
    pub state: ConcernState,
    pub answer_deadline: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A step's outcome: the new state and deadline, and whether the department is cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: ConcernState,
    pub answer_deadline: Option<NaiveDate>,
    /// `Some(None)` clears the department ("not ours"); `Some(Some(id))` routes to one.
    pub department: Option<Option<String>>,
    pub closes: bool,
}

/// Judges a step against the concern's state: the next state, or the rule that refuses it.
pub fn next(facts: &ConcernFacts, step: &ConcernStep, now: DateTime<Utc>) -> Result<Transition, Invalid> {
    use ConcernState::*;
    let refuse = |key: &'static str| Err(Invalid::field("kind", key, Some(facts.state.as_str())));
    let keep = |state| Transition {
        state,
        answer_deadline: facts.answer_deadline,
        department: None,
        closes: false,
    };
    let today = now.date_naive();
    match step {
        ConcernStep::AnswerOnSpot { .. } => match facts.state {
            Registered | Reopened => Ok(keep(Answered)),
            _ => refuse("concern.rule_answer_on_spot"),
        },
        ConcernStep::Assign {
            department_id,
            deadline,
        } => match facts.state {
            Registered | Reopened if *deadline < today => Err(Invalid::field(
                "deadline",
                "concern.deadline_past",
                Some(&deadline.to_string()),
            )),
            Registered | Reopened => Ok(Transition {
                state: Assigned,
                answer_deadline: Some(*deadline),
                department: Some(Some(department_id.clone())),
                closes: false,
            }),
            _ => refuse("concern.rule_assign"),
        },
        ConcernStep::StartRectifying { .. } => match facts.state {
            Assigned => Ok(keep(Rectifying)),
            _ => refuse("concern.rule_department"),
        },
        ConcernStep::Answer { .. } => match facts.state {
            Assigned | Rectifying => Ok(keep(Answered)),
            _ => refuse("concern.rule_department"),
        },
        ConcernStep::Extend { deadline, .. } => match facts.state {
            Assigned | Rectifying if facts.answer_deadline.is_some_and(|d| *deadline <= d) || *deadline < today => Err(
                Invalid::field("deadline", "concern.extension_not_later", Some(&deadline.to_string())),
            ),
            Assigned | Rectifying => Ok(Transition {
                answer_deadline: Some(*deadline),
                ..keep(facts.state)
            }),
            _ => refuse("concern.rule_department"),
        },
        ConcernStep::NotOurs { .. } => match facts.state {
            Assigned | Rectifying => Ok(Transition {
                state: Registered,
                answer_deadline: None,
                department: Some(None),
                closes: false,
            }),
            _ => refuse("concern.rule_department"),
        },
        ConcernStep::Close { fixed, .. } => match facts.state {
            Answered => Ok(Transition {
                closes: true,
                ..keep(if *fixed { Closed } else { ClosedNotFixed })
            }),
            _ => refuse("concern.rule_close"),
        },
        ConcernStep::Confirm => match facts.state {
            Answered => Ok(Transition {
                closes: true,
                ..keep(Closed)
            }),
            _ => refuse("concern.rule_confirm"),
        },
        ConcernStep::Reopen { .. } => match facts.state {
            Answered => Ok(keep(Reopened)),
            Closed | ClosedNotFixed
                if facts
                    .closed_at
                    .is_some_and(|c| now - c <= Duration::days(REOPEN_WINDOW_DAYS)) =>
            {
                Ok(keep(Reopened))
            }
            Closed | ClosedNotFixed => refuse("concern.reopen_window"),
            _ => refuse("concern.rule_reopen"),
        },
    }
}

/// Whether a concern is past its answer deadline.
pub fn is_overdue(state: ConcernState, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    state.awaits_department() && deadline.is_some_and(|d| d < today)
}

/// The code a villager keeps to follow their concern: 16 random digits, shown in groups of
/// four. Only its hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    pub const DIGITS: usize = 16;

    /// Makes a code from random bytes (the caller draws them from the OS generator). Each
    /// digit comes from one byte below 250, so digits are uniform; 32 bytes almost always
    /// suffice, and the caller retries with fresh bytes when they do not.
    pub fn from_random(bytes: &[u8]) -> Option<Self> {
        let digits: String = bytes
            .iter()
            .filter(|b| **b < 250)
            .take(Self::DIGITS)
            .map(|b| char::from(b'0' + (b % 10)))
            .collect();
        (digits.len() == Self::DIGITS).then_some(Self(digits))
    }

    /// Accepts the code as a villager types it: spaces and dashes are ignored.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{3000}')).collect();
        if digits.len() == Self::DIGITS && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(Invalid::field("receipt", "concern.receipt_format", None))
        }
    }

    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `1234-5678-9012-3456`
    pub fn display(&self) -> String {
        let mut out = String::with_capacity(19);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }
}

impl std::fmt::Debug for ReceiptCode {
    // A receipt is a bearer secret: never in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReceiptCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: &str) -> DateTime<Utc> {
        format!("{day}T10:00:00Z").parse().unwrap()
    }

    fn facts(state: ConcernState) -> ConcernFacts {
        ConcernFacts {
            state,
            answer_deadline: NaiveDate::from_ymd_opt(2026, 12, 10),
            closed_at: None,
        }
    }

    fn text(s: &str) -> Text {
        Text::parse("text", s).unwrap()
    }

    #[test]
    fn rounds_parse_their_period_and_name_every_error() {
        let r = RoundInput::parse("8", "十五届县委第八轮巡察", "2026-10-01", "60").unwrap();
        assert_eq!(r.ends_on, NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        let e = RoundInput::parse("0", " ", "2026-13-01", "0").unwrap_err();
        let keys: Vec<_> = e.fields.iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            vec![
                "inspection.round_number",
                "name.empty",
                "date.invalid",
                "inspection.round_days"
            ]
        );
    }

    #[test]
    fn recusal_names_every_member_in_their_home_township() {
        let members = vec![
            Inspector {
                staff_id: "s1".into(),
                name: "甲".into(),
                home_township_id: Some("t1".into()),
            },
            Inspector {
                staff_id: "s2".into(),
                name: "乙".into(),
                home_township_id: None,
            },
        ];
        let targets = vec![
            TargetVillage {
                village_id: "v1".into(),
                name: "东村".into(),
                township_id: "t1".into(),
            },
            TargetVillage {
                village_id: "v2".into(),
                name: "西村".into(),
                township_id: "t2".into(),
            },
        ];
        let e = check_recusal(&members, &targets).unwrap_err();
        assert_eq!(e.fields.len(), 1);
        assert_eq!(e.fields[0].value.as_deref(), Some("甲 / 东村"));
        assert!(check_recusal(&members, &targets[1..]).is_ok());
    }

    #[test]
    fn text_is_bounded_and_markup_is_kept_as_text() {
        assert_eq!(Text::parse("text", " ").unwrap_err().fields[0].key, "text.empty");
        let big = "问".repeat(TEXT_MAX_CHARS + 1);
        assert_eq!(Text::parse("text", &big).unwrap_err().fields[0].key, "text.too_long");
        assert_eq!(
            Text::parse("text", "<script>x</script>").unwrap().as_str(),
            "<script>x</script>"
        );
        assert_eq!(
            Text::parse("text", "a\u{7}").unwrap_err().fields[0].key,
            "text.control_chars"
        );
        assert_eq!(Text::parse("text", "一\r\n二").unwrap().as_str(), "一\n二");
    }

    #[test]
    fn the_answer_path_runs_in_order() {
        use ConcernState::*;
        let now = at("2026-12-01");
        let assign = ConcernStep::Assign {
            department_id: "d1".into(),
            deadline: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
        };
        let t = next(&facts(Registered), &assign, now).unwrap();
        assert_eq!((t.state, t.department.clone()), (Assigned, Some(Some("d1".into()))));
        let t = next(
            &facts(Assigned),
            &ConcernStep::StartRectifying {
                note: text("已组织")
            },
            now,
        )
        .unwrap();
        assert_eq!(t.state, Rectifying);
        let t = next(
            &facts(Rectifying),
            &ConcernStep::Answer {
                answer: text("已修复")
            },
            now,
        )
        .unwrap();
        assert_eq!(t.state, Answered);
        let t = next(&facts(Answered), &ConcernStep::Confirm, now).unwrap();
        assert_eq!((t.state, t.closes), (Closed, true));
        // Out of order: a department cannot answer what was never routed to it.
        let e = next(&facts(Registered), &ConcernStep::Answer { answer: text("x") }, now).unwrap_err();
        assert_eq!(e.fields[0].key, "concern.rule_department");
        let e = next(&facts(Closed), &ConcernStep::Confirm, now).unwrap_err();
        assert_eq!(e.fields[0].key, "concern.rule_confirm");
    }

    #[test]
    fn deadlines_must_lie_ahead_and_extensions_later() {
        let now = at("2026-12-01");
        let past = ConcernStep::Assign {
            department_id: "d1".into(),
            deadline: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        };
        assert_eq!(
            next(&facts(ConcernState::Registered), &past, now).unwrap_err().fields[0].key,
            "concern.deadline_past"
        );
        let same = ConcernStep::Extend {
            deadline: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            reason: text("需要协调"),
        };
        assert_eq!(
            next(&facts(ConcernState::Assigned), &same, now).unwrap_err().fields[0].key,
            "concern.extension_not_later"
        );
        let later = ConcernStep::Extend {
            deadline: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
            reason: text("需要协调"),
        };
        let t = next(&facts(ConcernState::Assigned), &later, now).unwrap();
        assert_eq!(t.answer_deadline, NaiveDate::from_ymd_opt(2026, 12, 20));
        let t = next(
            &facts(ConcernState::Rectifying),
            &ConcernStep::NotOurs {
                reason: text("不属本部门"),
            },
            now,
        )
        .unwrap();
        assert_eq!((t.state, t.department), (ConcernState::Registered, Some(None)));
    }

    #[test]
    fn villagers_reopen_only_within_the_window() {
        let closed = ConcernFacts {
            state: ConcernState::Closed,
            answer_deadline: None,
            closed_at: Some(at("2026-12-01")),
        };
        let reopen = ConcernStep::Reopen {
            reason: text("没修好")
        };
        assert_eq!(
            next(&closed, &reopen, at("2026-12-20")).unwrap().state,
            ConcernState::Reopened
        );
        assert_eq!(
            next(&closed, &reopen, at("2027-01-05")).unwrap_err().fields[0].key,
            "concern.reopen_window"
        );
        assert!(is_overdue(
            ConcernState::Assigned,
            NaiveDate::from_ymd_opt(2026, 12, 1),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        ));
        assert!(!is_overdue(
            ConcernState::Answered,
            NaiveDate::from_ymd_opt(2026, 12, 1),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        ));
    }

    #[test]
    fn receipt_codes_are_sixteen_digits_typed_loosely() {
        let code = ReceiptCode::from_random(&[7u8; 32]).unwrap();
        assert_eq!(code.digits(), "7777777777777777");
        assert_eq!(code.display(), "7777-7777-7777-7777");
        assert!(ReceiptCode::from_random(&[255u8; 32]).is_none());
        assert_eq!(ReceiptCode::parse("7777 7777-7777 7777").unwrap(), code);
        assert_eq!(
            ReceiptCode::parse("7777").unwrap_err().fields[0].key,
            "concern.receipt_format"
        );
        assert_eq!(format!("{code:?}"), "ReceiptCode(…)");
    }

    #[test]
    fn steps_parse_from_forms() {
        let s = ConcernStep::parse("assign", "", "d1", "2026-12-10", false).unwrap();
        assert_eq!(s.party(), Party::Group);
        let e = ConcernStep::parse("assign", "", "", "", false).unwrap_err();
        assert_eq!(e.fields.len(), 2);
        assert_eq!(
            ConcernStep::parse("teleport", "", "", "", false).unwrap_err().fields[0].key,
            "concern.step_unknown"
        );
        assert_eq!(
            ConcernStep::parse("not_ours", "转自然资源局", "", "", false)
                .unwrap()
                .party(),
            Party::Department
        );
    }

    #[test]
    fn meeting_times_are_beijing_time() {
        let m = MeetingInput::parse(
            "r",
            "g",
            "v",
            "村委会议室",
            "2026-12-01T09:30",
            vec!["d2".into(), "d1".into(), "d1".into()],
        )
        .unwrap();
        assert_eq!(
            m.starts_at,
            at("2026-12-01").with_timezone(&Utc) - Duration::hours(8) - Duration::minutes(30)
        );
        assert_eq!(m.department_ids, vec!["d1".to_owned(), "d2".to_owned()]);
        assert_eq!(
            MeetingInput::parse("r", "g", "v", "x", "明天", vec![])
                .unwrap_err()
                .fields[0]
                .key,
            "time.invalid"
        );
    }

    #[test]
    fn concern_input_checks_every_field() {
        let e = ConcernInput::parse("", "", "", None, "", "abc").unwrap_err();
        let keys: Vec<_> = e.fields.iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            vec!["text.empty", "field.required", "field.required", "concern.phone"]
        );
        let ok = ConcernInput::parse("路灯坏了", "c1", "v1", Some(" "), " ", "").unwrap();
        assert_eq!((ok.meeting_id, ok.complainant_name), (None, None));
    }
}

/// One concern as the round's statistics see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcernFact {
    pub state: ConcernState,
    pub on_spot: bool,
    pub category: String,
    pub department: Option<String>,
    pub answer_deadline: Option<NaiveDate>,
    /// The day (Beijing time) the department first answered, if it has.
    pub answered_on: Option<NaiveDate>,
}

/// A round's figures: what the commission reports and the public register shows in sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RoundStats {
    pub total: usize,
    pub on_spot: usize,
    /// Answered by a department on or before the deadline.
    pub answered_in_time: usize,
    /// Answered by a department after the deadline.
    pub answered_late: usize,
    pub overdue: usize,
    pub by_category: Vec<(String, usize)>,
    pub by_state: Vec<(ConcernState, usize)>,
    pub by_department: Vec<DepartmentStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DepartmentStats {
    pub department: String,
    pub assigned: usize,
    pub answered_in_time: usize,
    pub answered_late: usize,
    pub overdue: usize,
}

impl RoundStats {
    /// Sums the facts; categories keep the order they are given in (the county's list).
    pub fn compute(categories: &[String], facts: &[ConcernFact], today: NaiveDate) -> Self {
        let mut s = RoundStats {
            total: facts.len(),
            by_category: categories.iter().map(|c| (c.clone(), 0)).collect(),
            by_state: ConcernState::ALL.iter().map(|st| (*st, 0)).collect(),
            ..Self::default()
        };
        for f in facts {
            if f.on_spot {
                s.on_spot += 1;
            }
            if let Some(c) = s.by_category.iter_mut().find(|(name, _)| *name == f.category) {
                c.1 += 1;
            } else {
                s.by_category.push((f.category.clone(), 1));
            }
            if let Some(st) = s.by_state.iter_mut().find(|(st, _)| *st == f.state) {
                st.1 += 1;
            }
            let late = match (f.answered_on, f.answer_deadline) {
                (Some(a), Some(d)) => Some(a > d),
                _ => None,
            };
            let overdue = is_overdue(f.state, f.answer_deadline, today);
            match late {
                Some(false) => s.answered_in_time += 1,
                Some(true) => s.answered_late += 1,
                None => {}
            }
            if overdue {
                s.overdue += 1;
            }
            if let Some(name) = &f.department {
                let i = match s.by_department.iter().position(|d| d.department == *name) {
                    Some(i) => i,
                    None => {
                        s.by_department.push(DepartmentStats {
                            department: name.clone(),
                            ..DepartmentStats::default()
                        });
                        s.by_department.len() - 1
                    }
                };
                let d = &mut s.by_department[i];
                d.assigned += 1;
                match late {
                    Some(false) => d.answered_in_time += 1,
                    Some(true) => d.answered_late += 1,
                    None => {}
                }
                if overdue {
                    d.overdue += 1;
                }
            }
        }
        s.by_department.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(b.assigned.cmp(&a.assigned))
                .then(a.department.cmp(&b.department))
        });
        s
    }
}

#[cfg(test)]
mod stats_tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn fact(state: ConcernState, dept: Option<&str>, deadline: Option<u32>, answered: Option<u32>) -> ConcernFact {
        ConcernFact {
            state,
            on_spot: false,
            category: "道路设施".into(),
            department: dept.map(str::to_owned),
            answer_deadline: deadline.map(day),
            answered_on: answered.map(day),
        }
    }

    #[test]
    fn answers_count_in_time_late_or_overdue() {
        use ConcernState::*;
        let mut spot = fact(Answered, None, None, None);
        spot.on_spot = true;
        spot.category = "人居环境".into();
        let facts = vec![
            spot,
            fact(Answered, Some("住建局"), Some(10), Some(9)),
            fact(Closed, Some("住建局"), Some(10), Some(12)),
            fact(Assigned, Some("交通局"), Some(10), None),
            fact(Rectifying, Some("交通局"), Some(30), None),
        ];
        let s = RoundStats::compute(&["人居环境".into(), "道路设施".into(), "其他".into()], &facts, day(20));
        assert_eq!(
            (s.total, s.on_spot, s.answered_in_time, s.answered_late, s.overdue),
            (5, 1, 1, 1, 1)
        );
        assert_eq!(
            s.by_category,
            vec![("人居环境".into(), 1), ("道路设施".into(), 4), ("其他".into(), 0)]
        );
        assert_eq!(
            s.by_department[0].department, "交通局",
            "the one with overdue answers first"
        );
        assert_eq!((s.by_department[0].assigned, s.by_department[0].overdue), (2, 1));
        assert_eq!(
            (s.by_department[1].answered_in_time, s.by_department[1].answered_late),
            (1, 1)
        );
        let answered = s.by_state.iter().find(|(st, _)| *st == Answered).unwrap().1;
        assert_eq!(answered, 2);
    }
}
