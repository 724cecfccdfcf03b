//! Clues and cases: the register of leads, how each is disposed of, and the case opened from
//! one. The most confidential records of the system; who may see them is `reaches_case`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Invalid, Name};
use crate::inspection::{Text, parse_date};
use crate::scope::Reach;

/// Where a clue came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClueSource {
    /// 信访举报
    Petition,
    /// 巡察移交
    Inspection,
    /// 审计移交
    Audit,
    /// 监督检查
    Supervision,
    /// 其他
    Other,
}

impl ClueSource {
    pub const ALL: [ClueSource; 5] = [
        Self::Petition,
        Self::Inspection,
        Self::Audit,
        Self::Supervision,
        Self::Other,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Petition => "petition",
            Self::Inspection => "inspection",
            Self::Audit => "audit",
            Self::Supervision => "supervision",
            Self::Other => "other",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "clue.source_unknown", Some(raw)))
    }
}

/// The five ways a clue is disposed of (处置方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// 谈话函询
    TalkInquiry,
    /// 初步核实
    PreliminaryVerification,
    /// 暂存待查
    Shelved,
    /// 予以了结
    Closed,
    /// 立案审查调查
    CaseOpened,
}

impl Disposition {
    pub const ALL: [Disposition; 5] = [
        Self::TalkInquiry,
        Self::PreliminaryVerification,
        Self::Shelved,
        Self::Closed,
        Self::CaseOpened,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TalkInquiry => "talk_inquiry",
            Self::PreliminaryVerification => "preliminary_verification",
            Self::Shelved => "shelved",
            Self::Closed => "closed",
            Self::CaseOpened => "case_opened",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "clue.disposition_unknown", Some(raw)))
    }

    /// Whether the clue is finished with: nothing more can be decided on it.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Closed | Self::CaseOpened)
    }
}

/// The state of a clue: registered and waiting, or its latest disposition.
pub fn may_dispose(current: Option<Disposition>, next: Disposition) -> Result<(), Invalid> {
    match current {
        Some(d) if d.is_final() => Err(Invalid::field("disposition", "clue.already_final", Some(d.as_str()))),
        Some(d) if d == next => Err(Invalid::field("disposition", "clue.same_disposition", Some(d.as_str()))),
        _ => Ok(()),
    }
}

/// A clue as registered: who it is about, where, what, and when it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClueInput {
    pub source: ClueSource,
    pub subject_name: Name,
    pub subject_unit: Name,
    pub township_id: String,
    pub summary: Text,
    pub received_on: NaiveDate,
}

impl ClueInput {
    pub fn parse(
        source: &str,
        subject_name: &str,
        subject_unit: &str,
        township_id: &str,
        summary: &str,
        received_on: &str,
        today: NaiveDate,
    ) -> Result<Self, Invalid> {
        let source = ClueSource::parse("source", source);
        let subject_name = Name::parse("subject_name", subject_name);
        let subject_unit = Name::parse("subject_unit", subject_unit);
        let township = if township_id.trim().is_empty() {
            Err(Invalid::field("township_id", "clue.township_missing", None))
        } else {
            Ok(township_id.trim().to_owned())
        };
        let summary = Text::parse("summary", summary);
        let received_on = parse_date("received_on", received_on).and_then(|d| {
            if d > today {
                Err(Invalid::field(
                    "received_on",
                    "clue.received_in_future",
                    Some(received_on),
                ))
            } else {
                Ok(d)
            }
        });
        Invalid::collect([
            source.as_ref().err().cloned(),
            subject_name.as_ref().err().cloned(),
            subject_unit.as_ref().err().cloned(),
            township.as_ref().err().cloned(),
            summary.as_ref().err().cloned(),
            received_on.as_ref().err().cloned(),
        ])?;
        Ok(Self {
            source: source?,
            subject_name: subject_name?,
            subject_unit: subject_unit?,
            township_id: township?,
            summary: summary?,
            received_on: received_on?,
        })
    }
}

/// Whether a user may see a clue or case placed in `township_id`: never when it is their own
/// township (home or posting), whatever else they hold; otherwise by county reach, by the
/// case itself (team membership or grant), or by reach over its township (a zone grant).
pub fn reaches_case(reach: &Reach, case_or_clue_id: &str, township_id: &str) -> bool {
    if reach.own_townships.contains(township_id) {
        return false;
    }
    reach.county || reach.cases.contains(case_or_clue_id) || reach.townships.contains(township_id)
}

/// A case number as the register writes it: 〔year〕 and a three-digit sequence.
pub fn case_number(year: i32, seq: u32) -> String {
    format!("立案〔{year}〕{seq:03}号")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn a_clue_parses_with_every_problem_named() {
        let ok = ClueInput::parse(
            "petition",
            "甲某",
            "东岭镇财政所",
            "t1",
            "虚报冒领补贴",
            "2026-11-02",
            d("2026-11-27"),
        )
        .unwrap();
        assert_eq!(ok.source, ClueSource::Petition);
        let bad = ClueInput::parse("rumour", " ", "", "", "", "2026-12-30", d("2026-11-27")).unwrap_err();
        let keys: Vec<&str> = bad.fields.iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            vec![
                "clue.source_unknown",
                "name.empty",
                "name.empty",
                "clue.township_missing",
                "text.empty",
                "clue.received_in_future"
            ]
        );
    }

    #[test]
    fn final_dispositions_end_the_clue() {
        assert!(may_dispose(None, Disposition::TalkInquiry).is_ok());
        assert!(may_dispose(Some(Disposition::Shelved), Disposition::PreliminaryVerification).is_ok());
        assert_eq!(
            may_dispose(Some(Disposition::Closed), Disposition::CaseOpened)
                .unwrap_err()
                .fields[0]
                .key,
            "clue.already_final"
        );
        assert_eq!(
            may_dispose(Some(Disposition::TalkInquiry), Disposition::TalkInquiry)
                .unwrap_err()
                .fields[0]
                .key,
            "clue.same_disposition"
        );
    }

    #[test]
    fn own_township_beats_every_other_reach() {
        let mut r = Reach::everything();
        assert!(reaches_case(&r, "c1", "t1"));
        r.own_townships.insert("t1".into());
        assert!(
            !reaches_case(&r, "c1", "t1"),
            "county reach does not open one's own township"
        );
        r.cases.insert("c1".into());
        assert!(!reaches_case(&r, "c1", "t1"), "nor does membership of the case");
        let mut zone = Reach::default();
        zone.townships.insert("t2".into());
        assert!(reaches_case(&zone, "c2", "t2"));
        assert!(!reaches_case(&zone, "c2", "t3"));
        assert_eq!(case_number(2026, 7), "立案〔2026〕007号");
    }
}
