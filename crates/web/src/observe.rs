//! Operations endpoints and request metrics: liveness, readiness, Prometheus.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// The process-wide recorder: metrics are global, and tests start many servers in one process.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (embedding); then ours only renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers too.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// Counts requests and their latency by route template (never by raw path, which holds ids).
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("qinglian_http_requests_total", &labels).increment(1);
    metrics::histogram!("qinglian_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// Headers every response carries: no sniffing, no framing, no third-party sources.
pub async fn security_headers(req: Request, next: Next) -> Response {
    use axum::http::header::{HeaderName, HeaderValue};
    let swagger = req.uri().path().starts_with("/api/docs");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    h.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if !swagger {
        // Styles may be inline (htmx adds its indicator style); scripts only from our assets.
        h.insert(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
    response
}

tokio::task_local! {
    static OPERATION_ID: String;
}

/// The id of the request being served: shown to the user on errors, written to the log and to
/// every audit row of the request.
pub fn operation_id() -> String {
    OPERATION_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::now_v7().simple().to_string())
}

/// Gives each request its operation id, echoed in the `x-operation-id` response header.
pub async fn with_operation_id(req: Request, next: Next) -> Response {
    let op = uuid::Uuid::now_v7().simple().to_string();
    let span = tracing::info_span!("op", operation_id = %op);
    let mut response = {
        use tracing::Instrument;
        OPERATION_ID.scope(op.clone(), next.run(req)).instrument(span).await
    };
    if let Ok(v) = axum::http::HeaderValue::from_str(&op) {
        response.headers_mut().insert("x-operation-id", v);
    }
    response
}
