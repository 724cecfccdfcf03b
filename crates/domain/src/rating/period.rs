//! Assessment periods (定期研判): what opens one, the states it goes through, the values people
//! enter by form or spreadsheet, and the figures shown of its grades.

use serde::{Deserialize, Serialize};

use super::{Framework, Grade, Grading, Normalisation, Values};
use crate::error::{Invalid, Name};
use crate::inspection::Text;

/// How often the county reviews its villages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
}

impl Frequency {
    pub const ALL: [Frequency; 2] = [Self::Monthly, Self::Quarterly];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "rating.frequency_unknown", Some(raw)))
    }
}

/// Where a period stands. Values change only while it is open; grades are adjusted until it is
/// published; a published period never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodState {
    Open,
    Confirmed,
    Published,
}

impl PeriodState {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Confirmed => "confirmed",
            Self::Published => "published",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        [Self::Open, Self::Confirmed, Self::Published]
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| Invalid::field("state", "rating.state_unknown", Some(raw)))
    }
}

/// What opening a period takes: its label (`2026年10月`, `2026年第四季度`) and frequency.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodInput {
    pub label: Name,
    pub frequency: Frequency,
}

impl PeriodInput {
    pub fn parse(label: &str, frequency: &str) -> Result<Self, Invalid> {
        let label = Name::parse("label", label);
        let frequency = Frequency::parse("frequency", frequency);
        match (label, frequency) {
            (Ok(label), Ok(frequency)) => Ok(Self { label, frequency }),
            (l, f) => Err(Invalid::collect([l.err(), f.err()])
                .err()
                .unwrap_or_else(|| Invalid { fields: Vec::new() })),
        }
    }
}

/// A reviewer's change of a computed grade, which always says why.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    pub grade: Grade,
    pub reason: Text,
}

impl Adjustment {
    pub fn parse(grade: &str, reason: &str) -> Result<Self, Invalid> {
        let g = Grade::parse("grade", grade);
        let r = Text::parse("reason", reason);
        match (g, r) {
            (Ok(grade), Ok(reason)) => Ok(Self { grade, reason }),
            (g, r) => Err(Invalid::collect([g.err(), r.err()])
                .err()
                .unwrap_or_else(|| Invalid { fields: Vec::new() })),
        }
    }
}

/// A village's grade is flagged as not robust when more than this share of the sensitivity
/// draws (weights within ±20%) give it another grade.
pub const NOT_ROBUST_SHARE: f64 = 0.1;
/// The sensitivity check of every period: weights perturbed within ±20%, 1,000 draws, seeded
/// so that a period's flags are the same whenever it is graded from the same values.
pub const SENSITIVITY_RANGE: f64 = 0.2;
pub const SENSITIVITY_DRAWS: u32 = 1_000;
pub const SENSITIVITY_SEED: u64 = 2026;

/// The indicators people enter (by form or spreadsheet), in framework order: all but those the
/// system fills in itself.
pub fn entered_indicators(framework: &Framework) -> Vec<usize> {
    (0..framework.indicators.len())
        .filter(|&i| framework.indicators[i].source.is_none())
        .collect()
}

/// Checks one entered value: a finite number, and a known level for a categorical indicator.
/// An empty entry is a missing value, never zero.
pub fn parse_value(framework: &Framework, indicator: usize, raw: &str) -> Result<Option<f64>, &'static str> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let x: f64 = t.parse().map_err(|_| "rating.value_not_a_number")?;
    check_value(framework, indicator, x).map(Some)
}

/// Checks a number entered for an indicator (see `parse_value`).
pub fn check_value(framework: &Framework, indicator: usize, x: f64) -> Result<f64, &'static str> {
    if !x.is_finite() || x < 0.0 {
        return Err("rating.value_negative");
    }
    if let Normalisation::Levels(levels) = &framework.indicators[indicator].normalisation
        && !levels.iter().any(|(code, _)| *code == x)
    {
        return Err("rating.value_unknown_level");
    }
    Ok(x)
}

/// One cell of an imported spreadsheet, as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Number(f64),
    Text(String),
}

/// One problem of an imported file, at its cell (`row` counts from 1, `column` is `A`, `B` …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellError {
    pub row: u32,
    pub column: String,
    pub key: &'static str,
    pub value: Option<String>,
}

/// The template's first row: the codes the import checks (the second row holds the names and
/// is for people only).
pub const CODE_HEADER: &str = "village_code";
pub const NAME_HEADER: &str = "village_name";
/// Rows before the data: the codes, then the names.
pub const HEADER_ROWS: usize = 2;

