//! The authorisation matrix, generated from the server's own route table: every route × every
//! role (and no one) × an existing object and an unknown one, with the status each must get.
//! A route the server answers that the table does not declare fails the suite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use qinglian_domain::access::may;
use qinglian_domain::article::ArticleInput;
use qinglian_domain::org::ZoneInput;
use qinglian_domain::role::Role;
use qinglian_store::model::Actor;
use qinglian_web::routes::{Access, RouteSpec, route_table};
use reqwest::Method;

const UNKNOWN: &str = "00000000-0000-7000-8000-000000000000";

/// The usernames of the fixture's accounts, one per role.
fn username(role: Role) -> &'static str {
    match role {
        Role::CommissionLeader => "leader",
        Role::CaseManager => "casemanager",
        Role::SupervisionOffice => "office",
        Role::TownshipSecretary => "secretary",
        Role::StationedGroupHead => "grouphead",
        Role::InspectionGroupMember => "inspector",
        Role::VillageLiaison => "liaison",
        Role::DepartmentOfficer => "department",
        Role::Auditor => "auditor",
        Role::SystemAdmin => "admin",
    }
}

struct Ids {
    township: String,
    village: String,
    group: String,
    zone: String,
    staff: String,
    article: String,
    account: String,
    round: String,
    meeting: String,
    concern: String,
    clue: String,
    case: String,
    interview: String,
    evidence: String,
    upload: String,
    rating_period: String,
    rating_result: String,
    rectification: String,
    plan: String,
    item: String,
    report: String,
}

