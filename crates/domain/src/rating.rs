//! The village integrity rating (清廉村居 A/B/C): an indicator framework, grading a period's
//! values column by column, the explanation of each grade, and the sensitivity check.
//!
//! Values are held by indicator (one column of villages each), with `NaN` for a missing value,
//! so grading a whole province is a few passes over memory. A missing value is never a zero:
//! the village's score uses the indicators it has, and the grade says what was missing.

use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::Invalid;

mod period;
mod seed;

pub use period::*;
pub use seed::seed_framework;

/// Whether more of an indicator is better or worse for a village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// How raw values become comparable scores in 0..=1 (1 = best).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// (x − min) / (max − min) over the villages that have a value.
    MinMax,
    /// The standard score, mapped to 0..=1 by clamping ±3 standard deviations.
    ZScore,
    /// Position among the villages (ties share their mean rank), 0..=1.
    Rank,
    /// A categorical scale: each level code (as its number) has a fixed score.
    Levels(Vec<(f64, f64)>),
}

/// One-vote veto (一票否决): a value that bars A or forces C whatever the score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Veto {
    pub effect: VetoEffect,
    /// The veto applies when the raw value is at least this.
    pub at_least: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VetoEffect {
    BarsA,
    ForcesC,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub code: String,
    pub name: String,
    /// The dimension's share of the total, in percent: the dimensions' weights sum to 100.
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    /// Index into the framework's dimensions.
    pub dimension: usize,
    pub direction: Direction,
    pub normalisation: Normalisation,
    /// Share within its dimension, in percent: a dimension's indicators sum to 100.
    pub weight: f64,
    #[serde(default)]
    pub veto: Option<Veto>,
    /// Where the system takes the value from itself; `None` means people enter it.
    #[serde(default)]
    pub source: Option<SystemSource>,
}

/// Values the system knows from its own records, filled in when a period is graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemSource {
    /// Concerns raised at on-site meetings about the village that are not yet closed.
    OpenConcerns,
}

/// Scores (0–100) at or above which a village is A, or B; below B it is C.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cutoffs {
    pub a: f64,
    pub b: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    A,
    B,
    C,
}

impl Grade {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
        }
    }

    pub const ALL: [Grade; 3] = [Self::A, Self::B, Self::C];

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| Invalid::field(field, "rating.grade_unknown", Some(raw)))
    }
}

/// A version of the indicator framework; a period keeps the version in force when it opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub version: u32,
    pub dimensions: Vec<Dimension>,
    pub indicators: Vec<Indicator>,
    pub cutoffs: Cutoffs,
}

