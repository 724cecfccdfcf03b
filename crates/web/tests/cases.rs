//! Clues, cases and remote interviews over HTTP, on both databases: the register and its
//! dispositions, the team's recusal, the procedure in order through the API and the pages,
//! the transcript's versions and PDF — and, from the attacker's side, the township's own
//! secretary who must learn nothing of a case in their township.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use qinglian_web::routes::{Access, route_table};
use serde_json::json;

fn keys(body: &serde_json::Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

async fn the_register_and_its_dispositions(app: common::TestApp) {
    let cm = app.sign_in("casemanager").await;
    let today = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    // Bad input: every problem named, nothing written.
    let r = cm
        .post_json(
            app.url("/api/v1/clues"),
            json!({"source": "rumour", "subject_name": "", "subject_unit": "某单位", "township_id": "",
                   "summary": "x", "received_on": "2999-01-01"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        keys(&body),
        vec![
            "clue.source_unknown",
            "name.empty",
            "clue.township_missing",
            "clue.received_in_future"
        ]
    );
    let (_, list) = cm.get_json(app.url("/api/v1/clues")).await;
    assert_eq!(list["total"], 0);

    let r = cm
        .post_json(
            app.url("/api/v1/clues"),
            json!({"source": "petition", "subject_name": "赵某", "subject_unit": "东溪镇财政所所长",
                   "township_id": app.fixture.township_east, "summary": "反映其挪用扶贫资金",
                   "received_on": today.to_string()}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let clue: serde_json::Value = r.json().await.unwrap();
    let id = clue["id"].as_str().unwrap().to_owned();
    assert!(clue["number"].as_str().unwrap().starts_with("线索〔"));
    // The township's own secretary may be proposed by mistake: refused with the rule named.
    let staff = app.store.all_staff().await.unwrap();
    let secretary = staff.iter().find(|s| s.name == "书记丁").unwrap();
    let r = cm
        .post_json(
            app.url(&format!("/api/v1/clues/{id}/team")),
            json!({"staff_id": secretary.id}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(keys(&r.json().await.unwrap()), vec!["recusal.posted_in_township"]);
    let r = cm
        .post_json(
            app.url(&format!("/api/v1/clues/{id}/dispositions")),
            json!({"disposition": "case_opened", "note": "经集体研究，决定立案审查调查", "version": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let clue: serde_json::Value = r.json().await.unwrap();
    let case_id = clue["case_id"].as_str().unwrap().to_owned();
    let r = cm
        .post_json(
            app.url(&format!("/api/v1/clues/{id}/dispositions")),
            json!({"disposition": "closed", "note": "了结"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(keys(&r.json().await.unwrap()), vec!["clue.already_final"]);
    let (status, case) = cm.get_json(app.url(&format!("/api/v1/cases/{case_id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(case["case"]["subject_name"], "赵某");
    // The pages show the register and the clue with its decisions.
    let page = cm
        .client
        .get(app.url("/staff/clues"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("赵某") && page.contains("立案审查调查"), "{page}");
    let page = cm
        .client
        .get(app.url(&format!("/staff/clues/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("经集体研究，决定立案审查调查"));
    // A page form with a recused member says why, in Chinese.
    let r = cm
        .post_form(
            app.url(&format!("/staff/clues/{id}/team")),
            &[("staff_id", &secretary.id)],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("现任职于线索所在乡镇"));
}

async fn the_own_township_secretary_learns_nothing(app: common::TestApp) {
    let w = app.case_world().await;
    let secretary = app.sign_in("secretary").await;
    let mut checked = 0;
    for spec in route_table() {
        let is_case_route = ["clues", "cases", "interviews"].iter().any(|k| spec.path.contains(k));
        if !is_case_route || !spec.path.contains('{') {
            continue;
        }
        let Access::Can(action) = spec.access else { continue };
        let id = if spec.path.contains("clues") {
            &w.clue
        } else if spec.path.contains("cases") {
            &w.case
        } else {
            &w.interview
        };
        let real = spec.path.replace("{id}", id);
        let fake = spec.path.replace("{id}", "00000000-0000-7000-8000-000000000000");
        let mut statuses = Vec::new();
        for url in [&real, &fake] {
            let mut req = secretary
                .client
                .request(
                    reqwest::Method::from_bytes(spec.method.as_bytes()).unwrap(),
                    app.url(url),
                )
                .header("x-csrf-token", &secretary.csrf);
            if spec.method != "GET" {
                // A well-formed request each, so that only the object decides the answer.
                let body = if spec.path.ends_with("/dispositions") || spec.path.ends_with("/dispose") {
                    json!({"disposition": "closed", "note": "了结"})
                } else if spec.path.ends_with("/team") {
                    json!({"staff_id": w.office_staff})
                } else if spec.path.ends_with("/interviews") {
                    json!({"witness_name": "某某", "id_number": "11010519491231002X",
                           "investigator_ids": [w.office_staff, w.grouphead_staff], "platform": "腾讯会议",
                           "link": "https://meeting.example/j/1", "scheduled_at": "2030-01-01T09:00",
                           "consent_caller_id": w.office_staff, "consent_called_at": "2029-12-31T09:00",
                           "consent_agreed": "同意"})
                } else if spec.path.ends_with("/acts") {
                    json!({"kind": "check_in"})
                } else if spec.path.ends_with("/authorisation") {
                    json!({"authorisation_id": "00000000-0000-7000-8000-000000000002"})
                } else if spec.path.ends_with("/files") {
                    json!({"evidence_file_id": "00000000-0000-7000-8000-000000000001", "kind": "other"})
                } else if spec.path.ends_with("/transcript") {
                    json!({"base": 0, "entries": []})
                } else {
                    json!({"reason": "想看看"})
                };
                req = if url.starts_with("/api/") {
                    req.json(&body)
                } else {
                    let mut form: Vec<(String, String)> = vec![("_csrf".into(), secretary.csrf.clone())];
                    for (k, v) in body.as_object().unwrap() {
                        match v {
                            serde_json::Value::Array(items) => {
                                form.extend(items.iter().map(|i| (k.clone(), i.as_str().unwrap().to_owned())))
                            }
                            other => form.push((
                                k.clone(),
                                other.as_str().map(str::to_owned).unwrap_or(other.to_string()),
                            )),
                        }
                    }
                    req.form(&form)
                };
            }
            let r = req.send().await.unwrap();
            statuses.push(r.status().as_u16());
            let body = r.text().await.unwrap();
            assert!(
                !body.contains("张某") && !body.contains("证人李某"),
                "{} {url} leaks",
                spec.method
            );
        }
        // A real case and a made-up one look the same: not found, or refused by role alone.
        assert_eq!(
            statuses[0], statuses[1],
            "{} {} differs from an unknown id",
            spec.method, spec.path
        );
        let expected = if qinglian_domain::access::may(qinglian_domain::role::Role::TownshipSecretary, action) {
            404
        } else {
            403
        };
        assert_eq!(statuses[0], expected, "{} {}", spec.method, spec.path);
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} case routes checked");
    // Nor do the lists show it.
    let (_, clues) = secretary.get_json(app.url("/api/v1/clues")).await;
    assert_eq!(clues["total"], 0);
    let (_, cases) = secretary.get_json(app.url("/api/v1/cases")).await;
    assert_eq!(cases["total"], 0);
    // The team members see it; the administrator and the auditor never do.
    let office = app.sign_in("office").await;
    let (status, _) = office
        .get_json(app.url(&format!("/api/v1/interviews/{}", w.interview)))
        .await;
    assert_eq!(status, 200);
    for who in ["admin", "auditor", "inspector", "department"] {
        let s = app.sign_in(who).await;
        let (status, _) = s.get_json(app.url(&format!("/api/v1/cases/{}", w.case))).await;
        assert_eq!(status, 403, "{who}");
    }
}

async fn an_interview_through_the_api_in_order(app: common::TestApp) {
    let w = app.case_world().await;
    let office = app.sign_in("office").await;
    let head = app.sign_in("grouphead").await;
    let act = |s: &common::Session, body: serde_json::Value| {
        let url = app.url(&format!("/api/v1/interviews/{}/acts", w.interview));
        let (client, csrf) = (s.client.clone(), s.csrf.clone());
        async move {
            let r = client
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (s, _) = act(&office, json!({"kind": "check_in"})).await;
    assert_eq!(s, 200);
    let (s, body) = act(&office, json!({"kind": "step", "step": "recording_started"})).await;
    assert_eq!(s, 422);
    assert_eq!(keys(&body), vec!["interview.out_of_order"]);
    let (s, body) = act(&head, json!({"kind": "check_in"})).await;
    assert_eq!(s, 200);
    assert_eq!(body["interview"]["done_step"], "investigators_present");
    // The case manager is no investigator of this interview.
    let cm = app.sign_in("casemanager").await;
    let (s, body) = act(&cm, json!({"kind": "step", "step": "recording_started"})).await;
    assert_eq!((s, keys(&body)), (422, vec!["interview.not_investigator".to_owned()]));
    for step in ["recording_started", "credentials_shown", "rights_read"] {
        let (s, body) = act(&office, json!({"kind": "step", "step": step})).await;
        assert_eq!(s, 200, "{step}: {body}");
    }
    let (s, body) = act(&office, json!({"kind": "step", "step": "questioning"})).await;
    assert_eq!((s, keys(&body)), (422, vec!["interview.out_of_order".to_owned()]));
    assert_eq!(body["fields"][0]["value"], "identity_verified");
    let (s, _) = act(
        &head,
        json!({"kind": "step", "step": "identity_verified", "detail": "出示身份证并人脸比对"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = act(&head, json!({"kind": "step", "step": "questioning"})).await;
    assert_eq!(s, 200);
    let put = |s: &common::Session, body: serde_json::Value| {
        let url = app.url(&format!("/api/v1/interviews/{}/transcript", w.interview));
        let (client, csrf) = (s.client.clone(), s.csrf.clone());
        async move {
            let r = client
                .put(url)
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (s, v) = put(
        &office,
        json!({"base": 0, "entries": [{"question": "问：你是否认识张某？", "answer": "答：认识。"}]}),
    )
    .await;
    assert_eq!((s, v["number"].as_i64()), (200, Some(1)));
    let (s, _) = put(
        &head,
        json!({"base": 0, "entries": [{"question": "问：另一版本", "answer": ""}]}),
    )
    .await;
    assert_eq!(s, 409, "a stale base never overwrites");
    let (s, body) = put(
        &head,
        json!({"base": 1, "entries": [{"question": "", "answer": "答：无问之答"}]}),
    )
    .await;
    assert_eq!((s, keys(&body)), (422, vec!["transcript.question_empty".to_owned()]));
    let (s, _) = act(&office, json!({"kind": "step", "step": "transcript_read_back"})).await;
    assert_eq!(s, 200);
    let (s, body) = act(&office, json!({"kind": "step", "step": "transcript_confirmed"})).await;
    assert_eq!(
        (s, keys(&body)),
        (422, vec!["interview.signed_copy_missing".to_owned()])
    );
    // The versions are kept; the PDF prints as a PDF.
    let (s, versions) = office
        .get_json(app.url(&format!("/api/v1/interviews/{}/transcript/versions", w.interview)))
        .await;
    assert_eq!((s, versions.as_array().map(Vec::len)), (200, Some(1)));
    let r = office
        .client
        .get(app.url(&format!("/staff/interviews/{}/transcript.pdf", w.interview)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    // The page shows the procedure as it stands, and refuses a step out of order in Chinese.
    let r = office
        .post_form(
            app.url(&format!("/staff/interviews/{}/acts", w.interview)),
            &[("kind", "step"), ("step", "recording_stopped")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("程序不可跳过或颠倒：下一步应为"), "{page}");
    assert!(page.contains("笔录签字确认"));
}

async fn a_protected_witness_through_the_pages(app: common::TestApp) {
    let w = app.case_world().await;
    let office = app.sign_in("office").await;
    let future = (chrono::Utc::now() + chrono::Duration::days(1))
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let now = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let r = office
        .post_form(
            app.url(&format!("/staff/cases/{}/interviews", w.case)),
            &[
                ("witness_name", "钱某某"),
                ("protected", "on"),
                ("alias", "证人B"),
                ("id_number", "11010519491231002X"),
                ("investigator_ids", &w.office_staff),
                ("investigator_ids", &w.grouphead_staff),
                ("platform", "腾讯会议"),
                ("link", "https://meeting.example/j/7"),
                ("scheduled_at", &future),
                ("consent_caller_id", &w.office_staff),
                ("consent_called_at", &now),
                ("consent_agreed", "同意"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = location.rsplit('/').next().unwrap().to_owned();
    let page = office
        .client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("证人B") && !page.contains("钱某某"), "the alias only");
    // The office may not open the classified volume; the case manager may, with a reason.
    let r = office
        .post_json(
            app.url(&format!("/api/v1/interviews/{id}/witness")),
            json!({"reason": "好奇"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    let leader = app.sign_in("leader").await;
    let r = leader
        .post_json(
            app.url(&format!("/api/v1/interviews/{id}/witness")),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.status(), 422, "a reveal needs a reason");
    let r = leader
        .post_form(
            app.url(&format!("/staff/interviews/{id}/witness")),
            &[("reason", "审理阶段核对证人身份")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("钱某某") && page.contains("11010519491231002X"));
    let audit = app
        .store
        .list_audit(
            &qinglian_store::model::AuditFilter {
                action: Some("witness.reveal".into()),
                ..Default::default()
            },
            qinglian_store::model::PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    assert_eq!(audit.items[0].detail.as_deref(), Some("审理阶段核对证人身份"));
    // Nothing of the real identity is stored in the clear.
    let d = app
        .store
        .get_interview(
            &qinglian_store::model::Actor::system("t"),
            &qinglian_domain::scope::Reach::everything(),
            &id,
        )
        .await
        .unwrap();
    assert!(d.witness.is_none());
}

macro_rules! on_both {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    super::$story(super::common::spawn_sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $story() {
                    super::$story(super::common::spawn_postgres().await).await;
                }
            )*
        }
    };
}

on_both!(
    the_register_and_its_dispositions,
    the_own_township_secretary_learns_nothing,
    an_interview_through_the_api_in_order,
    a_protected_witness_through_the_pages,
);
