//! The staff dashboard over two periods: grades per township, the transitions between the
//! periods, C villages over time and the plans' progress, the same in the spreadsheet; township
//! staff see their own township's villages only.

use qinglian_domain::org::VillageInput;
use qinglian_domain::rating::{Adjustment, PeriodInput, seed_framework};
use qinglian_domain::rectification::item::{ItemInput, PlanInput};
use qinglian_domain::scope::Reach;
use qinglian_store::model::Actor;

use crate::common;

/// Grades a new period and sets each village's grade as given (by division code).
async fn period_with(app: &common::TestApp, label: &str, grades: &[(&str, &str)]) -> String {
    let a = Actor::system("test");
    let all = Reach::everything();
    let p = app
        .store
        .open_period(&a, &PeriodInput::parse(label, "quarterly").unwrap())
        .await
        .unwrap();
    app.store.grade_period(&a, &p.id).await.unwrap();
    for r in app.store.period_results(&all, &p.id).await.unwrap() {
        let want = grades.iter().find(|(code, _)| *code == r.division_code).unwrap().1;
        if r.computed_grade != want {
            let adj = Adjustment::parse(want, "测试设定").unwrap();
            app.store.adjust_grade(&a, &all, &r.id, &adj).await.unwrap();
        }
    }
    app.store.confirm_period(&a, &p.id).await.unwrap();
    app.store.publish_period(&a, &p.id).await.unwrap();
    p.id
}

/// The text of each cell of the table with this id, row by row (header included).
fn table(page: &str, id: &str) -> Vec<Vec<String>> {
    let start = page.find(&format!("<table id=\"{id}\">")).unwrap();
    let end = start + page[start..].find("</table>").unwrap();
    page[start..end]
        .split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|c| c.starts_with('d') || c.starts_with("h>") || c.starts_with("h "))
                .map(|c| {
                    let inner = &c[c.find('>').unwrap() + 1..];
                    inner[..inner.find("</").unwrap_or(inner.len())].trim().to_owned()
                })
                .collect()
        })
        .collect()
}

fn sheets(bytes: &[u8]) -> Vec<Vec<Vec<String>>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    (0..4)
        .map(|i| {
            let range = book.worksheet_range_at(i).unwrap().unwrap();
            range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        })
        .collect()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

pub async fn story(app: common::TestApp) {
    let a = Actor::system("test");
    app.store
        .create_village(&a, &VillageInput::parse("990201001202", "下坪村").unwrap())
        .await
        .unwrap();
    app.store
        .create_village(&a, &VillageInput::parse("990201002201", "岭头村").unwrap())
        .await
        .unwrap();
    app.store.save_framework(&a, &seed_framework()).await.unwrap();
    let first = period_with(
        &app,
        "2026年第二季度",
        &[("990201001201", "C"), ("990201001202", "B"), ("990201002201", "C")],
    )
    .await;
    let second = period_with(
        &app,
        "2026年第三季度",
        &[("990201001201", "B"), ("990201001202", "B"), ("990201002201", "C")],
    )
    .await;

    // 上坪村's plan: two items, one submitted by its owner.
    let all = Reach::everything();
    let today = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    let plan = app
        .store
        .create_village_plan(
            &a,
            &all,
            &PlanInput::parse(&app.fixture.village_east, &first).unwrap(),
            chrono::Utc::now(),
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
    let due = (today + chrono::Duration::days(10)).to_string();
    for title in ["村务公开栏按月更新", "三资台账清理"] {
        let item = ItemInput::parse(title, &owner, &due, "按期完成", today).unwrap();
        app.store
            .add_rectification_item(&a, &all, &plan.plan.id, &item, today)
            .await
            .unwrap();
    }

    // The county: the newest period, its transitions from the one before, C over time.
    let cm = app.sign_in("casemanager").await;
    let r = cm.client.get(app.url("/staff/rating/dashboard")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert_eq!(
        table(&page, "distribution")[1..],
        [
            row(&["东溪镇", "0", "2", "0", "2"]),
            row(&["西岭乡", "0", "0", "1", "1"]),
            row(&["全县", "0", "2", "1", "3"]),
        ]
    );
    assert_eq!(
        table(&page, "transitions")[1..],
        [
            row(&["A", "0", "0", "0"]),
            row(&["B", "0", "1", "0"]),
            row(&["C", "0", "1", "1"])
        ],
        "上坪村 C→B, 下坪村 B→B, 岭头村 C→C"
    );
    assert_eq!(
        table(&page, "c-series")[1..],
        [
            row(&["2026年第二季度", "已公布", "2", "3"]),
            row(&["2026年第三季度", "已公布", "1", "3"]),
        ]
    );
    assert_eq!(
        table(&page, "plan-progress")[1..],
        [
            row(&["东溪镇", "1", "2", "0", "0", "0"]),
            row(&["全县", "1", "2", "0", "0", "0"])
        ],
        "上坪村 is graded B in the second period, but its two items are open: not out of C"
    );
    assert!(page.contains("/assets/rating-charts.js") && page.contains("id=\"chart-transitions\""));
    let r = app.url("/assets/rating-charts.js");
    assert_eq!(cm.client.get(r).send().await.unwrap().status(), 200);

    // The earlier period chosen: its own distribution, and no period before it to compare.
    let r = cm
        .client
        .get(app.url(&format!("/staff/rating/dashboard?period={first}&to={first}")))
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert_eq!(table(&page, "distribution")[1], row(&["东溪镇", "0", "1", "1", "2"]));
    assert!(page.contains("id=\"no-transitions\""));

    // The spreadsheet holds the same tables.
    let r = cm
        .client
        .get(app.url(&format!(
            "/staff/rating/dashboard.xlsx?period={second}&from={first}&to={second}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let book = sheets(&r.bytes().await.unwrap());
    assert_eq!(book[0][4], row(&["全县", "0", "2", "1", "3"]));
    assert_eq!(book[1][4], row(&["C", "0", "1", "1"]));
    assert_eq!(
        book[2][1..],
        [
            row(&["2026年第二季度", "已公布", "2", "3"]),
            row(&["2026年第三季度", "已公布", "1", "3"]),
        ]
    );

    // The east secretary: the east's villages only, summed as the township's, not the county's.
    let sec = app.sign_in("secretary").await;
    let page = sec
        .client
        .get(app.url("/staff/rating/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        table(&page, "distribution")[1..],
        [row(&["东溪镇", "0", "2", "0", "2"]), row(&["合计", "0", "2", "0", "2"])]
    );
    assert_eq!(
        table(&page, "transitions")[1..],
        [
            row(&["A", "0", "0", "0"]),
            row(&["B", "0", "1", "0"]),
            row(&["C", "0", "1", "0"])
        ]
    );
    assert_eq!(table(&page, "c-series")[1][2], "1");
    assert_eq!(
        table(&page, "plan-progress")[2],
        row(&["合计", "1", "2", "0", "0", "0"])
    );
    assert!(!page.contains("西岭乡"));

    // Roles without the right are refused; an unknown period is not found.
    let dept = app.sign_in("department").await;
    let r = dept
        .client
        .get(app.url("/staff/rating/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = cm
        .client
        .get(app.url("/staff/rating/dashboard?period=01JUNKNOWNPERIOD0000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