impl Framework {
    /// Refuses a framework that cannot grade fairly, naming every problem.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut problems = Vec::new();
        if self.dimensions.is_empty() || self.indicators.is_empty() {
            problems.push(Invalid::field("indicators", "rating.empty", None));
        }
        for d in &self.dimensions {
            if !(d.weight.is_finite() && d.weight > 0.0) {
                problems.push(Invalid::field("weight", "rating.weight", Some(&d.code)));
            }
            if !self
                .indicators
                .iter()
                .any(|i| self.dimensions.get(i.dimension) == Some(d))
            {
                problems.push(Invalid::field("dimension", "rating.dimension_empty", Some(&d.code)));
            }
        }
        let mut codes: Vec<&str> = self.indicators.iter().map(|i| i.code.as_str()).collect();
        codes.sort_unstable();
        if codes.windows(2).any(|w| w[0] == w[1]) {
            problems.push(Invalid::field("code", "rating.duplicate_code", None));
        }
        for i in &self.indicators {
            if !(i.weight.is_finite() && i.weight > 0.0) {
                problems.push(Invalid::field("weight", "rating.weight", Some(&i.code)));
            }
            if i.dimension >= self.dimensions.len() {
                problems.push(Invalid::field("dimension", "field.unknown_id", Some(&i.code)));
            }
            if let Normalisation::Levels(levels) = &i.normalisation
                && (levels.is_empty() || levels.iter().any(|(_, s)| !(0.0..=1.0).contains(s)))
            {
                problems.push(Invalid::field("normalisation", "rating.levels", Some(&i.code)));
            }
        }
        // Shares in percent, so that a reader of the framework sees what each part is worth;
        // a total other than 100 is a typing mistake, not a choice.
        let close = |sum: f64| (sum - 100.0).abs() < 1e-6;
        if !self.dimensions.is_empty() && !close(self.dimensions.iter().map(|d| d.weight).sum()) {
            problems.push(Invalid::field("weight", "rating.weights_sum", None));
        }
        for (d, dim) in self.dimensions.iter().enumerate() {
            let within: Vec<f64> = self
                .indicators
                .iter()
                .filter(|i| i.dimension == d)
                .map(|i| i.weight)
                .collect();
            if !within.is_empty() && !close(within.iter().sum()) {
                problems.push(Invalid::field(
                    "weight",
                    "rating.indicator_weights_sum",
                    Some(&dim.code),
                ));
            }
        }
        let c = self.cutoffs;
        if !(c.a.is_finite() && c.b.is_finite() && 0.0 <= c.b && c.b < c.a && c.a <= 100.0) {
            problems.push(Invalid::field("cutoffs", "rating.cutoffs_order", None));
        }
        Invalid::collect(problems.into_iter().map(Some))
    }

    /// Each indicator's weight in the total (dimension share × share within the dimension).
    pub fn effective_weights(&self) -> Vec<f64> {
        let total: f64 = self.dimensions.iter().map(|d| d.weight).sum();
        let within: Vec<f64> = (0..self.dimensions.len())
            .map(|d| {
                self.indicators
                    .iter()
                    .filter(|i| i.dimension == d)
                    .map(|i| i.weight)
                    .sum()
            })
            .collect();
        self.indicators
            .iter()
            .map(|i| self.dimensions[i.dimension].weight / total * i.weight / within[i.dimension])
            .collect()
    }
}

/// A column's normalisation, fitted to its values: applying it maps a raw value to 0..=1,
/// best = 1, and `NaN` (missing, or an unknown level) to `NaN`.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// `(x − lo) · factor`, flipped for lower-is-better.
    Linear {
        lo: f64,
        factor: f64,
        flip: bool,
    },
    /// `((x − mean) / sd + 3) / 6`, clamped, flipped for lower-is-better.
    Standard {
        mean: f64,
        inv_sd: f64,
        flip: bool,
    },
    /// Ranks need the whole column: the normalised values themselves.
    Ranked(Vec<f64>),
    Levels {
        levels: Vec<(f64, f64)>,
        flip: bool,
    },
}

