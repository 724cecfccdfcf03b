//! Users' reaches kept until the next change to what a reach is made of (SQLite only), so that
//! every scoped page does not resolve the same reach again.
//!
//! Why: `scope_read::REACH_SQL` ran on every staff page and API call; on a department's list
//! it was an eighth of the server's work (issue 6), though reaches change only when an
//! administrator or a case assignment changes them. Why it is exact: every change this process
//! makes to a table in [`REACH_TABLES`] is lent the writer's pooled connection
//! (`group_commit`), whose update hook notes it; when the batch holding it ends, committed or
//! not, and before any of its writers is answered, the generation moves on and every kept
//! reach is stale. (The writer's other connection writes only public submissions, audit rows
//! and the log.) A reach is kept under the generation taken *before* it was read, so a read
//! across a change is never kept past it. Another process (the CLI) writing the same file is
//! not seen by the hook; kept reaches are therefore also dropped after [`KEEP_FOR`].
//! PostgreSQL keeps none: several servers may share it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use qinglian_domain::scope::Reach;

/// The tables `scope_read::REACH_SQL` reads.
pub(crate) const REACH_TABLES: [&str; 9] = [
    "account",
    "staff",
    "account_scope",
    "department",
    "township",
    "zone_member",
    "inspection_group",
    "inspection_group_member",
    "case_team_member",
];

/// How long a reach is kept at most, for changes made by another process.
pub(crate) const KEEP_FOR: Duration = Duration::from_secs(1);

/// Accounts kept at most; cleared when full.
const MAX_ACCOUNTS: usize = 4096;

/// The writer's count of batches that changed a reach table; shared by the writer connection's
/// update hook, the writer task and the readers.
#[derive(Clone, Default)]
pub(crate) struct ReachChanges {
    touched: Arc<AtomicBool>,
    generation: Arc<AtomicU64>,
}

impl ReachChanges {
    /// Called by the update hook for every row the writer connection changes.
    pub(crate) fn note(&self, table: &str) {
        if REACH_TABLES.contains(&table) {
            self.touched.store(true, Ordering::SeqCst);
        }
    }

    /// Called when a batch has ended (committed or rolled back), before its writers are
    /// answered: a change to a reach table moves the generation on.
    pub(crate) fn settle(&self) {
        if self.touched.swap(false, Ordering::SeqCst) {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

#[derive(Default)]
pub(crate) struct ReachCache {
    kept: Mutex<HashMap<String, (u64, Instant, Reach)>>,
}

impl ReachCache {
    /// The reach kept for `account_id` under `generation`, if younger than [`KEEP_FOR`].
    pub(crate) fn get(&self, account_id: &str, generation: u64) -> Option<Reach> {
        let kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.get(account_id)
            .filter(|(g, at, _)| *g == generation && at.elapsed() < KEEP_FOR)
            .map(|(_, _, reach)| reach.clone())
    }

    /// Keeps `reach`, read after `generation` was taken.
    pub(crate) fn put(&self, account_id: &str, generation: u64, reach: &Reach) {
        let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() >= MAX_ACCOUNTS && !kept.contains_key(account_id) {
            kept.clear();
        }
        kept.insert(account_id.to_owned(), (generation, Instant::now(), reach.clone()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn reach(township: &str) -> Reach {
        Reach {
            townships: [township.to_owned()].into(),
            ..Reach::default()
        }
    }

    #[test]
    fn only_a_change_to_a_reach_table_moves_the_generation_and_only_once_settled() {
        let changes = ReachChanges::default();
        changes.note("concern");
        changes.note("audit_event");
        changes.settle();
        assert_eq!(changes.generation(), 0);
        changes.note("account_scope");
        // Not yet: the batch has not ended.
        assert_eq!(changes.generation(), 0);
        changes.settle();
        assert_eq!(changes.generation(), 1);
        // A batch without such a change leaves it.
        changes.settle();
        assert_eq!(changes.generation(), 1);
    }

    #[test]
    fn a_kept_reach_is_given_back_only_under_its_generation() {
        let cache = ReachCache::default();
        assert_eq!(cache.get("a", 0), None);
        cache.put("a", 3, &reach("t1"));
        assert_eq!(cache.get("a", 3), Some(reach("t1")));
        assert_eq!(cache.get("a", 4), None);
        assert_eq!(cache.get("b", 3), None);
        cache.put("a", 4, &reach("t2"));
        assert_eq!(cache.get("a", 4), Some(reach("t2")));
    }

    #[test]
    fn a_kept_reach_expires() {
        let cache = ReachCache::default();
        cache.put("a", 0, &reach("t1"));
        let mut kept = cache.kept.lock().unwrap();
        let entry = kept.get_mut("a").unwrap();
        entry.1 = Instant::now().checked_sub(KEEP_FOR).unwrap();
        drop(kept);
        assert_eq!(cache.get("a", 0), None);
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = ReachCache::default();
        for i in 0..MAX_ACCOUNTS {
            cache.put(&format!("a{i}"), 0, &reach("t"));
        }
        assert_eq!(cache.kept.lock().unwrap().len(), MAX_ACCOUNTS);
        cache.put("one more", 0, &reach("t"));
        assert_eq!(cache.kept.lock().unwrap().len(), 1);
        assert_eq!(cache.get("one more", 0), Some(reach("t")));
    }
}
