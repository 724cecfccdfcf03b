//! `qinglian import divisions`: the national division registry into the store, every row
//! checked before the one write.

mod error;
mod registry;

use std::path::{Path, PathBuf};

use qinglian_domain::division::DivisionCode;
use qinglian_store::Store;
use qinglian_store::model::{CountyLoad, ImportCounts};

pub use error::ImportError;
pub use registry::{LevelCounts, Placeholder, Registry, read_registry};

use registry::short;

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

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub dir: PathBuf,
    pub read: LevelCounts,
    pub imported: LevelCounts,
    /// Rows of the whole registry that were checked but not written.
    pub placeholders: Vec<Placeholder>,
    pub counts: ImportCounts,
    pub county: Option<CountyLoad>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "read from {}: {}", self.dir.display(), self.read)?;
        if !self.placeholders.is_empty() {
            let listed: Vec<String> = self
                .placeholders
                .iter()
                .map(|p| format!("{} {} {}", p.file, p.code, p.name))
                .collect();
            writeln!(
                f,
                "not written, as they repeat their parent's code: {}",
                listed.join(", ")
            )?;
        }
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
    let actor = qinglian_store::model::Actor::system("import");
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
        imported.add(row.code.level(), 1);
    }
    progress(Progress::Writing {
        rows: registry.rows.len() as u64,
    });
    let counts = store
        .import_divisions(&actor, &registry.rows, &|rows| progress(Progress::Wrote { rows }))
        .await?;
    let county = match registry.county {
        Some(code) => {
            progress(Progress::LoadingCounty { code });
            Some(store.load_county(&actor, code.as_str()).await?)
        }
        None => None,
    };
    Ok(ImportReport {
        dir: registry.dir,
        read: registry.read,
        imported,
        placeholders: registry.placeholders,
        counts,
        county,
    })
}