impl Scale {
    /// Fits the normalisation to a column (one pass; a sort for ranks).
    pub fn fit(column: &[f64], how: &Normalisation, direction: Direction) -> Self {
        let flip = direction == Direction::LowerIsBetter;
        match how {
            Normalisation::MinMax => {
                // Four running minima and maxima, so the comparisons do not wait on each other.
                let (mut lo4, mut hi4) = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
                let chunks = column.chunks_exact(4);
                let rest = chunks.remainder();
                for c in chunks {
                    for k in 0..4 {
                        // NaN compares false: missing values take no part.
                        lo4[k] = if c[k] < lo4[k] { c[k] } else { lo4[k] };
                        hi4[k] = if c[k] > hi4[k] { c[k] } else { hi4[k] };
                    }
                }
                for &x in rest {
                    lo4[0] = if x < lo4[0] { x } else { lo4[0] };
                    hi4[0] = if x > hi4[0] { x } else { hi4[0] };
                }
                let lo = lo4.into_iter().fold(f64::INFINITY, f64::min);
                let hi = hi4.into_iter().fold(f64::NEG_INFINITY, f64::max);
                let span = hi - lo;
                // All equal: every village is as good as the best.
                let (lo, factor) = if span > 0.0 { (lo, 1.0 / span) } else { (lo, 0.0) };
                Scale::Linear {
                    lo,
                    factor,
                    flip: flip && span > 0.0,
                }
                .or_constant(span > 0.0)
            }
            Normalisation::ZScore => {
                // Four running sums, so the additions do not wait on each other.
                let (mut n4, mut sum4, mut sq4) = ([0.0f64; 4], [0.0f64; 4], [0.0f64; 4]);
                let chunks = column.chunks_exact(4);
                let rest = chunks.remainder();
                let mut add = |k: usize, x: f64| {
                    if !x.is_nan() {
                        n4[k] += 1.0;
                        sum4[k] += x;
                        sq4[k] += x * x;
                    }
                };
                for c in chunks {
                    for (k, &x) in c.iter().enumerate() {
                        add(k, x);
                    }
                }
                for &x in rest {
                    add(0, x);
                }
                let (n, sum, sq): (f64, f64, f64) = (n4.iter().sum(), sum4.iter().sum(), sq4.iter().sum());
                let mean = if n > 0.0 { sum / n } else { 0.0 };
                let sd = if n > 0.0 {
                    (sq / n - mean * mean).max(0.0).sqrt()
                } else {
                    0.0
                };
                Scale::Standard {
                    mean,
                    inv_sd: if sd > 0.0 { 1.0 / sd } else { 0.0 },
                    flip,
                }
            }
            Normalisation::Rank => {
                let mut order: Vec<usize> = (0..column.len()).filter(|&i| !column[i].is_nan()).collect();
                order.sort_by(|&a, &b| column[a].total_cmp(&column[b]));
                let n = order.len();
                let mut ranks = vec![f64::NAN; column.len()];
                let mut i = 0;
                while i < n {
                    let mut j = i;
                    while j + 1 < n && column[order[j + 1]] == column[order[i]] {
                        j += 1;
                    }
                    let r = if n > 1 {
                        (i + j) as f64 / 2.0 / (n - 1) as f64
                    } else {
                        1.0
                    };
                    for &k in &order[i..=j] {
                        ranks[k] = if flip { 1.0 - r } else { r };
                    }
                    i = j + 1;
                }
                Scale::Ranked(ranks)
            }
            Normalisation::Levels(levels) => Scale::Levels {
                levels: levels.clone(),
                flip,
            },
        }
    }

    /// A constant column scores 1 for everyone who has a value.
    fn or_constant(self, varies: bool) -> Self {
        if varies {
            self
        } else {
            Scale::Linear {
                lo: 0.0,
                factor: 0.0,
                flip: true,
            }
        }
    }

    /// The normalised value of village `v` whose raw value is `x`.
    #[inline]
    pub fn apply(&self, v: usize, x: f64) -> f64 {
        match self {
            Scale::Linear { lo, factor, flip } => {
                let y = (x - lo) * factor;
                if *flip { 1.0 - y } else { y }
            }
            Scale::Standard { mean, inv_sd, flip } => {
                let y = (((x - mean) * inv_sd + 3.0) / 6.0).clamp(0.0, 1.0);
                if *flip { 1.0 - y } else { y }
            }
            Scale::Ranked(r) => r[v],
            Scale::Levels { levels, flip } => levels
                .iter()
                .find(|(code, _)| *code == x)
                .map_or(f64::NAN, |(_, s)| if *flip { 1.0 - s } else { *s }),
        }
    }
}

/// Normalises one column in place to 0..=1, best = 1; `NaN` stays `NaN`.
pub fn normalise(column: &mut [f64], how: &Normalisation, direction: Direction) {
    let scale = Scale::fit(column, how, direction);
    for (v, x) in column.iter_mut().enumerate() {
        if !x.is_nan() {
            *x = scale.apply(v, *x);
        }
    }
}

/// One period's values: for each indicator, one value per village (`NaN` = missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    pub villages: usize,
    pub columns: Vec<Vec<f64>>,
}

