//! Cross-handling in a real browser: a case manager forms a team on the clue's team form (the
//! own-township secretary shown as recused and not selectable), issues the authorisation and
//! gets its PDF; the own-township secretary then finds nothing of the clue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::{browser, sign_in, sign_out, start_chromedriver};

use qinglian_domain::case::ClueInput;
use qinglian_domain::inspection::CHINA;
use qinglian_store::model::Actor;
use thirtyfour::prelude::*;

#[tokio::test]
async fn a_team_formed_and_authorised_while_the_own_township_secretary_sees_nothing() {
    let app = common::spawn_sqlite().await;
    let today = chrono::Utc::now().with_timezone(&CHINA).date_naive();
    let input = ClueInput::parse(
        "petition",
        "周某",
        "东溪镇农业服务中心",
        &app.fixture.township_east,
        "反映其套取农机补贴",
        "2026-11-02",
        today,
    )
    .unwrap();
    let clue = app.store.create_clue(&Actor::system("test"), &input).await.unwrap();
    let staff = app.store.all_staff().await.unwrap();
    let id_of = |name: &str| staff.iter().find(|s| s.name == name).unwrap().id.clone();
    let (secretary, office, head) = (id_of("书记丁"), id_of("监察庚"), id_of("组长辛"));
    let driver = start_chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let web = browser(&driver, profile.path()).await;

    let result = async {
        sign_in(&web, &app, "casemanager", "案管丙").await?;
        web.goto(app.url(&format!("/staff/clues/{}/team", clue.id))).await?;
        let row = web
            .find(By::Css(format!("#candidates tr[data-staff='{secretary}']")))
            .await?;
        let reasons = row.find(By::Css("td.reasons")).await?.text().await?;
        assert!(reasons.contains("回避：现任职于线索所在乡镇"), "{reasons}");
        let boxed = row.find(By::Css("input[type=checkbox]")).await?;
        assert!(!boxed.is_enabled().await?, "a recused member cannot be picked");
        for member in [&office, &head] {
            web.find(By::Css(format!(
                "#candidates tr[data-staff='{member}'] input[type=checkbox]"
            )))
            .await?
            .click()
            .await?;
        }
        // The box just ticked is checked on this page too: wait for the page the form
        // answers with before reading it, or what is found on this one goes stale.
        let before = web.find(By::Tag("html")).await?;
        web.find(By::Css("#team-form button[type=submit]"))
            .await?
            .click()
            .await?;
        before.wait_until().stale().await?;
        web.query(By::Css(format!("#candidates tr[data-staff='{office}'] input:checked")))
            .first()
            .await?;

        web.find(By::Css("#authorisation-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let card = web.query(By::Id("authorisation")).first().await?.text().await?;
        assert!(
            card.contains("交叉授权〔") && card.contains("监察庚") && card.contains("组长辛"),
            "{card}"
        );
        let href = web
            .find(By::Id("authorisation-pdf"))
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        let cm = app.sign_in("casemanager").await;
        let pdf = cm.client.get(app.url(&href)).send().await.unwrap();
        assert_eq!(pdf.status(), 200);
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
        sign_out(&web).await?;

        // The east secretary: the clue, its team form and its authorisation do not exist.
        sign_in(&web, &app, "secretary", "书记丁").await?;
        for path in [
            "/staff/clues".to_owned(),
            format!("/staff/clues/{}", clue.id),
            format!("/staff/clues/{}/team", clue.id),
            href.trim_end_matches("/authorisation.pdf").to_owned(),
            "/staff/cross-handling/proposals".to_owned(),
        ] {
            web.goto(app.url(&path)).await?;
            // The page's source, not its body element: an element found while the page is
            // still being replaced can go stale before its text is read.
            let body = web.source().await?;
            assert!(
                !body.contains(&clue.number) && !body.contains("周某"),
                "{path} shows the clue: {body}"
            );
        }
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.unwrap();
}
