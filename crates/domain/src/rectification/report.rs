//! The monthly report (月度汇报) of a C village to the township's top official: its five
//! sections, the months a plan owes a report for, when each is due, and who files and who hears.
//!
//! A plan owes one report per calendar month, from the month it was opened through the month
//! its reporting ends (the caller says when; `None` while it runs). A month's report is due on
//! `DUE_DAY` of the following month; it cannot be filed before the month has ended. A village
//! liaison (联村干部) posted to the township files it; the township's party secretary, and no
//! one else, hears it, never their own. A heard report is the archive.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};

use super::order::Post;
use crate::error::Invalid;
use crate::inspection::Text;
use crate::role::Role;

/// The day of the following month by which a month's report is due.
pub const DUE_DAY: u32 = 5;

/// A calendar month a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportMonth {
    year: i32,
    /// 1 to 12.
    month: u32,
}

impl ReportMonth {
    /// The month a day falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            month: day.month(),
        }
    }

    /// `YYYY-MM`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let bad = || Invalid::field(field, "monthly_report.month_invalid", Some(raw));
        let t = raw.trim();
        let (y, m) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (year, month): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(1..=12).contains(&month) || year < 2000 {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    pub const fn year(self) -> i32 {
        self.year
    }

    pub const fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        // Month 1..=12 of a year from 2000 always exists.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub const fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The day the report is due: `DUE_DAY` of the following month.
    pub fn due_on(self) -> NaiveDate {
        let n = self.next();
        NaiveDate::from_ymd_opt(n.year, n.month, DUE_DAY).unwrap_or(NaiveDate::MAX)
    }

    /// Whether the month is over on `today` (its report can be written).
    pub fn has_ended(self, today: NaiveDate) -> bool {
        today >= self.next().first_day()
    }
}

impl fmt::Display for ReportMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for ReportMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where a month of the schedule stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthStatus {
    /// The month has not ended: nothing can be filed yet.
    NotYetDue,
    /// The month has ended and the report is not past its due day.
    Due,
    /// Not filed, and past its due day.
    Overdue,
    /// Filed, awaiting the party secretary's hearing.
    Filed,
    /// Heard: archived, never changed.
    Heard,
}

impl MonthStatus {
    pub const ALL: [MonthStatus; 5] = [Self::NotYetDue, Self::Due, Self::Overdue, Self::Filed, Self::Heard];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotYetDue => "not_yet_due",
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Filed => "filed",
            Self::Heard => "heard",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The catalogue key of the status's name.
    pub const fn key(self) -> &'static str {
        match self {
            Self::NotYetDue => "monthly_report.status.not_yet_due",
            Self::Due => "monthly_report.status.due",
            Self::Overdue => "monthly_report.status.overdue",
            Self::Filed => "monthly_report.status.filed",
            Self::Heard => "monthly_report.status.heard",
        }
    }
}

/// The months a plan owes a report for on `today`: from the month it was opened through the
/// month its reporting ends, and never beyond the current month.
pub fn schedule(opened_on: NaiveDate, reporting_ends_on: Option<NaiveDate>, today: NaiveDate) -> Vec<ReportMonth> {
    let last = ReportMonth::of(reporting_ends_on.map_or(today, |e| e.min(today)));
    let mut out = Vec::new();
    let mut m = ReportMonth::of(opened_on);
    while m <= last {
        out.push(m);
        m = m.next();
    }
    out
}

/// Whether the plan owes a report for `month` at all (whatever the day).
pub fn owes(opened_on: NaiveDate, reporting_ends_on: Option<NaiveDate>, month: ReportMonth) -> bool {
    month >= ReportMonth::of(opened_on) && reporting_ends_on.is_none_or(|e| month <= ReportMonth::of(e))
}

