//! The repository contract as its callers rely on it, one story per aggregate, each run on
//! SQLite and on PostgreSQL so the two backends cannot drift apart.
//!
//! Places are fictional (province 99, which the national registry does not use): county
//! 990101 云溪县 with townships 001 云溪街道, 002 石门镇 and 003 梅岭乡.
// A story that meets an unexpected error should stop there and show it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use qinglian_domain::article::{ArticleInput, Column};
use qinglian_domain::division::{DivisionCode, DivisionLevel};
use qinglian_domain::error::Name;
use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, UnitInput, VillageInput, ZoneInput};
use qinglian_store::model::{
    County, Department, DivisionInput, ImportCounts, PageRequest, Staff, Township, Unit, Village, VillageFilter,
};
use qinglian_store::{Store, StoreError};

// ---- helpers -------------------------------------------------------------------------------

/// The (field, message key) pairs of an `Invalid`, or a failure naming what came instead.
fn invalid(e: &StoreError) -> Vec<(&str, &'static str)> {
    match e {
        StoreError::Invalid(inv) => inv.fields.iter().map(|f| (f.field.as_str(), f.key)).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn assert_conflict(e: &StoreError, expected: &str) {
    assert!(
        matches!(e, StoreError::Conflict { field, .. } if *field == expected),
        "expected Conflict on {expected}, got {e:?}"
    );
}

/// A `not_run_since` that ignores when the job last ran, for the lease stories.
fn far_future() -> DateTime<Utc> {
    t0() + chrono::Duration::days(10_000)
}

fn assert_not_found(e: &StoreError) {
    assert!(matches!(e, StoreError::NotFound), "expected NotFound, got {e:?}");
}

fn page(offset: i64, limit: i64) -> PageRequest {
    PageRequest { offset, limit }
}

fn all() -> PageRequest {
    page(0, PageRequest::MAX_LIMIT)
}

/// A fixed instant, so time-dependent stories never depend on the clock.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap()
}

fn mins(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

fn name(s: &str) -> Name {
    Name::parse("name", s).unwrap()
}

fn unit(code: &str, name: &str) -> UnitInput {
    UnitInput::parse(code, name).unwrap()
}

async fn county(store: &dyn Store) -> County {
    store
        .upsert_county(
            &qinglian_store::model::Actor::system("test"),
            &CountyInput::parse("990101", "云溪县").unwrap(),
        )
        .await
        .unwrap()
}

async fn township(store: &dyn Store, code: &str, name: &str) -> Township {
    store
        .create_township(
            &qinglian_store::model::Actor::system("test"),
            &TownshipInput::parse(code, name).unwrap(),
        )
        .await
        .unwrap()
}

async fn village(store: &dyn Store, code: &str, name: &str) -> Village {
    store
        .create_village(
            &qinglian_store::model::Actor::system("test"),
            &VillageInput::parse(code, name).unwrap(),
        )
        .await
        .unwrap()
}

async fn staff(store: &dyn Store, name: &str, role: &str, unit: Option<&str>, home: Option<&str>) -> Staff {
    store
        .create_staff(
            &qinglian_store::model::Actor::system("test"),
            &StaffInput::parse(name, role, unit, home).unwrap(),
        )
        .await
        .unwrap()
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|x| id(x).to_owned()).collect()
}

// ---- county --------------------------------------------------------------------------------

async fn county_is_set_up_once(store: &dyn Store) {
    assert_eq!(store.county().await.unwrap(), None);

    let c = county(store).await;
    assert_eq!((c.division_code.as_str(), c.name.as_str()), ("990101000000", "云溪县"));
    assert_eq!(store.county().await.unwrap(), Some(c.clone()));

    let renamed = store
        .upsert_county(
            &qinglian_store::model::Actor::system("test"),
            &CountyInput::parse("990101000000", "云溪区").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(renamed.id, c.id, "renaming keeps the county");
    assert_eq!(renamed.name, "云溪区");

    let e = store
        .upsert_county(
            &qinglian_store::model::Actor::system("test"),
            &CountyInput::parse("990102", "石门县").unwrap(),
        )
        .await
        .unwrap_err();
    assert_conflict(&e, "county");
    assert_eq!(store.county().await.unwrap(), Some(renamed));
}

// ---- townships -----------------------------------------------------------------------------

async fn townships_are_created_listed_and_renamed(store: &dyn Store) {
    county(store).await;
    // Created out of code order, to see the list sort them.
    let town = township(store, "990101002", "石门镇").await;
    let street = township(store, "990101001", "云溪街道").await;
    let rural = township(store, "990101003", "梅岭乡").await;
    assert_eq!(
        (street.kind.as_str(), town.kind.as_str(), rural.kind.as_str()),
        ("street", "town", "township")
    );
    assert_eq!(town.division_code, "990101002000");
    assert_eq!(
        (town.village_count, town.zone_id.clone(), town.zone_name.clone()),
        (0, None, None)
    );

    village(store, "990101002201", "上湾村").await;
    village(store, "990101002202", "石门社区").await;
    village(store, "990101001201", "桥头社区").await;

    let list = store.list_townships().await.unwrap();
    let rows: Vec<_> = list
        .iter()
        .map(|t| (t.division_code.as_str(), t.name.as_str(), t.village_count))
        .collect();
    assert_eq!(
        rows,
        [
            ("990101001000", "云溪街道", 1),
            ("990101002000", "石门镇", 2),
            ("990101003000", "梅岭乡", 0)
        ]
    );
    assert_eq!(store.get_township(&town.id).await.unwrap(), list[1]);

    let renamed = store
        .rename_township(
            &qinglian_store::model::Actor::system("test"),
            &rural.id,
            &name("梅岭镇"),
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.id.as_str(), renamed.name.as_str(), renamed.kind.as_str()),
        (rural.id.as_str(), "梅岭镇", "town")
    );
    assert_eq!(store.get_township(&rural.id).await.unwrap(), renamed);
}

async fn townships_are_refused_when_they_do_not_fit(store: &dyn Store) {
    let before_county = store
        .create_township(
            &qinglian_store::model::Actor::system("test"),
            &TownshipInput::parse("990101001", "云溪街道").unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&before_county), [("county", "county.missing")]);

    county(store).await;
    let outside = store
        .create_township(
            &qinglian_store::model::Actor::system("test"),
            &TownshipInput::parse("990102001", "石门镇").unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&outside), [("division_code", "division_code.outside_county")]);

    let first = township(store, "990101001", "云溪街道").await;
    let dup = store
        .create_township(
            &qinglian_store::model::Actor::system("test"),
            &TownshipInput::parse("990101001", "另一个街道").unwrap(),
        )
        .await
        .unwrap_err();
    assert_conflict(&dup, "division_code");
    assert_eq!(store.list_townships().await.unwrap(), [first]);

    assert_not_found(
        &store
            .rename_township(
                &qinglian_store::model::Actor::system("test"),
                "no-such-id",
                &name("梅岭镇"),
            )
            .await
            .unwrap_err(),
    );
    assert_not_found(&store.get_township("no-such-id").await.unwrap_err());
}

