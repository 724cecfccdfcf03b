//! What every handler shares: the store, the settings, the metrics handle.

use std::sync::Arc;

use qinglian_store::DynStore;

use crate::settings::Settings;

/// Cloned for every request and for each extractor and layer that asks for it, so it is one
/// reference count to bump rather than one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The shared parts themselves.
pub struct Shared {
    pub store: DynStore,
    pub settings: Arc<Settings>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Names this process when it claims scheduled work.
    pub instance_id: Arc<str>,
    /// Signs checkpoints; `None` until `qinglian ledger init` has made the key.
    pub ledger_signer: Option<Arc<qinglian_ledger::NoteSigner>>,
    /// Keys receipt hashes and seals second-factor secrets.
    pub secrets: Arc<crate::secrets::SecretKey>,
    /// Evidence blobs and uploads in progress.
    pub evidence: Arc<crate::evidence::EvidenceService>,
    /// Public pages rendered since the store last changed.
    pub public_pages: Arc<crate::public_cache::PublicCache>,
    /// Meetings' places read in the last few seconds, for the public form.
    pub places: crate::place_cache::PlaceCache,
}

impl AppState {
    /// The state for a server or a command; reads (or first creates) the secret key file.
    pub fn new(settings: Arc<Settings>, store: DynStore) -> anyhow::Result<Self> {
        let secrets = Arc::new(crate::secrets::SecretKey::load_or_create(&settings.secret_key_path)?);
        let evidence = Arc::new(crate::evidence::EvidenceService::from_settings(&settings)?);
        Ok(Self(Arc::new(Shared {
            evidence,
            secrets,
            store,
            settings: settings.clone(),
            metrics: crate::observe::prometheus(),
            instance_id: Arc::from(uuid::Uuid::now_v7().to_string()),
            ledger_signer: crate::ledger::load_signer(&settings.ledger_key_path).map(Arc::new),
            public_pages: Arc::default(),
            places: Default::default(),
        })))
    }
}

impl AppState {
    pub fn idle_timeout(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.settings.session_idle_minutes.max(1))
    }

    pub fn absolute_timeout(&self) -> chrono::Duration {
        chrono::Duration::hours(self.settings.session_absolute_hours.max(1))
    }
}
