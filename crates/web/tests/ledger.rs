//! The tamper-evident log end to end: changes become entries, checkpoints verify with the
//! public key, proofs from the public API verify, and tampering is found.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use qinglian_ledger::{Checkpoint, Hash, NoteVerifier, Sha256, verify_consistency, verify_inclusion};
use serde_json::{Value, json};

async fn text(app: &common::TestApp, path: &str) -> (u16, String) {
    let r = common::client().get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn get(app: &common::TestApp, path: &str) -> (u16, Value) {
    let r = common::client().get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn hashes(v: &Value) -> Vec<Hash<Sha256>> {
    v["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_slice(&hex_decode(h.as_str().unwrap())).unwrap())
        .collect()
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

async fn checkpoint(app: &common::TestApp, key: &NoteVerifier) -> Checkpoint<Sha256> {
    let (status, note) = text(app, "/api/v1/ledger/checkpoint").await;
    assert_eq!(status, 200);
    Checkpoint::open(note.as_bytes(), key).expect("the public checkpoint verifies with the public key")
}

async fn changes_are_logged_and_provable(app: common::TestApp) {
    let admin = app.sign_in("admin").await;
    for (code, name) in [("990201003", "南湖街道"), ("990201004", "北岭乡")] {
        let r = admin
            .post_json(
                app.url("/api/v1/townships"),
                json!({"division_code": code, "name": name}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let state = app.state();
    let head = qinglian_web::ledger::integrate(&state).await.unwrap();
    let (_, vkey) = text(&app, "/api/v1/ledger/key").await;
    let key = NoteVerifier::from_vkey(vkey.trim()).unwrap();
    let first = checkpoint(&app, &key).await;
    assert_eq!(first.size(), head.size);

    // The two townships are the last two entries, with their ids.
    let (_, entries) = get(&app, &format!("/api/v1/ledger/entries?start={}&count=2", head.size - 2)).await;
    let types: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["township.create", "township.create"]);

    // Every entry's inclusion proof verifies against the signed root.
    let (_, all) = get(&app, &format!("/api/v1/ledger/entries?start=0&count={}", head.size)).await;
    for e in all.as_array().unwrap() {
        let index = e["idx"].as_u64().unwrap();
        let leaf = Hash::<Sha256>::from_slice(&hex_decode(e["leaf_hash"].as_str().unwrap())).unwrap();
        let (status, proof) = get(
            &app,
            &format!(
                "/api/v1/ledger/proof/inclusion?index={index}&tree_size={}",
                first.size()
            ),
        )
        .await;
        assert_eq!(status, 200);
        verify_inclusion(index, first.size(), &leaf, &hashes(&proof), &first.root()).unwrap();
    }

    // More changes, a new checkpoint, and the log provably only grew.
    let r = admin
        .post_json(
            app.url("/api/v1/departments"),
            json!({"code": "jiaotong", "name": "试验县交通运输局"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    qinglian_web::ledger::integrate(&state).await.unwrap();
    let second = checkpoint(&app, &key).await;
    assert_eq!(second.size(), first.size() + 1);
    let (status, proof) = get(
        &app,
        &format!(
            "/api/v1/ledger/proof/consistency?first={}&second={}",
            first.size(),
            second.size()
        ),
    )
    .await;
    assert_eq!(status, 200);
    verify_consistency(
        first.size(),
        second.size(),
        &hashes(&proof),
        &first.root(),
        &second.root(),
    )
    .unwrap();
    assert!(
        verify_consistency(
            first.size(),
            second.size(),
            &hashes(&proof),
            &second.root(),
            &first.root()
        )
        .is_err()
    );

    // The public page says the same to someone who saved the first checkpoint.
    let saved = first.sign_text_for_test(&app).await;
    let page = common::client()
        .post(app.url("/ledger"))
        .form(&[("checkpoint", saved.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("验证通过"), "{page}");
    let forged = saved.replacen(&first.size().to_string(), &(first.size() + 100).to_string(), 1);
    let page = common::client()
        .post(app.url("/ledger"))
        .form(&[("checkpoint", forged.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("验证失败"), "{page}");

    let verified = qinglian_web::ledger::verify(&state, &|_, _| {}).await.unwrap();
    assert_eq!(verified.entries, second.size());
}

/// Helper: the signed note text of a checkpoint, as a user would have saved it.
trait SavedText {
    async fn sign_text_for_test(&self, app: &common::TestApp) -> String;
}

impl SavedText for Checkpoint<Sha256> {
    async fn sign_text_for_test(&self, app: &common::TestApp) -> String {
        app.store.checkpoint_at(self.size()).await.unwrap().unwrap().note
    }
}

#[tokio::test]
async fn changes_are_logged_and_provable_on_sqlite() {
    changes_are_logged_and_provable(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn changes_are_logged_and_provable_on_postgres() {
    changes_are_logged_and_provable(common::spawn_postgres().await).await;
}

/// Runs SQL behind the application's back, as someone with database access would.
async fn tamper(app: &common::TestApp, sql: &str) {
    let url = &app.settings.database_url;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
}

async fn tampering_is_detected(app: common::TestApp) {
    let admin = app.sign_in("admin").await;
    for i in 0..5 {
        let r = admin
            .post_json(
                app.url("/api/v1/offices"),
                json!({"code": format!("o{i}"), "name": format!("第{i}室")}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let state = app.state();
    qinglian_web::ledger::integrate(&state).await.unwrap();
    qinglian_web::ledger::verify(&state, &|_, _| {})
        .await
        .expect("an untouched log verifies");

    // One byte of one entry changed (in its content hash, so it still decodes): its stored
    // leaf hash no longer matches.
    let is_pg = app.settings.database_url.starts_with("postgres");
    let flip = if is_pg {
        "UPDATE ledger_entry SET entry = set_byte(entry, length(entry) - 1, (get_byte(entry, length(entry) - 1) + 1) % 256) WHERE idx = 3"
    } else {
        "UPDATE ledger_entry SET entry = substr(entry, 1, length(entry) - 1) || \
         CASE WHEN substr(entry, -1) = x'ff' THEN x'00' ELSE x'ff' END WHERE idx = 3"
    };
    tamper(&app, flip).await;
    let e = qinglian_web::ledger::verify(&state, &|_, _| {}).await.unwrap_err();
    assert!(e.starts_with("entry 3 "), "{e}");

    // The leaf hash recomputed too, to hide it: the tree no longer matches the signed root.
    let rehash = if is_pg {
        "UPDATE ledger_entry SET leaf_hash = sha256('\\x00'::bytea || entry) WHERE idx = 3"
    } else {
        // SQLite has no SHA-256; mark the row so the check below still runs on both.
        "UPDATE ledger_entry SET leaf_hash = leaf_hash WHERE idx = 3"
    };
    tamper(&app, rehash).await;
    let e = qinglian_web::ledger::verify(&state, &|_, _| {}).await.unwrap_err();
    if is_pg {
        assert!(e.contains("but the checkpoint signed"), "{e}");
    }

    // A deleted entry, and a truncated log.
    tamper(&app, "DELETE FROM ledger_entry WHERE idx = 1").await;
    let e = qinglian_web::ledger::verify(&state, &|_, _| {}).await.unwrap_err();
    assert!(e.contains("entry 1 is missing"), "{e}");
    let size = state.store.ledger_size().await.unwrap();
    tamper(&app, &format!("DELETE FROM ledger_entry WHERE idx >= {}", size - 2)).await;
    tamper(&app, &format!("UPDATE ledger_meta SET size = {}", size - 2)).await;
    let e = qinglian_web::ledger::verify(&state, &|_, _| {}).await.unwrap_err();
    assert!(e.contains("truncated or rolled back"), "{e}");
}

#[tokio::test]
async fn tampering_is_detected_on_sqlite() {
    tampering_is_detected(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn tampering_is_detected_on_postgres() {
    tampering_is_detected(common::spawn_postgres().await).await;
}

#[tokio::test]
async fn bad_proof_requests_are_clear_4xx() {
    let app = common::spawn_sqlite().await;
    qinglian_web::ledger::integrate(&app.state()).await.unwrap();
    let size = app.store.ledger_size().await.unwrap();
    for (path, want) in [
        (
            format!("/api/v1/ledger/proof/inclusion?index={size}&tree_size={size}"),
            422,
        ),
        (
            format!("/api/v1/ledger/proof/inclusion?index=0&tree_size={}", size + 1),
            422,
        ),
        ("/api/v1/ledger/proof/inclusion?index=-1&tree_size=2".to_owned(), 400),
        (
            "/api/v1/ledger/proof/inclusion?index=0&tree_size=99999999999999999999999".to_owned(),
            400,
        ),
        ("/api/v1/ledger/proof/inclusion?index=x".to_owned(), 400),
        (format!("/api/v1/ledger/proof/consistency?first={size}&second=1"), 422),
        ("/api/v1/ledger/entries?start=0&count=0".to_owned(), 422),
        ("/api/v1/ledger/entries?start=0&count=5000".to_owned(), 422),
    ] {
        let (status, body) = get(&app, &path).await;
        assert_eq!(status, want, "{path}: {body}");
        assert!(body["operation_id"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn a_record_shows_its_log_entries_and_their_proofs() {
    let app = common::spawn_sqlite().await;
    let admin = app.sign_in("admin").await;
    let r = admin
        .post_json(
            app.url("/api/v1/townships"),
            json!({"division_code": "990201005", "name": "桃源镇"}),
        )
        .await;
    let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let page = admin
        .client
        .get(app.url(&format!("/staff/org/townships/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("尚未写入已签名的检查点"),
        "before integration the entry is pending"
    );
    qinglian_web::ledger::integrate(&app.state()).await.unwrap();
    let page = admin
        .client
        .get(app.url(&format!("/staff/org/townships/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("township.create"), "{page}");
    let link = page
        .split("/api/v1/ledger/proof/inclusion?")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let (status, proof) = get(&app, &format!("/api/v1/ledger/proof/inclusion?{link}")).await;
    assert_eq!(status, 200, "{link}");
    assert!(!proof["hashes"].as_array().unwrap().is_empty());
}
