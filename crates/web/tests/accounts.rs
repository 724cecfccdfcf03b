//! Account administration and password changes, including what they must refuse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use qinglian_domain::org::StaffInput;
use qinglian_store::model::Actor;

async fn sign_in_with(app: &common::TestApp, username: &str, password: &str) -> u16 {
    common::client()
        .post(app.url("/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_administrator_creates_disables_and_enables_accounts() {
    let app = common::spawn_sqlite().await;
    let staff = app
        .store
        .create_staff(
            &Actor::system("test"),
            &StaffInput::parse("新同事", "supervision_office", None, None).unwrap(),
        )
        .await
        .unwrap();
    let admin = app.sign_in("admin").await;
    let page = admin
        .client
        .get(app.url("/staff/admin/accounts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("新同事"), "staff without an account are offered");
    assert!(!page.contains("$argon2"), "hashes never reach a page");

    let weak = admin
        .post_form(
            app.url("/staff/admin/accounts"),
            &[
                ("staff_id", staff.id.as_str()),
                ("username", "xin"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("密码至少 12 个字符。"));
    let bad_name = admin
        .post_form(
            app.url("/staff/admin/accounts"),
            &[
                ("staff_id", staff.id.as_str()),
                ("username", "Xin Tong"),
                ("password", "青岚溪水长流不息-2026"),
            ],
        )
        .await;
    assert_eq!(bad_name.status(), 422);
    let taken = admin
        .post_form(
            app.url("/staff/admin/accounts"),
            &[
                ("staff_id", staff.id.as_str()),
                ("username", "admin"),
                ("password", "青岚溪水长流不息-2026"),
            ],
        )
        .await;
    assert_eq!(taken.status(), 422);
    assert!(taken.text().await.unwrap().contains("该用户名已存在。"));

    let ok = admin
        .post_form(
            app.url("/staff/admin/accounts"),
            &[
                ("staff_id", staff.id.as_str()),
                ("username", "xin.tong"),
                ("password", "青岚溪水长流不息-2026"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    assert_eq!(sign_in_with(&app, "xin.tong", "青岚溪水长流不息-2026").await, 303);

    let accounts = app.store.list_accounts().await.unwrap();
    let id = accounts.iter().find(|a| a.username == "xin.tong").unwrap().id.clone();
    let r = admin
        .post_form(app.url(&format!("/staff/admin/accounts/{id}/disable")), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        sign_in_with(&app, "xin.tong", "青岚溪水长流不息-2026").await,
        401,
        "a disabled account cannot sign in"
    );
    let r = admin
        .post_form(app.url(&format!("/staff/admin/accounts/{id}/enable")), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(sign_in_with(&app, "xin.tong", "青岚溪水长流不息-2026").await, 303);

    // The administrator cannot lock themselves out.
    let me = accounts.iter().find(|a| a.username == "admin").unwrap().id.clone();
    let r = admin
        .post_form(app.url(&format!("/staff/admin/accounts/{me}/disable")), &[])
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn disabling_ends_open_sessions_and_others_cannot_administer() {
    let app = common::spawn_sqlite().await;
    let victim = app.sign_in("leader").await;
    assert_eq!(
        victim
            .client
            .get(app.url("/api/v1/townships"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let admin = app.sign_in("admin").await;
    let id = app
        .store
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "leader")
        .unwrap()
        .id;
    admin
        .post_form(app.url(&format!("/staff/admin/accounts/{id}/disable")), &[])
        .await;
    assert_eq!(
        victim
            .client
            .get(app.url("/api/v1/townships"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let auditor = app.sign_in("auditor").await;
    assert_eq!(
        auditor
            .client
            .get(app.url("/staff/admin/accounts"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let r = auditor
        .post_form(app.url(&format!("/staff/admin/accounts/{id}/enable")), &[])
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        app.store
            .list_accounts()
            .await
            .unwrap()
            .iter()
            .any(|a| a.username == "leader" && a.disabled)
    );
}

#[tokio::test]
async fn changing_a_password_checks_the_old_one_and_ends_other_sessions() {
    let app = common::spawn_sqlite().await;
    let other_device = app.sign_in("leader").await;
    let s = app.sign_in("leader").await;
    let post = |current: &str, new: &str, repeat: &str| {
        s.client.post(app.url("/account/password")).form(&[
            ("_csrf", s.csrf.as_str()),
            ("current", current),
            ("new", new),
            ("repeat", repeat),
        ])
    };
    let r = post("wrong", "新的长密码溪水长流-2026", "新的长密码溪水长流-2026")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("当前密码不正确。"));
    let r = post(common::PASSWORD, "新的长密码溪水长流-2026", "不一样的密码-2026-abc")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("两次输入的新密码不一致。"));
    let r = post(common::PASSWORD, "leader-is-my-name", "leader-is-my-name")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("密码不能包含用户名。"));
    let r = post(common::PASSWORD, "新的长密码溪水长流-2026", "新的长密码溪水长流-2026")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("password-changed"));

    assert_eq!(
        s.client
            .get(app.url("/api/v1/townships"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "this session stays"
    );
    assert_eq!(
        other_device
            .client
            .get(app.url("/api/v1/townships"))
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "others end"
    );
    assert_eq!(sign_in_with(&app, "leader", common::PASSWORD).await, 401);
    assert_eq!(sign_in_with(&app, "leader", "新的长密码溪水长流-2026").await, 303);
}
