//! Monthly reports (月度汇报) over HTTP: a plan opened months ago owes a report a month; a
//! liaison of the township files an ended month, the party secretary hears it and it is
//! archived; missing months show overdue on the plan, in the overdue list and on the staff
//! home; bad input and the wrong people are refused with nothing stored, and another
//! township sees nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Months, NaiveDate};
use qinglian_domain::org::StaffInput;
use qinglian_domain::rectification::item::PlanInput;
use qinglian_domain::rectification::report::ReportMonth;
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Actor, AuditFilter, PageRequest};
use serde_json::{Value, json};

fn codes(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive()
}

async fn post(s: &common::Session, url: String, body: Value) -> (u16, Value) {
    let r = s.post_json(url, body).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn report(month: &str) -> Value {
    json!({
        "month": month,
        "conduct": "村干部按时参加集中学习，未发现违纪问题。",
        "funds": "集体资金收支已按月公开。",
        "projects": "村道硬化工程已完工并归档。",
        "affairs": "召开村民代表会议一次，会议记录完整。",
        "complaints": "收到群众反映一件，已当面答复。"
    })
}

async fn story(app: common::TestApp) {
    let a = Actor::system("test");
    let f = app.fixture.clone();
    let hash = qinglian_web::password::hash(&qinglian_web::password::Password::new(common::PASSWORD)).unwrap();
    let mut ids = Vec::new();
    for (username, name) in [
        ("partysec", "党委书记甲"),
        ("official", "联村干部乙"),
        ("official2", "联村干部丙"),
    ] {
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
    // Opened four months back, in the middle of the month.
    let opened_on = today()
        .checked_sub_months(Months::new(4))
        .unwrap()
        .with_day(15)
        .unwrap();
    let opened_at = opened_on.and_hms_opt(2, 0, 0).unwrap().and_utc();
    let c_period = qinglian_testkit::c_period(app.store.as_ref(), "2026年第三季度", &[f.village_east.as_str()]).await;
    let plan = app
        .store
        .create_village_plan(
            &a,
            &Reach::everything(),
            &PlanInput::parse(&f.village_east, &c_period.id).unwrap(),
            opened_at,
        )
        .await
        .unwrap();
    let plan_id = plan.plan.id.clone();
    let first = ReportMonth::of(opened_on);
    let this = ReportMonth::of(today());
    let last = ReportMonth::of(this.first_day() - Duration::days(1));
    let party = app.sign_in("partysec").await;
    let official = app.sign_in("official").await;
    let official2 = app.sign_in("official2").await;
    let secretary = app.sign_in("secretary").await;
    let west = app.sign_in("liaison").await;
    let department = app.sign_in("department").await;
    let cm = app.sign_in("casemanager").await;

    // The schedule: every month from the opening one to this one, none filed; all the ended
    // ones but perhaps the last (still within its due days) are overdue.
    let schedule_url = app.url(&format!("/api/v1/village-plans/{plan_id}/monthly-reports"));
    let (s, body) = cm.get_json(schedule_url.clone()).await;
    assert_eq!(s, 200, "{body}");
    let months: Vec<&str> = body["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    assert_eq!(months.len(), 5, "{body}");
    assert_eq!(months[0], first.to_string());
    assert_eq!(months[4], this.to_string());
    assert_eq!(body["months"][0]["status"], "overdue");
    assert_eq!(body["months"][4]["status"], "not_yet_due");
    assert_eq!(body["due_day"], 5);
    let (s, overdue) = cm.get_json(app.url("/api/v1/monthly-reports/overdue")).await;
    assert_eq!(s, 200);
    assert!(overdue.as_array().unwrap().len() >= 3, "{overdue}");
    assert_eq!(overdue[0]["month"], first.to_string());
    assert_eq!(overdue[0]["village_name"], "上坪村");

    // Bad input: every bad section at once, text too long, a month not ended, a month outside
    // the schedule, a malformed month; nothing is stored.
    let file_url = schedule_url.clone();
    let mut bad = report(&last.to_string());
    bad["conduct"] = json!("  ");
    bad["complaints"] = json!("");
    let (s, body) = post(&official, file_url.clone(), bad).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["text.empty".to_owned(), "text.empty".to_owned()]),
        "{body}"
    );
    assert_eq!(body["fields"][0]["field"], "conduct");
    let mut huge = report(&last.to_string());
    huge["funds"] = json!("账".repeat(100 * 1024 / 3));
    let (s, body) = post(&official, file_url.clone(), huge).await;
    assert_eq!((s, codes(&body)), (422, vec!["text.too_long".to_owned()]), "{body}");
    for (month, code) in [
        (this.to_string(), "monthly_report.month_not_ended"),
        (this.next().to_string(), "monthly_report.month_not_ended"),
        (
            ReportMonth::of(first.first_day() - Duration::days(1)).to_string(),
            "monthly_report.month_outside_schedule",
        ),
        ("2026-13".to_owned(), "monthly_report.month_invalid"),
    ] {
        let (s, body) = post(&official, file_url.clone(), report(&month)).await;
        assert_eq!((s, codes(&body)), (422, vec![code.to_owned()]), "{month}: {body}");
    }
    let (s, body) = post(&official, file_url.clone(), json!({"month": last.to_string()})).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (400, Some("bad_request")),
        "a body without its sections is malformed: {body}"
    );

    // The wrong people: another township's liaison does not see the plan; a department and
    // the auditor may not; the discipline secretary and the party secretary do not file.
    let (s, _) = west.get_json(schedule_url.clone()).await;
    assert_eq!(s, 404);
    let (s, _) = post(&west, file_url.clone(), report(&last.to_string())).await;
    assert_eq!(s, 404);
    for who in [&department, &app.sign_in("auditor").await] {
        let (s, _) = who.get_json(schedule_url.clone()).await;
        assert_eq!(s, 403);
        let (s, _) = post(who, file_url.clone(), report(&last.to_string())).await;
        assert_eq!(s, 403);
    }
    let (s, body) = post(&secretary, file_url.clone(), report(&last.to_string())).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["monthly_report.filer_not_liaison".to_owned()])
    );
    let (s, body) = post(&party, file_url.clone(), report(&last.to_string())).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["monthly_report.party_secretary_hears".to_owned()])
    );
    let (_, body) = cm.get_json(schedule_url.clone()).await;
    assert!(
        body["months"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["report_id"].is_null()),
        "the refused filings stored nothing: {body}"
    );

    // The happy path: the liaison files the first month; a second report for it is refused.
    let (s, filed) = post(&official, file_url.clone(), report(&first.to_string())).await;
    assert_eq!(s, 201, "{filed}");
    let report_id = filed["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (filed["month"].as_str(), filed["filed_by_name"].as_str()),
        (Some(first.to_string().as_str()), Some("联村干部乙"))
    );
    assert!(filed["heard_at"].is_null());
    let (s, body) = post(&official2, file_url.clone(), report(&first.to_string())).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["monthly_report.already_filed".to_owned()])
    );
    let (_, body) = cm.get_json(schedule_url.clone()).await;
    assert_eq!(body["months"][0]["status"], "filed");
    assert_eq!(body["months"][0]["report_id"], report_id.as_str());

    // Hearing: not by another township, a department, the discipline secretary, a liaison who
    // is not the party secretary; then by the party secretary, once.
    let report_url = app.url(&format!("/api/v1/monthly-reports/{report_id}"));
    let hear_url = app.url(&format!("/api/v1/monthly-reports/{report_id}/hearing"));
    let remarks = json!({"remarks": "听取汇报，三资公开要保持按月。"});
    let (s, _) = west.get_json(report_url.clone()).await;
    assert_eq!(s, 404);
    let (s, _) = post(&west, hear_url.clone(), remarks.clone()).await;
    assert_eq!(s, 404);
    let (s, _) = post(&department, hear_url.clone(), remarks.clone()).await;
    assert_eq!(s, 403);
    for who in [&secretary, &official2] {
        let (s, body) = post(who, hear_url.clone(), remarks.clone()).await;
        assert_eq!(
            (s, codes(&body)),
            (422, vec!["monthly_report.hearer_not_party_secretary".to_owned()])
        );
    }
    let (s, body) = post(&party, hear_url.clone(), json!({"remarks": " "})).await;
    assert_eq!((s, codes(&body)), (422, vec!["text.empty".to_owned()]));
    let (s, heard) = post(&party, hear_url.clone(), remarks.clone()).await;
    assert_eq!(s, 200, "{heard}");
    assert_eq!(
        (heard["heard_by_name"].as_str(), heard["remarks"].as_str()),
        (Some("党委书记甲"), Some("听取汇报，三资公开要保持按月。"))
    );
    let (s, body) = post(&party, hear_url.clone(), json!({"remarks": "再听一次"})).await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["monthly_report.already_heard".to_owned()])
    );
    let (s, body) = cm.get_json(report_url.clone()).await;
    assert_eq!(
        (s, body["remarks"].as_str()),
        (200, Some("听取汇报，三资公开要保持按月。"))
    );
    let (_, body) = cm.get_json(schedule_url.clone()).await;
    assert_eq!(body["months"][0]["status"], "heard");
    let (_, after) = cm.get_json(app.url("/api/v1/monthly-reports/overdue")).await;
    assert_eq!(
        after.as_array().unwrap().len() + 1,
        overdue.as_array().unwrap().len(),
        "the filed month left the overdue list"
    );

    // The filer cannot hear their own report, even once made party secretary.
    let second = first.next();
    let (s, filed) = post(&official, file_url.clone(), report(&second.to_string())).await;
    assert_eq!(s, 201, "{filed}");
    let second_id = filed["id"].as_str().unwrap().to_owned();
    app.store
        .set_party_secretary(&a, &f.township_east, &ids[1])
        .await
        .unwrap();
    let (s, body) = post(
        &official,
        app.url(&format!("/api/v1/monthly-reports/{second_id}/hearing")),
        remarks.clone(),
    )
    .await;
    assert_eq!(
        (s, codes(&body)),
        (422, vec!["monthly_report.no_self_hearing".to_owned()])
    );
    app.store
        .set_party_secretary(&a, &f.township_east, &ids[0])
        .await
        .unwrap();

    // Each accepted write is one audit row, and so is each read of a report.
    let trail = |object: String| {
        let store = app.store.clone();
        async move {
            store
                .list_audit(
                    &AuditFilter {
                        object_id: Some(object),
                        ..Default::default()
                    },
                    PageRequest::new(1, 200),
                )
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|e| e.action)
                .collect::<Vec<_>>()
        }
    };
    let actions = trail(report_id.clone()).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "monthly_report.file").count(),
        1,
        "{actions:?}"
    );
    assert_eq!(actions.iter().filter(|a| *a == "monthly_report.hear").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "monthly_report.view").count(), 1);

    // The pages: the schedule on the plan with the overdue months marked, the report with its
    // hearing, the overdue list, the home's reminder; a refusal shown in Chinese.
    let page = |url: String| {
        let client = official.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let plan_page = page(app.url(&format!("/staff/village-plans/{plan_id}"))).await;
    assert!(
        plan_page.contains("月度汇报") && plan_page.contains("已听取归档") && plan_page.contains("逾期未报"),
        "{plan_page}"
    );
    assert!(plan_page.contains(&format!("/staff/monthly-reports/{report_id}")));
    assert!(plan_page.contains("id=\"report-form\""), "the liaison gets the form");
    let report_page = page(app.url(&format!("/staff/monthly-reports/{report_id}"))).await;
    assert!(
        report_page.contains("村道硬化工程已完工并归档") && report_page.contains("三资公开要保持按月"),
        "{report_page}"
    );
    let list = page(app.url("/staff/monthly-reports/overdue")).await;
    assert!(
        list.contains("上坪村") && list.contains(&second.next().to_string()),
        "{list}"
    );
    let home = page(app.url("/staff")).await;
    assert!(home.contains("/staff/monthly-reports/overdue"), "{home}");
    let r = official
        .post_form(
            app.url(&format!("/staff/village-plans/{plan_id}/monthly-reports")),
            &[
                ("month", &this.to_string()),
                ("conduct", "作风"),
                ("funds", "三资"),
                ("projects", "工程"),
                ("affairs", "村务"),
                ("complaints", "信访"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("该月尚未结束，不能报送该月的汇报。"));
    let r = official
        .post_form(
            app.url(&format!("/staff/village-plans/{plan_id}/monthly-reports")),
            &[
                ("month", &second.next().to_string()),
                ("conduct", "作风"),
                ("funds", "三资"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不能为空。"));
    let r = official
        .post_form(
            app.url(&format!("/staff/village-plans/{plan_id}/monthly-reports")),
            &[
                ("month", &second.next().to_string()),
                ("conduct", "作风"),
                ("funds", "三资"),
                ("projects", "工程"),
                ("affairs", "村务"),
                ("complaints", "信访"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = official
        .post_form(
            app.url(&format!("/staff/monthly-reports/{second_id}/hearing")),
            &[("remarks", "自己听取")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("只有本乡镇党委书记可以听取月度汇报。"));
    let r = party
        .post_form(
            app.url(&format!("/staff/monthly-reports/{second_id}/hearing")),
            &[("remarks", "同意")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = west
        .client
        .get(app.url(&format!("/staff/monthly-reports/{second_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn monthly_reports_on_sqlite() {
    story(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn monthly_reports_on_postgres() {
    story(common::spawn_postgres().await).await;
}