// ---- villages ------------------------------------------------------------------------------

async fn villages_belong_to_an_existing_township(store: &dyn Store) {
    county(store).await;
    let t = township(store, "990101001", "云溪街道").await;

    let orphan = store
        .create_village(
            &qinglian_store::model::Actor::system("test"),
            &VillageInput::parse("990101009201", "无主村").unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&orphan), [("division_code", "village.no_township")]);

    let v = village(store, "990101001201", "桥头社区").await;
    assert_eq!(
        (v.township_id.as_str(), v.township_name.as_str(), v.kind.as_str()),
        (t.id.as_str(), "云溪街道", "community")
    );
    assert_eq!(store.get_village(&v.id).await.unwrap(), v);

    let dup = store
        .create_village(
            &qinglian_store::model::Actor::system("test"),
            &VillageInput::parse("990101001201", "桥头村").unwrap(),
        )
        .await
        .unwrap_err();
    assert_conflict(&dup, "division_code");
    let listed = store.list_villages(&VillageFilter::default(), all()).await.unwrap();
    assert_eq!((listed.items, listed.total), (vec![v.clone()], 1));

    let renamed = store
        .rename_village(&qinglian_store::model::Actor::system("test"), &v.id, &name("桥头村"))
        .await
        .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.kind.as_str()), ("桥头村", "village"));
    assert_not_found(
        &store
            .rename_village(
                &qinglian_store::model::Actor::system("test"),
                "no-such-id",
                &name("桥头村"),
            )
            .await
            .unwrap_err(),
    );
    assert_not_found(&store.get_village("no-such-id").await.unwrap_err());
}

