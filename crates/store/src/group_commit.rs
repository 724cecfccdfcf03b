//! Group commit for SQLite's single writer: concurrent write transactions share one COMMIT,
//! and so one fsync, and none is acknowledged before that COMMIT is durable.
//!
//! Why it exists: with `synchronous=FULL` every COMMIT waits for the disk, so one transaction
//! per change caps durable changes at the disk's flush rate (about 1.5k/s here), however many
//! requests wait. A writer task owns each batch: it opens one outer transaction, lends the
//! connection to one [`WriteTx`] at a time inside a SAVEPOINT, and commits as soon as nobody
//! else is queued or the batch is full or old. A member that fails or is dropped rolls back to
//! its savepoint only; a failed COMMIT fails every member of the batch, as none of them is
//! durable. Because the task (not the caller) finishes each batch, a caller that is cancelled
//! or drops its transaction can neither strand the others nor leave the batch open.
//!
//! Public submissions are not lent the connection: the writer writes each queued batch of
//! them whole on a connection of its own (`Direct`, `concern_batch`), between lent batches.
//! It runs the log's integration there too (`direct_ledger`).
//!
//! PostgreSQL needs none of this: its own WAL flush already groups concurrent commits.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::audit_batch::{AuditSink, PendingAudit};
use crate::concern_batch::ConcernJob;
use crate::error::StoreError;
use crate::model::LedgerHead;
use qinglian_ledger::Algorithm;

/// Members per batch: bounds how long the first member waits for the shared COMMIT.
const MAX_MEMBERS: usize = 512;
/// Age at which a batch commits even though more writers are queued, for the same reason.
const MAX_AGE: Duration = Duration::from_millis(25);

type Done = oneshot::Sender<Result<(), StoreError>>;

/// What waits for the writer: a change that borrows its connection, a public submission the
/// writer writes itself with the others queued (`concern_batch`), or a run of the log's
/// integration, which it also runs itself (`direct_ledger`).
enum Request {
    Lend(oneshot::Sender<Result<WriteTx, StoreError>>),
    Concern(Box<ConcernJob>, Done),
    Integrate(Algorithm, u64, oneshot::Sender<Result<LedgerHead, StoreError>>),
}

/// How a lent connection comes back to the writer task; a committing member brings the audit
/// rows it left for the batch to write.
enum Back {
    Commit(PoolConnection<Sqlite>, Done, Vec<PendingAudit>),
    Rollback(PoolConnection<Sqlite>),
}

/// The entry point of every SQLite write: queues for the writer task.
pub(crate) struct GroupCommit {
    requests: mpsc::UnboundedSender<Request>,
    /// COMMITs issued, so tests can see that writers really share them.
    #[cfg_attr(not(test), allow(dead_code))]
    commits: Arc<AtomicU64>,
}

impl GroupCommit {
    /// Starts the writer on a thread of its own, with its own connection to the database at
    /// `path` for public submissions (`direct_write`); it ends when the store is dropped.
    ///
    /// Each batch lent through sqlx hands off to the connection's thread several times, and
    /// the writer resumes after each. On the shared runtime it then waited its turn behind
    /// the HTTP tasks, while every writer queued behind the batch waited with it; alone on its
    /// thread it resumes at once.
    ///
    /// `reach_changes` is settled when each lent batch ends, before its members are answered
    /// (`reach_cache`); the pool's connection notes the changes in its update hook.
    pub(crate) fn start(
        pool: SqlitePool,
        path: &Path,
        reach_changes: crate::reach_cache::ReachChanges,
    ) -> Result<Self, StoreError> {
        let (requests, queue) = mpsc::unbounded_channel();
        let commits = Arc::new(AtomicU64::new(0));
        let direct = Direct {
            path: path.to_owned(),
            db: Some(crate::direct_write::open(path)?),
            allowances: crate::concern_batch::Allowances::new(crate::concern_batch::KEPT_CLIENTS),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        let counted = commits.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || runtime.block_on(run(pool, direct, queue, counted, reach_changes)))
            .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        Ok(Self { requests, commits })
    }

