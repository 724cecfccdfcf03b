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
    /// Evidence files: `incoming/` holds uploads in progress; with the `local` store the blobs
    /// live here too (`sha256/…`). Keep it on one filesystem so completing a file is a rename.
    pub evidence_dir: PathBuf,
    /// `local` (blobs under `evidence_dir`) or `s3` (S3-compatible object storage).
    pub evidence_store: String,
    /// S3 bucket, endpoint (e.g. `https://minio.example:9000`), region, keys and folder; empty
    /// values fall back to the standard `AWS_*` environment variables.
    pub evidence_s3_bucket: String,
    pub evidence_s3_endpoint: String,
    pub evidence_s3_region: String,
    pub evidence_s3_access_key_id: String,
    pub evidence_s3_secret_access_key: String,
    pub evidence_s3_allow_http: bool,
    pub evidence_s3_prefix: String,
    /// Largest evidence file accepted, in bytes.
    pub evidence_max_upload_bytes: u64,
    /// An upload not continued for this long is abandoned and its partial bytes removed.
    pub evidence_upload_expiry_hours: i64,
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
            evidence_dir: PathBuf::from("qinglian-data/evidence"),
            evidence_store: "local".to_owned(),
            evidence_s3_bucket: String::new(),
            evidence_s3_endpoint: String::new(),
            evidence_s3_region: String::new(),
            evidence_s3_access_key_id: String::new(),
            evidence_s3_secret_access_key: String::new(),
            evidence_s3_allow_http: false,
            evidence_s3_prefix: String::new(),
            evidence_max_upload_bytes: 64 << 30,
            evidence_upload_expiry_hours: 24,
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
        if !matches!(self.evidence_store.as_str(), "local" | "s3") {
            return Err(Box::new(figment::Error::from(format!(
                "evidence_store is {:?}; use local or s3",
                self.evidence_store
            ))));
        }
        if self.evidence_store == "s3" && self.evidence_s3_bucket.trim().is_empty() {
            return Err(Box::new(figment::Error::from(
                "evidence_store is s3 but evidence_s3_bucket is empty".to_owned(),
            )));
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

    /// The S3 settings, for `evidence_store = "s3"`.
    pub fn evidence_s3(&self) -> qinglian_store::evidence::S3Config {
        qinglian_store::evidence::S3Config {
            bucket: self.evidence_s3_bucket.clone(),
            endpoint: self.evidence_s3_endpoint.clone(),
            region: self.evidence_s3_region.clone(),
            access_key_id: self.evidence_s3_access_key_id.clone(),
            secret_access_key: self.evidence_s3_secret_access_key.clone(),
            allow_http: self.evidence_s3_allow_http,
            prefix: self.evidence_s3_prefix.clone(),
        }
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
            .field("evidence_dir", &self.evidence_dir)
            .field("evidence_store", &self.evidence_store)
            .finish_non_exhaustive()
    }
}
