//! The inspection practice through the real server: a concern from the meeting to the
//! department's answer and the villager's confirmation, and the attacker's side of each step
//! (guessed ids, other departments, the administrator, guessed receipts, bad input).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::json;

async fn concern_story(app: common::TestApp) {
    let w = app.inspection_world().await;
    let inspector = app.sign_in("inspector").await;
    let department = app.sign_in("department").await;
    let secretary = app.sign_in("secretary").await; // east: the concern's township
    let liaison = app.sign_in("liaison").await; // west: not theirs
    let admin = app.sign_in("admin").await;

    // The inspector logs a concern at the meeting; the receipt is shown once.
    let r = inspector
        .post_json(
            app.url("/api/v1/concerns"),
            json!({"text": "<script>alert(1)</script>垃圾清运不及时", "category_id": w.category,
                   "village_id": app.fixture.village_east, "meeting_id": w.meeting}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let logged: serde_json::Value = r.json().await.unwrap();
    let receipt = logged["receipt"].as_str().unwrap().to_owned();
    assert_eq!(receipt.len(), 19, "16 digits in groups of four: {receipt}");
    let id = logged["concern"]["id"].as_str().unwrap().to_owned();

    // Reach: the east secretary sees it, the west liaison gets 404 for the guessed id and an
    // empty list; the administrator reads no concern content at all.
    assert_eq!(
        secretary.get_json(app.url(&format!("/api/v1/concerns/{id}"))).await.0,
        200
    );
    assert_eq!(
        liaison.get_json(app.url(&format!("/api/v1/concerns/{id}"))).await.0,
        404
    );
    let (_, list) = liaison.get_json(app.url("/api/v1/concerns")).await;
    assert_eq!(list["total"], 0);
    assert_eq!(admin.get_json(app.url("/api/v1/concerns")).await.0, 403);
    assert_eq!(
        admin
            .get_json(app.url(&format!("/api/v1/concerns/{id}/complainant")))
            .await
            .0,
        403
    );
    // The department sees nothing until the concern is routed to it.
    assert_eq!(
        department.get_json(app.url(&format!("/api/v1/concerns/{id}"))).await.0,
        404
    );

    // A deadline in the past is refused with the rule named; then routed properly.
    let r = inspector
        .post_json(
            app.url(&format!("/api/v1/concerns/{id}/steps")),
            json!({"kind": "assign", "department_id": app.fixture.department, "deadline": "2020-01-01"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["fields"][0]["code"], "concern.deadline_past");
    let deadline = (chrono::Utc::now() + chrono::Duration::days(10))
        .date_naive()
        .to_string();
    let r = inspector
        .post_json(
            app.url(&format!("/api/v1/concerns/{id}/steps")),
            json!({"kind": "assign", "department_id": app.fixture.department, "deadline": deadline, "version": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // A second click on the same form is a conflict, not a second step.
    let r = inspector
        .post_json(
            app.url(&format!("/api/v1/concerns/{id}/steps")),
            json!({"kind": "assign", "department_id": app.fixture.department, "deadline": deadline, "version": 1}),
        )
        .await;
    assert_eq!(r.status(), 409);

    // The department's inbox has it; the inspector cannot answer in the department's name.
    let (_, inbox) = department.get_json(app.url("/api/v1/concerns?state=assigned")).await;
    assert_eq!(inbox["total"], 1);
    let r = inspector
        .post_json(
            app.url(&format!("/api/v1/concerns/{id}/steps")),
            json!({"kind": "answer", "text": "已处理"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = department
        .post_json(
            app.url(&format!("/api/v1/concerns/{id}/steps")),
            json!({"kind": "answer", "text": "已与环卫公司签订协议，每日清运两次"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let state: serde_json::Value = r.json().await.unwrap();
    assert_eq!(state["state"], "answered");

    // The villager follows by receipt and confirms; a guessed code says nothing.
    let public = common::client();
    let r = public
        .post(app.url("/api/v1/public/receipt"))
        .json(&json!({"receipt": receipt}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let followed: serde_json::Value = r.json().await.unwrap();
    let kinds: Vec<&str> = followed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["create", "assign", "answer"]);
    assert!(
        !followed.to_string().contains("巡察壬"),
        "the public history names units, never staff"
    );
    let r = public
        .post(app.url("/api/v1/public/receipt/steps"))
        .json(&json!({"receipt": receipt, "kind": "confirm"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let followed: serde_json::Value = r.json().await.unwrap();
    assert_eq!(followed["state"], "closed");
    // Every public state carries its ledger proof, verifiable against the signed checkpoint.
    qinglian_web::ledger::integrate(&app.state()).await.unwrap();
    let r = public
        .post(app.url("/api/v1/public/receipt"))
        .json(&json!({"receipt": receipt}))
        .send()
        .await
        .unwrap();
    let followed: serde_json::Value = r.json().await.unwrap();
    let refs = followed["ledger"].as_array().unwrap();
    assert_eq!(refs.len(), 4, "create, assign, answer, confirm: {followed}");
    let vkey = public
        .get(app.url("/api/v1/ledger/key"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = qinglian_ledger::NoteVerifier::from_vkey(vkey.trim()).unwrap();
    let note = public
        .get(app.url("/api/v1/ledger/checkpoint"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let checkpoint = qinglian_ledger::Checkpoint::<qinglian_ledger::Sha256>::open(note.as_bytes(), &key).unwrap();
    for r in refs {
        let url = r["proof_url"].as_str().expect("the checkpoint covers every entry");
        let proof: serde_json::Value = public.get(app.url(url)).send().await.unwrap().json().await.unwrap();
        let path: Vec<qinglian_ledger::Hash<qinglian_ledger::Sha256>> = proof["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| qinglian_ledger::Hash::from_slice(&hex::decode(h.as_str().unwrap()).unwrap()).unwrap())
            .collect();
        let leaf = qinglian_ledger::Hash::from_slice(&hex::decode(r["leaf_hash"].as_str().unwrap()).unwrap()).unwrap();
        qinglian_ledger::verify_inclusion(
            r["index"].as_u64().unwrap(),
            checkpoint.size(),
            &leaf,
            &path,
            &checkpoint.root(),
        )
        .unwrap();
    }

    // A villager cannot take the group's steps.
    let r = public
        .post(app.url("/api/v1/public/receipt/steps"))
        .json(&json!({"receipt": receipt, "kind": "assign"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // The complainant of the fixture's concern: the inspector may see it, and it is audited.
    let (status, who) = inspector
        .get_json(app.url(&format!("/api/v1/concerns/{}/complainant", w.concern)))
        .await;
    assert_eq!((status, who["complainant_name"].as_str()), (200, Some("王某")));
    assert_eq!(
        department
            .get_json(app.url(&format!("/api/v1/concerns/{}/complainant", w.concern)))
            .await
            .0,
        403
    );
    let audit = app
        .store
        .list_audit(
            &qinglian_store::model::AuditFilter {
                action: Some("concern.complainant_view".into()),
                ..Default::default()
            },
            qinglian_store::model::PageRequest { offset: 0, limit: 10 },
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    assert_eq!(audit.items[0].actor_name, "巡察壬");

    // The staff page renders the markup inert.
    let page = secretary
        .client
        .get(app.url(&format!("/staff/concerns/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("alert(1)") && page.contains("垃圾清运不及时"),
        "the text is shown"
    );
    assert!(!page.contains("<script>alert(1)"), "but never as markup");
}

async fn villagers_and_guessers(app: common::TestApp) {
    let w = app.inspection_world().await;
    let public = common::client();
    // The QR form: a villager submits and gets a receipt; the public page keeps no identity.
    let form = public.get(app.url(&format!("/m/{}", w.meeting))).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let r = public
        .post(app.url(&format!("/m/{}", w.meeting)))
        .form(&[
            ("category_id", w.category.as_str()),
            ("text", "自来水压力不足，高处农户没水"),
            ("complainant_name", "赵某"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let page = r.text().await.unwrap();
    let code = page
        .split("class=\"receipt-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    assert_eq!(code.len(), 19);
    assert!(!page.contains("赵某"), "the form forgets what it was told once saved");
    // The answer is the receipt and a way back to the form, not the meeting's register again.
    assert!(!page.contains("id=\"register\""), "{page}");
    assert!(page.contains(&format!("href=\"/m/{}\"", w.meeting)), "{page}");

    // Bad input: empty text, 100 KB of text, an unknown meeting.
    let r = public
        .post(app.url("/api/v1/public/concerns"))
        .json(&json!({"meeting_id": w.meeting, "category_id": w.category, "text": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let big = "问".repeat(34_000);
    let r = public
        .post(app.url("/api/v1/public/concerns"))
        .json(&json!({"meeting_id": w.meeting, "category_id": w.category, "text": big}))
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 413 | 422), "{}", r.status());
    let r = public
        .post(app.url("/api/v1/public/concerns"))
        .json(&json!({"meeting_id": "nope", "category_id": w.category, "text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (_, list) = app
        .sign_in("casemanager")
        .await
        .get_json(app.url("/api/v1/concerns"))
        .await;
    assert_eq!(
        list["total"], 2,
        "one from the fixture, one from the form; nothing partial"
    );

    // The registered code is found; guesses are 404 without a hint, then throttled.
    let r = public
        .post(app.url("/api/v1/public/receipt"))
        .json(&json!({"receipt": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut statuses = Vec::new();
    for i in 0..12 {
        let guess = format!("9999-0000-0000-{i:04}");
        let r = public
            .post(app.url("/api/v1/public/receipt"))
            .json(&json!({"receipt": guess}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[404; 10]);
    assert_eq!(statuses[11], 429);
    // Once throttled, even the right code waits: a guesser learns nothing by trying it.
    let r = public
        .post(app.url("/api/v1/public/receipt"))
        .json(&json!({"receipt": w.receipt}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);

    // The public register counts without personal data.
    let (status, reg) = common::client()
        .get(app.url(&format!("/api/v1/public/rounds/{}/register", w.round)))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 200);
    let reg: serde_json::Value = reg.json().await.unwrap();
    assert_eq!(reg["total"], 2);
    assert!(!reg.to_string().contains("王某") && !reg.to_string().contains("赵某"));
    // The public pages: the portal lists the round, the round's page its register.
    let home = common::client()
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains(&format!("/inspection/rounds/{}", w.round)));
    let page = common::client()
        .get(app.url(&format!("/inspection/rounds/{}", w.round)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"pub-total\">2<") && page.contains(&format!("/m/{}", w.meeting)));
    assert!(!page.contains("王某") && !page.contains("赵某") && !page.contains("自来水压力不足"));

    // One client may send 30 concerns an hour (it sent one above; refused forms do not
    // count): the 31st is refused with 429 and nothing of it is kept.
    let send = |i: usize| {
        let public = public.clone();
        let body = json!({"meeting_id": w.meeting, "category_id": w.category, "text": format!("一部手机的第{i}条")});
        let url = app.url("/api/v1/public/concerns");
        async move { public.post(url).json(&body).send().await.unwrap() }
    };
    let statuses: Vec<u16> = futures_util::future::join_all((0..31).map(send))
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 29, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2, "{statuses:?}");
    let r = send(99).await;
    assert_eq!(r.status(), 429);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "too_many_requests", "{body}");
    let r = public
        .post(app.url(&format!("/m/{}", w.meeting)))
        .form(&[("category_id", w.category.as_str()), ("text", "表单也一样")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let (_, list) = app
        .sign_in("casemanager")
        .await
        .get_json(app.url("/api/v1/concerns?per_page=100"))
        .await;
    assert_eq!(list["total"], 2 + 29, "the refused ones left nothing");
}

/// The read paths that carry load read the session and the throttle afresh on every request,
/// and the reach whenever it may have changed (`reach_cache` on SQLite): a revoked grant and a
/// sign-out count at the next request, a locked-out client is refused even the right code,
/// and the receipt page stays inert to markup.
async fn reads_follow_every_change_at_once(app: common::TestApp) {
    let w = app.inspection_world().await;
    let admin = app.sign_in("admin").await;
    // The liaison (west) signs in by hand, so the test holds the cookie the browser kept.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = bare
        .post(app.url("/login"))
        .form(&[("username", "liaison"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let list = || async {
        let r = bare
            .get(app.url("/staff/concerns"))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let (status, page) = list().await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("村口二十米断头路未打通"),
        "the concern is in the east: not theirs"
    );

    let accounts = app.store.list_accounts().await.unwrap();
    let liaison_id = accounts.iter().find(|a| a.username == "liaison").unwrap().id.clone();
    let scopes = format!("/staff/admin/accounts/{liaison_id}/scopes");
    let scope = format!("township:{}", app.fixture.township_east);
    let r = admin.post_form(app.url(&scopes), &[("scope", &scope)]).await;
    assert_eq!(r.status(), 303);
    let (_, page) = list().await;
    assert!(page.contains("村口二十米断头路未打通"), "the grant counts at once");
    let r = admin
        .post_form(app.url(&format!("{scopes}/revoke")), &[("scope", &scope)])
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = list().await;
    assert!(!page.contains("村口二十米断头路未打通"), "and so does its revocation");

    // Signed out, the cookie the browser kept opens nothing: the list sends it to sign in.
    let staff = bare
        .get(app.url("/staff"))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = staff
        .split("\"x-csrf-token\": \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = bare
        .post(app.url("/logout"))
        .header(reqwest::header::COOKIE, &cookie)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (status, page) = list().await;
    assert_eq!(status, 303, "{page}");

    // The receipt page shows the history with markup inert, and the log entry's proof.
    let public = common::client();
    let r = public
        .post(app.url("/api/v1/public/concerns"))
        .json(&json!({"meeting_id": w.meeting, "category_id": w.category,
                      "text": "<script>alert(1)</script>井盖缺失<b>危险</b>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let code = created["receipt"].as_str().unwrap().to_owned();
    qinglian_web::ledger::integrate(&app.state()).await.unwrap();
    let look = |code: String| {
        let public = public.clone();
        let url = app.url("/receipt");
        async move {
            let r = public.post(url).form(&[("receipt", code)]).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, page) = look(code.clone()).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("alert(1)") && page.contains("井盖缺失"),
        "the text is shown"
    );
    assert!(
        !page.contains("<script>alert(1)") && !page.contains("<b>危险"),
        "never as markup"
    );
    assert!(
        page.contains("/api/v1/ledger/proof/inclusion?index="),
        "with its entry's proof"
    );

    // Ten misses, malformed or unknown, lock the client out; then even the right code waits
    // and shows nothing.
    for i in 0..10 {
        let guess = if i % 2 == 0 {
            format!("12-{i}")
        } else {
            format!("9999-0000-0000-{i:04}")
        };
        let (status, _) = look(guess).await;
        assert!(matches!(status, 404 | 422), "a miss says nothing: {status}");
    }
    let (status, page) = look(code).await;
    assert_eq!(status, 429);
    assert!(!page.contains("井盖缺失"));
    assert_eq!(look("9999-0000-0000-7777".to_owned()).await.0, 429);
}

#[tokio::test]
async fn reads_follow_every_change_at_once_on_sqlite() {
    reads_follow_every_change_at_once(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn reads_follow_every_change_at_once_on_postgres() {
    reads_follow_every_change_at_once(common::spawn_postgres().await).await;
}

/// A concern past its deadline is flagged where each party looks: the department's reminder,
/// the escalation lists, the overdue filter; and only within reach.
async fn overdue_concerns_are_escalated(app: common::TestApp) {
    use qinglian_domain::inspection::{ConcernStep, Party};
    let w = app.inspection_world().await;
    let month_ago = chrono::Utc::now() - chrono::Duration::days(30);
    app.store
        .step_concern(
            &qinglian_store::model::Actor::system("test"),
            &qinglian_domain::scope::Reach::everything(),
            &w.concern,
            None,
            &ConcernStep::Assign {
                department_id: app.fixture.department.clone(),
                deadline: (month_ago + chrono::Duration::days(10)).date_naive(),
            },
            &qinglian_store::model::StepBy {
                party: Party::Group,
                unit_name: "第一巡察组",
                department_id: None,
            },
            month_ago,
        )
        .await
        .unwrap();
    let department = app.sign_in("department").await;
    let home = department
        .client
        .get(app.url("/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("id=\"reminder-overdue\">1<"),
        "the department is reminded"
    );
    let (_, late) = department.get_json(app.url("/api/v1/concerns?overdue=true")).await;
    assert_eq!(late["total"], 1);
    let (status, lists) = app
        .sign_in("casemanager")
        .await
        .get_json(app.url("/api/v1/inspection/overdue"))
        .await;
    assert_eq!(status, 200);
    let by: Vec<(String, i64)> = lists
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["by"].as_str().unwrap().to_owned(), o["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        by,
        vec![("department".into(), 1), ("township".into(), 1), ("group".into(), 1)]
    );
    // The west township's liaison has nothing overdue in reach.
    let (_, none) = app
        .sign_in("liaison")
        .await
        .get_json(app.url("/api/v1/inspection/overdue"))
        .await;
    assert_eq!(none, serde_json::json!([]));
    let page = department
        .client
        .get(app.url("/staff/inspection"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"escalation\""), "the escalation list is shown");
    // The meeting page carries the QR code of the public form.
    let meeting = app
        .sign_in("inspector")
        .await
        .client
        .get(app.url(&format!("/staff/inspection/meetings/{}", w.meeting)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(meeting.contains("<svg") && meeting.contains(&format!("/m/{}", w.meeting)));
}

#[tokio::test]
async fn overdue_concerns_are_escalated_on_sqlite() {
    overdue_concerns_are_escalated(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn overdue_concerns_are_escalated_on_postgres() {
    overdue_concerns_are_escalated(common::spawn_postgres().await).await;
}

/// The administrator widens and narrows a user's reach; the user sees exactly that, and the
/// administrator still reads no concern.
async fn scope_grants_from_the_admin_pages(app: common::TestApp) {
    let w = app.inspection_world().await;
    let admin = app.sign_in("admin").await;
    let liaison = app.sign_in("liaison").await;
    let url = format!("/api/v1/concerns/{}", w.concern);
    assert_eq!(liaison.get_json(app.url(&url)).await.0, 404);
    let accounts = app.store.list_accounts().await.unwrap();
    let id = |name: &str| accounts.iter().find(|a| a.username == name).unwrap().id.clone();
    let page = format!("/staff/admin/accounts/{}/scopes", id("liaison"));
    let scope = format!("township:{}", app.fixture.township_east);
    let r = admin.post_form(app.url(&page), &[("scope", &scope)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        liaison.get_json(app.url(&url)).await.0,
        200,
        "the grant takes effect at once"
    );
    let shown = admin
        .client
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(shown.contains("东溪镇"), "the grant is listed by name");
    // Granting twice is a conflict; the auditor and the administrator cannot hold grants.
    let r = admin.post_form(app.url(&page), &[("scope", &scope)]).await;
    assert_eq!(r.status(), 422);
    let auditor_page = format!("/staff/admin/accounts/{}/scopes", id("auditor"));
    let r = admin.post_form(app.url(&auditor_page), &[("scope", "county:")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("该角色不能被授予数据范围"));
    let r = admin
        .post_form(app.url(&format!("{page}/revoke")), &[("scope", &scope)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(liaison.get_json(app.url(&url)).await.0, 404, "revoked at once");
    // Others cannot administer scopes, and the administrator still reads no concern.
    let r = liaison.post_form(app.url(&page), &[("scope", &scope)]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(admin.get_json(app.url(&url)).await.0, 403);
    let audit = app
        .store
        .list_audit(
            &qinglian_store::model::AuditFilter {
                object_id: Some(id("liaison")),
                ..Default::default()
            },
            qinglian_store::model::PageRequest { offset: 0, limit: 10 },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = audit
        .items
        .iter()
        .map(|e| e.action.as_str())
        .filter(|a| a.contains("scope"))
        .collect();
    assert_eq!(actions, vec!["account.scope_revoke", "account.scope_grant"]);
}

#[tokio::test]
async fn scope_grants_from_the_admin_pages_on_sqlite() {
    scope_grants_from_the_admin_pages(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn scope_grants_from_the_admin_pages_on_postgres() {
    scope_grants_from_the_admin_pages(common::spawn_postgres().await).await;
}

/// The round's figures, its spreadsheet and its printable register agree with what happened.
async fn round_statistics_and_exports(app: common::TestApp) {
    let w = app.inspection_world().await;
    let inspector = app.sign_in("inspector").await;
    let deadline = (chrono::Utc::now() + chrono::Duration::days(5))
        .date_naive()
        .to_string();
    let r = inspector
        .post_json(
            app.url(&format!("/api/v1/concerns/{}/steps", w.concern)),
            json!({"kind": "assign", "department_id": app.fixture.department, "deadline": deadline}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .sign_in("department")
        .await
        .post_json(
            app.url(&format!("/api/v1/concerns/{}/steps", w.concern)),
            json!({"kind": "answer", "text": "已打通，铺设水泥路面"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let manager = app.sign_in("casemanager").await;
    let page = manager
        .client
        .get(app.url(&format!("/staff/inspection/rounds/{}", w.round)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (id, n) in [
        ("fig-meetings", 1),
        ("fig-total", 1),
        ("fig-in-time", 1),
        ("fig-overdue", 0),
    ] {
        assert!(page.contains(&format!("id=\"{id}\">{n}<")), "{id} should be {n}");
    }
    assert!(page.contains("试验县住房和城乡建设局") && page.contains("/assets/echarts.min.js"));
    let js = common::client()
        .get(app.url("/assets/echarts.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200, "ECharts is served from the binary, no CDN");

    let r = manager
        .client
        .get(app.url(&format!("/staff/inspection/rounds/{}/export.xlsx", w.round)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("问题登记表").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "header and the one concern");
    assert_eq!(rows[1][2], "村口二十米断头路未打通");
    assert_eq!(rows[1][4], "已答复");
    assert!(
        !rows.concat().iter().any(|c| c.contains("王某")),
        "no complainant in the register"
    );

    let print = manager
        .client
        .get(app.url(&format!("/staff/inspection/rounds/{}/print", w.round)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(print.contains("村口二十米断头路未打通") && print.contains("@page"));
    // Out of reach, the round does not exist.
    let r = app
        .sign_in("liaison")
        .await
        .client
        .get(app.url(&format!("/staff/inspection/rounds/{}", w.round)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn round_statistics_and_exports_on_sqlite() {
    round_statistics_and_exports(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn round_statistics_and_exports_on_postgres() {
    round_statistics_and_exports(common::spawn_postgres().await).await;
}

/// A case manager sets a round up from the pages; recusal is explained on the form; the
/// group holds a meeting and publishes its minutes to villagers.
async fn a_round_is_set_up_from_the_pages(app: common::TestApp) {
    let manager = app.sign_in("casemanager").await;
    let r = manager
        .post_form(
            app.url("/staff/inspection/rounds"),
            &[
                ("number", "9"),
                ("name", "第九轮巡察"),
                ("starts_on", "2026-11-20"),
                ("days", "60"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let round_url = r.headers()["location"].to_str().unwrap().to_owned();
    let round_id = round_url.rsplit('/').next().unwrap().to_owned();
    // A bad round is refused with every field named, and nothing is written.
    let r = manager
        .post_form(
            app.url("/staff/inspection/rounds"),
            &[("number", "0"), ("name", ""), ("starts_on", "明天"), ("days", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.store
            .list_rounds(&qinglian_domain::scope::Reach::everything())
            .await
            .unwrap()
            .len(),
        1
    );

    let inspector = app
        .store
        .all_staff()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.role == "inspection_group_member")
        .unwrap();
    let r = manager
        .post_form(
            app.url(&format!("{round_url}/groups")),
            &[("name", "第二巡察组"), ("leader_staff_id", &inspector.id)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let group = app
        .store
        .list_groups(&qinglian_domain::scope::Reach::everything(), &round_id)
        .await
        .unwrap()
        .remove(0);
    // The fixture's staff all live in the west township: a west village is refused, named.
    let west_village = app
        .store
        .create_village(
            &qinglian_store::model::Actor::system("test"),
            &qinglian_domain::org::VillageInput::parse("990201002001", "西岭村").unwrap(),
        )
        .await
        .unwrap();
    let r = manager
        .post_form(
            app.url(&format!("{round_url}/targets")),
            &[
                ("group_id", &group.group.id),
                ("village_ids", &west_village.id),
                ("village_ids", &app.fixture.village_east),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("回避") && page.contains("巡察壬 / 西岭村"),
        "the conflict is named"
    );
    let r = manager
        .post_form(
            app.url(&format!("{round_url}/targets")),
            &[
                ("group_id", &group.group.id),
                ("village_ids", &app.fixture.village_east),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    // The inspector (now in the round's group) schedules a meeting and records it.
    let insp = app.sign_in("inspector").await;
    let target = format!("{}:{}", group.group.id, app.fixture.village_east);
    let r = insp
        .post_form(
            app.url(&format!("{round_url}/meetings")),
            &[
                ("target", &target),
                ("place", "东溪村文化礼堂"),
                ("starts_at", "2026-11-25T09:30"),
                ("department_ids", &app.fixture.department),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let meeting = app
        .store
        .list_meetings(&qinglian_domain::scope::Reach::everything(), Some(&round_id))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(meeting.departments.len(), 1);
    let r = insp
        .post_form(
            app.url(&format!("/staff/inspection/meetings/{}/record", meeting.meeting.id)),
            &[
                ("attendance", "县住建局 张某；东溪镇 李某"),
                ("minutes", "现场答复道路硬化问题两件。"),
                ("publish_minutes", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let public = common::client()
        .get(app.url(&format!("/m/{}", meeting.meeting.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        public.contains("现场答复道路硬化问题两件。"),
        "published minutes are public"
    );
    assert!(!public.contains("张某"), "attendance is not published");
    // A department officer may not set rounds up.
    let r = app
        .sign_in("department")
        .await
        .post_form(app.url(&format!("{round_url}/groups")), &[("name", "x")])
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_round_is_set_up_from_the_pages_on_sqlite() {
    a_round_is_set_up_from_the_pages(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn a_round_is_set_up_from_the_pages_on_postgres() {
    a_round_is_set_up_from_the_pages(common::spawn_postgres().await).await;
}

#[tokio::test]
async fn concern_story_on_sqlite() {
    concern_story(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn concern_story_on_postgres() {
    concern_story(common::spawn_postgres().await).await;
}

#[tokio::test]
async fn villagers_and_guessers_on_sqlite() {
    villagers_and_guessers(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn villagers_and_guessers_on_postgres() {
    villagers_and_guessers(common::spawn_postgres().await).await;
}
