//! `qinglian import divisions` as a user sees it: what lands in the org model, what a re-run
//! changes, and which file, line and value an error points at. Every database story runs on
//! SQLite and on PostgreSQL.
//!
//! The fixture registry is fictional (provinces 98 and 99, which the real registry does not
//! use) but has the real package's files and headers. County 980102 (临江县) has 3 townships
//! and 8 villages. Like the real registry it has placeholder rows that repeat their parent's
//! code: county 990200 for city 9902 (as 东莞市 441900 does), township 980201000 and village
//! 980201000000 for county 980201 (as 金门县 350527 does).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use qinglian::import::{ImportError, ImportReport, import_divisions, read_registry};
use qinglian_domain::division::DivisionLevel;
use qinglian_store::DynStore;
use qinglian_store::model::{CountyLoad, ImportCounts, PageRequest, Village, VillageFilter};

const COUNTY: &str = "980102";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/divisions")
}

/// A copy of the fixture registry, changed by `edit`, in a folder removed after the test.
fn broken(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    edit(dir.path());
    dir
}

/// Replaces line `line` (1-based, the header is line 1) of a registry file.
fn set_line(dir: &Path, file: &str, line: usize, text: &str) {
    let path = dir.join(file);
    let old = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = old.lines().collect();
    lines[line - 1] = text;
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

fn no_progress() -> &'static (dyn Fn(qinglian::import::Progress) + Send + Sync) {
    &|_| {}
}

async fn import(store: &DynStore, dir: &Path, county: Option<&str>) -> Result<ImportReport, ImportError> {
    import_divisions(&**store, dir, county, no_progress()).await
}

async fn stored_per_level(store: &DynStore) -> Vec<i64> {
    let mut out = Vec::new();
    for level in DivisionLevel::ALL {
        out.push(store.count_divisions(level).await.unwrap());
    }
    out
}

async fn division_rows(store: &DynStore) -> i64 {
    stored_per_level(store).await.into_iter().sum()
}

async fn villages(store: &DynStore) -> Vec<Village> {
    let page = store
        .list_villages(&VillageFilter::default(), PageRequest::new(1, 200))
        .await
        .unwrap();
    assert_eq!(page.total as usize, page.items.len(), "all villages fit on one page");
    page.items
}

fn per_level(c: qinglian::import::LevelCounts) -> [u64; 5] {
    DivisionLevel::ALL.map(|l| c.get(l))
}

// --- stories run on both backends ---

async fn county_import_fills_the_org_model(store: DynStore) {
    let report = import(&store, &fixture(), Some(COUNTY)).await.unwrap();

    assert_eq!(per_level(report.read), [2, 4, 5, 9, 14]);
    assert_eq!(per_level(report.imported), [1, 1, 1, 3, 8]);
    assert_eq!(
        report.counts,
        ImportCounts {
            inserted: 14,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        report.county,
        Some(CountyLoad {
            townships: 3,
            villages: 8,
            townships_new: 3,
            villages_new: 8
        })
    );

    let county = store.county().await.unwrap().unwrap();
    assert_eq!(
        (county.division_code.as_str(), county.name.as_str()),
        ("980102000000", "临江县")
    );

    let townships: Vec<_> = store
        .list_townships()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.division_code, t.name, t.kind, t.village_count))
        .collect();
    let expected = [
        ("980102001000", "城关街道", "street", 2),
        ("980102100000", "青溪镇", "town", 3),
        ("980102200000", "桃源乡", "township", 3),
    ];
    assert_eq!(
        townships,
        expected.map(|(c, n, k, v)| (c.to_owned(), n.to_owned(), k.to_owned(), v))
    );

    let villages: Vec<_> = villages(&store)
        .await
        .into_iter()
        .map(|v| (v.division_code, v.name, v.kind, v.township_name))
        .collect();
    let expected = [
        ("980102001001", "南街社区居委会", "community", "城关街道"),
        ("980102001002", "北街社区居委会", "community", "城关街道"),
        ("980102100201", "青溪村委会", "village", "青溪镇"),
        ("980102100202", "上坪村委会", "village", "青溪镇"),
        ("980102100203", "下坪村委会", "village", "青溪镇"),
        ("980102200201", "桃源村委会", "village", "桃源乡"),
        ("980102200202", "李家村委会", "village", "桃源乡"),
        ("980102200203", "杏花村委会", "village", "桃源乡"),
    ];
    assert_eq!(
        villages,
        expected.map(|(c, n, k, t)| (c.to_owned(), n.to_owned(), k.to_owned(), t.to_owned()))
    );

    // Only the county's chain reaches the registry table: not its neighbours.
    assert_eq!(store.division_children("980100000000").await.unwrap().len(), 1);
    assert_eq!(store.count_divisions(DivisionLevel::Province).await.unwrap(), 1);
}

