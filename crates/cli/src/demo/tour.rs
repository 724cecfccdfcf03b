//! The demo's inspection round (巡察) as a value: the eighth round of the term, running now,
//! with three groups of the demo's inspectors over 141 villages in 9 townships, five on-site
//! meetings and the 36 concerns raised there, each taken as far along its path as a real one
//! would be by "today", 2026-11-27.
//!
//! Drawn from the seed after the rest of the county, so adding it changed no earlier name.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use qinglian_domain::Invalid;
use qinglian_domain::error::Name;
use qinglian_domain::inspection::{RoundInput, Text, parse_date, parse_time};
use qinglian_domain::org::{TownshipKind, VillageKind};
use qinglian_domain::role::Role;
use rand::RngExt;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

use super::concerns::{CANNOT_FIX, CLOSED_FIXED, CLOSED_NOT_FIXED, KINDS, NOT_OURS, RECTIFYING, Said};
use super::names::{Namer, chinese_number};
use super::plan::{StaffPlan, TownshipPlan, department_index};

/// The day the demo's story stands on: the round is in its eighth week.
pub(super) const TODAY: &str = "2026-11-27";
const ROUND_NUMBER: &str = "8";
const ROUND_NAME: &str = "十五届县委第八轮巡察";
const ROUND_STARTS: &str = "2026-10-08";
const ROUND_DAYS: &str = "60";
const GROUPS: usize = 3;
/// The story's round: 141 village organisations in 9 townships.
pub(super) const TARGET_TOWNSHIPS: usize = 9;
pub(super) const TARGETS: usize = 141;
/// Days after the round's start of each meeting, before a day or two of jitter.
const MEETING_DAYS: [i64; 5] = [8, 16, 28, 36, 44];
const MEETING_HOURS: [&str; 4] = ["09:00", "09:30", "14:30", "15:00"];
/// Concerns per meeting, shuffled: 36 in all.
const MEETING_CONCERNS: [usize; 5] = [8, 7, 7, 7, 7];
/// Meetings early enough for a concern to have been closed, or to be overdue, by today.
const EARLY_MEETINGS: usize = 3;
const ON_SPOT: usize = 8;
/// Of the concerns answered on the spot, how many the group has since closed.
const ON_SPOT_CLOSED: usize = 4;
const WITH_COMPLAINANT: usize = 12;
/// Departments invited together to one meeting, by code; each meeting takes one set.
const INVITED: [&[&str]; 5] = [
    &["zhujian", "ziranziyuan", "jiaotong"],
    &["ziranziyuan", "linye", "huanbao"],
    &["nonglin", "shuili"],
    &["jiaotong", "shuili", "huanbao"],
    &["nonglin", "ziranziyuan", "caizheng"],
];
const PHONE_PREFIXES: [&str; 6] = ["139", "138", "137", "135", "158", "186"];

pub(super) struct TourPlan {
    pub round: RoundInput,
    /// Code and name, in the register's order.
    pub categories: Vec<(&'static str, Name)>,
    pub groups: Vec<GroupPlan>,
    pub meetings: Vec<MeetingPlan>,
    pub concerns: Vec<ConcernPlan>,
}

pub(super) struct GroupPlan {
    pub name: Name,
    /// Indices into the plan's staff; the first leads the group.
    pub members: Vec<usize>,
    /// Township and village indices into the plan's townships.
    pub targets: Vec<(usize, usize)>,
}

pub(super) struct MeetingPlan {
    /// Index into `groups`.
    pub group: usize,
    pub village: (usize, usize),
    pub place: Name,
    pub starts_at: DateTime<Utc>,
    /// Indices into the plan's departments.
    pub departments: Vec<usize>,
}

pub(super) struct ConcernPlan {
    /// Index into `meetings`.
    pub meeting: usize,
    /// Index into `categories`.
    pub category: usize,
    pub text: Text,
    pub complainant: Option<(Name, String)>,
    /// The villager's 16-digit receipt code; only its hash is written.
    pub receipt: String,
    /// Every step after logging, in order, each with its time.
    pub steps: Vec<(Step, DateTime<Utc>)>,
}

/// A step on a concern, with departments by index (ids exist only once written).
pub(super) enum Step {
    OnSpot(Text),
    Assign { department: usize, deadline: NaiveDate },
    Rectify(Text),
    Answer(Text),
    NotOurs(Text),
    Close { fixed: bool, note: Text },
}

/// Where a routed concern stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Assigned {
        overdue: bool,
    },
    Rectifying {
        overdue: bool,
    },
    /// Answered by the department, directly or after rectifying.
    Answered {
        rectified: bool,
    },
    Closed {
        fixed: bool,
    },
    NotOurs,
}

