//! The public concern register as an Open311 GeoReport v2 endpoint, so third-party 311 apps
//! can read the register and submit concerns the way the meeting's QR form does.
//!
//! Mapping (see `docs/architecture.md`, "Open311"):
//! - a service is a concern category (`service_code` = the category's code);
//! - a service request is a concern (`service_request_id` = the concern's id);
//! - what a reader sees is what the public register shows: state, category, village,
//!   department, dates. Never the villager's text (`description` is always null: it may name
//!   people) and never who raised it; only the holder of the receipt reads the text, at
//!   `/receipt`.

mod read;
mod services;
mod submit;
mod wire;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use crate::auth::ClientAddr;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::routes::{Access, Registrar, RouteSpec};
use crate::state::AppState;
use read::{list, one, token};
use services::{definition, services};
use submit::{BodyBytes, create};
use wire::{Format, Record, Value};

/// The Open311 routes and their access: all public, like the QR form and the register.
pub fn router_and_table() -> (Router<AppState>, Vec<RouteSpec>) {
    use Access::Public;
    Registrar::new()
        .route(
            "/open311/v2/services.json",
            get(|s: State<AppState>, l: Lang| services(s, l, Format::Json)),
            &[("GET", Public)],
        )
        .route(
            "/open311/v2/services.xml",
            get(|s: State<AppState>, l: Lang| services(s, l, Format::Xml)),
            &[("GET", Public)],
        )
        .route("/open311/v2/services/{file}", get(definition), &[("GET", Public)])
        .route(
            "/open311/v2/requests.json",
            get(|s: State<AppState>, l: Lang, q: RawQuery| list(s, l, q, Format::Json))
                .post(|s: State<AppState>, l: Lang, c: ClientAddr, b: BodyBytes| create(s, l, c, b, Format::Json)),
            &[("GET", Public), ("POST", Public)],
        )
        .route(
            "/open311/v2/requests.xml",
            get(|s: State<AppState>, l: Lang, q: RawQuery| list(s, l, q, Format::Xml))
                .post(|s: State<AppState>, l: Lang, c: ClientAddr, b: BodyBytes| create(s, l, c, b, Format::Xml)),
            &[("GET", Public), ("POST", Public)],
        )
        .route("/open311/v2/requests/{file}", get(one), &[("GET", Public)])
        .route("/open311/v2/tokens/{file}", get(token), &[("GET", Public)])
        .into_parts()
}

/// Why a request failed, answered as the spec's `errors` list in the requested format.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    descriptions: Vec<String>,
}

impl Failure {
    fn new(status: StatusCode, tr: Tr, key: &str) -> Self {
        Self {
            status,
            descriptions: vec![tr.get(key)],
        }
    }

    fn bad(tr: Tr, key: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, tr, key)
    }

    /// An application error in Open311 terms: bad parameters are 400 (the spec's code for
    /// them), each field named as the client sent it; server failures are logged with the
    /// operation id the description carries.
    fn from_app(e: AppError, tr: Tr) -> Self {
        let (status, _, key) = crate::error::classify(&e);
        match e {
            AppError::Invalid(inv) => Self {
                status: StatusCode::BAD_REQUEST,
                descriptions: inv
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", open311_field(&f.field), tr.get(f.key)))
                    .collect(),
            },
            e if status.is_server_error() => {
                let op = crate::observe::operation_id();
                tracing::error!(operation_id = %op, error = ?e, "Open311 request failed");
                Self {
                    status,
                    descriptions: vec![format!("{} ({op})", tr.get(key))],
                }
            }
            _ => Self::new(status, tr, key),
        }
    }

    fn into_response(self, format: Format) -> Response {
        let code = i64::from(self.status.as_u16());
        let records: Vec<Record> = self
            .descriptions
            .into_iter()
            .map(|d| vec![("code", Value::Int(code)), ("description", Value::Text(d))])
            .collect();
        wire::respond(
            format,
            self.status,
            wire::render_list(format, "errors", "error", &records),
        )
    }
}

/// Our field names as the Open311 client knows them.
fn open311_field(field: &str) -> &str {
    match field {
        "text" => "description",
        "category_id" => "service_code",
        "meeting_id" => "attribute[meeting_id]",
        "complainant_name" => "first_name/last_name",
        "complainant_phone" => "phone",
        other => other,
    }
}

type Answer = Result<Response, (Failure, Format)>;

fn finish(answer: Answer) -> Response {
    answer.unwrap_or_else(|(failure, format)| failure.into_response(format))
}

/// `{stem}.{json|xml}` from a path segment; another extension is 404 (as JSON: there is no
/// format to answer in).
fn split(file: &str, tr: Tr) -> Result<(&str, Format), (Failure, Format)> {
    Format::split(file).ok_or_else(|| {
        (
            Failure::new(StatusCode::NOT_FOUND, tr, "open311.format_unknown"),
            Format::Json,
        )
    })
}