async fn villages_are_filtered_and_paged(store: &dyn Store) {
    county(store).await;
    let t1 = township(store, "990101001", "云溪街道").await;
    let t2 = township(store, "990101002", "石门镇").await;
    for (code, name) in [
        ("990101001201", "桥头社区"),
        ("990101001202", "下湾村"),
        ("990101001203", "百分%村"),
        ("990101002201", "上湾村"),
        ("990101002202", "一_组村"),
        ("990101002203", "石门社区"),
    ] {
        village(store, code, name).await;
    }
    let names = |q: Option<&str>, township_id: Option<&str>| {
        let filter = VillageFilter {
            township_id: township_id.map(str::to_owned),
            q: q.map(str::to_owned),
        };
        async move {
            let p = store.list_villages(&filter, all()).await.unwrap();
            assert_eq!(p.total, p.items.len() as i64, "total matches the rows for {filter:?}");
            p.items.into_iter().map(|v| v.name).collect::<Vec<_>>()
        }
    };

    assert_eq!(names(None, Some(&t1.id)).await, ["桥头社区", "下湾村", "百分%村"]);
    assert_eq!(names(Some("湾"), None).await, ["下湾村", "上湾村"], "name substring");
    assert_eq!(
        names(Some("湾"), Some(&t2.id)).await,
        ["上湾村"],
        "both filters at once"
    );
    assert_eq!(
        names(Some("990101002"), None).await,
        ["上湾村", "一_组村", "石门社区"],
        "code prefix"
    );
    assert_eq!(
        names(Some("0101002"), None).await,
        Vec::<String>::new(),
        "a code infix is not a prefix"
    );
    assert_eq!(names(Some("%"), None).await, ["百分%村"], "% is literal");
    assert_eq!(names(Some("_"), None).await, ["一_组村"], "_ is literal");
    assert_eq!(names(Some("  "), None).await.len(), 6, "a blank q does not filter");
    assert_eq!(names(None, Some("no-such-id")).await, Vec::<String>::new());

    let everything = store.list_villages(&VillageFilter::default(), all()).await.unwrap();
    let mut paged = Vec::new();
    for offset in [0, 4] {
        let p = store
            .list_villages(&VillageFilter::default(), page(offset, 4))
            .await
            .unwrap();
        assert_eq!(p.total, 6);
        paged.extend(p.items);
    }
    assert_eq!(paged, everything.items, "two pages make the whole list, in order");
    let past = store
        .list_villages(&VillageFilter::default(), page(10, 4))
        .await
        .unwrap();
    assert_eq!((past.items.len(), past.total), (0, 6));
    let filtered = store
        .list_villages(
            &VillageFilter {
                township_id: Some(t2.id.clone()),
                q: None,
            },
            page(1, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        (filtered.items[0].name.as_str(), filtered.items.len(), filtered.total),
        ("一_组村", 1, 3)
    );
}

// ---- departments, offices, stationed groups ------------------------------------------------

async fn units_and_stationed_groups(store: &dyn Store) {
    county(store).await;
    let zhujian = store
        .create_department(
            &qinglian_store::model::Actor::system("test"),
            &unit("zhujian", "县住房和城乡建设局"),
        )
        .await
        .unwrap();
    let ziran = store
        .create_department(
            &qinglian_store::model::Actor::system("test"),
            &unit("ziran", "县自然资源局"),
        )
        .await
        .unwrap();
    let jiaotong = store
        .create_department(
            &qinglian_store::model::Actor::system("test"),
            &unit("jiaotong", "县交通运输局"),
        )
        .await
        .unwrap();
    assert_eq!(zhujian.stationed_group_id, None);
    assert_conflict(
        &store
            .create_department(
                &qinglian_store::model::Actor::system("test"),
                &unit("zhujian", "另一个局"),
            )
            .await
            .unwrap_err(),
        "code",
    );

    let office = store
        .create_office(
            &qinglian_store::model::Actor::system("test"),
            &unit("shi1", "第一纪检监察室"),
        )
        .await
        .unwrap();
    assert_conflict(
        &store
            .create_office(&qinglian_store::model::Actor::system("test"), &unit("shi1", "另一个室"))
            .await
            .unwrap_err(),
        "code",
    );
    assert_eq!(store.list_offices().await.unwrap(), [office]);

    let group = store
        .create_stationed_group(
            &qinglian_store::model::Actor::system("test"),
            &unit("pz01", "派驻第一纪检监察组"),
            &[ziran.id.clone(), zhujian.id.clone()],
        )
        .await
        .unwrap();
    let members = |d: &Department| Unit {
        id: d.id.clone(),
        code: d.code.clone(),
        name: d.name.clone(),
    };
    assert_eq!(
        group.departments,
        [members(&zhujian), members(&ziran)],
        "ordered by code"
    );
    assert!(
        !group.departments.contains(&members(&jiaotong)),
        "only the named departments move"
    );
    assert_eq!(store.get_stationed_group(&group.id).await.unwrap(), group);
    assert_eq!(
        store.list_stationed_groups().await.unwrap(),
        std::slice::from_ref(&group)
    );

    let deps: Vec<_> = store
        .list_departments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.code, d.stationed_group_id, d.stationed_group_name))
        .collect();
    let under = (Some(group.id.clone()), Some("派驻第一纪检监察组".to_owned()));
    assert_eq!(
        deps,
        [
            ("jiaotong".to_owned(), None, None),
            ("zhujian".to_owned(), under.0.clone(), under.1.clone()),
            ("ziran".to_owned(), under.0, under.1),
        ]
    );

    assert_conflict(
        &store
            .create_stationed_group(
                &qinglian_store::model::Actor::system("test"),
                &unit("pz01", "重复的组"),
                &[],
            )
            .await
            .unwrap_err(),
        "code",
    );
    assert_not_found(&store.get_stationed_group("no-such-id").await.unwrap_err());
}

async fn stationed_group_with_an_unknown_department_leaves_nothing(store: &dyn Store) {
    county(store).await;
    let jiaotong = store
        .create_department(
            &qinglian_store::model::Actor::system("test"),
            &unit("jiaotong", "县交通运输局"),
        )
        .await
        .unwrap();
    let before = store.list_stationed_groups().await.unwrap();

    let e = store
        .create_stationed_group(
            &qinglian_store::model::Actor::system("test"),
            &unit("pz02", "派驻第二纪检监察组"),
            &[jiaotong.id.clone(), "no-such-id".to_owned()],
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&e), [("department_ids", "field.unknown_id")]);
    assert_eq!(
        store.list_stationed_groups().await.unwrap(),
        before,
        "no group row left behind"
    );
    let deps = store.list_departments().await.unwrap();
    assert_eq!(
        deps[0].stationed_group_id, None,
        "the known department was not moved either"
    );

    // The code is still free: nothing of the failed attempt survived.
    let g = store
        .create_stationed_group(
            &qinglian_store::model::Actor::system("test"),
            &unit("pz02", "派驻第二纪检监察组"),
            std::slice::from_ref(&jiaotong.id),
        )
        .await
        .unwrap();
    assert_eq!(g.departments.len(), 1);
}

// ---- zones ---------------------------------------------------------------------------------

