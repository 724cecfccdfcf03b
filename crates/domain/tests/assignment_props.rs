//! Property tests of recusal and the assignment engine over random counties: no proposed team
//! breaks a rule, every "no team" claim is true, and small proposals are optimal (brute force).

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use proptest::prelude::*;
use qinglian_domain::assignment::{CostModel, OpenClue, Proposal, Unstaffed, propose};
use qinglian_domain::recusal::{
    Exclusion, Facts, Involvement, Override, Policy, StaffMember, Subject, Tie, TieKind, TieTarget, team_is_valid,
};

/// A member of staff as numbers: home, posting township, unit, zone, available, load, maximum.
type StaffRow = (usize, Option<usize>, usize, Option<usize>, bool, u32, Option<u32>);
/// A clue as numbers: township, subject person, unit, village, zone, team size.
type ClueRow = (usize, Option<usize>, usize, Option<usize>, Option<usize>, u32);

/// A random county in plain numbers; `build` names everything.
#[derive(Debug, Clone)]
struct County {
    townships: usize,
    staff: Vec<StaffRow>,
    ties: Vec<(usize, usize, bool, usize)>,
    involvements: Vec<(usize, usize)>,
    clues: Vec<ClueRow>,
    overrides: Vec<(usize, usize, usize)>,
    zone_only: bool,
    model: (u32, u32, u32),
    distances: Vec<(usize, usize, u32)>,
}

const PERSONS: usize = 4;
const VILLAGES: usize = 3;
const UNITS: usize = 3;

fn zone_of_township(t: usize) -> usize {
    t % 2
}

fn county(max_staff: usize, max_clues: usize, max_k: u32) -> impl Strategy<Value = County> {
    let staff = prop::collection::vec(
        (
            0..5usize,
            prop::option::of(0..5usize),
            0..UNITS + 5,
            prop::option::weighted(0.9, 0..2usize),
            prop::bool::weighted(0.9),
            0..4u32,
            prop::option::weighted(0.7, 1..5u32),
        ),
        0..=max_staff,
    );
    let ties = prop::collection::vec((0..16usize, 0..3usize, any::<bool>(), 0..16usize), 0..8);
    let inv = prop::collection::vec((0..16usize, 0..16usize), 0..5);
    let clues = prop::collection::vec(
        (
            0..5usize,
            prop::option::weighted(0.9, 0..16usize),
            0..UNITS + 5,
            prop::option::of(0..VILLAGES),
            prop::option::weighted(0.9, 0..2usize),
            1..=max_k,
        ),
        0..=max_clues,
    );
    let overrides = prop::collection::vec((0..16usize, 0..16usize, 0..10usize), 0..4);
    let distances = prop::collection::vec((0..5usize, 0..5usize, 0..20u32), 0..6);
    (
        2..=5usize,
        staff,
        ties,
        inv,
        clues,
        overrides,
        prop::bool::weighted(0.2),
        (0..4u32, 0..9u32, 0..3u32),
        distances,
    )
        .prop_map(
            |(townships, staff, ties, involvements, clues, overrides, zone_only, model, distances)| County {
                townships,
                staff,
                ties,
                involvements,
                clues,
                overrides,
                zone_only,
                model,
                distances,
            },
        )
}

/// Everything `propose` takes, named.
struct World {
    staff: Vec<StaffMember>,
    ties: Vec<Tie>,
    involvements: Vec<Involvement>,
    clues: Vec<OpenClue>,
    overrides: Vec<Override>,
    policy: Policy,
    model: CostModel,
}

