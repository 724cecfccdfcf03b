//! Qinglian's HTTP layer: the public portal, the staff pages, the JSON API, and operations
//! endpoints, on one axum router.

mod api;
mod assets;
mod auth;
mod error;
pub mod evidence;
mod i18n;
mod jobs;
pub mod ledger;
mod observe;
mod open311;
mod pages;
pub mod password;
pub mod pdf;
mod place_cache;
mod public_cache;
mod rating;
pub mod receipt;
pub mod routes;
mod scope;
pub mod sealed_check;
mod sealed_export;
pub mod secrets;
pub mod settings;
mod state;
pub mod totp;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use qinglian_store::DynStore;
use tokio::net::TcpListener;

pub use settings::Settings;
pub use state::AppState;

/// A built server: bound to its port (0 picks one, for tests) and ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings, store: DynStore) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let state = AppState::new(Arc::new(settings), store)?;
        let router = routes(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.settings.listen)
    }

    /// Serves until the process is asked to stop (Ctrl-C or SIGTERM), finishing open requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes; scheduled jobs stop with the server.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (jobs_stop_tx, jobs_stop_rx) = tokio::sync::watch::channel(false);
        let jobs = tokio::spawn(jobs::run(self.state.clone(), jobs_stop_rx.clone()));
        let ledger = tokio::spawn(jobs::run_ledger(self.state.clone(), jobs_stop_rx));
        let app = self.router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(stop)
            .await
            .context("serving HTTP")?;
        let _ = jobs_stop_tx.send(true);
        let _ = jobs.await;
        let _ = ledger.await;
        Ok(())
    }
}

fn routes(state: AppState) -> axum::Router {
    use axum::routing::get;
    use tower_http::limit::RequestBodyLimitLayer;

    let max_body = state.settings.max_body_bytes;
    let (api_router, mut openapi) = api::router();
    let (upload_router, upload_doc) = api::upload_router();
    openapi.merge(upload_doc);
    let (import_router, import_doc) = api::import_router();
    openapi.merge(import_doc);
    // Every page and API route passes the session layer: it finds the user and checks CSRF.
    // Request bodies are limited everywhere but on the evidence uploads, which stream to disk.
    let app = pages::router_and_table()
        .0
        .merge(api_router)
        .merge(open311::router_and_table().0)
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        .merge(upload_router.layer(axum::extract::DefaultBodyLimit::disable()))
        .merge(import_router.layer(axum::extract::DefaultBodyLimit::disable()))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::session_layer));
    axum::Router::new()
        .merge(app)
        .merge(utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .route("/healthz", get(observe::healthz))
        .route("/readyz", get(observe::readyz))
        .route("/metrics", get(observe::metrics))
        .route("/assets/{*path}", get(assets::serve))
        .fallback(error::not_found_fallback)
        .layer(axum::middleware::from_fn(observe::track))
        .layer(axum::middleware::from_fn(observe::security_headers))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    // The route template, never the raw path: paths carry ids.
                    let route = req
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map(|p| p.as_str().to_owned());
                    tracing::info_span!("request", method = %req.method(), route = route.as_deref().unwrap_or("-"))
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(axum::middleware::from_fn(observe::with_operation_id))
        .with_state(state)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing open requests");
}
