//! Campaigns (专项整治) and the figures the zones report on them: problems found and
//! rectified, clues, cases, people handled under the four forms, sanctions and funds, in exact
//! yuan, with the zone league table.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Invalid, Name};
use crate::inspection::parse_date;

mod stats;
pub use stats::*;

/// An amount of money in yuan: never negative, at most two decimals (分), exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Yuan(Decimal);

impl Yuan {
    /// The largest amount a record holds (NUMERIC(14,2)).
    const MAX: Decimal = Decimal::from_parts(0x107A_3FFF, 0x5AF3, 0, false, 2);

    pub const ZERO: Yuan = Yuan(Decimal::ZERO);

    /// Parses `76000`, `76,000.5` or `0.01`; refuses a negative amount or a third decimal,
    /// naming the rule.
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim().replace([',', '，'], "");
        if t.is_empty() {
            return Ok(Self::ZERO);
        }
        let ok_chars = t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+');
        let d = Decimal::from_str(&t)
            .ok()
            .filter(|_| ok_chars)
            .ok_or_else(|| Invalid::field(field, "amount.invalid", Some(raw)))?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(Invalid::field(field, "amount.negative", Some(raw)));
        }
        if d.normalize().scale() > 2 {
            return Err(Invalid::field(field, "amount.too_many_decimals", Some(raw)));
        }
        if d.abs() > Self::MAX {
            return Err(Invalid::field(field, "amount.too_large", Some(raw)));
        }
        Ok(Self(Self::two_places(d.abs())))
    }

    fn two_places(d: Decimal) -> Decimal {
        let mut d = d;
        d.rescale(2);
        d
    }

    /// As stored: two decimals, no separators (`76000.00`).
    pub fn canonical(self) -> String {
        Self::two_places(self.0).to_string()
    }

    /// With thousands separators, for pages (`76,000.00`).
    pub fn display(self) -> String {
        let s = self.canonical();
        let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        format!("{out}.{frac}")
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn checked_add(self, other: Yuan) -> Option<Yuan> {
        self.0.checked_add(other.0).map(Yuan)
    }
}

impl std::fmt::Display for Yuan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl Serialize for Yuan {
    // As a string: JSON numbers are read as floats by most clients.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.canonical())
    }
}

/// The four forms of supervision and discipline (“四种形态”).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "u8")]
pub enum Form {
    /// 第一种形态: criticism, talks and inquiries, education.
    First = 1,
    /// 第二种形态: light party sanctions, organisational adjustment.
    Second = 2,
    /// 第三种形态: heavy sanctions, major changes of post.
    Third = 3,
    /// 第四种形态: serious violations under investigation for crimes.
    Fourth = 4,
}

impl From<Form> for u8 {
    fn from(f: Form) -> u8 {
        f as u8
    }
}

impl Form {
    pub const ALL: [Form; 4] = [Self::First, Self::Second, Self::Third, Self::Fourth];

    pub fn from_number(n: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|f| *f as i64 == n)
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        raw.trim()
            .parse::<i64>()
            .ok()
            .and_then(Self::from_number)
            .ok_or_else(|| Invalid::field(field, "handling.form_unknown", Some(raw)))
    }

    pub const fn number(self) -> u8 {
        self as u8
    }
}

/// Party and administrative sanctions (党纪政务处分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sanction {
    PartyWarning,
    PartySeriousWarning,
    PartyPostRemoval,
    PartyProbation,
    PartyExpulsion,
    GovWarning,
    GovDemerit,
    GovMajorDemerit,
    GovDemotion,
    GovDismissal,
    GovExpulsion,
}

impl Sanction {
    pub const ALL: [Sanction; 11] = [
        Self::PartyWarning,
        Self::PartySeriousWarning,
        Self::PartyPostRemoval,
        Self::PartyProbation,
        Self::PartyExpulsion,
        Self::GovWarning,
        Self::GovDemerit,
        Self::GovMajorDemerit,
        Self::GovDemotion,
        Self::GovDismissal,
        Self::GovExpulsion,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PartyWarning => "party_warning",
            Self::PartySeriousWarning => "party_serious_warning",
            Self::PartyPostRemoval => "party_post_removal",
            Self::PartyProbation => "party_probation",
            Self::PartyExpulsion => "party_expulsion",
            Self::GovWarning => "gov_warning",
            Self::GovDemerit => "gov_demerit",
            Self::GovMajorDemerit => "gov_major_demerit",
            Self::GovDemotion => "gov_demotion",
            Self::GovDismissal => "gov_dismissal",
            Self::GovExpulsion => "gov_expulsion",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "handling.sanction_unknown", Some(raw)))
    }
}

