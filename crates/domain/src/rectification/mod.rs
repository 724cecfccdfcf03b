//! Rectification (整改) of a village's problems: the township's jointly signed rectification
//! order (督改单) on one key problem, and the items of a C village's plan (一村一方案) that are
//! closed out (销号) one by one after verification, and the monthly report (月度汇报) a C village
//! makes to the township's party secretary.

pub mod item;
pub mod order;
pub mod report;
pub mod standing;

use crate::error::Invalid;

/// Why a step was not taken: a rule of the practice (named by its message key), or an edit
/// made from a version that is no longer the latest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Rule(Invalid),
    /// Someone acted on the record since the caller read it: reload and decide again.
    Stale {
        current: i64,
    },
}

impl From<Invalid> for Refusal {
    fn from(e: Invalid) -> Self {
        Self::Rule(e)
    }
}

impl Refusal {
    /// The rule's message key, for tests and logs; `None` for a stale version.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            Self::Rule(i) => i.fields.first().map(|f| f.key),
            Self::Stale { .. } => None,
        }
    }
}

/// The caller's version against the record's: an absent expectation is a first-come edit.
fn check_version(current: i64, expected: Option<i64>) -> Result<(), Refusal> {
    match expected {
        Some(v) if v != current => Err(Refusal::Stale { current }),
        _ => Ok(()),
    }
}
