//! The import's errors, worded so the user can find the file, the line and the value to fix.

use std::path::PathBuf;

use qinglian_domain::Invalid;
use qinglian_domain::division::DivisionLevel;
use qinglian_store::StoreError;

use super::registry::file_of;

/// What went wrong, said so that the user can find the file, the line and the value to fix.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("registry file not found: {} (PATH must be the package's dist folder or the folder holding package/dist)", .path.display())]
    MissingFile { path: PathBuf },
    #[error("cannot read {}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}{}: the row is not well-formed CSV", .line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Csv {
        file: &'static str,
        line: Option<u64>,
        #[source]
        source: csv::Error,
    },
    #[error("{file}: the header is `{found}`, expected `{expected}`")]
    WrongHeader {
        file: &'static str,
        expected: String,
        found: String,
    },
    #[error("{file} line {line}: {column} `{value}` is not a division code: it {reason}")]
    BadCode {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("{file} line {line}: `{value}` is a {} code, but {file} lists {} codes ({} digits)", .found.as_str(), .expected.as_str(), .expected.significant_digits())]
    WrongLevel {
        file: &'static str,
        line: u64,
        value: String,
        expected: DivisionLevel,
        found: DivisionLevel,
    },
    #[error("{file} line {line}: {column} is `{value}`, but code {code} lies in {expected}")]
    ParentMismatch {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
        code: String,
        expected: String,
    },
    #[error("{file} line {line}: code {code} has no parent: {parent} is not in {parent_file}")]
    Orphan {
        file: &'static str,
        line: u64,
        code: String,
        parent: String,
        parent_file: &'static str,
    },
    #[error("{file} line {line}: code {code} is already on line {first_line}")]
    Duplicate {
        file: &'static str,
        line: u64,
        code: String,
        first_line: u64,
    },
    #[error("{file} line {line}: the name of {code} {reason} (`{value}`)")]
    BadName {
        file: &'static str,
        line: u64,
        code: String,
        value: String,
        reason: &'static str,
    },
    #[error("`{value}` is not a county code: give the 6 digits of a county-level unit, such as 330111")]
    BadCounty { value: String },
    #[error("county {code} is not in the registry's {}", file_of(DivisionLevel::County))]
    CountyNotFound { code: String },
    #[error(
        "county {code} ({name}) has no county level in the registry: its townships sit directly under city {city}, \
         which cannot be loaded as a county"
    )]
    CountyIsPlaceholder { code: String, name: String, city: String },
    #[error("this database already serves county {existing}; it cannot load county {requested} as well")]
    OtherCounty { existing: String, requested: String },
    #[error("the database refused the import")]
    Store(#[from] StoreError),
}

pub(super) fn code_reason(e: &Invalid) -> &'static str {
    match e.fields.first().map(|f| (f.key, f.value.as_deref())) {
        Some((_, Some(""))) => "is empty",
        Some(("division_code.length", _)) => "must have 2, 4, 6, 9 or 12 digits",
        Some(("division_code.zero_province", _)) => "names province 00",
        _ => "has characters other than digits",
    }
}

pub(super) fn name_reason(e: &Invalid) -> &'static str {
    match e.fields.first().map(|f| f.key) {
        Some("name.too_long") => "is longer than 64 characters",
        Some("name.control_chars") => "contains control characters",
        _ => "is empty",
    }
}