fn build(c: &County) -> World {
    let t = |i: usize| format!("t{}", i % c.townships);
    let staff: Vec<StaffMember> = c
        .staff
        .iter()
        .enumerate()
        .map(
            |(i, &(home, posting, unit, zone, available, load, max_load))| StaffMember {
                id: format!("s{i}"),
                home_township_id: Some(t(home)),
                posting_township_id: posting.map(t),
                // Units are a few departments or the posting township itself.
                posting_unit_id: Some(match posting {
                    Some(p) if unit >= UNITS => t(p),
                    _ => format!("u{}", unit % UNITS),
                }),
                zone_id: zone.map(|z| format!("z{z}")),
                available,
                load,
                max_load,
            },
        )
        .collect();
    // People: the staff and a few outsiders, so a subject may be a member of staff.
    let n_staff = staff.len();
    let person = |i: usize| {
        let i = i % (n_staff + PERSONS);
        if i < n_staff {
            format!("s{i}")
        } else {
            format!("p{}", i - n_staff)
        }
    };
    let kinds = [TieKind::Kinship, TieKind::FormerColleague, TieKind::SameVillage];
    let ties = c
        .ties
        .iter()
        .map(|&(by, kind, village, target)| Tie {
            declared_by: person(by),
            kind: kinds[kind],
            target: if village {
                TieTarget::Village(format!("v{}", target % VILLAGES))
            } else {
                TieTarget::Person(person(target))
            },
        })
        .collect();
    let involvements = c
        .involvements
        .iter()
        .map(|&(s, p)| Involvement {
            staff_id: person(s),
            person_id: person(p),
        })
        .collect();
    let clues: Vec<OpenClue> = c
        .clues
        .iter()
        .enumerate()
        .map(|(j, &(town, who, unit, village, zone, k))| OpenClue {
            subject: Subject {
                id: format!("c{j}"),
                township_id: t(town),
                person_id: who.map(person),
                unit_id: Some(if unit >= UNITS { t(town) } else { format!("u{unit}") }),
                village_id: village.map(|v| format!("v{v}")),
                zone_id: zone.map(|_| format!("z{}", zone_of_township(town % c.townships))),
            },
            team_size: NonZeroU32::new(k).unwrap_or(NonZeroU32::MIN),
        })
        .collect();
    let overrides = c
        .overrides
        .iter()
        .filter(|_| !clues.is_empty() && n_staff > 0)
        .filter_map(|&(j, s, e)| {
            Override::new(
                &format!("c{}", j % clues.len().max(1)),
                &format!("s{}", s % n_staff.max(1)),
                Exclusion::ALL[e],
                "报批",
                "requester",
                "approver",
            )
            .ok()
        })
        .collect();
    let mut distances = BTreeMap::new();
    for &(a, b, d) in &c.distances {
        let (a, b) = (a % c.townships, b % c.townships);
        distances.insert((a.min(b), a.max(b)), d);
    }
    World {
        staff,
        ties,
        involvements,
        clues,
        overrides,
        policy: Policy { zone_only: c.zone_only },
        model: CostModel {
            load_weight: c.model.0,
            out_of_zone: c.model.1,
            per_km: c.model.2,
            distances: distances.into_iter().map(|((a, b), d)| (t(a), t(b), d)).collect(),
        },
    }
}

/// Recusal written out naively from the rules, to check the indexed implementation against.
fn reference_exclusions(w: &World, s: &Subject, m: &StaffMember) -> Vec<Exclusion> {
    let eq = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    let mut out = Vec::new();
    let mut add = |e: Exclusion| {
        if !out.contains(&e) {
            out.push(e)
        }
    };
    if s.person_id.as_deref() == Some(m.id.as_str()) {
        add(Exclusion::IsSubject);
    }
    if m.home_township_id.as_deref() == Some(s.township_id.as_str()) {
        add(Exclusion::SameHomeTownship);
    }
    if m.posting_township_id.as_deref() == Some(s.township_id.as_str()) {
        add(Exclusion::PostedInTownship);
    }
    if eq(&m.posting_unit_id, &s.unit_id) {
        add(Exclusion::PostedInSubjectUnit);
    }
    for tie in &w.ties {
        let by_staff = tie.declared_by == m.id
            && match &tie.target {
                TieTarget::Person(p) => s.person_id.as_ref() == Some(p),
                TieTarget::Village(v) => s.village_id.as_ref() == Some(v),
            };
        let by_subject =
            s.person_id.as_ref() == Some(&tie.declared_by) && tie.target == TieTarget::Person(m.id.clone());
        if by_staff || by_subject {
            add(Exclusion::DeclaredTie(tie.kind));
        }
    }
    if w.involvements
        .iter()
        .any(|v| v.staff_id == m.id && s.person_id.as_ref() == Some(&v.person_id))
    {
        add(Exclusion::PriorInvolvement);
    }
    if w.policy.zone_only && s.zone_id.is_some() && m.zone_id != s.zone_id {
        add(Exclusion::OutsideZone);
    }
    if !m.available {
        add(Exclusion::Unavailable);
    }
    out.sort();
    out
}

