//! A zone's joint meeting (联席会议): the quarterly convener rotation the county sets, the
//! meetings held, and the convener's written term report (书面述职) drafted from the figures.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::{Invalid, Name};
use crate::inspection::{Text, parse_date};

/// A calendar quarter: the convener's term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub q: u8,
}

impl Quarter {
    pub fn new(year: i32, q: u8) -> Option<Self> {
        (1..=4).contains(&q).then_some(Self { year, q })
    }

    /// The quarter a day falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            q: (day.month0() / 3 + 1) as u8,
        }
    }

    /// `2026Q3` (also `2026-Q3`, `2026q3`).
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim().to_ascii_uppercase().replace('-', "");
        let bad = || Invalid::field(field, "quarter.invalid", Some(raw));
        let (y, q) = t.split_once('Q').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let q: u8 = q.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        Self::new(year, q).ok_or_else(bad)
    }

    /// Quarters counted from year 0, so that rotation arithmetic crosses year ends.
    const fn index(self) -> i64 {
        self.year as i64 * 4 + (self.q as i64 - 1)
    }

    fn from_index(i: i64) -> Self {
        Self {
            year: i.div_euclid(4) as i32,
            q: (i.rem_euclid(4) + 1) as u8,
        }
    }

    pub fn next(self) -> Self {
        Self::from_index(self.index() + 1)
    }

    pub fn prev(self) -> Self {
        Self::from_index(self.index() - 1)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    /// The four quarters of a year.
    pub fn of_year(year: i32) -> [Self; 4] {
        [1, 2, 3, 4].map(|q| Self { year, q })
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

/// The order in which the zone's secretaries and group heads convene, from a first quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rotation {
    pub start: Quarter,
    /// Staff ids, first convener first; each convenes one quarter, then the next takes over.
    pub order: Vec<String>,
}

impl Rotation {
    /// Parses the county's order; the convener check against the zone is the store's, which
    /// knows each person's role and posting (`convener::check_convener`).
    pub fn parse(start: &str, order: Vec<String>) -> Result<Self, Invalid> {
        let start = Quarter::parse("start", start);
        let order: Vec<String> = order
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let mut seen = order.clone();
        seen.sort();
        seen.dedup();
        let dup = (seen.len() != order.len()).then(|| Invalid::field("order", "rotation.duplicate", None));
        let empty = order
            .is_empty()
            .then(|| Invalid::field("order", "rotation.empty", None));
        Invalid::collect([start.as_ref().err().cloned(), dup, empty])?;
        Ok(Self { start: start?, order })
    }

    /// Who convenes in a quarter; nobody before the rotation starts.
    pub fn convener(&self, quarter: Quarter) -> Option<&str> {
        let n = self.order.len() as i64;
        let k = quarter.index() - self.start.index();
        if k < 0 || n == 0 {
            return None;
        }
        self.order.get(k.rem_euclid(n) as usize).map(String::as_str)
    }

    /// The calendar from `from`, `count` quarters long.
    pub fn calendar(&self, from: Quarter, count: usize) -> Vec<(Quarter, Option<String>)> {
        let mut q = from;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push((q, self.convener(q).map(str::to_owned)));
            q = q.next();
        }
        out
    }
}

/// A joint meeting as recorded: when, where, what was on the agenda, who came, what was said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JointMeetingInput {
    pub held_on: NaiveDate,
    pub place: Name,
    pub agenda: Text,
    pub attendee_ids: Vec<String>,
    pub minutes: Text,
}

