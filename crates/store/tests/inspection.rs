//! Scopes and the inspection practice as the store keeps them, on SQLite and on PostgreSQL:
//! reach resolved from postings, grants and groups; recusal; the concern's ordered path; reads
//! outside reach answered as not found.
//!
//! Places are fictional (province 99): county 990101 云溪县, townships 001 石门镇, 002 梅岭乡.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use qinglian_domain::error::Name;
use qinglian_domain::inspection::{ConcernInput, ConcernSource, ConcernStep, MeetingInput, Party, RoundInput};
use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, UnitInput, VillageInput};
use qinglian_domain::scope::{Reach, Scope, ScopeKind};
use qinglian_store::model::{Actor, Allowance, ConcernFilter, PageRequest, StepBy};
use qinglian_store::{Store, StoreError};

fn sys() -> Actor {
    Actor::system("test")
}

fn invalid_keys(e: &StoreError) -> Vec<&'static str> {
    match e {
        StoreError::Invalid(inv) => inv.fields.iter().map(|f| f.key).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn not_found(e: StoreError) {
    assert!(matches!(e, StoreError::NotFound), "expected NotFound, got {e:?}");
}

struct World {
    east: String,
    west: String,
    east_village: String,
    west_village: String,
    department: String,
    other_department: String,
    inspector_east_home: String,
    inspector: String,
    secretary_account: String,
    department_account: String,
    inspector_account: String,
    category: String,
}

async fn world(store: &dyn Store) -> World {
    let a = sys();
    store
        .upsert_county(&a, &CountyInput::parse("990101", "云溪县").unwrap())
        .await
        .unwrap();
    let east = store
        .create_township(&a, &TownshipInput::parse("990101001", "石门镇").unwrap())
        .await
        .unwrap();
    let west = store
        .create_township(&a, &TownshipInput::parse("990101002", "梅岭乡").unwrap())
        .await
        .unwrap();
    let ev = store
        .create_village(&a, &VillageInput::parse("990101001001", "石门村").unwrap())
        .await
        .unwrap();
    let wv = store
        .create_village(&a, &VillageInput::parse("990101002001", "梅岭村").unwrap())
        .await
        .unwrap();
    let d = store
        .create_department(&a, &UnitInput::parse("zhujian", "云溪县住建局").unwrap())
        .await
        .unwrap();
    let d2 = store
        .create_department(&a, &UnitInput::parse("ziran", "云溪县自然资源局").unwrap())
        .await
        .unwrap();
    let staff = |name: &'static str, role: &'static str, unit: Option<String>, home: Option<String>| {
        let a = a.clone();
        async move {
            store
                .create_staff(
                    &a,
                    &StaffInput::parse(name, role, unit.as_deref(), home.as_deref()).unwrap(),
                )
                .await
                .unwrap()
        }
    };
    let inspector_east_home = staff("巡察甲", "inspection_group_member", None, Some(east.id.clone())).await;
    let inspector = staff("巡察乙", "inspection_group_member", None, None).await;
    let secretary = staff("书记丙", "township_secretary", Some(east.id.clone()), None).await;
    let officer = staff("经办丁", "department_officer", Some(d.id.clone()), None).await;
    let secretary_account = store.create_account(&a, &secretary.id, "sec", "x").await.unwrap();
    let department_account = store.create_account(&a, &officer.id, "dept", "x").await.unwrap();
    let inspector_account = store.create_account(&a, &inspector.id, "insp", "x").await.unwrap();
    let category = store
        .create_category(&a, "road", &Name::parse("name", "道路设施").unwrap())
        .await
        .unwrap();
    World {
        east: east.id,
        west: west.id,
        east_village: ev.id,
        west_village: wv.id,
        department: d.id,
        other_department: d2.id,
        inspector_east_home: inspector_east_home.id,
        inspector: inspector.id,
        secretary_account,
        department_account,
        inspector_account,
        category: category.id,
    }
}

async fn reach_comes_from_postings_grants_and_groups(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let sec = store.reach_of(&w.secretary_account).await.unwrap();
    assert!(!sec.county);
    assert_eq!(sec.townships.iter().cloned().collect::<Vec<_>>(), vec![w.east.clone()]);
    let dept = store.reach_of(&w.department_account).await.unwrap();
    assert_eq!(
        dept.departments.iter().cloned().collect::<Vec<_>>(),
        vec![w.department.clone()]
    );
    // An inspector reaches nothing until they serve in a round's group.
    assert!(store.reach_of(&w.inspector_account).await.unwrap().is_empty());

    store
        .grant_scope(&a, &w.secretary_account, &Scope::of(ScopeKind::Township, &w.west))
        .await
        .unwrap();
    let sec = store.reach_of(&w.secretary_account).await.unwrap();
    assert!(sec.covers_township(&w.west) && sec.covers_township(&w.east));
    let e = store
        .grant_scope(&a, &w.secretary_account, &Scope::of(ScopeKind::Township, &w.west))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
    let e = store
        .grant_scope(&a, &w.secretary_account, &Scope::of(ScopeKind::Zone, "nope"))
        .await
        .unwrap_err();
    assert_eq!(invalid_keys(&e), vec!["field.unknown_id"]);
    let grants = store.list_scope_grants(&w.secretary_account).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].target_name.as_deref(), Some("梅岭乡"));
    store
        .revoke_scope(&a, &w.secretary_account, &Scope::of(ScopeKind::Township, &w.west))
        .await
        .unwrap();
    assert!(
        !store
            .reach_of(&w.secretary_account)
            .await
            .unwrap()
            .covers_township(&w.west)
    );
    not_found(
        store
            .revoke_scope(&a, &w.secretary_account, &Scope::of(ScopeKind::Township, &w.west))
            .await
            .unwrap_err(),
    );
}

