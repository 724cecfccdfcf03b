//! `qinglian evidence verify` as an operator runs it: it accepts an intact store, and when one
//! byte of one stored file changes it exits non-zero naming that file and the digest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qinglian_domain::evidence::{FileName, MediaType};
use qinglian_store::evidence::{BlobKey, BlobStore, Digests, LocalBlobs, NewEvidence};
use qinglian_store::model::Actor;

fn verify(dir: &std::path::Path, db: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_qinglian"))
        .args(["evidence", "verify"])
        .current_dir(dir)
        .env("QINGLIAN_DATABASE_URL", db)
        .env("QINGLIAN_EVIDENCE_DIR", dir.join("evidence"))
        .env("QINGLIAN_SECRET_KEY_PATH", dir.join("secret.key"))
        .env("QINGLIAN_LEDGER_KEY_PATH", dir.join("ledger.key"))
        .env("QINGLIAN_LOG", "error")
        .output()
        .unwrap()
}

#[tokio::test]
async fn verify_accepts_an_intact_store_and_names_an_altered_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("q.db").display());
    let store = qinglian_store::connect(&qinglian_store::DatabaseUrl::new(db.clone()))
        .await
        .unwrap();
    let blobs = LocalBlobs::new(dir.path().join("evidence"));
    let mut keys = Vec::new();
    for (name, fill) in [("询问录像.mp4", 1u8), ("笔录签字页.jpg", 2u8)] {
        let bytes = vec![fill; 70_000];
        let digests = Digests::of(&bytes);
        let key = BlobKey::for_sha256(&digests.sha256);
        let staged = dir.path().join("staged");
        std::fs::write(&staged, &bytes).unwrap();
        blobs.put_file(&key, &staged).await.unwrap();
        let new = NewEvidence {
            digests,
            size: bytes.len() as u64,
            file_name: FileName::parse("filename", name).unwrap(),
            media_type: MediaType::parse("filetype", "").unwrap(),
            key: key.clone(),
        };
        store.record_intake(&Actor::system("test"), None, &new).await.unwrap();
        keys.push(key);
    }
    drop(store);

    let out = verify(dir.path(), &db);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("checked 2 evidence files"), "{stdout}");

    let path = dir.path().join("evidence").join(keys[1].as_str());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[4_321] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let out = verify(dir.path(), &db);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("笔录签字页.jpg") && stderr.contains("sha256"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("询问录像.mp4"),
        "only the altered file is named: {stderr}"
    );
}
