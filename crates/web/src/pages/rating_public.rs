//! The rating's public notice (公示): published periods, each period's C villages with their
//! plan items and overall figures, and the log entry that proves the publication.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use qinglian_domain::audit::AuditAction;
use qinglian_domain::rating::Grade;
use qinglian_domain::rectification::item::ItemState;
use qinglian_domain::rectification::standing::{Standing, standing};
use qinglian_store::StoreError;
use qinglian_store::model::{GradeCounts, PublicCVillage, PublicPlanItem, PublicRating, RatingPeriod};

use super::render;
use crate::api::inspection::{LedgerRef, proof_url};
use crate::auth::{MaybeUser, UserView};
use crate::error::{AppError, PageError};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "portal/rating.html")]
struct PeriodsPage {
    t: Tr,
    user: Option<UserView>,
    periods: Vec<RatingPeriod>,
}

pub async fn periods(
    State(state): State<AppState>,
    lang: Lang,
    MaybeUser(user): MaybeUser,
) -> Result<Response, PageError> {
    let periods = state
        .store
        .list_periods()
        .await
        .map_err(|e| PageError::new(e, lang))?
        .into_iter()
        .filter(|p| p.state == "published")
        .collect();
    Ok(render(&PeriodsPage {
        t: Tr::new(lang),
        user: user.map(|u| u.view()),
        periods,
    }))
}

pub struct PublicItem {
    pub seq: i64,
    pub title: String,
    pub deadline: String,
    pub state: String,
    pub state_key: String,
    /// The log entry of the step that led to the state, and its proof once signed.
    pub ledger_index: Option<i64>,
    pub proof_url: Option<String>,
}

pub struct PublicVillage {
    pub village: PublicCVillage,
    pub score: String,
    pub veto_key: Option<String>,
    /// The plan the village's items come from: its period label, if it names one.
    pub plan_label: Option<String>,
    pub has_plan: bool,
    pub items: Vec<PublicItem>,
}

/// A village the period graded above C whose plan answered the period before: it left C if
/// every item is closed out (`standing`), else it is shown as not yet out.
pub struct LiftedVillage {
    pub division_code: String,
    pub village_name: String,
    pub township_name: String,
    pub grade: String,
    pub left_c: bool,
    pub standing_key: &'static str,
    pub plan_label: Option<String>,
    pub items: Vec<PublicItem>,
}

#[derive(Template)]
#[template(path = "portal/rating_period.html")]
struct PeriodPage {
    t: Tr,
    user: Option<UserView>,
    period: RatingPeriod,
    published: String,
    counts: GradeCounts,
    villages: Vec<PublicVillage>,
    lifted: Vec<LiftedVillage>,
    /// How many of `lifted` left C.
    left_c: usize,
    /// The publication's entry in the tamper-evident log, once integrated.
    publication: Option<LedgerRef>,
}

/// The plan answering this period for the village: the one opened for the period, else the
/// newest (a village C again keeps working on its earlier plan until it has a new one); items
/// of other plans are left out.
fn plan_of<'a>(items: &'a [PublicPlanItem], village_id: &str, period_id: &str) -> Vec<&'a PublicPlanItem> {
    let mine: Vec<&PublicPlanItem> = items.iter().filter(|i| i.village_id == village_id).collect();
    let chosen = mine
        .iter()
        .find(|i| i.period_id.as_deref() == Some(period_id))
        .or_else(|| mine.iter().max_by_key(|i| (i.plan_created_at, i.plan_id.clone())))
        .map(|i| i.plan_id.clone());
    match chosen {
        Some(plan) => mine.into_iter().filter(|i| i.plan_id == plan).collect(),
        None => Vec::new(),
    }
}

/// The previous period's plans whose village this period grades above C, one per plan in
/// order of village, with where each stands against the rule for leaving C.
fn lifted(items: &[PublicPlanItem], signed: i64) -> Vec<LiftedVillage> {
    let mut out: Vec<LiftedVillage> = Vec::new();
    let mut plan_ids: Vec<&str> = Vec::new();
    for i in items
        .iter()
        .filter(|i| i.grade_here.as_deref().is_some_and(|g| g != "C"))
    {
        if !plan_ids.contains(&i.plan_id.as_str()) {
            plan_ids.push(&i.plan_id);
        }
    }
    for plan in plan_ids {
        let mine: Vec<&PublicPlanItem> = items.iter().filter(|i| i.plan_id == plan).collect();
        let Some(first) = mine.first() else { continue };
        let states: Vec<ItemState> = mine
            .iter()
            .map(|i| ItemState::parse(&i.state).unwrap_or(ItemState::Open))
            .collect();
        let grade = first.grade_here.clone().unwrap_or_default();
        let standing = standing(&states, Grade::parse("grade", &grade).ok());
        out.push(LiftedVillage {
            division_code: first.division_code.clone(),
            village_name: first.village_name.clone(),
            township_name: first.township_name.clone(),
            grade,
            left_c: standing == Standing::LeftC,
            standing_key: standing.key(),
            plan_label: first.period_label.clone(),
            items: mine.into_iter().map(|i| public_item(i, signed)).collect(),
        });
    }
    out
}

