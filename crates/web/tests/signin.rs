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

fn form_client() -> reqwest::Client {
    common::client()
}

async fn password_step(app: &common::TestApp, c: &reqwest::Client, username: &str) -> String {
    let r = c
        .post(app.url("/login"))
        .form(&[("username", username), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    r.headers()["location"].to_str().unwrap().to_owned()
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    s.split(start).nth(1).and_then(|r| r.split(end).next()).unwrap_or("")
}

#[tokio::test]
async fn a_role_can_be_made_to_use_a_second_factor_and_codes_are_not_replayable() {
    let app = common::spawn_sqlite().await;
    let admin = app.sign_in("admin").await;
    let r = admin
        .post_form(app.url("/staff/admin/security"), &[("require_totp", "case_manager")])
        .await;
    assert_eq!(r.status(), 303);
    let page = admin
        .client
        .get(app.url("/staff/admin/security"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches(" checked>").count(), 1);

    // First sign-in after the rule: enrol.
    let c = form_client();
    assert_eq!(password_step(&app, &c, "casemanager").await, "/login/totp");
    assert_eq!(
        c.get(app.url("/api/v1/townships")).send().await.unwrap().status(),
        401,
        "password alone signs nobody in"
    );
    let page = c
        .get(app.url("/login/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = between(&page, "<code id=\"totp-secret\">", "</code>").to_owned();
    let csrf = between(&page, "name=\"_csrf\" value=\"", "\"").to_owned();
    assert_eq!(secret.len(), 32, "{page}");
    let r = c
        .post(app.url("/login/totp"))
        .form(&[("_csrf", csrf.as_str()), ("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let now = chrono::Utc::now().timestamp() as u64;
    let code = qinglian_web::totp::code_at(&secret, now).unwrap();
    let r = c
        .post(app.url("/login/totp"))
        .form(&[("_csrf", "wrong"), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "the code form needs its CSRF token");
    let r = c
        .post(app.url("/login/totp"))
        .form(&[("_csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, "/staff")
    );
    assert_eq!(c.get(app.url("/api/v1/townships")).send().await.unwrap().status(), 200);

    // Second sign-in: the enrolled secret is asked for, not shown, and the same code is refused.
    let c2 = form_client();
    assert_eq!(password_step(&app, &c2, "casemanager").await, "/login/totp");
    let page = c2
        .get(app.url("/login/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("totp-secret"),
        "the secret is shown only while enrolling"
    );
    let csrf = between(&page, "name=\"_csrf\" value=\"", "\"").to_owned();
    let r = c2
        .post(app.url("/login/totp"))
        .form(&[("_csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a used code is not accepted again");
    let next = qinglian_web::totp::code_at(&secret, now + 30).unwrap();
    let r = c2
        .post(app.url("/login/totp"))
        .form(&[("_csrf", csrf.as_str()), ("code", next.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // Roles without the rule are not asked.
    assert_eq!(password_step(&app, &form_client(), "leader").await, "/staff");
}

#[tokio::test]
async fn only_the_system_administrator_sets_the_policy() {
    let app = common::spawn_sqlite().await;
    for who in ["casemanager", "auditor", "leader"] {
        let s = app.sign_in(who).await;
        assert_eq!(
            s.client
                .get(app.url("/staff/admin/security"))
                .send()
                .await
                .unwrap()
                .status(),
            403,
            "{who}"
        );
        let r = s
            .post_form(app.url("/staff/admin/security"), &[("require_totp", "auditor")])
            .await;
        assert_eq!(r.status(), 403, "{who}");
    }
    assert!(app.store.roles_requiring_totp().await.unwrap().is_empty());
}

#[tokio::test]
async fn expired_and_idle_sessions_sign_nobody_in() {
    use sha2::Digest;
    let app = common::spawn_sqlite().await;
    let account = app.store.find_account("leader").await.unwrap().unwrap();
    let now = chrono::Utc::now();
    let hash = |t: &str| hex::encode(sha2::Sha256::digest(t.as_bytes()));
    // One past its absolute end, one idle for longer than the idle time-out.
    app.store
        .create_session(
            &hash("expired-token"),
            &account.id,
            "csrf",
            now - chrono::Duration::hours(13),
            now - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    app.store
        .create_session(
            &hash("idle-token"),
            &account.id,
            "csrf",
            now - chrono::Duration::hours(2),
            now + chrono::Duration::hours(10),
        )
        .await
        .unwrap();
    for token in ["expired-token", "idle-token"] {
        let r = common::client()
            .get(app.url("/api/v1/townships"))
            .header("cookie", format!("ql_session={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{token}");
    }
}