/// A month's status on `today`; `filed` is `Some(heard)` when a report is on record.
pub fn status(month: ReportMonth, filed: Option<bool>, today: NaiveDate) -> MonthStatus {
    match filed {
        Some(true) => MonthStatus::Heard,
        Some(false) => MonthStatus::Filed,
        None if !month.has_ended(today) => MonthStatus::NotYetDue,
        None if today <= month.due_on() => MonthStatus::Due,
        None => MonthStatus::Overdue,
    }
}

/// The five things the report covers, in the order the township hears them.
pub const SECTIONS: [&str; 5] = ["conduct", "funds", "projects", "affairs", "complaints"];

/// The report's text: conduct and discipline (作风纪律), collective funds, assets and resources
/// (三资管理), village projects (村级工程), the running of village affairs (村务管理运行), and
/// what villagers report, petitions included (群众反映/信访).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections {
    pub conduct: Text,
    pub funds: Text,
    pub projects: Text,
    pub affairs: Text,
    pub complaints: Text,
}

impl Sections {
    /// Every bad section at once.
    pub fn parse(conduct: &str, funds: &str, projects: &str, affairs: &str, complaints: &str) -> Result<Self, Invalid> {
        let r = [
            Text::parse("conduct", conduct),
            Text::parse("funds", funds),
            Text::parse("projects", projects),
            Text::parse("affairs", affairs),
            Text::parse("complaints", complaints),
        ];
        Invalid::collect(r.iter().map(|x| x.clone().err()))?;
        let [Ok(conduct), Ok(funds), Ok(projects), Ok(affairs), Ok(complaints)] = r else {
            unreachable!("collect returned every error above")
        };
        Ok(Self {
            conduct,
            funds,
            projects,
            affairs,
            complaints,
        })
    }

    /// The sections in `SECTIONS` order.
    pub fn texts(&self) -> [&str; 5] {
        [
            self.conduct.as_str(),
            self.funds.as_str(),
            self.projects.as_str(),
            self.affairs.as_str(),
            self.complaints.as_str(),
        ]
    }
}

/// What the filing rule needs to know about the plan and the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilingFacts<'a> {
    pub township_id: &'a str,
    pub opened_on: NaiveDate,
    pub reporting_ends_on: Option<NaiveDate>,
    /// Whether a report for the month is already on record.
    pub already_filed: bool,
}

/// Who files: their role, where they are posted, and whether the county recorded them as the
/// township's party secretary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filer<'a> {
    pub role: Role,
    pub posting_township_id: Option<&'a str>,
    pub party_secretary: bool,
}

/// Judges a filing: a liaison posted to the township (not its party secretary, who hears the
/// report), for a month that has ended, that the plan owes, and that has no report yet.
pub fn check_filing(
    facts: FilingFacts<'_>,
    filer: Filer<'_>,
    month: ReportMonth,
    today: NaiveDate,
) -> Result<(), Invalid> {
    let refuse = |key: &'static str| Err(Invalid::field("month", key, Some(&month.to_string())));
    if filer.role != Role::VillageLiaison || filer.posting_township_id != Some(facts.township_id) {
        return Err(Invalid::field("report", "monthly_report.filer_not_liaison", None));
    }
    if filer.party_secretary {
        return Err(Invalid::field("report", "monthly_report.party_secretary_hears", None));
    }
    if !month.has_ended(today) {
        return refuse("monthly_report.month_not_ended");
    }
    if !owes(facts.opened_on, facts.reporting_ends_on, month) {
        return refuse("monthly_report.month_outside_schedule");
    }
    if facts.already_filed {
        return refuse("monthly_report.already_filed");
    }
    Ok(())
}

