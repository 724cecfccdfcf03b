//! Sign-in from the attacker's side: guessing, lockout, planted and malformed cookies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

async fn attempt(app: &common::TestApp, username: &str, password: &str) -> (u16, String) {
    let r = common::client()
        .post(app.url("/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_for_the_right_one() {
    let app = common::spawn_sqlite().await;
    for i in 1..=4 {
        let (status, body) = attempt(&app, "admin", "guess").await;
        assert_eq!(status, 401, "attempt {i}");
        assert!(body.contains("用户名或密码错误"));
    }
    let (status, body) = attempt(&app, "ADMIN", "guess").await;
    assert_eq!(status, 429, "the fifth failure locks, whatever the case of the name");
    assert!(body.contains("尝试次数过多"), "{body}");
    let (status, _) = attempt(&app, "admin", common::PASSWORD).await;
    assert_eq!(status, 429, "the right password does not open a locked account");
    // Another account from the same address is not locked by this one's failures.
    let (status, _) = attempt(&app, "leader", common::PASSWORD).await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let app = common::spawn_sqlite().await;
    for _ in 0..4 {
        assert_eq!(attempt(&app, "admin", "guess").await.0, 401);
    }
    assert_eq!(attempt(&app, "admin", common::PASSWORD).await.0, 303);
    for _ in 0..4 {
        assert_eq!(attempt(&app, "admin", "guess").await.0, 401);
    }
    assert_eq!(attempt(&app, "admin", common::PASSWORD).await.0, 303);
}

#[tokio::test]
async fn oversized_and_odd_credentials_are_refused_cleanly() {
    let app = common::spawn_sqlite().await;
    let long_name = "a".repeat(65);
    assert_eq!(attempt(&app, &long_name, common::PASSWORD).await.0, 401);
    let long_password = "p".repeat(100_000);
    assert_eq!(attempt(&app, "admin", &long_password).await.0, 401);
    assert_eq!(attempt(&app, "", "").await.0, 401);
    assert_eq!(attempt(&app, "admin\u{202e}", common::PASSWORD).await.0, 401);
    let r = common::client()
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=%ZZ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_planted_session_id_is_never_promoted_and_bad_cookies_are_ignored() {
    let app = common::spawn_sqlite().await;
    let planted = "a".repeat(64);
    let r = common::client()
        .post(app.url("/login"))
        .header("cookie", format!("ql_session={planted}"))
        .form(&[("username", "admin"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(!set.contains(&planted), "sign-in must issue a fresh session id");
    for cookie in [
        format!("ql_session={planted}"),
        "ql_session=".to_owned(),
        "ql_session=%%%; x=1".to_owned(),
        "ql_session=\u{7f}".to_owned(),
    ] {
        let r = common::client()
            .get(app.url("/api/v1/townships"))
            .header("cookie", cookie.clone())
            .send()
            .await;
        let status = r.map(|r| r.status().as_u16()).unwrap_or(401);
        assert_eq!(status, 401, "cookie {cookie:?}");
    }
}