    #[cfg(test)]
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Waits for the writer connection, inside a savepoint of the current batch.
    pub(crate) async fn begin(&self) -> Result<WriteTx, StoreError> {
        let (reply, lent) = oneshot::channel();
        self.requests.send(Request::Lend(reply)).map_err(|_| writer_gone())?;
        lent.await.map_err(|_| writer_gone())?
    }

    /// Has the writer write a public submission with the others queued; returns once it is
    /// durable, or with the reason it was refused or lost.
    pub(crate) async fn write_concern(&self, job: ConcernJob) -> Result<(), StoreError> {
        let (done, result) = oneshot::channel();
        self.requests
            .send(Request::Concern(Box::new(job), done))
            .map_err(|_| writer_gone())?;
        result.await.map_err(|_| writer_gone())?
    }

    /// Has the writer integrate up to `limit` pending log entries in a transaction of their
    /// own; returns once it is durable.
    pub(crate) async fn integrate(&self, algorithm: Algorithm, limit: u64) -> Result<LedgerHead, StoreError> {
        let (done, result) = oneshot::channel();
        self.requests
            .send(Request::Integrate(algorithm, limit, done))
            .map_err(|_| writer_gone())?;
        result.await.map_err(|_| writer_gone())?
    }
}

fn writer_gone() -> StoreError {
    StoreError::Unavailable(sqlx::Error::PoolClosed)
}

/// One change's share of a batch. Derefs to the connection, so queries take `&mut *tx`.
/// Dropping it without [`WriteTx::commit`] rolls the change back, and only the change.
pub(crate) struct WriteTx {
    // Both are `Some` until `commit` or `drop` hands the connection back.
    conn: Option<PoolConnection<Sqlite>>,
    back: Option<oneshot::Sender<Back>>,
    /// The change's audit rows, written by the batch just before its COMMIT.
    audit: Vec<PendingAudit>,
}

impl AuditSink for WriteTx {
    fn deferred(&mut self) -> Option<&mut Vec<PendingAudit>> {
        Some(&mut self.audit)
    }
}

impl WriteTx {
    /// Returns once the batch holding this change has committed durably, or with the error
    /// that kept it (or the shared COMMIT) from doing so.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        let (Some(conn), Some(back)) = (self.conn.take(), self.back.take()) else {
            return Err(writer_gone());
        };
        let (done, result) = oneshot::channel();
        let audit = std::mem::take(&mut self.audit);
        back.send(Back::Commit(conn, done, audit)).map_err(|_| writer_gone())?;
        result.await.map_err(|_| writer_gone())?
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let (Some(conn), Some(back)) = (self.conn.take(), self.back.take()) {
            // Cannot fail in a way that matters: a writer task that is gone has no batch left.
            let _ = back.send(Back::Rollback(conn));
        }
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match &self.conn {
            Some(c) => c,
            // `commit` consumes the WriteTx and `drop` ends it, so nothing can deref after.
            None => unreachable!("a WriteTx is used after commit"),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match &mut self.conn {
            Some(c) => c,
            None => unreachable!("a WriteTx is used after commit"),
        }
    }
}

