//! The assignment engine: proposes a cross-handling team for every open clue at once, breaking
//! no recusal rule, balancing workload and keeping travel within the zone, and explains every
//! choice, exclusion and clue left without a team.
//!
//! The model. Clues are served in the order given (their priority): a clue is left without a
//! team only if no team can be formed for it together with teams for all earlier clues that
//! got one. Among all assignments that staff exactly that set of clues, the engine returns one
//! of least cost, where the cost is
//!
//! ```text
//!   Σ over staff        load_weight × (load_after² − load_before²)   (convex: loads spread)
//! + Σ over team places  out_of_zone, if the member's zone is not the clue's,
//!                       + per_km × km(member's posting township, clue's township)
//! ```
//!
//! It is solved exactly as a min-cost flow (source → clue, capacity k; clue → eligible staff,
//! capacity 1, so nobody is twice on a team; staff → sink with convex marginal load costs).

use std::collections::HashMap;
use std::num::NonZeroU32;

use serde::Serialize;

use crate::recusal::{Exclusion, Exclusions, Facts, NONE, Override, Subject};

mod flow;
#[cfg(test)]
mod tests;

/// An open clue or case waiting for a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenClue {
    pub subject: Subject,
    pub team_size: NonZeroU32,
}

/// The weights of the cost model; integers, so optima are exact and ties break the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostModel {
    /// Weight of the convex load term.
    pub load_weight: u32,
    /// Cost of one team place filled from another zone.
    pub out_of_zone: u32,
    /// Cost per kilometre between a member's posting township and the clue's township.
    pub per_km: u32,
    /// Distances between townships (either order), in kilometres; pairs not listed count 0.
    pub distances: Vec<(String, String, u32)>,
}

impl Default for CostModel {
    /// An out-of-zone member is chosen over a zone colleague only when the colleague carries
    /// at least four more open matters.
    fn default() -> Self {
        Self {
            load_weight: 1,
            out_of_zone: 6,
            per_km: 0,
            distances: Vec::new(),
        }
    }
}

/// One proposed member and why the place suits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// Index into `Facts::staff()`.
    pub staff: usize,
    /// From the clue's zone ("zone colleague").
    pub in_zone: bool,
    pub km: Option<u32>,
    /// Load before this proposal and after all of it.
    pub load_before: u32,
    pub load_after: u32,
    /// Exclusions waived for this member by approved overrides (usually none).
    pub waived: Exclusions,
}

/// Why a clue got no team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Unstaffed {
    /// Fewer staff pass recusal than the team needs ("only 1 eligible staff, team needs 2").
    TooFewEligible { eligible: u32, needed: u32 },
    /// Enough pass recusal, but too few of them have room under their maximum load.
    AtCapacity { eligible: u32, with_room: u32, needed: u32 },
    /// A team could be formed alone, but not together with the teams of earlier clues.
    TakenByEarlierClues { with_room: u32, needed: u32 },
}

impl Unstaffed {
    pub const fn key(self) -> &'static str {
        match self {
            Self::TooFewEligible { .. } => "assignment.too_few_eligible",
            Self::AtCapacity { .. } => "assignment.at_capacity",
            Self::TakenByEarlierClues { .. } => "assignment.taken_by_earlier_clues",
        }
    }
}

/// Staff kept off a clue for one reason (a member with several reasons is in several groups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExcludedGroup {
    pub exclusion: Exclusion,
    /// Indices into `Facts::staff()`, ascending.
    pub staff: Vec<usize>,
}

/// The proposal for one clue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClueProposal {
    /// The team, members in staff order, or why there is none.
    pub team: Result<Vec<Member>, Unstaffed>,
    /// Staff excluded by recusal, grouped by reason in reporting order.
    pub excluded: Vec<ExcludedGroup>,
    /// Staff who pass recusal.
    pub eligible: u32,
    /// Of those, staff with no room under their maximum load.
    pub at_capacity: Vec<usize>,
}

/// Teams for all clues, in the clues' order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub clues: Vec<ClueProposal>,
    /// Every staff member's load after the proposal, indexed like `Facts::staff()`.
    pub loads_after: Vec<u32>,
    /// The model's cost of the proposal (comparable only under the same model and input).
    pub cost: i64,
}

/// The per-clue facts the solver needs, before any flow.
struct Prepared {
    eligible: Vec<Vec<u32>>,
    travel: Vec<Vec<(i64, bool, Option<u32>)>>,
    waived: Vec<HashMap<u32, Exclusions>>,
    proposals: Vec<ClueProposal>,
    room: Vec<i64>,
}

