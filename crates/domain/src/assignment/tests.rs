use super::*;
use crate::recusal::{Involvement, Policy, StaffMember, Tie, TieKind, TieTarget};

fn staff(id: &str, home: &str, zone: &str, load: u32, max: Option<u32>) -> StaffMember {
    StaffMember {
        id: id.into(),
        home_township_id: Some(home.into()),
        posting_township_id: Some(home.into()),
        posting_unit_id: Some(home.into()),
        zone_id: Some(zone.into()),
        available: true,
        load,
        max_load: max,
    }
}

fn clue(id: &str, township: &str, zone: &str, k: u32) -> OpenClue {
    OpenClue {
        subject: Subject {
            id: id.into(),
            township_id: township.into(),
            person_id: Some(format!("p-{id}")),
            zone_id: Some(zone.into()),
            ..Subject::default()
        },
        team_size: NonZeroU32::new(k).unwrap(),
    }
}

fn team(p: &Proposal, j: usize) -> Vec<usize> {
    p.clues[j].team.as_ref().unwrap().iter().map(|m| m.staff).collect()
}

#[test]
fn loads_spread_and_the_zone_is_preferred() {
    let f = Facts::new(
        vec![
            staff("a", "t1", "z1", 0, None),
            staff("b", "t2", "z1", 0, None),
            staff("c", "t3", "z1", 3, None),
            staff("far", "t9", "z2", 0, None),
        ],
        &[],
        &[],
        Policy::default(),
    );
    let clues = [clue("c1", "t4", "z1", 2), clue("c2", "t4", "z1", 2)];
    let p = propose(&clues, &f, &[], &CostModel::default());
    // a and b take both (loads 0→2); c (load 3) and the other zone wait.
    assert_eq!(team(&p, 0), vec![0, 1]);
    assert_eq!(team(&p, 1), vec![0, 1]);
    assert_eq!(p.loads_after, vec![2, 2, 3, 0]);
    let m = &p.clues[0].team.as_ref().unwrap()[0];
    assert_eq!((m.in_zone, m.load_before, m.load_after), (true, 0, 2));
    // Six clues of one: marginal costs are 1, 3, 5, 7 … by load; another zone adds 6, so
    // a and b go to 3 before c (at 3) or the other zone is worth it.
    let clues: Vec<_> = (0..6).map(|i| clue(&format!("c{i}"), "t4", "z1", 1)).collect();
    let p = propose(&clues, &f, &[], &CostModel::default());
    assert_eq!(p.loads_after, vec![3, 3, 3, 0]);
    assert_eq!(p.cost, 1 + 1 + 3 + 3 + 5 + 5);
    // Without the zone's preference the other zone's idle member takes two.
    let flat = CostModel {
        out_of_zone: 0,
        ..CostModel::default()
    };
    let p = propose(&clues, &f, &[], &flat);
    assert_eq!(p.loads_after, vec![2, 2, 3, 2]);
    assert_eq!(p.cost, 3 * (1 + 3));
}

#[test]
fn exclusions_are_grouped_and_no_excluded_member_is_chosen() {
    let ties = [Tie {
        declared_by: "kin".into(),
        kind: TieKind::Kinship,
        target: TieTarget::Person("p-c1".into()),
    }];
    let inv = [Involvement {
        staff_id: "before".into(),
        person_id: "p-c1".into(),
    }];
    let f = Facts::new(
        vec![
            staff("home", "t1", "z1", 0, None),
            staff("kin", "t2", "z1", 0, None),
            staff("before", "t2", "z1", 0, None),
            staff("ok", "t3", "z1", 5, None),
        ],
        &ties,
        &inv,
        Policy::default(),
    );
    let p = propose(&[clue("c1", "t1", "z1", 1)], &f, &[], &CostModel::default());
    assert_eq!(team(&p, 0), vec![3]);
    let groups: Vec<_> = p.clues[0]
        .excluded
        .iter()
        .map(|g| (g.exclusion.key(), g.staff.clone()))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("recusal.same_home_township", vec![0]),
            ("recusal.posted_in_township", vec![0]),
            ("recusal.tie_kinship", vec![1]),
            ("recusal.prior_involvement", vec![2]),
        ]
    );
    // An approved override makes the kin eligible for this clue, and they are less loaded.
    let o = Override::new("c1", "kin", Exclusion::DeclaredTie(TieKind::Kinship), "远亲", "a", "b").unwrap();
    let p = propose(&[clue("c1", "t1", "z1", 1)], &f, &[o], &CostModel::default());
    let m = &p.clues[0].team.as_ref().unwrap()[0];
    assert_eq!(m.staff, 1);
    assert!(m.waived.contains(Exclusion::DeclaredTie(TieKind::Kinship)));
}

#[test]
fn clues_without_a_team_say_why_and_the_others_are_still_staffed() {
    let f = Facts::new(
        vec![
            staff("a", "t1", "z1", 0, Some(1)),
            staff("b", "t2", "z1", 2, Some(2)),
            staff("c", "t3", "z1", 0, Some(1)),
        ],
        &[],
        &[],
        Policy::default(),
    );
    let clues = [
        clue("c1", "t1", "z1", 2), // eligible b, c; b full: at capacity
        clue("c2", "t9", "z1", 4), // three eligible, needs four
        clue("c3", "t9", "z1", 2), // a and c
        clue("c4", "t9", "z1", 1), // a and c are taken by c3
    ];
    let p = propose(&clues, &f, &[], &CostModel::default());
    assert_eq!(
        p.clues[0].team,
        Err(Unstaffed::AtCapacity {
            eligible: 2,
            with_room: 1,
            needed: 2
        })
    );
    assert_eq!(p.clues[0].at_capacity, vec![1]);
    assert_eq!(
        p.clues[1].team,
        Err(Unstaffed::TooFewEligible { eligible: 3, needed: 4 })
    );
    assert_eq!(team(&p, 2), vec![0, 2]);
    assert_eq!(
        p.clues[3].team,
        Err(Unstaffed::TakenByEarlierClues {
            with_room: 2,
            needed: 1
        })
    );
}

#[test]
fn the_same_input_gives_the_same_proposal() {
    let f = Facts::new(
        (0..6)
            .map(|i| staff(&format!("s{i}"), &format!("t{i}"), "z1", 0, None))
            .collect(),
        &[],
        &[],
        Policy::default(),
    );
    let clues: Vec<_> = (0..5)
        .map(|i| clue(&format!("c{i}"), &format!("t{i}"), "z1", 2))
        .collect();
    let a = propose(&clues, &f, &[], &CostModel::default());
    let b = propose(&clues, &f, &[], &CostModel::default());
    assert_eq!(a, b);
}

#[test]
fn a_clue_that_does_not_fit_gives_back_what_it_took() {
    let f = Facts::new(
        vec![staff("a", "t1", "z1", 0, Some(1)), staff("b", "t2", "z1", 0, Some(1))],
        &[],
        &[],
        Policy::default(),
    );
    let clues = [
        clue("c0", "t2", "z1", 1), // only a
        clue("c1", "t9", "z1", 2), // a and b, but a is taken: b is tried, then released
        clue("c2", "t1", "z1", 1), // only b
    ];
    let p = propose(&clues, &f, &[], &CostModel::default());
    assert_eq!(team(&p, 0), vec![0]);
    assert_eq!(
        p.clues[1].team,
        Err(Unstaffed::TakenByEarlierClues {
            with_room: 2,
            needed: 2
        })
    );
    assert_eq!(team(&p, 2), vec![1]);
}