async fn zones_group_townships_under_a_commission_leader(store: &dyn Store) {
    county(store).await;
    let t1 = township(store, "990101001", "云溪街道").await;
    let t2 = township(store, "990101002", "石门镇").await;
    let t3 = township(store, "990101003", "梅岭乡").await;
    let office = store
        .create_office(
            &qinglian_store::model::Actor::system("test"),
            &unit("shi1", "第一纪检监察室"),
        )
        .await
        .unwrap();
    let leader = staff(store, "陈立", "commission_leader", None, None).await;
    let secretary = staff(store, "林晓", "township_secretary", Some(&t1.id), None).await;
    let group = store
        .create_stationed_group(
            &qinglian_store::model::Actor::system("test"),
            &unit("pz01", "派驻第一纪检监察组"),
            &[],
        )
        .await
        .unwrap();
    let zone_input = |name: &str, kind: &str, leader: &str, members: &[&String]| {
        ZoneInput::parse(
            name,
            kind,
            leader,
            &office.id,
            members.iter().map(|m| (*m).clone()).collect(),
        )
        .unwrap()
    };

    let zone = store
        .create_zone(
            &qinglian_store::model::Actor::system("test"),
            &zone_input("第一协作区", "townships", &leader.id, &[&t2.id, &t1.id]),
        )
        .await
        .unwrap();
    assert_eq!(
        (zone.zone.leader_name.as_str(), zone.zone.liaison_office_name.as_str()),
        ("陈立", "第一纪检监察室")
    );
    assert_eq!(ids(&zone.members, |m| &m.id), [t1.id.clone(), t2.id.clone()]);
    assert_eq!(store.get_zone(&zone.zone.id).await.unwrap(), zone);
    let zone_names = || async {
        store
            .list_townships()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.zone_name)
            .collect::<Vec<_>>()
    };
    let first = Some("第一协作区".to_owned());
    assert_eq!(zone_names().await, [first.clone(), first.clone(), None]);

    let e = store
        .create_zone(
            &qinglian_store::model::Actor::system("test"),
            &zone_input("第二协作区", "townships", &secretary.id, &[&t3.id]),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&e), [("leader_staff_id", "zone.leader_not_commission_leader")]);
    let e = store
        .create_zone(
            &qinglian_store::model::Actor::system("test"),
            &zone_input("第二协作区", "townships", &leader.id, &[&group.id]),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&e), [("member_ids", "zone.member_wrong_kind")]);
    let e = store
        .create_zone(
            &qinglian_store::model::Actor::system("test"),
            &zone_input("第二协作区", "townships", &leader.id, &[&t3.id, &t2.id]),
        )
        .await
        .unwrap_err();
    assert_conflict(&e, "member_ids");
    assert_eq!(
        store.list_zones().await.unwrap(),
        std::slice::from_ref(&zone),
        "no half-created zone"
    );
    assert_eq!(
        zone_names().await,
        [first.clone(), first.clone(), None],
        "t3 was not claimed"
    );

    let updated = store
        .update_zone(
            &qinglian_store::model::Actor::system("test"),
            &zone.zone.id,
            &zone_input("第一协作区", "townships", &leader.id, &[&t2.id, &t3.id]),
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&updated.members, |m| &m.id),
        [t2.id.clone(), t3.id.clone()],
        "members are replaced"
    );
    assert_eq!(zone_names().await, [None, first.clone(), first]);

    let second = store
        .create_zone(
            &qinglian_store::model::Actor::system("test"),
            &zone_input("第二协作区", "townships", &leader.id, &[&t1.id]),
        )
        .await
        .unwrap();
    let groups = store
        .create_zone(
            &qinglian_store::model::Actor::system("test"),
            &zone_input("派驻协作区", "stationed_groups", &leader.id, &[&group.id]),
        )
        .await
        .unwrap();
    assert_eq!(ids(&groups.members, |m| &m.code), ["pz01".to_owned()]);

    // Taking a township from another zone is refused, and the zone keeps its old members.
    let e = store
        .update_zone(
            &qinglian_store::model::Actor::system("test"),
            &second.zone.id,
            &zone_input("第二协作区", "townships", &leader.id, &[&t1.id, &t2.id]),
        )
        .await
        .unwrap_err();
    assert_conflict(&e, "member_ids");
    assert_eq!(store.get_zone(&second.zone.id).await.unwrap(), second);
    assert_eq!(store.get_zone(&zone.zone.id).await.unwrap(), updated);
    let mut listed = ids(&store.list_zones().await.unwrap(), |z| &z.zone.id);
    listed.sort();
    let mut expected = vec![zone.zone.id.clone(), second.zone.id, groups.zone.id];
    expected.sort();
    assert_eq!(listed, expected);

    let e = store
        .update_zone(
            &qinglian_store::model::Actor::system("test"),
            "no-such-id",
            &zone_input("第三协作区", "townships", &leader.id, &[&t1.id]),
        )
        .await
        .unwrap_err();
    assert_not_found(&e);
    assert_not_found(&store.get_zone("no-such-id").await.unwrap_err());
}

// ---- staff ---------------------------------------------------------------------------------

