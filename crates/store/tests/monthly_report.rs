//! Monthly reports (月度汇报) as the store keeps them, on SQLite and on PostgreSQL: a schedule
//! that lists every owed month (missing ones overdue, never absent), where reporting ends, one
//! report a month, and a heard report that no statement can change or remove.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, Utc};
use qinglian_domain::inspection::Text;
use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, VillageInput};
use qinglian_domain::rectification::item::{Evidence, ItemAct, ItemInput, PlanInput};
use qinglian_domain::rectification::report::{ReportMonth, Sections};
use qinglian_domain::scope::Reach;
use qinglian_store::StoreError;
use qinglian_store::model::Actor;
use qinglian_testkit::TestDb;

/// Runs one statement on a connection of its own, past the store, as a tampering user would.
async fn raw(db: &TestDb, sql: &str) -> Result<u64, String> {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.backend() == "postgres" {
        let mut c = sqlx::PgConnection::connect(db.url.expose()).await.unwrap();
        sqlx::query(sql)
            .execute(&mut c)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| e.to_string())
    } else {
        let mut c = sqlx::SqliteConnection::connect(db.url.expose()).await.unwrap();
        sqlx::query(sql)
            .execute(&mut c)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| e.to_string())
    }
}

fn as_(staff_id: &str) -> Actor {
    Actor {
        staff_id: Some(staff_id.to_owned()),
        ..Actor::system("test")
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn month(s: &str) -> ReportMonth {
    ReportMonth::parse("month", s).unwrap()
}

fn sections() -> Sections {
    Sections::parse("作风良好", "三资公开", "工程归档", "村务公开", "信访已复").unwrap()
}

fn key(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.fields[0].key,
        other => panic!("not a rule: {other:?}"),
    }
}

async fn story(db: TestDb) {
    let store = db.store().await;
    let a = Actor::system("test");
    let all = Reach::everything();
    store
        .upsert_county(&a, &CountyInput::parse("990301", "存储县").unwrap())
        .await
        .unwrap();
    let t = store
        .create_township(&a, &TownshipInput::parse("990301001", "石门镇").unwrap())
        .await
        .unwrap();
    let other = store
        .create_township(&a, &TownshipInput::parse("990301002", "白沙乡").unwrap())
        .await
        .unwrap();
    let v = store
        .create_village(&a, &VillageInput::parse("990301001201", "下湾村").unwrap())
        .await
        .unwrap();
    let staff = |name: &'static str, role: &'static str, township: String| {
        let (store, a) = (store.clone(), a.clone());
        async move {
            store
                .create_staff(&a, &StaffInput::parse(name, role, Some(&township), None).unwrap())
                .await
                .unwrap()
                .id
        }
    };
    let party = staff("党委书记", "village_liaison", t.id.clone()).await;
    let liaison = staff("联村干部", "village_liaison", t.id.clone()).await;
    let stranger = staff("外乡干部", "village_liaison", other.id.clone()).await;
    store.set_party_secretary(&a, &t.id, &party).await.unwrap();

    // Opened on 31 July (Beijing time) for a period that graded the village C: July is owed,
    // and every month after it.
    let c_period = qinglian_testkit::c_period(store.as_ref(), "2026年第二季度", &[v.id.as_str()]).await;
    store.publish_period(&a, &c_period.id).await.unwrap();
    let plan = store
        .create_village_plan(
            &as_(&party),
            &all,
            &PlanInput::parse(&v.id, &c_period.id).unwrap(),
            at("2026-07-31T02:00:00Z"),
        )
        .await
        .unwrap();
    let plan_id = plan.plan.id.clone();
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let s = store.monthly_report_schedule(&all, &plan_id, today).await.unwrap();
    let got: Vec<(&str, &str)> = s.months.iter().map(|m| (m.month.as_str(), m.status.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("2026-07", "overdue"),
            ("2026-08", "overdue"),
            ("2026-09", "overdue"),
            ("2026-10", "overdue"),
            ("2026-11", "not_yet_due"),
        ]
    );
    assert_eq!(s.opened_on.to_string(), "2026-07-31");
    assert_eq!(s.reporting_ends_on, None, "a plan without items still reports");

    // Filing: the rules, then one report a month; `now` says when.
    let file = |who: String, m: &'static str, now: &'static str| {
        let (store, all, plan_id) = (store.clone(), all.clone(), plan_id.clone());
        async move {
            store
                .file_monthly_report(&as_(&who), &all, &plan_id, month(m), &sections(), at(now))
                .await
        }
    };
    let e = file(stranger.clone(), "2026-07", "2026-08-03T02:00:00Z")
        .await
        .unwrap_err();
    assert_eq!(key(e), "monthly_report.filer_not_liaison");
    let e = file(party.clone(), "2026-07", "2026-08-03T02:00:00Z")
        .await
        .unwrap_err();
    assert_eq!(key(e), "monthly_report.party_secretary_hears");
    let e = file(liaison.clone(), "2026-08", "2026-08-31T15:00:00Z")
        .await
        .unwrap_err();
    assert_eq!(
        key(e),
        "monthly_report.month_not_ended",
        "23:00 on 31 August in Beijing: August has not ended"
    );
    let e = file(liaison.clone(), "2026-06", "2026-08-03T02:00:00Z")
        .await
        .unwrap_err();
    assert_eq!(key(e), "monthly_report.month_outside_schedule");
    let july = file(liaison.clone(), "2026-07", "2026-08-03T02:00:00Z").await.unwrap();
    let e = file(liaison.clone(), "2026-07", "2026-08-04T02:00:00Z")
        .await
        .unwrap_err();
    assert_eq!(key(e), "monthly_report.already_filed");
    file(liaison.clone(), "2026-09", "2026-10-09T02:00:00Z").await.unwrap();
    // Past the rule, the table keeps one report a month.
    let twice = format!(
        "INSERT INTO monthly_report (id, plan_id, month, conduct, funds, projects, affairs, complaints, filed_by, \
         filed_by_name, filed_at) VALUES ('dup', '{plan_id}', '2026-07', 'a', 'b', 'c', 'd', 'e', '{liaison}', 'x', \
         '2026-08-05T00:00:00Z')"
    );
    assert!(raw(&db, &twice).await.is_err(), "a second report for July");

    // Hearing: the party secretary only, once; the reader of another township sees nothing.
    let remarks = Text::parse("remarks", "听取，继续抓好三资公开。").unwrap();
    let e = store
        .hear_monthly_report(&as_(&liaison), &all, &july.id, &remarks, at("2026-08-06T07:00:00Z"))
        .await
        .unwrap_err();
    assert_eq!(key(e), "monthly_report.hearer_not_party_secretary");
    let heard = store
        .hear_monthly_report(&as_(&party), &all, &july.id, &remarks, at("2026-08-06T07:00:00Z"))
        .await
        .unwrap();
    assert_eq!(heard.heard_by_name.as_deref(), Some("党委书记"));
    let e = store
        .hear_monthly_report(&as_(&party), &all, &july.id, &remarks, at("2026-08-07T07:00:00Z"))
        .await
        .unwrap_err();
    assert_eq!(key(e), "monthly_report.already_heard");
    let elsewhere = Reach {
        county: false,
        townships: [other.id.clone()].into_iter().collect(),
        ..Reach::default()
    };
    assert!(matches!(
        store.get_monthly_report(&a, &elsewhere, &july.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.monthly_report_schedule(&elsewhere, &plan_id, today).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .overdue_monthly_reports(&elsewhere, today)
            .await
            .unwrap()
            .is_empty()
    );

    let s = store.monthly_report_schedule(&all, &plan_id, today).await.unwrap();
    let got: Vec<&str> = s.months.iter().map(|m| m.status.as_str()).collect();
    assert_eq!(got, vec!["heard", "overdue", "filed", "overdue", "not_yet_due"]);
    let overdue: Vec<String> = store
        .overdue_monthly_reports(&all, today)
        .await
        .unwrap()
        .into_iter()
        .map(|o| format!("{} {} {}", o.village_name, o.month, o.days_overdue))
        .collect();
    assert_eq!(overdue, vec!["下湾村 2026-08 83", "下湾村 2026-10 22"]);

    // A heard report is the archive; a filed one keeps its content.
    for sql in [
        format!("UPDATE monthly_report SET remarks = '改写' WHERE id = '{}'", july.id),
        format!("UPDATE monthly_report SET conduct = '改写' WHERE id = '{}'", july.id),
        format!("DELETE FROM monthly_report WHERE id = '{}'", july.id),
    ] {
        let e = raw(&db, &sql).await.unwrap_err();
        assert!(e.contains("archived"), "{sql}: {e}");
    }
    let e = raw(
        &db,
        &format!("UPDATE monthly_report SET funds = '改写' WHERE plan_id = '{plan_id}' AND month = '2026-09'"),
    )
    .await
    .unwrap_err();
    assert!(e.contains("fixed"), "{e}");
    let kept = store.get_monthly_report(&a, &all, &july.id).await.unwrap();
    assert_eq!(
        (kept.conduct.as_str(), kept.remarks.as_deref()),
        ("作风良好", Some("听取，继续抓好三资公开。"))
    );

    // Reporting ends once the next period decides the village's way: graded above C with every
    // item closed out, it left C on the day that period was published; it runs again once an
    // item is reopened (above C with work open is not out of C).
    let item = ItemInput::parse("公开栏更新", &liaison, "2026-12-01", "按月公开", today).unwrap();
    let p = store
        .add_rectification_item(&as_(&party), &all, &plan_id, &item, today)
        .await
        .unwrap();
    let item_id = p.items[0].item.id.clone();
    let submit = ItemAct::Submit(Evidence::parse("已更新", vec![]).unwrap());
    store
        .act_on_rectification_item(&as_(&liaison), &all, &item_id, &submit, None, today)
        .await
        .unwrap();
    let s = store.monthly_report_schedule(&all, &plan_id, today).await.unwrap();
    assert_eq!(s.reporting_ends_on, None, "an item awaits verification");
    let verify = ItemAct::Verify {
        note: Text::parse("note", "核验属实").unwrap(),
    };
    store
        .act_on_rectification_item(&as_(&party), &all, &item_id, &verify, None, today)
        .await
        .unwrap();
    let real_today = Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    let s = store.monthly_report_schedule(&all, &plan_id, real_today).await.unwrap();
    assert_eq!(
        s.reporting_ends_on, None,
        "closed out, but no later period has graded the village"
    );
    let next = qinglian_testkit::graded_period(store.as_ref(), "2026年第三季度", &[(v.id.as_str(), "B")]).await;
    store.publish_period(&a, &next.id).await.unwrap();
    let s = store.monthly_report_schedule(&all, &plan_id, real_today).await.unwrap();
    assert_eq!(s.reporting_ends_on, Some(real_today), "it left C today");
    assert_eq!(s.months.last().unwrap().month, ReportMonth::of(real_today).to_string());
    let reopen = ItemAct::Reopen {
        reason: Text::parse("reason", "又停更").unwrap(),
    };
    store
        .act_on_rectification_item(&as_(&party), &all, &item_id, &reopen, None, today)
        .await
        .unwrap();
    let s = store.monthly_report_schedule(&all, &plan_id, today).await.unwrap();
    assert_eq!(s.reporting_ends_on, None);
}

#[tokio::test]
async fn monthly_reports_on_sqlite() {
    story(qinglian_testkit::sqlite().await).await;
}

#[tokio::test]
async fn monthly_reports_on_postgres() {
    story(qinglian_testkit::postgres().await).await;
}
