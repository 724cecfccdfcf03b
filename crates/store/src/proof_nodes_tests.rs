//! The stored tree as proofs read it, on both backends and with the node cache holding all,
//! some or none of the levels: every node equals the reference tree's, as the log grows and
//! after a stored node is deleted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use qinglian_domain::org::{CountyInput, UnitInput};
use qinglian_ledger::{Algorithm, HashAlgorithm, MemoryStore, NodeId, NodeSource, Sha256};

use crate::model::Actor;
use crate::node_cache::{BUDGET_BYTES, NodeCache};

async fn write(store: &Arc<dyn crate::Store>, from: u32, to: u32) {
    let actor = Actor::system("test");
    for i in from..to {
        store
            .create_office(&actor, &UnitInput::parse(&format!("o{i}"), &format!("室{i}")).unwrap())
            .await
            .unwrap();
    }
}

/// Every node of the tree of `size` leaves, and the first node beyond it on each level.
fn all_ids(size: u64) -> Vec<NodeId> {
    (0..64u8)
        .take_while(|l| size >> l > 0)
        .flat_map(|l| (0..=(size >> l)).map(move |i| NodeId::new(l, i)))
        .collect()
}

async fn check_against_reference(store: &dyn crate::Store) -> MemoryStore<Sha256> {
    let size = store.ledger_size().await.unwrap();
    let mut reference = MemoryStore::<Sha256>::new();
    for e in store.ledger_entries(0, size).await.unwrap() {
        reference.push(Sha256::hash_leaf(&e.entry));
    }
    let ids = all_ids(size);
    // Twice: once filling the cache, once served from it.
    for _ in 0..2 {
        let got = store.ledger_nodes(Algorithm::Sha256, &ids).await.unwrap();
        for (id, h) in ids.iter().zip(got) {
            let want = reference.node(*id).unwrap().map(|h| *h.as_bytes());
            assert_eq!(h, want, "node {id:?} at size {size}");
        }
    }
    reference
}

async fn open(url: &str, budget: u64, postgres: bool) -> Arc<dyn crate::Store> {
    if postgres {
        let mut s = crate::postgres::PgStore::connect(url).await.unwrap();
        s.nodes = NodeCache::with_budget(budget);
        Arc::new(s)
    } else {
        let mut s = crate::sqlite::SqliteStore::connect(url).await.unwrap();
        s.nodes = NodeCache::with_budget(budget);
        Arc::new(s)
    }
}

async fn story(url: &str, budget: u64, postgres: bool) {
    let store = open(url, budget, postgres).await;
    store
        .upsert_county(&Actor::system("test"), &CountyInput::parse("990101", "云溪县").unwrap())
        .await
        .unwrap();
    write(&store, 0, 40).await;
    // Small integration batches, so stored nodes come from many transactions.
    while store.integrate_ledger(Algorithm::Sha256, 7).await.unwrap().added > 0 {}
    assert!(store.ledger_has(41).await.unwrap());
    assert!(!store.ledger_has(42).await.unwrap());
    check_against_reference(&*store).await;

    // Growth after the cache was filled: the new nodes are found too.
    write(&store, 40, 75).await;
    store.integrate_ledger(Algorithm::Sha256, 1000).await.unwrap();
    assert!(store.ledger_has(76).await.unwrap());
    let reference = check_against_reference(&*store).await;

    // Deleted rows: a leaf, and a node above the levels hashed from leaves. Each reads as
    // absent. A node over the deleted leaf reads as absent or right (absent when hashed from
    // its leaves, right when its stored row is cached), never wrong. Every other node stays
    // right, also for a cache that fills after the deletion.
    let gone = [NodeId::new(0, 6), NodeId::new(4, 1)];
    for id in gone {
        let sql = "DELETE FROM ledger_node WHERE level = $1 AND idx = $2";
        if postgres {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(sql)
                .bind(i32::from(id.level))
                .bind(id.index as i64)
                .execute(&pool)
                .await
                .unwrap();
        } else {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::query(sql)
                .bind(i32::from(id.level))
                .bind(id.index as i64)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
    let fresh = open(url, budget, postgres).await;
    assert_eq!(fresh.ledger_size().await.unwrap(), 76);
    let after = [
        gone[0],
        gone[1],
        NodeId::new(1, 3),
        NodeId::new(2, 1),
        NodeId::new(3, 0),
        NodeId::new(0, 7),
        NodeId::new(0, 9),
        NodeId::new(1, 4),
        NodeId::new(1, 30),
        NodeId::new(4, 2),
        NodeId::new(5, 1),
    ];
    for _ in 0..2 {
        let got = fresh.ledger_nodes(Algorithm::Sha256, &after).await.unwrap();
        assert_eq!(got[..2], [None, None]);
        for (id, h) in after.iter().zip(got).skip(2) {
            let want = reference.node(*id).unwrap().map(|h| *h.as_bytes());
            let over_gone = id.level < 4 && id.index << id.level <= 6 && 6 < (id.index + 1) << id.level;
            if !over_gone {
                assert_eq!(h, want, "{id:?}");
            } else if budget == 0 {
                assert_eq!(h, None, "{id:?} is hashed from its leaves, one of them gone");
            } else {
                assert!(h.is_none() || h == want, "{id:?}");
            }
        }
    }
}

// Budgets: everything cached; only levels ≥ 4 at 76 entries; nothing cached.
const BUDGETS: [u64; 3] = [BUDGET_BYTES, 32 * 9, 0];

#[tokio::test]
async fn stored_tree_on_sqlite() {
    for budget in BUDGETS {
        let dir = tempfile::tempdir().unwrap();
        story(&format!("sqlite://{}/t.db", dir.path().display()), budget, false).await;
    }
}

#[tokio::test]
async fn stored_tree_on_postgres() {
    for budget in BUDGETS {
        let db = qinglian_testkit::postgres().await;
        story(db.url.expose(), budget, true).await;
    }
}