async fn staff_are_posted_and_paged(store: &dyn Store) {
    county(store).await;
    let t1 = township(store, "990101001", "云溪街道").await;
    let t2 = township(store, "990101002", "石门镇").await;
    let dept = store
        .create_department(
            &qinglian_store::model::Actor::system("test"),
            &unit("zhujian", "县住房和城乡建设局"),
        )
        .await
        .unwrap();

    let s = staff(store, "林晓", "township_secretary", Some(&t1.id), Some(&t2.id)).await;
    assert_eq!(
        (
            s.role.as_str(),
            s.posting_kind.as_str(),
            s.posting_unit_name.as_deref(),
            s.home_township_name.as_deref()
        ),
        ("township_secretary", "township", Some("云溪街道"), Some("石门镇"))
    );
    assert_eq!(store.get_staff(&s.id).await.unwrap(), s);

    let unknown_unit = StaffInput::parse("王五", "department_officer", Some("no-such-id"), None).unwrap();
    assert_eq!(
        invalid(
            &store
                .create_staff(&qinglian_store::model::Actor::system("test"), &unknown_unit)
                .await
                .unwrap_err()
        ),
        [("posting_unit_id", "field.unknown_id")]
    );
    // A township is not a department, even though the id exists.
    let wrong_kind = StaffInput::parse("王五", "department_officer", Some(&t1.id), None).unwrap();
    assert_eq!(
        invalid(
            &store
                .create_staff(&qinglian_store::model::Actor::system("test"), &wrong_kind)
                .await
                .unwrap_err()
        ),
        [("posting_unit_id", "field.unknown_id")]
    );
    let unknown_home = StaffInput::parse("王五", "case_manager", None, Some("no-such-id")).unwrap();
    assert_eq!(
        invalid(
            &store
                .create_staff(&qinglian_store::model::Actor::system("test"), &unknown_home)
                .await
                .unwrap_err()
        ),
        [("home_township_id", "field.unknown_id")]
    );

    let moved = StaffInput::parse("林晓", "department_officer", Some(&dept.id), None).unwrap();
    let u = store
        .update_staff(&qinglian_store::model::Actor::system("test"), &s.id, &moved)
        .await
        .unwrap();
    assert_eq!(
        (
            u.id.as_str(),
            u.posting_kind.as_str(),
            u.posting_unit_name.as_deref(),
            u.home_township_id.as_deref()
        ),
        (s.id.as_str(), "department", Some("县住房和城乡建设局"), None)
    );
    assert_eq!(store.get_staff(&s.id).await.unwrap(), u);
    assert_not_found(
        &store
            .update_staff(&qinglian_store::model::Actor::system("test"), "no-such-id", &moved)
            .await
            .unwrap_err(),
    );
    assert_not_found(&store.get_staff("no-such-id").await.unwrap_err());

    for n in ["陈立", "周敏", "吴刚", "郑洁"] {
        staff(store, n, "case_manager", None, None).await;
    }
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let p = store.list_staff(page(offset, 2)).await.unwrap();
        assert_eq!(p.total, 5);
        assert!(p.items.len() <= 2);
        seen.extend(p.items.into_iter().map(|s| s.id));
    }
    assert_eq!(seen.len(), 5);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "pages do not overlap");
}

// ---- articles ------------------------------------------------------------------------------

async fn articles_are_published_viewed_and_withdrawn(store: &dyn Store) {
    let article =
        |column: &str, title: &str| ArticleInput::parse(column, title, "县纪委监委", "办公室", "<p>正文</p>").unwrap();
    let a = store
        .create_article(
            &qinglian_store::model::Actor::system("test"),
            &article("notice", "关于开展清廉村居建设的通知"),
        )
        .await
        .unwrap();
    let b = store
        .create_article(
            &qinglian_store::model::Actor::system("test"),
            &article("news", "石门镇召开现场办公会"),
        )
        .await
        .unwrap();
    let c = store
        .create_article(
            &qinglian_store::model::Actor::system("test"),
            &article("notice", "第八轮巡察公告"),
        )
        .await
        .unwrap();
    assert_eq!((a.status.as_str(), a.published_at, a.view_count), ("draft", None, 0));

    let published = |column: Option<Column>| async move {
        let p = store.list_published(column, all()).await.unwrap();
        (ids(&p.items, |x| &x.id), p.total)
    };
    assert_eq!(published(None).await, (vec![], 0), "drafts are not public");
    assert_not_found(&store.view_published(&a.id).await.unwrap_err());

    let pa = store
        .set_published(&qinglian_store::model::Actor::system("test"), &a.id, true, t0())
        .await
        .unwrap();
    assert_eq!((pa.status.as_str(), pa.published_at), ("published", Some(t0())));
    store
        .set_published(
            &qinglian_store::model::Actor::system("test"),
            &c.id,
            true,
            t0() + mins(60),
        )
        .await
        .unwrap();
    store
        .set_published(
            &qinglian_store::model::Actor::system("test"),
            &b.id,
            true,
            t0() + mins(30),
        )
        .await
        .unwrap();

    assert_eq!(
        published(None).await,
        (vec![c.id.clone(), b.id.clone(), a.id.clone()], 3),
        "newest first"
    );
    assert_eq!(
        published(Some(Column::Notice)).await,
        (vec![c.id.clone(), a.id.clone()], 2)
    );
    assert_eq!(published(Some(Column::News)).await, (vec![b.id.clone()], 1));
    assert_eq!(published(Some(Column::Experience)).await, (vec![], 0));
    let second = store.list_published(None, page(1, 1)).await.unwrap();
    assert_eq!((ids(&second.items, |x| &x.id), second.total), (vec![b.id.clone()], 3));

    assert_eq!(store.view_published(&a.id).await.unwrap().view_count, 1);
    assert_eq!(store.view_published(&a.id).await.unwrap().view_count, 2);
    assert_eq!(store.get_article(&a.id).await.unwrap().view_count, 2);
    assert_eq!(store.get_article(&b.id).await.unwrap().view_count, 0);

    let withdrawn = store
        .set_published(
            &qinglian_store::model::Actor::system("test"),
            &c.id,
            false,
            t0() + mins(90),
        )
        .await
        .unwrap();
    assert_eq!((withdrawn.status.as_str(), withdrawn.published_at), ("draft", None));
    assert_eq!(published(Some(Column::Notice)).await, (vec![a.id.clone()], 1));
    assert_not_found(&store.view_published(&c.id).await.unwrap_err());
    assert_not_found(
        &store
            .set_published(&qinglian_store::model::Actor::system("test"), "no-such-id", true, t0())
            .await
            .unwrap_err(),
    );
    assert_eq!(
        store.list_articles(all()).await.unwrap().total,
        3,
        "staff still see every article"
    );
}

