//! Zone governance and campaign statistics as the store keeps them, on SQLite and PostgreSQL:
//! the convener calendar crosses the year end, a convener outside the zone is refused with the
//! rule named, term reports are the convener's and final once submitted, amounts are exact.
//!
//! Places are fictional (province 99): county 990101 云溪县, townships 001–003.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use qinglian_domain::campaign::{CampaignInput, CampaignStats, FindingInput, HandlingInput, Period, ZoneUnits};
use qinglian_domain::case::{ClueInput, Disposition};
use qinglian_domain::inspection::Text;
use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, UnitInput, ZoneInput};
use qinglian_domain::scope::Reach;
use qinglian_domain::zone_governance::{JointMeetingInput, Quarter, Rotation};
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
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

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn q(s: &str) -> Quarter {
    Quarter::parse("q", s).unwrap()
}

fn staff_actor(id: &str) -> Actor {
    Actor {
        account_id: None,
        staff_id: Some(id.to_owned()),
        name: id.to_owned(),
        role: "township_secretary".to_owned(),
        operation_id: "op".to_owned(),
        client_addr: None,
    }
}

struct World {
    zone: String,
    townships: Vec<String>,
    /// Secretaries of 001 and 002 (in the zone), and of 003 (outside it).
    secretaries: Vec<String>,
}

async fn world(store: &dyn Store) -> World {
    let a = sys();
    store
        .upsert_county(&a, &CountyInput::parse("990101", "云溪县").unwrap())
        .await
        .unwrap();
    let mut townships = Vec::new();
    for (code, name) in [
        ("990101001", "石门镇"),
        ("990101002", "梅岭乡"),
        ("990101003", "云台镇"),
    ] {
        townships.push(
            store
                .create_township(&a, &TownshipInput::parse(code, name).unwrap())
                .await
                .unwrap()
                .id,
        );
    }
    let mut secretaries = Vec::new();
    for (i, name) in ["石书记", "梅书记", "云书记"].into_iter().enumerate() {
        let s = store
            .create_staff(
                &a,
                &StaffInput::parse(name, "township_secretary", Some(&townships[i]), None).unwrap(),
            )
            .await
            .unwrap();
        secretaries.push(s.id);
    }
    let leader = store
        .create_staff(
            &a,
            &StaffInput::parse("委领导", "commission_leader", None, None).unwrap(),
        )
        .await
        .unwrap()
        .id;
    let office = store
        .create_office(&a, &UnitInput::parse("s1", "第一纪检监察室").unwrap())
        .await
        .unwrap()
        .id;
    let zone = store
        .create_zone(
            &a,
            &ZoneInput::parse(
                "第一协作区",
                "townships",
                &leader,
                &office,
                vec![townships[0].clone(), townships[1].clone()],
            )
            .unwrap(),
        )
        .await
        .unwrap()
        .zone
        .id;
    World {
        zone,
        townships,
        secretaries,
    }
}

async fn the_calendar_crosses_the_year_and_refuses_outsiders(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    // 云书记 is posted outside the zone: refused with the rule named, nothing written.
    let outside = Rotation::parse("2026Q4", vec![w.secretaries[0].clone(), w.secretaries[2].clone()]).unwrap();
    let e = store.set_rotation(&a, &w.zone, &outside).await.unwrap_err();
    assert_eq!(keys(&e), vec!["zone.convener_outside_zone"]);
    assert!(store.get_rotation(&w.zone).await.unwrap().is_none());

    let r = Rotation::parse("2026Q4", vec![w.secretaries[1].clone(), w.secretaries[0].clone()]).unwrap();
    let saved = store.set_rotation(&a, &w.zone, &r).await.unwrap();
    assert_eq!(saved.start, "2026Q4");
    assert_eq!(saved.order[0].name, "梅书记");
    let cal = store.convener_calendar(&w.zone, q("2026Q3"), 5).await.unwrap();
    let who: Vec<(String, Option<String>)> = cal.iter().map(|s| (s.quarter.clone(), s.staff_name.clone())).collect();
    assert_eq!(
        who,
        vec![
            ("2026Q3".into(), None),
            ("2026Q4".into(), Some("梅书记".into())),
            ("2027Q1".into(), Some("石书记".into())),
            ("2027Q2".into(), Some("梅书记".into())),
            ("2027Q3".into(), Some("石书记".into())),
        ]
    );

    // A meeting's attendees come from the zone too; its convener is the quarter's.
    let m = JointMeetingInput::parse(
        "2026-10-20",
        "梅岭乡会议室",
        "通报线索处置情况",
        vec![w.secretaries[0].clone(), w.secretaries[2].clone()],
        "纪要",
        day("2026-11-27"),
    )
    .unwrap();
    assert_eq!(
        keys(&store.record_joint_meeting(&a, &w.zone, &m).await.unwrap_err()),
        vec!["zone.convener_outside_zone"]
    );
    let m = JointMeetingInput::parse(
        "2026-10-20",
        "梅岭乡会议室",
        "通报线索处置情况",
        w.secretaries[..2].to_vec(),
        "纪要",
        day("2026-11-27"),
    )
    .unwrap();
    let meeting = store.record_joint_meeting(&a, &w.zone, &m).await.unwrap();
    assert_eq!(meeting.meeting.convener_name.as_deref(), Some("梅书记"));
    assert_eq!(meeting.attendees.len(), 2);
    assert_eq!(store.list_joint_meetings(&w.zone).await.unwrap().len(), 1);
    let fig = store.term_figures(&w.zone, q("2026Q4")).await.unwrap();
    assert_eq!(fig.meetings_held, 1);
    assert_eq!(store.term_figures(&w.zone, q("2027Q1")).await.unwrap().meetings_held, 0);
}