/// The column letter of a 0-based index: `A` … `Z`, `AA` …
pub fn column_name(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The values of a clean file: per data row, the village's index and one value per entered
/// indicator (`None` = left empty, so missing).
#[derive(Debug, Clone, PartialEq)]
pub struct SheetValues {
    pub indicators: Vec<usize>,
    pub rows: Vec<(usize, Vec<Option<f64>>)>,
}

fn shown(c: &Cell) -> Option<String> {
    match c {
        Cell::Empty => None,
        Cell::Number(x) => Some(x.to_string()),
        Cell::Text(t) => Some(t.chars().take(40).collect()),
    }
}

/// Reads the template back: every problem is reported at its cell, and values come back only
/// when there is none, so nothing of a faulty file is ever imported. `village_codes` are the
/// villages the importer reaches; any other code is unknown to them.
pub fn parse_sheet(
    framework: &Framework,
    village_codes: &[&str],
    rows: &[Vec<Cell>],
) -> Result<SheetValues, Vec<CellError>> {
    let indicators = entered_indicators(framework);
    let expected: Vec<&str> = [CODE_HEADER, NAME_HEADER]
        .into_iter()
        .chain(indicators.iter().map(|&i| framework.indicators[i].code.as_str()))
        .collect();
    let empty = Vec::new();
    let header = rows.first().unwrap_or(&empty);
    let mut errors = Vec::new();
    let width = header.len().max(expected.len());
    for c in 0..width {
        let got = header.get(c).unwrap_or(&Cell::Empty);
        let ok = match (got, expected.get(c)) {
            (Cell::Text(t), Some(e)) => t.trim() == *e,
            (Cell::Empty, None) => true,
            _ => false,
        };
        if !ok {
            errors.push(CellError {
                row: 1,
                column: column_name(c),
                key: "rating.import.header",
                value: shown(got).or_else(|| expected.get(c).map(|e| (*e).to_owned())),
            });
        }
    }
    if !errors.is_empty() {
        // Without the right columns no value can be placed; the header problems are the report.
        return Err(errors);
    }
    let index: std::collections::HashMap<&str, usize> =
        village_codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut seen: std::collections::HashMap<usize, u32> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate().skip(HEADER_ROWS) {
        let row_no = r as u32 + 1;
        if row.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        let code = match row.first().unwrap_or(&Cell::Empty) {
            Cell::Text(t) => Some(t.trim().to_owned()),
            // A spreadsheet may have turned the 12-digit code into a number.
            Cell::Number(x) if x.fract() == 0.0 && *x >= 0.0 => Some(format!("{x:.0}")),
            _ => None,
        };
        let village = code.as_deref().and_then(|c| index.get(c).copied());
        match village {
            None => errors.push(CellError {
                row: row_no,
                column: column_name(0),
                key: "rating.import.unknown_village",
                value: row.first().and_then(shown),
            }),
            Some(v) => {
                if let Some(first) = seen.insert(v, row_no) {
                    errors.push(CellError {
                        row: row_no,
                        column: column_name(0),
                        key: "rating.import.duplicate_row",
                        value: Some(format!("{} = {first}", code.unwrap_or_default())),
                    });
                }
            }
        }
        let mut values = Vec::with_capacity(indicators.len());
        for (k, &i) in indicators.iter().enumerate() {
            let c = k + 2;
            let cell = row.get(c).unwrap_or(&Cell::Empty);
            let parsed = match cell {
                Cell::Empty => Ok(None),
                Cell::Number(x) => check_value(framework, i, *x).map(Some),
                Cell::Text(t) => parse_value(framework, i, t),
            };
            match parsed {
                Ok(x) => values.push(x),
                Err(key) => {
                    let key = if key == "rating.value_not_a_number" {
                        "rating.import.not_a_number"
                    } else {
                        key
                    };
                    errors.push(CellError {
                        row: row_no,
                        column: column_name(c),
                        key,
                        value: shown(cell),
                    });
                    values.push(None);
                }
            }
        }
        if row.len() > expected.len() && row[expected.len()..].iter().any(|c| *c != Cell::Empty) {
            errors.push(CellError {
                row: row_no,
                column: column_name(expected.len()),
                key: "rating.import.extra_cell",
                value: row.get(expected.len()).and_then(shown),
            });
        }
        if let Some(v) = village {
            out.push((v, values));
        }
    }
    if errors.is_empty() {
        Ok(SheetValues { indicators, rows: out })
    } else {
        Err(errors)
    }
}

/// Each village's score per dimension (0–100 over the indicators it has; `None` if it has none
/// of the dimension), for storing with the grade.
pub fn dimension_scores(framework: &Framework, values: &Values, grading: &Grading) -> Vec<Vec<Option<f64>>> {
    (0..values.villages)
        .map(|v| {
            (0..framework.dimensions.len())
                .map(|d| {
                    let (mut sum, mut w) = (0.0, 0.0);
                    for (i, ind) in framework
                        .indicators
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| i.dimension == d)
                    {
                        let x = grading.normalised(values, i, v);
                        if !x.is_nan() {
                            sum += ind.weight * x;
                            w += ind.weight;
                        }
                    }
                    (w > 0.0).then(|| 100.0 * sum / w)
                })
                .collect()
        })
        .collect()
}

