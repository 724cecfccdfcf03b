//! What a villager's receipt look-up reads, in one round trip (issue 6: the page is the
//! public side's hottest; each extra query is a thread hand-off on SQLite).

use chrono::{DateTime, Utc};

use super::ConcernEvent;

/// The look-up's answer: the client's lock-out, and the concern if the receipt matched.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptRead {
    /// When the client's lock-out for too many misses ends, if one was ever set; the
    /// caller compares it with the clock and refuses before showing anything.
    pub locked_until: Option<DateTime<Utc>>,
    pub found: Option<ReceiptConcern>,
}

/// A concern as its villager sees it: no staff names, no complainant.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptConcern {
    pub village_name: String,
    pub category_name: String,
    pub text: String,
    pub state: String,
    pub on_spot: bool,
    pub answer: Option<String>,
    pub answer_deadline: Option<chrono::NaiveDate>,
    pub department_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub events: Vec<ConcernEvent>,
    /// The concern's integrated log entries in log order: (index, leaf hash).
    pub ledger: Vec<(i64, Vec<u8>)>,
    /// The size of the latest signed checkpoint (0 before the first).
    pub signed: i64,
}
