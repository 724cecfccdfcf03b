//! Rectification orders (督改单) as the store returns them: the order, its two sign-offs and
//! its follow-up records.

use chrono::{DateTime, NaiveDate, Utc};
use qinglian_domain::rectification::standing::Standing;
use serde::Serialize;

/// The official who holds a township post the role model has no role for (the party secretary).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TownshipPost {
    pub township_id: String,
    /// `party_secretary`.
    pub post: String,
    pub staff_id: String,
    pub staff_name: String,
    pub assigned_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RectificationOrderRow {
    pub id: String,
    /// `督改〔2026〕3号`, within the township and year.
    pub number: String,
    pub township_id: String,
    pub township_name: String,
    pub village_id: String,
    pub village_name: String,
    pub problem: String,
    pub actions: String,
    pub deadline: NaiveDate,
    /// `draft`, `issued` or `completed`.
    pub state: String,
    pub version: i64,
    pub drafted_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// One order in a list: the row and whether it is past its deadline today.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RectificationOrderSummary {
    #[serde(flatten)]
    pub order: RectificationOrderRow,
    pub overdue: bool,
}

/// A signature, with the name and post as signed.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RectificationSignOff {
    /// `party_secretary` or `discipline_secretary`.
    pub post: String,
    pub staff_id: String,
    pub staff_name: String,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RectificationFollowUp {
    pub seq: i64,
    /// `progress`, `village_reply` or `completion_verified`.
    pub kind: String,
    pub body: String,
    pub author_name: String,
    pub at: DateTime<Utc>,
}

/// An order with everything its page and its PDF show.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RectificationOrder {
    #[serde(flatten)]
    pub order: RectificationOrderRow,
    pub overdue: bool,
    pub sign_offs: Vec<RectificationSignOff>,
    pub follow_ups: Vec<RectificationFollowUp>,
}

/// Which orders a list shows, within the caller's reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RectificationFilter {
    pub township_id: Option<String>,
    /// `draft`, `issued` or `completed`.
    pub state: Option<String>,
    /// Only orders in force past their deadline on this day.
    pub overdue_on: Option<NaiveDate>,
}

/// A village's plan (一村一方案).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VillagePlanRow {
    pub id: String,
    pub village_id: String,
    pub village_name: String,
    pub township_id: String,
    pub township_name: String,
    /// The assessment period that graded the village C, which the plan answers, and its label.
    pub period_id: Option<String>,
    pub period_label: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The first published period after the plan's that graded the village, and the village's
    /// final grade there: what decides whether it left C.
    pub next_period_label: Option<String>,
    pub next_grade: Option<String>,
    pub next_published_at: Option<DateTime<Utc>>,
}

impl VillagePlanRow {
    /// Where the village stands against the rule for leaving C, given the plan's item states.
    pub fn standing(&self, items: &[qinglian_domain::rectification::item::ItemState]) -> Standing {
        let next = self
            .next_grade
            .as_deref()
            .and_then(|g| qinglian_domain::rating::Grade::parse("next_grade", g).ok());
        qinglian_domain::rectification::standing::standing(items, next)
    }
}

/// A plan in a list, with how far its items have got.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VillagePlanSummary {
    #[serde(flatten)]
    pub plan: VillagePlanRow,
    /// `awaiting`, `left_c`, `above_c_plan_open` or `still_c` (`domain::rectification::standing`).
    #[schema(value_type = String)]
    pub standing: Standing,
    pub items: i64,
    /// Closed out after verification (not counting those closed as not fixed).
    pub closed: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RectificationItemRow {
    pub id: String,
    pub plan_id: String,
    pub seq: i64,
    pub title: String,
    pub owner_staff_id: String,
    pub owner_name: String,
    pub deadline: NaiveDate,
    pub expected_result: String,
    /// `open`, `submitted`, `returned`, `closed`, `closed_not_fixed` or `reopened`.
    pub state: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

/// One step on an item, with the evidence files it named.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RectificationItemEvent {
    pub version: i64,
    /// `submit`, `verify`, `send_back`, `close_not_fixed` or `reopen`.
    pub kind: String,
    /// The state the step led to.
    pub state: String,
    pub body: String,
    pub actor_name: String,
    pub at: DateTime<Utc>,
    pub file_ids: Vec<String>,
    /// The same files with their names and sizes, for people choosing what to open.
    pub files: Vec<ItemFile>,
}

/// An evidence file handed in on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemFile {
    pub id: String,
    pub name: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RectificationItem {
    #[serde(flatten)]
    pub item: RectificationItemRow,
    pub overdue: bool,
    pub events: Vec<RectificationItemEvent>,
}

/// A plan with its items and their histories.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VillagePlan {
    #[serde(flatten)]
    pub plan: VillagePlanRow,
    /// `awaiting`, `left_c`, `above_c_plan_open` or `still_c` (`domain::rectification::standing`).
    #[schema(value_type = String)]
    pub standing: Standing,
    pub items: Vec<RectificationItem>,
}
