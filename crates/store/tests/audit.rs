//! The audit trail on both databases: rows commit with their change, and the database itself
//! refuses to edit or delete them before the retention cutoff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qinglian_domain::audit::{AuditAction, AuditResult};
use qinglian_domain::org::{CountyInput, TownshipInput};
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
use qinglian_store::{Store, StoreError};
use qinglian_testkit::TestDb;

fn clerk() -> Actor {
    Actor {
        account_id: Some("acc-1".into()),
        staff_id: Some("staff-1".into()),
        name: "案管丙".into(),
        role: "case_manager".into(),
        operation_id: "op-create-1".into(),
        client_addr: Some("10.1.2.3".into()),
    }
}

async fn events(store: &dyn Store, action: AuditAction) -> Vec<qinglian_store::model::AuditEvent> {
    let filter = AuditFilter {
        action: Some(action.as_str().into()),
        ..AuditFilter::default()
    };
    store.list_audit(&filter, PageRequest::new(1, 200)).await.unwrap().items
}

async fn rows_commit_with_their_change(store: &dyn Store) {
    let system = Actor::system("test");
    store
        .upsert_county(&system, &CountyInput::parse("990201", "试验县").unwrap())
        .await
        .unwrap();
    let t = store
        .create_township(&clerk(), &TownshipInput::parse("990201001", "东溪镇").unwrap())
        .await
        .unwrap();
    let rows = events(store, AuditAction::TownshipCreate).await;
    assert_eq!(rows.len(), 1);
    let e = &rows[0];
    assert_eq!(
        (
            e.actor_name.as_str(),
            e.role.as_str(),
            e.object_type.as_str(),
            e.object_id.as_deref(),
            e.result.as_str()
        ),
        ("案管丙", "case_manager", "township", Some(t.id.as_str()), "ok")
    );
    assert_eq!(
        (e.operation_id.as_str(), e.client_addr.as_deref()),
        ("op-create-1", Some("10.1.2.3"))
    );

    // A refused write leaves no trace of success: the audit row shares the transaction.
    let dup = store
        .create_township(&clerk(), &TownshipInput::parse("990201001", "重复镇").unwrap())
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict { .. })));
    assert_eq!(events(store, AuditAction::TownshipCreate).await.len(), 1);

    store
        .record_audit(
            &clerk(),
            AuditAction::AccessDenied,
            None,
            AuditResult::Denied,
            Some("POST /x"),
        )
        .await
        .unwrap();
    let denied = events(store, AuditAction::AccessDenied).await;
    assert_eq!(
        (denied[0].result.as_str(), denied[0].detail.as_deref()),
        ("denied", Some("POST /x"))
    );

    let by_actor = AuditFilter {
        actor: Some("案管丙".into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        store
            .list_audit(&by_actor, PageRequest::new(1, 50))
            .await
            .unwrap()
            .total,
        2
    );
}

/// Runs raw SQL the application never sends, as an intruder with the app's credentials would.
async fn raw(db: &TestDb, sql: &str) -> Result<u64, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.backend() == "postgres" {
        let pool = sqlx::PgPool::connect(db.url.expose()).await.unwrap();
        sqlx::query(sql).execute(&pool).await.map(|r| r.rows_affected())
    } else {
        let pool = sqlx::SqlitePool::connect(db.url.expose()).await.unwrap();
        sqlx::query(sql).execute(&pool).await.map(|r| r.rows_affected())
    }
}

async fn the_database_refuses_edits_and_early_deletes(db: TestDb) {
    let store = db.store().await;
    let system = Actor::system("test");
    store
        .upsert_county(&system, &CountyInput::parse("990201", "试验县").unwrap())
        .await
        .unwrap();
    store
        .create_township(&clerk(), &TownshipInput::parse("990201001", "东溪镇").unwrap())
        .await
        .unwrap();
    let before = store
        .list_audit(&AuditFilter::default(), PageRequest::new(1, 50))
        .await
        .unwrap()
        .total;
    assert_eq!(before, 2);

    assert!(
        raw(&db, "UPDATE audit_event SET actor_name = 'someone else'")
            .await
            .is_err(),
        "rows cannot be edited"
    );
    assert!(
        raw(&db, "DELETE FROM audit_event").await.is_err(),
        "rows cannot be deleted before retention"
    );
    if db.backend() == "postgres" {
        assert!(
            raw(&db, "TRUNCATE audit_event").await.is_err(),
            "the table cannot be truncated"
        );
    }
    assert_eq!(
        store
            .list_audit(&AuditFilter::default(), PageRequest::new(1, 50))
            .await
            .unwrap()
            .total,
        before
    );

    // Retention removes only rows older than the cutoff and records that it ran.
    let newest = store
        .list_audit(&AuditFilter::default(), PageRequest::new(1, 1))
        .await
        .unwrap()
        .items[0]
        .at;
    let removed = store
        .apply_audit_retention(&Actor::system("audit_retention"), newest)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let left = store
        .list_audit(&AuditFilter::default(), PageRequest::new(1, 50))
        .await
        .unwrap();
    let actions: Vec<&str> = left.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["audit.retention", "township.create"]);
    // The cutoff only moves forward, and the newer rows stay protected.
    assert!(
        raw(&db, "UPDATE audit_retention SET cutoff = '1970-01-01T00:00:00+00:00'")
            .await
            .is_err()
    );
    assert!(raw(&db, "DELETE FROM audit_retention").await.is_err());
    assert!(raw(&db, "DELETE FROM audit_event").await.is_err());
    assert_eq!(
        store
            .list_audit(&AuditFilter::default(), PageRequest::new(1, 50))
            .await
            .unwrap()
            .total,
        2
    );
}

#[tokio::test]
async fn sqlite_rows_commit_with_their_change() {
    rows_commit_with_their_change(&*qinglian_testkit::sqlite().await.store().await).await;
}

#[tokio::test]
async fn postgres_rows_commit_with_their_change() {
    let db = qinglian_testkit::postgres().await;
    rows_commit_with_their_change(&*db.store().await).await;
}

#[tokio::test]
async fn sqlite_refuses_edits_and_early_deletes() {
    the_database_refuses_edits_and_early_deletes(qinglian_testkit::sqlite().await).await;
}

#[tokio::test]
async fn postgres_refuses_edits_and_early_deletes() {
    the_database_refuses_edits_and_early_deletes(qinglian_testkit::postgres().await).await;
}