impl JointMeetingInput {
    pub fn parse(
        held_on: &str,
        place: &str,
        agenda: &str,
        attendee_ids: Vec<String>,
        minutes: &str,
        today: NaiveDate,
    ) -> Result<Self, Invalid> {
        let held_on = parse_date("held_on", held_on).and_then(|d| {
            if d > today {
                Err(Invalid::field(
                    "held_on",
                    "joint_meeting.in_future",
                    Some(&d.to_string()),
                ))
            } else {
                Ok(d)
            }
        });
        let place = Name::parse("place", place);
        let agenda = Text::parse("agenda", agenda);
        let minutes = Text::parse("minutes", minutes);
        let mut attendees: Vec<String> = attendee_ids
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        attendees.sort();
        attendees.dedup();
        let none = attendees
            .is_empty()
            .then(|| Invalid::field("attendee_ids", "joint_meeting.no_attendees", None));
        Invalid::collect([
            held_on.as_ref().err().cloned(),
            place.as_ref().err().cloned(),
            agenda.as_ref().err().cloned(),
            minutes.as_ref().err().cloned(),
            none,
        ])?;
        Ok(Self {
            held_on: held_on?,
            place: place?,
            agenda: agenda?,
            attendee_ids: attendees,
            minutes: minutes?,
        })
    }
}

/// What the zone did in a quarter, as its term report states it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TermFigures {
    pub meetings_held: i64,
    pub clues_received: i64,
    pub clues_disposed: i64,
    pub cases_opened: i64,
    pub problems_found: i64,
    pub problems_rectified: i64,
    pub people_handled: i64,
}

/// The draft the convener starts from: the quarter's figures in the report's usual words.
/// Written in Chinese because the report is an official document of the county.
pub fn draft_report(zone: &str, convener: &str, quarter: Quarter, f: &TermFigures) -> String {
    format!(
        "{zone}联席会议召集人{convener}{year}年第{q}季度书面述职\n\n\
         一、履职情况\n本季度（{from}至{to}）召集联席会议{m}次。\n\n\
         二、工作成效\n协作区内受理问题线索{cr}件，处置{cd}件；立案审查调查{co}件；\
         发现问题{pf}个，整改{pr}个；运用“四种形态”处理{ph}人次。\n\n\
         三、存在问题\n（请填写）\n\n四、下一步打算\n（请填写）\n",
        year = quarter.year,
        q = quarter.q,
        from = quarter.first_day(),
        to = quarter.last_day(),
        m = f.meetings_held,
        cr = f.clues_received,
        cd = f.clues_disposed,
        co = f.cases_opened,
        pf = f.problems_found,
        pr = f.problems_rectified,
        ph = f.people_handled,
    )
}

/// Where a term report stands: a draft the convener edits, or submitted and final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    Submitted,
}

impl ReportState {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "draft" => Some(Self::Draft),
            "submitted" => Some(Self::Submitted),
            _ => None,
        }
    }
}

/// Whether the convener may write the quarter's report now: from the quarter's last month on
/// (the term is ending), never before it, and never once submitted.
pub fn may_write_report(quarter: Quarter, today: NaiveDate, state: Option<ReportState>) -> Result<(), Invalid> {
    if state == Some(ReportState::Submitted) {
        return Err(Invalid::field(
            "state",
            "term_report.submitted",
            Some(&quarter.to_string()),
        ));
    }
    let opens = quarter.last_day().with_day(1).unwrap_or(quarter.first_day());
    if today < opens {
        return Err(Invalid::field(
            "quarter",
            "term_report.too_early",
            Some(&quarter.to_string()),
        ));
    }
    Ok(())
}