/// Per clue, per staff: eligible after overrides, and the travel cost of the place.
fn eligibility(w: &World) -> Vec<Vec<Option<i64>>> {
    let km = |a: &str, b: &str| {
        w.model
            .distances
            .iter()
            .find(|(x, y, _)| (x == a && y == b) || (x == b && y == a))
            .map_or(0, |d| i64::from(d.2))
    };
    w.clues
        .iter()
        .map(|c| {
            w.staff
                .iter()
                .map(|m| {
                    let left = reference_exclusions(w, &c.subject, m).into_iter().filter(|e| {
                        !w.overrides
                            .iter()
                            .any(|o| o.subject_id() == c.subject.id && o.staff_id() == m.id && o.exclusion() == *e)
                    });
                    (left.count() == 0).then(|| {
                        let out = c.subject.zone_id.is_some() && m.zone_id != c.subject.zone_id;
                        let d = m
                            .posting_township_id
                            .as_deref()
                            .map_or(0, |p| km(p, &c.subject.township_id));
                        i64::from(out) * i64::from(w.model.out_of_zone) + i64::from(w.model.per_km) * d
                    })
                })
                .collect()
        })
        .collect()
}

fn room(m: &StaffMember) -> u32 {
    m.max_load.map_or(u32::MAX, |x| x.saturating_sub(m.load))
}

/// The least cost of staffing exactly `set` (clue indices), or `None` if impossible.
fn brute(w: &World, elig: &[Vec<Option<i64>>], set: &[usize]) -> Option<i64> {
    fn go(w: &World, elig: &[Vec<Option<i64>>], set: &[usize], used: &mut Vec<u32>, travel: i64) -> Option<i64> {
        let Some((&j, rest)) = set.split_first() else {
            let lw = i64::from(w.model.load_weight);
            return Some(
                travel
                    + w.staff
                        .iter()
                        .zip(used.iter())
                        .map(|(m, u)| {
                            let (a, b) = (i64::from(m.load), i64::from(m.load + u));
                            lw * (b * b - a * a)
                        })
                        .sum::<i64>(),
            );
        };
        let k = w.clues[j].team_size.get() as usize;
        let cands: Vec<usize> = (0..w.staff.len()).filter(|&i| elig[j][i].is_some()).collect();
        let mut best: Option<i64> = None;
        let mut pick = Vec::new();
        choose(&cands, k, 0, &mut pick, &mut |team| {
            if team.iter().any(|&i| used[i] >= room(&w.staff[i])) {
                return;
            }
            let t: i64 = team.iter().map(|&i| elig[j][i].unwrap_or(0)).sum();
            for &i in team {
                used[i] += 1;
            }
            if let Some(c) = go(w, elig, rest, used, travel + t) {
                best = Some(best.map_or(c, |b: i64| b.min(c)));
            }
            for &i in team {
                used[i] -= 1;
            }
        });
        best
    }
    go(w, elig, set, &mut vec![0; w.staff.len()], 0)
}

fn choose(cands: &[usize], k: usize, from: usize, pick: &mut Vec<usize>, f: &mut dyn FnMut(&[usize])) {
    if pick.len() == k {
        f(pick);
        return;
    }
    for i in from..cands.len() {
        pick.push(cands[i]);
        choose(cands, k, i + 1, pick, f);
        pick.pop();
    }
}

