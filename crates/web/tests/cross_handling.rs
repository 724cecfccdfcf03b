//! Cross-handling over HTTP, from the attacker's side: a recused member forced through the API
//! is refused with the rule named, an override approved by its requester is refused, an
//! authorisation for another case is refused, and staff of the clue's own township get 404
//! from every route of the clue, whatever their role.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};
use qinglian_domain::case::{ClueInput, Disposition};
use qinglian_domain::cross_handling::AuthorisationInput;
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::interview::{PlanForm, PlanInput};
use qinglian_domain::org::StaffInput;
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}

/// The id of the fixture's staff member with this name.
async fn staff(app: &common::TestApp, name: &str) -> String {
    app.store
        .all_staff()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no staff {name}"))
        .id
}

async fn clue_in(app: &common::TestApp, township: &str, subject: &str) -> (String, String) {
    let input = ClueInput::parse(
        "petition",
        subject,
        "东溪镇财政所",
        township,
        "反映其虚报冒领补贴",
        "2026-11-02",
        today(),
    )
    .unwrap();
    let c = app.store.create_clue(&Actor::system("test"), &input).await.unwrap();
    (c.id, c.number)
}

fn codes(body: &Value) -> Vec<(String, String)> {
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["value"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

async fn put_json(s: &common::Session, url: String, body: Value) -> reqwest::Response {
    s.client
        .put(url)
        .header("x-csrf-token", &s.csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_forced_recused_member_and_a_self_approved_override_are_refused() {
    let app = common::spawn_sqlite().await;
    let f = app.fixture.clone();
    let (clue, _) = clue_in(&app, &f.township_east, "王某").await;
    let manager = app.sign_in("casemanager").await;
    let secretary = staff(&app, "书记丁").await;
    let office = staff(&app, "监察庚").await;
    let head = staff(&app, "组长辛").await;

    // The east secretary is posted in the clue's township: refused, the rule and member named.
    let r = put_json(
        &manager,
        app.url(&format!("/api/v1/clues/{clue}/team")),
        json!({"staff_ids": [secretary, head]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        codes(&body),
        vec![("recusal.posted_in_township".to_owned(), secretary.clone())]
    );
    assert_eq!(body["fields"][0]["message"], "回避：现任职于线索所在乡镇");
    let r = manager
        .post_json(
            app.url(&format!("/api/v1/clues/{clue}/team")),
            json!({"staff_id": secretary}),
        )
        .await;
    assert_eq!(r.status(), 422);

    // 监察庚 declares a former colleague; the team with them is refused until an override.
    let office_session = app.sign_in("office").await;
    let r = office_session
        .post_json(
            app.url("/api/v1/ties"),
            json!({"kind": "former_colleague", "target": "person", "person_name": "王某", "person_unit": "东溪镇财政所"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = put_json(
        &manager,
        app.url(&format!("/api/v1/clues/{clue}/team")),
        json!({"staff_ids": [office, head]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        codes(&r.json().await.unwrap()),
        vec![("recusal.tie_former_colleague".to_owned(), office.clone())]
    );
    let r = manager
        .post_json(
            app.url(&format!("/api/v1/clues/{clue}/overrides")),
            json!({"staff_id": office, "rule": "recusal.tie_former_colleague", "reason": "十年前同事，已无往来"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let o: Value = r.json().await.unwrap();
    let approve = app.url(&format!("/api/v1/overrides/{}/approve", o["id"].as_str().unwrap()));
    // The requester approving their own request: refused with the rule named.
    let r = manager.post_json(approve.clone(), json!({})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        codes(&r.json().await.unwrap())[0].0,
        "recusal.override_approver_is_requester"
    );
    // A township secretary may not approve at all.
    let r = app
        .sign_in("secretary")
        .await
        .post_json(approve.clone(), json!({}))
        .await;
    assert_eq!(r.status(), 403);
    let leader = app.sign_in("leader").await;
    let r = leader.post_json(approve, json!({})).await;
    assert_eq!(r.status(), 200);
    let r = put_json(
        &manager,
        app.url(&format!("/api/v1/clues/{clue}/team")),
        json!({"staff_ids": [office, head]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let board: Value = r.json().await.unwrap();
    assert_eq!(board["team"].as_array().unwrap().len(), 2);

    // The page shows the reasons in words.
    let page = manager
        .client
        .get(app.url(&format!("/staff/clues/{clue}/team")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("回避：现任职于线索所在乡镇"), "{page}");
    assert!(page.contains("已经批准例外"));
}

fn plan(investigators: &[&str]) -> PlanInput {
    PlanInput::parse(&PlanForm {
        witness_name: "证人甲".into(),
        protected: None,
        alias: String::new(),
        id_number: "11010519491231002X".into(),
        phone: "13800000000".into(),
        investigator_ids: investigators.iter().map(|s| s.to_string()).collect(),
        platform: "腾讯会议".into(),
        link: "https://meeting.example/j/123".into(),
        scheduled_at: (Utc::now() + Duration::days(1)).to_rfc3339(),
        consent_caller_id: investigators[0].into(),
        consent_called_at: Utc::now().to_rfc3339(),
        consent_agreed: "同意明日远程询问".into(),
    })
    .unwrap()
}

#[tokio::test]
async fn proposals_authorisation_pdf_and_the_wrong_case() {
    let app = common::spawn_sqlite().await;
    let f = app.fixture.clone();
    let (one, number) = clue_in(&app, &f.township_east, "王某").await;
    let (two, _) = clue_in(&app, &f.township_east, "赵某").await;
    let manager = app.sign_in("casemanager").await;

    // The proposal page lists both clues; accepting forms the first one's team.
    let page = manager
        .client
        .get(app.url("/staff/cross-handling/proposals?team_size=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&number) && html.contains("回避：现任职于线索所在乡镇"),
        "{html}"
    );
    let (_, p) = manager
        .get_json(app.url("/api/v1/cross-handling/proposals?team_size=2"))
        .await;
    let first = p["clues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clue"]["id"] == one.as_str())
        .unwrap();
    let team: Vec<String> = first["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["staff_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(team.len(), 2);
    let mut form: Vec<(&str, &str)> = vec![("clue_id", &one), ("team_size", "2")];
    form.extend(team.iter().map(|s| ("staff_ids", s.as_str())));
    let r = manager
        .post_form(app.url("/staff/cross-handling/proposals/accept"), &form)
        .await;
    assert_eq!(r.status(), 303);
    let (_, bad) = manager
        .get_json(app.url("/api/v1/cross-handling/proposals?team_size=0"))
        .await;
    assert_eq!(bad["fields"][0]["code"], "team.size_invalid");

    // The authorisation: issued through the page, printable as a PDF, audited.
    let from = today().to_string();
    let until = (today() + Duration::days(60)).to_string();
    let r = manager
        .post_form(
            app.url(&format!("/staff/clues/{one}/authorisations")),
            &[("mandate", "初步核实"), ("valid_from", &from), ("valid_until", &until)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let auth_id = to.rsplit('/').next().unwrap().to_owned();
    let r = manager
        .client
        .get(app.url(&format!("{to}/authorisation.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    let views = app
        .store
        .list_audit(
            &AuditFilter {
                action: Some("authorisation.view".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert!(views.total >= 1);

    // An interview of the second case may not cite the first case's authorisation.
    let sys = Actor::system("test");
    let all = Reach::everything();
    let grouphead = staff(&app, "组长辛").await;
    let office = staff(&app, "监察庚").await;
    app.store
        .form_team(&sys, &all, &two, &[grouphead.clone(), office.clone()])
        .await
        .unwrap();
    let case = app
        .store
        .dispose_clue(
            &sys,
            &all,
            &two,
            None,
            Disposition::CaseOpened,
            &Text::parse("n", "立案").unwrap(),
            today(),
        )
        .await
        .unwrap()
        .case_id
        .unwrap();
    let interview = app
        .store
        .plan_interview(&sys, &all, &case, &plan(&[&grouphead, &office]), None)
        .await
        .unwrap();
    let url = app.url(&format!("/api/v1/interviews/{}/authorisation", interview.id));
    let r = manager
        .post_json(url.clone(), json!({"authorisation_id": auth_id}))
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(codes(&r.json().await.unwrap())[0].0, "authorisation.wrong_case");
    let input = AuthorisationInput::parse("询问证人", &from, &until, today()).unwrap();
    let own = app.store.issue_authorisation(&sys, &all, &two, &input).await.unwrap();
    let r = manager
        .post_json(url, json!({"authorisation_id": own.authorisation.id}))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn own_township_staff_get_404_from_every_route_of_the_clue() {
    let app = common::spawn_sqlite().await;
    let f = app.fixture.clone();
    let sys = Actor::system("test");
    let all = Reach::everything();
    // Every fixture account is from the west township; one officer from the east handles
    // the west clue.
    let outsider = app
        .store
        .create_staff(
            &sys,
            &StaffInput::parse("外乡干部", "supervision_office", None, Some(&f.township_east)).unwrap(),
        )
        .await
        .unwrap()
        .id;
    let (clue, number) = clue_in(&app, &f.township_west, "钱某").await;
    app.store
        .form_team(&sys, &all, &clue, std::slice::from_ref(&outsider))
        .await
        .unwrap();
    let from = today().to_string();
    let until = (today() + Duration::days(30)).to_string();
    let input = AuthorisationInput::parse("初步核实", &from, &until, today()).unwrap();
    let auth = app
        .store
        .issue_authorisation(&sys, &all, &clue, &input)
        .await
        .unwrap()
        .authorisation
        .id;
    let o = app
        .store
        .request_override(
            &Actor {
                staff_id: Some(f.leader.clone()),
                ..Actor::system("test")
            },
            &all,
            &clue,
            &outsider,
            qinglian_domain::recusal::Exclusion::PostedInSubjectUnit,
            "x",
        )
        .await;
    // (No such rule applies to the outsider: there is nothing to override.)
    assert!(o.is_err());

    let routes: Vec<(&str, String, Value)> = vec![
        ("GET", format!("/api/v1/clues/{clue}/team-board"), json!(null)),
        (
            "PUT",
            format!("/api/v1/clues/{clue}/team"),
            json!({"staff_ids": [outsider]}),
        ),
        (
            "POST",
            format!("/api/v1/clues/{clue}/team"),
            json!({"staff_id": outsider}),
        ),
        (
            "POST",
            format!("/api/v1/clues/{clue}/overrides"),
            json!({"staff_id": outsider, "rule": "recusal.outside_zone", "reason": "x"}),
        ),
        (
            "POST",
            format!("/api/v1/clues/{clue}/authorisations"),
            json!({"mandate": "x", "valid_from": from, "valid_until": until}),
        ),
        ("GET", format!("/api/v1/authorisations/{auth}"), json!(null)),
        (
            "POST",
            "/api/v1/cross-handling/proposals/accept".to_owned(),
            json!({"clue_id": clue, "staff_ids": [outsider]}),
        ),
        ("GET", format!("/staff/clues/{clue}/team"), json!(null)),
        ("GET", format!("/staff/authorisations/{auth}"), json!(null)),
        (
            "GET",
            format!("/staff/authorisations/{auth}/authorisation.pdf"),
            json!(null),
        ),
        ("POST", format!("/staff/clues/{clue}/team"), json!(null)),
        ("POST", format!("/staff/clues/{clue}/team/set"), json!(null)),
        ("POST", format!("/staff/clues/{clue}/authorisations"), json!(null)),
    ];
    // The case manager and the leader hold every right, but were born in the west township.
    for who in ["casemanager", "leader"] {
        let s = app.sign_in(who).await;
        for (method, path, body) in &routes {
            let mut req = s
                .client
                .request(method.parse().unwrap(), app.url(path))
                .header("x-csrf-token", &s.csrf);
            if path.starts_with("/api/") && *method != "GET" {
                req = req.json(body);
            } else if *method == "POST" {
                req = req.form(&[("_csrf", s.csrf.as_str()), ("mandate", "x")]);
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            let allowed_role =
                who == "casemanager" || (*method == "GET" && !path.contains("team-board") && !path.ends_with("/team"));
            let expected = if allowed_role { 404 } else { 403 };
            assert_eq!(status, expected, "{who} {method} {path}: {text}");
            assert!(
                !text.contains(&number) && !text.contains("钱某"),
                "{who} {method} {path} leaks the clue"
            );
        }
        // Nor do proposals list the clue.
        if who == "casemanager" {
            let (_, p) = s.get_json(app.url("/api/v1/cross-handling/proposals")).await;
            assert!(!p.to_string().contains(&clue));
        }
    }

    // The east secretary and an east clue: the secretary may read cases, yet gets 404 from
    // the clue's authorisation; the routes for managing teams are refused by role (403, the
    // same answer as for any clue), never showing the clue.
    let (east_clue, east_number) = clue_in(&app, &f.township_east, "孙某").await;
    let office = staff(&app, "监察庚").await;
    app.store.form_team(&sys, &all, &east_clue, &[office]).await.unwrap();
    let east_auth = app
        .store
        .issue_authorisation(&sys, &all, &east_clue, &input)
        .await
        .unwrap()
        .authorisation
        .id;
    let s = app.sign_in("secretary").await;
    for path in [
        format!("/api/v1/authorisations/{east_auth}"),
        format!("/staff/authorisations/{east_auth}"),
        format!("/staff/authorisations/{east_auth}/authorisation.pdf"),
        format!("/api/v1/clues/{east_clue}"),
    ] {
        let r = s.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains(&east_number));
    }
    for path in [
        format!("/api/v1/clues/{east_clue}/team-board"),
        format!("/staff/clues/{east_clue}/team"),
    ] {
        let r = s.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
        assert!(!r.text().await.unwrap().contains(&east_number));
    }
}