/// Whether a user sees a zone's governance and figures: the county's roles see every zone;
/// zone-level staff see the zones of their posting or of a zone grant (`reach.townships`).
pub fn sees_zone(reach: &crate::scope::Reach, posting_unit_id: Option<&str>, member_ids: &[String]) -> bool {
    reach.county
        || member_ids
            .iter()
            .any(|m| posting_unit_id == Some(m.as_str()) || reach.townships.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn zone_staff_see_their_own_zone_only() {
        let members = vec!["t1".to_owned(), "t2".to_owned()];
        let mut r = crate::scope::Reach::default();
        assert!(!sees_zone(&r, Some("t9"), &members));
        assert!(sees_zone(&r, Some("t2"), &members), "posted to a member");
        r.townships.insert("t1".into());
        assert!(sees_zone(&r, None, &members), "a zone grant reaches its townships");
        assert!(sees_zone(&crate::scope::Reach::everything(), None, &members));
    }

    #[test]
    fn quarters_parse_and_cross_the_year_end() {
        let q = Quarter::parse("q", "2026Q4").unwrap();
        assert_eq!(q.next(), Quarter { year: 2027, q: 1 });
        assert_eq!(q.next().prev(), q);
        assert_eq!(Quarter::of(d("2026-11-27")), q);
        assert_eq!(q.first_day(), d("2026-10-01"));
        assert_eq!(q.last_day(), d("2026-12-31"));
        assert_eq!(Quarter::parse("q", "2026-q1").unwrap().to_string(), "2026Q1");
        for bad in ["2026Q5", "2026Q0", "Q1", "26", "1999Q1"] {
            assert_eq!(
                Quarter::parse("q", bad).unwrap_err().fields[0].key,
                "quarter.invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn the_rotation_goes_round_across_years() {
        let r = Rotation::parse("2026Q3", vec!["a".into(), "b".into(), "c".into()]).unwrap();
        let cal = r.calendar(Quarter::parse("q", "2026Q2").unwrap(), 6);
        let names: Vec<Option<&str>> = cal.iter().map(|(_, s)| s.as_deref()).collect();
        assert_eq!(names, vec![None, Some("a"), Some("b"), Some("c"), Some("a"), Some("b")]);
        assert_eq!(cal[3].0, Quarter { year: 2027, q: 1 });
        let keys = |e: Invalid| e.fields.iter().map(|f| f.key).collect::<Vec<_>>();
        assert_eq!(
            keys(Rotation::parse("x", vec!["a".into(), "a".into()]).unwrap_err()),
            vec!["quarter.invalid", "rotation.duplicate"]
        );
        assert_eq!(
            keys(Rotation::parse("2026Q1", vec![" ".into()]).unwrap_err()),
            vec!["rotation.empty"]
        );
    }

    #[test]
    fn a_meeting_needs_attendees_and_no_future_date() {
        let ok = JointMeetingInput::parse(
            "2026-10-12",
            "东岭镇会议室",
            "通报线索处置",
            vec!["s2".into(), "s1".into(), "s1".into()],
            "会议纪要",
            d("2026-11-27"),
        )
        .unwrap();
        assert_eq!(ok.attendee_ids, vec!["s1", "s2"]);
        let e = JointMeetingInput::parse("2027-01-01", "", "", vec![], "", d("2026-11-27")).unwrap_err();
        let keys: Vec<&str> = e.fields.iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            vec![
                "joint_meeting.in_future",
                "name.empty",
                "text.empty",
                "text.empty",
                "joint_meeting.no_attendees"
            ]
        );
    }

    #[test]
    fn reports_open_in_the_terms_last_month_and_close_when_submitted() {
        let q = Quarter::parse("q", "2026Q4").unwrap();
        assert_eq!(
            may_write_report(q, d("2026-11-30"), None).unwrap_err().fields[0].key,
            "term_report.too_early"
        );
        assert!(may_write_report(q, d("2026-12-01"), None).is_ok());
        assert!(may_write_report(q, d("2027-01-05"), Some(ReportState::Draft)).is_ok());
        assert_eq!(
            may_write_report(q, d("2027-01-05"), Some(ReportState::Submitted))
                .unwrap_err()
                .fields[0]
                .key,
            "term_report.submitted"
        );
        let text = draft_report(
            "第一协作区",
            "甲",
            q,
            &TermFigures {
                meetings_held: 2,
                ..Default::default()
            },
        );
        assert!(text.contains("2026年第4季度"), "{text}");
        assert!(text.contains("召集联席会议2次"), "{text}");
    }
}
