//! Records of the village integrity rating: framework versions, assessment periods, their
//! values and results.

use chrono::{DateTime, Utc};
use qinglian_domain::rating::{Framework, Grade};
use serde::Serialize;

/// One stored version of the indicator framework; versions are never edited.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FrameworkVersion {
    pub id: String,
    pub version: i64,
    #[schema(value_type = Object)]
    pub framework: Framework,
    pub created_at: DateTime<Utc>,
}

/// An assessment period (定期研判) and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RatingPeriod {
    pub id: String,
    pub label: String,
    /// `monthly` or `quarterly`.
    pub frequency: String,
    pub framework_id: String,
    pub framework_version: i64,
    /// `open`, `confirmed` or `published`.
    pub state: String,
    pub opened_at: DateTime<Utc>,
    /// When results were last computed; `None` when there are none or values changed since.
    pub graded_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A village as the rating lists it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RatingVillage {
    pub id: String,
    pub division_code: String,
    pub name: String,
    pub township_id: String,
    pub township_name: String,
}

/// One value of a period; a missing value has no row.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RatingValue {
    pub village_id: String,
    pub indicator_code: String,
    pub value: f64,
    /// `form`, `import` or `system`.
    pub source: String,
}

/// A value to save: `None` clears it (the value becomes missing).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueEntry {
    pub village_id: String,
    pub indicator_code: String,
    pub value: Option<f64>,
}

/// How entered values came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueSource {
    Form,
    Import,
}

impl ValueSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Form => "form",
            Self::Import => "import",
        }
    }
}

/// A village's result in a period: the computed grade and, beside it, a reviewer's adjustment.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RatingResult {
    pub id: String,
    pub period_id: String,
    pub village_id: String,
    pub village_name: String,
    pub division_code: String,
    pub township_id: String,
    pub township_name: String,
    /// 0–100 over the indicators the village has; `None` when it has none.
    pub score: Option<f64>,
    /// Per dimension of the period's framework, in order: a JSON array of numbers or nulls.
    pub dimension_scores: String,
    pub computed_grade: String,
    /// `bars_a` or `forces_c`, when a veto applied.
    pub veto: Option<String>,
    /// How many indicator values the village is missing.
    pub missing: i64,
    /// Share of the sensitivity draws that gave another grade.
    pub unstable_share: f64,
    pub adjusted_grade: Option<String>,
    pub adjust_reason: Option<String>,
    pub adjusted_by: Option<String>,
    pub adjusted_at: Option<DateTime<Utc>>,
}

impl RatingResult {
    /// The grade that counts: the reviewer's when they adjusted it, else the computed one.
    pub fn grade(&self) -> Grade {
        let g = self.adjusted_grade.as_deref().unwrap_or(&self.computed_grade);
        Grade::parse("grade", g).unwrap_or(Grade::C)
    }

    pub fn dimensions(&self) -> Vec<Option<f64>> {
        serde_json::from_str(&self.dimension_scores).unwrap_or_default()
    }

    /// Whether the sensitivity check flags the grade as not robust.
    pub fn not_robust(&self) -> bool {
        self.unstable_share > qinglian_domain::rating::NOT_ROBUST_SHARE
    }
}

/// A C village on the public list: where it is, its score and the veto that applied; never
/// the reviewer's adjustment or its reason.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PublicCVillage {
    pub village_id: String,
    pub division_code: String,
    pub village_name: String,
    pub township_name: String,
    pub score: Option<f64>,
    /// `bars_a` or `forces_c`, when a veto applied.
    pub veto: Option<String>,
}

/// A published period's grade counts for the whole county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct GradeCounts {
    pub a: i64,
    pub b: i64,
    pub c: i64,
}

/// An item of a C village's plan as the public sees it: what, by when and where it stands;
/// never its owner, evidence or the verifier's notes.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PublicPlanItem {
    pub village_id: String,
    pub division_code: String,
    pub village_name: String,
    pub township_name: String,
    pub plan_id: String,
    /// The period the plan answers.
    pub period_id: Option<String>,
    pub period_label: Option<String>,
    pub plan_created_at: DateTime<Utc>,
    pub item_id: String,
    pub seq: i64,
    pub title: String,
    pub deadline: chrono::NaiveDate,
    /// `open`, `submitted`, `returned`, `closed`, `closed_not_fixed` or `reopened`.
    pub state: String,
    /// The item's latest entry in the tamper-evident log (the step that led to `state`), once
    /// integrated.
    pub ledger_idx: Option<i64>,
    /// The village's final grade in the period shown.
    pub grade_here: Option<String>,
}

/// A published period as the public notice shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicRating {
    pub period: RatingPeriod,
    pub counts: GradeCounts,
    pub villages: Vec<PublicCVillage>,
    /// Every plan's items of each C village, and of the previous period's plans whose village
    /// this period grades above C, in order of village, plan and item.
    pub items: Vec<PublicPlanItem>,
}
