//! Clues, cases, cross-handling teams and remote interviews as the store keeps them, on SQLite
//! and PostgreSQL: nobody reaches a clue of their own township whatever else they hold; the
//! team is never of the township; the procedure passes in order; every read is audited.
//!
//! Places are fictional (province 99): county 990101 云溪县, townships 001 石门镇, 002 梅岭乡.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate, Utc};
use qinglian_domain::case::{ClueInput, Disposition};
use qinglian_domain::inspection::Text;
use qinglian_domain::interview::{Act, PlanForm, PlanInput, QaEntry, Step};
use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput};
use qinglian_domain::scope::{Reach, Scope, ScopeKind};
use qinglian_store::model::{Actor, AuditFilter, ClueFilter, PageRequest};
use qinglian_store::{Store, StoreError};

fn sys() -> Actor {
    Actor::system("test")
}

fn keys(e: &StoreError) -> Vec<&'static str> {
    match e {
        StoreError::Invalid(inv) => inv.fields.iter().map(|f| f.key).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn not_found(e: StoreError) {
    assert!(matches!(e, StoreError::NotFound), "expected NotFound, got {e:?}");
}

fn text(s: &str) -> Text {
    Text::parse("t", s).unwrap()
}

fn as_staff(staff_id: &str, account: &str) -> Actor {
    Actor {
        account_id: Some(account.to_owned()),
        staff_id: Some(staff_id.to_owned()),
        name: staff_id.to_owned(),
        role: "township_secretary".to_owned(),
        operation_id: "op".to_owned(),
        client_addr: None,
    }
}

struct World {
    east: String,
    west: String,
    east_secretary: (String, String),
    west_secretary: (String, String),
    group_head: (String, String),
    east_born: String,
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
        .unwrap()
        .id;
    let west = store
        .create_township(&a, &TownshipInput::parse("990101002", "梅岭乡").unwrap())
        .await
        .unwrap()
        .id;
    let group = store
        .create_stationed_group(
            &a,
            &qinglian_domain::org::UnitInput::parse("pz1", "第一派驻组").unwrap(),
            &[],
        )
        .await
        .unwrap()
        .id;
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
    let east_secretary = person("石书记", "township_secretary", Some(east.clone()), None, "east").await;
    let west_secretary = person("梅书记", "township_secretary", Some(west.clone()), None, "west").await;
    let group_head = person(
        "派驻组长",
        "stationed_group_head",
        Some(group),
        Some(west.clone()),
        "head",
    )
    .await;
    // 石门籍干部 works at the commission but was born in 石门镇.
    let east_born = person("石门籍干部", "supervision_office", None, Some(east.clone()), "born").await;
    World {
        east,
        west,
        east_secretary,
        west_secretary,
        group_head,
        east_born: east_born.0,
    }
}

fn clue_in(township: &str) -> ClueInput {
    ClueInput::parse(
        "petition",
        "王某",
        "石门镇财政所",
        township,
        "反映其虚报冒领农机补贴",
        "2026-11-02",
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
    )
    .unwrap()
}

async fn own_township_never_reaches_a_clue(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let clue = store.create_clue(&a, &clue_in(&w.east)).await.unwrap();
    assert_eq!(clue.number, "线索〔2026〕001号");
    assert_eq!(clue.disposition, None);

    // 石书记 is posted in 石门镇: their reach covers the township, yet not its clues.
    let east = store.reach_of(&w.east_secretary.1).await.unwrap();
    assert!(east.covers_township(&w.east));
    let actor = as_staff(&w.east_secretary.0, &w.east_secretary.1);
    let list = store
        .list_clues(&actor, &east, &ClueFilter::default(), PageRequest::new(1, 50))
        .await
        .unwrap();
    assert_eq!((list.total, list.items.len()), (0, 0));
    not_found(store.get_clue(&actor, &east, &clue.id).await.unwrap_err());
    // Even a county grant does not open one's own township.
    store
        .grant_scope(&a, &w.east_secretary.1, &Scope::of(ScopeKind::County, ""))
        .await
        .unwrap();
    let east = store.reach_of(&w.east_secretary.1).await.unwrap();
    assert!(east.county);
    not_found(store.get_clue(&actor, &east, &clue.id).await.unwrap_err());
    assert_eq!(
        store
            .list_clues(&actor, &east, &ClueFilter::default(), PageRequest::new(1, 50))
            .await
            .unwrap()
            .total,
        0
    );
    // 梅书记 of the other township reaches nothing of it until put on its team.
    let west = store.reach_of(&w.west_secretary.1).await.unwrap();
    let west_actor = as_staff(&w.west_secretary.0, &w.west_secretary.1);
    not_found(store.get_clue(&west_actor, &west, &clue.id).await.unwrap_err());

    // The team is never of the township: posted there, or born there.
    let all = Reach::everything();
    let e = store
        .add_team_member(&a, &all, &clue.id, &w.east_secretary.0)
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.posted_in_township"]);
    let e = store
        .add_team_member(&a, &all, &clue.id, &w.east_born)
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["recusal.same_home_township"]);
    store
        .add_team_member(&a, &all, &clue.id, &w.west_secretary.0)
        .await
        .unwrap();
    let e = store
        .add_team_member(&a, &all, &clue.id, &w.west_secretary.0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
    let west = store.reach_of(&w.west_secretary.1).await.unwrap();
    assert!(west.cases.contains(&clue.id));
    let detail = store.get_clue(&west_actor, &west, &clue.id).await.unwrap();
    assert_eq!(detail.team.len(), 1);
    assert_eq!(detail.team[0].name, "梅书记");

    // Every read of case data is in the audit trail.
    let audit = store
        .list_audit(
            &AuditFilter {
                action: Some("clue.view".into()),
                ..Default::default()
            },
            PageRequest::new(1, 50),
        )
        .await
        .unwrap();
    assert!(audit.total >= 3, "list reads and the detail read: {}", audit.total);
    assert!(
        audit
            .items
            .iter()
            .any(|e| e.object_id.as_deref() == Some(clue.id.as_str()))
    );
}

async fn dispositions_open_a_case_once(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let all = Reach::everything();
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let clue = store.create_clue(&a, &clue_in(&w.east)).await.unwrap();
    let c = store
        .dispose_clue(
            &a,
            &all,
            &clue.id,
            Some(1),
            Disposition::PreliminaryVerification,
            &text("初核"),
            today,
        )
        .await
        .unwrap();
    assert_eq!(c.disposition.as_deref(), Some("preliminary_verification"));
    let e = store
        .dispose_clue(
            &a,
            &all,
            &clue.id,
            Some(1),
            Disposition::CaseOpened,
            &text("立案"),
            today,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { field: "version", .. }), "{e:?}");
    let c = store
        .dispose_clue(
            &a,
            &all,
            &clue.id,
            Some(2),
            Disposition::CaseOpened,
            &text("经初核，决定立案"),
            today,
        )
        .await
        .unwrap();
    let case_id = c.case_id.clone().expect("a case is opened");
    let e = store
        .dispose_clue(&a, &all, &clue.id, None, Disposition::Closed, &text("了结"), today)
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["clue.already_final"]);
    let case = store.get_case(&a, &all, &case_id).await.unwrap();
    assert_eq!(case.number, "立案〔2026〕001号");
    assert_eq!(case.township_id, w.east);
    let detail = store.get_clue(&a, &all, &clue.id).await.unwrap();
    let steps: Vec<&str> = detail.events.iter().map(|e| e.disposition.as_str()).collect();
    assert_eq!(steps, vec!["preliminary_verification", "case_opened"]);
    // The township's own secretary sees neither the case nor its list row.
    let east = store.reach_of(&w.east_secretary.1).await.unwrap();
    let actor = as_staff(&w.east_secretary.0, &w.east_secretary.1);
    not_found(store.get_case(&actor, &east, &case_id).await.unwrap_err());
    assert_eq!(
        store
            .list_cases(&actor, &east, PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        0
    );
    let _ = &w.west;
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

async fn an_interview_runs_in_order_and_its_transcript_freezes(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let all = Reach::everything();
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let clue = store.create_clue(&a, &clue_in(&w.east)).await.unwrap();
    let clue = store
        .dispose_clue(&a, &all, &clue.id, None, Disposition::CaseOpened, &text("立案"), today)
        .await
        .unwrap();
    let case_id = clue.case_id.unwrap();
    store
        .add_team_member(&a, &all, &clue.id, &w.west_secretary.0)
        .await
        .unwrap();
    let (ws, hd) = (&w.west_secretary.0, &w.group_head.0);
    let e = store
        .plan_interview(&a, &all, &case_id, &plan(&[ws, hd], ws), None)
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["interview.investigator_not_on_team"]);
    store.add_team_member(&a, &all, &clue.id, hd).await.unwrap();
    let i = store
        .plan_interview(&a, &all, &case_id, &plan(&[ws, hd], ws), None)
        .await
        .unwrap();

    let west = store.reach_of(&w.west_secretary.1).await.unwrap();
    let head = store.reach_of(&w.group_head.1).await.unwrap();
    let me = as_staff(ws, &w.west_secretary.1);
    let other = as_staff(hd, &w.group_head.1);
    let now = Utc::now();
    let act = |who: &Actor, reach: &Reach, act: Act| {
        let (who, reach, id) = (who.clone(), reach.clone(), i.id.clone());
        async move { store.interview_act(&who, &reach, &id, &act, now).await }
    };
    let take = |step| Act::Take { step, detail: None };

    // A system actor, or anyone not an investigator, cannot act.
    let e = store
        .interview_act(&a, &all, &i.id, &Act::CheckIn, now)
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["interview.not_investigator"]);
    act(&me, &west, Act::CheckIn).await.unwrap();
    let e = act(&me, &west, take(Step::RecordingStarted)).await.unwrap_err();
    assert_eq!(
        keys(&e),
        vec!["interview.out_of_order"],
        "the second investigator has not checked in"
    );
    let d = act(&other, &head, Act::CheckIn).await.unwrap();
    assert_eq!(d.interview.done_step.as_deref(), Some("investigators_present"));
    assert!(d.investigators.iter().all(|v| v.checked_in_at.is_some()));
    act(&me, &west, take(Step::RecordingStarted)).await.unwrap();
    let e = act(&me, &west, take(Step::RightsRead)).await.unwrap_err();
    match &e {
        StoreError::Invalid(inv) => assert_eq!(inv.fields[0].value.as_deref(), Some("credentials_shown")),
        other => panic!("{other:?}"),
    }
    // No transcript before questioning.
    let qa = vec![QaEntry {
        question: "问：你的姓名？".into(),
        answer: "答：证人甲。".into(),
    }];
    let e = store.save_transcript(&me, &west, &i.id, 0, &qa, now).await.unwrap_err();
    assert_eq!(keys(&e), vec!["transcript.not_started"]);
    act(&other, &head, take(Step::CredentialsShown)).await.unwrap();
    act(&me, &west, take(Step::RightsRead)).await.unwrap();
    act(
        &me,
        &west,
        Act::Take {
            step: Step::IdentityVerified,
            detail: Some(text("视频中出示身份证原件并核对")),
        },
    )
    .await
    .unwrap();
    act(&me, &west, take(Step::Questioning)).await.unwrap();
    act(
        &other,
        &head,
        Act::Pause {
            interruption: true,
            reason: text("网络中断两分钟"),
        },
    )
    .await
    .unwrap();
    let e = act(&me, &west, take(Step::TranscriptReadBack)).await.unwrap_err();
    assert_eq!(keys(&e), vec!["interview.paused"]);
    act(&other, &head, Act::Resume).await.unwrap();
    let v1 = store.save_transcript(&me, &west, &i.id, 0, &qa, now).await.unwrap();
    assert_eq!(v1.number, 1);
    let same = store.save_transcript(&me, &west, &i.id, 1, &qa, now).await.unwrap();
    assert_eq!(same.number, 1, "an unchanged autosave makes no version");
    let e = store
        .save_transcript(&other, &head, &i.id, 0, &qa, now)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { field: "base", .. }), "{e:?}");
    let mut qa2 = qa.clone();
    qa2.push(QaEntry {
        question: "问：你与王某是什么关系？".into(),
        answer: "答：同事。".into(),
    });
    assert_eq!(
        store
            .save_transcript(&other, &head, &i.id, 1, &qa2, now)
            .await
            .unwrap()
            .number,
        2
    );
    act(&me, &west, take(Step::TranscriptReadBack)).await.unwrap();
    let e = act(&me, &west, take(Step::TranscriptConfirmed)).await.unwrap_err();
    assert_eq!(keys(&e), vec!["interview.signed_copy_missing"]);
    // Only a file the investigator took in themselves can be attached.
    let e = store
        .attach_interview_file(&me, &west, &i.id, "no-such-file", "signed_transcript")
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["field.unknown_id"]);
    let theirs = intake(store, &other, b"scan by the other investigator").await;
    let e = store
        .attach_interview_file(&me, &west, &i.id, &theirs, "signed_transcript")
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["interview.file_not_yours"]);
    let scan = intake(store, &me, b"signed transcript scan").await;
    store
        .attach_interview_file(&me, &west, &i.id, &scan, "signed_transcript")
        .await
        .unwrap();
    act(&me, &west, take(Step::TranscriptConfirmed)).await.unwrap();
    let e = store.save_transcript(&me, &west, &i.id, 2, &qa, now).await.unwrap_err();
    assert_eq!(keys(&e), vec!["transcript.frozen"]);
    let d = act(&other, &head, take(Step::RecordingStopped)).await.unwrap();
    let kinds: Vec<(&str, Option<&str>)> = d.events.iter().map(|e| (e.kind.as_str(), e.step.as_deref())).collect();
    assert_eq!(
        kinds,
        vec![
            ("check_in", None),
            ("check_in", Some("investigators_present")),
            ("step", Some("recording_started")),
            ("step", Some("credentials_shown")),
            ("step", Some("rights_read")),
            ("step", Some("identity_verified")),
            ("step", Some("questioning")),
            ("interruption", None),
            ("resume", None),
            ("step", Some("transcript_read_back")),
            ("step", Some("transcript_confirmed")),
            ("step", Some("recording_stopped")),
        ]
    );
    assert_eq!(d.transcript.as_ref().map(|t| t.number), Some(2));
    assert_eq!(
        d.witness.as_ref().and_then(|w| w.witness_name.as_deref()),
        Some("证人甲")
    );
    let versions = store.transcript_versions(&me, &west, &i.id).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.number).collect::<Vec<_>>(), vec![2, 1]);
    // The township's own secretary cannot even learn that the interview exists.
    let east = store.reach_of(&w.east_secretary.1).await.unwrap();
    let e_actor = as_staff(&w.east_secretary.0, &w.east_secretary.1);
    not_found(store.get_interview(&e_actor, &east, &i.id).await.unwrap_err());
    not_found(
        store
            .interview_act(&e_actor, &east, &i.id, &Act::Resume, now)
            .await
            .unwrap_err(),
    );
    // Every act is an entry of the tamper-evident log.
    store
        .integrate_ledger(qinglian_ledger::Algorithm::Sha256, 100_000)
        .await
        .unwrap();
    let types: Vec<String> = store
        .ledger_entries_for(&i.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry_type)
        .collect();
    assert_eq!(types.iter().filter(|t| *t == "interview.act").count(), 12);
    assert!(types.contains(&"interview.plan".to_owned()));
    assert_eq!(types.iter().filter(|t| *t == "transcript.save").count(), 2);
}

