//! Issue 7's figure: an optimal proposal for 1,000 open clues × 300 staff with recusal, on one
//! core, in a county shaped like the demo (29 townships in 5 zones, declared ties, prior
//! involvement), beside a baseline in the same run: recusal alone for every clue × staff pair.
//! Also a variant with distances in the cost, and one where capacity runs short (the
//! priority pass). Prints median, min and max of RUNS.
//!
//! `cargo run --release -p qinglian-domain --example assignment_bench [RUNS]`

use std::num::NonZeroU32;
use std::time::Instant;

use qinglian_domain::assignment::{CostModel, OpenClue, Proposal, propose};
use qinglian_domain::recusal::{Facts, Involvement, Policy, StaffMember, Subject, Tie, TieKind, TieTarget};
use rand::{RngExt, SeedableRng};

const TOWNSHIPS: usize = 29;
const ZONES: usize = 5;
const VILLAGES: usize = 338;
const PERSONS: usize = 3000;
const DEPARTMENTS: usize = 40;

fn zone(t: usize) -> usize {
    t * ZONES / TOWNSHIPS
}

struct County {
    staff: Vec<StaffMember>,
    ties: Vec<Tie>,
    involvements: Vec<Involvement>,
    clues: Vec<OpenClue>,
    distances: Vec<(String, String, u32)>,
}

fn county(staff_n: usize, clues_n: usize, max_load: u32, seed: u64) -> County {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let staff: Vec<StaffMember> = (0..staff_n)
        .map(|i| {
            let home = rng.random_range(0..TOWNSHIPS);
            // Most staff work in a township, often their own; a few at the commission.
            let posting = (rng.random_range(0..10) > 0).then(|| {
                if rng.random_range(0..2) == 0 {
                    home
                } else {
                    rng.random_range(0..TOWNSHIPS)
                }
            });
            StaffMember {
                id: format!("staff-{i}"),
                home_township_id: Some(format!("t{home}")),
                posting_township_id: posting.map(|t| format!("t{t}")),
                posting_unit_id: Some(posting.map_or_else(
                    || format!("dept-{}", rng.random_range(0..DEPARTMENTS)),
                    |t| format!("t{t}"),
                )),
                zone_id: Some(format!("z{}", zone(posting.unwrap_or(home)))),
                available: rng.random_range(0..20) > 0,
                load: rng.random_range(0..5),
                max_load: Some(max_load),
            }
        })
        .collect();
    let kinds = [TieKind::Kinship, TieKind::FormerColleague, TieKind::SameVillage];
    let mut ties = Vec::new();
    for m in &staff {
        for _ in 0..rng.random_range(0..4) {
            let kind = kinds[rng.random_range(0..3)];
            let target = if kind == TieKind::SameVillage {
                TieTarget::Village(format!("v{}", rng.random_range(0..VILLAGES)))
            } else {
                TieTarget::Person(format!("p{}", rng.random_range(0..PERSONS)))
            };
            ties.push(Tie {
                declared_by: m.id.clone(),
                kind,
                target,
            });
        }
    }
    let involvements = (0..2000)
        .map(|_| Involvement {
            staff_id: format!("staff-{}", rng.random_range(0..staff_n)),
            person_id: format!("p{}", rng.random_range(0..PERSONS)),
        })
        .collect();
    let clues = (0..clues_n)
        .map(|j| {
            let t = rng.random_range(0..TOWNSHIPS);
            let k = [1, 2, 2, 2, 3][rng.random_range(0..5)];
            OpenClue {
                subject: Subject {
                    id: format!("clue-{j}"),
                    township_id: format!("t{t}"),
                    person_id: Some(format!("p{}", rng.random_range(0..PERSONS))),
                    unit_id: Some(if rng.random_range(0..3) == 0 {
                        format!("dept-{}", rng.random_range(0..DEPARTMENTS))
                    } else {
                        format!("t{t}")
                    }),
                    // Villages numbered so that each township has its own dozen.
                    village_id: Some(format!("v{}", t * 12 + rng.random_range(0..12))),
                    zone_id: Some(format!("z{}", zone(t))),
                },
                team_size: NonZeroU32::new(k).unwrap_or(NonZeroU32::MIN),
            }
        })
        .collect();
    // Townships on a line of hills: km between them by position.
    let pos: Vec<i64> = (0..TOWNSHIPS)
        .map(|t| (t as i64) * 6 + rng.random_range(0..5))
        .collect();
    let mut distances = Vec::new();
    for a in 0..TOWNSHIPS {
        for b in a + 1..TOWNSHIPS {
            distances.push((
                format!("t{a}"),
                format!("t{b}"),
                (pos[a] - pos[b]).unsigned_abs() as u32,
            ));
        }
    }
    County {
        staff,
        ties,
        involvements,
        clues,
        distances,
    }
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn summary(p: &Proposal) -> String {
    let staffed = p.clues.iter().filter(|c| c.team.is_ok()).count();
    let places: usize = p.clues.iter().filter_map(|c| c.team.as_ref().ok()).map(Vec::len).sum();
    let max = p.loads_after.iter().max().copied().unwrap_or(0);
    let out: usize = p
        .clues
        .iter()
        .filter_map(|c| c.team.as_ref().ok())
        .flatten()
        .filter(|m| !m.in_zone)
        .count();
    format!(
        "{staffed} clues staffed, {places} places, {out} out of zone, max load {max}, cost {}",
        p.cost
    )
}

fn bench(label: &str, c: &County, model: &CostModel, runs: usize, baseline: &mut Vec<f64>) {
    let facts = Facts::new(c.staff.clone(), &c.ties, &c.involvements, Policy::default());
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        // The baseline: recusal for every clue × staff pair, nothing else.
        let t = Instant::now();
        let mut eligible = 0usize;
        for clue in &c.clues {
            eligible += facts
                .exclusions_for(&clue.subject)
                .iter()
                .filter(|x| x.is_empty())
                .count();
        }
        std::hint::black_box(eligible);
        baseline.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let p = propose(&c.clues, &facts, &[], model);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(p);
    }
    let (med, min, max) = stats(times);
    println!("{label}: median {med:.0} ms (min {min:.0}, max {max:.0})");
    if let Some(p) = last {
        println!("    {}", summary(&p));
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(7);
    let demo = county(300, 1000, 15, 2026);
    let t = Instant::now();
    let facts = Facts::new(demo.staff.clone(), &demo.ties, &demo.involvements, Policy::default());
    let index_ms = t.elapsed().as_secs_f64() * 1e3;
    drop(facts);
    let mut baseline = Vec::new();
    bench(
        "1000 clues x 300 staff, default model",
        &demo,
        &CostModel::default(),
        runs,
        &mut baseline,
    );
    let km = CostModel {
        per_km: 1,
        distances: demo.distances.clone(),
        ..CostModel::default()
    };
    bench("1000 clues x 300 staff, with km", &demo, &km, runs, &mut baseline);
    let tight = county(300, 1000, 9, 2026);
    bench(
        "1000 clues x 300 staff, capacity short (max load 9)",
        &tight,
        &CostModel::default(),
        runs,
        &mut baseline,
    );
    let (med, min, max) = stats(baseline);
    println!("baseline, recusal of 1000 x 300 pairs: median {med:.1} ms (min {min:.1}, max {max:.1})");
    println!("indexing the facts (300 staff, ties, 2000 involvements): {index_ms:.1} ms");
    Ok(())
}