async fn rounds_groups_and_recusal(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let round = store
        .create_round(&a, &RoundInput::parse("8", "第八轮巡察", "2026-10-01", "60").unwrap())
        .await
        .unwrap();
    let e = store
        .create_round(&a, &RoundInput::parse("8", "重复", "2026-10-01", "60").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { field: "number", .. }), "{e:?}");
    let group = store
        .create_group(
            &a,
            &round.id,
            &Name::parse("name", "第一巡察组").unwrap(),
            &w.inspector,
            std::slice::from_ref(&w.inspector_east_home),
        )
        .await
        .unwrap();
    assert_eq!(group.members.len(), 2, "the leader is a member too");
    // 巡察甲 lives in 石门镇: the group may not inspect 石门村, and nothing is written.
    let e = store
        .assign_targets(
            &a,
            &round.id,
            &group.group.id,
            &[w.west_village.clone(), w.east_village.clone()],
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_keys(&e), vec!["inspection.recusal_home_township"]);
    assert!(
        store
            .list_targets(&Reach::everything(), &round.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .assign_targets(&a, &round.id, &group.group.id, std::slice::from_ref(&w.west_village))
            .await
            .unwrap(),
        1
    );
    // The inspector now reaches the round through the group.
    let insp = store.reach_of(&w.inspector_account).await.unwrap();
    assert!(insp.covers_round(&round.id));
    assert_eq!(store.list_rounds(&insp).await.unwrap().len(), 1);
    // The east township's secretary does not see a round that targets only the west.
    let sec = store.reach_of(&w.secretary_account).await.unwrap();
    assert!(store.list_rounds(&sec).await.unwrap().is_empty());
    not_found(store.get_round(&sec, &round.id).await.unwrap_err());
    // Nor may they schedule a meeting in it: the store checks the reach, not the caller.
    let meeting = MeetingInput::parse(
        &round.id,
        &group.group.id,
        &w.west_village,
        "村委会",
        "2026-10-10T09:00",
        vec![],
    )
    .unwrap();
    not_found(store.create_meeting(&a, &sec, &meeting).await.unwrap_err());
    // A meeting only in a target village of the group.
    let e = store
        .create_meeting(
            &a,
            &qinglian_domain::scope::Reach::everything(),
            &MeetingInput::parse(
                &round.id,
                &group.group.id,
                &w.east_village,
                "村委会",
                "2026-10-10T09:00",
                vec![],
            )
            .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_keys(&e), vec!["inspection.village_not_target"]);
}