fn prepare(clues: &[OpenClue], facts: &Facts, overrides: &[Override], model: &CostModel) -> Prepared {
    let staff = facts.staff();
    let mut by_subject: HashMap<&str, Vec<&Override>> = HashMap::new();
    for o in overrides {
        by_subject.entry(o.subject_id()).or_default().push(o);
    }
    // Townships numbered by the distance table alone: a township nobody works in still has
    // distances.
    let mut towns: HashMap<&str, u32> = HashMap::new();
    let mut km: HashMap<(u32, u32), u32> = HashMap::new();
    for (a, b, d) in &model.distances {
        let n = towns.len() as u32;
        let a = *towns.entry(a.as_str()).or_insert(n);
        let n = towns.len() as u32;
        let b = *towns.entry(b.as_str()).or_insert(n);
        km.insert((a, b), *d);
        km.insert((b, a), *d);
    }
    let base: Vec<Option<u32>> = staff
        .iter()
        .map(|m| m.posting_township_id.as_deref().and_then(|t| towns.get(t).copied()))
        .collect();
    let room: Vec<i64> = staff
        .iter()
        .map(|m| {
            m.max_load
                .map_or(i64::from(u32::MAX), |x| i64::from(x.saturating_sub(m.load)))
        })
        .collect();
    let mut prepared = Prepared {
        eligible: Vec::with_capacity(clues.len()),
        travel: Vec::with_capacity(clues.len()),
        waived: Vec::with_capacity(clues.len()),
        proposals: Vec::with_capacity(clues.len()),
        room,
    };
    for clue in clues {
        let key = facts.subject_key(&clue.subject);
        let mut all = facts.exclusions_all(&key);
        let mut waived = HashMap::new();
        for o in by_subject.get(clue.subject.id.as_str()).into_iter().flatten() {
            if let Some(i) = facts.index_of(o.staff_id())
                && all[i].contains(o.exclusion())
            {
                all[i].remove(o.exclusion());
                waived.entry(i as u32).or_insert(Exclusions::NONE).insert(o.exclusion());
            }
        }
        let mut groups: Vec<ExcludedGroup> = Vec::new();
        let mut eligible = Vec::new();
        let mut at_capacity = Vec::new();
        let mut travel = Vec::new();
        let town = towns.get(clue.subject.township_id.as_str()).copied();
        for (i, x) in all.iter().enumerate() {
            if !x.is_empty() {
                for e in x.iter() {
                    match groups.iter_mut().find(|g| g.exclusion == e) {
                        Some(g) => g.staff.push(i),
                        None => groups.push(ExcludedGroup {
                            exclusion: e,
                            staff: vec![i],
                        }),
                    }
                }
            } else if prepared.room[i] <= 0 {
                at_capacity.push(i);
            } else {
                let in_zone = key.zone == NONE || key.zone == facts.zone_of(i);
                let d = town.zip(base[i]).and_then(|(t, b)| km.get(&(b, t)).copied());
                let cost = if in_zone { 0 } else { i64::from(model.out_of_zone) }
                    + i64::from(model.per_km) * i64::from(d.unwrap_or(0));
                eligible.push(i as u32);
                travel.push((cost, in_zone, d));
            }
        }
        groups.sort_by_key(|g| g.exclusion);
        let n_eligible = (eligible.len() + at_capacity.len()) as u32;
        let needed = clue.team_size.get();
        let team = if n_eligible < needed {
            Err(Unstaffed::TooFewEligible {
                eligible: n_eligible,
                needed,
            })
        } else if (eligible.len() as u32) < needed {
            Err(Unstaffed::AtCapacity {
                eligible: n_eligible,
                with_room: eligible.len() as u32,
                needed,
            })
        } else {
            Ok(Vec::new())
        };
        prepared.proposals.push(ClueProposal {
            team,
            excluded: groups,
            eligible: n_eligible,
            at_capacity,
        });
        prepared.eligible.push(eligible);
        prepared.travel.push(travel);
        prepared.waived.push(waived);
    }
    prepared
}

/// Builds the network for the clues in `serve`: source → clue arcs (capacity: the team size)
/// only when `with_source`; clue → eligible staff with room; staff → sink with their room.
fn network(
    p: &Prepared,
    facts: &Facts,
    clues: &[OpenClue],
    serve: &[bool],
    with_source: bool,
    weight: i64,
) -> flow::Network {
    let (c, s) = (clues.len(), facts.staff().len());
    let (source, sink) = (0, c + s + 1);
    let mut b = flow::Builder::default();
    for (j, elig) in p.eligible.iter().enumerate() {
        if !serve[j] {
            continue;
        }
        if with_source {
            b.edge(source, 1 + j, clues[j].team_size.get().min(i32::MAX as u32) as i32, 0);
        }
        for (&i, &(cost, _, _)) in elig.iter().zip(&p.travel[j]) {
            b.edge(1 + j, 1 + c + i as usize, 1, cost);
        }
    }
    let mut base = vec![0i64; c + s + 2];
    for (i, m) in facts.staff().iter().enumerate() {
        base[1 + c + i] = i64::from(m.load);
        // Nobody can take more places than there are clues.
        let room = p.room[i].min(c as i64);
        if room > 0 {
            b.edge(1 + c + i, sink, room as i32, 0);
        }
    }
    b.build(c + s + 2, source, sink, base, weight)
}

