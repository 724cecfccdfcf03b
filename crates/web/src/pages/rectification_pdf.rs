//! The rectification order (督改单) as an official document: what its typst template reads,
//! every sentence from the catalogue and every value as text.

use qinglian_domain::inspection::CHINA;
use qinglian_domain::rectification::order::{FollowUpKind, OrderState, Post};
use qinglian_store::model::RectificationOrder;
use serde::Serialize;

use super::local_time;
use crate::i18n::{Lang, Tr};

/// What `templates/pdf/rectification_order.typ` reads.
#[derive(Debug, Serialize)]
pub struct OrderDoc {
    pub lang: &'static str,
    pub issuer: String,
    pub title: String,
    pub number: String,
    /// The red mark on every page of an order not yet in force; `None` once issued.
    pub draft: Option<String>,
    /// Label and value pairs: village, problem, actions, deadline.
    pub facts: Vec<(String, String)>,
    pub sign_offs_label: String,
    pub sign_off_columns: Vec<String>,
    /// Post, name, time; a post not yet signed shows the "not signed" mark.
    pub sign_offs: Vec<Vec<String>>,
    pub follow_ups_label: String,
    pub follow_up_columns: Vec<String>,
    pub follow_ups: Vec<Vec<String>>,
    pub seal: String,
    pub date: String,
    pub page: String,
}

pub fn order_doc(t: Tr, o: &RectificationOrder) -> OrderDoc {
    let r = &o.order;
    let issued = OrderState::parse(&r.state).is_some_and(|s| s != OrderState::Draft);
    let fill = |key: &str| t.get(key).replace("{township}", &r.township_name);
    // Both posts are always listed, so a missing signature is visible on paper.
    let sign_offs = Post::ALL
        .iter()
        .map(|post| match o.sign_offs.iter().find(|s| s.post == post.as_str()) {
            Some(s) => vec![t.get(post.key()), s.staff_name.clone(), local_time(&s.signed_at)],
            None => vec![t.get(post.key()), t.get("rectification.not_signed"), String::new()],
        })
        .collect();
    let follow_ups = o
        .follow_ups
        .iter()
        .map(|f| {
            let kind = FollowUpKind::parse("kind", &f.kind).map_or_else(|_| f.kind.clone(), |k| t.get(k.key()));
            vec![kind, f.body.clone(), f.author_name.clone(), local_time(&f.at)]
        })
        .collect();
    let day = r.issued_at.unwrap_or(r.created_at).with_timezone(&CHINA).date_naive();
    OrderDoc {
        lang: match t.lang {
            Lang::Zh => "zh",
            Lang::En => "en",
        },
        issuer: fill("rectification.pdf.issuer"),
        title: t.get("rectification.pdf.title"),
        number: r.number.clone(),
        draft: (!issued).then(|| t.get("rectification.pdf.draft")),
        facts: vec![
            (t.get("rectification.village"), r.village_name.clone()),
            (t.get("rectification.problem"), r.problem.clone()),
            (t.get("rectification.actions"), r.actions.clone()),
            (t.get("rectification.deadline"), r.deadline.to_string()),
        ],
        sign_offs_label: t.get("rectification.sign_offs"),
        sign_off_columns: [
            "rectification.post",
            "rectification.signed_by",
            "rectification.signed_at",
        ]
        .into_iter()
        .map(|k| t.get(k))
        .collect(),
        sign_offs,
        follow_ups_label: t.get("rectification.follow_ups"),
        follow_up_columns: [
            "rectification.follow_up.kind",
            "rectification.follow_up.text",
            "rectification.follow_up.author",
            "rectification.follow_up.at",
        ]
        .into_iter()
        .map(|k| t.get(k))
        .collect(),
        follow_ups,
        seal: fill("rectification.pdf.seal"),
        date: day.to_string(),
        page: t.get("pdf.page"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use qinglian_store::model::{RectificationFollowUp, RectificationOrderRow, RectificationSignOff};

    fn order(state: &str, sign_offs: Vec<RectificationSignOff>) -> RectificationOrder {
        let now = chrono::Utc::now();
        RectificationOrder {
            order: RectificationOrderRow {
                id: "o1".into(),
                number: "督改〔2026〕1号".into(),
                township_id: "t1".into(),
                township_name: "石门镇".into(),
                village_id: "v1".into(),
                village_name: "下湾村".into(),
                problem: "宅基地征收搁置近一年 #set page(width: 1cm) *x*".into(),
                actions: "一、三十日内完成征收补偿\n二、公示结果".into(),
                deadline: "2026-12-31".parse().unwrap(),
                state: state.into(),
                version: 3,
                drafted_by_name: Some("联村干部".into()),
                created_at: now,
                issued_at: (state != "draft").then_some(now),
                completed_at: None,
            },
            overdue: false,
            sign_offs,
            follow_ups: vec![RectificationFollowUp {
                seq: 1,
                kind: "progress".into(),
                body: "已召开村民代表会议".into(),
                author_name: "纪委书记甲".into(),
                at: now,
            }],
        }
    }

    fn signed(post: &str, name: &str) -> RectificationSignOff {
        RectificationSignOff {
            post: post.into(),
            staff_id: name.into(),
            staff_name: name.into(),
            signed_at: "2026-11-27T01:30:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn an_issued_order_prints_number_village_problem_actions_deadline_and_both_sign_offs() {
        let o = order(
            "issued",
            vec![
                signed("party_secretary", "党委书记乙"),
                signed("discipline_secretary", "纪委书记甲"),
            ],
        );
        let laid = crate::pdf::layout(crate::pdf::RECTIFICATION_ORDER, &order_doc(Tr::new(Lang::Zh), &o)).unwrap();
        let text: String = crate::pdf::page_texts(&laid).concat().concat().replace(' ', "");
        for expected in [
            "石门镇",
            "督改单",
            "督改〔2026〕1号",
            "下湾村",
            "#setpage(width:1cm)*x*",
            "三十日内完成征收补偿",
            "2026-12-31",
            "乡镇党委书记",
            "党委书记乙",
            "乡镇纪委书记",
            "纪委书记甲",
            // The signing times in Beijing time.
            "2026-11-2709:30",
            "已召开村民代表会议",
            "第1页/共1页",
        ] {
            assert!(text.contains(expected), "{expected} missing from {text}");
        }
        assert!(!text.contains("草稿"), "an issued order is not marked as a draft");
    }

    #[test]
    fn a_draft_says_so_and_shows_the_missing_signature() {
        let o = order("draft", vec![signed("discipline_secretary", "纪委书记甲")]);
        let doc = order_doc(Tr::new(Lang::Zh), &o);
        assert_eq!(doc.sign_offs[0][1], Tr::new(Lang::Zh).get("rectification.not_signed"));
        let laid = crate::pdf::layout(crate::pdf::RECTIFICATION_ORDER, &doc).unwrap();
        let text: String = crate::pdf::page_texts(&laid).concat().concat();
        assert!(
            text.contains(&Tr::new(Lang::Zh).get("rectification.pdf.draft")),
            "{text}"
        );
    }
}
