//! Reading the registry's five files and checking every row, before anything is written.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use qinglian_domain::Invalid;
use qinglian_domain::division::{DivisionCode, DivisionLevel};
use qinglian_domain::error::Name;
use qinglian_store::model::DivisionInput;

use super::error::{ImportError, code_reason, name_reason};
use super::{Progress, ProgressHook};

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

pub(super) fn file_of(level: DivisionLevel) -> &'static str {
    FILES[level as usize].file
}

/// A code as the registry writes it: only its significant digits.
pub(super) fn short(code: &DivisionCode) -> &str {
    &code.as_str()[..code.level().significant_digits()]
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

    pub(super) fn add(&mut self, level: DivisionLevel, n: u64) {
        self.0[level as usize] += n;
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

/// A row the registry lists at a level the unit does not have (东莞市 as its own county, 金门县
/// as its own township and village). Its own digits are zeros, so its 12-digit code is its
/// parent's: it is checked like any row but not written, and its children hang on the parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub file: &'static str,
    pub line: u64,
    /// As written in the file.
    pub code: String,
    pub name: String,
}

/// The registry read from disk and checked whole, narrowed to one county when asked.
#[derive(Debug)]
pub struct Registry {
    /// The folder the five files were read from.
    pub dir: PathBuf,
    /// Rows in each file.
    pub read: LevelCounts,
    /// Rows to import: all of them, or the county's chain and its subtree.
    pub rows: Vec<DivisionInput>,
    pub placeholders: Vec<Placeholder>,
    pub county: Option<DivisionCode>,
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
    let mut out = Registry {
        dir,
        read: LevelCounts::default(),
        rows: Vec::new(),
        placeholders: Vec::new(),
        county,
    };
    // Line of each code at the level above, to find orphans; then at this level, for duplicates.
    let mut parents: HashMap<DivisionCode, u64> = HashMap::new();
    for spec in &FILES {
        progress(Progress::Reading { file: spec.file });
        let seen = read_file(spec, &parents, &mut out)?;
        out.read.add(spec.level, seen.len() as u64);
        if spec.level == DivisionLevel::County
            && let Some(code) = &county
        {
            check_county(code, &seen, &out.placeholders)?;
        }
        parents = seen;
    }
    Ok(out)
}

fn check_county(
    code: &DivisionCode,
    seen: &HashMap<DivisionCode, u64>,
    placeholders: &[Placeholder],
) -> Result<(), ImportError> {
    if !seen.contains_key(code) {
        return Err(ImportError::CountyNotFound {
            code: short(code).to_owned(),
        });
    }
    if let Some(p) = placeholders
        .iter()
        .find(|p| p.file == file_of(DivisionLevel::County) && p.code == short(code))
    {
        return Err(ImportError::CountyIsPlaceholder {
            code: p.code.clone(),
            name: p.name.clone(),
            city: short(&code.ancestor(DivisionLevel::City)).to_owned(),
        });
    }
    Ok(())
}

/// The package's `dist` folder, whether given itself or as the folder holding `package/dist`
/// (or `dist`); an unrecognised folder is returned as is, so the error names its files.
fn resolve_dir(dir: &Path) -> PathBuf {
    [dir.to_path_buf(), dir.join("package").join("dist"), dir.join("dist")]
        .into_iter()
        .find(|d| d.join(FILES[0].file).is_file())
        .unwrap_or_else(|| dir.to_path_buf())
}

/// Reads one file into `out`, returning the line of each code at the file's level.
fn read_file(
    spec: &FileSpec,
    parents: &HashMap<DivisionCode, u64>,
    out: &mut Registry,
) -> Result<HashMap<DivisionCode, u64>, ImportError> {
    let path = out.dir.join(spec.file);
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
        let raw_code = record.get(0).unwrap_or_default().trim();
        let RowCode {
            code,
            parent,
            placeholder,
        } = parse_row_code(spec, line, raw_code)?;
        if let Some(parent) = parent {
            for &(i, column, level) in &ancestors {
                let value = record.get(i).unwrap_or_default();
                let expected = parent.ancestor(level);
                if DivisionCode::parse(column, value).ok() != Some(expected) {
                    return Err(ImportError::ParentMismatch {
                        file: spec.file,
                        line,
                        column,
                        value: value.to_owned(),
                        code: raw_code.to_owned(),
                        expected: short(&expected).to_owned(),
                    });
                }
            }
            if !parents.contains_key(&parent) {
                return Err(ImportError::Orphan {
                    file: spec.file,
                    line,
                    code: raw_code.to_owned(),
                    parent: short(&parent).to_owned(),
                    parent_file: file_of(parent.level()),
                });
            }
        }
        if let Some(&first_line) = seen.get(&code) {
            return Err(ImportError::Duplicate {
                file: spec.file,
                line,
                code: raw_code.to_owned(),
                first_line,
            });
        }
        seen.insert(code, line);
        let raw_name = record.get(1).unwrap_or_default();
        let name = Name::parse("name", raw_name).map_err(|e| ImportError::BadName {
            file: spec.file,
            line,
            code: raw_code.to_owned(),
            value: raw_name.to_owned(),
            reason: name_reason(&e),
        })?;
        if placeholder {
            out.placeholders.push(Placeholder {
                file: spec.file,
                line,
                code: raw_code.to_owned(),
                name: name.into_string(),
            });
        } else if out.county.is_none_or(|c| c.is_within(&code) || code.is_within(&c)) {
            out.rows.push(DivisionInput {
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

/// A row's code read against the level of its file.
struct RowCode {
    /// The code at the file's level: what the rows of the next file name as their parent.
    code: DivisionCode,
    /// `None` for a province.
    parent: Option<DivisionCode>,
    /// See [`Placeholder`].
    placeholder: bool,
}

fn parse_row_code(spec: &FileSpec, line: u64, raw: &str) -> Result<RowCode, ImportError> {
    let bad_code = |e: Invalid| ImportError::BadCode {
        file: spec.file,
        line,
        column: "code",
        value: raw.to_owned(),
        reason: code_reason(&e),
    };
    let code = DivisionCode::parse("code", raw).map_err(bad_code)?;
    let own = spec.level.significant_digits();
    let len = raw.len();
    // A 12-digit code's level is read from its trailing zeros, so a placeholder written in 12
    // digits reads as its parent's level; any other length says the level outright.
    if (len != own && len != 12) || code.level() > spec.level {
        return Err(ImportError::WrongLevel {
            file: spec.file,
            line,
            value: raw.to_owned(),
            expected: spec.level,
            found: code.level(),
        });
    }
    let digits = code.as_str();
    let Some(parent_level) = spec.level.parent() else {
        return Ok(RowCode {
            code,
            parent: None,
            placeholder: false,
        });
    };
    let parent_len = parent_level.significant_digits();
    let placeholder = digits[parent_len..own].bytes().all(|b| b == b'0');
    // Re-reading a prefix gives the code the level its length names, whatever its zeros.
    let parent = DivisionCode::parse("code", &digits[..parent_len]).map_err(bad_code)?;
    let code = if placeholder {
        DivisionCode::parse("code", &digits[..own]).map_err(bad_code)?
    } else {
        code
    };
    Ok(RowCode {
        code,
        parent: Some(parent),
        placeholder,
    })
}
