//! The rating's public notice (公示): published periods, each period's C villages with their
//! plan items and overall figures, and the log entry that proves the publication.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use qinglian_domain::audit::AuditAction;
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

#[derive(Template)]
#[template(path = "portal/rating_period.html")]
struct PeriodPage {
    t: Tr,
    user: Option<UserView>,
    period: RatingPeriod,
    published: String,
    counts: GradeCounts,
    villages: Vec<PublicVillage>,
    /// The publication's entry in the tamper-evident log, once integrated.
    publication: Option<LedgerRef>,
}

/// The plan answering this period for the village: the one labelled with the period, else the
/// newest; items of other plans are left out.
fn plan_of<'a>(items: &'a [PublicPlanItem], village_id: &str, label: &str) -> Vec<&'a PublicPlanItem> {
    let mine: Vec<&PublicPlanItem> = items.iter().filter(|i| i.village_id == village_id).collect();
    let chosen = mine
        .iter()
        .find(|i| i.period_label.as_deref() == Some(label))
        .or_else(|| mine.iter().max_by_key(|i| (i.plan_created_at, i.plan_id.clone())))
        .map(|i| i.plan_id.clone());
    match chosen {
        Some(plan) => mine.into_iter().filter(|i| i.plan_id == plan).collect(),
        None => Vec::new(),
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
            let plan = plan_of(&items, &v.village_id, &period.label);
            PublicVillage {
                score: v.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
                veto_key: v.veto.as_ref().map(|x| format!("rating.veto.{x}")),
                plan_label: plan.first().and_then(|i| i.period_label.clone()),
                has_plan: !plan.is_empty(),
                items: plan
                    .into_iter()
                    .map(|i| PublicItem {
                        seq: i.seq,
                        title: i.title.clone(),
                        deadline: i.deadline.to_string(),
                        state: i.state.clone(),
                        state_key: format!("plan.state.{}", i.state),
                        ledger_index: i.ledger_idx,
                        proof_url: i.ledger_idx.and_then(|x| proof_url(x, signed)),
                    })
                    .collect(),
                village: v,
            }
        })
        .collect();
    Ok(render(&PeriodPage {
        t: Tr::new(lang),
        user: user.map(|u| u.view()),
        published: period.published_at.as_ref().map(super::local_time).unwrap_or_default(),
        period,
        counts,
        villages,
        publication,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn item(plan: &str, label: Option<&str>, day: u32, seq: i64) -> PublicPlanItem {
        PublicPlanItem {
            village_id: "v1".into(),
            plan_id: plan.into(),
            period_label: label.map(Into::into),
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
        }
    }

    fn ids(items: Vec<&PublicPlanItem>) -> Vec<String> {
        items.into_iter().map(|i| i.item_id.clone()).collect()
    }

    #[test]
    fn the_plan_labelled_with_the_period_wins_else_the_newest() {
        let items = [
            item("old", Some("2026年第二季度"), 1, 1),
            item("old", Some("2026年第二季度"), 1, 2),
            item("new", None, 20, 1),
        ];
        assert_eq!(ids(plan_of(&items, "v1", "2026年第二季度")), ["old-1", "old-2"]);
        assert_eq!(ids(plan_of(&items, "v1", "2026年第三季度")), ["new-1"]);
        assert!(plan_of(&items, "v2", "2026年第三季度").is_empty());
    }
}
