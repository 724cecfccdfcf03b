//! Hot reads written once for both backends: the pages under the heaviest load (a villager's
//! receipt, a department's list, the session behind every staff request) read through here.
//!
//! On SQLite the statement runs on the caller's thread (`direct_read`), because sqlx's thread
//! hand-off cost more than the query; on PostgreSQL it goes through the pool as any other. A
//! row type says once how it is decoded from a SQLite row, by position, and derives sqlx's
//! decoding for PostgreSQL.

/// A value bound to a hot read, in `$1`, `$2`, … order.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Bool(bool),
    Date(chrono::NaiveDate),
}

impl rusqlite::ToSql for Bind {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Bind::Text(v) => v.to_sql(),
            Bind::Int(v) => v.to_sql(),
            Bind::Bool(v) => v.to_sql(),
            // As sqlx binds a date on SQLite: `YYYY-MM-DD` text.
            Bind::Date(v) => v.to_sql(),
        }
    }
}

/// Binds `binds` in order to a PostgreSQL query.
pub(crate) fn bind_pg<'q, T>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments>,
    binds: &[Bind],
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments> {
    for b in binds {
        q = match b {
            Bind::Text(v) => q.bind(v.clone()),
            Bind::Int(v) => q.bind(*v),
            Bind::Bool(v) => q.bind(*v),
            Bind::Date(v) => q.bind(*v),
        };
    }
    q
}

/// A row a hot read returns: decoded by sqlx on PostgreSQL, and from SQLite by position, in
/// the order of its statement's select list.
pub(crate) trait HotRow: Sized + Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> {
    fn from_sqlite(row: &mut Columns<'_, '_>) -> rusqlite::Result<Self>;
}

/// A single count or number.
impl HotRow for (i64,) {
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok((c.take()?,))
    }
}

/// A single name or id.
impl HotRow for (String,) {
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok((c.take()?,))
    }
}

/// A SQLite row read column after column.
pub(crate) struct Columns<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    next: usize,
}

impl<'r, 's> Columns<'r, 's> {
    pub(crate) fn new(row: &'r rusqlite::Row<'s>) -> Self {
        Self { row, next: 0 }
    }

    /// The next column's value.
    pub(crate) fn take<T: rusqlite::types::FromSql>(&mut self) -> rusqlite::Result<T> {
        let v = self.row.get(self.next)?;
        self.next += 1;
        Ok(v)
    }

    /// The next column's time, which sqlx wrote as RFC 3339 text: parsed as that first, as
    /// rusqlite's general format parser cost a tenth of a list page.
    pub(crate) fn time(&mut self) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
        self.time_or_null()?.ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(self.next - 1, "time".into(), rusqlite::types::Type::Null)
        })
    }

    /// The next column's time, or NULL.
    pub(crate) fn time_or_null(&mut self) -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
        let value = self.row.get_ref(self.next)?;
        let fast = match value {
            rusqlite::types::ValueRef::Null => Some(None),
            rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|t| Some(t.with_timezone(&chrono::Utc))),
            _ => None,
        };
        match fast {
            Some(t) => {
                self.next += 1;
                Ok(t)
            }
            None => self.take(),
        }
    }
}

/// Binds `binds` to a statement written with `$1`, `$2`, … as on PostgreSQL. SQLite takes
/// `$1` for a *named* parameter, numbered by first appearance, so each parameter is bound by
/// the number in its name.
pub(crate) fn bind_sqlite(statement: &mut rusqlite::Statement<'_>, binds: &[Bind]) -> rusqlite::Result<()> {
    for index in 1..=statement.parameter_count() {
        let n = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(index);
        let value = n
            .checked_sub(1)
            .and_then(|i| binds.get(i))
            .ok_or(rusqlite::Error::InvalidParameterCount(n, binds.len()))?;
        statement.raw_bind_parameter(index, value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// What sqlx writes, the direct read decodes to the same values: timestamps with and
    /// without fractions, dates, booleans, blobs and NULLs.
    #[tokio::test]
    async fn values_written_by_sqlx_read_back_equal() {
        use chrono::{DateTime, NaiveDate, TimeZone, Utc};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER, at TEXT, maybe_at TEXT, day TEXT, flag BOOLEAN, hash BLOB, note TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        let whole = Utc.with_ymd_and_hms(2026, 12, 5, 13, 19, 19).unwrap();
        let fine = DateTime::from_timestamp(1_764_940_759, 123_456_789).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        for (n, at, maybe_at, flag) in [(1_i64, whole, Some(fine), true), (2, fine, None, false)] {
            sqlx::query("INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, NULL)")
                .bind(n)
                .bind(at)
                .bind(maybe_at)
                .bind(day)
                .bind(flag)
                .bind(vec![0_u8, 255, 7])
                .execute(&pool)
                .await
                .unwrap();
        }
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut statement = conn
            .prepare("SELECT n, at, maybe_at, day, flag, hash, note FROM t WHERE n >= $1 ORDER BY n")
            .unwrap();
        bind_sqlite(&mut statement, &[Bind::Int(1)]).unwrap();
        let mut rows = statement.raw_query();
        type Read = (
            i64,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
            NaiveDate,
            bool,
            Vec<u8>,
            Option<String>,
        );
        let mut got: Vec<Read> = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            let mut c = Columns::new(row);
            got.push((
                c.take().unwrap(),
                c.time().unwrap(),
                c.time_or_null().unwrap(),
                c.take().unwrap(),
                c.take().unwrap(),
                c.take().unwrap(),
                c.take().unwrap(),
            ));
        }
        assert_eq!(
            got,
            vec![
                (1, whole, Some(fine), day, true, vec![0, 255, 7], None),
                (2, fine, None, day, false, vec![0, 255, 7], None),
            ]
        );
    }

    #[test]
    fn dollar_parameters_bind_by_their_number() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut statement = conn
            .prepare("SELECT $2 || '-' || $1 || '-' || $2 || '-' || $3")
            .unwrap();
        let binds = [Bind::Text("a".into()), Bind::Text("b".into()), Bind::Int(3)];
        bind_sqlite(&mut statement, &binds).unwrap();
        let got: String = statement.raw_query().next().unwrap().unwrap().get(0).unwrap();
        assert_eq!(got, "b-a-b-3");
        // Too few values is an error, not a NULL; so is a parameter numbered 0.
        assert!(bind_sqlite(&mut statement, &binds[..2]).is_err());
        let mut zero = conn.prepare("SELECT $0").unwrap();
        assert!(bind_sqlite(&mut zero, &binds).is_err());
    }
}
