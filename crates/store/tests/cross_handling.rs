//! Cross-handling teams as the store keeps them, on SQLite and PostgreSQL: every team goes
//! through the recusal engine (home, posting, declared ties, earlier involvement), an
//! override needs a reason and a second approver, proposals break no rule, and an
//! authorisation covers only its own case.
//!
//! Places are fictional (province 99): county 990101 云溪县 and four of its townships.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::num::NonZeroU32;

use chrono::{Duration, NaiveDate, Utc};
use qinglian_domain::case::{ClueInput, Disposition};
use qinglian_domain::cross_handling::{AuthorisationInput, TieDeclaration};
use qinglian_domain::error::Name;
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::interview::{PlanForm, PlanInput};
use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput};
use qinglian_domain::recusal::{Exclusion, TieKind};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
use qinglian_store::{Store, StoreError};

fn sys() -> Actor {
    Actor::system("test")
}

/// (field, rule key, value) of every problem.
fn problems(e: &StoreError) -> Vec<(String, &'static str, Option<String>)> {
    match e {
        StoreError::Invalid(inv) => inv
            .fields
            .iter()
            .map(|f| (f.field.clone(), f.key, f.value.clone()))
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn keys(e: &StoreError) -> Vec<&'static str> {
    problems(e).into_iter().map(|p| p.1).collect()
}

fn as_staff(staff_id: &str, account: &str) -> Actor {
    Actor {
        account_id: Some(account.to_owned()),
        staff_id: Some(staff_id.to_owned()),
        name: staff_id.to_owned(),
        role: "case_manager".to_owned(),
        operation_id: "op".to_owned(),
        client_addr: None,
    }
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}

struct World {
    east: String,
    east_secretary: (String, String),
    west_secretary: (String, String),
    north_secretary: (String, String),
    south_secretary: (String, String),
    east_born: String,
    _inspector: String,
    manager: (String, String),
    leader: (String, String),
}

async fn world(store: &dyn Store) -> World {
    let a = sys();
    store
        .upsert_county(&a, &CountyInput::parse("990101", "云溪县").unwrap())
        .await
        .unwrap();
    let mut towns = Vec::new();
    for (code, name) in [
        ("990101001", "石门镇"),
        ("990101002", "梅岭乡"),
        ("990101003", "北坪镇"),
        ("990101004", "南溪乡"),
    ] {
        towns.push(
            store
                .create_township(&a, &TownshipInput::parse(code, name).unwrap())
                .await
                .unwrap()
                .id,
        );
    }
    let person =
        |name: &'static str, role: &'static str, unit: Option<String>, home: Option<String>, user: &'static str| {
            let a = a.clone();
            async move {
                let s = store
                    .create_staff(
                        &a,
                        &StaffInput::parse(name, role, unit.as_deref(), home.as_deref()).unwrap(),
                    )
                    .await
                    .unwrap();
                let account = store.create_account(&a, &s.id, user, "x").await.unwrap();
                (s.id, account)
            }
        };
    let sec = |i: usize| Some(towns[i].clone());
    World {
        east_secretary: person("石书记", "township_secretary", sec(0), None, "east").await,
        west_secretary: person("梅书记", "township_secretary", sec(1), None, "west").await,
        north_secretary: person("北书记", "township_secretary", sec(2), None, "north").await,
        south_secretary: person("南书记", "township_secretary", sec(3), None, "south").await,
        east_born: person("石门籍干部", "supervision_office", None, sec(0), "born").await.0,
        _inspector: person("监察员", "supervision_office", None, None, "office").await.0,
        manager: person("案管员", "case_manager", None, sec(1), "manager").await,
        leader: person("委领导", "commission_leader", None, None, "leader").await,
        east: towns.swap_remove(0),
    }
}

fn clue_about(township: &str, name: &str, unit: &str) -> ClueInput {
    ClueInput::parse(
        "petition",
        name,
        unit,
        township,
        "反映其虚报冒领农机补贴",
        "2026-11-02",
        today(),
    )
    .unwrap()
}

fn text(s: &str) -> Text {
    Text::parse("t", s).unwrap()
}