// ---- jobs ----------------------------------------------------------------------------------

async fn one_owner_holds_a_job_at_a_time(store: &dyn Store) {
    let t = t0();
    assert!(
        store
            .claim_job("digest", "A", t, t + mins(5), far_future())
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_job("digest", "B", t + mins(1), t + mins(6), far_future())
            .await
            .unwrap(),
        "A's lease holds"
    );
    assert!(
        store
            .claim_job("backup", "B", t + mins(1), t + mins(6), far_future())
            .await
            .unwrap(),
        "jobs are independent"
    );
    assert!(
        store
            .claim_job("digest", "A", t + mins(1), t + mins(6), far_future())
            .await
            .unwrap(),
        "the holder may extend"
    );

    store.finish_job("digest", "B", t + mins(2)).await.unwrap();
    assert!(
        !store
            .claim_job("digest", "B", t + mins(2), t + mins(7), far_future())
            .await
            .unwrap(),
        "only the holder releases"
    );

    store.finish_job("digest", "A", t + mins(2)).await.unwrap();
    assert!(
        store
            .claim_job("digest", "B", t + mins(2), t + mins(7), far_future())
            .await
            .unwrap(),
        "released"
    );
    assert!(
        !store
            .claim_job("digest", "A", t + mins(3), t + mins(8), far_future())
            .await
            .unwrap()
    );
    // B never finishes; once its lease has passed, anyone may take over.
    assert!(
        store
            .claim_job("digest", "A", t + mins(8), t + mins(13), far_future())
            .await
            .unwrap(),
        "expired lease"
    );
    assert!(
        !store
            .claim_job("digest", "B", t + mins(9), t + mins(14), far_future())
            .await
            .unwrap()
    );

    // A daily job that ran a minute ago is not run again until a day has passed.
    assert!(
        store
            .claim_job("daily", "A", t, t + mins(5), t - mins(1440))
            .await
            .unwrap()
    );
    store.finish_job("daily", "A", t + mins(1)).await.unwrap();
    assert!(
        !store
            .claim_job("daily", "B", t + mins(2), t + mins(7), t + mins(2) - mins(1440))
            .await
            .unwrap(),
        "ran within the day"
    );
    assert!(
        store
            .claim_job(
                "daily",
                "B",
                t + mins(1442),
                t + mins(1447),
                t + mins(1442) - mins(1440)
            )
            .await
            .unwrap(),
        "due again after a day"
    );
}

// ---- accounts and sessions -----------------------------------------------------------------

