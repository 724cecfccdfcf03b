use super::*;

fn member(id: &str, home: &str, posting: &str, zone: &str) -> StaffMember {
    StaffMember {
        id: id.into(),
        home_township_id: Some(home.into()),
        posting_township_id: Some(posting.into()),
        posting_unit_id: Some(posting.into()),
        zone_id: Some(zone.into()),
        available: true,
        load: 0,
        max_load: None,
    }
}

fn subject() -> Subject {
    Subject {
        id: "clue1".into(),
        township_id: "tx".into(),
        person_id: Some("p1".into()),
        unit_id: Some("ux".into()),
        village_id: Some("v1".into()),
        zone_id: Some("z1".into()),
    }
}

fn facts(policy: Policy) -> Facts {
    let mut unit = member("unit", "ta", "ta", "z1");
    unit.posting_unit_id = Some("ux".into());
    let mut away = member("away", "ta", "ta", "z1");
    away.available = false;
    let staff = vec![
        member("clean", "ta", "tb", "z1"),
        member("home", "tx", "tb", "z1"),
        member("posted", "ta", "tx", "z1"),
        unit,
        member("kin", "ta", "tb", "z1"),
        member("colleague", "ta", "tb", "z1"),
        member("villager", "ta", "tb", "z1"),
        member("before", "ta", "tb", "z1"),
        member("far", "ta", "tb", "z2"),
        away,
        member("p1", "ta", "tb", "z1"),
        member("named", "ta", "tb", "z1"),
    ];
    let ties = vec![
        Tie {
            declared_by: "kin".into(),
            kind: TieKind::Kinship,
            target: TieTarget::Person("p1".into()),
        },
        Tie {
            declared_by: "colleague".into(),
            kind: TieKind::FormerColleague,
            target: TieTarget::Person("p1".into()),
        },
        Tie {
            declared_by: "villager".into(),
            kind: TieKind::SameVillage,
            target: TieTarget::Village("v1".into()),
        },
        // The subject's own declaration names a staff member.
        Tie {
            declared_by: "p1".into(),
            kind: TieKind::Kinship,
            target: TieTarget::Person("named".into()),
        },
        // A tie with someone else excludes nobody here.
        Tie {
            declared_by: "clean".into(),
            kind: TieKind::Kinship,
            target: TieTarget::Person("p2".into()),
        },
    ];
    let inv = vec![Involvement {
        staff_id: "before".into(),
        person_id: "p1".into(),
    }];
    Facts::new(staff, &ties, &inv, policy)
}

fn reasons(f: &Facts, id: &str) -> Vec<Exclusion> {
    f.exclusions(&subject(), id).unwrap().iter().collect()
}

#[test]
fn each_rule_excludes_on_its_own() {
    let f = facts(Policy::default());
    use Exclusion::*;
    assert_eq!(reasons(&f, "clean"), vec![]);
    assert_eq!(reasons(&f, "home"), vec![SameHomeTownship]);
    assert_eq!(reasons(&f, "posted"), vec![PostedInTownship]);
    assert_eq!(reasons(&f, "unit"), vec![PostedInSubjectUnit]);
    assert_eq!(reasons(&f, "kin"), vec![DeclaredTie(TieKind::Kinship)]);
    assert_eq!(reasons(&f, "colleague"), vec![DeclaredTie(TieKind::FormerColleague)]);
    assert_eq!(reasons(&f, "villager"), vec![DeclaredTie(TieKind::SameVillage)]);
    assert_eq!(reasons(&f, "before"), vec![PriorInvolvement]);
    assert_eq!(reasons(&f, "far"), vec![], "another zone is only a cost by default");
    assert_eq!(reasons(&f, "away"), vec![Unavailable]);
    assert_eq!(reasons(&f, "p1"), vec![IsSubject]);
    assert_eq!(reasons(&f, "named"), vec![DeclaredTie(TieKind::Kinship)]);
    assert_eq!(f.exclusions(&subject(), "nobody"), None);
    let strict = facts(Policy { zone_only: true });
    assert_eq!(reasons(&strict, "far"), vec![OutsideZone]);
}

