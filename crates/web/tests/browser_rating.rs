//! Issue 5's promise in a real browser: the township opens the plan of a village the review
//! graded C, adds an item, its owner submits evidence, the discipline secretary verifies and
//! closes it out (销号); the public notice shows the item closed with its log proof, and once
//! the next period grades the village above C, the village as having left C (整转).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::{browser, sign_in, sign_out, start_chromedriver};

use qinglian_domain::org::StaffInput;
use qinglian_store::model::Actor;
use thirtyfour::prelude::*;

/// Chooses the option with this visible text in a select.
async fn choose(web: &WebDriver, select: &str, text: &str) -> WebDriverResult<()> {
    web.find(By::Css(select)).await?.send_keys(text).await
}

/// Takes a step on the first item of the plan page and waits for the state it leads to.
async fn item_step(web: &WebDriver, step: &str, text: &str, state: &str) -> WebDriverResult<()> {
    choose(web, "#item-1 select[name=kind]", step).await?;
    web.find(By::Css("#item-1 textarea[name=text]"))
        .await?
        .send_keys(text)
        .await?;
    web.find(By::Css("#item-1 form.act-form button[type=submit]"))
        .await?
        .click()
        .await?;
    web.query(By::XPath(format!(
        "//section[@id='item-1']//span[@class='item-state' and .='{state}']"
    )))
    .first()
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_plan_item_from_submission_to_close_out_and_the_village_leaving_c_in_public() {
    let app = common::spawn_sqlite().await;
    let f = app.fixture.clone();
    let a = Actor::system("test");
    // The east township's party secretary, who owns the plan's items.
    let hash = qinglian_web::password::hash(&qinglian_web::password::Password::new(common::PASSWORD)).unwrap();
    let party = app
        .store
        .create_staff(
            &a,
            &StaffInput::parse("党委书记甲", "village_liaison", Some(&f.township_east), None).unwrap(),
        )
        .await
        .unwrap();
    app.store
        .create_account(&a, &party.id, "partysec", &hash)
        .await
        .unwrap();
    app.store
        .set_party_secretary(&a, &f.township_east, &party.id)
        .await
        .unwrap();
    // The review has graded 上坪村 C and the period is published.
    let first = qinglian_testkit::c_period(app.store.as_ref(), "2026年第二季度", &[f.village_east.as_str()]).await;
    app.store.publish_period(&a, &first.id).await.unwrap();

    let driver = start_chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let web = browser(&driver, profile.path()).await;
    let evidence = "公开栏已按月更新，附照片（内部佐证材料）";
    let photos = tempfile::tempdir().unwrap();
    let photo = photos.path().join("公开栏照片.jpg");
    std::fs::write(&photo, (0..30_000u32).map(|i| (i % 253) as u8).collect::<Vec<u8>>()).unwrap();
    let result = async {
        // The party secretary opens the plan and adds an item owned by themself.
        sign_in(&web, &app, "partysec", "党委书记甲").await?;
        web.goto(app.url("/staff/village-plans")).await?;
        choose(&web, "#plan-form select[name=period_id]", "2026年第二季度").await?;
        choose(&web, "#plan-form select[name=village_id]", "上坪村").await?;
        web.find(By::Css("#plan-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let standing = web.query(By::Id("standing")).first().await?.text().await?;
        assert!(
            standing.contains("2026年第二季度") && standing.contains("待下期研判"),
            "{standing}"
        );
        web.find(By::Css("#item-form textarea[name=title]"))
            .await?
            .send_keys("村务公开栏按月更新")
            .await?;
        choose(&web, "#item-form select[name=owner_staff_id]", "党委书记甲").await?;
        let due = (chrono::Utc::now() + chrono::Duration::days(30))
            .date_naive()
            .to_string();
        web.execute(
            &format!("document.querySelector('#item-form input[name=deadline]').value = '{due}';"),
            Vec::new(),
        )
        .await?;
        web.find(By::Css("#item-form textarea[name=expected_result]"))
            .await?
            .send_keys("公开栏内容与账目一致")
            .await?;
        web.find(By::Css("#item-form button[type=submit]"))
            .await?
            .click()
            .await?;
        web.query(By::XPath(
            "//section[@id='item-1']//span[@class='item-state' and .='整改中']",
        ))
        .first()
        .await?;
        let plan_url = web.current_url().await?.to_string();

        // The owner hands in evidence with a photo chosen on the device; a supervisor must
        // verify it.
        web.find(By::Css("#item-1 input[type=file]"))
            .await?
            .send_keys(photo.to_str().unwrap())
            .await?;
        item_step(&web, "提交佐证", evidence, "待核验").await?;
        let link = web.find(By::Css("#item-1 ol.history a.item-file")).await?;
        assert_eq!(link.text().await?, "公开栏照片.jpg");
        assert!(link.attr("href").await?.unwrap_or_default().contains("/files/"));
        sign_out(&web).await?;

        // The township's discipline secretary sends it back once, then verifies and closes it.
        sign_in(&web, &app, "secretary", "书记丁").await?;
        web.goto(&plan_url).await?;
        item_step(&web, "退回整改", "照片不清晰，请补充", "已退回").await?;
        sign_out(&web).await?;
        sign_in(&web, &app, "partysec", "党委书记甲").await?;
        web.goto(&plan_url).await?;
        item_step(&web, "提交佐证", "已补充清晰照片", "待核验").await?;
        sign_out(&web).await?;
        sign_in(&web, &app, "secretary", "书记丁").await?;
        web.goto(&plan_url).await?;
        assert_eq!(
            web.find_all(By::Css("#item-1 input[type=file]")).await?.len(),
            0,
            "only the owner's step takes files"
        );
        item_step(&web, "核验销号", "经现场核查，整改到位，予以销号", "已销号").await?;
        let history = web.find(By::Css("#item-1 ol.history")).await?.text().await?;
        assert_eq!(history.matches("提交佐证").count(), 2, "{history}");
        sign_out(&web).await?;
        Ok::<String, WebDriverError>(plan_url)
    }
    .await;
    let plan_url = match result {
        Ok(u) => u,
        Err(e) => {
            let _ = web.quit().await;
            panic!("{e}");
        }
    };

    // The next period grades 上坪村 B and is published; the log is integrated and signed.
    let second =
        qinglian_testkit::graded_period(app.store.as_ref(), "2026年第三季度", &[(f.village_east.as_str(), "B")]).await;
    app.store.publish_period(&a, &second.id).await.unwrap();
    qinglian_web::ledger::integrate(&app.state()).await.unwrap();

    let result = async {
        // A visitor: the first period lists 上坪村 with its item closed out and proven.
        web.goto(app.url("/rating")).await?;
        web.query(By::LinkText("2026年第二季度")).first().await?.click().await?;
        let plan = web.query(By::Id("plan-990201001201")).first().await?.text().await?;
        assert!(
            plan.contains("上坪村") && plan.contains("村务公开栏按月更新") && plan.contains("已销号"),
            "{plan}"
        );
        web.find(By::Css("#plan-990201001201 tr.plan-item[data-state=closed] a"))
            .await?;
        let page = web.source().await?;
        assert!(
            !page.contains(evidence) && !page.contains("党委书记甲"),
            "the notice shows evidence or the owner"
        );

        // The second: 上坪村 is no longer C, and is listed as having left C with its plan.
        web.goto(app.url(&format!("/rating/{}", second.id))).await?;
        let lifted = web.query(By::Id("lifted-990201001201")).first().await?.text().await?;
        assert!(
            lifted.contains("上坪村") && lifted.contains("评为 B") && lifted.contains("已整转"),
            "{lifted}"
        );
        assert_eq!(web.find(By::Id("count-left-c")).await?.text().await?, "1");
        assert!(
            web.find_all(By::Css("#c-villages tr[data-village='990201001201']"))
                .await?
                .is_empty()
        );

        // The staff page of the plan says so too.
        sign_in(&web, &app, "secretary", "书记丁").await?;
        web.goto(&plan_url).await?;
        let standing = web.find(By::Id("standing")).await?.text().await?;
        assert!(
            standing.contains("已整转") && standing.contains("2026年第三季度"),
            "{standing}"
        );
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.unwrap();
}
