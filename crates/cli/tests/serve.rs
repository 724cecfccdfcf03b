//! The binary as a user runs it: `serve --demo` on a fresh folder (its completed interview
//! exported, the package and the evidence store verified), and a production start
//! that refuses the published demo password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn qinglian(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qinglian"));
    c.current_dir(dir)
        .env("QINGLIAN_LISTEN", "127.0.0.1:0")
        .env("QINGLIAN_LOG", "warn")
        .env_remove("QINGLIAN_DATABASE_URL");
    c
}

/// Reads the child's standard output until `want` appears, or fails after a while.
fn read_until(out: &mut impl BufRead, want: &str) -> Vec<String> {
    let started = Instant::now();
    let mut lines = Vec::new();
    while started.elapsed() < Duration::from_secs(120) {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let done = line.contains(want);
        lines.push(line);
        if done {
            return lines;
        }
    }
    panic!("never saw {want:?}; got {lines:?}");
}

#[test]
fn serve_demo_creates_the_data_folder_prints_accounts_and_production_start_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = qinglian(dir.path())
        .args(["serve", "--demo"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = read_until(&mut out, "is serving on http://127.0.0.1:");
    lines.extend(read_until(&mut out, "Press Ctrl-C"));
    let text = lines.concat();
    assert!(text.contains("password: qinglian-demo"), "{text}");
    for user in ["leader", "casemanager", "secretary", "auditor", "admin"] {
        assert!(text.contains(user), "{user} is listed: {text}");
    }
    let url = text
        .split("serving on ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let health = reqwest_blocking_get(&format!("{url}healthz"));
    assert_eq!(health, "ok");

    // The demo's completed remote interview: the case manager takes its sealed export.
    let interview = text
        .split("/staff/interviews/")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("the demo names its completed interview")
        .to_owned();
    let package = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(sealed_export(&url, &interview));
    assert!(package.starts_with(b"PK"), "a ZIP package");
    let package_path = dir.path().join("sealed.zip");
    std::fs::write(&package_path, &package).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    // The store verifies whole, and the package checks as the trial department would check it.
    let out = qinglian(dir.path()).args(["evidence", "verify"]).output().unwrap();
    let verify = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success()
            && verify.contains("checked 2 evidence files")
            && verify.contains("all evidence files match"),
        "{verify} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = qinglian(dir.path())
        .args(["evidence", "verify-package"])
        .arg(&package_path)
        .output()
        .unwrap();
    let checked = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && checked.contains("3 files") && checked.contains("intact"),
        "{checked} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same package with one byte of the recording changed is refused, naming the file.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
    let mut altered = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        if name.ends_with(".wav") {
            bytes[1000] ^= 0x20;
        }
        altered
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut altered, &bytes).unwrap();
    }
    std::fs::write(&package_path, altered.finish().unwrap().into_inner()).unwrap();
    let out = qinglian(dir.path())
        .args(["evidence", "verify-package"])
        .arg(&package_path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("询问录音.wav") && err.contains("SHA-256"),
        "{err}"
    );
    assert!(
        dir.path().join("qinglian-data/qinglian.db").exists(),
        "the data folder is created"
    );

    // The demo's changes are in the log: sign now, verify the whole log, prove an entry.
    let out = qinglian(dir.path()).args(["ledger", "checkpoint"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = qinglian(dir.path()).args(["ledger", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("verified:"),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = qinglian(dir.path())
        .args(["ledger", "prove", "--index", "0"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("inclusion of entry 0 in the tree of ") && text.lines().count() > 5,
        "{text}"
    );
    let out = qinglian(dir.path()).args(["ledger", "init"]).output().unwrap();
    assert!(!out.status.success(), "a second init must not replace the key");

    let refused = qinglian(dir.path()).arg("serve").output().unwrap();
    assert!(
        !refused.status.success(),
        "a production start must refuse the demo password"
    );
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("演示账号仍使用公开的演示密码") && err.contains("admin"),
        "{err}"
    );
}

/// Signs in as the demo's case manager and downloads the interview's sealed export.
async fn sealed_export(base: &str, interview: &str) -> Vec<u8> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{base}login"))
        .form(&[("username", "casemanager"), ("password", "qinglian-demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the case manager signs in");
    let r = client
        .get(format!("{base}staff/interviews/{interview}/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the sealed export is given");
    r.bytes().await.unwrap().to_vec()
}

/// A tiny HTTP GET over a plain socket, to keep the test free of an async runtime.
fn reqwest_blocking_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body.split("\r\n\r\n").nth(1).unwrap_or("").trim().to_owned()
}