#[test]
fn every_reason_is_reported() {
    let staff = vec![member("x", "tx", "tx", "z2")];
    let ties = [Tie {
        declared_by: "x".into(),
        kind: TieKind::SameVillage,
        target: TieTarget::Village("v1".into()),
    }];
    let inv = [Involvement {
        staff_id: "x".into(),
        person_id: "p1".into(),
    }];
    let f = Facts::new(staff, &ties, &inv, Policy { zone_only: true });
    use Exclusion::*;
    assert_eq!(
        reasons(&f, "x"),
        vec![
            SameHomeTownship,
            PostedInTownship,
            DeclaredTie(TieKind::SameVillage),
            PriorInvolvement,
            OutsideZone
        ]
    );
}

#[test]
fn missing_ids_match_nothing() {
    let mut m = member("m", "ta", "tb", "z1");
    m.home_township_id = None;
    m.posting_township_id = None;
    m.posting_unit_id = None;
    let f = Facts::new(vec![m], &[], &[], Policy::default());
    let s = Subject {
        id: "c".into(),
        township_id: "tx".into(),
        ..Subject::default()
    };
    assert!(f.exclusions(&s, "m").unwrap().is_empty());
}

#[test]
fn overrides_need_a_reason_and_a_second_approver() {
    use OverrideRefusal::*;
    let ok = Override::new(
        "clue1",
        "kin",
        Exclusion::DeclaredTie(TieKind::Kinship),
        " 远亲 ",
        "a",
        "b",
    );
    assert_eq!(ok.as_ref().map(|o| o.reason()), Ok("远亲"));
    let tie = Exclusion::DeclaredTie(TieKind::Kinship);
    assert_eq!(Override::new("clue1", "kin", tie, "  ", "a", "b"), Err(ReasonMissing));
    assert_eq!(
        Override::new("clue1", "kin", tie, "r", "a", "a"),
        Err(ApproverIsRequester)
    );
    assert_eq!(
        Override::new("clue1", "kin", tie, "r", "a", "kin"),
        Err(ApproverIsStaff)
    );
    assert_eq!(
        Override::new("clue1", "kin", tie, &"长".repeat(2001), "a", "b"),
        Err(ReasonTooLong)
    );
    for own in [
        Exclusion::SameHomeTownship,
        Exclusion::PostedInTownship,
        Exclusion::IsSubject,
    ] {
        assert_eq!(Override::new("clue1", "home", own, "r", "a", "b"), Err(NotWaivable));
    }
}

#[test]
fn a_forced_team_is_refused_with_the_rule_named() {
    let f = facts(Policy::default());
    let s = subject();
    assert_eq!(team_is_valid(&["clean", "far"], &s, &f, &[]), Ok(()));
    let err = team_is_valid(&["clean", "home", "kin", "clean", "ghost"], &s, &f, &[]).unwrap_err();
    let got: Vec<_> = err.iter().map(|v| (v.staff_id.as_deref(), v.rule.key())).collect();
    assert_eq!(
        got,
        vec![
            (Some("home"), "recusal.same_home_township"),
            (Some("kin"), "recusal.tie_kinship"),
            (Some("clean"), "recusal.team_duplicate"),
            (Some("ghost"), "recusal.team_unknown_staff"),
        ]
    );
    assert_eq!(team_is_valid(&[], &s, &f, &[]).unwrap_err()[0].rule, TeamRule::Empty);
}

#[test]
fn an_override_waives_only_its_rule_for_its_member_and_matter() {
    let f = facts(Policy::default());
    let s = subject();
    let tie = Exclusion::DeclaredTie(TieKind::Kinship);
    let o = Override::new("clue1", "kin", tie, "远亲，已报批", "a", "b").unwrap();
    assert_eq!(team_is_valid(&["kin"], &s, &f, std::slice::from_ref(&o)), Ok(()));
    // Not for another matter.
    let other = Subject {
        id: "clue2".into(),
        ..s.clone()
    };
    assert!(team_is_valid(&["kin"], &other, &f, std::slice::from_ref(&o)).is_err());
    // Not for another member with the same tie.
    assert!(team_is_valid(&["named"], &s, &f, std::slice::from_ref(&o)).is_err());
    // Not for another rule of the same member.
    let prior = Override::new("clue1", "before", tie, "r", "a", "b").unwrap();
    assert!(team_is_valid(&["before"], &s, &f, &[prior]).is_err());
    assert_eq!(unwaived(&f, &s, "kin", &[o]).map(|x| x.len()), Some(0));
}