impl TourPlan {
    /// Store calls the round makes, for progress.
    pub(super) fn writes(&self) -> usize {
        self.categories.len()
            + 1
            + 2 * self.groups.len()
            + self.meetings.len()
            + self.concerns.iter().map(|c| 1 + c.steps.len()).sum::<usize>()
    }

    /// A concern a department has answered and the villager can look up and confirm.
    pub(super) fn sample_receipt(&self) -> Option<&str> {
        self.concerns
            .iter()
            .find(|c| matches!(c.steps.last(), Some((Step::Answer(_), _))))
            .map(|c| c.receipt.as_str())
    }
}

pub(super) fn tour(rng: &mut ChaCha8Rng, townships: &[TownshipPlan], staff: &[StaffPlan]) -> Result<TourPlan, Invalid> {
    let round = RoundInput::parse(ROUND_NUMBER, ROUND_NAME, ROUND_STARTS, ROUND_DAYS)?;
    let today = parse_date("today", TODAY)?;
    let categories = KINDS
        .iter()
        .map(|k| Ok((k.code, Name::parse("name", k.name)?)))
        .collect::<Result<Vec<_>, Invalid>>()?;
    let groups = groups(rng, townships, staff)?;
    let meetings = meetings(rng, townships, &groups, round.starts_on)?;
    let concerns = concerns(rng, &meetings, today)?;
    Ok(TourPlan {
        round,
        categories,
        groups,
        meetings,
        concerns,
    })
}