async fn a_team_passes_every_recusal_rule(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let all = Reach::everything();
    let manager = as_staff(&w.manager.0, &w.manager.1);
    let leader = as_staff(&w.leader.0, &w.leader.1);
    let west = as_staff(&w.west_secretary.0, &w.west_secretary.1);
    let clue = store
        .create_clue(&a, &clue_about(&w.east, "王某", "石门镇财政所"))
        .await
        .unwrap();

    // 梅书记 declares a kinship with the subject (spaced differently: the same person).
    let tie = TieDeclaration::parse("kinship", "person", "王 某", "石门镇  财政所", "", "表兄").unwrap();
    let tie = store.declare_tie(&west, &tie).await.unwrap();
    assert_eq!((tie.kind.as_str(), tie.staff_name.as_str()), ("kinship", "梅书记"));
    assert_eq!(store.my_ties(&west).await.unwrap().len(), 1);
    assert!(store.my_ties(&leader).await.unwrap().is_empty());
    let e = store.declare_tie(&a, &tie_decl()).await.unwrap_err();
    assert_eq!(keys(&e), vec!["tie.no_staff"], "only a member of staff declares ties");

    // The board names every reason.
    let board = store.team_board(&manager, &all, &clue.id).await.unwrap();
    let reasons = |name: &str| {
        board
            .candidates
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .exclusions
            .clone()
    };
    assert_eq!(reasons("石书记"), vec!["recusal.posted_in_township"]);
    assert_eq!(reasons("石门籍干部"), vec!["recusal.same_home_township"]);
    assert_eq!(reasons("梅书记"), vec!["recusal.tie_kinship"]);
    assert!(reasons("北书记").is_empty());
    assert!(
        board.candidates.iter().all(|c| c.name != "委领导"),
        "leaders do not sit on teams"
    );

    // A team with recused members is refused, each member and rule named.
    let team = vec![
        w.east_secretary.0.clone(),
        w.west_secretary.0.clone(),
        w.north_secretary.0.clone(),
    ];
    let e = store.form_team(&manager, &all, &clue.id, &team).await.unwrap_err();
    assert_eq!(
        problems(&e),
        vec![
            (
                "staff_id".into(),
                "recusal.posted_in_township",
                Some(w.east_secretary.0.clone())
            ),
            (
                "staff_id".into(),
                "recusal.tie_kinship",
                Some(w.west_secretary.0.clone())
            ),
        ]
    );
    let e = store
        .add_team_member(&manager, &all, &clue.id, &w.west_secretary.0)
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.tie_kinship"]);
    let e = store
        .add_team_member(&manager, &all, &clue.id, &w.east_born)
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.same_home_township"]);

    // Overrides: a reason, a waivable rule, a rule that applies, and a second approver.
    let e = store
        .request_override(
            &manager,
            &all,
            &clue.id,
            &w.east_secretary.0,
            Exclusion::PostedInTownship,
            "熟悉情况",
        )
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.override_not_waivable"]);
    let e = store
        .request_override(
            &manager,
            &all,
            &clue.id,
            &w.west_secretary.0,
            Exclusion::DeclaredTie(TieKind::Kinship),
            " ",
        )
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.override_reason_missing"]);
    let e = store
        .request_override(
            &manager,
            &all,
            &clue.id,
            &w.north_secretary.0,
            Exclusion::PriorInvolvement,
            "无",
        )
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.override_not_needed"]);
    let o = store
        .request_override(
            &manager,
            &all,
            &clue.id,
            &w.west_secretary.0,
            Exclusion::DeclaredTie(TieKind::Kinship),
            "远房亲属，多年无往来，经集体研究同意",
        )
        .await
        .unwrap();
    assert_eq!(o.approved_by, None);
    // Pending, it waives nothing.
    let e = store.form_team(&manager, &all, &clue.id, &team[1..]).await.unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.tie_kinship"]);
    let e = store.approve_override(&manager, &all, &o.id).await.unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.override_approver_is_requester"]);
    let e = store.approve_override(&west, &all, &o.id).await.unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.override_approver_is_staff"]);
    let o = store.approve_override(&leader, &all, &o.id).await.unwrap();
    assert_eq!(o.approved_by_name.as_deref(), Some("委领导"));
    let e = store.approve_override(&leader, &all, &o.id).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
    store.form_team(&manager, &all, &clue.id, &team[1..]).await.unwrap();
    let board = store.team_board(&manager, &all, &clue.id).await.unwrap();
    assert_eq!(board.team.len(), 2);
    let west_row = board.candidates.iter().find(|c| c.name == "梅书记").unwrap();
    assert!(west_row.exclusions.is_empty() && west_row.on_team);
    assert_eq!(west_row.waived, vec!["recusal.tie_kinship"]);

    // Both acts are in the audit trail (and so the ledger).
    for action in [
        "recusal_override.request",
        "recusal_override.approve",
        "case_team.add",
        "staff_tie.declare",
    ] {
        let audit = store
            .list_audit(
                &AuditFilter {
                    action: Some(action.into()),
                    ..Default::default()
                },
                PageRequest::new(1, 10),
            )
            .await
            .unwrap();
        assert!(audit.total >= 1, "{action} not audited");
    }

    // The own-township secretary reaches none of it.
    let east = store.reach_of(&w.east_secretary.1).await.unwrap();
    let me = as_staff(&w.east_secretary.0, &w.east_secretary.1);
    assert!(matches!(
        store.team_board(&me, &east, &clue.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.form_team(&me, &east, &clue.id, &team).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.approve_override(&me, &east, &o.id).await,
        Err(StoreError::NotFound)
    ));
}

fn tie_decl() -> TieDeclaration {
    TieDeclaration::parse("former_colleague", "person", "李某", "县住建局", "", "").unwrap()
}

async fn proposals_break_no_rule_and_involvement_counts(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let all = Reach::everything();
    let manager = as_staff(&w.manager.0, &w.manager.1);
    let first = store
        .create_clue(&a, &clue_about(&w.east, "王某", "石门镇财政所"))
        .await
        .unwrap();
    store
        .form_team(
            &manager,
            &all,
            &first.id,
            &[w.north_secretary.0.clone(), w.south_secretary.0.clone()],
        )
        .await
        .unwrap();
    // A second clue about the same person: the first team dealt with them before.
    let second = store
        .create_clue(&a, &clue_about(&w.east, "王某", "石门镇财政所"))
        .await
        .unwrap();
    let board = store.team_board(&manager, &all, &second.id).await.unwrap();
    let north = board.candidates.iter().find(|c| c.name == "北书记").unwrap();
    assert_eq!(north.exclusions, vec!["recusal.prior_involvement"]);
    assert_eq!(north.load, 1);
    // An explicit record counts the same.
    store
        .record_involvement(
            &manager,
            &w.west_secretary.0,
            &Name::parse("n", "王某").unwrap(),
            &Name::parse("u", "石门镇财政所").unwrap(),
            "2024年曾谈话提醒",
        )
        .await
        .unwrap();

    let two = NonZeroU32::new(2).unwrap();
    let p = store.propose_teams(&manager, &all, two).await.unwrap();
    assert_eq!(p.clues.len(), 1, "only clues without a team");
    let c = &p.clues[0];
    assert_eq!(c.clue.id, second.id);
    let names: Vec<&str> = c.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(c.members.len(), 2, "{c:?}");
    for banned in ["石书记", "石门籍干部", "北书记", "南书记", "梅书记"] {
        assert!(!names.contains(&banned), "{banned} proposed: {names:?}");
    }
    let rules: Vec<&str> = c.excluded.iter().map(|g| g.rule.as_str()).collect();
    assert!(
        rules.contains(&"recusal.prior_involvement") && rules.contains(&"recusal.same_home_township"),
        "{rules:?}"
    );
    // Accepting writes through the same validated path.
    assert_eq!(store.form_proposed_teams(&manager, &all, two).await.unwrap(), 1);
    let team = store.team_board(&manager, &all, &second.id).await.unwrap().team;
    assert_eq!(team.len(), 2);

    // Three needed but not enough clean staff: the proposal says why.
    let third = store
        .create_clue(&a, &clue_about(&w.east, "王某", "石门镇财政所"))
        .await
        .unwrap();
    let p = store
        .propose_teams(&manager, &all, NonZeroU32::new(3).unwrap())
        .await
        .unwrap();
    let c = p.clues.iter().find(|c| c.clue.id == third.id).unwrap();
    assert!(c.members.is_empty());
    assert_eq!(c.unstaffed.as_deref(), Some("assignment.too_few_eligible"));
}

fn plan(investigators: &[&str], caller: &str) -> PlanInput {
    PlanInput::parse(&PlanForm {
        witness_name: "证人甲".into(),
        protected: None,
        alias: String::new(),
        id_number: "11010519491231002X".into(),
        phone: "13800000000".into(),
        investigator_ids: investigators.iter().map(|s| s.to_string()).collect(),
        platform: "腾讯会议".into(),
        link: "https://meeting.example/j/123".into(),
        scheduled_at: (Utc::now() + Duration::days(1)).to_rfc3339(),
        consent_caller_id: caller.into(),
        consent_called_at: Utc::now().to_rfc3339(),
        consent_agreed: "同意明日远程询问".into(),
    })
    .unwrap()
}

async fn an_authorisation_covers_its_own_case_only(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let all = Reach::everything();
    let manager = as_staff(&w.manager.0, &w.manager.1);
    let day = today();
    let input = AuthorisationInput::parse(
        "对王某反映问题开展初步核实，可调取资料、谈话询问",
        &day.to_string(),
        &(day + Duration::days(90)).to_string(),
        day,
    )
    .unwrap();
    let one = store
        .create_clue(&a, &clue_about(&w.east, "王某", "石门镇财政所"))
        .await
        .unwrap();
    let two = store
        .create_clue(&a, &clue_about(&w.east, "赵某", "石门镇农经站"))
        .await
        .unwrap();
    let e = store
        .issue_authorisation(&manager, &all, &one.id, &input)
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["authorisation.team_empty"]);
    let (n, s) = (&w.north_secretary.0, &w.south_secretary.0);
    store
        .form_team(&manager, &all, &one.id, &[n.clone(), s.clone()])
        .await
        .unwrap();
    store
        .form_team(&manager, &all, &two.id, &[w.west_secretary.0.clone(), s.clone()])
        .await
        .unwrap();
    let auth = store
        .issue_authorisation(&manager, &all, &one.id, &input)
        .await
        .unwrap();
    assert!(
        auth.authorisation.number.ends_with("001号"),
        "{}",
        auth.authorisation.number
    );
    assert_eq!(auth.members.len(), 2);
    assert_eq!(auth.authorisation.issued_by_name.as_deref(), Some("案管员"));
    let found = store.authorisation_for(&one.id, day).await.unwrap().unwrap();
    assert_eq!(found.authorisation.id, auth.authorisation.id);
    assert!(store.authorisation_for(&two.id, day).await.unwrap().is_none());
    assert!(
        store
            .authorisation_for(&one.id, day + Duration::days(91))
            .await
            .unwrap()
            .is_none()
    );

    // Interviews on the second case may not run under the first case's authorisation.
    let case_two = store
        .dispose_clue(&a, &all, &two.id, None, Disposition::CaseOpened, &text("立案"), day)
        .await
        .unwrap()
        .case_id
        .unwrap();
    let i = store
        .plan_interview(&a, &all, &case_two, &plan(&[&w.west_secretary.0, s], s), None)
        .await
        .unwrap();
    let e = store
        .authorise_interview(&manager, &all, &i.id, &auth.authorisation.id, day)
        .await
        .unwrap_err();
    assert_eq!(
        problems(&e),
        vec![(
            "authorisation_id".into(),
            "authorisation.wrong_case",
            Some(auth.authorisation.number.clone())
        )]
    );
    let own = store
        .issue_authorisation(&manager, &all, &two.id, &input)
        .await
        .unwrap();
    let e = store
        .authorise_interview(&manager, &all, &i.id, &own.authorisation.id, day + Duration::days(200))
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["authorisation.expired"]);
    store
        .authorise_interview(&manager, &all, &i.id, &own.authorisation.id, day)
        .await
        .unwrap();
    // The own-township secretary does not see the authorisation.
    let east = store.reach_of(&w.east_secretary.1).await.unwrap();
    let me = as_staff(&w.east_secretary.0, &w.east_secretary.1);
    assert!(matches!(
        store.get_authorisation(&me, &east, &auth.authorisation.id).await,
        Err(StoreError::NotFound)
    ));
    // A tie declared after the team was formed keeps it from being authorised again.
    let south = as_staff(s, &w.south_secretary.1);
    store
        .declare_tie(
            &south,
            &TieDeclaration::parse("former_colleague", "person", "王某", "石门镇财政所", "", "").unwrap(),
        )
        .await
        .unwrap();
    let e = store
        .issue_authorisation(&manager, &all, &one.id, &input)
        .await
        .unwrap_err();
    assert_eq!(
        problems(&e),
        vec![("staff_id".into(), "recusal.tie_former_colleague", Some(s.clone()))]
    );
}

macro_rules! stories {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    let db = qinglian_testkit::sqlite().await;
                    super::$story(&*db.store().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $story() {
                    let db = qinglian_testkit::postgres().await;
                    super::$story(&*db.store().await).await;
                }
            )*
        }
    };
}

stories!(
    a_team_passes_every_recusal_rule,
    proposals_break_no_rule_and_involvement_counts,
    an_authorisation_covers_its_own_case_only,
);
