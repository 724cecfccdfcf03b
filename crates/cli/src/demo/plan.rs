//! The demo county as a value, drawn from the seed before anything is written, so a bad name
//! is caught before the first row and the same seed always yields the same county.

use qinglian_domain::Invalid;
use qinglian_domain::article::ArticleInput;
use qinglian_domain::error::Name;
use qinglian_domain::org::{CountyInput, TownshipInput, UnitInput, VillageInput, ZoneKind};
use qinglian_domain::role::Role;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::names::{Namer, chinese_number};
use super::tour::{TARGET_TOWNSHIPS, TARGETS, TourPlan, tour};
use super::units::{DEPARTMENTS, GROUP_DEPARTMENTS, OFFICES, STAFFED_DEPARTMENTS, SUPERVISION_OFFICES};
use super::{COUNTY_CODE, COUNTY_NAME, articles};

/// The story's county: 29 townships, 338 villages, 14 stationed groups.
pub(super) const TOWNSHIPS: usize = 29;
pub(super) const VILLAGES: usize = 338;
/// Commission leaders: the secretary, then one per zone (5 township zones + 2 group zones).
const LEADERS: usize = 8;
const CASE_MANAGERS: usize = 3;
const OFFICE_STAFF_EACH: usize = 2;
/// Three inspection groups of three, as for a round over 9 townships.
const INSPECTORS: usize = 9;
/// A township or street has at least this many villages, at most `MAX_VILLAGES`.
const MIN_VILLAGES: usize = 5;
const MAX_VILLAGES: usize = 22;

pub(super) struct Plan {
    pub county: CountyInput,
    pub offices: Vec<UnitInput>,
    pub departments: Vec<UnitInput>,
    /// Each group and the indices into `departments` it supervises.
    pub groups: Vec<(UnitInput, Vec<usize>)>,
    pub townships: Vec<TownshipPlan>,
    pub staff: Vec<StaffPlan>,
    pub zones: Vec<ZonePlan>,
    pub articles: Vec<ArticleInput>,
    /// The inspection round running now, drawn last from the seed.
    pub tour: TourPlan,
}

pub(super) struct TownshipPlan {
    pub input: TownshipInput,
    pub villages: Vec<VillageInput>,
}

/// Where a person is posted, by index into the plan's lists (ids exist only once written).
#[derive(Debug, Clone, Copy)]
pub(super) enum Posting {
    Commission,
    Township(usize),
    Department(usize),
    Group(usize),
}

pub(super) struct StaffPlan {
    pub name: Name,
    pub role: Role,
    pub posting: Posting,
    /// Index into `townships`.
    pub home: Option<usize>,
}

pub(super) struct ZonePlan {
    pub name: String,
    pub kind: ZoneKind,
    /// Index into `staff`; always a commission leader.
    pub leader: usize,
    /// Index into `offices`.
    pub office: usize,
    /// Indices into `townships` or `groups`, by `kind`.
    pub members: Vec<usize>,
}

impl Plan {
    pub(super) fn new(seed: u64) -> Result<Self, Invalid> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let county = CountyInput::parse(COUNTY_CODE, COUNTY_NAME)?;
        let offices = OFFICES
            .iter()
            .map(|(c, n)| UnitInput::parse(c, n))
            .collect::<Result<Vec<_>, _>>()?;
        let departments = DEPARTMENTS
            .iter()
            .map(|(c, n)| UnitInput::parse(c, &format!("{COUNTY_NAME}{n}")))
            .collect::<Result<Vec<_>, _>>()?;
        let groups = GROUP_DEPARTMENTS
            .iter()
            .enumerate()
            .map(|(i, codes)| {
                let unit = UnitInput::parse(
                    &format!("pz{:02}", i + 1),
                    &format!("派驻第{}纪检监察组", chinese_number(i + 1)),
                )?;
                Ok((unit, codes.iter().filter_map(|c| department_index(c)).collect()))
            })
            .collect::<Result<Vec<_>, Invalid>>()?;
        let townships = townships(&mut rng)?;
        let staff = staff(&mut rng, &townships)?;
        let zones = zones(&mut rng, &staff);
        let articles = articles::inputs()?;
        let tour = tour(&mut rng, &townships, &staff)?;
        Ok(Self {
            county,
            offices,
            departments,
            groups,
            townships,
            staff,
            zones,
            articles,
            tour,
        })
    }

    /// Store calls `create_demo` makes after the county, for progress.
    pub(super) fn writes(&self) -> u64 {
        let villages: usize = self.townships.iter().map(|t| t.villages.len()).sum();
        let n = self.offices.len()
            + self.departments.len()
            + self.groups.len()
            + self.townships.len()
            + villages
            + self.staff.len()
            + self.zones.len()
            + 2 * self.articles.len()
            + self.tour.writes();
        n as u64
    }
}

