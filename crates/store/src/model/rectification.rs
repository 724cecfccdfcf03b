//! Rectification orders (督改单) as the store returns them: the order, its two sign-offs and
//! its follow-up records.

use chrono::{DateTime, NaiveDate, Utc};
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
