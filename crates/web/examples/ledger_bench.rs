//! Ledger figures through the real store: durable changes per second (each one transaction
//! holding the record, its audit row and its log entry), integration rate, inclusion proofs
//! from the stored tree, and full verification.
//!
//! `cargo run --release -p qinglian-web --example ledger_bench -- [WRITES] [LOG_SIZE] [CONCURRENCY]`
//! Five rounds, alternating, of WRITES changes through the write path with CONCURRENCY writers
//! and WRITES/8 with one writer (the serial baseline); medians are reported (WRITES 0 skips
//! this). The log is then filled with synthetic entries (same canonical format) up to LOG_SIZE,
//! so proof and verification figures are at that size. `BENCH_DATABASE_URL` picks another
//! database (e.g. PostgreSQL, or an existing SQLite file to reuse a filled log).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use qinglian_domain::org::{CountyInput, UnitInput};
use qinglian_store::model::Actor;
use qinglian_web::{AppState, Settings};

/// Rounds of each write figure; the median is reported.
const ROUNDS: usize = 5;

/// Creates `count` offices through the store with `writers` concurrent writers; changes/s.
async fn durable_changes(store: &qinglian_store::DynStore, writers: u64, count: u64, code: &mut u64) -> f64 {
    let next = Arc::new(AtomicU64::new(*code));
    let end = *code + count;
    *code = end;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let actor = Actor::system("bench");
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    return;
                }
                let unit = UnitInput::parse(&format!("u{i}"), &format!("单位{i}")).unwrap();
                store.create_office(&actor, &unit).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    count as f64 / started.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let writes = args.first().copied().unwrap_or(20_000);
    let log_size = args.get(1).copied().unwrap_or(1_000_000);
    let concurrency = args.get(2).copied().unwrap_or(64);
    let dir = tempfile::tempdir().unwrap();
    let url =
        std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let key = dir.path().join("ledger.key");
    qinglian_web::ledger::init_key(&key, "bench.qinglian/ledger", qinglian_ledger::SignatureType::Ed25519).unwrap();
    let settings = Settings {
        database_url: url.clone(),
        ledger_key_path: key,
        secret_key_path: dir.path().join("secret.key"),
        ledger_origin: "bench.qinglian/ledger".into(),
        evidence_dir: dir.path().join("evidence"),
        ..Settings::default()
    };
    let store = qinglian_store::connect(&settings.database_url()).await.unwrap();
    let state = AppState::new(Arc::new(settings), store.clone()).unwrap();
    store
        .upsert_county(
            &Actor::system("bench"),
            &CountyInput::parse("990301", "基准县").unwrap(),
        )
        .await
        .unwrap();

    // 1. Durable changes through the write path: CONCURRENCY writers at once against one
    // writer (the serial baseline), alternating in the same run since the VM's speed drifts.
    let mut serial = Vec::new();
    let mut grouped = Vec::new();
    let mut code = 0u64;
    for round in 0..if writes == 0 { 0 } else { ROUNDS } {
        let rate = durable_changes(&store, 1, (writes / 8).max(100), &mut code).await;
        println!("  round {round}: 1 writer: {rate:.0}/s");
        serial.push(rate);
        let rate = durable_changes(&store, concurrency, writes, &mut code).await;
        println!("  round {round}: {concurrency} writers: {rate:.0}/s");
        grouped.push(rate);
    }
    if writes > 0 {
        let (serial, grouped) = (median(serial), median(grouped));
        println!(
            "durable changes (record + audit row + log entry each), median of {ROUNDS}: \
         {grouped:.0}/s with {concurrency} writers, {serial:.0}/s with 1 writer ({:.1}×)",
            grouped / serial
        );
    }

    // 2. Integration of those entries.
    let started = Instant::now();
    let head = qinglian_web::ledger::integrate(&state).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "integration: {} entries in {secs:.2} s = {:.0}/s",
        head.added,
        head.added as f64 / secs
    );

    // 3. Fill to LOG_SIZE with synthetic entries (same format), integrated in batches.
    let mut filled = head.size;
    let started = Instant::now();
    while filled < log_size {
        let batch = (log_size - filled).min(50_000);
        fill(&url, filled, batch).await;
        filled += batch;
        qinglian_web::ledger::integrate(&state).await.unwrap();
    }
    println!(
        "log filled to {filled} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // 4. Inclusion proofs from the stored tree.
    // `BENCH_PROOFS` raises the count, e.g. to profile this part alone.
    let proofs: u64 = std::env::var("BENCH_PROOFS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    // The server reads the node cache (the upper levels, once per process) as it starts; then
    // a first proof elsewhere in the log costs what the others do.
    let t = Instant::now();
    qinglian_web::ledger::warm(&state).await.unwrap();
    let warmed = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    qinglian_web::ledger::inclusion(&state, filled / 3, filled)
        .await
        .unwrap();
    println!(
        "reading the node cache at start: {warmed:.1} ms; the first proof after it: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut times = Vec::new();
    for i in 0..proofs {
        let index = (i * 7_919_993) % filled;
        let t = Instant::now();
        let proof = qinglian_web::ledger::inclusion(&state, index, filled).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(!proof.0.is_empty());
    }
    // The same-run baseline: the cheapest read there is (one row of one small table) through
    // the same read pool, i.e. what any database round trip costs here.
    let mut floor = Vec::new();
    for _ in 0..500 {
        let t = Instant::now();
        store.ledger_size().await.unwrap();
        floor.push(t.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "inclusion proof at {filled}: median {:.1} µs over {proofs}; a one-row read: median {:.1} µs",
        median(times),
        median(floor)
    );

    // 5. Full verification.
    let started = Instant::now();
    let v = qinglian_web::ledger::verify(&state, &|_, _| {}).await.unwrap();
    let packed = started.elapsed().as_secs_f64();
    // The same-run baseline: the loop verification ran before, a row per entry (checks and
    // tree alike, no checkpoint), so the ratio shows what the packed, overlapped read saves.
    let started = Instant::now();
    let mut at = 0;
    let mut frontier = qinglian_ledger::Frontier::<qinglian_ledger::Sha256>::new();
    while at < filled {
        for row in store.ledger_entries(at, 10_000).await.unwrap() {
            let leaf = <qinglian_ledger::Sha256 as qinglian_ledger::HashAlgorithm>::hash_leaf(&row.entry);
            assert_eq!(leaf.as_bytes().as_slice(), row.leaf_hash.as_slice());
            let e = qinglian_ledger::Entry::decode(&row.entry).unwrap();
            assert!(e.entry_type() == row.entry_type && e.object_id() == row.object_id);
            frontier.push(leaf);
        }
        at += 10_000;
    }
    let rows = started.elapsed().as_secs_f64();
    println!(
        "verification of {} entries: {packed:.2} s; reading and hashing them a row each: {rows:.2} s ({:.1}×)",
        v.entries,
        rows / packed
    );
}

/// Inserts `count` pending entries numbered from `from`, in the canonical entry format.
async fn fill(url: &str, from: u64, count: u64) {
    let now = chrono::Utc::now();
    let rows: Vec<Vec<u8>> = (from..from + count)
        .map(|i| {
            qinglian_ledger::Entry::new(
                "bench.fill",
                &format!("obj-{i}"),
                1,
                now.timestamp_micros(),
                "bench",
                [7; 32],
            )
            .unwrap()
            .encode()
        })
        .collect();
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let ids: Vec<String> = (from..from + count).map(|i| format!("obj-{i}")).collect();
        sqlx::query("INSERT INTO ledger_entry (entry, entry_type, object_id, created_at) SELECT e, 'bench.fill', o, $3 FROM UNNEST($1::bytea[], $2::text[]) AS t(e, o)")
            .bind(&rows).bind(&ids).bind(now).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        for (k, e) in rows.iter().enumerate() {
            sqlx::query(
                "INSERT INTO ledger_entry (entry, entry_type, object_id, created_at) VALUES (?, 'bench.fill', ?, ?)",
            )
            .bind(e)
            .bind(format!("obj-{}", from + k as u64))
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
}
