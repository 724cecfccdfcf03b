//! The evidence store as the store keeps it, on SQLite and on PostgreSQL: one blob per
//! content however often it is taken in, every intake in the custody chain, the audit trail
//! and the log; reads outside the viewer's reach answered as not found; verification that
//! names the altered file and the digest that differs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qinglian_domain::evidence::{CustodyKind, FileName, MediaType};
use qinglian_domain::scope::Reach;
use qinglian_store::evidence::{
    BlobKey, BlobStore, Digests, EvidenceViewer, LocalBlobs, NewEvidence, VerifyError, verify_all, verify_and_record,
};
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
use qinglian_store::{Store, StoreError};

fn person(account: &str, name: &str) -> Actor {
    Actor {
        account_id: Some(account.to_owned()),
        staff_id: None,
        name: name.to_owned(),
        role: "case_manager".to_owned(),
        operation_id: "op".to_owned(),
        client_addr: None,
    }
}

/// Stores `bytes` as a completed upload would: into the blob store, then the record.
async fn take_in(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    dir: &std::path::Path,
    who: &Actor,
    name: &str,
    bytes: &[u8],
) -> qinglian_store::evidence::EvidenceFile {
    let digests = Digests::of(bytes);
    let key = BlobKey::for_sha256(&digests.sha256);
    let staged = dir.join(format!("staged-{}", uuid_like()));
    std::fs::write(&staged, bytes).unwrap();
    blobs.put_file(&key, &staged).await.unwrap();
    store
        .record_intake(
            who,
            None,
            &NewEvidence {
                digests,
                size: bytes.len() as u64,
                file_name: FileName::parse("filename", name).unwrap(),
                media_type: MediaType::parse("filetype", "video/mp4").unwrap(),
                key,
            },
        )
        .await
        .unwrap()
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

async fn intake_custody_and_reach(store: &dyn Store) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = LocalBlobs::new(dir.path().join("blobs"));
    let a = person("acc-a", "案管甲");
    let b = person("acc-b", "书记乙");
    let recording = b"\x00\x00\x00\x18ftypmp42 a small recording".repeat(100);
    let first = take_in(store, &blobs, dir.path(), &a, "../../询问录像.mp4", &recording).await;
    let second = take_in(store, &blobs, dir.path(), &b, "copy.mp4", &recording).await;
    assert_ne!(first.id, second.id, "two intakes, two records");
    assert_eq!(first.sha256, second.sha256);
    assert_eq!(first.original_name, "询问录像.mp4");
    assert_eq!(first.sm3, Digests::of(&recording).sm3_hex());
    let totals = store.evidence_totals().await.unwrap();
    assert_eq!(
        (totals.files, totals.bytes),
        (1, recording.len() as i64),
        "one blob stored"
    );

    // Reach: the county sees both; a township secretary only what they took in.
    let county = Reach::everything();
    let own = Reach::default();
    let all = EvidenceViewer {
        account_id: "acc-x",
        reach: &county,
    };
    let only_b = EvidenceViewer {
        account_id: "acc-b",
        reach: &own,
    };
    assert_eq!(
        store.list_evidence(&all, PageRequest::new(1, 50)).await.unwrap().total,
        2
    );
    let mine = store.list_evidence(&only_b, PageRequest::new(1, 50)).await.unwrap();
    assert_eq!(
        mine.items.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        vec![second.id.as_str()]
    );
    assert!(matches!(
        store.get_evidence(&only_b, &first.id).await,
        Err(StoreError::NotFound)
    ));

    // Custody: intake first, then every touch, each with its audit row.
    store
        .record_custody(&b, &second.id, CustodyKind::Download, None)
        .await
        .unwrap();
    let chain: Vec<String> = store
        .custody_events(&second.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(chain, vec!["intake", "download"]);
    let intake = &store.custody_events(&first.id).await.unwrap()[0];
    assert_eq!(
        intake.detail.as_deref(),
        Some(format!("sha256:{} sm3:{} size:{}", first.sha256, first.sm3, first.size).as_str())
    );
    let audit = store
        .list_audit(
            &AuditFilter {
                object_id: Some(second.id.clone()),
                ..Default::default()
            },
            PageRequest::new(1, 50),
        )
        .await
        .unwrap();
    let mut actions: Vec<String> = audit.items.iter().map(|e| e.action.clone()).collect();
    actions.sort();
    assert_eq!(actions, vec!["evidence.download", "evidence.intake"]);
    assert!(matches!(
        store
            .record_custody(&b, "no-such-file", CustodyKind::Access, None)
            .await,
        Err(StoreError::NotFound)
    ));

    // The log carries the intake (its entry commits to the digests), and gets an index.
    store
        .integrate_ledger(qinglian_ledger::Algorithm::Sha256, 10_000)
        .await
        .unwrap();
    let entries = store.ledger_entries_for(&first.id).await.unwrap();
    assert_eq!(entries[0].entry_type, "evidence.intake");
    let again = store.get_evidence(&all, &first.id).await.unwrap();
    assert_eq!(again.ledger_index, Some(entries[0].idx));
}

async fn verification_names_the_altered_file(store: &dyn Store) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blobs");
    let blobs = LocalBlobs::new(&root);
    let a = person("acc-a", "案管甲");
    let good = take_in(store, &blobs, dir.path(), &a, "good.wav", &vec![1u8; 300_000]).await;
    let bad = take_in(store, &blobs, dir.path(), &a, "tampered.mp4", &vec![2u8; 300_000]).await;
    let report = verify_all(store, &blobs, &Actor::system("verify"), &|_| {})
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!((report.files, report.bytes), (2, 600_000));

    // One byte changed in the stored copy of one file.
    let path = root.join(&bad.storage_key);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[150_000] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let report = verify_all(store, &blobs, &Actor::system("verify"), &|_| {})
        .await
        .unwrap();
    assert_eq!(report.failures.len(), 1);
    match &report.failures[0] {
        VerifyError::Mismatch(m) => {
            assert_eq!(
                (m.file_id.as_str(), m.file_name.as_str(), m.which),
                (bad.id.as_str(), "tampered.mp4", "sha256")
            );
            assert_eq!(m.recorded, bad.sha256);
            assert!(report.failures[0].to_string().contains("tampered.mp4"));
        }
        other => panic!("expected a mismatch, got {other}"),
    }
    let kinds: Vec<String> = store
        .custody_events(&bad.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["intake", "verify_ok", "verify_failed"]);
    let kinds: Vec<String> = store
        .custody_events(&good.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["intake", "verify_ok", "verify_ok"]);

    // A missing blob is reported too, naming the file.
    std::fs::remove_file(root.join(&good.storage_key)).unwrap();
    let e = verify_and_record(store, &blobs, &Actor::system("verify"), &good, &|_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&e, VerifyError::Unreadable { file_name, .. } if file_name == "good.wav"),
        "{e}"
    );
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

stories!(intake_custody_and_reach, verification_names_the_altered_file);