/// A campaign as the county declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignInput {
    pub name: Name,
    pub year: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl CampaignInput {
    pub fn parse(name: &str, starts_on: &str, ends_on: &str) -> Result<Self, Invalid> {
        let name = Name::parse("name", name);
        let starts = parse_date("starts_on", starts_on);
        let ends = parse_date("ends_on", ends_on);
        let order = match (&starts, &ends) {
            (Ok(s), Ok(e)) if e < s => Some(Invalid::field("ends_on", "campaign.ends_before_start", Some(ends_on))),
            _ => None,
        };
        Invalid::collect([
            name.as_ref().err().cloned(),
            starts.as_ref().err().cloned(),
            ends.as_ref().err().cloned(),
            order,
        ])?;
        let starts_on = starts?;
        Ok(Self {
            name: name?,
            year: chrono::Datelike::year(&starts_on),
            starts_on,
            ends_on: ends?,
        })
    }
}

/// Problems a unit found and rectified in a campaign, as reported on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingInput {
    pub campaign_id: String,
    pub unit_id: String,
    pub found: i64,
    pub rectified: i64,
    pub recorded_on: NaiveDate,
}

fn count(field: &str, raw: &str) -> Result<i64, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(0);
    }
    match t.parse::<i64>() {
        Ok(n) if (0..=1_000_000).contains(&n) => Ok(n),
        Ok(_) if t.starts_with('-') => Err(Invalid::field(field, "count.negative", Some(raw))),
        _ => Err(Invalid::field(field, "count.invalid", Some(raw))),
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

impl FindingInput {
    pub fn parse(
        campaign_id: &str,
        unit_id: &str,
        found: &str,
        rectified: &str,
        recorded_on: &str,
        today: NaiveDate,
    ) -> Result<Self, Invalid> {
        let campaign = required("campaign_id", campaign_id);
        let unit = required("unit_id", unit_id);
        let found = count("found", found);
        let rectified = count("rectified", rectified);
        let more = match (&found, &rectified) {
            (Ok(f), Ok(r)) if r > f => Some(Invalid::field(
                "rectified",
                "finding.rectified_exceeds_found",
                Some(&r.to_string()),
            )),
            _ => None,
        };
        let day = not_future("recorded_on", recorded_on, today);
        Invalid::collect([
            campaign.as_ref().err().cloned(),
            unit.as_ref().err().cloned(),
            found.as_ref().err().cloned(),
            rectified.as_ref().err().cloned(),
            more,
            day.as_ref().err().cloned(),
        ])?;
        Ok(Self {
            campaign_id: campaign?,
            unit_id: unit?,
            found: found?,
            rectified: rectified?,
            recorded_on: day?,
        })
    }
}

fn not_future(field: &str, raw: &str, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    parse_date(field, raw).and_then(|d| {
        if d > today {
            Err(Invalid::field(field, "date.in_future", Some(raw)))
        } else {
            Ok(d)
        }
    })
}

/// How one person was handled (处置): the form, a sanction if any, and the funds recovered.
/// Tied to a case when one was opened; the first form usually needs none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlingInput {
    pub case_id: Option<String>,
    /// The township or stationed group; for a case, the store takes the case's township.
    pub unit_id: Option<String>,
    pub campaign_id: Option<String>,
    pub form: Form,
    pub sanction: Option<Sanction>,
    pub funds_seized: Yuan,
    pub funds_handed_in: Yuan,
    pub decided_on: NaiveDate,
}

impl HandlingInput {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        case_id: &str,
        unit_id: &str,
        campaign_id: &str,
        form: &str,
        sanction: &str,
        funds_seized: &str,
        funds_handed_in: &str,
        decided_on: &str,
        today: NaiveDate,
    ) -> Result<Self, Invalid> {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let (case_id, unit_id, campaign_id) = (opt(case_id), opt(unit_id), opt(campaign_id));
        let place =
            (case_id.is_none() && unit_id.is_none()).then(|| Invalid::field("unit_id", "handling.place_missing", None));
        let form = Form::parse("form", form);
        let sanction = opt(sanction).map(|s| Sanction::parse("sanction", &s)).transpose();
        // A sanction is the second form or heavier: the first is criticism and education.
        let first = match (&form, &sanction) {
            (Ok(Form::First), Ok(Some(s))) => Some(Invalid::field(
                "sanction",
                "handling.sanction_in_first_form",
                Some(s.as_str()),
            )),
            _ => None,
        };
        let seized = Yuan::parse("funds_seized", funds_seized);
        let handed = Yuan::parse("funds_handed_in", funds_handed_in);
        let day = not_future("decided_on", decided_on, today);
        Invalid::collect([
            place,
            form.as_ref().err().cloned(),
            sanction.as_ref().err().cloned(),
            first,
            seized.as_ref().err().cloned(),
            handed.as_ref().err().cloned(),
            day.as_ref().err().cloned(),
        ])?;
        Ok(Self {
            case_id,
            unit_id,
            campaign_id,
            form: form?,
            sanction: sanction?,
            funds_seized: seized?,
            funds_handed_in: handed?,
            decided_on: day?,
        })
    }
}