pub(super) fn department_index(code: &str) -> Option<usize> {
    DEPARTMENTS.iter().position(|(c, _)| *c == code)
}

/// Streets first, then towns, then townships, as the registry orders them; communities take
/// codes from 001 and villages from 201, as registry codes do.
fn townships(rng: &mut ChaCha8Rng) -> Result<Vec<TownshipPlan>, Invalid> {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Street,
        Town,
        Township,
    }
    let streets = rng.random_range(3..=4);
    let towns = rng.random_range(13..=16);
    let kinds: Vec<Kind> = (0..TOWNSHIPS)
        .map(|i| match i {
            i if i < streets => Kind::Street,
            i if i < streets + towns => Kind::Town,
            _ => Kind::Township,
        })
        .collect();
    let mut counts: Vec<usize> = kinds
        .iter()
        .map(|k| match k {
            Kind::Street => rng.random_range(5..=9),
            Kind::Town => rng.random_range(10..=17),
            Kind::Township => rng.random_range(7..=13),
        })
        .collect();
    // Nudge single townships until the county has the story's total; the bounds leave room.
    while counts.iter().sum::<usize>() != VILLAGES {
        let i = rng.random_range(0..TOWNSHIPS);
        if counts.iter().sum::<usize>() < VILLAGES {
            if counts[i] < MAX_VILLAGES && kinds[i] != Kind::Street {
                counts[i] += 1;
            }
        } else if counts[i] > MIN_VILLAGES {
            counts[i] -= 1;
        }
    }
    // The inspection round (see `tour`) takes the story's 141 villages from 9 rural townships:
    // move villages from the other rural townships to the 9 largest until they hold that many.
    // No draw is made, so a county that already has them is unchanged.
    loop {
        let mut rural: Vec<usize> = (0..TOWNSHIPS).filter(|&i| kinds[i] != Kind::Street).collect();
        rural.sort_by_key(|&i| (std::cmp::Reverse(counts[i]), i));
        let (top, rest) = rural.split_at(TARGET_TOWNSHIPS.min(rural.len()));
        if top.iter().map(|&i| counts[i]).sum::<usize>() >= TARGETS {
            break;
        }
        let to = top
            .iter()
            .copied()
            .filter(|&i| counts[i] < MAX_VILLAGES)
            .min_by_key(|&i| counts[i]);
        let from = rest.iter().copied().find(|&i| counts[i] > MIN_VILLAGES);
        let (Some(to), Some(from)) = (to, from) else {
            break;
        };
        counts[from] -= 1;
        counts[to] += 1;
    }
    let mut namer = Namer::new(rng);
    let names: Vec<String> = kinds
        .iter()
        .map(|k| match k {
            Kind::Street => namer.township("街道"),
            Kind::Town => namer.township("镇"),
            Kind::Township => namer.township("乡"),
        })
        .collect();
    let mut out = Vec::with_capacity(TOWNSHIPS);
    for (i, (kind, name)) in kinds.iter().zip(&names).enumerate() {
        let code = format!("{COUNTY_CODE}{:03}", i + 1);
        let total = counts[i];
        let communities = match kind {
            Kind::Street => total - namer.rng().random_range(0..=2),
            Kind::Town => namer.rng().random_range(1..=2),
            Kind::Township => usize::from(namer.rng().random_bool(0.3)),
        };
        namer.next_township();
        let mut villages = Vec::with_capacity(total);
        for c in 0..communities {
            villages.push(VillageInput::parse(&format!("{code}{:03}", c + 1), &namer.community())?);
        }
        for v in 0..total - communities {
            villages.push(VillageInput::parse(&format!("{code}{:03}", v + 201), &namer.village())?);
        }
        out.push(TownshipPlan {
            input: TownshipInput::parse(&code, name)?,
            villages,
        });
    }
    Ok(out)
}