async fn accounts_and_sessions(store: &dyn Store) {
    county(store).await;
    let leader = staff(store, "陈立", "commission_leader", None, None).await;
    let manager = staff(store, "周敏", "case_manager", None, None).await;
    let account = store
        .create_account(
            &qinglian_store::model::Actor::system("test"),
            &leader.id,
            "chenli",
            "$argon2id$fake",
        )
        .await
        .unwrap();

    assert_conflict(
        &store
            .create_account(
                &qinglian_store::model::Actor::system("test"),
                &manager.id,
                "chenli",
                "$argon2id$fake",
            )
            .await
            .unwrap_err(),
        "username",
    );
    // One account per member of staff, and the conflict names the right field.
    assert_conflict(
        &store
            .create_account(
                &qinglian_store::model::Actor::system("test"),
                &leader.id,
                "chenli2",
                "$argon2id$fake",
            )
            .await
            .unwrap_err(),
        "staff_id",
    );
    let e = store
        .create_account(
            &qinglian_store::model::Actor::system("test"),
            "no-such-id",
            "ghost",
            "$argon2id$fake",
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&e), [("staff_id", "field.unknown_id")]);

    let row = store.find_account("chenli").await.unwrap().unwrap();
    assert_eq!(
        (
            row.id.as_str(),
            row.staff_id.as_str(),
            row.password_hash.as_str(),
            row.disabled
        ),
        (account.as_str(), leader.id.as_str(), "$argon2id$fake", false)
    );
    assert_eq!(store.find_account("nobody").await.unwrap(), None);

    let t = t0();
    store
        .create_session("h-live", &account, "csrf-1", t, t + mins(480))
        .await
        .unwrap();
    let user = store
        .session_user("h-live", t + mins(1), t - mins(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            user.account_id.as_str(),
            user.username.as_str(),
            user.staff_name.as_str(),
            user.role.as_str(),
            user.csrf_token.as_str()
        ),
        (account.as_str(), "chenli", "陈立", "commission_leader", "csrf-1")
    );
    assert_eq!(
        (user.posting_kind.as_str(), user.expires_at, user.last_seen_at),
        ("commission", t + mins(480), t)
    );
    assert_eq!(store.session_user("h-unknown", t, t - mins(30)).await.unwrap(), None);

    // Past its absolute expiry: refused, and removed (an earlier clock no longer finds it).
    assert_eq!(
        store
            .session_user("h-live", t + mins(481), t + mins(450))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.session_user("h-live", t + mins(1), t - mins(30)).await.unwrap(),
        None,
        "row removed"
    );

    store
        .create_session("h-idle", &account, "csrf-2", t, t + mins(480))
        .await
        .unwrap();
    assert_eq!(
        store.session_user("h-idle", t + mins(120), t + mins(30)).await.unwrap(),
        None,
        "idle"
    );
    assert_eq!(
        store.session_user("h-idle", t + mins(1), t - mins(30)).await.unwrap(),
        None,
        "row removed"
    );

    store
        .create_session("h-touched", &account, "csrf-3", t, t + mins(480))
        .await
        .unwrap();
    store.touch_session("h-touched", t + mins(60)).await.unwrap();
    let touched = store
        .session_user("h-touched", t + mins(61), t + mins(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(touched.last_seen_at, t + mins(60), "activity keeps a session alive");

    store
        .create_session("h-expiring", &account, "csrf-4", t, t + mins(60))
        .await
        .unwrap();
    store
        .create_session("h-stale", &account, "csrf-5", t, t + mins(480))
        .await
        .unwrap();
    store
        .create_session("h-fresh", &account, "csrf-6", t + mins(180), t + mins(600))
        .await
        .unwrap();
    let now = t + mins(120);
    assert_eq!(
        store.delete_expired_sessions(now, t + mins(30)).await.unwrap(),
        2,
        "h-expiring and h-stale"
    );
    assert_eq!(store.delete_expired_sessions(now, t + mins(30)).await.unwrap(), 0);
    assert!(
        store
            .session_user("h-touched", now, t + mins(30))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .session_user("h-fresh", t + mins(181), t + mins(30))
            .await
            .unwrap()
            .is_some()
    );

    store.delete_session("h-fresh").await.unwrap();
    assert_eq!(
        store
            .session_user("h-fresh", t + mins(181), t + mins(30))
            .await
            .unwrap(),
        None,
        "signed out"
    );
    // There is no way to disable an account through the contract yet, so that case is not told.
}

// ---- divisions -----------------------------------------------------------------------------

fn registry(village_202: &str) -> Vec<DivisionInput> {
    [
        ("99", "云岭省"),
        ("9901", "云岭市"),
        ("990101", "云溪县"),
        ("990101001", "云溪街道"),
        ("990101002", "石门镇"),
        ("990101001201", "桥头社区"),
        ("990101001202", village_202),
        ("990101002201", "上湾村"),
    ]
    .into_iter()
    .map(|(code, name)| DivisionInput {
        code: DivisionCode::parse("code", code).unwrap(),
        name: name.to_owned(),
    })
    .collect()
}

fn counts(inserted: u64, updated: u64, unchanged: u64) -> ImportCounts {
    ImportCounts {
        inserted,
        updated,
        unchanged,
    }
}

async fn divisions_import_and_reimport(store: &dyn Store) {
    let seen = AtomicU64::new(0);
    let progress = |n: u64| {
        seen.fetch_add(n, Ordering::Relaxed);
    };
    assert_eq!(
        store
            .import_divisions(
                &qinglian_store::model::Actor::system("test"),
                &registry("下湾村"),
                &progress
            )
            .await
            .unwrap(),
        counts(8, 0, 0)
    );
    assert_eq!(seen.load(Ordering::Relaxed), 8, "progress covers every row");
    assert_eq!(
        store
            .import_divisions(
                &qinglian_store::model::Actor::system("test"),
                &registry("下湾村"),
                &progress
            )
            .await
            .unwrap(),
        counts(0, 0, 8)
    );
    assert_eq!(
        store
            .import_divisions(
                &qinglian_store::model::Actor::system("test"),
                &registry("下湾新村"),
                &progress
            )
            .await
            .unwrap(),
        counts(0, 1, 7)
    );

    let v = store.get_division("990101001202").await.unwrap();
    assert_eq!(
        (v.name.as_str(), v.level.as_str(), v.parent_code.as_deref()),
        ("下湾新村", "village", Some("990101001000"))
    );
    let province = store.get_division("990000000000").await.unwrap();
    assert_eq!((province.level.as_str(), province.parent_code), ("province", None));
    let children: Vec<_> = store
        .division_children("990101000000")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(children, ["云溪街道", "石门镇"]);
    assert_eq!(store.division_children("990101002201").await.unwrap(), []);
    let by_level = [
        (DivisionLevel::Province, 1),
        (DivisionLevel::County, 1),
        (DivisionLevel::Township, 2),
        (DivisionLevel::Village, 3),
    ];
    for (level, n) in by_level {
        assert_eq!(store.count_divisions(level).await.unwrap(), n, "{level:?}");
    }
    assert_not_found(&store.get_division("990101009000").await.unwrap_err());

    // All or nothing: an unstorable row (an empty name) aborts the whole import.
    let mut bad = registry("下湾村");
    bad.push(DivisionInput {
        code: DivisionCode::parse("code", "990101002202").unwrap(),
        name: String::new(),
    });
    assert!(
        store
            .import_divisions(&qinglian_store::model::Actor::system("test"), &bad, &progress)
            .await
            .is_err()
    );
    assert_eq!(
        store.get_division("990101001202").await.unwrap().name,
        "下湾新村",
        "nothing of it was written"
    );
    assert_eq!(store.count_divisions(DivisionLevel::Village).await.unwrap(), 3);
}

async fn load_county_builds_the_org_once(store: &dyn Store) {
    store
        .import_divisions(
            &qinglian_store::model::Actor::system("test"),
            &registry("下湾村"),
            &|_| {},
        )
        .await
        .unwrap();
    let e = store
        .load_county(&qinglian_store::model::Actor::system("test"), "990102")
        .await
        .unwrap_err();
    assert_eq!(invalid(&e), [("county", "division.not_in_registry")]);

    let load = store
        .load_county(&qinglian_store::model::Actor::system("test"), "990101")
        .await
        .unwrap();
    assert_eq!(
        (load.townships, load.villages, load.townships_new, load.villages_new),
        (2, 3, 2, 3)
    );
    let c = store.county().await.unwrap().unwrap();
    assert_eq!((c.division_code.as_str(), c.name.as_str()), ("990101000000", "云溪县"));
    let townships = store.list_townships().await.unwrap();
    let rows: Vec<_> = townships
        .iter()
        .map(|t| (t.name.as_str(), t.kind.as_str(), t.village_count))
        .collect();
    assert_eq!(rows, [("云溪街道", "street", 2), ("石门镇", "town", 1)]);
    let villages = store
        .list_villages(&VillageFilter::default(), all())
        .await
        .unwrap()
        .items;
    let rows: Vec<_> = villages
        .iter()
        .map(|v| (v.name.as_str(), v.kind.as_str(), v.township_name.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("桥头社区", "community", "云溪街道"),
            ("下湾村", "village", "云溪街道"),
            ("上湾村", "village", "石门镇")
        ]
    );

    let again = store
        .load_county(&qinglian_store::model::Actor::system("test"), "990101000000")
        .await
        .unwrap();
    assert_eq!(
        (again.townships, again.villages, again.townships_new, again.villages_new),
        (2, 3, 0, 0)
    );
    assert_eq!(store.list_townships().await.unwrap(), townships, "same rows, same ids");
    assert_eq!(
        store
            .list_villages(&VillageFilter::default(), all())
            .await
            .unwrap()
            .items,
        villages
    );

    // A rename in the registry reaches the org model without changing the village's id.
    store
        .import_divisions(
            &qinglian_store::model::Actor::system("test"),
            &registry("下湾社区"),
            &|_| {},
        )
        .await
        .unwrap();
    store
        .load_county(&qinglian_store::model::Actor::system("test"), "990101")
        .await
        .unwrap();
    let renamed = store.get_village(&villages[1].id).await.unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.kind.as_str()),
        ("下湾社区", "community")
    );

    // The deployment serves one county.
    let other = DivisionInput {
        code: DivisionCode::parse("code", "990102").unwrap(),
        name: "石门县".to_owned(),
    };
    store
        .import_divisions(&qinglian_store::model::Actor::system("test"), &[other], &|_| {})
        .await
        .unwrap();
    assert_conflict(
        &store
            .load_county(&qinglian_store::model::Actor::system("test"), "990102")
            .await
            .unwrap_err(),
        "county",
    );
    assert_eq!(store.county().await.unwrap(), Some(c));
}

