//! The rating's files and explanations, shared by the API, the pages and the demo: the value
//! template a township fills in, reading it back cell by cell, and why a village has its grade.

use qinglian_domain::Invalid;
use qinglian_domain::error::FieldError;
use qinglian_domain::rating::{
    self as rating, CODE_HEADER, Cell, CellError, Explanation, Framework, NAME_HEADER, Values, entered_indicators,
};
use qinglian_domain::scope::Reach;
use qinglian_store::Store;
use qinglian_store::model::{Actor, RatingValue, RatingVillage, ValueEntry, ValueSource};

use crate::error::AppError;

/// The largest spreadsheet accepted: a county's template is tens of kilobytes.
pub const IMPORT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Cells beyond these are not read: the template has one row per village and one column per
/// indicator, so a larger sheet is not one.
const MAX_ROWS: u32 = 20_000;
const MAX_COLUMNS: u32 = 200;

/// The template for a period: row 1 the codes the import checks, row 2 the names for people,
/// then one row per village within reach, with the values already entered.
pub fn template(
    framework: &Framework,
    villages: &[RatingVillage],
    values: &[RatingValue],
    name_header: &str,
    code_header: &str,
) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let sheet = book.add_worksheet();
    let columns = entered_indicators(framework);
    sheet.write_string_with_format(0, 0, CODE_HEADER, &bold)?;
    sheet.write_string_with_format(0, 1, NAME_HEADER, &bold)?;
    sheet.write_string_with_format(1, 0, code_header, &bold)?;
    sheet.write_string_with_format(1, 1, name_header, &bold)?;
    for (c, &i) in columns.iter().enumerate() {
        let ind = &framework.indicators[i];
        sheet.write_string_with_format(0, c as u16 + 2, &ind.code, &bold)?;
        sheet.write_string_with_format(1, c as u16 + 2, &ind.name, &bold)?;
    }
    let known: std::collections::HashMap<(&str, &str), f64> = values
        .iter()
        .map(|v| ((v.village_id.as_str(), v.indicator_code.as_str()), v.value))
        .collect();
    for (r, v) in villages.iter().enumerate() {
        let row = r as u32 + 2;
        // As text, so that a spreadsheet does not turn the 12-digit code into a number.
        sheet.write_string_with_format(row, 0, &v.division_code, &text)?;
        sheet.write_string(row, 1, &v.name)?;
        for (c, &i) in columns.iter().enumerate() {
            if let Some(x) = known.get(&(v.id.as_str(), framework.indicators[i].code.as_str())) {
                sheet.write_number(row, c as u16 + 2, *x)?;
            }
        }
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 16)?;
    Ok(book.save_to_buffer()?)
}

fn refusal(key: &'static str) -> AppError {
    AppError::Invalid(Invalid::field("file", key, None))
}

/// Reads the first sheet into cells; a file that is not a spreadsheet, or too large a sheet,
/// is refused before any cell is looked at.
pub fn read_sheet(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, AppError> {
    use calamine::{Data, Reader, Xlsx};
    if bytes.len() > IMPORT_MAX_BYTES {
        return Err(refusal("rating.import.too_large"));
    }
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| refusal("rating.import.not_xlsx"))?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        _ => return Err(refusal("rating.import.not_xlsx")),
    };
    let Some((end_row, end_col)) = range.end() else {
        return Ok(Vec::new());
    };
    if end_row >= MAX_ROWS || end_col >= MAX_COLUMNS {
        return Err(refusal("rating.import.too_large"));
    }
    let mut rows = Vec::with_capacity(end_row as usize + 1);
    for r in 0..=end_row {
        let row = (0..=end_col)
            .map(|c| match range.get_value((r, c)) {
                None | Some(Data::Empty) => Cell::Empty,
                Some(Data::Int(i)) => Cell::Number(*i as f64),
                Some(Data::Float(f)) => Cell::Number(*f),
                Some(Data::String(s)) if s.trim().is_empty() => Cell::Empty,
                Some(other) => Cell::Text(other.to_string()),
            })
            .collect::<Vec<_>>();
        rows.push(row);
    }
    Ok(rows)
}

/// The cell problems as field problems (`C3` …), so the API and the pages report them the way
/// they report any invalid input.
pub fn cell_errors(errors: Vec<CellError>) -> AppError {
    AppError::Invalid(Invalid {
        fields: errors
            .into_iter()
            .map(|e| FieldError {
                field: format!("{}{}", e.column, e.row),
                key: e.key,
                value: e.value,
            })
            .collect(),
    })
}

/// Imports a filled-in template into an open period: every cell is checked first and nothing
/// is written unless all are clean. Returns how many values were saved (empty cells clear).
pub async fn import(
    store: &dyn Store,
    actor: &Actor,
    reach: &Reach,
    period_id: &str,
    bytes: &[u8],
) -> Result<u64, AppError> {
    let period = store.get_period(period_id).await?;
    let framework = store.get_framework(&period.framework_id).await?.framework;
    let rows = read_sheet(bytes)?;
    let villages = store.rating_villages(reach).await?;
    let codes: Vec<&str> = villages.iter().map(|v| v.division_code.as_str()).collect();
    let sheet = rating::parse_sheet(&framework, &codes, &rows).map_err(cell_errors)?;
    let mut entries = Vec::with_capacity(sheet.rows.len() * sheet.indicators.len());
    for (v, values) in &sheet.rows {
        for (k, x) in values.iter().enumerate() {
            entries.push(ValueEntry {
                village_id: villages[*v].id.clone(),
                indicator_code: framework.indicators[sheet.indicators[k]].code.clone(),
                value: *x,
            });
        }
    }
    Ok(store
        .save_values(actor, reach, period_id, ValueSource::Import, &entries)
        .await?)
}

/// Why a village has its grade, computed from the period's stored values against the whole
/// county (the county average needs every village, whatever the viewer's reach).
pub async fn explain(
    store: &dyn Store,
    period_id: &str,
    village_id: &str,
) -> Result<(Framework, Explanation), AppError> {
    let period = store.get_period(period_id).await?;
    let framework = store.get_framework(&period.framework_id).await?.framework;
    let all = Reach::everything();
    let villages = store.rating_villages(&all).await?;
    let values = store.period_values(&all, period_id).await?;
    let index: std::collections::HashMap<&str, usize> =
        villages.iter().enumerate().map(|(i, v)| (v.id.as_str(), i)).collect();
    let mut columns = vec![vec![f64::NAN; villages.len()]; framework.indicators.len()];
    for x in &values {
        if let (Some(&v), Some(i)) = (
            index.get(x.village_id.as_str()),
            framework.indicators.iter().position(|i| i.code == x.indicator_code),
        ) {
            columns[i][v] = x.value;
        }
    }
    let values = Values {
        villages: villages.len(),
        columns,
    };
    let grading = rating::grade(&framework, &values)?;
    let v = *index.get(village_id).ok_or(AppError::NotFound)?;
    let e = rating::explain(&framework, &values, &grading, v);
    Ok((framework, e))
}
