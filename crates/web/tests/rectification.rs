//! Rectification orders (督改单) over HTTP, from the township's and the attacker's side: the
//! county records the party secretary, a draft signed by one post is not issued, nobody signs
//! twice, another township sees nothing (404), roles without the right are refused (403), bad
//! input is a structured error (or a Chinese form message) and writes nothing, the second
//! post's signature issues the order, follow-ups end in a verified completion, every write is
//! in the audit trail and the log, and the PDF is the official document.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use qinglian_domain::org::{StaffInput, VillageInput};
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
use serde_json::{Value, json};

struct World {
    /// 党委书记甲: a township official posted to the east township, recorded as its party secretary.
    party_secretary: String,
    /// 干部乙: another official of the east township, who holds neither post.
    official: String,
    /// 书记丁: the fixture's discipline secretary of the east township.
    secretary: String,
    /// A village of the west township.
    west_village: String,
}

async fn world(app: &common::TestApp) -> World {
    let a = Actor::system("test");
    let f = &app.fixture;
    let hash = qinglian_web::password::hash(&qinglian_web::password::Password::new(common::PASSWORD)).unwrap();
    let mut ids = Vec::new();
    for (username, name) in [("partysec", "党委书记甲"), ("official", "干部乙")] {
        let s = app
            .store
            .create_staff(
                &a,
                &StaffInput::parse(name, "village_liaison", Some(&f.township_east), Some(&f.township_east)).unwrap(),
            )
            .await
            .unwrap();
        app.store.create_account(&a, &s.id, username, &hash).await.unwrap();
        ids.push(s.id);
    }
    let secretary = app
        .store
        .all_staff()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "书记丁")
        .unwrap()
        .id;
    let west_village = app
        .store
        .create_village(&a, &VillageInput::parse("990201002201", "西岭村").unwrap())
        .await
        .unwrap()
        .id;
    World {
        party_secretary: ids[0].clone(),
        official: ids[1].clone(),
        secretary,
        west_village,
    }
}

fn codes(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive()
}