async fn a_protected_witness_is_sealed_apart(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let all = Reach::everything();
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let clue = store.create_clue(&a, &clue_in(&w.east)).await.unwrap();
    let clue = store
        .dispose_clue(&a, &all, &clue.id, None, Disposition::CaseOpened, &text("立案"), today)
        .await
        .unwrap();
    let case_id = clue.case_id.unwrap();
    store
        .add_team_member(&a, &all, &clue.id, &w.west_secretary.0)
        .await
        .unwrap();
    store
        .add_team_member(&a, &all, &clue.id, &w.group_head.0)
        .await
        .unwrap();
    let mut p = plan(&[&w.west_secretary.0, &w.group_head.0], &w.west_secretary.0);
    p.witness.protected = true;
    p.witness.shown_name = qinglian_domain::error::Name::parse("alias", "证人A").unwrap();
    let e = store.plan_interview(&a, &all, &case_id, &p, None).await.unwrap_err();
    assert_eq!(keys(&e), vec!["interview.identity_not_sealed"]);
    let i = store
        .plan_interview(&a, &all, &case_id, &p, Some("sealed:opaque"))
        .await
        .unwrap();
    assert_eq!(i.witness_shown, "证人A");
    let d = store.get_interview(&a, &all, &i.id).await.unwrap();
    assert!(
        d.witness.is_none(),
        "the plan holds no real identity of a protected witness"
    );
    let sealed = store
        .reveal_witness(&a, &all, &i.id, &text("审理需要核对"))
        .await
        .unwrap();
    assert_eq!(sealed, "sealed:opaque");
    let audit = store
        .list_audit(
            &AuditFilter {
                action: Some("witness.reveal".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    assert_eq!(audit.items[0].detail.as_deref(), Some("审理需要核对"));
}

/// An evidence file taken in by `actor` (its record; the bytes are the blob store's business).
async fn intake(store: &dyn Store, actor: &Actor, bytes: &[u8]) -> String {
    use qinglian_store::evidence::{BlobKey, Digests, NewEvidence};
    let digests = Digests::of(bytes);
    let new = NewEvidence {
        key: BlobKey::for_sha256(&digests.sha256),
        digests,
        size: bytes.len() as u64,
        file_name: qinglian_domain::evidence::FileName::parse("filename", "签字笔录.jpg").unwrap(),
        media_type: qinglian_domain::evidence::MediaType::parse("filetype", "image/jpeg").unwrap(),
    };
    store.record_intake(actor, None, &new).await.unwrap().id
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
    own_township_never_reaches_a_clue,
    dispositions_open_a_case_once,
    an_interview_runs_in_order_and_its_transcript_freezes,
    a_protected_witness_is_sealed_apart,
);