/// Counts of villages moving from each grade (rows A, B, C) to each grade (columns) between two
/// periods; villages graded in only one of them are left out.
pub fn transition_matrix(pairs: impl IntoIterator<Item = (Grade, Grade)>) -> [[u32; 3]; 3] {
    let mut m = [[0u32; 3]; 3];
    for (from, to) in pairs {
        m[from as usize][to as usize] += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::seed_framework;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    fn header(f: &Framework) -> Vec<Cell> {
        [CODE_HEADER, NAME_HEADER]
            .into_iter()
            .map(t)
            .chain(entered_indicators(f).iter().map(|&i| t(&f.indicators[i].code)))
            .collect()
    }

    fn row(code: &str, f: &Framework, x: f64) -> Vec<Cell> {
        let mut r = vec![t(code), t("某村")];
        r.extend(
            entered_indicators(f)
                .iter()
                .map(|&i| match &f.indicators[i].normalisation {
                    Normalisation::Levels(l) => Cell::Number(l[0].0),
                    _ => Cell::Number(x),
                }),
        );
        r
    }

    #[test]
    fn a_clean_sheet_gives_values_and_empty_cells_stay_missing() {
        let f = seed_framework();
        let mut second = row("990101001202", &f, 2.0);
        second[2] = Cell::Empty;
        let rows = vec![header(&f), header(&f), row("990101001201", &f, 1.0), second, vec![]];
        let sheet = parse_sheet(&f, &["990101001201", "990101001202"], &rows).unwrap();
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[1].0, 1);
        assert_eq!(sheet.rows[1].1[0], None, "an empty cell is missing, not zero");
        assert_eq!(sheet.rows[0].1[0], Some(1.0));
    }

    #[test]
    fn every_bad_cell_is_reported_and_nothing_comes_back() {
        let f = seed_framework();
        let mut bad = row("990101001201", &f, 1.0);
        bad[2] = t("很多");
        let rows = vec![
            header(&f),
            header(&f),
            bad,
            row("990101009999", &f, 1.0),
            row("990101001201", &f, 1.0),
        ];
        let errors = parse_sheet(&f, &["990101001201"], &rows).unwrap_err();
        let got: Vec<(u32, &str, &str)> = errors.iter().map(|e| (e.row, e.column.as_str(), e.key)).collect();
        assert_eq!(
            got,
            vec![
                (3, "C", "rating.import.not_a_number"),
                (4, "A", "rating.import.unknown_village"),
                (5, "A", "rating.import.duplicate_row"),
            ]
        );
        let mut wrong = header(&f);
        wrong[3] = t("weight");
        let errors = parse_sheet(&f, &["990101001201"], &[wrong]).unwrap_err();
        assert_eq!((errors[0].row, errors[0].column.as_str()), (1, "D"));
        assert_eq!(errors[0].key, "rating.import.header");
    }

    #[test]
    fn levels_and_signs_are_checked() {
        let f = seed_framework();
        let levels = f
            .indicators
            .iter()
            .position(|i| matches!(i.normalisation, Normalisation::Levels(_)))
            .unwrap();
        assert_eq!(parse_value(&f, levels, "7"), Err("rating.value_unknown_level"));
        assert_eq!(parse_value(&f, 0, "-1"), Err("rating.value_negative"));
        assert_eq!(parse_value(&f, 0, " "), Ok(None));
        assert_eq!(parse_value(&f, 0, "abc"), Err("rating.value_not_a_number"));
        assert_eq!(column_name(27), "AB");
    }

    #[test]
    fn transitions_count_moves_between_grades() {
        let m = transition_matrix([(Grade::C, Grade::B), (Grade::C, Grade::C), (Grade::A, Grade::A)]);
        assert_eq!(m, [[1, 0, 0], [0, 0, 0], [0, 1, 1]]);
    }

    #[test]
    fn adjustments_need_a_grade_and_a_reason() {
        let e = Adjustment::parse("D", " ").unwrap_err();
        let keys: Vec<_> = e.fields.iter().map(|f| f.key).collect();
        assert_eq!(keys, vec!["rating.grade_unknown", "text.empty"]);
        assert_eq!(Adjustment::parse("b", "班子问题已整改").unwrap().grade, Grade::B);
    }
}
