//! Many writers at once, on both databases: each change commits whole or not at all, an
//! acknowledged change is visible at once, and every change has exactly one audit row and one
//! log entry, however the writers' transactions were grouped into commits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use qinglian_domain::audit::AuditAction;
use qinglian_domain::org::{CountyInput, UnitInput};
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
use qinglian_store::{Store, StoreError};
use qinglian_testkit::TestDb;

fn unit(code: &str) -> UnitInput {
    UnitInput::parse(code, &format!("单位{code}")).unwrap()
}

async fn county(store: &dyn Store) {
    store
        .upsert_county(&Actor::system("test"), &CountyInput::parse("990101", "云溪县").unwrap())
        .await
        .unwrap();
}

/// Object id → how many rows name it, over the whole audit trail and over the whole log.
async fn audit_and_log(store: &dyn Store) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let mut audit = BTreeMap::new();
    let mut page = 1;
    loop {
        let p = store
            .list_audit(&AuditFilter::default(), PageRequest::new(page, 200))
            .await
            .unwrap();
        if p.items.is_empty() {
            break;
        }
        for e in p.items {
            *audit.entry(e.object_id.unwrap()).or_insert(0) += 1;
        }
        page += 1;
    }
    let head = store
        .integrate_ledger(qinglian_ledger::Algorithm::Sha256, 100_000)
        .await
        .unwrap();
    let mut log = BTreeMap::new();
    for e in store.ledger_entries(0, head.size).await.unwrap() {
        *log.entry(e.object_id).or_insert(0) += 1;
    }
    (audit, log)
}

/// 200 writers at once; every fifth fails after writing (an unknown department rolls back the
/// group it inserted), every fifth after that collides on a code. Nothing of the failures
/// remains, the rest are visible when acknowledged, and audit and log match them one to one.
async fn writers_at_once(db: TestDb) {
    let store = db.store().await;
    county(&*store).await;
    store.create_office(&Actor::system("test"), &unit("dup")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let store: Arc<dyn Store> = store.clone();
        tasks.push(tokio::spawn(async move {
            let actor = Actor::system("test");
            match i % 5 {
                0 => {
                    let e = store
                        .create_stationed_group(&actor, &unit(&format!("g{i}")), &["no-such-department".into()])
                        .await
                        .unwrap_err();
                    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
                    None
                }
                1 => {
                    let e = store.create_office(&actor, &unit("dup")).await.unwrap_err();
                    assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
                    None
                }
                _ => {
                    let g = store
                        .create_stationed_group(&actor, &unit(&format!("g{i}")), &[])
                        .await
                        .unwrap();
                    // Acknowledged: any reader sees it now.
                    let seen = store.get_stationed_group(&g.id).await.unwrap();
                    assert_eq!(seen.code, format!("g{i}"));
                    Some(g.code)
                }
            }
        }));
    }
    let mut ok = Vec::new();
    for t in tasks {
        ok.extend(t.await.unwrap());
    }
    assert_eq!(ok.len(), 120);
    let mut stored: Vec<String> = store
        .list_stationed_groups()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.code)
        .collect();
    stored.sort();
    ok.sort();
    assert_eq!(stored, ok, "exactly the acknowledged groups are stored");

    let (audit, log) = audit_and_log(&*store).await;
    // County, the first office, and the 120 groups: one audit row and one entry each.
    assert_eq!(audit.len(), 122);
    assert!(audit.values().all(|&n| n == 1), "{audit:?}");
    assert_eq!(audit, log);
    let groups = store
        .list_audit(
            &AuditFilter {
                action: Some(AuditAction::StationedGroupCreate.as_str().into()),
                ..AuditFilter::default()
            },
            PageRequest::new(1, 200),
        )
        .await
        .unwrap();
    assert_eq!(groups.total, 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_at_once_on_sqlite() {
    writers_at_once(qinglian_testkit::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_at_once_on_postgres() {
    writers_at_once(qinglian_testkit::postgres().await).await;
}

/// Writers cancelled at any point (a client that hangs up) leave each change whole or absent,
/// and the writers after them are not held up.
async fn cancelled_writers(db: TestDb) {
    let store = db.store().await;
    county(&*store).await;
    let mut tasks = Vec::new();
    for i in 0..100u32 {
        let store: Arc<dyn Store> = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_office(&Actor::system("test"), &unit(&format!("o{i}")))
                .await
                .map(|_| ())
        }));
    }
    // Cancel a quarter at once (most are still queued) and a quarter just after the writer
    // before each finished: by then it may be amid its statements, waiting for the shared
    // commit, or done.
    for t in tasks.iter().skip(1).step_by(4) {
        t.abort();
    }
    let mut finished = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        if i % 4 == 3 {
            t.abort();
        }
        match t.await {
            Ok(r) => {
                r.unwrap();
                finished += 1;
            }
            Err(e) => assert!(e.is_cancelled()),
        }
    }
    assert!(finished >= 50);
    // Not stranded: a later writer goes through.
    store
        .create_office(&Actor::system("test"), &unit("after"))
        .await
        .unwrap();

    let offices = store.list_offices().await.unwrap();
    let (audit, log) = audit_and_log(&*store).await;
    assert_eq!(
        audit.len(),
        offices.len() + 1,
        "one audit row per office, plus the county"
    );
    for o in &offices {
        assert_eq!(audit.get(&o.id), Some(&1), "office {}", o.code);
    }
    assert_eq!(audit, log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_writers_on_sqlite() {
    cancelled_writers(qinglian_testkit::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_writers_on_postgres() {
    cancelled_writers(qinglian_testkit::postgres().await).await;
}

/// Changes to one object made at once, which SQLite's writer batches together, still number
/// its log entries 1, 2, 3… in the order they are logged: each entry counts the object's
/// earlier ones, including those of the same batch.
async fn versions_count_up_per_object(db: TestDb) {
    let store = db.store().await;
    county(&*store).await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let store: Arc<dyn Store> = store.clone();
        tasks.push(tokio::spawn(async move { county(&*store).await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let head = store
        .integrate_ledger(qinglian_ledger::Algorithm::Sha256, 100_000)
        .await
        .unwrap();
    let entries = store.ledger_entries(0, head.size).await.unwrap();
    assert_eq!(entries.len(), 41);
    let versions: Vec<u64> = entries
        .iter()
        .map(|e| qinglian_ledger::Entry::decode(&e.entry).unwrap().version())
        .collect();
    assert_eq!(versions, (1..=41).collect::<Vec<u64>>());
    assert!(entries.iter().all(|e| e.object_id == entries[0].object_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_count_up_per_object_on_sqlite() {
    versions_count_up_per_object(qinglian_testkit::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_count_up_per_object_on_postgres() {
    versions_count_up_per_object(qinglian_testkit::postgres().await).await;
}