async fn the_term_report_is_the_conveners_and_final_once_submitted(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let r = Rotation::parse("2026Q4", vec![w.secretaries[1].clone(), w.secretaries[0].clone()]).unwrap();
    store.set_rotation(&a, &w.zone, &r).await.unwrap();
    let body = Text::parse("body", "述职").unwrap();
    let q4 = q("2026Q4");
    // Only the quarter's convener writes it, and not before the term's last month.
    let e = store
        .save_term_report(
            &staff_actor(&w.secretaries[0]),
            &w.zone,
            q4,
            &body,
            false,
            None,
            day("2026-12-10"),
        )
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["term_report.not_convener"]);
    let convener = staff_actor(&w.secretaries[1]);
    let e = store
        .save_term_report(&convener, &w.zone, q4, &body, false, None, day("2026-11-10"))
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["term_report.too_early"]);
    let draft = store
        .save_term_report(&convener, &w.zone, q4, &body, false, None, day("2026-12-10"))
        .await
        .unwrap();
    assert_eq!((draft.state.as_str(), draft.version), ("draft", 1));
    let stale = store
        .save_term_report(&convener, &w.zone, q4, &body, true, Some(7), day("2026-12-10"))
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict { .. }), "{stale:?}");
    let done = store
        .save_term_report(&convener, &w.zone, q4, &body, true, Some(1), day("2027-01-03"))
        .await
        .unwrap();
    assert_eq!(done.state, "submitted");
    assert!(done.submitted_at.is_some());
    let e = store
        .save_term_report(&convener, &w.zone, q4, &body, false, None, day("2027-01-04"))
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["term_report.submitted"]);
    let cal = store.convener_calendar(&w.zone, q4, 2).await.unwrap();
    assert_eq!(cal[0].report_state.as_deref(), Some("submitted"));
    assert_eq!(cal[1].report_state, None);
    // Audited and ledgered with the change.
    let trail = store
        .list_audit(
            &AuditFilter {
                action: Some("term_report.submit".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(trail.total, 1);
}

async fn amounts_are_refused_or_summed_exactly(store: &dyn Store) {
    let w = world(store).await;
    let a = sys();
    let today = day("2026-11-27");
    let c = store
        .create_campaign(
            &a,
            &CampaignInput::parse("集中整治", "2026-03-01", "2026-10-31").unwrap(),
        )
        .await
        .unwrap();
    // Bad amounts never reach the store: the rule is named at the edge.
    for (amount, key) in [("0.001", "amount.too_many_decimals"), ("-1", "amount.negative")] {
        let e = HandlingInput::parse("", &w.townships[0], &c.id, "2", "", amount, "", "2026-05-01", today).unwrap_err();
        assert_eq!(e.fields[0].key, key);
    }
    store
        .record_finding(
            &a,
            &FindingInput::parse(&c.id, &w.townships[0], "7", "5", "2026-04-01", today).unwrap(),
        )
        .await
        .unwrap();
    store
        .record_finding(
            &a,
            &FindingInput::parse(&c.id, &w.townships[2], "3", "3", "2026-04-01", today).unwrap(),
        )
        .await
        .unwrap();
    let e = store
        .record_finding(
            &a,
            &FindingInput::parse(&c.id, "nowhere", "1", "1", "2026-04-01", today).unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(keys(&e), vec!["field.unknown_id"]);
    // Ten handlings of 0.10 + 0.20: a float sum would drift; this one is 3.00 exactly.
    for i in 0..10 {
        let form = if i < 6 { "1" } else { "3" };
        let sanction = if i < 6 { "" } else { "party_serious_warning" };
        let h = HandlingInput::parse(
            "",
            &w.townships[i % 2],
            &c.id,
            form,
            sanction,
            "0.10",
            "0.20",
            "2026-05-01",
            today,
        )
        .unwrap();
        store.record_handling(&a, &Reach::everything(), &h).await.unwrap();
    }
    let big = HandlingInput::parse(
        "",
        &w.townships[2],
        &c.id,
        "4",
        "party_expulsion",
        "75999.00",
        "151998.00",
        "2026-06-01",
        today,
    )
    .unwrap();
    let h = store.record_handling(&a, &Reach::everything(), &big).await.unwrap();
    assert_eq!(h.funds_seized, "75999.00");
    // A clue opened as a case in the zone during the campaign.
    let clue = store
        .create_clue(
            &a,
            &ClueInput::parse(
                "petition",
                "王某",
                "石门镇财政所",
                &w.townships[0],
                "摘要",
                "2026-05-02",
                today,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    store
        .dispose_clue(
            &a,
            &Reach::everything(),
            &clue.id,
            None,
            Disposition::CaseOpened,
            &Text::parse("n", "立案").unwrap(),
            day("2026-05-03"),
        )
        .await
        .unwrap();

    let zone = store.get_zone(&w.zone).await.unwrap();
    let zones = vec![ZoneUnits {
        id: zone.zone.id.clone(),
        name: zone.zone.name.clone(),
        members: zone.members.iter().map(|m| m.id.clone()).collect(),
    }];
    let period = Period::Campaign {
        id: c.id.clone(),
        name: c.name.clone(),
        starts_on: c.starts_on,
        ends_on: c.ends_on,
    };
    let facts = store.stat_facts(&period).await.unwrap();
    let s = CampaignStats::compute(&zones, &facts).unwrap();
    let z = &s.zones[0].3;
    assert_eq!((z.problems_found, z.problems_rectified), (7, 5));
    assert_eq!(z.funds_seized.canonical(), "1.00");
    assert_eq!(z.funds_handed_in.canonical(), "2.00");
    assert_eq!(z.forms, [6, 0, 4, 0]);
    assert_eq!(z.sanctions, 4);
    assert_eq!(z.cases_opened, 1);
    assert_eq!(z.clues.get("case_opened"), Some(&1));
    assert_eq!(s.county.problems_found, 10);
    assert_eq!(s.county.funds_seized.canonical(), "76000.00");
    assert_eq!(s.county.funds_handed_in.canonical(), "152000.00");
    // The year sees the same records by their dates; another year sees none.
    let y = store.stat_facts(&Period::Year { year: 2026 }).await.unwrap();
    assert_eq!(CampaignStats::compute(&zones, &y).unwrap().county, s.county);
    let y = store.stat_facts(&Period::Year { year: 2025 }).await.unwrap();
    assert_eq!(CampaignStats::compute(&zones, &y).unwrap().county.people_handled(), 0);
    assert_eq!(store.list_handlings(Some(&c.id), None).await.unwrap().len(), 11);
    assert_eq!(store.list_handlings(None, Some(2026)).await.unwrap().len(), 11);

    // A handling on a case takes the case's township; a case outside reach is not found.
    let case_id = store
        .list_cases(&a, &Reach::everything(), PageRequest::new(1, 10))
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    let on_case = HandlingInput::parse(&case_id, "", &c.id, "2", "party_warning", "", "", "2026-06-01", today).unwrap();
    let h = store.record_handling(&a, &Reach::everything(), &on_case).await.unwrap();
    assert_eq!(h.unit_id, w.townships[0]);
    assert!(h.case_number.is_some());
    let e = store
        .record_handling(&a, &Reach::default(), &on_case)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
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
    the_calendar_crosses_the_year_and_refuses_outsiders,
    the_term_report_is_the_conveners_and_final_once_submitted,
    amounts_are_refused_or_summed_exactly,
);
