//! Debian's Chromium, headless, driven over WebDriver: the driver, a phone-sized browser, and
//! signing in and out through the pages, for the browser tests.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;

/// chromedriver on a free port, killed when the test ends.
pub struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_chromedriver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("chromedriver could not start ({e}); install Debian's chromium and chromium-driver (./scripts/test does this with apt)")
        });
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

pub async fn browser(driver: &Driver, profile: &std::path::Path) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary("/usr/bin/chromium").unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=390,844",
        "--lang=zh-CN",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display())).unwrap();
    // Headless Chromium ignores --lang for Accept-Language; the preference sets it.
    caps.add_experimental_option("prefs", serde_json::json!({"intl.accept_languages": "zh-CN,zh"}))
        .unwrap();
    // chromedriver needs a moment to listen.
    let mut last = None;
    for _ in 0..50 {
        match WebDriver::new(&driver.url, caps.clone()).await {
            Ok(d) => return d,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not start a Chromium session: {last:?}");
}

/// Signs in through the form and waits for the staff home.
pub async fn sign_in(web: &WebDriver, app: &super::TestApp, username: &str, name: &str) -> WebDriverResult<()> {
    web.goto(app.url("/login")).await?;
    web.find(By::Name("username")).await?.send_keys(username).await?;
    web.find(By::Name("password")).await?.send_keys(super::PASSWORD).await?;
    web.find(By::Css("form button[type=submit]")).await?.click().await?;
    web.query(By::XPath(format!("//main/h1[.='欢迎，{name}']")))
        .first()
        .await?;
    Ok(())
}

pub async fn sign_out(web: &WebDriver) -> WebDriverResult<()> {
    web.find(By::Css("header form button[type=submit]"))
        .await?
        .click()
        .await?;
    web.query(By::Css("header a[href='/login']")).first().await?;
    Ok(())
}
