//! The public notice (公示) as a visitor reads it: nothing before publication, then the C
//! villages with their score, veto and plan items, the county's counts, and the publication's
//! log entry with a proof that checks; never the reviewer's reason, the owner's evidence or
//! the owner's name.

use qinglian_domain::rating::{Adjustment, PeriodInput, seed_framework};
use qinglian_domain::scope::Reach;
use qinglian_store::model::Actor;
use serde_json::{Value, json};

use crate::common;

async fn anonymous(app: &common::TestApp, path: &str) -> (u16, String) {
    let r = common::client().get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// The number shown in the card with this id.
fn card(page: &str, id: &str) -> i64 {
    let start = page.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
    let end = start + page[start..].find('<').unwrap();
    page[start..end].trim().parse().unwrap()
}

pub async fn story(app: common::TestApp) {
    let a = Actor::system("test");
    let f = app.fixture.clone();
    let all = Reach::everything();
    let today = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    app.store.save_framework(&a, &seed_framework()).await.unwrap();
    let label = "2026年第三季度";
    let period = app
        .store
        .open_period(&a, &PeriodInput::parse(label, "quarterly").unwrap())
        .await
        .unwrap();
    let pid = period.id.clone();
    app.store.grade_period(&a, &pid).await.unwrap();
    let results = app.store.period_results(&all, &pid).await.unwrap();
    let east = results.iter().find(|r| r.village_id == f.village_east).unwrap();
    let reason = "班子软弱涣散内部研判意见";
    if east.computed_grade != "C" {
        app.store
            .adjust_grade(&a, &all, &east.id, &Adjustment::parse("C", reason).unwrap())
            .await
            .unwrap();
    }

    // The review confirms the grades: a plan can answer the period from now on.
    app.store.confirm_period(&a, &pid).await.unwrap();

    // Before publication the period is not there for the public, and the list is empty.
    assert_eq!(anonymous(&app, &format!("/rating/{pid}")).await.0, 404);
    let (status, list) = anonymous(&app, "/rating").await;
    assert_eq!(status, 200);
    assert!(list.contains("id=\"no-published\"") && !list.contains(&pid));

    // The township's plan for 上坪村: one item, submitted by its owner with evidence.
    let sec = app.sign_in("secretary").await;
    let owner = app
        .store
        .all_staff()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.role == "township_secretary")
        .unwrap();
    let r = sec
        .post_json(
            app.url("/api/v1/village-plans"),
            json!({"village_id": f.village_east, "period_id": pid}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let plan: Value = r.json().await.unwrap();
    let due = (today + chrono::Duration::days(30)).to_string();
    let r = sec
        .post_json(
            app.url(&format!("/api/v1/village-plans/{}/items", plan["id"].as_str().unwrap())),
            json!({"title": "村务公开栏按月更新", "owner_staff_id": owner.id, "deadline": due,
                   "expected_result": "公开栏内容与账目一致的内部预期"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    let item_id = body["items"][0]["id"].as_str().unwrap().to_owned();
    let evidence = "已整改，附群众王某某反映材料";
    let r = sec
        .post_json(
            app.url(&format!("/api/v1/rectification-items/{item_id}/acts")),
            json!({"kind": "submit", "text": evidence, "file_ids": [], "version": null}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    app.store.publish_period(&a, &pid).await.unwrap();
    let state = app.state();
    qinglian_web::ledger::integrate(&state).await.unwrap();

    // The staff page of the period leads to its notice; the home page to the list, the list
    // to the period.
    let staff_page = sec
        .client
        .get(app.url(&format!("/staff/rating/periods/{pid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff_page.contains(&format!("href=\"/rating/{pid}\"")));
    let (_, home) = anonymous(&app, "/").await;
    assert!(home.contains("href=\"/rating\""));
    let (_, list) = anonymous(&app, "/rating").await;
    assert!(list.contains(&format!("href=\"/rating/{pid}\"")) && list.contains(label));

    let (status, page) = anonymous(&app, &format!("/rating/{pid}")).await;
    assert_eq!(status, 200);
    let results = app.store.period_results(&all, &pid).await.unwrap();
    let count = |g: &str| results.iter().filter(|r| r.grade().as_str() == g).count() as i64;
    assert_eq!(
        (card(&page, "count-a"), card(&page, "count-b"), card(&page, "count-c")),
        (count("A"), count("B"), count("C"))
    );
    assert!(count("C") >= 1);
    assert!(page.contains("data-village=\"990201001201\"") && page.contains("上坪村") && page.contains("东溪镇"));
    assert!(page.contains("村务公开栏按月更新") && page.contains(&due) && page.contains("待核验"));
    for secret in [reason, evidence, "公开栏内容与账目一致的内部预期", owner.name.as_str()] {
        assert!(!page.contains(secret), "the public page shows {secret}");
    }

    // The publication's log entry, with a proof that the public API serves.
    let entry = app
        .store
        .ledger_entries_for(&pid)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.entry_type == "rating_period.publish")
        .unwrap();
    assert!(page.contains(&format!("#{}", entry.idx)));
    let proof = format!("/api/v1/ledger/proof/inclusion?index={}&#38;tree_size=", entry.idx);
    let at = page.find(&proof).expect("a proof link");
    let url = page[at..].split('"').next().unwrap().replace("&#38;", "&");
    let (status, body) = anonymous(&app, &url).await;
    assert_eq!(status, 200, "{body}");

    // The item carries the log entry of its latest step (the submission), with its proof.
    let step = app.store.ledger_entries_for(&item_id).await.unwrap().pop().unwrap();
    let row_at = page.find("class=\"plan-item\" data-state=\"submitted\"").unwrap();
    let item_row = &page[row_at..row_at + page[row_at..].find("</tr>").unwrap()];
    assert!(
        item_row.contains(&format!(
            "#{} <a href=\"/api/v1/ledger/proof/inclusion?index={}&#38;",
            step.idx, step.idx
        )),
        "{item_row}"
    );

    // An unknown period is not found either.
    assert_eq!(anonymous(&app, "/rating/01JUNKNOWNPERIOD0000000000").await.0, 404);
}
