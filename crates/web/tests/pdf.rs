//! The register and the minutes as PDF downloads: what arrives is a PDF with the CJK font and
//! the expected pages, each download is audited, and out-of-reach users get nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use qinglian_domain::inspection::{ConcernInput, ConcernSource, ReceiptCode};
use qinglian_store::model::{Actor, AuditFilter, PageRequest};

/// Typst markup a villager might type; the unit tests in `pages::inspection_pdf` check it
/// prints literally, here it must not break the download.
const MARKUP: &str = "#set page(width: 1cm) *bold* ] <script>";

/// Adds concerns at the world's meeting until the round has `total`, one of them with markup.
async fn fill_round(app: &common::TestApp, w: &common::InspectionWorld, total: usize) {
    let a = Actor::system("test");
    for i in 1..total {
        let text = if i == 1 {
            MARKUP.to_owned()
        } else {
            format!("第{i}号问题：村口断头路未打通")
        };
        let code = ReceiptCode::parse(&format!("2222-3333-4444-{i:04}")).unwrap();
        let hash = app.state().secrets.receipt_hash(&code);
        app.store
            .create_concern(
                &a,
                &ConcernInput::parse(&text, &w.category, &app.fixture.village_east, Some(&w.meeting), "", "").unwrap(),
                ConcernSource::Meeting,
                &hash,
                "第一巡察组",
                chrono::Utc::now(),
            )
            .await
            .unwrap();
    }
}

/// How many pages a PDF has: the page tree's root, which typst writes uncompressed, counts them.
fn page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let after = text
        .split("/Type/Pages/Count ")
        .nth(1)
        .expect("an uncompressed page tree root");
    after
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

fn assert_pdf(bytes: &[u8]) {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF header");
    let tail = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(32)..]).to_string();
    assert!(tail.trim_end().ends_with("%%EOF"), "a PDF trailer: {tail:?}");
    let text = String::from_utf8_lossy(bytes);
    assert!(
        text.contains("NotoSerifCJK") || text.contains("NotoSansCJK"),
        "the Noto CJK font is embedded"
    );
}

async fn register_download(app: common::TestApp) {
    let w = app.inspection_world().await;
    fill_round(&app, &w, 60).await;
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
    let url = format!("/staff/inspection/rounds/{}/register.pdf", w.round);
    assert!(
        page.contains(&format!("href=\"{url}\"")),
        "the round page links the PDF"
    );

    let r = manager.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"round-8-register.pdf\""
    );
    let bytes = r.bytes().await.unwrap();
    assert_pdf(&bytes);
    assert_eq!(page_count(&bytes), 2, "sixty one-line rows on two A4 landscape pages");

    let audit = app
        .store
        .list_audit(
            &AuditFilter {
                action: Some("concern.view".into()),
                object_id: Some(w.round.clone()),
                ..Default::default()
            },
            PageRequest { offset: 0, limit: 10 },
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1, "the download is audited");
    assert_eq!(audit.items[0].actor_name, "案管丙");
    assert!(
        audit.items[0]
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("60 concerns")
    );

    // Out of reach the round does not exist; the administrator reads no concern at all.
    let r = app
        .sign_in("liaison")
        .await
        .client
        .get(app.url(&url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .sign_in("admin")
        .await
        .client
        .get(app.url(&url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn register_download_on_sqlite() {
    register_download(common::spawn_sqlite().await).await;
}

#[tokio::test]
async fn register_download_on_postgres() {
    register_download(common::spawn_postgres().await).await;
}

#[tokio::test]
async fn minutes_download() {
    let app = common::spawn_sqlite().await;
    let w = app.inspection_world().await;
    fill_round(&app, &w, 3).await;
    let inspector = app.sign_in("inspector").await;
    let r = inspector
        .post_form(
            app.url(&format!("/staff/inspection/meetings/{}/record", w.meeting)),
            &[
                ("attendance", "镇党委书记、村两委成员、群众代表 12 人"),
                ("minutes", &format!("一、道路问题当场答复。\n{MARKUP}")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = inspector
        .client
        .get(app.url(&format!("/staff/inspection/meetings/{}", w.meeting)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let url = format!("/staff/inspection/meetings/{}/minutes.pdf", w.meeting);
    assert!(
        page.contains(&format!("href=\"{url}\"")),
        "the meeting page links the PDF"
    );

    let r = inspector.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"meeting-20261020-") && disposition.ends_with("-minutes.pdf\""),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    assert_pdf(&bytes);
    assert_eq!(page_count(&bytes), 1);

    let audit = app
        .store
        .list_audit(
            &AuditFilter {
                action: Some("concern.view".into()),
                object_id: Some(w.meeting.clone()),
                ..Default::default()
            },
            PageRequest { offset: 0, limit: 10 },
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1, "the download is audited");

    let r = app
        .sign_in("liaison")
        .await
        .client
        .get(app.url(&url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .sign_in("admin")
        .await
        .client
        .get(app.url(&url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