/// Which clues to staff when not all can be: each in turn, if a team for it fits beside the
/// teams of the clues already taken (a unit of flow from the clue to the sink, k times; on
/// failure the units sent are taken back, so the earlier clues keep their teams).
fn by_priority(p: &Prepared, facts: &Facts, clues: &[OpenClue], serve: &[bool]) -> Vec<bool> {
    let mut net = network(p, facts, clues, serve, false, 0);
    let n = net.nodes();
    let sink = net.sink();
    let (mut seen, mut back) = (vec![0u32; n], vec![0u32; n]);
    let mut stamp = 0u32;
    let mut chosen = vec![false; clues.len()];
    for (j, clue) in clues.iter().enumerate() {
        if !serve[j] {
            continue;
        }
        let k = clue.team_size.get();
        let mut sent = 0;
        while sent < k {
            stamp += 1;
            if !net.augment(1 + j, sink, &mut seen, stamp, &mut back) {
                break;
            }
            sent += 1;
        }
        if sent == k {
            chosen[j] = true;
        } else {
            for _ in 0..sent {
                stamp += 1;
                // The units just sent decompose into paths back from the sink, so this holds.
                let _ = net.augment(sink, 1 + j, &mut seen, stamp, &mut back);
            }
        }
    }
    chosen
}

/// Proposes teams for `clues` from `facts.staff()`, honouring approved `overrides`.
/// Deterministic: the same input gives the same proposal.
pub fn propose(clues: &[OpenClue], facts: &Facts, overrides: &[Override], model: &CostModel) -> Proposal {
    let mut p = prepare(clues, facts, overrides, model);
    let weight = i64::from(model.load_weight);
    let c = clues.len();
    let mut serve: Vec<bool> = p.proposals.iter().map(|x| x.team.is_ok()).collect();
    let demand: i64 = clues
        .iter()
        .zip(&serve)
        .filter(|(_, s)| **s)
        .map(|(x, _)| i64::from(x.team_size.get()))
        .sum();
    let mut net = network(&p, facts, clues, &serve, true, weight);
    if net.min_cost_flow() < demand {
        // Not every clue can be staffed together: serve them in priority order.
        let chosen = by_priority(&p, facts, clues, &serve);
        for (j, ok) in chosen.iter().enumerate() {
            if serve[j] && !ok {
                p.proposals[j].team = Err(Unstaffed::TakenByEarlierClues {
                    with_room: p.eligible[j].len() as u32,
                    needed: clues[j].team_size.get(),
                });
            }
        }
        serve = chosen;
        net = network(&p, facts, clues, &serve, true, weight);
        net.min_cost_flow();
    }
    let staff = facts.staff();
    let mut used = vec![0u32; staff.len()];
    let mut cost = 0i64;
    let mut teams: Vec<Vec<(usize, usize)>> = vec![Vec::new(); c];
    for (j, team) in teams.iter_mut().enumerate() {
        if !serve[j] {
            continue;
        }
        for (a, v) in net.arcs_of(1 + j) {
            if v > c && v < net.sink() && net.flow(a) > 0 {
                let i = v - c - 1;
                let k = p.eligible[j].iter().position(|&e| e as usize == i).unwrap_or(0);
                used[i] += 1;
                cost += p.travel[j][k].0;
                team.push((i, k));
            }
        }
    }
    let loads_after: Vec<u32> = staff.iter().zip(&used).map(|(m, u)| m.load + u).collect();
    for (m, after) in staff.iter().zip(&loads_after) {
        let (a, b) = (i64::from(m.load), i64::from(*after));
        cost += weight * (b * b - a * a);
    }
    for (j, team) in teams.into_iter().enumerate() {
        if !serve[j] {
            continue;
        }
        let mut members: Vec<Member> = team
            .into_iter()
            .map(|(i, k)| {
                let (_, in_zone, km) = p.travel[j][k];
                Member {
                    staff: i,
                    in_zone,
                    km,
                    load_before: staff[i].load,
                    load_after: loads_after[i],
                    waived: p.waived[j].get(&(i as u32)).copied().unwrap_or_default(),
                }
            })
            .collect();
        members.sort_by_key(|m| m.staff);
        p.proposals[j].team = Ok(members);
    }
    Proposal {
        clues: p.proposals,
        loads_after,
        cost,
    }
}
