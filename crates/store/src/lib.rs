//! Qinglian's storage: one repository contract, implemented on SQLite and on PostgreSQL.

mod audit_batch;
mod checkpointer;
mod concern_batch;
mod direct_ledger;
mod direct_read;
mod direct_write;
mod entry_pack;
mod error;
pub mod evidence;
mod group_commit;
mod hot_read;
pub mod ledger_math;
pub mod model;
mod node_cache;
mod portable;
mod postgres;
#[cfg(test)]
mod proof_nodes_tests;
mod proof_read;
mod reach_cache;
mod repo;
mod sqlite;
mod total_cache;

use std::sync::Arc;

pub use entry_pack::{EntryPack, PackedEntry};
pub use error::StoreError;
pub use repo::{
    AccountRepo, ArticleRepo, AuditRepo, CampaignRepo, CrossHandlingRepo, DivisionRepo, EvidenceRepo, InspectionRepo,
    JobRepo, LedgerRepo, MonthlyReportRepo, OrgRepo, RatingRepo, RectificationRepo, ScopeRepo, Store,
    ZoneGovernanceRepo,
};

/// The storage the deployment is configured for.
pub type DynStore = Arc<dyn Store>;

/// Where the data lives: a `sqlite://` path or a `postgres://` URL.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }
}

impl std::fmt::Debug for DatabaseUrl {
    // Database URLs may carry passwords: show only the scheme.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = self.0.split("://").next().unwrap_or("?");
        write!(f, "DatabaseUrl({scheme}://…)")
    }
}

/// Opens the store named by the URL, creating the SQLite file if needed, and applies the
/// backend's migrations.
pub async fn connect(url: &DatabaseUrl) -> Result<DynStore, StoreError> {
    if url.is_postgres() {
        Ok(Arc::new(postgres::PgStore::connect(url.expose()).await?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::connect(url.expose()).await?))
    }
}

/// Opens the store without applying migrations (for `qinglian migrate --check` style tools).
pub async fn migrate(url: &DatabaseUrl) -> Result<(), StoreError> {
    connect(url).await.map(|_| ())
}

/// Names the sqlx database type of a backend, for code stamped onto both.
pub(crate) trait BackendDb {
    type Db: sqlx::Database;
    /// What `begin_write` returns: derefs to the connection and has `commit`.
    type WriteTx;
    /// The query packing a range of log entries into one row (see `entry_pack`).
    const ENTRY_PACK_SQL: &'static str;
    /// The query packing a range of one level's stored tree nodes into one row.
    const NODE_PACK_SQL: &'static str;
    /// An expression that moves with every committed change, when the backend has an exact
    /// one (`total_cache`).
    const CHANGE_MARK_SQL: Option<&'static str>;
}
