//! A remote interview to the end and its sealed export, over HTTP on both databases: the
//! recording and the witness's signed copy uploaded and attached, the procedure finished, the
//! package holding what the manifest says; then one byte of the stored recording altered, and
//! the export refused, the custody log and the alert recording it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;

use serde_json::json;
use sha2::Digest;

/// A few seconds of a 440 Hz tone as 8 kHz mono 16-bit WAV: a real, playable recording.
fn wav(seconds: u32) -> Vec<u8> {
    let rate = 8_000u32;
    let samples = rate * seconds;
    let mut out = Vec::with_capacity(44 + 2 * samples as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + 2 * samples).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(2 * rate).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(2 * samples).to_le_bytes());
    for i in 0..samples {
        let v = (f64::from(i) * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 8_000.0;
        out.extend_from_slice(&(v as i16).to_le_bytes());
    }
    out
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Uploads `bytes` as `name` through tus and returns the evidence id.
async fn upload(app: &common::TestApp, s: &common::Session, name: &str, media: &str, bytes: Vec<u8>) -> String {
    let r = s
        .client
        .post(app.url("/api/v1/evidence/uploads"))
        .header("tus-resumable", "1.0.0")
        .header("x-csrf-token", &s.csrf)
        .header("upload-length", bytes.len().to_string())
        .header(
            "upload-metadata",
            format!("filename {},filetype {}", b64(name), b64(media)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let url = if location.starts_with("http") {
        location
    } else {
        app.url(&location)
    };
    let r = s
        .client
        .patch(url)
        .header("tus-resumable", "1.0.0")
        .header("x-csrf-token", &s.csrf)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    r.headers()["x-evidence-id"].to_str().unwrap().to_owned()
}

async fn act(app: &common::TestApp, s: &common::Session, id: &str, body: serde_json::Value) {
    let r = s
        .post_json(app.url(&format!("/api/v1/interviews/{id}/acts")), body.clone())
        .await;
    let status = r.status();
    assert_eq!(status, 200, "{body}: {}", r.text().await.unwrap());
}

async fn sealed_export_of_a_finished_interview(app: common::TestApp) {
    let w = app.case_world().await;
    let office = app.sign_in("office").await;
    let head = app.sign_in("grouphead").await;
    let i = &w.interview;
    act(&app, &office, i, json!({"kind": "check_in"})).await;
    act(&app, &head, i, json!({"kind": "check_in"})).await;
    for step in ["recording_started", "credentials_shown", "rights_read"] {
        act(&app, &office, i, json!({"kind": "step", "step": step})).await;
    }
    act(
        &app,
        &office,
        i,
        json!({"kind": "step", "step": "identity_verified", "detail": "出示身份证原件"}),
    )
    .await;
    act(&app, &office, i, json!({"kind": "step", "step": "questioning"})).await;
    let r = office
        .client
        .put(app.url(&format!("/api/v1/interviews/{i}/transcript")))
        .header("x-csrf-token", &office.csrf)
        .json(&json!({"base": 0, "entries": [{"question": "问：你是否认识张某？", "answer": "答：认识。"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    act(
        &app,
        &office,
        i,
        json!({"kind": "step", "step": "transcript_read_back"}),
    )
    .await;

    let recording = wav(3);
    let rec_id = upload(&app, &head, "询问录像.wav", "audio/wav", recording.clone()).await;
    let scan = b"%PDF-1.4 signed copy of the transcript (scan)".to_vec();
    let scan_id = upload(&app, &office, "签字笔录.pdf", "application/pdf", scan.clone()).await;
    // Someone else's file cannot be attached (and so never exported by the wrong hands).
    let r = office
        .post_json(
            app.url(&format!("/api/v1/interviews/{i}/files")),
            json!({"evidence_file_id": rec_id, "kind": "recording"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    for (s, id, kind) in [(&head, &rec_id, "recording"), (&office, &scan_id, "signed_transcript")] {
        let r = s
            .post_json(
                app.url(&format!("/api/v1/interviews/{i}/files")),
                json!({"evidence_file_id": id, "kind": kind}),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    act(
        &app,
        &office,
        i,
        json!({"kind": "step", "step": "transcript_confirmed"}),
    )
    .await;
    act(&app, &head, i, json!({"kind": "step", "step": "recording_stopped"})).await;

    // The investigators may not export; the case manager may.
    let r = office
        .client
        .get(app.url(&format!("/staff/interviews/{i}/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let cm = app.sign_in("casemanager").await;
    let r = cm
        .client
        .get(app.url(&format!("/staff/interviews/{i}/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let package = r.bytes().await.unwrap().to_vec();
    packages_are_checked_as_the_recipient_would(&app, &package);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
    let mut read = |name: &str| {
        let mut f = zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the package"));
        let mut out = Vec::new();
        f.read_to_end(&mut out).unwrap();
        out
    };
    let manifest: serde_json::Value = serde_json::from_slice(&read("manifest.json")).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "transcript PDF, recording, signed copy: {manifest}");
    let sums = String::from_utf8(read("SHA256SUMS")).unwrap();
    for f in files {
        let path = f["path"].as_str().unwrap();
        let bytes = read(path);
        let sha = hex::encode(sha2::Sha256::digest(&bytes));
        assert_eq!(f["sha256"], sha, "{path}");
        assert_eq!(f["size"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(f["sm3"].as_str().unwrap().len(), 64);
        assert!(sums.contains(&format!("{sha}  {path}")), "{sums}");
        match f["kind"].as_str().unwrap() {
            "recording" => assert_eq!(bytes, recording),
            "signed_transcript" => assert_eq!(bytes, scan),
            "transcript_pdf" => assert!(bytes.starts_with(b"%PDF-")),
            other => panic!("unexpected {other}"),
        }
    }
    let log: serde_json::Value = serde_json::from_slice(&read("procedure-log.json")).unwrap();
    assert_eq!(log.as_array().unwrap().len(), 10, "two check-ins and eight steps");
    let proofs: serde_json::Value = serde_json::from_slice(&read("ledger-proofs.json")).unwrap();
    let types: Vec<&str> = proofs["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry_type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"interview.act") && types.contains(&"evidence.intake"),
        "{types:?}"
    );

    // One byte of the stored recording changes: the export stops and says which file.
    let sha = files.iter().find(|f| f["kind"] == "recording").unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = app
        .settings
        .evidence_dir
        .join(format!("sha256/{}/{}/{sha}", &sha[0..2], &sha[2..4]));
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let r = cm
        .client
        .get(app.url(&format!("/staff/interviews/{i}/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("封存导出被阻止") && page.contains("询问录像.wav") && page.contains("sha256"),
        "{page}"
    );
    let custody = app.store.custody_events(&rec_id).await.unwrap();
    let kinds: Vec<&str> = custody.iter().map(|c| c.kind.as_str()).collect();
    assert!(
        kinds.contains(&"export") && kinds.last() == Some(&"verify_failed"),
        "{kinds:?}"
    );
}

/// Checks `package` offline with the deployment's public key.
fn check(package: &[u8], key: &qinglian_ledger::NoteVerifier) -> qinglian_web::sealed_check::PackageReport {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), package).unwrap();
    qinglian_web::sealed_check::check(f.path(), key).unwrap()
}

/// The package rewritten: each entry through `change` (which may alter its bytes), plus `extra`.
fn rezip(package: &[u8], change: impl Fn(&str, Vec<u8>) -> Vec<u8>, extra: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package.to_vec())).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        out.start_file(name.clone(), opts).unwrap();
        std::io::Write::write_all(&mut out, &change(&name, bytes)).unwrap();
    }
    if let Some((name, bytes)) = extra {
        out.start_file(name, opts).unwrap();
        std::io::Write::write_all(&mut out, bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The recipient's check: intact passes; an altered file, an added file, an altered file with
/// the manifest rewritten to match, and the wrong public key are each caught and named.
fn packages_are_checked_as_the_recipient_would(app: &common::TestApp, package: &[u8]) {
    use qinglian_web::sealed_check::Problem;
    let key = qinglian_web::ledger::load_signer(&app.settings.ledger_key_path)
        .unwrap()
        .verifier()
        .clone();
    let intact = check(package, &key);
    assert!(intact.problems.is_empty(), "{:?}", intact.problems);
    assert_eq!(intact.files, 3);
    assert!(intact.entries_proven >= 12, "{intact:?}");

    let manifest: serde_json::Value = {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package.to_vec())).unwrap();
        let mut s = String::new();
        zip.by_name("manifest.json").unwrap().read_to_string(&mut s).unwrap();
        serde_json::from_str(&s).unwrap()
    };
    let recording = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "recording")
        .unwrap()
        .clone();
    let rec_path = recording["path"].as_str().unwrap().to_owned();
    let flip = |name: &str, mut b: Vec<u8>| {
        if name == rec_path {
            b[200] ^= 0x01;
        }
        b
    };
    let altered = check(&rezip(package, flip, None), &key);
    assert!(
        altered
            .problems
            .iter()
            .any(|p| matches!(p, Problem::Mismatch { path, which: "SHA-256", .. } if *path == rec_path)),
        "{:?}",
        altered.problems
    );

    // Whoever alters the recording and rewrites the manifest and sums to match is caught by
    // the log: the intake entry commits to the original digests.
    let new_bytes = {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package.to_vec())).unwrap();
        let mut b = Vec::new();
        zip.by_name(&rec_path).unwrap().read_to_end(&mut b).unwrap();
        flip(&rec_path, b)
    };
    let digests = qinglian_store::evidence::Digests::of(&new_bytes);
    let (old_sha, old_sm3) = (
        recording["sha256"].as_str().unwrap().to_owned(),
        recording["sm3"].as_str().unwrap().to_owned(),
    );
    let forged = rezip(
        package,
        |name, b| {
            let b = flip(name, b);
            if name == "manifest.json" || name == "SHA256SUMS" {
                String::from_utf8(b)
                    .unwrap()
                    .replace(&old_sha, &digests.sha256_hex())
                    .replace(&old_sm3, &digests.sm3_hex())
                    .into_bytes()
            } else {
                b
            }
        },
        None,
    );
    let forged = check(&forged, &key);
    assert_eq!(forged.problems, [Problem::Unproven { path: rec_path.clone() }]);

    let added = check(
        &rezip(package, |_, b| b, Some(("files/99-other-note.txt", b"later"))),
        &key,
    );
    assert_eq!(
        added.problems,
        [Problem::Unlisted {
            path: "files/99-other-note.txt".into()
        }]
    );

    let stranger =
        qinglian_ledger::NoteSigner::generate(&app.settings.ledger_origin, qinglian_ledger::SignatureType::Ed25519)
            .unwrap();
    let wrong_key = check(package, stranger.verifier());
    assert!(
        matches!(wrong_key.problems.as_slice(), [Problem::Checkpoint { .. }]),
        "{:?}",
        wrong_key.problems
    );
}

#[tokio::test]
async fn sealed_export_on_sqlite() {
    sealed_export_of_a_finished_interview(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn sealed_export_on_postgres() {
    sealed_export_of_a_finished_interview(common::spawn_postgres().await).await;
}
