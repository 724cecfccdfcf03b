//! The staff pages in a real browser: Debian's Chromium, headless, driven over WebDriver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::{browser, sign_in, sign_out, start_chromedriver};
use thirtyfour::prelude::*;

#[tokio::test]
async fn staff_sign_in_and_add_a_township_on_a_phone_sized_browser() {
    let app = common::spawn_sqlite().await;
    let driver = start_chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let web = browser(&driver, profile.path()).await;

    let result = async {
        web.goto(app.url("/")).await?;
        assert_eq!(web.find(By::Css("h1")).await?.text().await?, "试验县纪委监委");
        let login = web.find(By::Css("header a[href='/login']")).await?;
        assert_eq!(login.text().await?, "登录");
        login.click().await?;
        web.find(By::Name("username")).await?.send_keys("admin").await?;
        web.find(By::Name("password"))
            .await?
            .send_keys(common::PASSWORD)
            .await?;
        web.find(By::Css("form button[type=submit]")).await?.click().await?;
        // Queries wait until the element appears, so each one also waits for the navigation.
        web.query(By::XPath("//main/h1[.='欢迎，管理员甲']")).first().await?;
        assert_eq!(web.find(By::Id("count-townships")).await?.text().await?, "2");

        web.goto(app.url("/staff/org/townships")).await?;
        web.find(By::Name("division_code"))
            .await?
            .send_keys("990201007")
            .await?;
        web.find(By::Name("name")).await?.send_keys("柳溪镇").await?;
        web.find(By::Css("main form button[type=submit]"))
            .await?
            .click()
            .await?;
        // The new township's page, reached by the redirect after the write.
        web.query(By::XPath("//main/h1[starts-with(., '柳溪镇')]"))
            .first()
            .await?;
        assert!(web.current_url().await?.path().starts_with("/staff/org/townships/"));

        web.goto(app.url("/staff/org/townships")).await?;
        let table = web.find(By::Id("townships")).await?.text().await?;
        assert!(
            table.contains("990201007000") && table.contains("柳溪镇") && table.contains("镇"),
            "{table}"
        );

        // A bad code shows the Chinese message next to the form and keeps the page usable.
        web.find(By::Name("division_code")).await?.send_keys("12").await?;
        web.find(By::Name("name")).await?.send_keys("坏代码乡").await?;
        web.find(By::Css("main form button[type=submit]"))
            .await?
            .click()
            .await?;
        let errors = web.query(By::Css("main .errors")).first().await?.text().await?;
        assert!(errors.contains("应为乡镇级区划代码"), "{errors}");
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.unwrap();
    assert_eq!(app.store.list_townships().await.unwrap().len(), 3);
}

#[tokio::test]
async fn sign_in_with_a_second_factor_and_sign_out() {
    use qinglian_store::model::Actor;
    let app = common::spawn_sqlite().await;
    app.store
        .set_role_requires_totp(&Actor::system("test"), "case_manager", true)
        .await
        .unwrap();
    let driver = start_chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let web = browser(&driver, profile.path()).await;

    let result = async {
        web.goto(app.url("/login")).await?;
        web.find(By::Name("username")).await?.send_keys("casemanager").await?;
        web.find(By::Name("password"))
            .await?
            .send_keys(common::PASSWORD)
            .await?;
        web.find(By::Css("main form button[type=submit]"))
            .await?
            .click()
            .await?;
        // Enrolment: the key is shown once; an authenticator would read it, the test computes.
        let secret = web.query(By::Id("totp-secret")).first().await?.text().await?;
        let now = chrono::Utc::now().timestamp() as u64;
        let code = qinglian_web::totp::code_at(&secret, now).expect("a code");
        web.find(By::Name("code")).await?.send_keys(&code).await?;
        web.find(By::Css("main form button[type=submit]"))
            .await?
            .click()
            .await?;
        web.query(By::XPath("//main/h1[.='欢迎，案管丙']")).first().await?;

        web.find(By::Css("header form button[type=submit]"))
            .await?
            .click()
            .await?;
        let login = web.query(By::Css("header a[href='/login']")).first().await?;
        assert_eq!(login.text().await?, "登录");
        web.goto(app.url("/staff")).await?;
        assert!(
            web.current_url().await?.path().starts_with("/login"),
            "signed out means signed out"
        );
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.unwrap();
}

/// The practice's promise on a phone: a villager's problem from the meeting's QR form to the
/// department's answer, and the villager's confirmation by receipt code.
#[tokio::test]
async fn a_concern_from_the_qr_form_to_the_villagers_confirmation() {
    let app = common::spawn_sqlite().await;
    let w = app.inspection_world().await;
    let driver = start_chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let web = browser(&driver, profile.path()).await;

    let result = async {
        // The villager scans the QR code: the meeting's public form.
        web.goto(app.url(&format!("/m/{}", w.meeting))).await?;
        web.find(By::Css("select[name=category_id]"))
            .await?
            .send_keys("道路设施")
            .await?;
        web.find(By::Name("text"))
            .await?
            .send_keys("桥头路灯坏了三个月，晚上看不见")
            .await?;
        web.find(By::Css("#public-concern button[type=submit]"))
            .await?
            .click()
            .await?;
        let receipt = web
            .query(By::Css("#receipt .receipt-code"))
            .first()
            .await?
            .text()
            .await?;
        assert_eq!(receipt.len(), 19, "{receipt}");

        // The inspection group routes it to the county department with a deadline.
        sign_in(&web, &app, "inspector", "巡察壬").await?;
        web.goto(app.url("/staff/concerns")).await?;
        web.query(By::LinkText("桥头路灯坏了三个月，晚上看不见"))
            .first()
            .await?
            .click()
            .await?;
        web.query(By::Id("assign")).first().await?;
        web.find(By::Css("#assign select[name=department_id]"))
            .await?
            .send_keys("试验县住房和城乡建设局")
            .await?;
        let deadline = (chrono::Utc::now() + chrono::Duration::days(7))
            .date_naive()
            .to_string();
        web.execute(
            &format!("document.querySelector('#assign input[name=deadline]').value = '{deadline}';"),
            Vec::new(),
        )
        .await?;
        web.find(By::Css("#assign button[type=submit]")).await?.click().await?;
        web.query(By::XPath("//strong[@id='concern-state' and .='已交办']"))
            .first()
            .await?;
        sign_out(&web).await?;

        // The department finds it in its inbox and answers.
        sign_in(&web, &app, "department", "经办戊").await?;
        web.goto(app.url("/staff/concerns?state=assigned")).await?;
        web.query(By::LinkText("桥头路灯坏了三个月，晚上看不见"))
            .first()
            .await?
            .click()
            .await?;
        web.query(By::Id("answer")).first().await?;
        web.find(By::Css("#answer textarea[name=text]"))
            .await?
            .send_keys("已更换灯具，当晚恢复照明")
            .await?;
        web.find(By::Css("#answer button[type=submit]")).await?.click().await?;
        web.query(By::XPath("//strong[@id='concern-state' and .='已答复']"))
            .first()
            .await?;
        sign_out(&web).await?;

        // The villager looks the receipt up, reads the answer and confirms.
        web.goto(app.url("/receipt")).await?;
        web.find(By::Name("receipt")).await?.send_keys(&receipt).await?;
        web.find(By::Css("#lookup button[type=submit]")).await?.click().await?;
        let followed = web.query(By::Id("followed")).first().await?.text().await?;
        assert!(
            followed.contains("已更换灯具，当晚恢复照明") && followed.contains("试验县住房和城乡建设局"),
            "{followed}"
        );
        web.find(By::Css("#confirm button[type=submit]")).await?.click().await?;
        web.query(By::XPath("//strong[@id='followed-state' and .='已办结']"))
            .first()
            .await?;
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.unwrap();
}

/// Takes the next procedure step from the runner's form and waits for it to show as done.
async fn take_step(web: &WebDriver, label: &str, code: &str, detail: &str) -> WebDriverResult<()> {
    web.find(By::Css("#step-form select[name=step]"))
        .await?
        .send_keys(label)
        .await?;
    if !detail.is_empty() {
        web.find(By::Css("#step-form textarea[name=detail]"))
            .await?
            .send_keys(detail)
            .await?;
    }
    web.find(By::Css("#step-form button[type=submit]"))
        .await?
        .click()
        .await?;
    web.query(By::Css(format!("#procedure li.done[data-step='{code}']")))
        .first()
        .await?;
    Ok(())
}

/// Issue 8's promise in the browser: two investigators check in, the procedure is taken in
/// order, a step out of order is refused with the rule named, and the transcript typed live is
/// saved as versions while questioning.
#[tokio::test]
async fn a_remote_interview_runs_in_order_in_the_browser() {
    let app = common::spawn_sqlite().await;
    let w = app.case_world().await;
    let driver = start_chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let web = browser(&driver, profile.path()).await;
    let page = format!("/staff/interviews/{}", w.interview);

    let result = async {
        sign_in(&web, &app, "office", "监察庚").await?;
        web.goto(app.url(&page)).await?;
        web.find(By::Css("#checkin-form button")).await?.click().await?;
        web.query(By::XPath("//*[@id='runner']//p[contains(., '等待另一名调查人员签到')]"))
            .first()
            .await?;
        sign_out(&web).await?;

        sign_in(&web, &app, "grouphead", "组长辛").await?;
        web.goto(app.url(&page)).await?;
        web.find(By::Css("#checkin-form button")).await?.click().await?;
        web.query(By::Css("#procedure li.done[data-step='investigators_present']"))
            .first()
            .await?;
        take_step(&web, "开始同步录音录像", "recording_started", "").await?;
        // Skipping the credentials: refused, naming the step that must come first.
        web.find(By::Css("#step-form select[name=step]"))
            .await?
            .send_keys("告知权利义务")
            .await?;
        web.find(By::Css("#step-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let refusal = web.query(By::Css(".errors")).first().await?.text().await?;
        assert!(
            refusal.contains("程序不可跳过或颠倒") && refusal.contains("出示工作证件"),
            "{refusal}"
        );
        assert!(
            web.find_all(By::Css("#procedure li.done[data-step='rights_read']"))
                .await?
                .is_empty()
        );
        take_step(&web, "出示工作证件", "credentials_shown", "").await?;
        // The notice read at the next step is shown from the template.
        let rights = web.find(By::Id("rights-text")).await?.text().await?;
        assert!(rights.contains("如实提供证言"), "{rights}");
        take_step(&web, "告知权利义务", "rights_read", "").await?;
        take_step(
            &web,
            "核实身份",
            "identity_verified",
            "视频中出示身份证原件，与公安照片比对一致",
        )
        .await?;
        take_step(&web, "开始询问", "questioning", "").await?;

        // The transcript is typed live and saved a moment later, as version 1 then 2.
        let q = web.find(By::Css("#transcript .qa textarea.q")).await?;
        q.send_keys("问：你是否认识张某？").await?;
        web.find(By::Css("#transcript .qa textarea.a"))
            .await?
            .send_keys("答：认识，是东溪镇农业服务中心主任。")
            .await?;
        web.query(By::Css("#transcript-status[data-version='1']"))
            .first()
            .await?;
        web.find(By::Id("transcript-add")).await?.click().await?;
        let pairs = web.find_all(By::Css("#transcript .qa")).await?;
        assert_eq!(pairs.len(), 2);
        pairs[1]
            .find(By::Css("textarea.q"))
            .await?
            .send_keys("问：他是否收受过好处？")
            .await?;
        web.query(By::Css("#transcript-status[data-version='2']"))
            .first()
            .await?;
        take_step(&web, "宣读核对笔录", "transcript_read_back", "").await?;
        // Reloaded, the page shows what the server kept.
        web.goto(app.url(&page)).await?;
        let kept = web.find(By::Id("transcript-version")).await?.text().await?;
        assert!(kept.contains('2'), "{kept}");
        let log = web.find(By::Id("interview-log")).await?.text().await?;
        assert!(
            log.contains("监察庚") && log.contains("组长辛") && log.contains("核实身份"),
            "{log}"
        );
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.unwrap();
}