/// Everyone the demo needs to show each role; the commission leaders come first so that zones
/// can name them by index.
fn staff(rng: &mut ChaCha8Rng, townships: &[TownshipPlan]) -> Result<Vec<StaffPlan>, Invalid> {
    let n = townships.len();
    let mut namer = Namer::new(rng);
    let mut out = Vec::new();
    let mut add = |namer: &mut Namer<'_>, role: Role, posting: Posting, home: Option<usize>| -> Result<(), Invalid> {
        out.push(StaffPlan {
            name: Name::parse("name", &namer.person())?,
            role,
            posting,
            home,
        });
        Ok(())
    };
    // Commission staff mostly come from somewhere in the county: the basis for recusal.
    let commission_home = |namer: &mut Namer<'_>| namer.rng().random_bool(0.8).then(|| namer.rng().random_range(0..n));
    for (role, count) in [
        (Role::CommissionLeader, LEADERS),
        (Role::CaseManager, CASE_MANAGERS),
        (Role::SupervisionOffice, OFFICE_STAFF_EACH * SUPERVISION_OFFICES),
        (Role::InspectionGroupMember, INSPECTORS),
        (Role::Auditor, 1),
        (Role::SystemAdmin, 1),
    ] {
        for _ in 0..count {
            let home = commission_home(&mut namer);
            add(&mut namer, role, Posting::Commission, home)?;
        }
    }
    // About a quarter of township secretaries serve away from home, as rotation rules make
    // them; at least a few do, so the demo always has a cross-handling case to show.
    let mut away: Vec<usize> = (0..n).collect();
    away.shuffle(namer.rng());
    let away_count = namer.rng().random_range(5..=9);
    away.truncate(away_count);
    for t in 0..n {
        let home = if away.contains(&t) {
            (t + namer.rng().random_range(1..n)) % n
        } else {
            t
        };
        add(&mut namer, Role::TownshipSecretary, Posting::Township(t), Some(home))?;
    }
    let mut liaisons = vec![0usize; n];
    for (t, count) in liaisons.iter_mut().enumerate() {
        for _ in 0..namer.rng().random_range(1..=2) {
            let home = if namer.rng().random_bool(0.9) {
                t
            } else {
                namer.rng().random_range(0..n)
            };
            add(&mut namer, Role::VillageLiaison, Posting::Township(t), Some(home))?;
            *count += 1;
        }
    }
    for g in 0..GROUP_DEPARTMENTS.len() {
        let home = commission_home(&mut namer);
        add(&mut namer, Role::StationedGroupHead, Posting::Group(g), home)?;
    }
    for d in STAFFED_DEPARTMENTS.iter().filter_map(|c| department_index(c)) {
        let home = commission_home(&mut namer);
        add(&mut namer, Role::DepartmentOfficer, Posting::Department(d), home)?;
    }
    // The first liaison of a township is its party secretary (`rectification`), who hears the
    // monthly reports; a second one files them. Added last, so everyone above keeps their name.
    for (t, _) in liaisons.iter().enumerate().filter(|(_, c)| **c < 2) {
        add(&mut namer, Role::VillageLiaison, Posting::Township(t), Some(t))?;
    }
    Ok(out)
}

/// Five township zones of 5–7 neighbours (consecutive codes) and two zones of seven groups,
/// each led by its own commission leader; the secretary (leader 0) chairs and leads none.
fn zones(rng: &mut ChaCha8Rng, staff: &[StaffPlan]) -> Vec<ZonePlan> {
    const SPLITS: [[usize; 5]; 3] = [[6, 6, 6, 6, 5], [7, 6, 6, 5, 5], [7, 7, 5, 5, 5]];
    let mut sizes = SPLITS[rng.random_range(0..SPLITS.len())];
    sizes.shuffle(rng);
    let mut leaders: Vec<usize> = staff
        .iter()
        .enumerate()
        .filter(|(_, s)| s.role == Role::CommissionLeader)
        .map(|(i, _)| i)
        .skip(1)
        .collect();
    leaders.shuffle(rng);
    let mut zones = Vec::with_capacity(7);
    let mut start = 0;
    for (z, size) in sizes.into_iter().enumerate() {
        zones.push(ZonePlan {
            name: format!("第{}协作区", chinese_number(z + 1)),
            kind: ZoneKind::Townships,
            leader: leaders[z],
            office: z,
            members: (start..start + size).collect(),
        });
        start += size;
    }
    let half = GROUP_DEPARTMENTS.len() / 2;
    for (z, members) in [(0..half), (half..GROUP_DEPARTMENTS.len())].into_iter().enumerate() {
        zones.push(ZonePlan {
            name: format!("第{}协作区", chinese_number(z + 6)),
            kind: ZoneKind::StationedGroups,
            leader: leaders[z + 5],
            // The first two offices each guide one township zone and one group zone.
            office: z,
            members: members.collect(),
        });
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_has_the_story_shape() {
        for seed in 0..20 {
            let p = Plan::new(seed).unwrap();
            assert_eq!(p.townships.len(), TOWNSHIPS);
            assert_eq!(p.townships.iter().map(|t| t.villages.len()).sum::<usize>(), VILLAGES);
            let zoned: usize = p
                .zones
                .iter()
                .filter(|z| z.kind == ZoneKind::Townships)
                .map(|z| z.members.len())
                .sum();
            assert_eq!(zoned, TOWNSHIPS);
            assert!(p.zones.iter().all(|z| p.staff[z.leader].role == Role::CommissionLeader));
        }
    }
}
