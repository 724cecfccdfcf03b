//! The village integrity rating over HTTP, from the user's and the attacker's side, on both
//! databases: a versioned framework (bad ones refused with the rule named, no edit while a
//! period is open), a period's values by form and by the generated template (a faulty file is
//! reported per cell and imports nothing), the system's own count of open concerns, grading,
//! review with a written reason, publication that freezes the grades, and township staff who
//! reach only their own villages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "rating/dashboard.rs"]
mod dashboard;
#[path = "rating/public.rs"]
mod public;

use qinglian_domain::org::VillageInput;
use qinglian_domain::rating::seed_framework;
use qinglian_store::model::Actor;
use serde_json::{Value, json};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn field_codes(body: &Value) -> Vec<(String, String)> {
    body["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_owned(),
                        f["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The template's cells, as strings (numbers formatted plainly), row by row.
fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// Writes rows back as a spreadsheet: numbers where the text parses as one.
fn write_xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            // The header rows and the codes stay text, as in the template.
            match v.parse::<f64>() {
                Ok(x) if r >= 2 && c >= 2 => sheet.write_number(r as u32, c as u16, x).unwrap(),
                _ => sheet.write_string(r as u32, c as u16, v).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

async fn post_xlsx(s: &common::Session, url: String, body: Vec<u8>) -> (u16, Value) {
    let r = s
        .client
        .post(url)
        .header("x-csrf-token", &s.csrf)
        .header("content-type", XLSX)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn story(app: common::TestApp) {
    let a = Actor::system("test");
    let f = app.fixture.clone();
    // East has the fixture's 上坪村 and one more; west has one village of its own.
    let east2 = app
        .store
        .create_village(&a, &VillageInput::parse("990201001202", "下坪村").unwrap())
        .await
        .unwrap();
    let west = app
        .store
        .create_village(&a, &VillageInput::parse("990201002201", "岭头村").unwrap())
        .await
        .unwrap();
    // One open concern from an on-site meeting about 上坪村: the system's own value.
    app.inspection_world().await;

    let cm = app.sign_in("casemanager").await;
    let sec = app.sign_in("secretary").await;

    // The framework: refused with the rule named, then saved as version 1.
    let mut bad = serde_json::to_value(seed_framework()).unwrap();
    bad["dimensions"][0]["weight"] = json!(40.0);
    bad["cutoffs"] = json!({"a": 50.0, "b": 70.0});
    let r = cm.post_json(app.url("/api/v1/rating/framework"), bad).await;
    assert_eq!(r.status(), 422);
    let codes: Vec<String> = field_codes(&r.json().await.unwrap())
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert_eq!(codes, vec!["rating.weights_sum", "rating.cutoffs_order"]);
    let r = cm
        .post_json(
            app.url("/api/v1/rating/framework"),
            serde_json::to_value(seed_framework()).unwrap(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v1: Value = r.json().await.unwrap();
    assert_eq!(v1["version"], 1);

    // A period opens under version 1; a second one, or a framework edit, waits for it.
    let r = cm
        .post_json(
            app.url("/api/v1/rating/periods"),
            json!({"label": "2026年10月", "frequency": "monthly"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let period: Value = r.json().await.unwrap();
    let pid = period["id"].as_str().unwrap().to_owned();
    assert_eq!(period["framework_version"], 1);
    let r = cm
        .post_json(
            app.url("/api/v1/rating/periods"),
            json!({"label": "2026年11月", "frequency": "monthly"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(field_codes(&r.json().await.unwrap())[0].1, "rating.period_in_progress");
    let r = cm
        .post_json(
            app.url("/api/v1/rating/framework"),
            serde_json::to_value(seed_framework()).unwrap(),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(field_codes(&body)[0].1, "rating.framework_in_use");
    assert!(body["fields"][0]["message"].as_str().unwrap().contains("尚未公布"));

    // The east secretary's template holds the east villages only.
    let r = sec
        .client
        .get(app.url(&format!("/api/v1/rating/periods/{pid}/template")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut rows = read_xlsx(&r.bytes().await.unwrap());
    assert_eq!(rows[0][0], "village_code");
    let codes: Vec<&str> = rows[2..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(codes, vec!["990201001201", "990201001202"]);
    assert!(
        !rows[0].contains(&"open_concerns".to_owned()),
        "the system fills that in itself"
    );
    let width = rows[0].len();

    // Values of another township's village: not found, and nothing written.
    let r = sec
        .client
        .put(app.url(&format!("/api/v1/rating/periods/{pid}/values")))
        .header("x-csrf-token", &sec.csrf)
        .json(&json!({"values": [{"village_id": west.id, "indicator": "petitions", "value": 1.0}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A faulty file: every bad cell reported, nothing imported.
    let fill = |rows: &mut Vec<Vec<String>>, r: usize, base: f64| {
        let header = rows[0].clone();
        rows[r].resize(width, String::new());
        for (c, cell) in rows[r].iter_mut().enumerate().skip(2) {
            *cell = match header[c].as_str() {
                "assets_ledger" | "team_cohesion" => "1".to_owned(),
                _ => format!("{}", base + c as f64),
            };
        }
    };
    fill(&mut rows, 2, 0.0);
    fill(&mut rows, 3, 5.0);
    let mut faulty = rows.clone();
    faulty[2][2] = "很多".to_owned();
    faulty.push(faulty[3].clone());
    let mut outsider = faulty[3].clone();
    outsider[0] = "990201002201".to_owned();
    faulty.push(outsider);
    let (status, body) = post_xlsx(
        &sec,
        app.url(&format!("/api/v1/rating/periods/{pid}/import")),
        write_xlsx(&faulty),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        vec![
            ("C3".to_owned(), "rating.import.not_a_number".to_owned()),
            ("A5".to_owned(), "rating.import.duplicate_row".to_owned()),
            ("A6".to_owned(), "rating.import.unknown_village".to_owned()),
        ]
    );
    let mut wrong = rows.clone();
    wrong[0][3] = "weight".to_owned();
    let (status, body) = post_xlsx(
        &sec,
        app.url(&format!("/api/v1/rating/periods/{pid}/import")),
        write_xlsx(&wrong),
    )
    .await;
    assert_eq!(
        (status, field_codes(&body)[0].clone()),
        (422, ("D1".to_owned(), "rating.import.header".to_owned()))
    );
    let (status, body) = post_xlsx(
        &sec,
        app.url(&format!("/api/v1/rating/periods/{pid}/import")),
        b"not a spreadsheet".to_vec(),
    )
    .await;
    assert_eq!(
        (status, field_codes(&body)[0].1.as_str()),
        (422, "rating.import.not_xlsx")
    );
    let (status, body) = post_xlsx(
        &sec,
        app.url(&format!("/api/v1/rating/periods/{pid}/import")),
        vec![0u8; 11 * 1024 * 1024],
    )
    .await;
    assert_eq!(
        (status, field_codes(&body)[0].1.as_str()),
        (422, "rating.import.too_large")
    );
    let (_, p) = cm.get_json(app.url(&format!("/api/v1/rating/periods/{pid}"))).await;
    assert!(
        p["values"].as_array().unwrap().is_empty(),
        "nothing of a faulty file is imported"
    );

    // The clean file; one cell left empty stays missing.
    rows[3][4] = String::new();
    let (status, body) = post_xlsx(
        &sec,
        app.url(&format!("/api/v1/rating/periods/{pid}/import")),
        write_xlsx(&rows),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["saved"], 2 * (width as u64 - 2));

    // Grading: the review roles only; township staff are refused.
    let r = sec
        .post_json(app.url(&format!("/api/v1/rating/periods/{pid}/grade")), json!({}))
        .await;
    assert_eq!(r.status(), 403);
    let r = cm
        .post_json(app.url(&format!("/api/v1/rating/periods/{pid}/grade")), json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let (_, p) = cm.get_json(app.url(&format!("/api/v1/rating/periods/{pid}"))).await;
    let concerns: Vec<&Value> = p["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["indicator_code"] == "open_concerns" && v["village_id"] == f.village_east)
        .collect();
    assert_eq!(
        (concerns[0]["value"].as_f64(), concerns[0]["source"].as_str()),
        (Some(1.0), Some("system"))
    );
    let results = p["results"].as_array().unwrap();
    let result_of = |id: &str| results.iter().find(|r| r["village_id"] == id).unwrap().clone();
    let second = result_of(&east2.id);
    assert_eq!(second["missing"], 1, "the empty cell is missing, not zero");
    let outsider = result_of(&west.id);
    assert_eq!(
        outsider["missing"], 9,
        "graded on what it has, the rest shown as missing"
    );

    // The secretary sees the east only; the west village's result is not found.
    let (_, mine) = sec.get_json(app.url(&format!("/api/v1/rating/periods/{pid}"))).await;
    assert_eq!(mine["results"].as_array().unwrap().len(), 2);
    let (status, _) = sec
        .get_json(app.url(&format!("/api/v1/rating/results/{}", outsider["id"].as_str().unwrap())))
        .await;
    assert_eq!(status, 404);
    let first = result_of(&f.village_east);
    let first_id = first["id"].as_str().unwrap().to_owned();
    let (status, explained) = sec
        .get_json(app.url(&format!("/api/v1/rating/results/{first_id}")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(explained["explanation"]["dimensions"].as_array().unwrap().len(), 5);

    // The review: an adjustment needs a reason, and the secretary may not make one.
    let adjust = format!("/api/v1/rating/results/{first_id}/adjustment");
    let other = if first["computed_grade"] == "C" { "B" } else { "C" };
    let r = sec
        .post_json(app.url(&adjust), json!({"grade": other, "reason": "x"}))
        .await;
    assert_eq!(r.status(), 403);
    let r = cm
        .post_json(app.url(&adjust), json!({"grade": other, "reason": "  "}))
        .await;
    assert_eq!(r.status(), 422);
    let reason = "班子软弱涣散，经研判调整";
    let r = cm
        .post_json(app.url(&adjust), json!({"grade": other, "reason": reason}))
        .await;
    assert_eq!(r.status(), 200);
    let adjusted: Value = r.json().await.unwrap();
    assert_eq!(
        (adjusted["adjusted_grade"].as_str(), adjusted["computed_grade"].clone()),
        (Some(other), first["computed_grade"].clone())
    );
    let trail = app
        .store
        .list_audit(
            &qinglian_store::model::AuditFilter {
                action: Some("rating_result.adjust".into()),
                ..Default::default()
            },
            qinglian_store::model::PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    let detail = trail.items[0].detail.clone().unwrap();
    assert!(
        detail.contains("sha256:") && !detail.contains(reason),
        "the log carries the reason's hash only: {detail}"
    );

    // Confirmed: values are frozen; published: grades are.
    let r = cm
        .post_json(app.url(&format!("/api/v1/rating/periods/{pid}/publish")), json!({}))
        .await;
    assert_eq!(r.status(), 422, "not before the review");
    let r = cm
        .post_json(app.url(&format!("/api/v1/rating/periods/{pid}/confirm")), json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let r = sec
        .client
        .put(app.url(&format!("/api/v1/rating/periods/{pid}/values")))
        .header("x-csrf-token", &sec.csrf)
        .json(&json!({"values": [{"village_id": f.village_east, "indicator": "petitions", "value": 1.0}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = cm
        .post_json(app.url(&format!("/api/v1/rating/periods/{pid}/publish")), json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let r = cm
        .post_json(app.url(&adjust), json!({"grade": "A", "reason": reason}))
        .await;
    assert_eq!(r.status(), 422);

    // A new framework version now; the published period keeps its version and its grades.
    let mut v2 = seed_framework();
    v2.cutoffs.a = 90.0;
    let r = cm
        .post_json(app.url("/api/v1/rating/framework"), serde_json::to_value(v2).unwrap())
        .await;
    assert_eq!(r.status(), 201);
    let (_, after) = cm.get_json(app.url(&format!("/api/v1/rating/periods/{pid}"))).await;
    assert_eq!(after["period"]["framework_version"], 1);
    let before: Vec<(Value, Value)> = results
        .iter()
        .map(|r| (r["id"].clone(), r["computed_grade"].clone()))
        .collect();
    let now: Vec<(Value, Value)> = after["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].clone(), r["computed_grade"].clone()))
        .collect();
    assert_eq!(before, now, "old grades never change");
}

#[tokio::test]
async fn rating_story_on_sqlite() {
    story(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn rating_story_on_postgres() {
    story(common::spawn_postgres().await).await;
}

/// The values form: a word in a number field is refused in Chinese, and nothing is written.
async fn form(app: common::TestApp) {
    let a = Actor::system("test");
    app.store.save_framework(&a, &seed_framework()).await.unwrap();
    let p = app
        .store
        .open_period(
            &a,
            &qinglian_domain::rating::PeriodInput::parse("2026年第四季度", "quarterly").unwrap(),
        )
        .await
        .unwrap();
    let sec = app.sign_in("secretary").await;
    let page = sec
        .client
        .get(app.url(&format!("/staff/rating/periods/{}", p.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("上坪村") && page.contains("缺失"),
        "missing values are shown as missing"
    );
    let field = format!("v.{}.petitions", app.fixture.village_east);
    let good = format!("v.{}.discipline_cases", app.fixture.village_east);
    let r = sec
        .post_form(
            app.url(&format!("/staff/rating/periods/{}/values", p.id)),
            &[(good.as_str(), "1"), (field.as_str(), "很多")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("须为数字"));
    let values = app
        .store
        .period_values(&qinglian_domain::scope::Reach::everything(), &p.id)
        .await
        .unwrap();
    assert!(values.is_empty(), "nothing partial is written");
    let r = sec
        .post_form(
            app.url(&format!("/staff/rating/periods/{}/values", p.id)),
            &[(good.as_str(), "1"), (field.as_str(), "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let dept = app.sign_in("department").await;
    let r = dept.client.get(app.url("/staff/rating")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn values_form_on_sqlite() {
    form(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn values_form_on_postgres() {
    form(common::spawn_postgres().await).await;
}

#[tokio::test]
async fn public_notice_on_sqlite() {
    public::story(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn public_notice_on_postgres() {
    public::story(common::spawn_postgres().await).await;
}

#[tokio::test]
async fn dashboard_on_sqlite() {
    dashboard::story(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn dashboard_on_postgres() {
    dashboard::story(common::spawn_postgres().await).await;
}