// ---- throttles ----------------------------------------------------------------------------

async fn stale_throttle_counts_are_forgotten_and_locks_kept(store: &dyn Store) {
    let t = t0();
    let hour = chrono::Duration::hours(1);
    // An old count with no lock, an old count whose lock still runs, and a recent count.
    store
        .record_login_failure("client:old", t, mins(15), 5, mins(15))
        .await
        .unwrap();
    store
        .record_login_failure("client:locked", t, mins(15), 1, hour * 48)
        .await
        .unwrap();
    store
        .record_login_failure("client:recent", t + hour * 30, mins(15), 5, mins(15))
        .await
        .unwrap();
    let now = t + hour * 30;
    let removed = store.delete_stale_throttles(now - hour * 24, now).await.unwrap();
    assert_eq!(removed, 1, "only the old count without a lock goes");
    assert!(
        store.login_locked_until("client:locked", now).await.unwrap().is_some(),
        "the lock is kept"
    );
    // The recent count still counts: four more failures reach its limit of five.
    for _ in 0..3 {
        assert_eq!(
            store
                .record_login_failure("client:recent", now, mins(15), 5, mins(15))
                .await
                .unwrap(),
            None
        );
    }
    assert!(
        store
            .record_login_failure("client:recent", now, mins(15), 5, mins(15))
            .await
            .unwrap()
            .is_some()
    );
    // Once the lock has run out, that row goes too.
    let later = t + hour * 49;
    assert_eq!(store.delete_stale_throttles(later - hour * 24, later).await.unwrap(), 1);
    assert_eq!(store.login_locked_until("client:locked", later).await.unwrap(), None);
}

// ---- one test per story and backend --------------------------------------------------------

macro_rules! contract {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    let db = qinglian_testkit::sqlite().await;
                    let store = db.store().await;
                    assert_eq!(store.backend(), "sqlite");
                    super::$story(&*store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $story() {
                    let db = qinglian_testkit::postgres().await;
                    let store = db.store().await;
                    assert_eq!(store.backend(), "postgres");
                    super::$story(&*store).await;
                }
            )*
        }
    };
}

contract!(
    county_is_set_up_once,
    townships_are_created_listed_and_renamed,
    townships_are_refused_when_they_do_not_fit,
    villages_belong_to_an_existing_township,
    villages_are_filtered_and_paged,
    units_and_stationed_groups,
    stationed_group_with_an_unknown_department_leaves_nothing,
    zones_group_townships_under_a_commission_leader,
    staff_are_posted_and_paged,
    articles_are_published_viewed_and_withdrawn,
    one_owner_holds_a_job_at_a_time,
    accounts_and_sessions,
    divisions_import_and_reimport,
    load_county_builds_the_org_once,
    stale_throttle_counts_are_forgotten_and_locks_kept,
);
