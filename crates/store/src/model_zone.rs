//! Records of zone governance (rotation, joint meetings, term reports) and campaigns.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// One convener in a zone's rotation, in order.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RotationMember {
    pub position: i64,
    pub staff_id: String,
    pub name: String,
    pub unit_name: Option<String>,
}

/// The county's convener order for a zone, from its first quarter (`2026Q1`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ZoneRotation {
    pub zone_id: String,
    pub start: String,
    pub order: Vec<RotationMember>,
    pub version: i64,
}

/// A quarter of the convener calendar: who convenes and where their report stands.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CalendarSlot {
    pub quarter: String,
    pub staff_id: Option<String>,
    pub staff_name: Option<String>,
    /// `draft`, `submitted`, or none yet.
    pub report_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct JointMeetingRow {
    pub id: String,
    pub zone_id: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    pub convener_staff_id: Option<String>,
    pub convener_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Attendee {
    pub staff_id: String,
    pub name: String,
    pub unit_name: Option<String>,
}

/// A joint meeting (联席会议) with its attendance.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct JointMeeting {
    #[serde(flatten)]
    pub meeting: JointMeetingRow,
    pub attendees: Vec<Attendee>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TermReportRow {
    pub zone_id: String,
    pub year: i64,
    pub quarter: i64,
    pub convener_staff_id: String,
    pub convener_name: String,
    pub body: String,
    pub figures: String,
    pub state: String,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// A convener's written term report (书面述职) and the figures it was drafted from.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TermReport {
    pub zone_id: String,
    /// `2026Q3`.
    pub quarter: String,
    pub convener_staff_id: String,
    pub convener_name: String,
    pub body: String,
    #[schema(value_type = Object)]
    pub figures: qinglian_domain::zone_governance::TermFigures,
    /// `draft` or `submitted`.
    pub state: String,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl TermReport {
    pub fn from_row(r: TermReportRow) -> Self {
        Self {
            quarter: format!("{}Q{}", r.year, r.quarter),
            figures: serde_json::from_str(&r.figures).unwrap_or_default(),
            zone_id: r.zone_id,
            convener_staff_id: r.convener_staff_id,
            convener_name: r.convener_name,
            body: r.body,
            state: r.state,
            version: r.version,
            updated_at: r.updated_at,
            submitted_at: r.submitted_at,
        }
    }
}

/// A campaign (专项整治).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub year: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// Problems a unit found and rectified in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Finding {
    pub id: String,
    pub campaign_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub found: i64,
    pub rectified: i64,
    pub recorded_on: NaiveDate,
}

/// How one person was handled: form, sanction, funds (exact yuan, as text).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Handling {
    pub id: String,
    pub case_id: Option<String>,
    pub case_number: Option<String>,
    pub unit_id: String,
    pub unit_name: String,
    pub campaign_id: Option<String>,
    /// 1 to 4: the form (四种形态).
    pub form: i64,
    pub sanction: Option<String>,
    /// Yuan with two decimals, e.g. `76000.00`.
    pub funds_seized: String,
    pub funds_handed_in: String,
    pub decided_on: NaiveDate,
}