async fn run(
    pool: SqlitePool,
    mut direct: Direct,
    mut queue: mpsc::UnboundedReceiver<Request>,
    commits: Arc<AtomicU64>,
    reach_changes: crate::reach_cache::ReachChanges,
) {
    // A request taken from the queue for a batch that then broke or could not take it waits
    // for the next one.
    let mut carried: Option<Request> = None;
    loop {
        let first = match carried.take() {
            Some(r) => r,
            None => match queue.recv().await {
                Some(r) => r,
                None => return,
            },
        };
        let reply = match first {
            Request::Lend(reply) => reply,
            Request::Integrate(algorithm, limit, done) => {
                let head = direct.integrate(algorithm, limit);
                if head.is_ok() {
                    commits.fetch_add(1, Ordering::Relaxed);
                }
                drop(done.send(head));
                continue;
            }
            Request::Concern(job, done) => {
                // Every submission queued behind this one is written with it, on this thread.
                let mut jobs = vec![(*job, done)];
                while jobs.len() < MAX_MEMBERS {
                    match queue.try_recv() {
                        Ok(Request::Concern(job, done)) => jobs.push((*job, done)),
                        Ok(other) => {
                            carried = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                if direct.write(jobs) {
                    commits.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
        };
        let mut batch = match Batch::open(&pool).await {
            Ok(b) => b,
            Err(e) => {
                drop(reply.send(Err(e)));
                continue;
            }
        };
        let mut reply = reply;
        loop {
            // Whoever queued while this member worked joins the batch; nobody queued: commit.
            // Submissions wait for a batch of their own.
            let returned = batch.lend(reply).await;
            let next = batch.joiner(&mut queue);
            let joining = matches!(next, Some(Request::Lend(_)));
            let joined = batch.close_member(returned, joining).await;
            match next {
                Some(Request::Lend(r)) if joined => reply = r,
                Some(r) => {
                    carried = Some(r);
                    break;
                }
                None => break,
            }
        }
        if !batch.members.is_empty() {
            commits.fetch_add(1, Ordering::Relaxed);
        }
        batch.finish(&reach_changes).await;
    }
}

/// The writer thread's own connection (`direct_write`), on which public submissions are
/// written whole.
struct Direct {
    path: PathBuf,
    /// `None` after a batch left it in a state that cannot be trusted; opened again when next
    /// needed.
    db: Option<rusqlite::Connection>,
    /// The public form's allowances per client (`concern_batch`).
    allowances: crate::concern_batch::Allowances,
}

impl Direct {
    /// Writes public submissions with shared statements (or, when those fail, each alone in
    /// its own savepoint), their audit rows and log entries, and commits them. Those refused
    /// are answered at once, those written once the COMMIT is durable. True when a COMMIT kept
    /// something.
    fn write(&mut self, jobs: Vec<(ConcernJob, Done)>) -> bool {
        let (jobs, dones): (Vec<ConcernJob>, Vec<Done>) = jobs.into_iter().unzip();
        let db = match Self::connection(&mut self.db, &self.path) {
            Ok(db) => db,
            Err(e) => {
                let e = Arc::new(crate::direct_write::lost(e));
                for done in dones {
                    let _ = done.send(Err(StoreError::GroupCommit(e.clone())));
                }
                return false;
            }
        };
        let (outcomes, charges, broke) = match db.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => crate::concern_batch::write_each(db, &jobs, &self.allowances),
            Err(e) => (
                (0..jobs.len()).map(|_| None).collect(),
                crate::concern_batch::Charges::new(),
                Some(e),
            ),
        };
        let mut members = Vec::with_capacity(dones.len());
        let mut audit = Vec::with_capacity(dones.len());
        for (outcome, done) in outcomes.into_iter().zip(dones) {
            match outcome {
                Some(Ok(row)) => {
                    members.push(done);
                    audit.push(row);
                }
                Some(Err(e)) => drop(done.send(Err(e))),
                // Not tried: the batch broke first, and this member fails with it.
                None => members.push(done),
            }
        }
        let outcome = match broke {
            Some(e) => Err(StoreError::from(e)),
            None if members.is_empty() => Ok(()),
            None => crate::audit_batch::flush(db, &audit).and_then(|()| Ok(db.execute_batch("COMMIT")?)),
        };
        let kept = !members.is_empty() && outcome.is_ok();
        if kept {
            self.allowances.keep(charges);
        }
        self.settle();
        let outcome = outcome.map_err(|e| Arc::new(crate::direct_write::lost(e)));
        for done in members {
            let _ = done.send(match &outcome {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::GroupCommit(e.clone())),
            });
        }
        kept
    }

    /// Integrates pending log entries in a transaction of their own (`direct_ledger`).
    fn integrate(&mut self, algorithm: Algorithm, limit: u64) -> Result<LedgerHead, StoreError> {
        let lost = |e: rusqlite::Error| StoreError::GroupCommit(Arc::new(crate::direct_write::lost(e)));
        let db = Self::connection(&mut self.db, &self.path).map_err(lost)?;
        db.execute_batch("BEGIN IMMEDIATE").map_err(lost)?;
        let head = crate::direct_ledger::integrate(db, algorithm, limit)
            .and_then(|head| db.execute_batch("COMMIT").map(|()| head).map_err(lost));
        self.settle();
        head
    }

    /// The connection, opened again if a batch left it closed.
    fn connection<'c>(
        db: &'c mut Option<rusqlite::Connection>,
        path: &Path,
    ) -> rusqlite::Result<&'c mut rusqlite::Connection> {
        match db.take() {
            Some(open) => Ok(db.insert(open)),
            None => Ok(db.insert(crate::direct_write::open(path)?)),
        }
    }

    /// Rolls back a transaction still open (it kept nothing); a connection that cannot even do
    /// that is closed, which rolls it back, and opened again next time.
    fn settle(&mut self) {
        if let Some(db) = &self.db
            && !db.is_autocommit()
            && db.execute_batch("ROLLBACK").is_err()
        {
            self.db = None;
        }
    }
}

/// How a member ended.
enum Returned {
    Commit(Done, Vec<PendingAudit>),
    Rollback,
    /// The WriteTx was leaked, and the connection with it.
    Lost,
}

struct Batch {
    conn: Option<PoolConnection<Sqlite>>,
    opened: Instant,
    /// Members whose savepoint was released, waiting for the COMMIT.
    members: Vec<Done>,
    /// Those members' audit rows, in the order of their changes.
    audit: Vec<PendingAudit>,
    /// Set when the outer transaction can no longer be trusted; the batch then rolls back.
    failed: Option<Arc<sqlx::Error>>,
}

impl Batch {
    /// Opens the outer transaction and the first member's savepoint.
    async fn open(pool: &SqlitePool) -> Result<Self, StoreError> {
        let mut conn = pool.acquire().await?;
        // IMMEDIATE takes the write lock now, so no statement of a member can meet SQLITE_BUSY
        // from another connection (the CLI, a second process) halfway through the batch.
        if let Err(e) = sqlx::raw_sql("BEGIN IMMEDIATE; SAVEPOINT member")
            .execute(&mut *conn)
            .await
        {
            // Whichever half failed, leave the connection outside any transaction.
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            return Err(e.into());
        }
        Ok(Self {
            conn: Some(conn),
            opened: Instant::now(),
            members: Vec::new(),
            audit: Vec::new(),
            failed: None,
        })
    }

    /// Lends the connection, inside an open savepoint, to one requester and takes it back.
    async fn lend(&mut self, request: oneshot::Sender<Result<WriteTx, StoreError>>) -> Returned {
        let Some(conn) = self.conn.take() else {
            let _ = request.send(Err(writer_gone()));
            return Returned::Rollback;
        };
        let (back, returned) = oneshot::channel();
        // A requester that stopped waiting hands the WriteTx back, and its drop rolls back.
        drop(request.send(Ok(WriteTx {
            conn: Some(conn),
            back: Some(back),
            audit: Vec::new(),
        })));
        match returned.await {
            Ok(Back::Commit(conn, done, audit)) => {
                self.conn = Some(conn);
                Returned::Commit(done, audit)
            }
            Ok(Back::Rollback(conn)) => {
                self.conn = Some(conn);
                Returned::Rollback
            }
            Err(_) => {
                self.failed = Some(Arc::new(sqlx::Error::PoolClosed));
                Returned::Lost
            }
        }
    }

    /// Keeps or undoes the member's work and, when another member is joining, opens its
    /// savepoint in the same round trip. False when the batch broke and nobody may join.
    async fn close_member(&mut self, returned: Returned, joining: bool) -> bool {
        let sql = match (&returned, joining) {
            (Returned::Lost, _) => return false,
            (Returned::Commit(..), true) => "RELEASE member; SAVEPOINT member",
            (Returned::Commit(..), false) => "RELEASE member",
            (Returned::Rollback, true) => "ROLLBACK TO member; RELEASE member; SAVEPOINT member",
            (Returned::Rollback, false) => "ROLLBACK TO member; RELEASE member",
        };
        let result = match self.conn.as_mut() {
            Some(conn) => sqlx::raw_sql(sql).execute(&mut **conn).await.map(|_| ()),
            None => Err(sqlx::Error::PoolClosed),
        };
        if let Returned::Commit(done, mut audit) = returned {
            // Even when the statement failed: the member then fails with the batch below.
            self.members.push(done);
            self.audit.append(&mut audit);
        }
        match result {
            Ok(()) => true,
            Err(e) => {
                // The outer transaction is suspect (SQLite rolls it back on some errors, and
                // the released members with it): nobody in this batch is kept.
                self.failed = Some(Arc::new(e));
                false
            }
        }
    }

    /// The next queued request, if the batch may still take one.
    fn joiner(&self, queue: &mut mpsc::UnboundedReceiver<Request>) -> Option<Request> {
        let open = self.failed.is_none() && self.members.len() < MAX_MEMBERS && self.opened.elapsed() < MAX_AGE;
        if open { queue.try_recv().ok() } else { None }
    }

    async fn commit_with_audit(&mut self) -> Result<(), sqlx::Error> {
        match self.conn.as_mut() {
            Some(conn) => crate::audit_batch::flush_and_commit(conn, &self.audit).await,
            None => Err(sqlx::Error::PoolClosed),
        }
    }

    async fn exec(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        match self.conn.as_mut() {
            Some(conn) => sqlx::query(sql).execute(&mut **conn).await.map(|_| ()),
            None => Err(sqlx::Error::PoolClosed),
        }
    }

    /// Writes the members' audit rows and log entries, commits (or, when broken, rolls back)
    /// and answers every member alike, once a change it made to a reach has moved the reaches'
    /// generation on.
    async fn finish(mut self, reach_changes: &crate::reach_cache::ReachChanges) {
        let outcome = match self.failed.take() {
            Some(reason) => Err(reason),
            None if self.members.is_empty() => Ok(()),
            None => self.commit_with_audit().await.map_err(Arc::new),
        };
        let nothing_to_keep = self.members.is_empty() || outcome.is_err();
        if nothing_to_keep && self.exec("ROLLBACK").await.is_err() {
            // A connection whose transaction state is unknown must not serve another batch.
            if let Some(conn) = self.conn.as_mut() {
                conn.close_on_drop();
            }
        }
        reach_changes.settle();
        for done in self.members.drain(..) {
            let _ = done.send(match &outcome {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::GroupCommit(e.clone())),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
    use std::str::FromStr;

    struct Fixture {
        group: GroupCommit,
        read: SqlitePool,
        _dir: tempfile::TempDir,
    }

    /// A writer pool like the store's, and two scratch tables; the child's deferred foreign key
    /// is checked at COMMIT, which lets a test make the shared COMMIT itself fail.
    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}/t.db", dir.path().display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .unwrap();
        sqlx::raw_sql(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY); \
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED); \
             INSERT INTO parent VALUES (1);",
        )
        .execute(&write)
        .await
        .unwrap();
        let read = SqlitePoolOptions::new()
            .connect_with(opts.read_only(true))
            .await
            .unwrap();
        Fixture {
            group: GroupCommit::start(write, &dir.path().join("t.db"), Default::default()).unwrap(),
            read,
            _dir: dir,
        }
    }

    async fn insert(tx: &mut WriteTx, id: i64, parent: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO child (id, parent) VALUES ($1, $2)")
            .bind(id)
            .bind(parent)
            .execute(&mut **tx)
            .await
            .map(|_| ())
    }

    async fn children(f: &Fixture) -> Vec<i64> {
        sqlx::query_scalar("SELECT id FROM child ORDER BY id")
            .fetch_all(&f.read)
            .await
            .unwrap()
    }

    /// Polls `fut` once, so its request is queued before the test goes on.
    async fn queue<F: std::future::Future + Unpin>(fut: &mut F) {
        tokio::select! {
            biased;
            _ = fut => panic!("the writer was free, so nothing was queued"),
            () = std::future::ready(()) => {}
        }
    }

    #[tokio::test]
    async fn concurrent_writers_share_commits_and_all_are_visible_when_acknowledged() {
        let f = Arc::new(fixture().await);
        let mut tasks = Vec::new();
        for id in 0..50 {
            let f = f.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = f.group.begin().await.unwrap();
                insert(&mut tx, id, 1).await.unwrap();
                tx.commit().await.unwrap();
                // Acknowledged means durable and visible to every reader.
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child WHERE id = $1")
                    .bind(id)
                    .fetch_one(&f.read)
                    .await
                    .unwrap();
                assert_eq!(n, 1, "child {id} acknowledged but not visible");
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(children(&f).await, (0..50).collect::<Vec<_>>());
        assert!(f.group.commits() < 50, "{} commits for 50 writers", f.group.commits());
    }

    #[tokio::test]
    async fn a_dropped_transaction_leaves_nothing_and_strands_nobody() {
        let f = fixture().await;
        let mut a = f.group.begin().await.unwrap();
        insert(&mut a, 1, 1).await.unwrap();
        let mut b = Box::pin(f.group.begin());
        queue(&mut b).await;
        drop(a);
        let mut b = b.await.unwrap();
        insert(&mut b, 2, 1).await.unwrap();
        b.commit().await.unwrap();
        assert_eq!(children(&f).await, [2]);

        // Dropped after queued members committed: they still get their COMMIT.
        let mut c = f.group.begin().await.unwrap();
        insert(&mut c, 3, 1).await.unwrap();
        let mut d = Box::pin(f.group.begin());
        queue(&mut d).await;
        let (c_done, d_dropped) = tokio::join!(c.commit(), async {
            let mut d = d.await.unwrap();
            insert(&mut d, 4, 1).await.unwrap();
            drop(d);
        });
        c_done.unwrap();
        let () = d_dropped;
        assert_eq!(children(&f).await, [2, 3]);
    }

    #[tokio::test]
    async fn a_failed_statement_spoils_only_its_own_transaction() {
        let f = fixture().await;
        let mut a = f.group.begin().await.unwrap();
        insert(&mut a, 1, 1).await.unwrap();
        let mut b = Box::pin(f.group.begin());
        queue(&mut b).await;
        let (a_done, b_done) = tokio::join!(a.commit(), async {
            let mut b = b.await.unwrap();
            insert(&mut b, 2, 1).await.unwrap();
            // Same id as a's row: the statement fails, and b gives up as callers do.
            let e = insert(&mut b, 1, 1).await.unwrap_err();
            assert!(e.to_string().contains("UNIQUE"), "{e}");
        });
        a_done.unwrap();
        let () = b_done;
        assert_eq!(children(&f).await, [1]);
    }

    #[tokio::test]
    async fn a_failed_commit_fails_every_member_and_keeps_nothing() {
        let f = fixture().await;
        let mut a = f.group.begin().await.unwrap();
        // Parent 9 does not exist: the deferred key fails the batch's COMMIT, not the INSERT.
        insert(&mut a, 1, 9).await.unwrap();
        let mut b = Box::pin(f.group.begin());
        queue(&mut b).await;
        let (a_done, b_done) = tokio::join!(a.commit(), async {
            let mut b = b.await.unwrap();
            insert(&mut b, 2, 1).await.unwrap();
            b.commit().await
        });
        assert!(matches!(a_done, Err(StoreError::GroupCommit(_))), "{a_done:?}");
        assert!(matches!(b_done, Err(StoreError::GroupCommit(_))), "{b_done:?}");
        assert!(children(&f).await.is_empty());

        // The writer is healthy afterwards.
        let mut c = f.group.begin().await.unwrap();
        insert(&mut c, 3, 1).await.unwrap();
        c.commit().await.unwrap();
        assert_eq!(children(&f).await, [3]);
    }
}