/// Judges a hearing: of a report not yet heard, by the holder of the township's party
/// secretary post, who did not file it.
pub fn check_hearing(
    filed_by: &str,
    heard: bool,
    hearer_staff_id: &str,
    hearer_post: Option<Post>,
) -> Result<(), Invalid> {
    let refuse = |key: &'static str| Err(Invalid::field("report", key, None));
    if heard {
        return refuse("monthly_report.already_heard");
    }
    if hearer_post != Some(Post::PartySecretary) {
        return refuse("monthly_report.hearer_not_party_secretary");
    }
    if hearer_staff_id == filed_by {
        return refuse("monthly_report.no_self_hearing");
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn m(s: &str) -> ReportMonth {
        ReportMonth::parse("month", s).unwrap()
    }

    fn months(v: &[ReportMonth]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn months_parse_and_print_as_year_and_month() {
        assert_eq!(m(" 2026-03 ").to_string(), "2026-03");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-3",
            "26-03",
            "2026/03",
            "2026-03-01",
            "",
            "abcd-ef",
            "1999-12",
        ] {
            assert_eq!(
                ReportMonth::parse("month", bad).unwrap_err().fields[0].key,
                "monthly_report.month_invalid",
                "{bad}"
            );
        }
        assert_eq!(ReportMonth::of(d("2026-11-30")), m("2026-11"));
    }

    #[test]
    fn december_is_followed_by_january_and_due_in_the_new_year() {
        assert_eq!(m("2026-12").next(), m("2027-01"));
        assert_eq!(m("2026-12").due_on(), d("2027-01-05"));
        assert_eq!(m("2026-11").due_on(), d("2026-12-05"));
        assert!(!m("2026-12").has_ended(d("2026-12-31")));
        assert!(m("2026-12").has_ended(d("2027-01-01")));
    }

    #[test]
    fn a_months_status_turns_at_its_boundaries() {
        let nov = m("2026-11");
        assert_eq!(status(nov, None, d("2026-11-30")), MonthStatus::NotYetDue);
        assert_eq!(status(nov, None, d("2026-12-01")), MonthStatus::Due);
        assert_eq!(status(nov, None, d("2026-12-05")), MonthStatus::Due);
        assert_eq!(status(nov, None, d("2026-12-06")), MonthStatus::Overdue);
        assert_eq!(status(nov, Some(false), d("2027-03-01")), MonthStatus::Filed);
        assert_eq!(status(nov, Some(true), d("2027-03-01")), MonthStatus::Heard);
        let dec = m("2026-12");
        assert_eq!(status(dec, None, d("2027-01-05")), MonthStatus::Due);
        assert_eq!(status(dec, None, d("2027-01-06")), MonthStatus::Overdue);
    }

    #[test]
    fn the_schedule_runs_from_the_opening_month_to_the_end_or_today() {
        // Opened on the 31st: that month counts whole, and the next is February.
        let s = schedule(d("2026-01-31"), None, d("2026-04-02"));
        assert_eq!(months(&s), vec!["2026-01", "2026-02", "2026-03", "2026-04"]);
        // Across the year.
        let s = schedule(d("2026-11-15"), None, d("2027-02-10"));
        assert_eq!(months(&s), vec!["2026-11", "2026-12", "2027-01", "2027-02"]);
        // Ended: through the month it ended, not beyond.
        let s = schedule(d("2026-06-01"), Some(d("2026-08-31")), d("2026-11-27"));
        assert_eq!(months(&s), vec!["2026-06", "2026-07", "2026-08"]);
        // Opened today: this month only, not yet due.
        let s = schedule(d("2026-11-27"), None, d("2026-11-27"));
        assert_eq!(months(&s), vec!["2026-11"]);
        assert_eq!(status(s[0], None, d("2026-11-27")), MonthStatus::NotYetDue);
        assert!(owes(d("2026-06-30"), Some(d("2026-08-01")), m("2026-08")));
        assert!(!owes(d("2026-06-30"), Some(d("2026-08-01")), m("2026-09")));
        assert!(!owes(d("2026-06-30"), None, m("2026-05")));
        assert!(owes(d("2026-06-30"), None, m("2030-05")));
    }

    const T: &str = "township";

    fn liaison() -> Filer<'static> {
        Filer {
            role: Role::VillageLiaison,
            posting_township_id: Some(T),
            party_secretary: false,
        }
    }

    fn facts(filed: bool) -> FilingFacts<'static> {
        FilingFacts {
            township_id: T,
            opened_on: d("2026-07-31"),
            reporting_ends_on: None,
            already_filed: filed,
        }
    }

    fn filing_key(facts: FilingFacts<'_>, filer: Filer<'_>, month: &str, today: &str) -> Option<&'static str> {
        check_filing(facts, filer, m(month), d(today))
            .err()
            .map(|e| e.fields[0].key)
    }

    #[test]
    fn a_liaison_of_the_township_files_an_ended_month_of_the_schedule_once() {
        assert_eq!(filing_key(facts(false), liaison(), "2026-10", "2026-11-02"), None);
        assert_eq!(filing_key(facts(false), liaison(), "2026-07", "2026-08-01"), None);
        assert_eq!(
            filing_key(facts(false), liaison(), "2026-11", "2026-11-30"),
            Some("monthly_report.month_not_ended")
        );
        assert_eq!(
            filing_key(facts(false), liaison(), "2026-06", "2026-11-02"),
            Some("monthly_report.month_outside_schedule")
        );
        let ended = FilingFacts {
            reporting_ends_on: Some(d("2026-09-10")),
            ..facts(false)
        };
        assert_eq!(filing_key(ended, liaison(), "2026-09", "2026-11-02"), None);
        assert_eq!(
            filing_key(ended, liaison(), "2026-10", "2026-11-02"),
            Some("monthly_report.month_outside_schedule")
        );
        assert_eq!(
            filing_key(facts(true), liaison(), "2026-10", "2026-11-02"),
            Some("monthly_report.already_filed")
        );
    }

    #[test]
    fn only_a_liaison_posted_there_files_and_the_party_secretary_hears_instead() {
        let elsewhere = Filer {
            posting_township_id: Some("other"),
            ..liaison()
        };
        let secretary = Filer {
            role: Role::TownshipSecretary,
            ..liaison()
        };
        let party = Filer {
            party_secretary: true,
            ..liaison()
        };
        for who in [elsewhere, secretary] {
            assert_eq!(
                filing_key(facts(false), who, "2026-10", "2026-11-02"),
                Some("monthly_report.filer_not_liaison")
            );
        }
        assert_eq!(
            filing_key(facts(false), party, "2026-10", "2026-11-02"),
            Some("monthly_report.party_secretary_hears")
        );
    }

    #[test]
    fn the_party_secretary_hears_once_and_never_their_own_report() {
        let p = Some(Post::PartySecretary);
        assert_eq!(check_hearing("filer", false, "party", p), Ok(()));
        let key = |r: Result<(), Invalid>| r.unwrap_err().fields[0].key;
        assert_eq!(
            key(check_hearing("filer", true, "party", p)),
            "monthly_report.already_heard"
        );
        assert_eq!(
            key(check_hearing("filer", false, "other", None)),
            "monthly_report.hearer_not_party_secretary"
        );
        assert_eq!(
            key(check_hearing(
                "filer",
                false,
                "discipline",
                Some(Post::DisciplineSecretary)
            )),
            "monthly_report.hearer_not_party_secretary"
        );
        assert_eq!(
            key(check_hearing("party", false, "party", p)),
            "monthly_report.no_self_hearing"
        );
    }

    #[test]
    fn sections_are_parsed_whole() {
        let long = "字".repeat(crate::inspection::TEXT_MAX_CHARS + 1);
        let e = Sections::parse("", "资金", " ", &long, "信访").unwrap_err();
        let got: Vec<(&str, &str)> = e.fields.iter().map(|f| (f.field.as_str(), f.key)).collect();
        assert_eq!(
            got,
            vec![
                ("conduct", "text.empty"),
                ("projects", "text.empty"),
                ("affairs", "text.too_long")
            ]
        );
        let s = Sections::parse("作风", "三资", "工程", "村务", "信访").unwrap();
        assert_eq!(s.texts(), ["作风", "三资", "工程", "村务", "信访"]);
    }
}
