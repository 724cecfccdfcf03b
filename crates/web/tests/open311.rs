//! An Open311 GeoReport v2 client's walk through the real server: services in JSON and XML,
//! a request submitted form-encoded and read back, the filters, and every bad input answered
//! as the spec's error list; the villager's text and identity never in what the public reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use qinglian_store::model::{Actor, ConcernFilter, PageRequest};
use serde_json::Value;

const TEXT: &str = "村东头三盏路灯坏了三个月没人修";

/// The `<item>` elements of an Open311 XML answer, each as its children's unescaped text, and
/// the root element's name. Panics on malformed XML (mismatched tags, bad entities).
fn xml_records(xml: &str, item: &str) -> (String, Vec<HashMap<String, String>>) {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    assert!(
        xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
        "no XML declaration: {xml}"
    );
    let mut reader = Reader::from_str(xml);
    let mut root = None;
    let mut records = Vec::new();
    let mut current: Option<HashMap<String, String>> = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.name().as_ref().to_owned();
                if root.is_none() {
                    root = Some(name);
                } else if name == item && current.is_none() {
                    current = Some(HashMap::new());
                } else if let Some(rec) = current.as_mut() {
                    let raw = reader.read_text(e.name()).expect("closed element").into_inner();
                    let text = quick_xml::escape::unescape(&raw).expect("known entities").into_owned();
                    rec.insert(name, text);
                }
            }
            Event::Empty(e) => {
                if let Some(rec) = current.as_mut() {
                    rec.insert(e.name().as_ref().to_owned(), String::new());
                }
            }
            Event::End(e) => {
                if e.name().as_ref() == item
                    && let Some(rec) = current.take()
                {
                    records.push(rec);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (root.expect("a root element"), records)
}

async fn get(app: &common::TestApp, path: &str) -> (u16, String, String) {
    let r = common::client().get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, r.text().await.unwrap())
}

