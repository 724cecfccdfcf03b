//! A period's figures per zone and for the county, summed exactly, and the zone league table.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Form, Yuan};
use crate::Invalid;
use crate::case::Disposition;

/// The raw facts of a period, each placed in a unit (township or stationed group).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatFacts {
    /// (unit, found, rectified)
    pub findings: Vec<(String, i64, i64)>,
    /// (township, disposition or `None` while pending, count)
    pub clues: Vec<(String, Option<String>, i64)>,
    /// (township, cases opened)
    pub cases: Vec<(String, i64)>,
    pub handlings: Vec<HandlingFact>,
}

/// One handling as the statistics see it: no names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlingFact {
    pub unit_id: String,
    pub form: Form,
    pub sanctioned: bool,
    pub funds_seized: Yuan,
    pub funds_handed_in: Yuan,
}

/// A zone as the statistics group units: its id, name and member unit ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneUnits {
    pub id: String,
    pub name: String,
    pub members: BTreeSet<String>,
}

/// The figures of one zone (or of the county).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub problems_found: i64,
    pub problems_rectified: i64,
    /// Per disposition (`pending` for clues not yet disposed of), in the register's order.
    pub clues: BTreeMap<String, i64>,
    pub clues_total: i64,
    pub cases_opened: i64,
    /// People handled under the first to the fourth form.
    pub forms: [i64; 4],
    pub sanctions: i64,
    pub funds_seized: Yuan,
    pub funds_handed_in: Yuan,
}

impl Figures {
    fn add_finding(&mut self, found: i64, rectified: i64) {
        self.problems_found += found;
        self.problems_rectified += rectified;
    }

    fn add_clues(&mut self, disposition: &str, n: i64) {
        *self.clues.entry(disposition.to_owned()).or_default() += n;
        self.clues_total += n;
    }

    fn add_handling(&mut self, h: &HandlingFact) -> Result<(), Invalid> {
        self.forms[usize::from(h.form.number() - 1)] += 1;
        self.sanctions += i64::from(h.sanctioned);
        let overflow = || Invalid::field("funds", "amount.too_large", None);
        self.funds_seized = self.funds_seized.checked_add(h.funds_seized).ok_or_else(overflow)?;
        self.funds_handed_in = self
            .funds_handed_in
            .checked_add(h.funds_handed_in)
            .ok_or_else(overflow)?;
        Ok(())
    }

    /// Problems rectified per problem found, 0 when none were found.
    pub fn rectification_rate(&self) -> Decimal {
        if self.problems_found == 0 {
            Decimal::ZERO
        } else {
            Decimal::from(self.problems_rectified) / Decimal::from(self.problems_found)
        }
    }

    pub fn people_handled(&self) -> i64 {
        self.forms.iter().sum()
    }
}

/// A zone's line of the league table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeagueRow {
    pub rank: usize,
    pub zone_id: String,
    pub zone_name: String,
    /// 0–100, two decimals (see `LEAGUE_FORMULA`).
    pub score: Decimal,
    pub rectification_rate: Decimal,
    pub cases_per_unit: Decimal,
}

/// How the league table ranks zones, as the page states it.
pub const LEAGUE_FORMULA: &str = "score = 50 × (problems rectified ÷ problems found) + 50 × (cases opened per member unit ÷ the best zone's cases per member unit); ties: more problems found, then name";

/// The period's figures per zone, for the county, and the league table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignStats {
    /// (zone id, zone name, member units, figures), in the zones' order.
    pub zones: Vec<(String, String, usize, Figures)>,
    /// The whole county, including units in no zone.
    pub county: Figures,
    pub league: Vec<LeagueRow>,
}

impl CampaignStats {
    pub fn compute(zones: &[ZoneUnits], facts: &StatFacts) -> Result<Self, Invalid> {
        let mut county = Figures::default();
        let mut per: Vec<Figures> = vec![Figures::default(); zones.len()];
        let zone_of = |unit: &str| zones.iter().position(|z| z.members.contains(unit));
        for (unit, f, r) in &facts.findings {
            county.add_finding(*f, *r);
            if let Some(i) = zone_of(unit) {
                per[i].add_finding(*f, *r);
            }
        }
        for (unit, d, n) in &facts.clues {
            let d = d.as_deref().unwrap_or("pending");
            county.add_clues(d, *n);
            if let Some(i) = zone_of(unit) {
                per[i].add_clues(d, *n);
            }
        }
        for (unit, n) in &facts.cases {
            county.cases_opened += n;
            if let Some(i) = zone_of(unit) {
                per[i].cases_opened += n;
            }
        }
        for h in &facts.handlings {
            county.add_handling(h)?;
            if let Some(i) = zone_of(&h.unit_id) {
                per[i].add_handling(h)?;
            }
        }
        let league = league(zones, &per);
        Ok(Self {
            zones: zones
                .iter()
                .zip(per)
                .map(|(z, f)| (z.id.clone(), z.name.clone(), z.members.len(), f))
                .collect(),
            county,
            league,
        })
    }
}