async fn a_concern_runs_its_course_within_reach(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let round = store
        .create_round(&a, &RoundInput::parse("8", "第八轮巡察", "2026-10-01", "60").unwrap())
        .await
        .unwrap();
    let group = store
        .create_group(
            &a,
            &round.id,
            &Name::parse("name", "第一巡察组").unwrap(),
            &w.inspector,
            &[],
        )
        .await
        .unwrap();
    store
        .assign_targets(&a, &round.id, &group.group.id, std::slice::from_ref(&w.west_village))
        .await
        .unwrap();
    let meeting = store
        .create_meeting(
            &a,
            &qinglian_domain::scope::Reach::everything(),
            &MeetingInput::parse(
                &round.id,
                &group.group.id,
                &w.west_village,
                "梅岭村村委会",
                "2026-10-10T09:00",
                vec![w.department.clone()],
            )
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(meeting.departments.len(), 1);
    let input = ConcernInput::parse(
        "村口道路二十米断头路",
        &w.category,
        &w.west_village,
        Some(&meeting.meeting.id),
        "王某",
        "13800000000",
    )
    .unwrap();
    let concern = store
        .create_concern(&a, &input, ConcernSource::Meeting, "hash-1", "第一巡察组", Utc::now())
        .await
        .unwrap();
    assert_eq!((concern.state.as_str(), concern.version), ("registered", 1));
    assert!(concern.has_complainant);
    assert_eq!(concern.round_id.as_deref(), Some(round.id.as_str()));
    // A concern about another village than the meeting's is refused.
    let wrong = ConcernInput::parse("x", &w.category, &w.east_village, Some(&meeting.meeting.id), "", "").unwrap();
    let e = store
        .create_concern(&a, &wrong, ConcernSource::Meeting, "hash-2", "第一巡察组", Utc::now())
        .await
        .unwrap_err();
    assert_eq!(invalid_keys(&e), vec!["concern.village_not_meeting"]);

    let now = Utc.with_ymd_and_hms(2026, 10, 10, 2, 0, 0).unwrap();
    let group_by = StepBy {
        party: Party::Group,
        unit_name: "第一巡察组",
        department_id: None,
    };
    let assign = ConcernStep::Assign {
        department_id: w.department.clone(),
        deadline: NaiveDate::from_ymd_opt(2026, 10, 20).unwrap(),
    };
    let insp = store.reach_of(&w.inspector_account).await.unwrap();
    let c = store
        .step_concern(&a, &insp, &concern.id, Some(1), &assign, &group_by, now)
        .await
        .unwrap();
    assert_eq!(
        (c.state.as_str(), c.department_id.as_deref()),
        ("assigned", Some(w.department.as_str()))
    );
    // A stale version is a conflict, not a lost update.
    let e = store
        .step_concern(&a, &insp, &concern.id, Some(1), &assign, &group_by, now)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { field: "version", .. }), "{e:?}");

    // The department sees it, the other townships' secretary does not.
    let dept = store.reach_of(&w.department_account).await.unwrap();
    let mine = store
        .list_concerns(&dept, &ConcernFilter::default(), PageRequest { offset: 0, limit: 25 })
        .await
        .unwrap();
    assert_eq!((mine.total, mine.items.len()), (1, 1));
    let sec = store.reach_of(&w.secretary_account).await.unwrap();
    let theirs = store
        .list_concerns(&sec, &ConcernFilter::default(), PageRequest { offset: 0, limit: 25 })
        .await
        .unwrap();
    assert_eq!(theirs.total, 0);
    not_found(store.get_concern(&sec, &concern.id).await.unwrap_err());
    not_found(store.read_complainant(&a, &sec, &concern.id).await.unwrap_err());

    // Overdue filter: after the deadline the department's list flags it.
    let overdue = ConcernFilter {
        overdue_on: NaiveDate::from_ymd_opt(2026, 10, 21),
        ..ConcernFilter::default()
    };
    assert_eq!(
        store
            .list_concerns(&dept, &overdue, PageRequest { offset: 0, limit: 25 })
            .await
            .unwrap()
            .total,
        1
    );

    // The escalation lists count it for the department, the township and the group.
    let late = store
        .overdue_summary(&Reach::everything(), NaiveDate::from_ymd_opt(2026, 10, 21).unwrap())
        .await
        .unwrap();
    let by: Vec<(&str, &str, i64)> = late.iter().map(|o| (o.by.as_str(), o.name.as_str(), o.count)).collect();
    assert_eq!(
        by,
        vec![
            ("department", "云溪县住建局", 1),
            ("township", "梅岭乡", 1),
            ("group", "第一巡察组", 1)
        ]
    );
    assert!(
        store
            .overdue_summary(&sec, NaiveDate::from_ymd_opt(2026, 10, 21).unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .overdue_summary(&Reach::everything(), NaiveDate::from_ymd_opt(2026, 10, 20).unwrap())
            .await
            .unwrap()
            .is_empty(),
        "due today is not overdue"
    );

    // Only the routed department answers; a department step by the group is refused.
    let answer = ConcernStep::Answer {
        answer: qinglian_domain::inspection::Text::parse("text", "已列入年度计划，十月底前打通").unwrap(),
    };
    let other_by = StepBy {
        party: Party::Department,
        unit_name: "云溪县自然资源局",
        department_id: Some(&w.other_department),
    };
    let e = store
        .step_concern(&a, &Reach::everything(), &concern.id, None, &answer, &other_by, now)
        .await
        .unwrap_err();
    assert_eq!(invalid_keys(&e), vec!["concern.not_your_department"]);
    let e = store
        .step_concern(&a, &insp, &concern.id, None, &answer, &group_by, now)
        .await
        .unwrap_err();
    assert_eq!(invalid_keys(&e), vec!["concern.step_not_yours"]);
    let dept_by = StepBy {
        party: Party::Department,
        unit_name: "云溪县住建局",
        department_id: Some(&w.department),
    };
    let c = store
        .step_concern(&a, &dept, &concern.id, None, &answer, &dept_by, now)
        .await
        .unwrap();
    assert_eq!(c.state, "answered");

    // The villager confirms by receipt; then may reopen within the window only.
    let c = store
        .villager_step(&a, "hash-1", &ConcernStep::Confirm, now + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(c.state, "closed");
    assert!(c.closed_at.is_some());
    let reopen = ConcernStep::Reopen {
        reason: qinglian_domain::inspection::Text::parse("text", "路还没通").unwrap(),
    };
    let e = store
        .villager_step(&a, "hash-1", &reopen, now + Duration::days(40))
        .await
        .unwrap_err();
    assert_eq!(invalid_keys(&e), vec!["concern.reopen_window"]);
    not_found(store.villager_step(&a, "no-such-hash", &reopen, now).await.unwrap_err());
    let (c, events) = store.concern_by_receipt("hash-1").await.unwrap();
    assert_eq!(c.state, "closed");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["create", "assign", "answer", "confirm"]);
    assert_eq!(events[1].deadline, NaiveDate::from_ymd_opt(2026, 10, 20));
    assert_eq!(events[2].unit_name, "云溪县住建局");

    // The complainant is read apart, and the read is audited.
    let who = store.read_complainant(&a, &insp, &concern.id).await.unwrap();
    assert_eq!(who.complainant_name.as_deref(), Some("王某"));
    let audit = store
        .list_audit(
            &qinglian_store::model::AuditFilter {
                action: Some("concern.complainant_view".into()),
                ..Default::default()
            },
            PageRequest { offset: 0, limit: 10 },
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    assert_eq!(audit.items[0].object_id.as_deref(), Some(concern.id.as_str()));

    let register = store
        .register(Some(&round.id), None, NaiveDate::from_ymd_opt(2026, 10, 12).unwrap())
        .await
        .unwrap();
    assert_eq!((register.total, register.on_spot, register.overdue), (1, 0, 0));
    assert_eq!(register.by_category[0].name, "道路设施");
    assert_eq!(register.by_state[0].name, "closed");
    // Every change is in the ledger: create, assign, answer, confirm; the refused ones are not.
    store
        .integrate_ledger(qinglian_ledger::Algorithm::Sha256, 10_000)
        .await
        .unwrap();
    let entries = store.ledger_entries_for(&concern.id).await.unwrap();
    let types: Vec<&str> = entries.iter().map(|e| e.entry_type.as_str()).collect();
    assert_eq!(
        types,
        vec!["concern.create", "concern.step", "concern.step", "concern.step"]
    );
}

/// A meeting in the west village, for the public form's submissions.
async fn public_meeting(store: &dyn Store, w: &World) -> String {
    let a = sys();
    let round = store
        .create_round(&a, &RoundInput::parse("9", "第九轮巡察", "2026-10-01", "60").unwrap())
        .await
        .unwrap();
    let group = store
        .create_group(
            &a,
            &round.id,
            &Name::parse("name", "第二巡察组").unwrap(),
            &w.inspector,
            &[],
        )
        .await
        .unwrap();
    store
        .assign_targets(&a, &round.id, &group.group.id, std::slice::from_ref(&w.west_village))
        .await
        .unwrap();
    let input = MeetingInput::parse(
        &round.id,
        &group.group.id,
        &w.west_village,
        "梅岭村村委会",
        "2026-10-11T09:00",
        vec![w.department.clone()],
    )
    .unwrap();
    let reach = Reach::everything();
    store.create_meeting(&a, &reach, &input).await.unwrap().meeting.id
}

fn allowance(client: &str, limit: i64) -> Allowance {
    Allowance {
        key: format!("submit:{client}"),
        window: Duration::hours(1),
        limit,
        lock_for: Duration::hours(1),
    }
}

/// Villagers' submissions sent at once are all kept, each with its history line, audit row and
/// log entry; a client past its allowance is refused and leaves nothing; a bad submission
/// among good ones is refused alone.
async fn public_submissions_are_kept_charged_and_refused_alone(store: &dyn Store) {
    let w = world(store).await;
    let meeting = public_meeting(store, &w).await;
    let place = store.meeting_place(&meeting, &w.category).await.unwrap();
    assert_eq!(
        (place.village_id.as_str(), place.category_name.is_some()),
        (w.west_village.as_str(), true)
    );
    let unknown_category = store.meeting_place(&meeting, "no-such-category").await.unwrap();
    assert_eq!(unknown_category.category_name, None);
    not_found(store.meeting_place("no-such-meeting", &w.category).await.unwrap_err());
    let villager = Actor::system("public");
    let parse = |text: &str, category: &str, village: &str| {
        ConcernInput::parse(text, category, village, Some(&meeting), "", "").unwrap()
    };

    // Forty at once, from forty clients, three of them with a bad category, one about
    // another village: those four are refused, the others kept.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let category = if i % 13 == 5 {
            "no-such-category".to_owned()
        } else {
            w.category.clone()
        };
        let village = if i == 7 {
            w.east_village.clone()
        } else {
            w.west_village.clone()
        };
        let input = parse(&format!("路灯坏了 {i}"), &category, &village);
        let place = if i % 13 == 5 {
            unknown_category.clone()
        } else {
            place.clone()
        };
        let villager = villager.clone();
        let submit = async move {
            store
                .create_public_concern(
                    &villager,
                    &input,
                    &place,
                    &format!("hash-p{i}"),
                    &allowance(&format!("c{i}"), 30),
                    Utc::now(),
                )
                .await
        };
        tasks.push(submit);
    }
    let results = futures_util::future::join_all(tasks).await;
    let mut kept = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(c) => {
                assert_eq!(
                    (c.state.as_str(), c.source.as_str(), c.version),
                    ("registered", "public", 1)
                );
                assert_eq!(c.text, format!("路灯坏了 {i}"));
                // What the write answers is what is stored.
                assert_eq!(c, store.get_concern(&Reach::everything(), &c.id).await.unwrap());
                kept.push(c);
            }
            Err(e) if i % 13 == 5 => assert_eq!(invalid_keys(&e), vec!["field.unknown_id"], "{i}"),
            Err(e) if i == 7 => assert_eq!(invalid_keys(&e), vec!["concern.village_not_meeting"]),
            Err(e) => panic!("submission {i} refused: {e:?}"),
        }
    }
    assert_eq!(kept.len(), 36);
    for c in &kept {
        let (found, events) = store
            .concern_by_receipt(&format!("hash-p{}", &c.text["路灯坏了 ".len()..]))
            .await
            .unwrap();
        assert_eq!(found.id, c.id);
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].kind.as_str(), events[0].party.as_str()),
            ("create", "villager")
        );
    }
    let audit = store
        .list_audit(
            &qinglian_store::model::AuditFilter {
                action: Some("concern.create".into()),
                ..Default::default()
            },
            PageRequest { offset: 0, limit: 100 },
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 36);
    store
        .integrate_ledger(qinglian_ledger::Algorithm::Sha256, 10_000)
        .await
        .unwrap();
    for c in &kept {
        let entries = store.ledger_entries_for(&c.id).await.unwrap();
        assert_eq!(entries.len(), 1, "{}", c.id);
        assert_eq!(entries[0].entry_type, "concern.create");
    }

    // One client, allowed three, sends five at once: three kept, two refused, nothing of
    // theirs written; the lock holds for the next one.
    let mut tasks = Vec::new();
    for i in 0..5 {
        let input = parse(&format!("同一部手机 {i}"), &w.category, &w.west_village);
        let villager = villager.clone();
        let place = &place;
        tasks.push(async move {
            store
                .create_public_concern(
                    &villager,
                    &input,
                    place,
                    &format!("hash-s{i}"),
                    &allowance("shared", 3),
                    Utc::now(),
                )
                .await
        });
    }
    let results = futures_util::future::join_all(tasks).await;
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Throttled { .. })))
        .count();
    assert_eq!((results.iter().filter(|r| r.is_ok()).count(), refused), (3, 2));
    let mut receipts = 0;
    for i in 0..5 {
        receipts += usize::from(store.concern_by_receipt(&format!("hash-s{i}")).await.is_ok());
    }
    assert_eq!(receipts, 3);
    let input = parse("再来一条", &w.category, &w.west_village);
    let e = store
        .create_public_concern(
            &villager,
            &input,
            &place,
            "hash-s9",
            &allowance("shared", 3),
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Throttled { .. }), "{e:?}");
    not_found(store.concern_by_receipt("hash-s9").await.unwrap_err());
    // A refused submission uses none of the allowance: a client allowed two sends a bad
    // one beside a good one at once, then one more good one, which is still allowed (the
    // limit's own charge locks); only the next is refused.
    let bad = parse("类别不对", "no-such-category", &w.west_village);
    let good = parse("类别对的", &w.category, &w.west_village);
    let (refused, first) = futures_util::future::join(
        store.create_public_concern(
            &villager,
            &bad,
            &unknown_category,
            "hash-b0",
            &allowance("picky", 2),
            Utc::now(),
        ),
        store.create_public_concern(&villager, &good, &place, "hash-b1", &allowance("picky", 2), Utc::now()),
    )
    .await;
    assert_eq!(invalid_keys(&refused.unwrap_err()), vec!["field.unknown_id"]);
    first.unwrap();
    store
        .create_public_concern(&villager, &good, &place, "hash-b2", &allowance("picky", 2), Utc::now())
        .await
        .unwrap();
    let e = store
        .create_public_concern(&villager, &good, &place, "hash-b3", &allowance("picky", 2), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Throttled { .. }), "{e:?}");

    // A lock ends: an hour and more later the client may send again.
    let later = Utc::now() + Duration::hours(2);
    store
        .create_public_concern(&villager, &input, &place, "hash-s9", &allowance("shared", 3), later)
        .await
        .unwrap();

    // A list's total, read twice (the second may be a kept total), follows the next change
    // at once.
    let everything = Reach::everything();
    let filter = ConcernFilter {
        meeting_id: Some(meeting.clone()),
        ..Default::default()
    };
    let page = PageRequest { offset: 0, limit: 5 };
    let before = store.list_concerns(&everything, &filter, page).await.unwrap().total;
    assert_eq!(
        store.list_concerns(&everything, &filter, page).await.unwrap().total,
        before
    );
    let input = parse("又一条", &w.category, &w.west_village);
    store
        .create_public_concern(&villager, &input, &place, "hash-t1", &allowance("t", 30), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        store.list_concerns(&everything, &filter, page).await.unwrap().total,
        before + 1
    );

    // A receipt hash already taken (a collision) is refused as a conflict, alone.
    let input = parse("重复的回执", &w.category, &w.west_village);
    let e = store
        .create_public_concern(
            &villager,
            &input,
            &place,
            "hash-p0",
            &allowance("other", 30),
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { field: "receipt", .. }), "{e:?}");
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
    reach_comes_from_postings_grants_and_groups,
    rounds_groups_and_recusal,
    a_concern_runs_its_course_within_reach,
    public_submissions_are_kept_charged_and_refused_alone,
);

/// SQLite keeps reaches until this process changes a table they are made of (`reach_cache`);
/// a change made by another process on the same file, as the CLI would, counts too, within
/// the second a kept reach lives.
#[tokio::test]
async fn a_grant_revoked_by_another_process_stops_counting_within_a_second() {
    let db = qinglian_testkit::sqlite().await;
    let server = db.store().await;
    let w = world(&*server).await;
    let west = Scope::of(ScopeKind::Township, &w.west);
    let reaches_west = || async {
        server
            .reach_of(&w.secretary_account)
            .await
            .unwrap()
            .covers_township(&w.west)
    };
    server.grant_scope(&sys(), &w.secretary_account, &west).await.unwrap();
    assert!(reaches_west().await);
    let other = db.store().await;
    other.revoke_scope(&sys(), &w.secretary_account, &west).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while reaches_west().await {
        assert!(
            std::time::Instant::now() < deadline,
            "a revoked grant still counts 5 s after another process revoked it"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A change this process makes counts from the next read on.
    server.grant_scope(&sys(), &w.secretary_account, &west).await.unwrap();
    assert!(reaches_west().await);
    server.revoke_scope(&sys(), &w.secretary_account, &west).await.unwrap();
    assert!(!reaches_west().await);
}
