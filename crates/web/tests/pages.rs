//! Staff edit pages over plain HTML forms: what a user without JavaScript can do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[tokio::test]
async fn staff_and_zones_are_added_and_edited_through_forms() {
    let app = common::spawn_sqlite().await;
    let s = app.sign_in("admin").await;
    let f = app.fixture.clone();

    let r = s
        .post_form(
            app.url("/staff/org/staff"),
            &[
                ("name", "新联村干部"),
                ("role", "village_liaison"),
                ("posting_unit_id", f.township_east.as_str()),
                ("home_township_id", f.township_west.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let list = s
        .client
        .get(app.url("/staff/org/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("新联村干部") && list.contains("联村干部"), "{list}");

    // A commission role posted to a township is refused, with the reason, and nothing is added.
    let r = s
        .post_form(
            app.url("/staff/org/staff"),
            &[
                ("name", "错岗"),
                ("role", "case_manager"),
                ("posting_unit_id", f.township_east.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("该角色属于县纪委监委机关，不选工作单位。")
    );

    let body = format!(
        "_csrf={}&name=%E7%AC%AC%E4%B8%80%E5%8D%8F%E4%BD%9C%E5%8C%BA&kind=townships&leader_staff_id={}&liaison_office_id={}&member_ids={}&member_ids={}",
        s.csrf, f.leader, f.office, f.township_east, f.township_west
    );
    let r = s
        .client
        .post(app.url("/staff/org/zones"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let zones = app.store.list_zones().await.unwrap();
    assert_eq!(zones.len(), 1);
    assert_eq!(zones[0].zone.name, "第一协作区");
    assert_eq!(zones[0].members.len(), 2);

    // Editing drops a member.
    let id = zones[0].zone.id.clone();
    let edit = s
        .client
        .get(app.url(&format!("/staff/org/zones/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        edit.matches(" checked>").count(),
        2,
        "both members are ticked on the edit form"
    );
    let body = format!(
        "_csrf={}&name=zone-a&kind=townships&leader_staff_id={}&liaison_office_id={}&member_ids={}",
        s.csrf, f.leader, f.office, f.township_west
    );
    let r = s
        .client
        .post(app.url(&format!("/staff/org/zones/{id}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let z = app.store.get_zone(&id).await.unwrap();
    assert_eq!((z.zone.name.as_str(), z.members.len()), ("zone-a", 1));

    // No member at all: refused with the reason, the zone unchanged.
    let body = format!(
        "_csrf={}&name=zone-b&kind=townships&leader_staff_id={}&liaison_office_id={}",
        s.csrf, f.leader, f.office
    );
    let r = s
        .client
        .post(app.url(&format!("/staff/org/zones/{id}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("至少选择一个成员单位。"));
    assert_eq!(app.store.get_zone(&id).await.unwrap().zone.name, "zone-a");
}

#[tokio::test]
async fn people_without_the_right_see_no_edit_forms_and_cannot_post() {
    let app = common::spawn_sqlite().await;
    let s = app.sign_in("secretary").await;
    let page = s
        .client
        .get(app.url("/staff/org/townships"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("action=\"/staff/org/townships\""),
        "no add form for a township secretary"
    );
    let r = s
        .post_form(
            app.url("/staff/org/townships"),
            &[("division_code", "990201009"), ("name", "北山乡")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("您没有执行此操作的权限。"));
    let r = s.client.get(app.url("/staff/articles")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_member_of_staff_is_edited_through_the_form() {
    let app = common::spawn_sqlite().await;
    let s = app.sign_in("admin").await;
    let f = app.fixture.clone();
    let leader = app.store.get_staff(&f.leader).await.unwrap();
    let page = s
        .client
        .get(app.url(&format!("/staff/org/staff/{}", leader.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("value=\"领导乙\""), "the form shows the current name");
    let r = s
        .post_form(
            app.url(&format!("/staff/org/staff/{}", leader.id)),
            &[
                ("name", "领导乙（调任）"),
                ("role", "township_secretary"),
                ("posting_unit_id", f.township_east.as_str()),
                ("home_township_id", f.township_west.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let after = app.store.get_staff(&f.leader).await.unwrap();
    assert_eq!(
        (
            after.name.as_str(),
            after.role.as_str(),
            after.posting_unit_name.as_deref()
        ),
        ("领导乙（调任）", "township_secretary", Some("东溪镇"))
    );
    // A bad posting is refused with the reason and changes nothing.
    let r = s
        .post_form(
            app.url(&format!("/staff/org/staff/{}", leader.id)),
            &[("name", "x"), ("role", "department_officer"), ("posting_unit_id", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("该角色须选择工作单位。"));
    assert_eq!(app.store.get_staff(&f.leader).await.unwrap().name, "领导乙（调任）");
}

#[tokio::test]
async fn a_stationed_group_takes_its_departments_over_through_the_form() {
    let app = common::spawn_sqlite().await;
    let s = app.sign_in("casemanager").await;
    let f = app.fixture.clone();
    let post = |body: String| {
        s.client
            .post(app.url("/staff/org/groups"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let r = post(format!(
        "_csrf={}&code=pz01&name=%E6%B4%BE%E9%A9%BB%E7%AC%AC%E4%B8%80%E7%BB%84&department_ids={}",
        s.csrf, f.department
    ))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let deps = app.store.list_departments().await.unwrap();
    assert_eq!(deps[0].stationed_group_name.as_deref(), Some("派驻第一组"));
    let page = s
        .client
        .get(app.url("/staff/org/groups"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("派驻第一组") && page.contains("试验县住房和城乡建设局"),
        "{page}"
    );

    // An unknown department refuses the whole group: no group row is left behind.
    let before = app.store.list_stationed_groups().await.unwrap().len();
    let r = post(format!(
        "_csrf={}&code=pz02&name=x&department_ids=no-such-department",
        s.csrf
    ))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("所选记录不存在。"));
    assert_eq!(app.store.list_stationed_groups().await.unwrap().len(), before);
}

#[tokio::test]
async fn oversized_and_malformed_forms_are_refused_without_a_trace() {
    let app = common::spawn_sqlite().await;
    let s = app.sign_in("admin").await;
    let before = app.store.list_townships().await.unwrap().len();
    let huge = "乡".repeat(700_000);
    let r = s
        .post_form(
            app.url("/staff/org/townships"),
            &[("division_code", "990201009"), ("name", huge.as_str())],
        )
        .await;
    assert_eq!(r.status(), 413);
    let r = s
        .client
        .post(app.url("/staff/org/townships"))
        .header("x-csrf-token", &s.csrf)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("division_code=%E0%A4%A&name=x")
        .send()
        .await
        .unwrap();
    // Broken percent-encoding decodes lossily; the code is then refused, by name.
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("区划代码只能由数字组成。"));
    assert_eq!(app.store.list_townships().await.unwrap().len(), before);
}
