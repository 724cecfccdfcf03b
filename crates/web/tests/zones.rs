//! Zone governance and campaign statistics over HTTP, from the user's and the attacker's side:
//! the county sets the rotation, a convener outside the zone is refused with the rule named,
//! only the convener writes the term report, zone staff see their own zone and nobody else's,
//! amounts are exact or refused, and the dashboard and its spreadsheet agree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use qinglian_domain::org::{StaffInput, ZoneInput};
use qinglian_domain::zone_governance::Quarter;
use qinglian_store::model::Actor;
use serde_json::json;

struct Zones {
    east: String,
    west: String,
    /// 书记丁, the fixture's secretary of the east township.
    secretary: String,
    /// A secretary of the west township, in the other zone.
    west_secretary: String,
}

async fn zones(app: &common::TestApp) -> Zones {
    let a = Actor::system("test");
    let f = &app.fixture;
    let mk = |name: &'static str, members: Vec<String>| {
        let a = a.clone();
        async move {
            app.store
                .create_zone(
                    &a,
                    &ZoneInput::parse(name, "townships", &f.leader, &f.office, members).unwrap(),
                )
                .await
                .unwrap()
                .zone
                .id
        }
    };
    let east = mk("东片协作区", vec![f.township_east.clone()]).await;
    let west = mk("西片协作区", vec![f.township_west.clone()]).await;
    let staff = app.store.all_staff().await.unwrap();
    let secretary = staff
        .iter()
        .find(|s| s.role == "township_secretary")
        .unwrap()
        .id
        .clone();
    let west_secretary = app
        .store
        .create_staff(
            &a,
            &StaffInput::parse("西书记", "township_secretary", Some(&f.township_west), None).unwrap(),
        )
        .await
        .unwrap()
        .id;
    Zones {
        east,
        west,
        secretary,
        west_secretary,
    }
}