async fn reimport_changes_nothing(store: DynStore) {
    import(&store, &fixture(), Some(COUNTY)).await.unwrap();
    let townships = store.list_townships().await.unwrap();
    let villages_before = villages(&store).await;

    let again = import(&store, &fixture(), Some(COUNTY)).await.unwrap();

    assert_eq!(
        again.counts,
        ImportCounts {
            inserted: 0,
            updated: 0,
            unchanged: 14
        }
    );
    assert_eq!(
        again.county,
        Some(CountyLoad {
            townships: 3,
            villages: 8,
            townships_new: 0,
            villages_new: 0
        })
    );
    assert_eq!(store.list_townships().await.unwrap(), townships, "same rows, same ids");
    assert_eq!(villages(&store).await, villages_before, "same rows, same ids");
    assert_eq!(division_rows(&store).await, 14);
}

async fn registry_rename_reaches_the_org_model(store: DynStore) {
    import(&store, &fixture(), Some(COUNTY)).await.unwrap();
    let before = villages(&store).await;
    let renamed = broken(|d| {
        set_line(
            d,
            "villages.csv",
            7,
            r#"980102100202,"上坪社区居委会",980102100,98,9801,980102"#,
        )
    });

    let report = import(&store, renamed.path(), Some(COUNTY)).await.unwrap();

    assert_eq!(
        report.counts,
        ImportCounts {
            inserted: 0,
            updated: 1,
            unchanged: 13
        }
    );
    let after = villages(&store).await;
    let (old, new) = (&before[3], &after[3]);
    assert_eq!(
        (old.division_code.as_str(), old.name.as_str()),
        ("980102100202", "上坪村委会")
    );
    assert_eq!(
        (new.id.as_str(), new.name.as_str(), new.kind.as_str()),
        (old.id.as_str(), "上坪社区居委会", "community")
    );
    assert_eq!(store.get_division("980102100202").await.unwrap().name, "上坪社区居委会");
}