/// What the figures are for: one campaign, or a calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Period {
    Campaign {
        id: String,
        name: String,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    },
    Year {
        year: i32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn amounts_are_exact_and_refused_with_the_rule() {
        assert_eq!(Yuan::parse("a", "76,000").unwrap().canonical(), "76000.00");
        assert_eq!(Yuan::parse("a", "0.1").unwrap().canonical(), "0.10");
        assert_eq!(Yuan::parse("a", "").unwrap(), Yuan::ZERO);
        assert_eq!(Yuan::parse("a", "1234567.5").unwrap().display(), "1,234,567.50");
        assert_eq!(
            Yuan::parse("a", "0.001").unwrap_err().fields[0].key,
            "amount.too_many_decimals"
        );
        assert_eq!(
            Yuan::parse("a", "1.100").unwrap().canonical(),
            "1.10",
            "trailing zeros are not decimals"
        );
        assert_eq!(Yuan::parse("a", "-1").unwrap_err().fields[0].key, "amount.negative");
        assert_eq!(Yuan::parse("a", "-0").unwrap(), Yuan::ZERO);
        assert_eq!(Yuan::parse("a", "1e3").unwrap_err().fields[0].key, "amount.invalid");
        assert_eq!(Yuan::parse("a", "NaN").unwrap_err().fields[0].key, "amount.invalid");
        assert_eq!(
            Yuan::parse("a", "1000000000000.00").unwrap_err().fields[0].key,
            "amount.too_large"
        );
        assert_eq!(
            Yuan::parse("a", "999999999999.99").unwrap().canonical(),
            "999999999999.99"
        );
        // 0.1 + 0.2 is 0.30 here, not 0.30000000000000004.
        let sum = Yuan::parse("a", "0.1")
            .unwrap()
            .checked_add(Yuan::parse("a", "0.2").unwrap())
            .unwrap();
        assert_eq!(sum.canonical(), "0.30");
    }

    #[test]
    fn handlings_name_every_broken_rule() {
        let ok = HandlingInput::parse(
            "c1",
            "",
            "k",
            "2",
            "party_warning",
            "100",
            "0.5",
            "2026-05-01",
            d("2026-11-27"),
        )
        .unwrap();
        assert_eq!((ok.form, ok.sanction), (Form::Second, Some(Sanction::PartyWarning)));
        let e = HandlingInput::parse(
            "",
            "",
            "",
            "1",
            "party_warning",
            "-1",
            "0.001",
            "2027-01-01",
            d("2026-11-27"),
        )
        .unwrap_err();
        let keys: Vec<&str> = e.fields.iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            vec![
                "handling.place_missing",
                "handling.sanction_in_first_form",
                "amount.negative",
                "amount.too_many_decimals",
                "date.in_future"
            ]
        );
        assert_eq!(
            HandlingInput::parse("", "t", "", "5", "", "", "", "2026-01-01", d("2026-11-27"))
                .unwrap_err()
                .fields[0]
                .key,
            "handling.form_unknown"
        );
    }

    #[test]
    fn findings_and_campaigns_parse() {
        let e = FindingInput::parse("k", "t", "3", "4", "2026-01-01", d("2026-11-27")).unwrap_err();
        assert_eq!(e.fields[0].key, "finding.rectified_exceeds_found");
        assert_eq!(
            FindingInput::parse("k", "t", "-3", "", "2026-01-01", d("2026-11-27"))
                .unwrap_err()
                .fields[0]
                .key,
            "count.negative"
        );
        let c = CampaignInput::parse("群众身边不正之风和腐败问题集中整治", "2026-03-01", "2026-10-31").unwrap();
        assert_eq!(c.year, 2026);
        assert_eq!(
            CampaignInput::parse("x", "2026-03-01", "2026-01-31")
                .unwrap_err()
                .fields[0]
                .key,
            "campaign.ends_before_start"
        );
    }
}
