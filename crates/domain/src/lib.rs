//! Qinglian's domain: pure types and rules, free of HTTP, SQL and async.

pub mod access;
pub mod article;
pub mod assignment;
pub mod audit;
pub mod campaign;
pub mod case;
pub mod convener;
pub mod cross_handling;
pub mod division;
pub mod error;
pub mod evidence;
pub mod inspection;
pub mod interview;
pub mod org;
pub mod password_policy;
pub mod rating;
pub mod rectification;
pub mod recusal;
pub mod role;
pub mod scope;
pub mod signin;
pub mod zone_governance;

pub use error::{FieldError, Invalid};
