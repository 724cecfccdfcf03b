//! The commands behind the `qinglian` binary, as a library so the tests can run them.

pub mod accounts;
pub mod demo;
pub mod import;