/// Every village's result in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grading {
    /// 0–100, over the indicators the village has; `NaN` when it has none.
    pub scores: Vec<f64>,
    pub grades: Vec<Grade>,
    /// The strongest veto that applied, per village.
    pub vetoes: Vec<Option<VetoEffect>>,
    /// How many indicator values each village is missing.
    pub missing: Vec<u32>,
    /// Each column's fitted normalisation, for explanations and re-weighing.
    #[serde(skip)]
    pub scales: Vec<Scale>,
}

impl Grading {
    /// The normalised value of an indicator for a village (`NaN` if missing).
    pub fn normalised(&self, values: &Values, indicator: usize, village: usize) -> f64 {
        let x = values.columns[indicator][village];
        if x.is_nan() {
            x
        } else {
            self.scales[indicator].apply(village, x)
        }
    }
}

/// Normalises, weighs, applies vetoes and cuts: the whole grading of a period. Each column is
/// fitted and then applied while it is still in cache, straight into the weighted sums.
pub fn grade(framework: &Framework, values: &Values) -> Result<Grading, Invalid> {
    framework.validate()?;
    if values.columns.len() != framework.indicators.len() || values.columns.iter().any(|c| c.len() != values.villages) {
        return Err(Invalid::field("values", "rating.shape", None));
    }
    let weights = framework.effective_weights();
    let n = values.villages;
    let mut sum = vec![0.0f64; n];
    // The weight of what each village is missing; usually zero, so one write per value.
    let mut absent = vec![0.0f64; n];
    let mut missing = vec![0u32; n];
    let mut vetoes: Vec<Option<VetoEffect>> = vec![None; n];
    // Each column is fitted over all villages first; then the villages are taken a block at a
    // time through every column, so the block's sums stay in cache and each value is read once
    // more: two passes over the data in all, the memory-bandwidth class.
    let scales: Vec<Scale> = values
        .columns
        .iter()
        .zip(&framework.indicators)
        .map(|(col, ind)| Scale::fit(col, &ind.normalisation, ind.direction))
        .collect();
    const BLOCK: usize = 2048;
    for from in (0..n).step_by(BLOCK) {
        let to = (from + BLOCK).min(n);
        let (sum, absent, missing, vetoes) = (
            &mut sum[from..to],
            &mut absent[from..to],
            &mut missing[from..to],
            &mut vetoes[from..to],
        );
        for (((col, ind), &w), scale) in values
            .columns
            .iter()
            .zip(&framework.indicators)
            .zip(&weights)
            .zip(&scales)
        {
            let col = &col[from..to];
            match scale {
                Scale::Linear { lo, factor, flip } => {
                    // The common case, kept branch-light: y = a + b·x.
                    let (a, b) = if *flip {
                        (1.0 + lo * factor, -factor)
                    } else {
                        (-lo * factor, *factor)
                    };
                    let (wa, wb) = (w * a, w * b);
                    for (v, &x) in col.iter().enumerate() {
                        if x.is_nan() {
                            absent[v] += w;
                            missing[v] += 1;
                        } else {
                            sum[v] += wa + wb * x;
                        }
                    }
                }
                Scale::Standard { mean, inv_sd, flip } => {
                    let (m, k, f) = (*mean, *inv_sd / 6.0, *flip);
                    for (v, &x) in col.iter().enumerate() {
                        if x.is_nan() {
                            absent[v] += w;
                            missing[v] += 1;
                        } else {
                            let y = ((x - m) * k + 0.5).clamp(0.0, 1.0);
                            sum[v] += w * if f { 1.0 - y } else { y };
                        }
                    }
                }
                other => {
                    for (v, &x) in col.iter().enumerate() {
                        let y = if x.is_nan() { f64::NAN } else { other.apply(from + v, x) };
                        if y.is_nan() {
                            absent[v] += w;
                            missing[v] += 1;
                        } else {
                            sum[v] += w * y;
                        }
                    }
                }
            }
            if let Some(veto) = ind.veto {
                for (v, &x) in col.iter().enumerate() {
                    if x >= veto.at_least {
                        vetoes[v] = vetoes[v].max(Some(veto.effect));
                    }
                }
            }
        }
    }
    let total: f64 = weights.iter().sum();
    let scores: Vec<f64> = (0..n)
        .map(|v| {
            let present = total - absent[v];
            if present > 1e-12 {
                100.0 * sum[v] / present
            } else {
                f64::NAN
            }
        })
        .collect();
    let grades = cut(framework.cutoffs, &scores, &vetoes);
    Ok(Grading {
        scores,
        grades,
        vetoes,
        missing,
        scales,
    })
}