fn field_keys(body: &serde_json::Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_rotation_the_meetings_and_the_term_report() {
    let app = common::spawn_sqlite().await;
    let z = zones(&app).await;
    let cm = app.sign_in("casemanager").await;
    let sec = app.sign_in("secretary").await;
    let today = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    let last = Quarter::of(today).prev();

    // A convener posted outside the zone: refused, the rule named.
    let r = cm
        .client
        .put(app.url(&format!("/api/v1/zones/{}/rotation", z.east)))
        .header("x-csrf-token", &cm.csrf)
        .json(&json!({"start": last.to_string(), "order": [z.secretary, z.west_secretary]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(field_keys(&body), vec!["zone.convener_outside_zone"], "{body}");

    let r = cm
        .client
        .put(app.url(&format!("/api/v1/zones/{}/rotation", z.east)))
        .header("x-csrf-token", &cm.csrf)
        .json(&json!({"start": last.to_string(), "order": [z.secretary]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["calendar"][1]["staff_name"], "书记丁", "{body}");

    // The secretary sees their zone, not the other one: 404, as for an id that does not exist.
    let (s, _) = sec
        .get_json(app.url(&format!("/api/v1/zones/{}/rotation", z.east)))
        .await;
    assert_eq!(s, 200);
    let (s, _) = sec
        .get_json(app.url(&format!("/api/v1/zones/{}/rotation", z.west)))
        .await;
    assert_eq!(s, 404);
    let r = sec
        .client
        .get(app.url(&format!("/staff/zones/{}/governance", z.west)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The county records a meeting; attendance is the zone's own people.
    let r = cm
        .post_json(
            app.url(&format!("/api/v1/zones/{}/meetings", z.east)),
            json!({"held_on": today.to_string(), "place": "东溪镇会议室", "agenda": "通报线索", "attendee_ids": [z.west_secretary], "minutes": "纪要"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = cm
        .post_form(
            app.url(&format!("/staff/zones/{}/meetings", z.east)),
            &[
                ("held_on", &today.to_string()),
                ("place", "东溪镇会议室"),
                ("agenda", "通报线索处置情况"),
                ("attendee_ids", &z.secretary),
                ("minutes", "会议纪要正文"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    // The home page reminds the secretary: convener now and next, and last quarter's report owed.
    let home = sec
        .client
        .get(app.url("/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("convener-reminders"), "{home}");
    assert!(home.contains(&format!("/reports/{last}")), "the report is due");

    // The draft comes from the figures; the convener edits and submits; it is final.
    let (s, draft) = sec
        .get_json(app.url(&format!("/api/v1/zones/{}/reports/{last}", z.east)))
        .await;
    assert_eq!(s, 200);
    assert_eq!(draft["state"], "none");
    assert!(draft["body"].as_str().unwrap().contains("书面述职"));
    let url = app.url(&format!("/api/v1/zones/{}/reports/{last}", z.east));
    let leader = app.sign_in("leader").await;
    let r = leader
        .client
        .put(&url)
        .header("x-csrf-token", &leader.csrf)
        .json(&json!({"body": "x", "submit": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "only conveners write term reports");
    let put = |body: serde_json::Value| {
        sec.client
            .put(&url)
            .header("x-csrf-token", &sec.csrf)
            .json(&body)
            .send()
    };
    let r = put(json!({"body": format!("{}\n三、存在问题：无。", draft["body"].as_str().unwrap()), "submit": true}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let done: serde_json::Value = r.json().await.unwrap();
    assert_eq!(done["state"], "submitted");
    let r = put(json!({"body": "改写", "submit": false})).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(field_keys(&body), vec!["term_report.submitted"]);
    let page = sec
        .client
        .get(app.url(&format!("/staff/zones/{}/governance", z.east)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("会议纪要正文") && page.contains("东溪镇会议室"));
    let trail = app
        .store
        .list_audit(
            &qinglian_store::model::AuditFilter {
                action: Some("term_report.submit".into()),
                ..Default::default()
            },
            qinglian_store::model::PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(trail.total, 1);
}

async fn statistics(app: common::TestApp) {
    let z = zones(&app).await;
    let f = app.fixture.clone();
    let cm = app.sign_in("casemanager").await;
    let r = cm
        .post_json(
            app.url("/api/v1/campaigns"),
            json!({"name": "群众身边不正之风和腐败问题集中整治", "starts_on": "2026-03-01", "ends_on": "2026-10-31"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let c: serde_json::Value = r.json().await.unwrap();
    let cid = c["id"].as_str().unwrap().to_owned();
    for (unit, found, rectified) in [(&f.township_east, 60, 50), (&f.township_west, 47, 47)] {
        let r = cm
            .post_json(
                app.url(&format!("/api/v1/campaigns/{cid}/findings")),
                json!({"unit_id": unit, "found": found, "rectified": rectified, "recorded_on": "2026-06-30"}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    // Amounts with a third decimal or a sign are refused with the rule named.
    for (amount, key) in [
        ("0.001", "amount.too_many_decimals"),
        ("-1", "amount.negative"),
        ("1e5", "amount.invalid"),
    ] {
        let r = cm
            .post_json(
                app.url("/api/v1/handlings"),
                json!({"unit_id": f.township_east, "campaign_id": cid, "form": 2, "funds_seized": amount, "decided_on": "2026-05-01"}),
            )
            .await;
        assert_eq!(r.status(), 422, "{amount}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(field_keys(&body), vec![key]);
    }
    // 76,000 and 152,000 yuan in pieces a float would not add up exactly.
    let pieces = [
        ("25333.33", "50666.67", 1, None),
        ("25333.33", "50666.66", 2, Some("party_warning")),
        ("25333.34", "50666.67", 4, Some("party_expulsion")),
    ];
    for (i, (seized, handed, form, sanction)) in pieces.iter().enumerate() {
        let unit = if i == 0 { &f.township_west } else { &f.township_east };
        let r = cm
            .post_json(
                app.url("/api/v1/handlings"),
                json!({"unit_id": unit, "campaign_id": cid, "form": form, "sanction": sanction, "funds_seized": seized, "funds_handed_in": handed, "decided_on": "2026-05-01"}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let (s, stats) = cm
        .get_json(app.url(&format!("/api/v1/statistics?campaign_id={cid}")))
        .await;
    assert_eq!(s, 200);
    assert_eq!(stats["county"]["funds_seized"], "76000.00", "{stats}");
    assert_eq!(stats["county"]["funds_handed_in"], "152000.00");
    assert_eq!(stats["county"]["problems_found"], 107);
    assert_eq!(stats["county"]["sanctions"], 2);
    assert_eq!(stats["zones"].as_array().unwrap().len(), 2);
    assert_eq!(stats["league"].as_array().unwrap().len(), 2);
    // The west zone rectified everything it found: it leads.
    assert_eq!(stats["league"][0]["zone_id"], z.west.as_str());

    // Zone-level staff: their own zone in detail, the county and the league; not the other zone.
    let sec = app.sign_in("secretary").await;
    let (s, mine) = sec
        .get_json(app.url(&format!("/api/v1/statistics?campaign_id={cid}")))
        .await;
    assert_eq!(s, 200);
    let zones: Vec<&str> = mine["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["zone_id"].as_str().unwrap())
        .collect();
    assert_eq!(zones, vec![z.east.as_str()]);
    assert_eq!(mine["league"].as_array().unwrap().len(), 2);
    let page = sec
        .client
        .get(app.url("/staff/statistics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("东片协作区") && !page.contains(&format!("data-zone=\"{}\"", z.west)));
    // Not for roles that keep out of case-like content, nor the unknown campaign.
    for who in ["auditor", "admin", "department", "liaison"] {
        let s = app.sign_in(who).await;
        let (status, _) = s.get_json(app.url("/api/v1/statistics")).await;
        assert_eq!(status, 403, "{who}");
    }
    let (s, _) = cm
        .get_json(app.url("/api/v1/statistics?campaign_id=00000000-0000-7000-8000-000000000000"))
        .await;
    assert_eq!(s, 404);
    let r = sec.post_json(app.url("/api/v1/handlings"), json!({})).await;
    assert_eq!(r.status(), 403, "zone staff read statistics but do not record them");

    // The dashboard draws from the same figures; the spreadsheet holds every table.
    let page = cm
        .client
        .get(app.url(&format!("/staff/statistics?campaign_id={cid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("76,000.00") && page.contains("chart-zones") && page.contains("data-forms"));
    let r = cm
        .client
        .get(app.url(&format!("/staff/statistics/export.xlsx?campaign_id={cid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), 3, "{names:?}");
    let zone_sheet = book.worksheet_range(&names[0]).unwrap();
    let text: Vec<String> = zone_sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(text.iter().any(|c| c == "76000"), "{text:?}");
    assert!(text.iter().any(|c| c == "107"));
    let league = book.worksheet_range(&names[2]).unwrap();
    let text: Vec<String> = league.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(text.iter().any(|c| c.contains("50 ×")), "the formula is stated");
}

#[tokio::test]
async fn campaign_statistics_on_sqlite() {
    statistics(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn campaign_statistics_on_postgres() {
    statistics(common::spawn_postgres().await).await;
}
