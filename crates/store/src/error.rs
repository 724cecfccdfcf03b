//! The store's error type: constraint violations become field errors the user can act on.

use qinglian_domain::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// A unique value is already taken.
    #[error("conflict on {field}")]
    Conflict { field: &'static str, value: Option<String> },
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// The change was sound but the COMMIT it shared with others (SQLite group commit)
    /// failed, so it is not stored.
    #[error("the shared commit failed")]
    GroupCommit(#[source] std::sync::Arc<sqlx::Error>),
    /// The client has used up its allowance (`model::Allowance`); nothing was written.
    #[error("allowance used up until {until}")]
    Throttled { until: chrono::DateTime<chrono::Utc> },
    /// A read on the caller's thread (`direct_read`) failed.
    #[error("database error")]
    Direct(#[from] rusqlite::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Self::Unavailable(e),
            other => Self::Database(other),
        }
    }
}

/// Maps a unique violation to a conflict on `field` and a foreign-key violation to an unknown
/// id in `fk_field`; anything else passes through.
pub(crate) fn constraint(
    field: &'static str,
    value: Option<&str>,
    fk_field: &'static str,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    let value = value.map(str::to_owned);
    move |e| {
        let kind = match &e {
            sqlx::Error::Database(db) => Some(db.kind()),
            _ => None,
        };
        by_kind(kind, field, value, fk_field).unwrap_or_else(|| StoreError::from(e))
    }
}

/// The same for a statement run directly with rusqlite (`direct_write`).
pub(crate) fn direct_constraint(
    field: &'static str,
    value: Option<&str>,
    fk_field: &'static str,
) -> impl FnOnce(rusqlite::Error) -> StoreError {
    let value = value.map(str::to_owned);
    move |e| {
        let kind = e.sqlite_error().and_then(|f| match f.extended_code {
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                Some(sqlx::error::ErrorKind::UniqueViolation)
            }
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(sqlx::error::ErrorKind::ForeignKeyViolation),
            _ => None,
        });
        by_kind(kind, field, value, fk_field).unwrap_or_else(|| StoreError::from(e))
    }
}

/// What a constraint failure of `kind` means to the user, if it is one they can act on.
fn by_kind(
    kind: Option<sqlx::error::ErrorKind>,
    field: &'static str,
    value: Option<String>,
    fk_field: &'static str,
) -> Option<StoreError> {
    match kind? {
        sqlx::error::ErrorKind::UniqueViolation => Some(StoreError::Conflict { field, value }),
        sqlx::error::ErrorKind::ForeignKeyViolation => {
            Some(StoreError::Invalid(Invalid::field(fk_field, "field.unknown_id", None)))
        }
        _ => None,
    }
}
