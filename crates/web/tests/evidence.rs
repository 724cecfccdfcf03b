//! Evidence uploads over HTTP against the real server, on SQLite and PostgreSQL: cut off and
//! resumed, lying clients, the same file twice, a full disk, a killed process, path tricks in
//! names, and the attacker's side. Each test checks what a user would: the offset the server
//! reports, the digests it answers with, the bytes it gives back, and what is (not) evidence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use common::{Session, TestApp};
use qinglian_store::evidence::{Digests, VerifyError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const UPLOADS: &str = "/api/v1/evidence/uploads";

/// Bytes that do not repeat in any short period, like a recording.
fn recording(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Starts an upload; returns its path (`Location`).
async fn create(app: &TestApp, s: &Session, len: usize, meta: &[(&str, &str)]) -> reqwest::Response {
    let meta: Vec<String> = meta.iter().map(|(k, v)| format!("{k} {}", b64(v))).collect();
    s.client
        .post(app.url(UPLOADS))
        .header("x-csrf-token", &s.csrf)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", len.to_string())
        .header("upload-metadata", meta.join(","))
        .send()
        .await
        .unwrap()
}

async fn start(app: &TestApp, s: &Session, len: usize, meta: &[(&str, &str)]) -> String {
    let r = create(app, s, len, meta).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(header(&r, "tus-resumable"), "1.0.0");
    header(&r, "location")
}

async fn head(app: &TestApp, s: &Session, path: &str) -> (u16, Option<u64>) {
    let r = s
        .client
        .head(app.url(path))
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    let offset = r
        .headers()
        .get("upload-offset")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (r.status().as_u16(), offset)
}

async fn patch(app: &TestApp, s: &Session, path: &str, offset: u64, bytes: Vec<u8>) -> reqwest::Response {
    s.client
        .patch(app.url(path))
        .header("x-csrf-token", &s.csrf)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", offset.to_string())
        .header("content-type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn evidence_total(app: &TestApp, s: &Session) -> i64 {
    let (status, body) = s.get_json(app.url("/api/v1/evidence")).await;
    assert_eq!(status, 200);
    body["total"].as_i64().unwrap()
}

fn staged_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.settings.evidence_dir.join("incoming"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every stored blob, as paths under the evidence folder.
fn blobs(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.settings.evidence_dir.join("sha256"), &mut out);
    out
}

/// The session cookie and CSRF token of a fresh sign-in, for hand-made HTTP requests.
async fn raw_session(app: &TestApp, username: &str) -> (String, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(app.url("/login"))
        .form(&[("username", username), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("ql_session="))
        .unwrap();
    let page = client
        .get(app.url("/staff"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("\"x-csrf-token\": \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    (cookie, csrf)
}

/// A PATCH written by hand on a socket: `declared` bytes announced, `sent` written, then
/// (when `hang_up`) the connection is dropped without reading the answer, like a client
/// losing its network. `chunked` sends the body without a Content-Length.
async fn raw_patch(
    app: &TestApp,
    (cookie, csrf): &(String, String),
    path: &str,
    offset: u64,
    declared: usize,
    sent: &[u8],
    chunked: bool,
) -> Option<String> {
    let addr = app.base.trim_start_matches("http://");
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let length = if chunked {
        "transfer-encoding: chunked".to_owned()
    } else {
        format!("content-length: {declared}")
    };
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nhost: {addr}\r\ncookie: {cookie}\r\nx-csrf-token: {csrf}\r\ntus-resumable: 1.0.0\r\n\
         upload-offset: {offset}\r\ncontent-type: application/offset+octet-stream\r\n{length}\r\nconnection: close\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    if chunked {
        sock.write_all(format!("{:x}\r\n", sent.len()).as_bytes())
            .await
            .unwrap();
        sock.write_all(sent).await.unwrap();
        sock.write_all(b"\r\n0\r\n\r\n").await.unwrap();
    } else {
        sock.write_all(sent).await.unwrap();
    }
    if sent.len() < declared {
        // Hang up mid-body.
        sock.shutdown().await.unwrap();
        drop(sock);
        return None;
    }
    let mut answer = String::new();
    sock.read_to_string(&mut answer).await.unwrap();
    Some(answer)
}

/// Waits until the server has taken in what a dropped connection delivered.
async fn settled_offset(app: &TestApp, s: &Session, path: &str, expect: u64) -> u64 {
    let mut last = None;
    for _ in 0..100 {
        let (status, offset) = head(app, s, path).await;
        assert_eq!(status, 200);
        if offset == Some(expect) {
            return expect;
        }
        last = offset;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("offset stayed at {last:?}, expected {expect}");
}

async fn cut_off_then_resumed(app: TestApp) {
    let s = app.sign_in("casemanager").await;
    let raw = raw_session(&app, "casemanager").await;
    let data = recording(3 << 20, 1);
    let digests = Digests::of(&data);
    let path = start(
        &app,
        &s,
        data.len(),
        &[
            ("filename", "询问录像-王某.mp4"),
            ("filetype", "video/mp4"),
            ("sha256", &digests.sha256_hex()),
            ("sm3", &digests.sm3_hex()),
        ],
    )
    .await;
    assert_eq!(head(&app, &s, &path).await, (200, Some(0)));

    // The network fails after 1 MiB of the 3.
    let first = 1 << 20;
    assert!(
        raw_patch(&app, &raw, &path, 0, data.len(), &data[..first], false)
            .await
            .is_none()
    );
    settled_offset(&app, &s, &path, first as u64).await;
    assert_eq!(evidence_total(&app, &s).await, 0, "a partial upload is not evidence");

    // Resuming from a wrong offset is refused with the right one.
    let r = patch(&app, &s, &path, 0, data[..10].to_vec()).await;
    assert_eq!(r.status(), 409);
    assert_eq!(header(&r, "tus-resumable"), "1.0.0");

    // The client resumes where the server says, and completes.
    let r = patch(&app, &s, &path, first as u64, data[first..].to_vec()).await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
    assert_eq!(header(&r, "upload-offset"), data.len().to_string());
    assert_eq!(header(&r, "x-content-sha256"), digests.sha256_hex());
    assert_eq!(header(&r, "x-content-sm3"), digests.sm3_hex());
    let id = header(&r, "x-evidence-id");
    assert_eq!(header(&r, "location"), format!("/api/v1/evidence/{id}"));
    assert_eq!(head(&app, &s, &path).await.0, 404, "the upload is over");
    assert!(staged_files(&app).is_empty());

    let (status, file) = s.get_json(app.url(&format!("/api/v1/evidence/{id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(file["original_name"], "询问录像-王某.mp4");
    assert_eq!(file["size"], data.len());
    assert_eq!(file["sha256"], digests.sha256_hex());
    assert_eq!(file["uploader_name"], "案管丙");
    assert!(file.get("storage_key").is_none());

    let r = s
        .client
        .get(app.url(&format!("/api/v1/evidence/{id}/content")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-length"), data.len().to_string());
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    assert_eq!(header(&r, "x-content-sha256"), digests.sha256_hex());
    assert!(header(&r, "content-disposition").starts_with("attachment;"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), data.as_slice());

    let (_, chain) = s.get_json(app.url(&format!("/api/v1/evidence/{id}/custody"))).await;
    let kinds: Vec<&str> = chain
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["intake", "access", "download"]);
    assert_eq!(
        chain[0]["detail"],
        format!(
            "sha256:{} sm3:{} size:{}",
            digests.sha256_hex(),
            digests.sm3_hex(),
            data.len()
        )
    );
    // The intake is in the tamper-evident log, naming the file.
    let entries = app.store.ledger_entries_for(&id).await.unwrap();
    let state = app.state();
    qinglian_web::ledger::integrate(&state).await.unwrap();
    let entries_after = app.store.ledger_entries_for(&id).await.unwrap();
    assert!(entries.len() <= entries_after.len());
    assert_eq!(entries_after[0].entry_type, "evidence.intake");
}

async fn lying_clients(app: TestApp) {
    let s = app.sign_in("casemanager").await;
    let raw = raw_session(&app, "casemanager").await;
    let data = recording(1000, 2);

    // More bytes than declared, with a Content-Length: refused before reading.
    let path = start(&app, &s, data.len(), &[("filename", "a.wav")]).await;
    let mut more = data.clone();
    more.extend_from_slice(b"extra");
    let r = patch(&app, &s, &path, 0, more.clone()).await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["fields"][0]["code"], "evidence.length_exceeded");
    assert_eq!(head(&app, &s, &path).await, (200, Some(0)));
    // … and streamed without one: cut back to where it was.
    let answer = raw_patch(&app, &raw, &path, 0, more.len(), &more, true).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    assert_eq!(head(&app, &s, &path).await, (200, Some(0)));
    let on_disk = std::fs::metadata(
        app.settings
            .evidence_dir
            .join("incoming")
            .join(path.rsplit('/').next().unwrap()),
    )
    .unwrap();
    assert_eq!(on_disk.len(), 0, "nothing of the refused PATCH stays on disk");

    // Fewer bytes than announced, then a claim to be done: still 600 of 1000, not evidence.
    assert!(
        raw_patch(&app, &raw, &path, 0, 1000, &data[..600], false)
            .await
            .is_none()
    );
    settled_offset(&app, &s, &path, 600).await;
    let r = patch(&app, &s, &path, 1000, Vec::new()).await;
    assert_eq!(r.status(), 409);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "upload_offset");
    assert_eq!(evidence_total(&app, &s).await, 0);

    // A declared digest that the bytes do not match: refused, nothing kept or recorded.
    let other = Digests::of(b"a different recording");
    let path = start(
        &app,
        &s,
        data.len(),
        &[("filename", "b.wav"), ("sha256", &other.sha256_hex())],
    )
    .await;
    let r = patch(&app, &s, &path, 0, data.clone()).await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "sha256");
    assert_eq!(body["fields"][0]["code"], "evidence.digest_mismatch");
    assert!(
        body["fields"][0]["message"].as_str().unwrap().contains("摘要"),
        "{body}"
    );
    assert_eq!(head(&app, &s, &path).await.0, 404);
    assert_eq!(evidence_total(&app, &s).await, 0);
    assert!(blobs(&app).is_empty(), "no blob kept for a refused file");
    let refused = app
        .store
        .list_audit(
            &qinglian_store::model::AuditFilter {
                action: Some("evidence.intake".into()),
                ..Default::default()
            },
            qinglian_store::model::PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(refused.items[0].result, "failed");

    // Protocol mistakes are named.
    let r = s
        .client
        .post(app.url(UPLOADS))
        .header("x-csrf-token", &s.csrf)
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let path = start(&app, &s, 10, &[]).await;
    let r = s
        .client
        .patch(app.url(&path))
        .header("x-csrf-token", &s.csrf)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(
        create(&app, &s, 0, &[]).await.status(),
        422,
        "an empty file is no evidence"
    );
    let r = s
        .client
        .delete(app.url(&path))
        .header("x-csrf-token", &s.csrf)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(head(&app, &s, &path).await.0, 404);
}

async fn same_file_twice_stored_once(app: TestApp) {
    let s = app.sign_in("casemanager").await;
    let data = recording(200_000, 3);
    let mut ids = Vec::new();
    for name in ["第一次.mp4", "第二次.mp4"] {
        let path = start(&app, &s, data.len(), &[("filename", name)]).await;
        let r = patch(&app, &s, &path, 0, data.clone()).await;
        assert_eq!(r.status(), 204);
        ids.push(header(&r, "x-evidence-id"));
    }
    assert_ne!(ids[0], ids[1], "two intakes, each on the record");
    assert_eq!(evidence_total(&app, &s).await, 2);
    let stored = blobs(&app);
    assert_eq!(stored.len(), 1, "one copy of the bytes: {stored:?}");
    assert_eq!(std::fs::read(&stored[0]).unwrap(), data);
    assert!(stored[0].ends_with(Digests::of(&data).sha256_hex()));
}

/// A small tmpfs, unmounted when dropped.
struct TinyDisk(tempfile::TempDir);

impl TinyDisk {
    fn mount(bytes: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok,
            "the full-disk test mounts a small tmpfs and needs the right to mount (run as root, \
             or in a container with CAP_SYS_ADMIN)"
        );
        Self(dir)
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

async fn full_disk_then_recovered(app: TestApp) {
    let s = app.sign_in("casemanager").await;
    let disk = &app.settings.evidence_dir;
    // Most of the 4 MiB disk is taken by something else.
    let ballast = disk.join("ballast");
    std::fs::write(&ballast, vec![0u8; 3 << 20]).unwrap();
    let data = recording(2 << 20, 4);
    let path = start(&app, &s, data.len(), &[("filename", "long.mp4")]).await;
    let r = patch(&app, &s, &path, 0, data.clone()).await;
    assert_eq!(r.status(), 507);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "storage_full");
    assert!(body["message"].as_str().unwrap().contains("存储空间已满"), "{body}");
    assert!(!body["operation_id"].as_str().unwrap().is_empty());
    assert!(staged_files(&app).is_empty(), "the partial file is gone");
    assert_eq!(head(&app, &s, &path).await.0, 404);
    assert_eq!(evidence_total(&app, &s).await, 0, "nothing recorded");
    assert!(blobs(&app).is_empty());

    // Space is freed: the same upload now goes through.
    std::fs::remove_file(&ballast).unwrap();
    let path = start(&app, &s, data.len(), &[("filename", "long.mp4")]).await;
    let r = patch(&app, &s, &path, 0, data.clone()).await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
    assert_eq!(evidence_total(&app, &s).await, 1);
}

async fn killed_during_upload(mut app: TestApp) {
    let s = app.sign_in("casemanager").await;
    let data = recording(1 << 20, 5);
    let digests = Digests::of(&data);
    let path = start(
        &app,
        &s,
        data.len(),
        &[("filename", "中断.mp4"), ("sha256", &digests.sha256_hex())],
    )
    .await;
    let half = data.len() / 2;
    assert_eq!(patch(&app, &s, &path, 0, data[..half].to_vec()).await.status(), 204);
    // The process dies after writing bytes it never acknowledged.
    let staged = app
        .settings
        .evidence_dir
        .join("incoming")
        .join(path.rsplit('/').next().unwrap());
    let mut f = std::fs::OpenOptions::new().append(true).open(&staged).unwrap();
    std::io::Write::write_all(&mut f, b"garbage written before the crash").unwrap();
    drop(f);
    let abandoned = start(&app, &s, data.len(), &[("filename", "放弃.mp4")]).await;
    assert_eq!(
        patch(&app, &s, &abandoned, 0, data[..1000].to_vec()).await.status(),
        204
    );
    app.restart().await;

    assert_eq!(evidence_total(&app, &s).await, 0, "no partial file counts as evidence");
    assert_eq!(head(&app, &s, &path).await, (200, Some(half as u64)));
    let r = patch(&app, &s, &path, half as u64, data[half..].to_vec()).await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
    assert_eq!(
        header(&r, "x-content-sha256"),
        digests.sha256_hex(),
        "the prefix was hashed again from disk"
    );
    assert_eq!(header(&r, "x-content-sm3"), digests.sm3_hex());

    // The upload nobody resumed is removed once it expires.
    let state = app.state();
    let later = chrono::Utc::now() + chrono::Duration::days(2);
    assert_eq!(state.evidence.cleanup(&app.store, later).await.unwrap(), 1);
    assert_eq!(head(&app, &s, &abandoned).await.0, 404);
    assert!(staged_files(&app).is_empty());
    assert_eq!(evidence_total(&app, &s).await, 1);
}

async fn path_tricks_in_names(app: TestApp) {
    let s = app.sign_in("casemanager").await;
    let data = recording(5000, 6);
    for (given, kept) in [
        ("../../../etc/passwd", "passwd"),
        ("/var/lib/qinglian/evil.mp4", "evil.mp4"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("..", "unnamed"),
    ] {
        let path = start(&app, &s, data.len(), &[("filename", given)]).await;
        let r = patch(&app, &s, &path, 0, data.clone()).await;
        assert_eq!(r.status(), 204);
        let id = header(&r, "x-evidence-id");
        let (_, file) = s.get_json(app.url(&format!("/api/v1/evidence/{id}"))).await;
        assert_eq!(file["original_name"], kept, "{given}");
        let r = s
            .client
            .get(app.url(&format!("/api/v1/evidence/{id}/content")))
            .send()
            .await
            .unwrap();
        let cd = header(&r, "content-disposition");
        assert!(!cd.contains('/') && !cd.contains('\\') && !cd.contains(".."), "{cd}");
    }
    for bad in ["a\0b.mp4", "bad\u{202E}4pm.exe", &"长".repeat(100)] {
        let r = create(&app, &s, data.len(), &[("filename", bad)]).await;
        assert_eq!(r.status(), 422, "{bad:?}");
    }
    // The store holds only content-addressed blobs: no client name reached the disk.
    let root = app.settings.evidence_dir.parent().unwrap();
    for name in ["passwd", "evil.mp4", "win.ini"] {
        assert!(!root.join(name).exists() && !app.settings.evidence_dir.join(name).exists());
    }
    assert!(blobs(&app).iter().all(|p| p.file_name().unwrap().len() == 64));
    assert!(!std::path::Path::new("/var/lib/qinglian/evil.mp4").exists());
}

async fn attackers_side(app: TestApp) {
    let owner = app.sign_in("casemanager").await;
    let data = recording(4000, 7);
    let path = start(&app, &owner, data.len(), &[("filename", "x.mp4")]).await;
    let half = patch(&app, &owner, &path, 0, data[..2000].to_vec()).await;
    assert_eq!(half.status(), 204);

    // No session: 401 everywhere.
    let anon = common::client();
    let r = anon
        .post(app.url(UPLOADS))
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = anon
        .patch(app.url(&path))
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "2000")
        .header("content-type", "application/offset+octet-stream")
        .body(data[2000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Roles without the capability: 403, even the administrator and the auditor.
    for who in ["admin", "auditor", "department"] {
        let s = app.sign_in(who).await;
        assert_eq!(create(&app, &s, 10, &[]).await.status(), 403, "{who}");
        assert_eq!(s.get_json(app.url("/api/v1/evidence")).await.0, 403, "{who}");
    }

    // Someone else's upload id is not found, whatever they try.
    let other = app.sign_in("office").await;
    assert_eq!(head(&app, &other, &path).await.0, 404);
    assert_eq!(
        patch(&app, &other, &path, 2000, data[2000..].to_vec()).await.status(),
        404
    );
    let r = other
        .client
        .delete(app.url(&path))
        .header("x-csrf-token", &other.csrf)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A forged CSRF token is refused.
    let r = owner
        .client
        .patch(app.url(&path))
        .header("x-csrf-token", "forged")
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "2000")
        .header("content-type", "application/offset+octet-stream")
        .body(data[2000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        head(&app, &owner, &path).await,
        (200, Some(2000)),
        "untouched by all of that"
    );

    let r = patch(&app, &owner, &path, 2000, data[2000..].to_vec()).await;
    let id = header(&r, "x-evidence-id");
    // A township secretary sees only what they took in themselves.
    let secretary = app.sign_in("secretary").await;
    for suffix in ["", "/content", "/custody"] {
        let url = app.url(&format!("/api/v1/evidence/{id}{suffix}"));
        assert_eq!(secretary.get_json(url).await.0, 404, "{suffix}");
    }
    assert_eq!(evidence_total(&app, &secretary).await, 0);
    let mine = start(&app, &secretary, data.len(), &[("filename", "乡镇.mp4")]).await;
    assert_eq!(patch(&app, &secretary, &mine, 0, data.clone()).await.status(), 204);
    assert_eq!(evidence_total(&app, &secretary).await, 1);
    assert_eq!(
        evidence_total(&app, &owner).await,
        2,
        "the case manager sees the county's"
    );
}

async fn altered_byte_fails_verification(app: TestApp) {
    let s = app.sign_in("casemanager").await;
    let data = recording(500_000, 8);
    let path = start(&app, &s, data.len(), &[("filename", "被改动的录像.mp4")]).await;
    let id = header(&patch(&app, &s, &path, 0, data.clone()).await, "x-evidence-id");
    let state = app.state();
    let actor = qinglian_store::model::Actor::system("verify");
    let report = qinglian_store::evidence::verify_all(&*app.store, &*state.evidence.blobs, &actor, &|_| {})
        .await
        .unwrap();
    assert!(report.failures.is_empty());

    let blob = &blobs(&app)[0];
    let mut bytes = std::fs::read(blob).unwrap();
    bytes[123_456] ^= 0x20;
    std::fs::write(blob, bytes).unwrap();
    let report = qinglian_store::evidence::verify_all(&*app.store, &*state.evidence.blobs, &actor, &|_| {})
        .await
        .unwrap();
    let first = &report.failures[0];
    assert_eq!(first.file_id(), Some(id.as_str()));
    assert!(matches!(first, VerifyError::Mismatch(m) if m.which == "sha256"));
    assert!(first.to_string().contains("被改动的录像.mp4"), "{first}");
    let (_, chain) = s.get_json(app.url(&format!("/api/v1/evidence/{id}/custody"))).await;
    let kinds: Vec<&str> = chain
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["intake", "verify_ok", "verify_failed"]);
}

macro_rules! on_both {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story(super::common::spawn_sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story(super::common::spawn_postgres().await).await;
                }
            )*
        }
    };
}

on_both!(
    cut_off_then_resumed,
    lying_clients,
    same_file_twice_stored_once,
    killed_during_upload,
    attackers_side,
    altered_byte_fails_verification,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_is_a_clear_error_and_recovers() {
    let disk = TinyDisk::mount(4 << 20);
    let dir = disk.0.path().to_path_buf();
    let app = common::spawn_with(qinglian_testkit::sqlite().await, move |s| s.evidence_dir = dir).await;
    full_disk_then_recovered(app).await;
    drop(disk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_tricks_in_file_names() {
    path_tricks_in_names(common::spawn_sqlite().await).await;
}
