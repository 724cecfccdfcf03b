//! The JSON API and the operations endpoints, through real HTTP against the real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, spawn_postgres, spawn_sqlite};
use serde_json::{Value, json};

async fn township_count(app: &TestApp) -> usize {
    app.store.list_townships().await.unwrap().len()
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_sqlite().await;
    let c = common::client();
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "ok".to_owned()));
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    let metrics = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("qinglian_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_api_needs_a_session() {
    let app = spawn_sqlite().await;
    let r = common::client().get(app.url("/api/v1/townships")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");
    assert_eq!(body["message"], "请先登录。");
    assert_eq!(body["operation_id"].as_str().map(str::len), Some(32));
    // Staff pages send the user to sign in.
    let r = common::client()
        .get(app.url("/staff/org/townships"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
}

#[tokio::test]
async fn sign_in_sets_a_strict_cookie_and_wrong_passwords_fail() {
    let app = spawn_sqlite().await;
    let c = common::client();
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.text().await.unwrap().contains("用户名或密码错误"));
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "nobody"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("ql_session="));
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let (status, _) = common::Session {
        client: c,
        csrf: String::new(),
    }
    .get_json(app.url("/api/v1/townships"))
    .await;
    assert_eq!(status, 200);
}

async fn org_story(app: TestApp) {
    let s = app.sign_in("admin").await;
    let r = s
        .post_json(
            app.url("/api/v1/townships"),
            json!({"division_code": "990201003", "name": "南湖街道"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    assert_eq!(
        (t["division_code"].as_str(), t["kind"].as_str()),
        (Some("990201003000"), Some("street"))
    );
    let tid = t["id"].as_str().unwrap().to_owned();

    let r = s
        .post_json(
            app.url("/api/v1/villages"),
            json!({"division_code": "990201003201", "name": "湖滨社区"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["township_id"].as_str(), v["kind"].as_str()),
        (Some(tid.as_str()), Some("community"))
    );

    let (status, list) = s
        .get_json(app.url(&format!("/api/v1/villages?township_id={tid}")))
        .await;
    assert_eq!((status, list["total"].as_i64()), (200, Some(1)));
    let r = s
        .client
        .patch(app.url(&format!("/api/v1/villages/{}", v["id"].as_str().unwrap())))
        .header("x-csrf-token", &s.csrf)
        .json(&json!({"name": "湖滨村"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["kind"], "village");

    let r = s
        .post_json(
            app.url("/api/v1/stationed-groups"),
            json!({"code": "pz01", "name": "派驻第一纪检监察组", "department_ids": [app.fixture.department]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let g: Value = r.json().await.unwrap();
    assert_eq!(g["departments"][0]["code"], "zhujian");

    let r = s
        .post_json(
            app.url("/api/v1/zones"),
            json!({"name": "第一协作区", "kind": "townships", "leader_staff_id": app.fixture.leader,
                   "liaison_office_id": app.fixture.office, "member_ids": [app.fixture.township_east, tid]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let (_, townships) = s.get_json(app.url("/api/v1/townships")).await;
    let zoned: Vec<&str> = townships
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["zone_name"] == "第一协作区")
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(zoned, vec!["东溪镇", "南湖街道"]);

    let r = s
        .post_json(app.url("/api/v1/staff"), json!({"name": "新书记", "role": "township_secretary", "posting_unit_id": tid, "home_township_id": app.fixture.township_west}))
        .await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (p["posting_unit_name"].as_str(), p["home_township_name"].as_str()),
        (Some("南湖街道"), Some("西岭乡"))
    );
}

#[tokio::test]
async fn org_story_on_sqlite() {
    org_story(spawn_sqlite().await).await;
}

#[tokio::test]
async fn org_story_on_postgres() {
    org_story(spawn_postgres().await).await;
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_field_and_writes_nothing() {
    let app = spawn_sqlite().await;
    let s = app.sign_in("admin").await;
    let before = township_count(&app).await;
    let url = app.url("/api/v1/townships");

    let r = s
        .client
        .post(url.clone())
        .header("x-csrf-token", &s.csrf)
        .header("content-type", "application/json")
        .body("{\"division_code\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "bad_request");

    let r = s
        .post_json(url.clone(), json!({"division_code": 990201009, "name": "x"}))
        .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("division_code")
    );

    let r = s
        .post_json(
            url.clone(),
            json!({"division_code": "990201009", "name": "x", "extra": 1}),
        )
        .await;
    assert_eq!(r.status(), 400);

    let r = s
        .post_json(url.clone(), json!({"division_code": "9902010", "name": ""}))
        .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<(&str, &str)> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![("division_code", "division_code.length"), ("name", "name.empty")]
    );
    assert_eq!(body["fields"][0]["message"], "区划代码应为 2、4、6、9 或 12 位数字。");

    let r = s
        .post_json(
            url.clone(),
            json!({"division_code": "990201001201", "name": "村级代码"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["fields"][0]["code"],
        "division_code.not_township"
    );

    let r = s
        .post_json(url.clone(), json!({"division_code": "990299001", "name": "外县镇"}))
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["fields"][0]["code"],
        "division_code.outside_county"
    );

    let r = s
        .post_json(url.clone(), json!({"division_code": "990201001", "name": "重复镇"}))
        .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["fields"][0]["field"].as_str()),
        (Some("conflict"), Some("division_code"))
    );

    let huge = "村".repeat(700_000);
    let r = s
        .post_json(url.clone(), json!({"division_code": "990201009", "name": huge}))
        .await;
    assert_eq!(r.status(), 413);

    let (status, body) = s.get_json(app.url("/api/v1/townships/no-such-id")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = s.get_json(app.url("/api/v1/no/such/route")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, _) = s.get_json(app.url("/api/v1/villages?page=abc")).await;
    assert_eq!(status, 400);

    let r = s
        .post_json(
            app.url("/api/v1/zones"),
            json!({"name": "坏协作区", "kind": "townships", "leader_staff_id": app.fixture.leader,
        "liaison_office_id": app.fixture.office, "member_ids": [app.fixture.department]}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["fields"][0]["code"],
        "zone.member_wrong_kind"
    );
    assert!(
        s.get_json(app.url("/api/v1/zones"))
            .await
            .1
            .as_array()
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        township_count(&app).await,
        before,
        "a refused request left a row behind"
    );
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let app = spawn_sqlite().await;
    let s = app.sign_in("admin").await;
    let before = township_count(&app).await;
    let body = json!({"division_code": "990201009", "name": "北山乡"});
    let r = s
        .client
        .post(app.url("/api/v1/townships"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "csrf");
    let r = s
        .client
        .post(app.url("/api/v1/townships"))
        .header("x-csrf-token", "0".repeat(64))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .client
        .post(app.url("/staff/org/townships"))
        .form(&[("division_code", "990201009"), ("name", "北山乡")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(township_count(&app).await, before);
    let r = s
        .post_form(
            app.url("/staff/org/townships"),
            &[("division_code", "990201009"), ("name", "北山乡")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(township_count(&app).await, before + 1);
}

#[tokio::test]
async fn only_org_editors_change_the_org() {
    let app = spawn_sqlite().await;
    for who in ["secretary", "auditor", "leader", "liaison", "inspector"] {
        let s = app.sign_in(who).await;
        let (status, _) = s.get_json(app.url("/api/v1/townships")).await;
        assert_eq!(status, 200, "{who} reads the org");
        let r = s
            .post_json(
                app.url("/api/v1/townships"),
                json!({"division_code": "990201009", "name": "北山乡"}),
            )
            .await;
        assert_eq!(r.status(), 403, "{who} must not create townships");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "forbidden");
    }
    let s = app.sign_in("casemanager").await;
    let r = s
        .post_json(
            app.url("/api/v1/townships"),
            json!({"division_code": "990201009", "name": "北山乡"}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = spawn_sqlite().await;
    let s = app.sign_in("admin").await;
    let r = s.post_form(app.url("/logout"), &[]).await;
    assert_eq!(r.status(), 303);
    let (status, _) = s.get_json(app.url("/api/v1/townships")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn portal_articles_are_public_sanitised_and_counted() {
    use qinglian_domain::article::ArticleInput;
    let app = spawn_sqlite().await;
    let a = ArticleInput::parse(
        "integrity_class",
        "廉政课堂第一讲",
        "县纪委监委",
        "宣传部",
        "<p>守纪律<script>alert(1)</script></p>",
    )
    .unwrap();
    let published = app
        .store
        .create_article(&qinglian_store::model::Actor::system("test"), &a)
        .await
        .unwrap();
    app.store
        .set_published(
            &qinglian_store::model::Actor::system("test"),
            &published.id,
            true,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let draft = app
        .store
        .create_article(&qinglian_store::model::Actor::system("test"), &a)
        .await
        .unwrap();

    let c = common::client();
    let list: Value = c
        .get(app.url("/api/v1/articles?column=integrity_class"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    for expected in [1, 2] {
        let one: Value = c
            .get(app.url(&format!("/api/v1/articles/{}", published.id)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(one["view_count"], expected);
    }
    assert_eq!(
        c.get(app.url(&format!("/api/v1/articles/{}", draft.id)))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let page = c
        .get(app.url(&format!("/articles/{}", published.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<p>守纪律</p>") && !page.contains("<script>alert"),
        "{page}"
    );
    assert!(page.contains("廉政课堂") && page.contains("浏览次数"));
    let r = c.get(app.url("/api/v1/articles?column=gossip")).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn openapi_and_swagger_ui_are_served_offline() {
    let app = spawn_sqlite().await;
    let c = common::client();
    let doc: Value = c
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/townships",
        "/api/v1/villages/{id}",
        "/api/v1/zones",
        "/api/v1/staff",
        "/api/v1/divisions/{code}",
        "/api/v1/articles",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI lacks {path}");
    }
    let ui = c.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().to_lowercase().contains("swagger"));
}

#[tokio::test]
async fn pages_show_chinese_errors_and_keep_the_form() {
    let app = spawn_sqlite().await;
    let s = app.sign_in("admin").await;
    let r = s
        .post_form(
            app.url("/staff/org/townships"),
            &[("division_code", "99020"), ("name", "北山乡")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("区划代码应为 2、4、6、9 或 12 位数字。"), "{page}");
    assert!(page.contains("value=\"北山乡\""), "the form keeps what was typed");
    let r = common::client().get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("找不到该页面或记录"));
    let r = common::client()
        .get(app.url("/"))
        .header("accept-language", "en-GB,en")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Sign in"));
}

#[tokio::test]
async fn pages_forbid_framing_sniffing_and_foreign_scripts() {
    let app = spawn_sqlite().await;
    let r = common::client().get(app.url("/")).send().await.unwrap();
    let h = r.headers();
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let js = common::client()
        .get(app.url("/assets/htmx.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(js.text().await.unwrap().starts_with("var htmx="));
}

#[tokio::test]
async fn a_department_officer_does_not_reach_the_staff_pages_or_the_org() {
    let app = spawn_sqlite().await;
    let s = app.sign_in("department").await;
    let home = s.client.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(home.status(), 200, "they have a workbench");
    let html = home.text().await.unwrap();
    assert!(
        !html.contains("count-townships") && !html.contains("/staff/org/townships"),
        "but no org overview or links"
    );
    for path in [
        "/staff/org/townships",
        "/staff/org/staff",
        "/staff/org/zones",
        "/staff/org/villages",
    ] {
        assert_eq!(
            s.client.get(app.url(path)).send().await.unwrap().status(),
            403,
            "{path}"
        );
    }
    for path in ["/api/v1/townships", "/api/v1/staff", "/api/v1/zones"] {
        assert_eq!(s.get_json(app.url(path)).await.0, 403, "{path}");
    }
}
