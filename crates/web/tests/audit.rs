//! The audit trail through the application: who did what is recorded with the request's
//! operation id, refusals too, and only the auditor reads and exports it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use qinglian_store::model::{AuditFilter, PageRequest};
use serde_json::json;

async fn actions(app: &common::TestApp) -> Vec<(String, String, String)> {
    let page = app
        .store
        .list_audit(&AuditFilter::default(), PageRequest::new(1, 200))
        .await
        .unwrap();
    page.items
        .into_iter()
        .map(|e| (e.action, e.actor_name, e.result))
        .collect()
}

#[tokio::test]
async fn changes_refusals_and_sign_ins_are_recorded_with_the_operation_id() {
    let app = common::spawn_sqlite().await;
    let admin = app.sign_in("admin").await;
    let r = admin
        .post_json(
            app.url("/api/v1/townships"),
            json!({"division_code": "990201009", "name": "北山乡"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let op = r.headers()["x-operation-id"].to_str().unwrap().to_owned();
    let filter = AuditFilter {
        action: Some("township.create".into()),
        actor: Some("管理员甲".into()),
        ..AuditFilter::default()
    };
    let rows = app
        .store
        .list_audit(&filter, PageRequest::new(1, 10))
        .await
        .unwrap()
        .items;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].actor_name.as_str(), rows[0].role.as_str()),
        ("管理员甲", "system_admin")
    );
    assert_eq!(
        rows[0].operation_id, op,
        "the audit row carries the request's operation id"
    );
    assert_eq!(rows[0].client_addr.as_deref(), Some("127.0.0.1"));

    let officer = app.sign_in("department").await;
    let r = officer
        .post_json(
            app.url("/api/v1/townships"),
            json!({"division_code": "990201008", "name": "南山乡"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    let wrong = common::client()
        .post(app.url("/login"))
        .form(&[("username", "leader"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let all = actions(&app).await;
    let has = |a: &str, who: &str, result: &str| all.iter().any(|(x, y, z)| x == a && y == who && z == result);
    assert!(has("access.denied", "经办戊", "denied"), "{all:?}");
    assert!(has("session.sign_in", "管理员甲", "ok"), "{all:?}");
    assert!(has("session.sign_in_refused", "sign-in", "failed"), "{all:?}");
}

#[tokio::test]
async fn only_the_auditor_reads_and_exports_the_trail_and_reading_is_recorded() {
    let app = common::spawn_sqlite().await;
    for who in ["admin", "leader", "casemanager"] {
        let s = app.sign_in(who).await;
        assert_eq!(
            s.client.get(app.url("/staff/audit")).send().await.unwrap().status(),
            403,
            "{who}"
        );
        assert_eq!(
            s.client
                .get(app.url("/staff/audit/export.xlsx"))
                .send()
                .await
                .unwrap()
                .status(),
            403,
            "{who}"
        );
    }
    let auditor = app.sign_in("auditor").await;
    let page = auditor
        .client
        .get(app.url("/staff/audit?action=access.denied"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("access.denied") && html.contains("管理员甲"),
        "the refusals above are listed"
    );
    let bad = auditor
        .client
        .get(app.url("/staff/audit?from=2026-13-01"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(bad.contains("日期格式应为 YYYY-MM-DD。"));

    let r = auditor
        .client
        .get(app.url("/staff/audit/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("审计日志").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][..4], ["时间", "操作人", "角色", "操作"].map(String::from));
    let denied = rows.iter().filter(|r| r[3] == "access.denied").count();
    assert_eq!(denied, 6, "three people were refused twice each");

    let all = actions(&app).await;
    assert!(all.iter().any(|(a, who, _)| a == "audit.view" && who == "审计己"));
    assert!(all.iter().any(|(a, who, _)| a == "audit.export" && who == "审计己"));
}

#[tokio::test]
async fn settings_refuse_a_retention_under_six_months() {
    let s = qinglian_web::Settings {
        audit_retention_days: 90,
        ..qinglian_web::Settings::default()
    };
    let e = s.validated().unwrap_err();
    assert!(e.to_string().contains("184"), "{e}");
}
