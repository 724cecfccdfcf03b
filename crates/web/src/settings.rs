//! Layered configuration, read once: defaults, then `qinglian.toml`, then `QINGLIAN_*` variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to serve on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// `sqlite://path` (the embedded default) or `postgres://…`.
    pub database_url: String,
    /// Mark cookies `Secure`; turn on when served behind TLS.
    pub secure_cookies: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// `pretty` for people, `json` for log collectors.
    pub log_format: String,
    /// How often the scheduler looks for work to claim.
    pub jobs_interval_seconds: u64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Header a trusted reverse proxy sets to the client's address (e.g. `x-forwarded-for`);
    /// empty to use the connection's address. Only set it behind a proxy that overwrites it.
    pub client_ip_header: String,
    /// Days the audit trail is kept; the law asks for at least 184 (six months).
    pub audit_retention_days: u32,
    /// The checkpoint signing key, kept outside the database (`qinglian ledger init`).
    pub ledger_key_path: PathBuf,
    /// The deployment's secret key file (receipt hashes, sealed second factors); created on
    /// first start if missing. Back it up with the database; keep it out of the database.
    pub secret_key_path: PathBuf,
    /// The log's name in its checkpoints, e.g. `qinglian.example-county.gov.cn/ledger`.
    pub ledger_origin: String,
    /// `sha256` or `sm3`; fixed for the life of the log.
    pub ledger_hash: String,
    /// How often pending entries are integrated and a checkpoint signed, in milliseconds.
    pub ledger_interval_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://qinglian-data/qinglian.db".to_owned(),
            secure_cookies: false,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            log_format: "pretty".to_owned(),
            jobs_interval_seconds: 60,
            max_body_bytes: 1024 * 1024,
            client_ip_header: String::new(),
            audit_retention_days: 365,
            ledger_key_path: PathBuf::from("qinglian-data/ledger.key"),
            secret_key_path: PathBuf::from("qinglian-data/secret.key"),
            ledger_origin: "qinglian.local/ledger".to_owned(),
            ledger_hash: "sha256".to_owned(),
            ledger_interval_ms: 1000,
        }
    }
}

impl Settings {
    /// Reads the layers; `file` defaults to `qinglian.toml` in the working folder, if present.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let file = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("qinglian.toml"));
        figment::Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("QINGLIAN_").ignore(&["test_postgres_url", "log"]))
            .extract::<Settings>()
            .map_err(Box::new)
            .and_then(|s| s.validated())
    }

    /// Refuses settings that would break a rule, so a mistake stops the start instead of
    /// weakening the system.
    pub fn validated(self) -> Result<Self, Box<figment::Error>> {
        let min = qinglian_domain::audit::MIN_RETENTION_DAYS;
        if self.audit_retention_days < min {
            return Err(Box::new(figment::Error::from(format!(
                "audit_retention_days is {}, but the audit trail must be kept at least {min} days",
                self.audit_retention_days
            ))));
        }
        if qinglian_ledger::Algorithm::parse(&self.ledger_hash).is_none() {
            return Err(Box::new(figment::Error::from(format!(
                "ledger_hash is {:?}; use sha256 or sm3",
                self.ledger_hash
            ))));
        }
        Ok(self)
    }

    pub fn ledger_algorithm(&self) -> qinglian_ledger::Algorithm {
        qinglian_ledger::Algorithm::parse(&self.ledger_hash).unwrap_or(qinglian_ledger::Algorithm::Sha256)
    }

    pub fn database_url(&self) -> qinglian_store::DatabaseUrl {
        qinglian_store::DatabaseUrl::new(self.database_url.clone())
    }
}

impl std::fmt::Debug for Settings {
    // The database URL may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url())
            .field("secure_cookies", &self.secure_cookies)
            .field("log_format", &self.log_format)
            .finish_non_exhaustive()
    }
}
