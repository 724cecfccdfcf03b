//! Rectification orders as the store keeps them, on SQLite and on PostgreSQL: numbered per
//! township and year, issued by the second post's signature, and a record the database itself
//! guards: one signature per post and per person, and sign-offs, follow-ups and item steps that
//! no statement can change or remove afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qinglian_domain::inspection::Text;
use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, VillageInput};
use qinglian_domain::rectification::item::{Evidence, ItemAct, ItemInput, PlanInput};
use qinglian_domain::rectification::order::{FollowUpKind, OrderInput};
use qinglian_domain::scope::Reach;
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

async fn story(db: TestDb) {
    let store = db.store().await;
    let a = Actor::system("test");
    let all = Reach::everything();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    store
        .upsert_county(&a, &CountyInput::parse("990301", "存储县").unwrap())
        .await
        .unwrap();
    let t = store
        .create_township(&a, &TownshipInput::parse("990301001", "石门镇").unwrap())
        .await
        .unwrap();
    let v = store
        .create_village(&a, &VillageInput::parse("990301001201", "下湾村").unwrap())
        .await
        .unwrap();
    let staff = |name: &'static str, role: &'static str| {
        let (store, a, t) = (store.clone(), a.clone(), t.id.clone());
        async move {
            store
                .create_staff(&a, &StaffInput::parse(name, role, Some(&t), None).unwrap())
                .await
                .unwrap()
                .id
        }
    };
    let party = staff("党委书记", "village_liaison").await;
    let discipline = staff("纪委书记", "township_secretary").await;
    store.set_party_secretary(&a, &t.id, &party).await.unwrap();

    let input = OrderInput::parse(&v.id, "宅基地征收搁置", "三十日内完成", "2026-12-27", today).unwrap();
    let first = store
        .draft_rectification_order(&as_(&party), &all, &input, today)
        .await
        .unwrap();
    let second = store
        .draft_rectification_order(&as_(&party), &all, &input, today)
        .await
        .unwrap();
    assert_eq!(
        (first.order.number.as_str(), second.order.number.as_str()),
        ("督改〔2026〕1号", "督改〔2026〕2号")
    );
    let id = first.order.id.clone();
    let signed = store
        .sign_rectification_order(&as_(&party), &all, &id, Some(1), today)
        .await
        .unwrap();
    assert_eq!((signed.order.state.as_str(), signed.order.version), ("draft", 2));
    let issued = store
        .sign_rectification_order(&as_(&discipline), &all, &id, Some(2), today)
        .await
        .unwrap();
    assert_eq!(issued.order.state, "issued");
    assert!(issued.order.issued_at.is_some());
    store
        .follow_up_rectification_order(
            &as_(&discipline),
            &all,
            &id,
            FollowUpKind::Progress,
            &Text::parse("text", "已开会").unwrap(),
            None,
            today,
        )
        .await
        .unwrap();

    // Past the store: a second signature by the same person, or for a post already signed, is
    // refused by the table's keys; a signature or a follow-up cannot be altered or removed.
    let again = format!(
        "INSERT INTO rectification_sign_off (order_id, post, staff_id, staff_name, signed_at) \
         VALUES ('{}', 'discipline_secretary', '{party}', 'x', '2026-11-27T00:00:00Z')",
        second.order.id
    );
    raw(&db, &again).await.unwrap();
    let twice = again.replace("discipline_secretary", "party_secretary");
    assert!(raw(&db, &twice).await.is_err(), "one person signed twice");
    let same_post = again.replace(&party, &discipline);
    assert!(raw(&db, &same_post).await.is_err(), "one post signed twice");
    for sql in [
        format!("UPDATE rectification_sign_off SET staff_name = '冒名' WHERE order_id = '{id}'"),
        format!("DELETE FROM rectification_sign_off WHERE order_id = '{id}'"),
        format!("UPDATE rectification_follow_up SET body = '改写' WHERE order_id = '{id}'"),
        format!("DELETE FROM rectification_follow_up WHERE order_id = '{id}'"),
    ] {
        let e = raw(&db, &sql).await.unwrap_err();
        assert!(e.contains("immutable") || e.contains("append-only"), "{sql}: {e}");
    }
    let kept = store.get_rectification_order(&a, &all, &id, today).await.unwrap();
    assert_eq!(kept.sign_offs.len(), 2);
    assert_eq!(kept.sign_offs[0].staff_name, "党委书记");
    assert_eq!(kept.follow_ups[0].body, "已开会");

    // A plan item's steps are kept the same way.
    let c_period = qinglian_testkit::c_period(store.as_ref(), "2026年第三季度", &[v.id.as_str()]).await;
    let plan = store
        .create_village_plan(
            &as_(&party),
            &all,
            &PlanInput::parse(&v.id, &c_period.id).unwrap(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let item = ItemInput::parse("公开栏更新", &party, "2026-12-01", "按月公开", today).unwrap();
    let plan = store
        .add_rectification_item(&as_(&party), &all, &plan.plan.id, &item, today)
        .await
        .unwrap();
    let item_id = plan.items[0].item.id.clone();
    let submit = ItemAct::Submit(Evidence::parse("已更新", vec![]).unwrap());
    let plan = store
        .act_on_rectification_item(&as_(&party), &all, &item_id, &submit, Some(1), today)
        .await
        .unwrap();
    assert_eq!(plan.items[0].item.state, "submitted");
    let e = raw(
        &db,
        &format!("DELETE FROM rectification_item_event WHERE item_id = '{item_id}'"),
    )
    .await
    .unwrap_err();
    assert!(e.contains("append-only") || e.contains("immutable"), "{e}");
}

#[tokio::test]
async fn rectification_records_on_sqlite() {
    story(qinglian_testkit::sqlite().await).await;
}

#[tokio::test]
async fn rectification_records_on_postgres() {
    story(qinglian_testkit::postgres().await).await;
}