fn cut(c: Cutoffs, scores: &[f64], vetoes: &[Option<VetoEffect>]) -> Vec<Grade> {
    scores
        .iter()
        .zip(vetoes)
        .map(|(&s, veto)| {
            let by_score = if s >= c.a {
                Grade::A
            } else if s >= c.b {
                Grade::B
            } else {
                Grade::C
            };
            match veto {
                Some(VetoEffect::ForcesC) => Grade::C,
                Some(VetoEffect::BarsA) => by_score.max(Grade::B),
                None => by_score,
            }
        })
        .collect()
}

/// Why a village has its grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Per dimension: the village's score and the county's mean (0–100, `None` if missing).
    pub dimensions: Vec<(String, Option<f64>, Option<f64>)>,
    /// Indicators that cost the village most against the county mean, worst first:
    /// (indicator code, points lost on the total score).
    pub pulled_down: Vec<(String, f64)>,
    pub veto: Option<VetoEffect>,
    pub missing: Vec<String>,
}

pub fn explain(framework: &Framework, values: &Values, grading: &Grading, village: usize) -> Explanation {
    let weights = framework.effective_weights();
    let mean = |col: &[f64]| {
        let (s, n) = col
            .iter()
            .filter(|x| !x.is_nan())
            .fold((0.0, 0.0), |(s, n), x| (s + x, n + 1.0));
        (n > 0.0).then(|| s / n)
    };
    let normalised: Vec<Vec<f64>> = (0..framework.indicators.len())
        .map(|i| (0..values.villages).map(|v| grading.normalised(values, i, v)).collect())
        .collect();
    let means: Vec<Option<f64>> = normalised.iter().map(|c| mean(c)).collect();
    let dimensions = framework
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dim)| {
            let (mut own, mut own_w, mut county, mut county_w) = (0.0, 0.0, 0.0, 0.0);
            for (i, ind) in framework
                .indicators
                .iter()
                .enumerate()
                .filter(|(_, i)| i.dimension == d)
            {
                let x = normalised[i][village];
                if !x.is_nan() {
                    own += ind.weight * x;
                    own_w += ind.weight;
                }
                if let Some(m) = means[i] {
                    county += ind.weight * m;
                    county_w += ind.weight;
                }
            }
            (
                dim.name.clone(),
                (own_w > 0.0).then(|| 100.0 * own / own_w),
                (county_w > 0.0).then(|| 100.0 * county / county_w),
            )
        })
        .collect();
    let mut pulled_down: Vec<(String, f64)> = framework
        .indicators
        .iter()
        .enumerate()
        .filter_map(|(i, ind)| {
            let x = normalised[i][village];
            let m = means[i]?;
            (!x.is_nan() && x < m).then(|| (ind.code.clone(), 100.0 * weights[i] * (m - x)))
        })
        .collect();
    pulled_down.sort_by(|a, b| b.1.total_cmp(&a.1));
    pulled_down.truncate(3);
    Explanation {
        dimensions,
        pulled_down,
        veto: grading.vetoes[village],
        missing: framework
            .indicators
            .iter()
            .enumerate()
            .filter(|(i, _)| normalised[*i][village].is_nan())
            .map(|(_, ind)| ind.code.clone())
            .collect(),
    }
}