/// Every inspector serves, three to a group, so whichever of them holds the demo's
/// `inspector` account sees the round. Each group takes whole townships none of its members
/// comes from (回避), the largest first to the group with the fewest villages so far.
fn groups(rng: &mut ChaCha8Rng, townships: &[TownshipPlan], staff: &[StaffPlan]) -> Result<Vec<GroupPlan>, Invalid> {
    let mut inspectors: Vec<usize> = staff
        .iter()
        .enumerate()
        .filter(|(_, s)| s.role == Role::InspectionGroupMember)
        .map(|(i, _)| i)
        .collect();
    // Inspectors from the same township serve together, so no township is barred to every
    // group.
    inspectors.sort_by_key(|&i| (staff[i].home, i));
    let size = inspectors.len().div_ceil(GROUPS).max(1);
    let mut groups = inspectors
        .chunks(size)
        .enumerate()
        .map(|(g, members)| {
            Ok(GroupPlan {
                name: Name::parse("name", &format!("第{}巡察组", chinese_number(g + 1)))?,
                members: members.to_vec(),
                targets: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, Invalid>>()?;
    let may_inspect = |g: &GroupPlan, t: usize| g.members.iter().all(|&m| staff[m].home != Some(t));
    // Rural townships only (streets are urban communities), the largest first; ties by lot.
    let mut candidates: Vec<usize> = (0..townships.len())
        .filter(|&t| townships[t].input.kind != TownshipKind::Street)
        .filter(|&t| groups.iter().any(|g| may_inspect(g, t)))
        .collect();
    candidates.shuffle(rng);
    candidates.sort_by_key(|&t| std::cmp::Reverse(townships[t].villages.len()));
    candidates.truncate(TARGET_TOWNSHIPS);
    let mut loads = vec![0usize; groups.len()];
    for &t in &candidates {
        let pick = (0..groups.len())
            .filter(|&g| may_inspect(&groups[g], t))
            .min_by_key(|&g| loads[g]);
        if let Some(g) = pick {
            loads[g] += townships[t].villages.len();
            groups[g]
                .targets
                .extend((0..townships[t].villages.len()).map(|v| (t, v)));
        }
    }
    // Down to the story's 141: the last village of whichever group and township has most.
    let mut total: usize = loads.iter().sum();
    while total > TARGETS {
        let Some(g) = (0..groups.len()).max_by_key(|&g| (groups[g].targets.len(), std::cmp::Reverse(g))) else {
            break;
        };
        let counts = |t: usize| groups[g].targets.iter().filter(|x| x.0 == t).count();
        let Some(&(t, _)) = groups[g].targets.iter().max_by_key(|x| (counts(x.0), x.1)) else {
            break;
        };
        // Never empty a township: the round still counts it.
        if counts(t) <= 1 {
            break;
        }
        if let Some(i) = groups[g].targets.iter().rposition(|x| x.0 == t) {
            groups[g].targets.remove(i);
        }
        total -= 1;
    }
    for g in &mut groups {
        g.targets.sort_unstable();
    }
    Ok(groups)
}

/// Five meetings in October and November, in target villages (not communities), each group
/// holding at least one, each inviting a set of departments that fit village problems.
fn meetings(
    rng: &mut ChaCha8Rng,
    townships: &[TownshipPlan],
    groups: &[GroupPlan],
    start: NaiveDate,
) -> Result<Vec<MeetingPlan>, Invalid> {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.shuffle(rng);
    let mut invited: Vec<&[&str]> = INVITED.to_vec();
    invited.shuffle(rng);
    let is_village = |&(t, v): &(usize, usize)| townships[t].villages[v].kind == VillageKind::Village;
    let mut used = HashSet::new();
    let mut out = Vec::with_capacity(MEETING_DAYS.len());
    for (m, days) in MEETING_DAYS.into_iter().enumerate() {
        let preferred = order.get(m % order.len().max(1)).copied();
        let pool = |g: usize| -> Vec<(usize, usize)> {
            groups[g]
                .targets
                .iter()
                .filter(|x| is_village(x) && !used.contains(*x))
                .copied()
                .collect()
        };
        let Some((group, options)) = preferred
            .into_iter()
            .chain(0..groups.len())
            .map(|g| (g, pool(g)))
            .find(|(_, p)| !p.is_empty())
        else {
            return Err(Invalid::field("meetings", "demo.no_target_village", None));
        };
        let Some(&village) = options.choose(rng) else {
            return Err(Invalid::field("meetings", "demo.no_target_village", None));
        };
        used.insert(village);
        let day = start + Duration::days(days + rng.random_range(0..=2));
        let hour = MEETING_HOURS.choose(rng).copied().unwrap_or("09:00");
        let starts_at = parse_time("starts_at", &format!("{}T{hour}", day.format("%Y-%m-%d")))?;
        let name = townships[village.0].villages[village.1].name.as_str();
        let departments = invited
            .get(m % invited.len().max(1))
            .map_or(&[][..], |d| *d)
            .iter()
            .filter_map(|c| department_index(c))
            .collect();
        out.push(MeetingPlan {
            group,
            village,
            place: Name::parse("place", &format!("{name}村委会会议室"))?,
            starts_at,
            departments,
        });
    }
    Ok(out)
}

/// The concerns, meeting by meeting: every category the invited departments can answer comes
/// up at each meeting, the rest by lot; then eight answered on the spot, twelve villagers who
/// leave a name, and the routed ones spread over the answer path.
fn concerns(rng: &mut ChaCha8Rng, meetings: &[MeetingPlan], today: NaiveDate) -> Result<Vec<ConcernPlan>, Invalid> {
    let mut sizes = MEETING_CONCERNS;
    sizes.shuffle(rng);
    // Each category's problems in a shuffled deck; a meeting takes the first one not yet
    // heard that its departments can answer, so few are heard twice in the county.
    let decks: Vec<Vec<&Said>> = KINDS
        .iter()
        .map(|k| {
            let mut d: Vec<&Said> = k.said.iter().collect();
            d.shuffle(rng);
            d
        })
        .collect();
    let mut heard: HashSet<&str> = HashSet::new();
    let mut raised: Vec<(usize, usize, &Said, usize)> = Vec::new(); // meeting, category, problem, department
    for (m, meeting) in meetings.iter().enumerate() {
        // The department that answers a problem: the likeliest one the meeting invited.
        let answerer = |said: &Said| -> Option<usize> {
            said.departments
                .iter()
                .filter_map(|c| department_index(c))
                .find(|d| meeting.departments.contains(d))
        };
        let servable: Vec<usize> = (0..KINDS.len())
            .filter(|&k| decks[k].iter().any(|s| answerer(s).is_some()))
            .collect();
        let n = sizes.get(m).copied().unwrap_or(7);
        let mut cats = servable.clone();
        cats.shuffle(rng);
        while cats.len() < n {
            let Some(&k) = servable.choose(rng) else { break };
            cats.push(k);
        }
        cats.truncate(n);
        cats.shuffle(rng);
        for k in cats {
            let fresh = |k: usize| {
                decks[k]
                    .iter()
                    .copied()
                    .find(|s| answerer(s).is_some() && !heard.contains(s.text))
            };
            // A category heard out here gives way to another with something new to say.
            let others: Vec<usize> = servable.iter().copied().filter(|&o| fresh(o).is_some()).collect();
            let k = match fresh(k) {
                Some(_) => k,
                None => others.choose(rng).copied().unwrap_or(k),
            };
            let any = decks[k].iter().copied().find(|s| answerer(s).is_some());
            let Some(said) = fresh(k).or(any) else {
                continue;
            };
            heard.insert(said.text);
            let department = answerer(said).unwrap_or(0);
            raised.push((m, k, said, department));
        }
    }

    let n = raised.len();
    let turn: Vec<usize> = (0..n)
        .map(|i| raised[..i].iter().filter(|r| r.0 == raised[i].0).count())
        .collect();
    let mut all: Vec<usize> = (0..n).collect();
    all.shuffle(rng);
    let on_spot: Vec<usize> = all[..ON_SPOT.min(n)].to_vec();
    let mut with_name: Vec<usize> = (0..n).collect();
    with_name.shuffle(rng);
    with_name.truncate(WITH_COMPLAINANT);
    // Fates needing time go to the early meetings' concerns; the rest by lot.
    let mut routed_early: Vec<usize> = (0..n)
        .filter(|i| !on_spot.contains(i) && raised[*i].0 < EARLY_MEETINGS)
        .collect();
    routed_early.shuffle(rng);
    let early_fates = [
        Fate::Closed { fixed: true },
        Fate::Closed { fixed: true },
        Fate::Closed { fixed: true },
        Fate::Closed { fixed: false },
        Fate::NotOurs,
        Fate::Assigned { overdue: true },
        Fate::Rectifying { overdue: true },
        Fate::Rectifying { overdue: true },
    ];
    let mut fates: Vec<Option<Fate>> = vec![None; n];
    for (&i, f) in routed_early.iter().zip(early_fates) {
        fates[i] = Some(f);
    }
    let mut rest: Vec<Fate> = [
        (Fate::Answered { rectified: true }, 4),
        (Fate::Answered { rectified: false }, 3),
        (Fate::Rectifying { overdue: false }, 6),
        (Fate::Assigned { overdue: false }, 7),
    ]
    .into_iter()
    .flat_map(|(f, k)| std::iter::repeat_n(f, k))
    .collect();
    rest.shuffle(rng);
    let mut rest = rest.into_iter();
    for (i, fate) in fates.iter_mut().enumerate() {
        if fate.is_none() && !on_spot.contains(&i) {
            // More concerns than planned fates would wait on their department.
            *fate = Some(rest.next().unwrap_or(Fate::Assigned { overdue: false }));
        }
    }

    // The group's closing of on-spot answers: the first few of them, by lot.
    let closed_on_spot: Vec<usize> = on_spot.iter().take(ON_SPOT_CLOSED).copied().collect();
    // Steps are taken by "yesterday" evening at the latest.
    let cap = parse_time(
        "cap",
        &format!("{}T18:00", (today - Duration::days(1)).format("%Y-%m-%d")),
    )?;
    let mut namer = Namer::new(rng);
    let mut receipts = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for (i, &(m, k, said, department)) in raised.iter().enumerate() {
        let complainant = if with_name.contains(&i) {
            let name = Name::parse("complainant_name", &namer.person())?;
            let prefix = PHONE_PREFIXES.choose(namer.rng()).copied().unwrap_or("139");
            let rest: String = (0..8)
                .map(|_| char::from(b'0' + namer.rng().random_range(0..10u8)))
                .collect();
            Some((name, format!("{prefix}{rest}")))
        } else {
            None
        };
        let receipt = loop {
            let code: String = (0..16)
                .map(|_| char::from(b'0' + namer.rng().random_range(0..10u8)))
                .collect();
            if receipts.insert(code.clone()) {
                break code;
            }
        };
        let rng = namer.rng();
        let held = meetings[m].starts_at;
        let meeting_day = (held + Duration::hours(8)).date_naive();
        // Concerns are heard in turn, five minutes apart.
        let minutes = Duration::minutes(5 * i64::try_from(turn[i]).unwrap_or(0));
        let pick = |list: &[&str], rng: &mut ChaCha8Rng| -> Result<Text, Invalid> {
            Text::parse("text", list.choose(rng).copied().unwrap_or("已办理"))
        };
        let mut steps = Vec::new();
        let mut at: DateTime<Utc>;
        match fates[i] {
            None => {
                let answer = Text::parse("text", said.on_spot)?;
                at = held + Duration::hours(1) + minutes;
                steps.push((Step::OnSpot(answer), at));
                if closed_on_spot.contains(&i) {
                    let note = Text::parse("text", CLOSED_FIXED.choose(rng).copied().unwrap_or("予以销号"))?;
                    let t = later(rng, &mut at, cap, (3, 10));
                    steps.push((Step::Close { fixed: true, note }, t));
                }
            }
            Some(fate) => {
                let deadline = match fate {
                    Fate::Assigned { overdue: true } | Fate::Rectifying { overdue: true } => {
                        (meeting_day + Duration::days(rng.random_range(7..=14))).min(today - Duration::days(1))
                    }
                    Fate::Assigned { overdue: false } | Fate::Rectifying { overdue: false } => {
                        (today + Duration::days(rng.random_range(1..=25))).max(meeting_day)
                    }
                    _ => meeting_day + Duration::days(rng.random_range(15..=30)),
                };
                at = held + Duration::hours(2) + minutes;
                steps.push((Step::Assign { department, deadline }, at));
                let rectifies = matches!(
                    fate,
                    Fate::Rectifying { .. } | Fate::Answered { rectified: true } | Fate::Closed { .. }
                );
                if rectifies {
                    let note = pick(&RECTIFYING, rng)?;
                    let t = later(rng, &mut at, cap, (2, 6));
                    steps.push((Step::Rectify(note), t));
                }
                if matches!(fate, Fate::Answered { .. } | Fate::Closed { .. }) {
                    let answer = match fate {
                        Fate::Closed { fixed: false } => pick(&CANNOT_FIX, rng)?,
                        _ => Text::parse("text", said.answer)?,
                    };
                    let t = later(rng, &mut at, cap, (3, 12));
                    steps.push((Step::Answer(answer), t));
                }
                if let Fate::Closed { fixed } = fate {
                    let note = pick(
                        if fixed {
                            &CLOSED_FIXED[..]
                        } else {
                            &CLOSED_NOT_FIXED[..]
                        },
                        rng,
                    )?;
                    let t = later(rng, &mut at, cap, (2, 5));
                    steps.push((Step::Close { fixed, note }, t));
                }
                if fate == Fate::NotOurs {
                    let reason = pick(&NOT_OURS, rng)?;
                    let t = later(rng, &mut at, cap, (2, 5));
                    steps.push((Step::NotOurs(reason), t));
                }
            }
        }
        out.push(ConcernPlan {
            meeting: m,
            category: k,
            text: Text::parse("text", said.text)?,
            complainant,
            receipt,
            steps,
        });
    }
    Ok(out)
}

/// A later step: some days after the previous one, in office hours (Beijing time), by
/// yesterday at the latest, and always after the previous one.
fn later(rng: &mut ChaCha8Rng, at: &mut DateTime<Utc>, cap: DateTime<Utc>, days: (i64, i64)) -> DateTime<Utc> {
    let local = |t: DateTime<Utc>| (t + Duration::hours(8)).date_naive();
    let room = (local(cap) - local(*at)).num_days().max(0);
    let d = rng.random_range(days.0.min(room)..=days.1.min(room));
    let minutes = rng.random_range(0..16) * 30 + 30; // 08:30 to 16:00
    let day = local(*at) + Duration::days(d);
    let t = day.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::minutes(8 * 60 + minutes) - Duration::hours(8);
    *at = if t > *at {
        t.min(cap.max(*at + Duration::hours(1)))
    } else {
        *at + Duration::hours(1)
    };
    *at
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::plan::Plan;
    use super::*;

    #[test]
    fn every_seed_gives_the_story_round() {
        let today = parse_date("today", TODAY).unwrap();
        for seed in (0..200).chain([2026, 20240601]) {
            let p = Plan::new(seed).unwrap();
            let t = &p.tour;
            let inspectors = p.staff.iter().filter(|s| s.role == Role::InspectionGroupMember).count();
            assert_eq!(t.groups.iter().map(|g| g.members.len()).sum::<usize>(), inspectors);
            assert_eq!(t.groups.len(), GROUPS);
            let targets: Vec<(usize, usize)> = t.groups.iter().flat_map(|g| g.targets.iter().copied()).collect();
            assert_eq!(targets.len(), TARGETS, "seed {seed}");
            assert_eq!(targets.iter().collect::<HashSet<_>>().len(), TARGETS);
            let towns: BTreeSet<usize> = targets.iter().map(|x| x.0).collect();
            assert_eq!(towns.len(), TARGET_TOWNSHIPS, "seed {seed}");
            for g in &t.groups {
                for &(tw, _) in &g.targets {
                    assert!(
                        g.members.iter().all(|&m| p.staff[m].home != Some(tw)),
                        "seed {seed}: recusal"
                    );
                }
            }
            assert_eq!(t.meetings.len(), 5);
            assert_eq!(t.meetings.iter().map(|m| m.group).collect::<HashSet<_>>().len(), GROUPS);
            for m in &t.meetings {
                assert!(t.groups[m.group].targets.contains(&m.village));
                assert!((2..=3).contains(&m.departments.len()));
                assert!(m.starts_at.date_naive() < today);
            }
            assert_eq!(t.concerns.len(), 36);
            assert_eq!(t.concerns.iter().map(|c| c.category).collect::<HashSet<_>>().len(), 8);
            let on_spot = t
                .concerns
                .iter()
                .filter(|c| matches!(c.steps.first(), Some((Step::OnSpot(_), _))))
                .count();
            assert_eq!(on_spot, ON_SPOT);
            assert_eq!(
                t.concerns.iter().filter(|c| c.complainant.is_some()).count(),
                WITH_COMPLAINANT
            );
            assert_eq!(t.concerns.iter().map(|c| &c.receipt).collect::<HashSet<_>>().len(), 36);
            let mut overdue = 0;
            for c in &t.concerns {
                let held = t.meetings[c.meeting].starts_at;
                let mut prev = held;
                for (s, at) in &c.steps {
                    assert!(*at > prev && at.date_naive() < today, "seed {seed}: {at} after {prev}");
                    prev = *at;
                    if let Step::Assign { department, deadline } = s {
                        assert!(*deadline >= at.date_naive());
                        assert!(t.meetings[c.meeting].departments.contains(department));
                    }
                }
                let waiting = matches!(c.steps.last(), Some((Step::Assign { .. } | Step::Rectify(_), _)));
                let deadline = c.steps.iter().find_map(|(s, _)| match s {
                    Step::Assign { deadline, .. } => Some(*deadline),
                    _ => None,
                });
                overdue += usize::from(waiting && deadline.is_some_and(|d| d < today));
            }
            assert_eq!(overdue, 3, "seed {seed}");
            assert!(t.sample_receipt().is_some());
        }
    }
}