/// The checks every proposal must pass; `exhaustive` adds the brute-force ones.
fn check(w: &World, p: &Proposal, exhaustive: bool) -> Result<(), TestCaseError> {
    let facts = Facts::new(w.staff.clone(), &w.ties, &w.involvements, w.policy);
    for c in &w.clues {
        for m in &w.staff {
            let got: Vec<Exclusion> = facts.exclusions(&c.subject, &m.id).unwrap_or_default().iter().collect();
            prop_assert_eq!(
                got,
                reference_exclusions(w, &c.subject, m),
                "{} on {}",
                m.id,
                c.subject.id
            );
        }
    }
    let elig = eligibility(w);
    let mut used = vec![0u32; w.staff.len()];
    let mut staffed = Vec::new();
    let mut travel = 0;
    prop_assert_eq!(p.clues.len(), w.clues.len());
    for (j, (c, cp)) in w.clues.iter().zip(&p.clues).enumerate() {
        let eligible = elig[j].iter().filter(|e| e.is_some()).count() as u32;
        let with_room = (0..w.staff.len())
            .filter(|&i| elig[j][i].is_some() && room(&w.staff[i]) > 0)
            .count() as u32;
        prop_assert_eq!(cp.eligible, eligible);
        let k = c.team_size.get();
        match &cp.team {
            Ok(team) => {
                let ids: Vec<&str> = team.iter().map(|m| w.staff[m.staff].id.as_str()).collect();
                prop_assert_eq!(team_is_valid(&ids, &c.subject, &facts, &w.overrides), Ok(()));
                prop_assert_eq!(team.len() as u32, k);
                for m in team {
                    used[m.staff] += 1;
                    travel += elig[j][m.staff].unwrap_or(0);
                }
                staffed.push(j);
            }
            Err(Unstaffed::TooFewEligible { eligible: e, needed }) => {
                prop_assert!(*e == eligible && eligible < k && *needed == k);
            }
            Err(Unstaffed::AtCapacity {
                eligible: e,
                with_room: r,
                needed,
            }) => {
                prop_assert!(*e == eligible && eligible >= k && *r == with_room && with_room < k && *needed == k);
            }
            Err(Unstaffed::TakenByEarlierClues { with_room: r, needed }) => {
                prop_assert!(*r == with_room && with_room >= k && *needed == k);
                if exhaustive {
                    let mut set = staffed.clone();
                    set.push(j);
                    prop_assert!(brute(w, &elig, &set).is_none(), "clue {} could join {:?}", j, staffed);
                }
            }
        }
    }
    for (i, m) in w.staff.iter().enumerate() {
        prop_assert_eq!(p.loads_after[i], m.load + used[i]);
        prop_assert!(used[i] <= room(m), "{} over capacity", m.id);
    }
    let lw = i64::from(w.model.load_weight);
    let load_cost: i64 = w
        .staff
        .iter()
        .zip(&used)
        .map(|(m, u)| lw * (i64::from(m.load + u).pow(2) - i64::from(m.load).pow(2)))
        .sum();
    prop_assert_eq!(p.cost, travel + load_cost, "reported cost");
    if exhaustive {
        prop_assert_eq!(Some(p.cost), brute(w, &elig, &staffed), "not optimal");
    }
    Ok(())
}

fn run(c: &County, exhaustive: bool) -> Result<(), TestCaseError> {
    let w = build(c);
    let facts = Facts::new(w.staff.clone(), &w.ties, &w.involvements, w.policy);
    let p = propose(&w.clues, &facts, &w.overrides, &w.model);
    check(&w, &p, exhaustive)?;
    prop_assert_eq!(
        &p,
        &propose(&w.clues, &facts, &w.overrides, &w.model),
        "not deterministic"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn small_counties_are_staffed_validly_and_optimally(c in county(6, 4, 3)) {
        run(&c, true)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn larger_counties_never_break_a_rule(c in county(40, 60, 4)) {
        run(&c, false)?;
    }
}