async fn post(app: &common::TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = common::client().post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Nothing a reader of the register gets may carry what the villager wrote or who they are.
fn assert_public(body: &str) {
    for secret in [
        TEXT,
        "李某",
        "13900000001",
        "村口二十米断头路未打通",
        "王某",
        "13900000000",
    ] {
        assert!(!body.contains(secret), "the public answer leaks {secret:?}: {body}");
    }
}

async fn client_walk(app: common::TestApp) {
    let w = app.inspection_world().await;

    // The client lists the services, in JSON and in XML.
    let (status, ctype, body) = get(&app, "/open311/v2/services.json").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let services = json(&body);
    let road = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "road")
        .expect("the category is a service");
    assert_eq!(road["service_name"], "道路设施");
    assert_eq!(road["metadata"], true);
    assert_eq!(road["type"], "realtime");
    assert_eq!(road["group"], "巡察现场办公会");
    let (status, ctype, body) = get(&app, "/open311/v2/services.xml").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/xml"), "{ctype}");
    let (root, services) = xml_records(&body, "service");
    assert_eq!(root, "services");
    let road = services.iter().find(|s| s["service_code"] == "road").unwrap();
    assert_eq!(road["service_name"], "道路设施");
    assert_eq!(road["metadata"], "true");

    // Its definition names the one required attribute: the meeting.
    let (status, _, body) = get(&app, "/open311/v2/services/road.json").await;
    assert_eq!(status, 200);
    let def = json(&body);
    assert_eq!(def["service_code"], "road");
    assert_eq!(def["attributes"][0]["code"], "meeting_id");
    assert_eq!(def["attributes"][0]["required"], true);
    assert_eq!(def["attributes"][0]["datatype"], "string");
    let (status, _, body) = get(&app, "/open311/v2/services/road.xml").await;
    assert_eq!(status, 200);
    let (root, attributes) = xml_records(&body, "attribute");
    assert_eq!(root, "service_definition");
    assert_eq!(attributes[0]["code"], "meeting_id");
    assert_eq!(attributes[0]["required"], "true");

    // A villager's app submits a request, form-encoded, with a location we do not need.
    let (status, body) = post(
        &app,
        "/open311/v2/requests.json",
        &[
            ("service_code", "road"),
            ("attribute[meeting_id]", &w.meeting),
            ("description", TEXT),
            ("first_name", "某"),
            ("last_name", "李"),
            ("phone", "13900000001"),
            ("lat", "30.27"),
            ("long", "120.15"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let created = json(&body);
    let id = created[0]["service_request_id"].as_str().unwrap().to_owned();
    let token = created[0]["token"].as_str().unwrap().to_owned();
    let receipt = created[0]["receipt"].as_str().unwrap().to_owned();
    assert_eq!(receipt.len(), 19, "16 digits in groups of four: {receipt}");
    assert!(created[0]["service_notice"].as_str().unwrap().contains(&receipt));
    assert_ne!(id, w.concern);

    // It went the public form's way: a villager's concern, with the complainant kept apart.
    let everyone = qinglian_domain::scope::Reach::everything();
    let stored = app.store.get_concern(&everyone, &id).await.unwrap();
    assert_eq!(stored.source, "public");
    assert_eq!(stored.text, TEXT);
    assert_eq!(stored.category_id, w.category);
    assert_eq!(stored.meeting_id.as_deref(), Some(w.meeting.as_str()));
    let who = app
        .store
        .read_complainant(&Actor::system("test"), &everyone, &id)
        .await
        .unwrap();
    assert_eq!(who.complainant_name.as_deref(), Some("李某"));
    assert_eq!(who.complainant_phone.as_deref(), Some("13900000001"));

    // The receipt opens the villager's own view, with their text.
    let r = common::client()
        .post(app.url("/api/v1/public/receipt"))
        .json(&serde_json::json!({"receipt": receipt}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let followed: Value = r.json().await.unwrap();
    assert_eq!(followed["text"], TEXT);

    // The client reads it back by id: open, in its category and village, without the text.
    let (status, _, body) = get(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(status, 200);
    assert_public(&body);
    let one = json(&body);
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["service_request_id"], id.as_str());
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["status_notes"], "已登记");
    assert_eq!(one[0]["service_code"], "road");
    assert_eq!(one[0]["service_name"], "道路设施");
    assert_eq!(one[0]["address"], "东溪镇上坪村");
    assert!(one[0]["description"].is_null());
    assert!(one[0]["requested_datetime"].as_str().unwrap().ends_with("+08:00"));
    let (status, _, body) = get(&app, &format!("/open311/v2/requests/{id}.xml")).await;
    assert_eq!(status, 200);
    assert_public(&body);
    let (root, reqs) = xml_records(&body, "request");
    assert_eq!(root, "service_requests");
    assert_eq!(reqs[0]["service_request_id"], id);
    assert_eq!(reqs[0]["status"], "open");
    assert_eq!(reqs[0]["description"], "");

    // The token resolves to the request.
    let (status, _, body) = get(&app, &format!("/open311/v2/tokens/{token}.json")).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body)[0]["service_request_id"], id.as_str());

    // And it is in the list, open; the meeting's own concern too; neither text nor names.
    let (status, _, body) = get(&app, "/open311/v2/requests.json").await;
    assert_eq!(status, 200);
    assert_public(&body);
    let list = json(&body);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&id.as_str()) && ids.contains(&w.concern.as_str()),
        "{ids:?}"
    );
    let (_, _, body) = get(&app, "/open311/v2/requests.xml?status=open&service_code=road").await;
    assert_public(&body);
    let (_, reqs) = xml_records(&body, "request");
    assert!(reqs.iter().any(|r| r["service_request_id"] == id), "{body}");
    let (_, _, body) = get(&app, "/open311/v2/requests.json?status=closed").await;
    assert_eq!(json(&body), serde_json::json!([]));

    // Filters: by id (unknown ids are skipped), by window.
    let (_, _, body) = get(
        &app,
        &format!("/open311/v2/requests.json?service_request_id={id},00000000-0000-7000-8000-000000000000"),
    )
    .await;
    assert_eq!(json(&body).as_array().unwrap().len(), 1);
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let day_ago = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let q = |k: &str, v: &str| format!("/open311/v2/requests.json?{k}={}", v.replace('+', "%2B"));
    let (_, _, body) = get(&app, &q("start_date", &hour_ago)).await;
    assert_eq!(json(&body).as_array().unwrap().len(), 2, "{body}");
    let (_, _, body) = get(&app, &q("end_date", &day_ago)).await;
    assert_eq!(json(&body), serde_json::json!([]));

    // The XML form of creation answers in XML.
    let (status, body) = post(
        &app,
        "/open311/v2/requests.xml",
        &[
            ("service_code", "road"),
            ("meeting_id", &w.meeting),
            ("description", "<b>桥</b> & 路"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (root, reqs) = xml_records(&body, "request");
    assert_eq!(root, "service_requests");
    let xml_id = &reqs[0]["service_request_id"];
    let stored = app.store.get_concern(&everyone, xml_id).await.unwrap();
    assert_eq!(stored.text, "<b>桥</b> & 路");
}

#[tokio::test]
async fn an_open311_client_creates_and_reads_a_request_on_sqlite() {
    client_walk(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn an_open311_client_creates_and_reads_a_request_on_postgres() {
    client_walk(common::spawn_postgres().await).await;
}

async fn markup_in_names(app: common::TestApp) {
    let name = r#"<路&桥> "x""#;
    app.store
        .create_category(
            &Actor::system("test"),
            "markup",
            &qinglian_domain::error::Name::parse("name", name).unwrap(),
        )
        .await
        .unwrap();
    let (status, _, body) = get(&app, "/open311/v2/services.xml").await;
    assert_eq!(status, 200);
    assert!(!body.contains("<路&桥>"), "{body}");
    let (_, services) = xml_records(&body, "service");
    let s = services.iter().find(|s| s["service_code"] == "markup").unwrap();
    assert_eq!(s["service_name"], name);
    let (_, _, body) = get(&app, "/open311/v2/services.json").await;
    assert!(
        json(&body)
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["service_name"] == name)
    );
}

#[tokio::test]
async fn xml_escapes_markup_in_category_names_on_sqlite() {
    markup_in_names(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn xml_escapes_markup_in_category_names_on_postgres() {
    markup_in_names(common::spawn_postgres().await).await;
}

/// The first error's description, from either format, after checking the list's shape.
fn error_of(body: &str, xml: bool, status: u16) -> String {
    if xml {
        let (root, errors) = xml_records(body, "error");
        assert_eq!(root, "errors", "{body}");
        assert_eq!(errors[0]["code"], status.to_string());
        errors[0]["description"].clone()
    } else {
        let v = json(body);
        assert_eq!(v[0]["code"], status, "{body}");
        v[0]["description"].as_str().unwrap().to_owned()
    }
}

async fn bad_input(app: common::TestApp) {
    let w = app.inspection_world().await;
    let count = || async {
        app.store
            .list_concerns(
                &qinglian_domain::scope::Reach::everything(),
                &ConcernFilter::default(),
                PageRequest::new(1, 10),
            )
            .await
            .unwrap()
            .total
    };
    let before = count().await;
    let long = "长".repeat(100 * 1024 / 3);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("attribute[meeting_id]", &w.meeting), ("description", TEXT)],
            "service_code",
        ),
        (
            vec![
                ("service_code", "nope"),
                ("attribute[meeting_id]", &w.meeting),
                ("description", TEXT),
            ],
            "service_code",
        ),
        (vec![("service_code", "road"), ("description", TEXT)], "meeting_id"),
        (
            vec![
                ("service_code", "road"),
                ("attribute[meeting_id]", "00000000-0000-7000-8000-000000000000"),
                ("description", TEXT),
            ],
            "meeting_id",
        ),
        (
            vec![
                ("service_code", "road"),
                ("attribute[meeting_id]", &w.meeting),
                ("description", "  "),
            ],
            "description",
        ),
        (
            vec![
                ("service_code", "road"),
                ("attribute[meeting_id]", &w.meeting),
                ("description", &long),
            ],
            "description",
        ),
        (
            vec![
                ("service_code", "road"),
                ("attribute[meeting_id]", &w.meeting),
                ("description", TEXT),
                ("phone", "call me"),
            ],
            "phone",
        ),
    ];
    for (form, names) in &cases {
        for (ext, xml) in [("json", false), ("xml", true)] {
            let (status, body) = post(&app, &format!("/open311/v2/requests.{ext}"), form).await;
            assert_eq!(status, 400, "{form:?}: {body}");
            let description = error_of(&body, xml, 400);
            assert!(description.contains(names), "{names} not named in {description:?}");
        }
    }
    assert_eq!(count().await, before, "a refused request left a concern behind");

    // Bad queries: 400 with the spec's error list.
    for query in [
        "start_date=2026-13-01",
        "end_date=yesterday",
        "start_date=2026-10-02T00:00:00Z&end_date=2026-10-01T00:00:00Z",
        "start_date=2026-01-01T00:00:00Z&end_date=2026-10-01T00:00:00Z",
        "status=pending",
        "service_code=road,nope",
    ] {
        for (ext, xml) in [("json", false), ("xml", true)] {
            let (status, _, body) = get(&app, &format!("/open311/v2/requests.{ext}?{query}")).await;
            assert_eq!(status, 400, "{query}: {body}");
            error_of(&body, xml, 400);
        }
    }

    // Unknown things are 404, in the requested format; unknown formats are 404 too.
    for (path, xml) in [
        ("/open311/v2/requests/00000000-0000-7000-8000-000000000000.json", false),
        ("/open311/v2/tokens/00000000-0000-7000-8000-000000000000.xml", true),
        ("/open311/v2/services/nope.xml", true),
        ("/open311/v2/services/road.html", false),
        (&format!("/open311/v2/requests/{}.yaml", w.concern), false),
    ] {
        let (status, _, body) = get(&app, path).await;
        assert_eq!(status, 404, "{path}: {body}");
        error_of(&body, xml, 404);
    }
    for path in ["/open311/v2/services.html", "/open311/v2/requests.csv"] {
        assert_eq!(get(&app, path).await.0, 404, "{path}");
    }
    // The meeting's concern exists, so only the format made those 404.
    assert_eq!(
        get(&app, &format!("/open311/v2/requests/{}.json", w.concern)).await.0,
        200
    );
}

#[tokio::test]
async fn bad_input_is_refused_in_the_requested_format_on_sqlite() {
    bad_input(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn bad_input_is_refused_in_the_requested_format_on_postgres() {
    bad_input(common::spawn_postgres().await).await;
}