fn public_item(i: &PublicPlanItem, signed: i64) -> PublicItem {
    PublicItem {
        seq: i.seq,
        title: i.title.clone(),
        deadline: i.deadline.to_string(),
        state: i.state.clone(),
        state_key: format!("plan.state.{}", i.state),
        ledger_index: i.ledger_idx,
        proof_url: i.ledger_idx.and_then(|x| proof_url(x, signed)),
    }
}

async fn publication_ref(state: &AppState, period_id: &str, signed: i64) -> Result<Option<LedgerRef>, StoreError> {
    let entries = state.store.ledger_entries_for(period_id).await?;
    Ok(entries
        .into_iter()
        .find(|e| e.entry_type == AuditAction::RatingPublish.as_str())
        .map(|e| LedgerRef {
            version: 1,
            index: e.idx,
            leaf_hash: hex::encode(&e.leaf_hash),
            proof_url: proof_url(e.idx, signed),
        }))
}

pub async fn period(
    State(state): State<AppState>,
    lang: Lang,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let err = |e: StoreError| match e {
        StoreError::NotFound => PageError::new(AppError::NotFound, lang),
        other => PageError::new(other, lang),
    };
    // Visitors share one rendering per change (`public_cache`); the mark is read first.
    let path = format!("/rating/{id}");
    let mark = if user.is_none() {
        let mark = state.store.ledger_mark().await.map_err(err)?;
        if let Some(page) = state.public_pages.get(&path, lang, mark) {
            return Ok(page);
        }
        Some(mark)
    } else {
        None
    };
    let PublicRating {
        period,
        counts,
        villages,
        items,
    } = state.store.public_rating(&id).await.map_err(err)?;
    let signed = state
        .store
        .latest_checkpoint()
        .await
        .map_err(err)?
        .map(|c| c.size)
        .unwrap_or(0);
    let publication = publication_ref(&state, &id, signed).await.map_err(err)?;
    let villages = villages
        .into_iter()
        .map(|v| {
            let plan = plan_of(&items, &v.village_id, &period.id);
            PublicVillage {
                score: v.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
                veto_key: v.veto.as_ref().map(|x| format!("rating.veto.{x}")),
                plan_label: plan.first().and_then(|i| i.period_label.clone()),
                has_plan: !plan.is_empty(),
                items: plan.into_iter().map(|i| public_item(i, signed)).collect(),
                village: v,
            }
        })
        .collect();
    let lifted = lifted(&items, signed);
    let page = PeriodPage {
        t: Tr::new(lang),
        user: user.map(|u| u.view()),
        published: period.published_at.as_ref().map(super::local_time).unwrap_or_default(),
        period,
        counts,
        villages,
        left_c: lifted.iter().filter(|l| l.left_c).count(),
        lifted,
        publication,
    };
    match (mark, page.render()) {
        (Some(mark), Ok(html)) => Ok(state.public_pages.put(&path, lang, mark, html)),
        _ => Ok(render(&page)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn item(plan: &str, period: Option<&str>, day: u32, seq: i64) -> PublicPlanItem {
        PublicPlanItem {
            village_id: "v1".into(),
            division_code: "330000000001".into(),
            village_name: "上坪村".into(),
            township_name: "东岭镇".into(),
            plan_id: plan.into(),
            period_id: period.map(Into::into),
            period_label: period.map(|p| format!("期次{p}")),
            plan_created_at: Utc
                .with_ymd_and_hms(2026, 10, day, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            item_id: format!("{plan}-{seq}"),
            seq,
            title: format!("事项{seq}"),
            deadline: chrono::NaiveDate::default(),
            state: "open".into(),
            ledger_idx: None,
            grade_here: Some("C".into()),
        }
    }

    fn ids(items: Vec<&PublicPlanItem>) -> Vec<String> {
        items.into_iter().map(|i| i.item_id.clone()).collect()
    }

    #[test]
    fn the_plan_for_the_period_wins_else_the_newest() {
        let items = [
            item("old", Some("p2"), 1, 1),
            item("old", Some("p2"), 1, 2),
            item("new", Some("p1"), 20, 1),
        ];
        assert_eq!(ids(plan_of(&items, "v1", "p2")), ["old-1", "old-2"]);
        assert_eq!(ids(plan_of(&items, "v1", "p3")), ["new-1"]);
        assert!(plan_of(&items, "v2", "p3").is_empty());
    }

    #[test]
    fn a_lifted_village_left_c_only_with_every_item_closed() {
        let mut done = [item("a", Some("p1"), 1, 1), item("a", Some("p1"), 1, 2)];
        let mut open = [item("b", Some("p1"), 1, 1), item("b", Some("p1"), 1, 2)];
        for i in done.iter_mut().chain(open.iter_mut()) {
            i.grade_here = Some("B".into());
            i.state = "closed".into();
        }
        open[1].state = "submitted".into();
        open.iter_mut().for_each(|i| i.village_id = "v2".into());
        let still_c = [item("c", Some("p1"), 1, 1)];
        let all: Vec<PublicPlanItem> = done.into_iter().chain(open).chain(still_c).collect();
        let lifted = lifted(&all, 0);
        let seen: Vec<(bool, &str, usize)> = lifted
            .iter()
            .map(|l| (l.left_c, l.standing_key, l.items.len()))
            .collect();
        assert_eq!(
            seen,
            [
                (true, "plan.standing.left_c", 2),
                (false, "plan.standing.above_c_plan_open", 2)
            ]
        );
    }
}
