//! The rating dashboard's tables as one spreadsheet, a sheet per table in the page's order.

use qinglian_store::model::RatingPeriod;

use super::rating_dashboard::Figures;
use crate::i18n::Tr;

/// A sheet name within the format's limit of 31 characters.
fn sheet_name(t: Tr, key: &str) -> String {
    t.get(key)
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// One sheet per table of the page, in the same rows and columns.
pub(super) fn workbook(f: &Figures, t: Tr, total_key: &str) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let label = |p: &Option<RatingPeriod>| p.as_ref().map(|p| p.label.clone()).unwrap_or_default();

    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(t, "rating.distribution"))?;
    sheet.write_string_with_format(0, 0, label(&f.period), &bold)?;
    let head = [
        t.get("rating.township"),
        "A".into(),
        "B".into(),
        "C".into(),
        t.get("rating.total"),
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, h, &bold)?;
    }
    let total_name = t.get(total_key);
    let rows = f
        .townships
        .iter()
        .map(|r| (r.name.as_str(), r))
        .chain(std::iter::once((total_name.as_str(), &f.total)));
    for (i, (name, r)) in rows.enumerate() {
        let row = i as u32 + 2;
        sheet.write_string(row, 0, name)?;
        for (c, n) in r.counts.iter().chain(std::iter::once(&r.total())).enumerate() {
            sheet.write_number(row, c as u16 + 1, f64::from(*n))?;
        }
    }

    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(t, "rating.transitions"))?;
    sheet.write_string_with_format(0, 0, format!("{} → {}", label(&f.from), label(&f.to)), &bold)?;
    sheet.write_string_with_format(
        1,
        0,
        format!("{} \\ {}", t.get("rating.from"), t.get("rating.to")),
        &bold,
    )?;
    for (c, g) in ["A", "B", "C"].iter().enumerate() {
        sheet.write_string_with_format(1, c as u16 + 1, *g, &bold)?;
    }
    if let Some(m) = &f.matrix {
        for (r, (g, row)) in ["A", "B", "C"].iter().zip(m).enumerate() {
            sheet.write_string_with_format(r as u32 + 2, 0, *g, &bold)?;
            for (c, n) in row.iter().enumerate() {
                sheet.write_number(r as u32 + 2, c as u16 + 1, f64::from(*n))?;
            }
        }
    }

    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(t, "rating.c_over_time"))?;
    for (c, h) in [
        "rating.period",
        "rating.field.state",
        "rating.c_villages",
        "rating.graded_villages",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, t.get(h), &bold)?;
    }
    for (i, s) in f.series.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &s.label)?;
        sheet.write_string(r, 1, t.get(format!("rating.state.{}", s.state)))?;
        sheet.write_number(r, 2, f64::from(s.c))?;
        sheet.write_number(r, 3, f64::from(s.graded))?;
    }

    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(t, "rating.plan_progress"))?;
    for (c, h) in [
        "rating.township",
        "rating.plans",
        "rating.plan_items",
        "plan.state.closed",
        "rectification.overdue",
        "plan.standing.left_c",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, t.get(h), &bold)?;
    }
    let rows = f
        .plans
        .iter()
        .map(|r| (r.name.as_str(), r))
        .chain(std::iter::once((total_name.as_str(), &f.plans_total)));
    for (i, (name, p)) in rows.enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, name)?;
        sheet.write_number(r, 1, f64::from(p.plans))?;
        for (c, n) in [p.items, p.closed, p.overdue, p.left_c].iter().enumerate() {
            sheet.write_number(r, c as u16 + 2, *n as f64)?;
        }
    }
    Ok(book.save_to_buffer()?)
}