async fn national_import_keeps_every_row(store: DynStore) {
    let report = import(&store, &fixture(), None).await.unwrap();

    assert_eq!(per_level(report.read), [2, 4, 5, 9, 14]);
    assert_eq!(per_level(report.imported), [2, 4, 4, 8, 13]);
    assert_eq!(
        report.counts,
        ImportCounts {
            inserted: 31,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(report.county, None);
    assert_eq!(stored_per_level(&store).await, [2, 4, 4, 8, 13]);
    let village = store.get_division("980102100203").await.unwrap();
    assert_eq!(
        (village.level.as_str(), village.name.as_str()),
        ("village", "下坪村委会")
    );
    assert_eq!(village.parent_code.as_deref(), Some("980102100000"));
    let children: Vec<_> = store
        .division_children("980102000000")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(children, ["城关街道", "青溪镇", "桃源乡"]);

    // Placeholders are checked but not written: their 12-digit code is their parent's.
    let placeholders: Vec<_> = report
        .placeholders
        .iter()
        .map(|p| (p.file, p.line, p.code.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        placeholders,
        [
            ("areas.csv", 6, "990200", "海湾市"),
            ("streets.csv", 9, "980201000", "石门县"),
            ("villages.csv", 14, "980201000000", "石门县"),
        ]
    );
    let city = store.get_division("990200000000").await.unwrap();
    assert_eq!((city.level.as_str(), city.name.as_str()), ("city", "海湾市"));
    let under_city: Vec<_> = store
        .division_children("990200000000")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(
        under_city,
        ["990200001000"],
        "the township hangs on the city, as the county level is absent"
    );
    let county = store.get_division("980201000000").await.unwrap();
    assert_eq!((county.level.as_str(), county.name.as_str()), ("county", "石门县"));
    let under_county: Vec<_> = store
        .division_children("980201000000")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(under_county, ["石门镇"]);

    // No county was asked for, so the org model stays empty.
    assert!(store.county().await.unwrap().is_none());
    assert!(store.list_townships().await.unwrap().is_empty());
}

async fn bad_code_names_line_and_value_and_writes_nothing(store: DynStore) {
    let dir = broken(|d| {
        set_line(
            d,
            "villages.csv",
            7,
            r#"98010210020X,"上坪村委会",980102100,98,9801,980102"#,
        )
    });

    let err = import(&store, dir.path(), Some(COUNTY)).await.unwrap_err();

    assert!(
        matches!(&err, ImportError::BadCode { file: "villages.csv", line: 7, column: "code", value, .. } if value == "98010210020X"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.starts_with("villages.csv line 7: "), "{message}");
    assert!(message.contains("`98010210020X`"), "{message}");
    assert_eq!(division_rows(&store).await, 0);
    assert!(store.county().await.unwrap().is_none());
}

async fn failed_import_leaves_the_previous_one_untouched(store: DynStore) {
    import(&store, &fixture(), None).await.unwrap();
    // A rename early in the files and a bad row late: the rename must not land either.
    let dir = broken(|d| {
        set_line(d, "provinces.csv", 2, r#"98,"改名省""#);
        set_line(
            d,
            "villages.csv",
            13,
            r#"990101100201,"鹭岛村委会",990101100,99,9901,990102"#,
        );
    });

    let err = import(&store, dir.path(), None).await.unwrap_err();

    assert!(
        matches!(&err, ImportError::ParentMismatch { file: "villages.csv", line: 13, column: "areaCode", value, .. } if value == "990102"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "villages.csv line 13: areaCode is `990102`, but code 990101100201 lies in 990101"
    );
    assert_eq!(store.get_division("980000000000").await.unwrap().name, "青岚省");
    assert_eq!(division_rows(&store).await, 31);
}

async fn wrong_header_names_file_and_expected_columns(store: DynStore) {
    let dir = broken(|d| set_line(d, "cities.csv", 1, "code,name,province"));

    let err = import(&store, dir.path(), None).await.unwrap_err();

    assert!(
        matches!(err, ImportError::WrongHeader { file: "cities.csv", .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cities.csv: the header is `code,name,province`, expected `code,name,provinceCode`"
    );
    assert_eq!(division_rows(&store).await, 0);
}

async fn missing_file_names_the_path(store: DynStore) {
    let dir = broken(|d| std::fs::remove_file(d.join("streets.csv")).unwrap());

    let err = import(&store, dir.path(), Some(COUNTY)).await.unwrap_err();

    let expected = dir.path().join("streets.csv");
    assert!(
        matches!(&err, ImportError::MissingFile { path } if *path == expected),
        "{err:?}"
    );
    assert!(err.to_string().contains(&expected.display().to_string()), "{err}");
    assert_eq!(division_rows(&store).await, 0);
}

async fn unknown_county_is_refused_before_writing(store: DynStore) {
    let err = import(&store, &fixture(), Some("980199")).await.unwrap_err();

    assert!(
        matches!(&err, ImportError::CountyNotFound { code } if code == "980199"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "county 980199 is not in the registry's areas.csv");
    assert_eq!(division_rows(&store).await, 0);

    let err = import(&store, &fixture(), Some("98010")).await.unwrap_err();
    assert!(
        matches!(&err, ImportError::BadCounty { value } if value == "98010"),
        "{err:?}"
    );
    let err = import(&store, &fixture(), Some("980102100")).await.unwrap_err();
    assert!(
        matches!(err, ImportError::BadCounty { .. }),
        "a township is not a county: {err:?}"
    );
    assert_eq!(division_rows(&store).await, 0);
}

async fn second_county_is_refused_before_writing(store: DynStore) {
    import(&store, &fixture(), Some(COUNTY)).await.unwrap();

    let err = import(&store, &fixture(), Some("990101")).await.unwrap_err();

    assert!(
        matches!(&err, ImportError::OtherCounty { existing, requested } if existing == "980102000000" && requested == "990101"),
        "{err:?}"
    );
    assert!(
        store.get_division("990101000000").await.is_err(),
        "the other county's rows were not written"
    );
    assert_eq!(division_rows(&store).await, 14);
    assert_eq!(store.list_townships().await.unwrap().len(), 3);
}

async fn county_with_a_placeholder_township_loads_its_real_ones(store: DynStore) {
    let report = import(&store, &fixture(), Some("980201")).await.unwrap();

    assert_eq!(per_level(report.imported), [1, 1, 1, 1, 1]);
    assert_eq!(
        report.county,
        Some(CountyLoad {
            townships: 1,
            villages: 1,
            townships_new: 1,
            villages_new: 1
        })
    );
    let townships: Vec<_> = store
        .list_townships()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.division_code, t.name))
        .collect();
    assert_eq!(townships, [("980201100000".to_owned(), "石门镇".to_owned())]);
    let villages: Vec<_> = villages(&store).await.into_iter().map(|v| v.name).collect();
    assert_eq!(villages, ["石门村委会"]);
}

async fn county_that_is_a_placeholder_is_refused_before_writing(store: DynStore) {
    let err = import(&store, &fixture(), Some("990200")).await.unwrap_err();

    assert!(
        matches!(&err, ImportError::CountyIsPlaceholder { code, city, .. } if code == "990200" && city == "9902"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("county 990200 (海湾市) has no county level in the registry"),
        "{err}"
    );
    assert_eq!(division_rows(&store).await, 0);
    assert!(store.county().await.unwrap().is_none());
}

macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    let db = qinglian_testkit::sqlite().await;
                    super::$story(db.store().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $story() {
                    let db = qinglian_testkit::postgres().await;
                    super::$story(db.store().await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    county_import_fills_the_org_model,
    reimport_changes_nothing,
    registry_rename_reaches_the_org_model,
    national_import_keeps_every_row,
    bad_code_names_line_and_value_and_writes_nothing,
    failed_import_leaves_the_previous_one_untouched,
    wrong_header_names_file_and_expected_columns,
    missing_file_names_the_path,
    unknown_county_is_refused_before_writing,
    second_county_is_refused_before_writing,
    county_with_a_placeholder_township_loads_its_real_ones,
    county_that_is_a_placeholder_is_refused_before_writing,
);

// --- checks on the files alone: nothing is written, so no database is needed ---

fn read_err(edit: impl FnOnce(&Path)) -> ImportError {
    let dir = broken(edit);
    read_registry(dir.path(), None, no_progress()).unwrap_err()
}

#[test]
fn code_of_the_wrong_level_names_both_levels() {
    let err = read_err(|d| set_line(d, "areas.csv", 3, r#"980102001,"临江县",9801,98"#));
    assert!(
        matches!(
            err,
            ImportError::WrongLevel {
                file: "areas.csv",
                line: 3,
                expected: DivisionLevel::County,
                found: DivisionLevel::Township,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "areas.csv line 3: `980102001` is a township code, but areas.csv lists county codes (6 digits)"
    );
}

#[test]
fn placeholder_rows_are_still_checked() {
    let err = read_err(|d| {
        set_line(
            d,
            "villages.csv",
            14,
            r#"980201000000,"石门县",980201000,98,9802,980202"#,
        )
    });
    assert!(
        matches!(
            err,
            ImportError::ParentMismatch {
                line: 14,
                column: "areaCode",
                ..
            }
        ),
        "{err:?}"
    );
    let err = read_err(|d| set_line(d, "villages.csv", 14, r#"980201000000,"",980201000,98,9802,980201"#));
    assert!(matches!(err, ImportError::BadName { line: 14, .. }), "{err:?}");
    let err = read_err(|d| {
        set_line(
            d,
            "villages.csv",
            15,
            r#"980201000000,"石门县",980201000,98,9802,980201"#,
        )
    });
    assert!(
        matches!(
            err,
            ImportError::Duplicate {
                line: 15,
                first_line: 14,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn padded_code_of_a_lower_level_is_the_wrong_level() {
    let err = read_err(|d| set_line(d, "areas.csv", 3, r#"980102001000,"临江县",9801,98"#));
    assert!(
        matches!(
            err,
            ImportError::WrongLevel {
                line: 3,
                found: DivisionLevel::Township,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn code_of_odd_length_says_which_lengths_are_codes() {
    let err = read_err(|d| set_line(d, "streets.csv", 5, r#"98010210,"青溪镇",980102,98,9801"#));
    assert_eq!(
        err.to_string(),
        "streets.csv line 5: code `98010210` is not a division code: it must have 2, 4, 6, 9 or 12 digits"
    );
}

#[test]
fn parent_column_must_agree_with_the_code() {
    let err = read_err(|d| {
        set_line(
            d,
            "villages.csv",
            4,
            r#"980102001001,"南街社区居委会",980102002,98,9801,980102"#,
        )
    });
    assert!(
        matches!(&err, ImportError::ParentMismatch { line: 4, column: "streetCode", expected, .. } if expected == "980102001"),
        "{err:?}"
    );
}

#[test]
fn row_without_its_parent_is_an_orphan() {
    let err = read_err(|d| {
        set_line(
            d,
            "villages.csv",
            13,
            r#"990101300201,"鹭岛村委会",990101300,99,9901,990101"#,
        )
    });
    assert_eq!(
        err.to_string(),
        "villages.csv line 13: code 990101300201 has no parent: 990101300 is not in streets.csv"
    );
}

#[test]
fn duplicate_code_names_both_lines() {
    let err = read_err(|d| set_line(d, "streets.csv", 6, r#"980102100,"青溪镇",980102,98,9801"#));
    assert!(
        matches!(
            err,
            ImportError::Duplicate {
                file: "streets.csv",
                line: 6,
                first_line: 5,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn empty_name_is_an_error() {
    let err = read_err(|d| set_line(d, "streets.csv", 4, r#"980102001,"  ",980102,98,9801"#));
    assert!(
        matches!(&err, ImportError::BadName { file: "streets.csv", line: 4, code, reason: "is empty", .. } if code == "980102001"),
        "{err:?}"
    );
}

#[test]
fn short_row_is_a_csv_error_with_its_line() {
    let err = read_err(|d| set_line(d, "cities.csv", 3, r#"9802,"石门市""#));
    assert!(
        matches!(
            err,
            ImportError::Csv {
                file: "cities.csv",
                line: Some(3),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "cities.csv line 3: the row is not well-formed CSV");
    let cause = std::error::Error::source(&err)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        cause.contains("found record with 2 fields"),
        "the csv crate's detail is the cause: {cause}"
    );
}

#[test]
fn unrecognised_folder_names_the_first_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_registry(dir.path(), None, no_progress()).unwrap_err();
    assert!(
        matches!(&err, ImportError::MissingFile { path } if *path == dir.path().join("provinces.csv")),
        "{err:?}"
    );
}

#[test]
fn folder_holding_package_dist_is_accepted() {
    let registry = broken(|_| {});
    let outer = tempfile::tempdir().unwrap();
    std::fs::create_dir(outer.path().join("package")).unwrap();
    std::fs::rename(registry.path(), outer.path().join("package/dist")).unwrap();

    let read = read_registry(outer.path(), Some(COUNTY), no_progress()).unwrap();

    assert_eq!(read.dir, outer.path().join("package/dist"));
    assert_eq!(read.rows.len(), 14);
    assert_eq!(read.read.total(), 34);
}

#[test]
fn byte_order_mark_from_a_spreadsheet_is_tolerated() {
    let dir = broken(|d| set_line(d, "provinces.csv", 1, "\u{feff}code,name"));
    let read = read_registry(dir.path(), None, no_progress()).unwrap();
    assert_eq!(read.rows.len(), 31);
    assert_eq!(read.rows[0].code.as_str(), "980000000000");
    assert_eq!(read.rows[0].name, "青岚省");
}

#[test]
fn names_are_stored_trimmed() {
    let dir = broken(|d| {
        set_line(
            d,
            "villages.csv",
            6,
            r#"980102100201," 青溪村委会 ",980102100,98,9801,980102"#,
        )
    });
    let read = read_registry(dir.path(), Some(COUNTY), no_progress()).unwrap();
    let row = read.rows.iter().find(|r| r.code.as_str() == "980102100201").unwrap();
    assert_eq!(row.name, "青溪村委会");
}