/// The dispositions in the register's order, then the clues still pending.
pub fn disposition_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Disposition::ALL.iter().map(|d| d.as_str()).collect();
    keys.push("pending");
    keys
}

fn league(zones: &[ZoneUnits], figures: &[Figures]) -> Vec<LeagueRow> {
    let per_unit: Vec<Decimal> = zones
        .iter()
        .zip(figures)
        .map(|(z, f)| {
            if z.members.is_empty() {
                Decimal::ZERO
            } else {
                Decimal::from(f.cases_opened) / Decimal::from(z.members.len() as i64)
            }
        })
        .collect();
    let best = per_unit.iter().copied().max().unwrap_or(Decimal::ZERO);
    let fifty = Decimal::from(50);
    let mut rows: Vec<(LeagueRow, i64)> = zones
        .iter()
        .zip(figures)
        .zip(&per_unit)
        .map(|((z, f), pu)| {
            let rate = f.rectification_rate();
            let cases = if best.is_zero() { Decimal::ZERO } else { *pu / best };
            let mut score = fifty * rate + fifty * cases;
            score = score.round_dp(2);
            let mut rate2 = rate.round_dp(4);
            rate2.rescale(4);
            let mut pu2 = pu.round_dp(2);
            pu2.rescale(2);
            score.rescale(2);
            (
                LeagueRow {
                    rank: 0,
                    zone_id: z.id.clone(),
                    zone_name: z.name.clone(),
                    score,
                    rectification_rate: rate2,
                    cases_per_unit: pu2,
                },
                f.problems_found,
            )
        })
        .collect();
    rows.sort_by(|(a, af), (b, bf)| {
        b.score
            .cmp(&a.score)
            .then(bf.cmp(af))
            .then(a.zone_name.cmp(&b.zone_name))
    });
    rows.into_iter()
        .enumerate()
        .map(|(i, (mut r, _))| {
            r.rank = i + 1;
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_sum_exactly_per_zone_and_county_and_rank_the_zones() {
        let zone = |id: &str, m: &[&str]| ZoneUnits {
            id: id.into(),
            name: format!("Z{id}"),
            members: m.iter().map(|s| s.to_string()).collect(),
        };
        let zones = vec![zone("a", &["t1", "t2"]), zone("b", &["t3"])];
        let h = |u: &str, f: Form, s: bool, a: &str| HandlingFact {
            unit_id: u.into(),
            form: f,
            sanctioned: s,
            funds_seized: Yuan::parse("x", a).unwrap(),
            funds_handed_in: Yuan::parse("x", "0.10").unwrap(),
        };
        let facts = StatFacts {
            findings: vec![("t1".into(), 10, 10), ("t3".into(), 4, 2), ("t9".into(), 1, 0)],
            clues: vec![("t1".into(), Some("case_opened".into()), 2), ("t2".into(), None, 1)],
            cases: vec![("t1".into(), 2), ("t3".into(), 2)],
            handlings: vec![
                h("t1", Form::First, false, "0.10"),
                h("t2", Form::Second, true, "0.20"),
                h("t3", Form::Fourth, true, "75999.70"),
            ],
        };
        let s = CampaignStats::compute(&zones, &facts).unwrap();
        let a = &s.zones[0].3;
        assert_eq!((a.problems_found, a.problems_rectified, a.cases_opened), (10, 10, 2));
        assert_eq!(a.funds_seized.canonical(), "0.30");
        assert_eq!(a.forms, [1, 1, 0, 0]);
        assert_eq!(a.clues.get("pending"), Some(&1));
        assert_eq!(s.county.problems_found, 15, "units in no zone count for the county");
        assert_eq!(s.county.funds_seized.canonical(), "76000.00");
        assert_eq!(s.county.funds_handed_in.canonical(), "0.30");
        assert_eq!(s.county.sanctions, 2);
        // a: 50 × 1 + 50 × (1 ÷ 2) = 75; b: 50 × 0.5 + 50 × 1 = 75; tie, more problems found first.
        assert_eq!(s.league[0].zone_id, "a");
        assert_eq!(s.league[0].score.to_string(), "75.00");
        assert_eq!(s.league[1].score.to_string(), "75.00");
        assert_eq!(s.league[1].rank, 2);
    }
}
