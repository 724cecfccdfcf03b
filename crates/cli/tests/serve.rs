//! The binary as a user runs it: `serve --demo` on a fresh folder, and a production start
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
    child.kill().unwrap();
    child.wait().unwrap();
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