async fn send(s: &common::Session, method: reqwest::Method, url: String, body: Value) -> (u16, Value) {
    let r = s
        .client
        .request(method, url)
        .header("x-csrf-token", &s.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn order_story(app: common::TestApp) {
    let w = world(&app).await;
    let f = app.fixture.clone();
    let cm = app.sign_in("casemanager").await;
    let party = app.sign_in("partysec").await;
    let official = app.sign_in("official").await;
    let secretary = app.sign_in("secretary").await;
    let west = app.sign_in("liaison").await;
    let post_url = app.url(&format!("/api/v1/townships/{}/party-secretary", f.township_east));

    // The party secretary is someone posted there, and not the discipline secretary.
    let (s, body) = send(
        &cm,
        reqwest::Method::PUT,
        post_url.clone(),
        json!({"staff_id": w.secretary}),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (
            422,
            vec!["rectification.party_secretary_is_discipline_secretary".to_owned()]
        )
    );
    let west_liaison = app
        .store
        .all_staff()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "联村癸")
        .unwrap()
        .id;
    let (s, body) = send(
        &cm,
        reqwest::Method::PUT,
        post_url.clone(),
        json!({"staff_id": west_liaison}),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.party_secretary_not_posted".to_owned()])
    );
    let (s, _) = send(
        &secretary,
        reqwest::Method::PUT,
        post_url.clone(),
        json!({"staff_id": w.party_secretary}),
    )
    .await;
    assert_eq!(s, 403, "a township secretary does not edit the org");
    let (s, body) = send(
        &cm,
        reqwest::Method::PUT,
        post_url,
        json!({"staff_id": w.party_secretary}),
    )
    .await;
    assert_eq!((s, body["staff_name"].as_str()), (200, Some("党委书记甲")), "{body}");

    // Bad input: every problem named, nothing written.
    let orders = app.url("/api/v1/rectification-orders");
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let due = (today() + chrono::Duration::days(30)).to_string();
    let (s, body) = send(
        &party,
        reqwest::Method::POST,
        orders.clone(),
        json!({"village_id": f.village_east, "problem": "  ", "actions": "三十日内完成征收", "deadline": yesterday}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        codes(&body),
        vec!["text.empty", "rectification.deadline_past"],
        "{body}"
    );
    assert_eq!(body["fields"][1]["message"], "整改时限不能早于今天。");
    for village in ["00000000-0000-7000-8000-000000000000", w.west_village.as_str()] {
        let (s, body) = send(
            &party,
            reqwest::Method::POST,
            orders.clone(),
            json!({"village_id": village, "problem": "宅基地征收搁置近一年", "actions": "三十日内完成征收", "deadline": due}),
        )
        .await;
        assert_eq!(
            (s, codes(&body)),
            (422, vec!["rectification.village_unknown".to_owned()]),
            "{village}"
        );
    }
    let (s, body) = cm.get_json(orders.clone()).await;
    assert_eq!(
        (s, body["total"].as_i64()),
        (200, Some(0)),
        "refused drafts wrote nothing"
    );

    // Roles without the right: 403, whatever the body.
    let good = json!({"village_id": f.village_east, "problem": "宅基地征收搁置近一年，群众反映强烈", "actions": "一、三十日内完成征收补偿\n二、结果张榜公示", "deadline": due});
    for who in ["casemanager", "auditor", "department", "admin"] {
        let s = app.sign_in(who).await;
        let (status, _) = send(&s, reqwest::Method::POST, orders.clone(), good.clone()).await;
        assert_eq!(status, 403, "{who} drafts");
    }
    for who in ["auditor", "department", "admin", "inspector"] {
        let s = app.sign_in(who).await;
        let (status, _) = s.get_json(orders.clone()).await;
        assert_eq!(status, 403, "{who} lists");
    }

    let (s, order) = send(&party, reqwest::Method::POST, orders.clone(), good).await;
    assert_eq!(s, 201, "{order}");
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(order["state"], "draft");
    assert_eq!(
        order["number"],
        format!("督改〔{}〕1号", chrono::Datelike::year(&today()))
    );
    assert_eq!(order["village_name"], "上坪村");
    let one = app.url(&format!("/api/v1/rectification-orders/{id}"));
    let sign = app.url(&format!("/api/v1/rectification-orders/{id}/sign-offs"));
    let follow = app.url(&format!("/api/v1/rectification-orders/{id}/follow-ups"));

    // Another township: nothing to see, nothing to sign, as if there were no such order.
    let (s, _) = west.get_json(one.clone()).await;
    assert_eq!(s, 404);
    let (s, _) = send(&west, reqwest::Method::POST, sign.clone(), json!({})).await;
    assert_eq!(s, 404);
    let (s, body) = west.get_json(orders.clone()).await;
    assert_eq!((s, body["total"].as_i64()), (200, Some(0)));
    let r = west
        .client
        .get(app.url(&format!("/staff/rectification/{id}/order.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Holding neither post: refused, the rule named.
    let (s, body) = send(&official, reqwest::Method::POST, sign.clone(), json!({})).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.signer_not_post_holder".to_owned()])
    );

    // One signature leaves a draft; the same person cannot sign again; no follow-up yet.
    let (s, body) = send(&party, reqwest::Method::POST, sign.clone(), json!({"version": 1})).await;
    assert_eq!((s, body["state"].as_str()), (200, Some("draft")), "{body}");
    assert_eq!(body["sign_offs"][0]["post"], "party_secretary");
    assert_eq!(body["sign_offs"][0]["staff_name"], "党委书记甲");
    let (s, body) = send(&party, reqwest::Method::POST, sign.clone(), json!({})).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.same_signer_twice".to_owned()])
    );
    let (s, body) = send(
        &party,
        reqwest::Method::POST,
        follow.clone(),
        json!({"kind": "progress", "text": "已开会"}),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.rule_follow_up_needs_issue".to_owned()])
    );

    // A stale version is a conflict; the current one issues the order.
    let (s, body) = send(&secretary, reqwest::Method::POST, sign.clone(), json!({"version": 1})).await;
    assert_eq!((s, body["code"].as_str()), (409, Some("conflict")), "{body}");
    let (s, body) = send(&secretary, reqwest::Method::POST, sign.clone(), json!({"version": 2})).await;
    assert_eq!((s, body["state"].as_str()), (200, Some("issued")), "{body}");
    let posts: Vec<&str> = body["sign_offs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["post"].as_str().unwrap())
        .collect();
    assert_eq!(posts, vec!["party_secretary", "discipline_secretary"]);
    assert_ne!(body["sign_offs"][0]["staff_id"], body["sign_offs"][1]["staff_id"]);
    assert!(body["issued_at"].is_string());
    let (s, body) = send(&secretary, reqwest::Method::POST, sign.clone(), json!({})).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.rule_sign_only_draft".to_owned()])
    );

    // Follow-up until the completion is verified by a post holder, after the village's reply.
    let step = |kind: &str, text: &str| json!({"kind": kind, "text": text});
    let (s, _) = send(
        &official,
        reqwest::Method::POST,
        follow.clone(),
        step("progress", "已召开村民代表会议，补偿方案公示中"),
    )
    .await;
    assert_eq!(s, 200);
    let (s, body) = send(
        &secretary,
        reqwest::Method::POST,
        follow.clone(),
        step("completion_verified", "验收"),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.rule_verify_needs_reply".to_owned()])
    );
    let (s, body) = send(&official, reqwest::Method::POST, follow.clone(), step("tick", "")).await;
    assert_eq!(s, 422);
    assert_eq!(codes(&body), vec!["rectification.follow_up_unknown", "text.empty"]);
    let (s, _) = send(
        &official,
        reqwest::Method::POST,
        follow.clone(),
        step("village_reply", "村委会回复：征收补偿已全部发放"),
    )
    .await;
    assert_eq!(s, 200);
    let (s, body) = send(
        &official,
        reqwest::Method::POST,
        follow.clone(),
        step("completion_verified", "验收"),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.verifier_not_post_holder".to_owned()])
    );
    let (s, body) = send(
        &secretary,
        reqwest::Method::POST,
        follow.clone(),
        step("completion_verified", "现场核验，补偿到位"),
    )
    .await;
    assert_eq!((s, body["state"].as_str()), (200, Some("completed")), "{body}");
    assert_eq!(body["follow_ups"].as_array().unwrap().len(), 3);
    let (s, body) = send(&party, reqwest::Method::POST, follow.clone(), step("progress", "补记")).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.rule_completed".to_owned()])
    );

    // The county's supervisors read it; the read is audited.
    let (s, body) = cm.get_json(one.clone()).await;
    assert_eq!((s, body["state"].as_str()), (200, Some("completed")));

    // Every write is in the audit trail (a hash, never the problem's text) and the log.
    let trail = app
        .store
        .list_audit(
            &AuditFilter {
                object_id: Some(id.clone()),
                ..Default::default()
            },
            PageRequest::new(1, 200),
        )
        .await
        .unwrap()
        .items;
    let mut actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    actions.sort();
    actions.dedup();
    assert_eq!(
        actions,
        vec![
            "rectification_order.draft",
            "rectification_order.follow_up",
            "rectification_order.sign",
            "rectification_order.view"
        ]
    );
    let writes = trail.iter().filter(|e| e.action != "rectification_order.view").count();
    assert_eq!(writes, 1 + 2 + 3, "one row per draft, signature and follow-up");
    for e in &trail {
        let d = e.detail.clone().unwrap_or_default();
        assert!(
            !d.contains("宅基地") && !d.contains("补偿"),
            "confidential text in the trail: {d}"
        );
    }
    qinglian_web::ledger::integrate(&app.state()).await.unwrap();
    let entries = app.store.ledger_entries_for(&id).await.unwrap();
    assert_eq!(entries.len(), trail.len(), "one log entry per audited act on the order");

    // The official document: a PDF any reader within reach downloads.
    let r = cm
        .client
        .get(app.url(&format!("/staff/rectification/{id}/order.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));

    // The pages: the list shows it; a bad draft shows the form again with the Chinese message.
    let page = secretary
        .client
        .get(app.url("/staff/rectification"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("督改〔") && page.contains("已验收"), "{page}");
    let r = party
        .post_form(
            app.url("/staff/rectification"),
            &[
                ("village_id", &f.village_east),
                ("problem", ""),
                ("actions", "整改"),
                ("deadline", &yesterday),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("整改时限不能早于今天。") && page.contains("不能为空。"),
        "{page}"
    );
    let (_, body) = cm.get_json(orders.clone()).await;
    assert_eq!(body["total"].as_i64(), Some(1), "the refused form wrote nothing");
    let r = party
        .post_form(
            app.url("/staff/rectification"),
            &[
                ("village_id", &f.village_east),
                ("problem", "村务公开栏长期未更新"),
                ("actions", "十日内更新"),
                ("deadline", &due),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let page = party
        .client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("督改〔") && page.contains("2号") && page.contains("草稿（待签署）"),
        "{page}"
    );
    let r = official.post_form(app.url(&format!("{location}/sign")), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("只有本乡镇的党委书记或纪委书记可以签署。")
    );
    let r = party.post_form(app.url(&format!("{location}/sign")), &[]).await;
    assert_eq!(r.status(), 303);
    let r = secretary.post_form(app.url(&format!("{location}/sign")), &[]).await;
    assert_eq!(r.status(), 303);
    let page = cm
        .client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("已下发") && page.contains("党委书记甲") && page.contains("书记丁"),
        "{page}"
    );
    let r = official
        .post_form(
            app.url(&format!("{location}/follow-ups")),
            &[("kind", "progress"), ("text", "公开栏已清理")],
        )
        .await;
    assert_eq!(r.status(), 303);
}

/// An order issued with a deadline that has passed is flagged overdue, in the list and the filter.
async fn overdue(app: common::TestApp) {
    use qinglian_domain::rectification::order::OrderInput;
    let w = world(&app).await;
    let f = app.fixture.clone();
    let everything = qinglian_domain::scope::Reach::everything();
    let cm = app.sign_in("casemanager").await;
    app.store
        .set_party_secretary(&Actor::system("test"), &f.township_east, &w.party_secretary)
        .await
        .unwrap();
    let as_ = |staff_id: &str| Actor {
        staff_id: Some(staff_id.to_owned()),
        ..Actor::system("test")
    };
    // Drafted and signed three weeks ago, due two weeks ago.
    let then = today() - chrono::Duration::days(21);
    let input = OrderInput::parse(
        &f.village_east,
        "村级工程结算资料缺失",
        "补齐资料",
        &(then + chrono::Duration::days(7)).to_string(),
        then,
    )
    .unwrap();
    let late = app
        .store
        .draft_rectification_order(&as_(&w.official), &everything, &input, then)
        .await
        .unwrap();
    let draft = app
        .store
        .draft_rectification_order(&as_(&w.official), &everything, &input, then)
        .await
        .unwrap();
    for s in [&w.party_secretary, &w.secretary] {
        app.store
            .sign_rectification_order(&as_(s), &everything, &late.order.id, None, then)
            .await
            .unwrap();
    }
    let (_, body) = cm.get_json(app.url("/api/v1/rectification-orders?overdue=1")).await;
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![late.order.id.as_str()],
        "only the issued one is overdue; a draft is not in force"
    );
    assert_eq!(body["items"][0]["overdue"], true);
    let (_, body) = cm.get_json(app.url("/api/v1/rectification-orders")).await;
    assert_eq!(body["total"], 2);
    let flagged: Vec<bool> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["overdue"].as_bool().unwrap())
        .collect();
    assert_eq!(flagged.iter().filter(|f| **f).count(), 1);
    let page = cm
        .client
        .get(app.url(&format!("/staff/rectification/{}", late.order.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("order-overdue"), "{page}");
    let page = cm
        .client
        .get(app.url(&format!("/staff/rectification/{}", draft.order.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("order-overdue"));
}

#[tokio::test]
async fn rectification_orders_on_sqlite() {
    order_story(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn rectification_orders_on_postgres() {
    order_story(common::spawn_postgres().await).await;
}

#[tokio::test]
async fn overdue_orders_on_sqlite() {
    overdue(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn overdue_orders_on_postgres() {
    overdue(common::spawn_postgres().await).await;
}
