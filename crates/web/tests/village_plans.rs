//! Village plans (一村一方案) over HTTP: a township opens a plan for its village and lists its
//! items, the owner submits evidence, a holder of one of the township's posts verifies or sends
//! it back, nobody ticks off their own work, a stale step is a conflict, another township sees
//! nothing, and a refused step writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use qinglian_domain::org::{StaffInput, VillageInput};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
use serde_json::{Value, json};

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

async fn post(s: &common::Session, url: String, body: Value) -> (u16, Value) {
    let r = s.post_json(url, body).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// An evidence file in the store, taken in by someone other than the item's owner.
async fn evidence_file(app: &common::TestApp) -> String {
    use qinglian_store::evidence::{BlobKey, BlobStore, Digests, LocalBlobs, NewEvidence};
    let dir = &app.settings.evidence_dir;
    let bytes = b"photo of the updated notice board".to_vec();
    let digests = Digests::of(&bytes);
    let key = BlobKey::for_sha256(&digests.sha256);
    std::fs::create_dir_all(dir.join("incoming")).unwrap();
    let staged = dir.join("incoming").join("plan-staged");
    std::fs::write(&staged, &bytes).unwrap();
    LocalBlobs::new(dir).put_file(&key, &staged).await.unwrap();
    let new = NewEvidence {
        digests,
        size: bytes.len() as u64,
        file_name: qinglian_domain::evidence::FileName::parse("filename", "公开栏.jpg").unwrap(),
        media_type: qinglian_domain::evidence::MediaType::parse("filetype", "image/jpeg").unwrap(),
        key,
    };
    app.store
        .record_intake(&Actor::system("test"), None, &new)
        .await
        .unwrap()
        .id
}

async fn plan_story(app: common::TestApp) {
    let a = Actor::system("test");
    let f = app.fixture.clone();
    let hash = qinglian_web::password::hash(&qinglian_web::password::Password::new(common::PASSWORD)).unwrap();
    let mut ids = Vec::new();
    for (username, name) in [("partysec", "党委书记甲"), ("official", "干部乙")] {
        let s = app
            .store
            .create_staff(
                &a,
                &StaffInput::parse(name, "village_liaison", Some(&f.township_east), None).unwrap(),
            )
            .await
            .unwrap();
        app.store.create_account(&a, &s.id, username, &hash).await.unwrap();
        ids.push(s.id);
    }
    app.store
        .set_party_secretary(&a, &f.township_east, &ids[0])
        .await
        .unwrap();
    let official_id = ids[1].clone();
    let west_village = app
        .store
        .create_village(&a, &VillageInput::parse("990201002201", "西岭村").unwrap())
        .await
        .unwrap()
        .id;
    let west_liaison = app
        .store
        .all_staff()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "联村癸")
        .unwrap()
        .id;
    let others_file = evidence_file(&app).await;
    let party = app.sign_in("partysec").await;
    let official = app.sign_in("official").await;
    let secretary = app.sign_in("secretary").await;
    let west = app.sign_in("liaison").await;
    let cm = app.sign_in("casemanager").await;

    // A plan answers a decided period that graded the village C, one plan per period; and
    // only for one's own village.
    let period = qinglian_testkit::c_period(app.store.as_ref(), "2026年第三季度", &[f.village_east.as_str()]).await;
    let plans = app.url("/api/v1/village-plans");
    let (s, body) = post(
        &party,
        plans.clone(),
        json!({"village_id": west_village, "period_id": period.id}),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.village_unknown".to_owned()])
    );
    let (s, _) = post(
        &cm,
        plans.clone(),
        json!({"village_id": f.village_east, "period_id": period.id}),
    )
    .await;
    assert_eq!(s, 403, "the county reads plans, the township makes them");
    let (s, body) = post(
        &party,
        plans.clone(),
        json!({"village_id": f.village_east, "period_id": "no-such"}),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.plan_period_unknown".to_owned()])
    );
    let (s, body) = post(
        &party,
        plans.clone(),
        json!({"village_id": f.village_east, "period_id": ""}),
    )
    .await;
    assert_eq!((s, codes(&body)), (422, vec!["field.required".to_owned()]));
    // The next period is open, not yet decided: no plan answers it.
    app.store.publish_period(&a, &period.id).await.unwrap();
    let open = app
        .store
        .open_period(
            &a,
            &qinglian_domain::rating::PeriodInput::parse("2026年10月", "monthly").unwrap(),
        )
        .await
        .unwrap();
    let (s, body) = post(
        &party,
        plans.clone(),
        json!({"village_id": f.village_east, "period_id": open.id}),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification.plan_period_undecided".to_owned()])
    );
    let (s, plan) = post(
        &party,
        plans.clone(),
        json!({"village_id": f.village_east, "period_id": period.id}),
    )
    .await;
    assert_eq!(s, 201, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    assert_eq!(plan["period_label"], "2026年第三季度");
    assert_eq!(plan["standing"], "awaiting");
    let (s, body) = post(
        &party,
        plans.clone(),
        json!({"village_id": f.village_east, "period_id": period.id}),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (409, vec!["conflict".to_owned()]),
        "one plan per village and period"
    );
    let listed = app
        .store
        .list_village_plans(&Reach::everything(), today())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "nothing half-made by the refusals");

    // Items: the owner works in the township; the deadline is not past.
    let items = app.url(&format!("/api/v1/village-plans/{plan_id}/items"));
    let due = (today() + chrono::Duration::days(20)).to_string();
    let item = |owner: &str, deadline: &str| json!({"title": "村务公开栏按月更新", "owner_staff_id": owner, "deadline": deadline, "expected_result": "公开栏内容与账目一致，按月更新"});
    let (s, body) = post(&party, items.clone(), item(&west_liaison, &due)).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.owner_not_posted".to_owned()])
    );
    let past = (today() - chrono::Duration::days(1)).to_string();
    let (s, body) = post(&party, items.clone(), item(&official_id, &past)).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.deadline_past".to_owned()])
    );
    let (s, body) = post(&party, items.clone(), item(&official_id, &due)).await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        1,
        "the refused items wrote nothing"
    );
    let item_id = body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["items"][0]["state"], "open");
    let acts = app.url(&format!("/api/v1/rectification-items/{item_id}/acts"));

    // The owner takes in a photo for the item; nobody else can, and bad files are refused
    // before anything is stored.
    let photo: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let upload = |who: &common::Session, name: &str, bytes: Vec<u8>| {
        let url = app.url(&format!(
            "/api/v1/rectification-items/{item_id}/files?name={}",
            utf8_percent_encode(name, NON_ALPHANUMERIC)
        ));
        let req = who
            .client
            .post(url)
            .header("x-csrf-token", &who.csrf)
            .header("content-type", "image/jpeg")
            .body(bytes);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let everything = Reach::everything();
    let viewer = qinglian_store::evidence::EvidenceViewer {
        account_id: "",
        reach: &everything,
    };
    let stored = || async {
        app.store
            .list_evidence(&viewer, PageRequest::new(1, 1))
            .await
            .unwrap()
            .total
    };
    let before = stored().await;
    let (s, body) = upload(&party, "公开栏.jpg", photo.clone()).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.rule_owner_submits".to_owned()])
    );
    let (s, _) = upload(&west, "公开栏.jpg", photo.clone()).await;
    assert_eq!(s, 404, "another township's item is unknown");
    let (s, _) = upload(&cm, "公开栏.jpg", photo.clone()).await;
    assert_eq!(s, 403);
    let (s, body) = upload(&official, "公开栏.jpg", Vec::new()).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.file_empty".to_owned()])
    );
    let (s, body) = upload(&official, "大.jpg", vec![0u8; 20 * 1024 * 1024 + 1]).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.file_too_large".to_owned()])
    );
    assert_eq!(stored().await, before, "nothing stored for a refused file");
    let (s, body) = upload(&official, "公开栏 照片.jpg", photo.clone()).await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["size"], json!(photo.len()));
    assert_eq!(body["name"], "公开栏 照片.jpg");
    let file = body["id"].as_str().unwrap().to_owned();
    // Someone else's file cannot be handed in as one's own.
    let (s, body) = post(
        &official,
        acts.clone(),
        json!({"kind": "submit", "text": "附照片", "file_ids": [others_file], "version": null}),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.file_not_yours".to_owned()])
    );

    // Another township: 404 on the plan, the item and the list; roles without the right: 403.
    let (s, _) = west
        .get_json(app.url(&format!("/api/v1/village-plans/{plan_id}")))
        .await;
    assert_eq!(s, 404);
    let (s, _) = post(&west, acts.clone(), json!({"kind": "submit", "text": "x"})).await;
    assert_eq!(s, 404);
    let (_, body) = west.get_json(plans.clone()).await;
    assert_eq!(body.as_array().map(Vec::len), Some(0));
    for who in ["auditor", "department", "admin"] {
        let (s, _) = app.sign_in(who).await.get_json(plans.clone()).await;
        assert_eq!(s, 403, "{who}");
    }
    let (s, body) = cm.get_json(plans.clone()).await;
    assert_eq!((s, body[0]["items"].as_i64()), (200, Some(1)));

    // Out of order, or by the wrong person: refused naming the rule, nothing written.
    let step = |kind: &str, text: &str, files: Vec<&str>, version: Option<i64>| json!({"kind": kind, "text": text, "file_ids": files, "version": version});
    let (s, body) = post(&secretary, acts.clone(), step("verify", "核验", vec![], None)).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.rule_verify_needs_submission".to_owned()])
    );
    let (s, body) = post(&party, acts.clone(), step("submit", "已更新", vec![], None)).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.rule_owner_submits".to_owned()])
    );
    let unknown = "00000000-0000-7000-8000-000000000000";
    let (s, body) = post(
        &official,
        acts.clone(),
        step("submit", "已更新公开栏", vec![unknown], None),
    )
    .await;
    assert_eq!((s, codes(&body)), (422, vec!["field.unknown_id".to_owned()]), "{body}");
    let (_, body) = cm.get_json(app.url(&format!("/api/v1/village-plans/{plan_id}"))).await;
    assert_eq!(
        body["items"][0]["version"], 1,
        "a refused submission leaves the item as it was"
    );
    assert_eq!(body["items"][0]["events"].as_array().unwrap().len(), 0);

    // The owner submits with evidence; nobody but a post holder verifies; a stale step conflicts.
    let (s, body) = post(
        &official,
        acts.clone(),
        step("submit", "已更新公开栏，附照片", vec![&file], Some(1)),
    )
    .await;
    assert_eq!(
        (s, body["items"][0]["state"].as_str()),
        (200, Some("submitted")),
        "{body}"
    );
    assert_eq!(body["items"][0]["events"][0]["file_ids"], json!([file]));
    assert_eq!(body["items"][0]["events"][0]["files"][0]["name"], "公开栏 照片.jpg");

    // The supervisor opens the photo from the plan page: the same bytes, a recorded download;
    // another township's liaison gets nothing.
    let page = secretary
        .client
        .get(app.url(&format!("/staff/village-plans/{plan_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = format!("/staff/rectification-items/{item_id}/files/{file}");
    assert!(page.contains(&link), "the plan page links the photo");
    let r = secretary.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), photo.as_slice());
    let r = west.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let other = format!("/staff/rectification-items/{item_id}/files/{others_file}");
    let r = secretary.client.get(app.url(&other)).send().await.unwrap();
    assert_eq!(
        r.status(),
        404,
        "a file not handed in on the item is not reachable through it"
    );
    let custody = app.store.custody_events(&file).await.unwrap();
    assert!(custody.iter().any(|c| c.kind == "download"), "{custody:?}");
    let (s, body) = post(&official, acts.clone(), step("verify", "自己核验", vec![], None)).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["rectification_item.rule_supervisor_only".to_owned()])
    );
    let (s, body) = post(
        &secretary,
        acts.clone(),
        step("send_back", "照片不清晰", vec![], Some(1)),
    )
    .await;
    assert_eq!((s, body["code"].as_str()), (409, Some("conflict")));
    let (s, body) = post(
        &secretary,
        acts.clone(),
        step("send_back", "照片不清晰，请补拍", vec![], Some(2)),
    )
    .await;
    assert_eq!((s, body["items"][0]["state"].as_str()), (200, Some("returned")));
    let (s, _) = post(&official, acts.clone(), step("submit", "已补拍照片", vec![&file], None)).await;
    assert_eq!(s, 200);
    let (s, body) = post(
        &party,
        acts.clone(),
        step("verify", "现场核验属实，予以销号", vec![], None),
    )
    .await;
    assert_eq!((s, body["items"][0]["state"].as_str()), (200, Some("closed")), "{body}");
    let (_, body) = cm.get_json(plans.clone()).await;
    assert_eq!(
        (body[0]["closed"].as_i64(), body[0]["items"].as_i64()),
        (Some(1), Some(1))
    );
    let (s, body) = post(
        &secretary,
        acts.clone(),
        step("reopen", "群众反映公开栏又停更", vec![], None),
    )
    .await;
    assert_eq!((s, body["items"][0]["state"].as_str()), (200, Some("reopened")));
    let kinds: Vec<&str> = body["items"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["submit", "send_back", "submit", "verify", "reopen"]);

    // Each accepted step is one audit row; the refused ones none.
    let trail = app
        .store
        .list_audit(
            &AuditFilter {
                object_id: Some(item_id.clone()),
                ..Default::default()
            },
            PageRequest::new(1, 200),
        )
        .await
        .unwrap()
        .items;
    let acted = trail.iter().filter(|e| e.action == "rectification_item.act").count();
    assert_eq!(acted, 5);

    // The page: the item's state, and a refused step shown in Chinese on the plan.
    let page = official
        .client
        .get(app.url(&format!("/staff/village-plans/{plan_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("已重新打开") && page.contains("村务公开栏按月更新"),
        "{page}"
    );
    let r = official
        .post_form(
            app.url(&format!("/staff/rectification-items/{item_id}/acts")),
            &[("kind", "verify"), ("text", "自己核验"), ("plan_id", &plan_id)],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("只有监督人可以核验、退回、关闭或重新打开。")
    );
    let r = official
        .post_form(
            app.url(&format!("/staff/rectification-items/{item_id}/acts")),
            &[
                ("kind", "submit"),
                ("text", "恢复按月更新"),
                ("file_ids", &file),
                ("plan_id", &plan_id),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn village_plans_on_sqlite() {
    plan_story(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn village_plans_on_postgres() {
    plan_story(common::spawn_postgres().await).await;
}