/// For each village, the share of draws (weights perturbed by up to ±`range`, e.g. 0.2) in
/// which its grade differs from the unperturbed one. Deterministic for a seed.
pub fn sensitivity(
    framework: &Framework,
    values: &Values,
    grading: &Grading,
    range: f64,
    draws: u32,
    seed: u64,
) -> Vec<f64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let n = values.villages;
    let k = framework.indicators.len();
    // Village-major normalised values: each draw reads one short row per village.
    let rows: Vec<f64> = (0..n)
        .flat_map(|v| (0..k).map(move |i| (v, i)))
        .map(|(v, i)| grading.normalised(values, i, v))
        .collect();
    let base = framework.effective_weights();
    let mut weights = base.clone();
    let mut changed = vec![0u32; n];
    let mut scores = vec![0.0; n];
    for _ in 0..draws {
        for (w, b) in weights.iter_mut().zip(&base) {
            *w = b * rng.random_range((1.0 - range)..=(1.0 + range));
        }
        for (v, score) in scores.iter_mut().enumerate() {
            let (mut sum, mut present) = (0.0, 0.0);
            for (x, w) in rows[v * k..(v + 1) * k].iter().zip(&weights) {
                if !x.is_nan() {
                    sum += w * x;
                    present += w;
                }
            }
            *score = if present > 0.0 { 100.0 * sum / present } else { f64::NAN };
        }
        let grades = cut(framework.cutoffs, &scores, &grading.vetoes);
        for (c, (a, b)) in changed.iter_mut().zip(grades.iter().zip(&grading.grades)) {
            if a != b {
                *c += 1;
            }
        }
    }
    changed
        .into_iter()
        .map(|c| f64::from(c) / f64::from(draws.max(1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framework() -> Framework {
        let dim = |code: &str, name: &str, weight| Dimension {
            code: code.into(),
            name: name.into(),
            weight,
        };
        let ind = |code: &str, dimension, direction, weight, veto| Indicator {
            code: code.into(),
            name: code.into(),
            dimension,
            direction,
            normalisation: Normalisation::MinMax,
            weight,
            veto,
            source: None,
        };
        Framework {
            version: 1,
            dimensions: vec![dim("conduct", "作风纪律", 50.0), dim("assets", "三资管理", 50.0)],
            indicators: vec![
                ind(
                    "violations",
                    0,
                    Direction::LowerIsBetter,
                    100.0,
                    Some(Veto {
                        effect: VetoEffect::ForcesC,
                        at_least: 3.0,
                    }),
                ),
                ind("audit_score", 1, Direction::HigherIsBetter, 75.0, None),
                ind(
                    "complaints",
                    1,
                    Direction::LowerIsBetter,
                    25.0,
                    Some(Veto {
                        effect: VetoEffect::BarsA,
                        at_least: 10.0,
                    }),
                ),
            ],
            cutoffs: Cutoffs { a: 80.0, b: 50.0 },
        }
    }

    fn values() -> Values {
        Values {
            villages: 6,
            columns: vec![
                vec![0.0, 1.0, 2.0, 3.0, 0.0, 0.0],
                vec![100.0, 90.0, 50.0, 100.0, f64::NAN, 70.0],
                vec![0.0, 12.0, 5.0, 0.0, 0.0, 0.0],
            ],
        }
    }

    #[test]
    fn grades_follow_scores_vetoes_and_missing_values() {
        let g = grade(&framework(), &values()).unwrap();
        assert_eq!(g.grades[0], Grade::A, "best everywhere");
        assert!((g.scores[0] - 100.0).abs() < 1e-9);
        assert_eq!(g.vetoes[1], Some(VetoEffect::BarsA));
        assert!(g.grades[1] >= Grade::B, "12 complaints bar A");
        assert_eq!((g.grades[3], g.vetoes[3]), (Grade::C, Some(VetoEffect::ForcesC)));
        // Village 4 has no audit score: graded on what it has, and the gap is reported.
        assert_eq!(g.missing[4], 1);
        assert!(!g.scores[4].is_nan());
        let e = explain(&framework(), &values(), &g, 4);
        assert_eq!(e.missing, vec!["audit_score".to_owned()]);
    }

    #[test]
    fn explanations_name_what_pulled_a_village_down() {
        let g = grade(&framework(), &values()).unwrap();
        let e = explain(&framework(), &values(), &g, 2);
        assert_eq!(e.pulled_down[0].0, "audit_score", "{e:?}");
        assert!(e.pulled_down[0].1 > 0.0);
        assert_eq!(e.dimensions.len(), 2);
        let (name, own, county) = &e.dimensions[1];
        assert_eq!(name, "三资管理");
        assert!(own.unwrap() < county.unwrap());
    }

    #[test]
    fn bad_frameworks_are_refused_with_reasons() {
        let mut f = framework();
        f.cutoffs = Cutoffs { a: 40.0, b: 60.0 };
        f.indicators[0].weight = 0.0;
        f.indicators[2].code = "audit_score".into();
        let keys: Vec<_> = f.validate().unwrap_err().fields.iter().map(|x| x.key).collect();
        assert_eq!(
            keys,
            vec![
                "rating.duplicate_code",
                "rating.weight",
                "rating.indicator_weights_sum",
                "rating.cutoffs_order"
            ]
        );
        let mut f = framework();
        f.dimensions[0].weight = 40.0;
        let keys: Vec<_> = f.validate().unwrap_err().fields.iter().map(|x| x.key).collect();
        assert_eq!(keys, vec!["rating.weights_sum"], "dimensions must share 100%");
        let mut wrong = values();
        wrong.columns.pop();
        assert_eq!(grade(&framework(), &wrong).unwrap_err().fields[0].key, "rating.shape");
    }

    #[test]
    fn normalisations_map_to_zero_one_with_best_one() {
        let mut c = vec![1.0, 3.0, f64::NAN, 2.0];
        normalise(&mut c, &Normalisation::MinMax, Direction::LowerIsBetter);
        assert_eq!((c[0], c[1], c[3]), (1.0, 0.0, 0.5));
        assert!(c[2].is_nan());
        let mut r = vec![5.0, 1.0, 5.0, 3.0];
        normalise(&mut r, &Normalisation::Rank, Direction::HigherIsBetter);
        assert_eq!(
            r,
            vec![(2.0 + 3.0) / 2.0 / 3.0, 0.0, (2.0 + 3.0) / 2.0 / 3.0, 1.0 / 3.0]
        );
        let mut z = vec![10.0, 10.0];
        normalise(&mut z, &Normalisation::ZScore, Direction::HigherIsBetter);
        assert_eq!(z, vec![0.5, 0.5]);
        let mut l = vec![1.0, 2.0, 7.0];
        normalise(
            &mut l,
            &Normalisation::Levels(vec![(1.0, 1.0), (2.0, 0.4)]),
            Direction::HigherIsBetter,
        );
        assert_eq!(l[..2], [1.0, 0.4]);
        assert!(l[2].is_nan(), "an unknown level is missing, not zero");
    }

    #[test]
    fn sensitivity_flags_villages_near_a_cutoff_only() {
        let f = framework();
        let v = values();
        let g = grade(&f, &v).unwrap();
        let s = sensitivity(&f, &v, &g, 0.2, 500, 7);
        assert_eq!(s[0], 0.0, "a perfect village is robust");
        assert_eq!(s[3], 0.0, "a vetoed village stays C");
        assert_eq!(s, sensitivity(&f, &v, &g, 0.2, 500, 7), "deterministic for a seed");
        assert!(s.iter().all(|x| (0.0..=1.0).contains(x)));
        // Village 5 scores 77.5 against an A cut-off of 80: some draws lift it to A.
        assert!((g.scores[5] - 77.5).abs() < 1e-9 && g.grades[5] == Grade::B);
        assert!(s[5] > 0.05 && s[5] < 0.95, "{s:?}");
    }
}