/// The path with its `{…}` filled: the existing object for the path, or an unknown one.
fn fill(path: &str, ids: &Ids, known: bool) -> String {
    // Open311 resources are `{id}.{format}`; the world's category has the code `road`.
    if path.starts_with("/open311/") {
        let stem = if !known {
            UNKNOWN
        } else if path.contains("/services/") {
            "road"
        } else {
            &ids.concern
        };
        return path.replace("{file}", &format!("{stem}.json"));
    }
    let id = if path.contains("{code}") {
        // A well-formed code the registry does not hold, known or not: the fixture loads none.
        "990299"
    } else if !known {
        UNKNOWN
    } else if path.contains("/rating/results/") {
        &ids.rating_result
    } else if path.contains("/rating/periods/") || path.starts_with("/rating/") {
        // The public notice of a period: the fixture's is unpublished, so not found to all.
        &ids.rating_period
    } else if path.contains("monthly-reports/{") {
        &ids.report
    } else if path.contains("rectification-items") {
        &ids.item
    } else if path.contains("village-plans") {
        &ids.plan
    } else if path.contains("rectification") {
        &ids.rectification
    } else if path.contains("clues") {
        &ids.clue
    } else if path.contains("cases") {
        &ids.case
    } else if path.contains("interviews") {
        &ids.interview
    } else if path.starts_with("/api/v1/evidence/uploads/") {
        &ids.upload
    } else if path.starts_with("/api/v1/evidence/") {
        &ids.evidence
    } else if path.contains("meetings") || path.starts_with("/m/") {
        &ids.meeting
    } else if path.contains("concerns") {
        &ids.concern
    } else if path.contains("rounds") {
        &ids.round
    } else if path.contains("village") {
        &ids.village
    } else if path.contains("township") {
        &ids.township
    } else if path.contains("stationed-groups") {
        &ids.group
    } else if path.contains("zones") {
        &ids.zone
    } else if path.contains("/staff/{") {
        &ids.staff
    } else if path.contains("articles") {
        &ids.article
    } else if path.contains("accounts") {
        &ids.account
    } else if path.contains("{practice}") {
        "rating"
    } else {
        "990201"
    };
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map(|e| start + e + 1).unwrap_or(rest.len());
        out.push_str(id);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// What a user with this role (or none) must get from the route.
fn allowed(access: Access, role: Option<Role>) -> bool {
    match (access, role) {
        (Access::Public, _) => true,
        (_, None) => false,
        (Access::SignedIn, Some(_)) => true,
        (Access::Can(action), Some(r)) => may(r, action),
    }
}

struct Session {
    client: reqwest::Client,
    csrf: String,
}

async fn request(app: &common::TestApp, who: Option<&Session>, method: &str, url: &str) -> u16 {
    let (status, body) = request_with_body(app, who, method, url).await;
    // From the attacker's side: no answer, to anyone, ever carries a password hash.
    assert!(!body.contains("$argon2"), "{method} {url} leaks a password hash");
    status
}

async fn request_with_body(app: &common::TestApp, who: Option<&Session>, method: &str, url: &str) -> (u16, String) {
    let client = who.map(|s| s.client.clone()).unwrap_or_else(common::client);
    let mut req = client.request(Method::from_bytes(method.as_bytes()).unwrap(), app.url(url));
    if let Some(s) = who {
        req = req.header("x-csrf-token", &s.csrf);
    }
    if method != "GET" {
        req = if url.starts_with("/api/") {
            req.json(&serde_json::json!({}))
        } else {
            req.form(&[("x", "")])
        };
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn matrix(app: common::TestApp) {
    let a = Actor::system("test");
    let f = app.fixture.clone();
    let zone = app
        .store
        .create_zone(
            &a,
            &ZoneInput::parse(
                "矩阵协作区",
                "townships",
                &f.leader,
                &f.office,
                vec![f.township_west.clone()],
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let article = app
        .store
        .create_article(
            &a,
            &ArticleInput::parse("notice", "矩阵通知", "县纪委监委", "办公室", "<p>正文</p>").unwrap(),
        )
        .await
        .unwrap();
    app.store
        .set_published(&a, &article.id, true, chrono::Utc::now())
        .await
        .unwrap();
    let world = app.inspection_world().await;
    let cases_world = app.case_world().await;
    let evidence = evidence_fixture(&app).await;
    // The plan's period is published before the rating fixture opens its own: one period
    // at a time is undecided.
    let (rectification, plan, item, report) = rectification_fixture(&app).await;
    let rating = rating_fixture(&app).await;
    let ids = Ids {
        rating_period: rating.0,
        rating_result: rating.1,
        rectification,
        plan,
        item,
        report,
        clue: cases_world.clue,
        case: cases_world.case,
        interview: cases_world.interview,
        township: f.township_east.clone(),
        village: f.village_east.clone(),
        group: f.group.clone(),
        zone: zone.zone.id,
        staff: f.leader.clone(),
        article: article.id,
        account: f.victim_account.clone(),
        round: world.round,
        meeting: world.meeting,
        concern: world.concern,
        evidence: evidence.0,
        upload: evidence.1,
    };

    let mut table = route_table();
    // Signing out ends the session: run it last for each user.
    table.sort_by_key(|r| r.path == "/logout");
    let mut cases = 0usize;
    let mut failures = Vec::new();
    let actors: Vec<Option<Role>> = std::iter::once(None).chain(Role::ALL.into_iter().map(Some)).collect();
    for role in actors {
        let session = match role {
            Some(r) => {
                let s = app.sign_in(username(r)).await;
                Some(Session {
                    client: s.client,
                    csrf: s.csrf,
                })
            }
            None => None,
        };
        for spec in &table {
            for known in [true, false] {
                if !known && !spec.path.contains('{') {
                    continue;
                }
                let url = fill(spec.path, &ids, known);
                let status = request(&app, session.as_ref(), spec.method, &url).await;
                cases += 1;
                let ok = check(spec, role, known, status, &url);
                if let Err(why) = ok {
                    failures.push(format!(
                        "{:?} {} {url}: {status} ({why})",
                        role.map(|r| r.as_str()),
                        spec.method
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("authorisation matrix: {cases} cases on {}", app.store.backend());
    assert!(cases > 900, "the matrix shrank to {cases} cases");
}

/// An open rating period graded once: its id and the fixture village's result.
async fn rating_fixture(app: &common::TestApp) -> (String, String) {
    use qinglian_domain::rating::{PeriodInput, seed_framework};
    use qinglian_domain::scope::Reach;
    let a = Actor::system("test");
    app.store.save_framework(&a, &seed_framework()).await.unwrap();
    let period = app
        .store
        .open_period(&a, &PeriodInput::parse("矩阵研判期", "monthly").unwrap())
        .await
        .unwrap();
    app.store.grade_period(&a, &period.id).await.unwrap();
    let result = app
        .store
        .period_results(&Reach::everything(), &period.id)
        .await
        .unwrap();
    (period.id, result[0].id.clone())
}

/// A draft rectification order on the east township's village, and a village plan there,
/// opened two months back, with one item owned by the township's secretary and the monthly
/// report of its first month filed by a liaison posted there.
async fn rectification_fixture(app: &common::TestApp) -> (String, String, String, String) {
    use qinglian_domain::rectification::item::{ItemInput, PlanInput};
    use qinglian_domain::rectification::order::OrderInput;
    let today = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    let a = Actor::system("test");
    let all = qinglian_domain::scope::Reach::everything();
    let village = &app.fixture.village_east;
    let input = OrderInput::parse(village, "矩阵问题", "矩阵整改要求", &today.to_string(), today).unwrap();
    let order = app
        .store
        .draft_rectification_order(&a, &all, &input, today)
        .await
        .unwrap();
    let c_period = qinglian_testkit::c_period(app.store.as_ref(), "矩阵期次", &[village.as_str()]).await;
    app.store.publish_period(&a, &c_period.id).await.unwrap();
    let plan = app
        .store
        .create_village_plan(
            &a,
            &all,
            &PlanInput::parse(village, &c_period.id).unwrap(),
            chrono::Utc::now() - chrono::Duration::days(62),
        )
        .await
        .unwrap();
    let owner = app
        .store
        .all_staff()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.role == "township_secretary")
        .unwrap()
        .id;
    let item = ItemInput::parse("矩阵事项", &owner, &today.to_string(), "矩阵成效", today).unwrap();
    let plan = app
        .store
        .add_rectification_item(&a, &all, &plan.plan.id, &item, today)
        .await
        .unwrap();
    let liaison = app
        .store
        .create_staff(
            &a,
            &qinglian_domain::org::StaffInput::parse(
                "矩阵联村",
                "village_liaison",
                Some(&app.fixture.township_east),
                None,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let filer = Actor {
        staff_id: Some(liaison.id),
        ..Actor::system("test")
    };
    let month = qinglian_domain::rectification::report::ReportMonth::of(today - chrono::Duration::days(62));
    let sections =
        qinglian_domain::rectification::report::Sections::parse("作风", "三资", "工程", "村务", "信访").unwrap();
    let report = app
        .store
        .file_monthly_report(&filer, &all, &plan.plan.id, month, &sections, chrono::Utc::now())
        .await
        .unwrap();
    (order.order.id, plan.plan.id, plan.items[0].item.id.clone(), report.id)
}

/// An evidence file and an upload in progress, both the case manager's.
async fn evidence_fixture(app: &common::TestApp) -> (String, String) {
    use qinglian_store::evidence::{BlobKey, BlobStore, Digests, EvidenceUpload, LocalBlobs, NewEvidence};
    let account = app.store.find_account("casemanager").await.unwrap().unwrap();
    let owner = Actor {
        account_id: Some(account.id.clone()),
        ..Actor::system("test")
    };
    let dir = &app.settings.evidence_dir;
    let bytes = b"matrix recording".to_vec();
    let digests = Digests::of(&bytes);
    let key = BlobKey::for_sha256(&digests.sha256);
    let staged = dir.join("incoming").join("matrix-staged");
    std::fs::write(&staged, &bytes).unwrap();
    LocalBlobs::new(dir).put_file(&key, &staged).await.unwrap();
    let new = NewEvidence {
        digests,
        size: bytes.len() as u64,
        file_name: qinglian_domain::evidence::FileName::parse("filename", "矩阵.mp4").unwrap(),
        media_type: qinglian_domain::evidence::MediaType::parse("filetype", "video/mp4").unwrap(),
        key,
    };
    let file = app.store.record_intake(&owner, None, &new).await.unwrap();
    let now = chrono::Utc::now();
    let upload = EvidenceUpload {
        id: uuid::Uuid::new_v4().to_string(),
        account_id: account.id,
        length: 100,
        upload_offset: 0,
        file_name: "矩阵.mp4".into(),
        media_type: "video/mp4".into(),
        declared_sha256: None,
        declared_sm3: None,
        created_at: now,
        expires_at: now + chrono::Duration::hours(1),
    };
    std::fs::write(dir.join("incoming").join(&upload.id), b"").unwrap();
    app.store.create_upload(&upload).await.unwrap();
    (file.id, upload.id)
}

fn check(spec: &RouteSpec, role: Option<Role>, known: bool, status: u16, url: &str) -> Result<(), &'static str> {
    if status >= 500 {
        return Err("server error");
    }
    if !allowed(spec.access, role) {
        return match (role, url.starts_with("/api/")) {
            (None, true) if status == 401 => Ok(()),
            (None, false) if status == 303 => Ok(()),
            (Some(_), _) if status == 403 => Ok(()),
            _ => Err("must be refused"),
        };
    }
    if status == 401 || status == 403 {
        return Err("must be allowed");
    }
    // An unknown object is not found, whoever asks; nothing else about it leaks.
    if !known && spec.method == "GET" && status != 404 {
        return Err("unknown object must be 404");
    }
    Ok(())
}

#[tokio::test]
async fn authorisation_matrix_on_sqlite() {
    matrix(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn authorisation_matrix_on_postgres() {
    matrix(common::spawn_postgres().await).await;
}

/// Every API operation in the OpenAPI document is in the table and the other way round.
#[tokio::test]
async fn the_table_covers_every_api_operation() {
    let app = common::spawn_sqlite().await;
    let doc: serde_json::Value = common::client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let declared: BTreeSet<(String, String)> = route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(documented, declared);
}

/// A method the table does not declare for a path is not served (405), so no handler hides
/// behind a declared path without its access being stated.
#[tokio::test]
async fn undeclared_methods_are_not_served() {
    let app = common::spawn_sqlite().await;
    let admin = app.sign_in("admin").await;
    let session = Session {
        client: admin.client,
        csrf: admin.csrf,
    };
    let table = route_table();
    let paths: BTreeSet<&str> = table.iter().map(|r| r.path).collect();
    let ids = Ids {
        township: UNKNOWN.into(),
        village: UNKNOWN.into(),
        group: UNKNOWN.into(),
        zone: UNKNOWN.into(),
        staff: UNKNOWN.into(),
        article: UNKNOWN.into(),
        account: UNKNOWN.into(),
        round: UNKNOWN.into(),
        meeting: UNKNOWN.into(),
        concern: UNKNOWN.into(),
        clue: UNKNOWN.into(),
        case: UNKNOWN.into(),
        interview: UNKNOWN.into(),
        evidence: UNKNOWN.into(),
        upload: UNKNOWN.into(),
        rating_period: UNKNOWN.into(),
        rating_result: UNKNOWN.into(),
        rectification: UNKNOWN.into(),
        plan: UNKNOWN.into(),
        item: UNKNOWN.into(),
        report: UNKNOWN.into(),
    };
    let mut checked = 0;
    for path in paths {
        if path == "/logout" {
            continue;
        }
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if table.iter().any(|r| r.path == path && r.method == method) {
                continue;
            }
            let status = request(&app, Some(&session), method, &fill(path, &ids, true)).await;
            assert_eq!(status, 405, "{method} {path} is served but not declared");
            checked += 1;
        }
    }
    assert!(checked > 100);
}
