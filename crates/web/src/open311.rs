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

mod wire;

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use qinglian_domain::inspection::CHINA;
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Category, Concern, ConcernFilter, PageRequest};

use crate::api::inspection::{PublicConcern, submit_public};
use crate::auth::ClientAddr;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::routes::{Access, Registrar, RouteSpec};
use crate::state::AppState;
use wire::{Format, Record, Value};

/// The spec's ceiling on one answer of `GET requests`.
const MAX_REQUESTS: usize = 1000;
/// The spec's default window for `GET requests`, and the longest one we serve.
const WINDOW_DAYS: i64 = 90;

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
/// The body as bytes, or why it could not be read (too large), to answer in our format.
type BodyBytes = Result<Bytes, axum::extract::rejection::BytesRejection>;

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

fn service_record(c: &Category, tr: Tr) -> Record {
    vec![
        ("service_code", c.code.as_str().into()),
        ("service_name", c.name.as_str().into()),
        ("description", c.name.as_str().into()),
        // True: every service has the required `meeting_id` attribute (see the definition).
        ("metadata", Value::Bool(true)),
        ("type", "realtime".into()),
        ("keywords", "".into()),
        ("group", tr.get("open311.group").into()),
    ]
}

/// `GET services.{format}`: the concern categories.
async fn services(State(state): State<AppState>, lang: Lang, format: Format) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let cats = state
                .store
                .list_categories()
                .await
                .map_err(|e| (Failure::from_app(e.into(), tr), format))?;
            let records: Vec<Record> = cats.iter().map(|c| service_record(c, tr)).collect();
            Ok(wire::respond(
                format,
                StatusCode::OK,
                wire::render_list(format, "services", "service", &records),
            ))
        }
        .await,
    )
}

/// `GET services/{service_code}.{format}`: the one attribute every concern needs, the
/// on-site meeting it was raised at (the meeting fixes the village).
async fn definition(State(state): State<AppState>, lang: Lang, Path(file): Path<String>) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let (code, format) = split(&file, tr)?;
            let cats = state
                .store
                .list_categories()
                .await
                .map_err(|e| (Failure::from_app(e.into(), tr), format))?;
            let Some(cat) = cats.iter().find(|c| c.code == code) else {
                return Err((
                    Failure::new(StatusCode::NOT_FOUND, tr, "open311.service_code_unknown"),
                    format,
                ));
            };
            let attribute: Record = vec![
                ("variable", Value::Bool(true)),
                ("code", "meeting_id".into()),
                ("datatype", "string".into()),
                ("required", Value::Bool(true)),
                ("datatype_description", tr.get("open311.meeting.datatype").into()),
                ("order", Value::Int(1)),
                ("description", tr.get("open311.meeting.description").into()),
                (
                    "values",
                    Value::List {
                        item: "value",
                        records: Vec::new(),
                    },
                ),
            ];
            let record: Record = vec![
                ("service_code", cat.code.as_str().into()),
                (
                    "attributes",
                    Value::List {
                        item: "attribute",
                        records: vec![attribute],
                    },
                ),
            ];
            Ok(wire::respond(
                format,
                StatusCode::OK,
                wire::render_one(format, "service_definition", &record),
            ))
        }
        .await,
    )
}

/// Form fields by name; a repeated field keeps its first value.
fn form_fields(body: &[u8]) -> Option<HashMap<String, String>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let mut out = HashMap::new();
    for (k, v) in pairs {
        out.entry(k).or_insert(v);
    }
    Some(out)
}

/// The complainant's name from the spec's two fields: family name first, without a space,
/// when either is Chinese; `first last` otherwise.
fn full_name(first: &str, last: &str) -> String {
    let (first, last) = (first.trim(), last.trim());
    if !first.is_ascii() || !last.is_ascii() {
        format!("{last}{first}")
    } else {
        format!("{first} {last}").trim().to_owned()
    }
}

/// `POST requests.{format}`, form-encoded as the spec says: the same path as the QR form
/// (`submit_public`: anonymous actor, receipt stored only as a hash).
///
/// - `service_code` and `description` are required; so is `attribute[meeting_id]` (plain
///   `meeting_id` is accepted too), the meeting the concern is raised at.
/// - `first_name`, `last_name` and `phone` become the optional complainant, seen only by the
///   roles allowed to and every view audited.
/// - `lat`, `long`, `address_string`, `address_id`, `email`, `device_id`, `account_id`,
///   `media_url`, `jurisdiction_id` and `api_key` are accepted and ignored: the meeting fixes
///   the place, we keep no e-mail, and anyone may submit, as with the public form. Unlike the
///   spec we therefore do not require a location.
/// - Creation is synchronous, so the answer carries the `service_request_id` at once, and a
///   `token` too for clients that only follow tokens: the token is the concern's id, which
///   `GET tokens/{token}` resolves to itself. Nothing pends, so a token needs no storage and
///   tells nothing the id does not.
/// - The receipt code, the villager's only way to read their own text and history, is in the
///   `receipt` extension field and in `service_notice`. It is shown here once and never again.
async fn create(
    State(state): State<AppState>,
    lang: Lang,
    ClientAddr(client): ClientAddr,
    body: BodyBytes,
    format: Format,
) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let fail = |f: Failure| (f, format);
            let body = body.map_err(|r| {
                fail(Failure::from_app(
                    crate::error::from_rejection(r.status(), r.body_text()),
                    tr,
                ))
            })?;
            let fields = form_fields(&body).ok_or_else(|| fail(Failure::bad(tr, "open311.form_unreadable")))?;
            let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("").trim();
            let code = field("service_code");
            if code.is_empty() {
                return Err(fail(Failure::bad(tr, "open311.service_code_required")));
            }
            let cats = state
                .store
                .list_categories()
                .await
                .map_err(|e| fail(Failure::from_app(e.into(), tr)))?;
            let Some(cat) = cats.iter().find(|c| c.code == code) else {
                return Err(fail(Failure::bad(tr, "open311.service_code_unknown")));
            };
            let meeting = match field("attribute[meeting_id]") {
                "" => field("meeting_id"),
                m => m,
            };
            if meeting.is_empty() {
                return Err(fail(Failure::bad(tr, "open311.meeting_required")));
            }
            let concern = PublicConcern {
                meeting_id: meeting.to_owned(),
                category_id: cat.id.clone(),
                text: field("description").to_owned(),
                complainant_name: full_name(field("first_name"), field("last_name")),
                complainant_phone: field("phone").to_owned(),
            };
            let (receipt, created) = match submit_public(&state, &client, &concern).await {
                Ok(done) => done,
                // The only thing looked up is the meeting: a parameter of this request, not the
                // resource posted to.
                Err(AppError::NotFound) => return Err(fail(Failure::bad(tr, "open311.meeting_unknown"))),
                Err(e) => return Err(fail(Failure::from_app(e, tr))),
            };
            let receipt = receipt.display();
            let record: Record = vec![
                ("service_request_id", created.id.as_str().into()),
                ("token", created.id.as_str().into()),
                (
                    "service_notice",
                    tr.get("open311.receipt_notice").replace("{receipt}", &receipt).into(),
                ),
                ("account_id", Value::Null),
                ("receipt", receipt.into()),
            ];
            // The spec names no success status; 201 is HTTP's for a created resource.
            Ok(wire::respond(
                format,
                StatusCode::CREATED,
                wire::render_list(format, "service_requests", "request", &[record]),
            ))
        }
        .await,
    )
}

/// When a county reads a time: Beijing time with its offset, as the spec's ISO 8601 subset.
fn w3c(at: &DateTime<Utc>) -> String {
    at.with_timezone(&CHINA).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// An answer deadline is a day; the answer is due by its end, Beijing time.
fn deadline(day: NaiveDate) -> Option<String> {
    day.and_hms_opt(23, 59, 59)
        .and_then(|t| t.and_local_timezone(CHINA).single())
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, false))
}

fn is_closed(state: &str) -> bool {
    matches!(state, "closed" | "closed_not_fixed")
}

/// A concern as the public may read it: no text, no complainant.
fn request_record(c: &Concern, codes: &HashMap<&str, &str>, tr: Tr) -> Record {
    vec![
        ("service_request_id", c.id.as_str().into()),
        ("status", if is_closed(&c.state) { "closed" } else { "open" }.into()),
        ("status_notes", tr.get(format!("concern.state.{}", c.state)).into()),
        ("service_name", c.category_name.as_str().into()),
        ("service_code", codes.get(c.category_id.as_str()).copied().into()),
        // Withheld: the villager's words may name people; the receipt holder reads them.
        ("description", Value::Null),
        ("agency_responsible", c.department_name.clone().into()),
        ("service_notice", c.on_spot.then(|| tr.get("concern.on_spot")).into()),
        ("requested_datetime", w3c(&c.created_at).into()),
        ("updated_datetime", w3c(&c.updated_at).into()),
        ("expected_datetime", c.answer_deadline.and_then(deadline).into()),
        ("address", format!("{}{}", c.township_name, c.village_name).into()),
        ("address_id", Value::Null),
        ("zipcode", Value::Null),
        ("lat", Value::Null),
        ("long", Value::Null),
        ("media_url", Value::Null),
    ]
}

fn requests_answer(format: Format, records: &[Record]) -> Response {
    wire::respond(
        format,
        StatusCode::OK,
        wire::render_list(format, "service_requests", "request", records),
    )
}

/// The query of `GET requests`, parsed: what to match and the window to look in.
struct Wanted {
    ids: Vec<String>,
    category_ids: Option<HashSet<String>>,
    open: bool,
    closed: bool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

fn parse_time(raw: &str, tr: Tr) -> Result<DateTime<Utc>, Failure> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Failure::bad(tr, "open311.date_invalid"))
}

fn commas(raw: Option<&String>) -> Vec<&str> {
    raw.map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

fn wanted(q: &HashMap<String, String>, cats: &[Category], tr: Tr) -> Result<Wanted, Failure> {
    let ids = commas(q.get("service_request_id"))
        .into_iter()
        .take(MAX_REQUESTS)
        .map(str::to_owned)
        .collect();
    let codes = commas(q.get("service_code"));
    let category_ids = if codes.is_empty() {
        None
    } else {
        let mut set = HashSet::new();
        for code in codes {
            let cat = cats
                .iter()
                .find(|c| c.code == code)
                .ok_or_else(|| Failure::bad(tr, "open311.service_code_unknown"))?;
            set.insert(cat.id.clone());
        }
        Some(set)
    };
    let statuses = commas(q.get("status"));
    if statuses.iter().any(|s| !matches!(*s, "open" | "closed")) {
        return Err(Failure::bad(tr, "open311.status_invalid"));
    }
    let open = statuses.is_empty() || statuses.contains(&"open");
    let closed = statuses.is_empty() || statuses.contains(&"closed");
    let given = |k: &str| q.get(k).filter(|s| !s.trim().is_empty());
    let start = given("start_date").map(|s| parse_time(s, tr)).transpose()?;
    let end = given("end_date").map(|s| parse_time(s, tr)).transpose()?;
    let window = Duration::days(WINDOW_DAYS);
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, Utc::now().min(s + window)),
        (None, Some(e)) => (e - window, e),
        (None, None) => {
            let now = Utc::now();
            (now - window, now)
        }
    };
    if start > end || end - start > window {
        return Err(Failure::bad(tr, "open311.date_range"));
    }
    Ok(Wanted {
        ids,
        category_ids,
        open,
        closed,
        start,
        end,
    })
}

/// `GET requests.{format}`: the register, newest first, at most 1,000 and at most 90 days.
/// With `service_request_id` the other filters are ignored, as the spec says.
async fn list(State(state): State<AppState>, lang: Lang, RawQuery(raw): RawQuery, format: Format) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let fail = |f: Failure| (f, format);
            let q: HashMap<String, String> =
                serde_urlencoded::from_str::<Vec<(String, String)>>(raw.as_deref().unwrap_or(""))
                    .map_err(|_| fail(Failure::bad(tr, "open311.query_unreadable")))?
                    .into_iter()
                    .collect();
            let store_fail = |e: qinglian_store::StoreError| fail(Failure::from_app(e.into(), tr));
            let cats = state.store.list_categories().await.map_err(store_fail)?;
            let codes: HashMap<&str, &str> = cats.iter().map(|c| (c.id.as_str(), c.code.as_str())).collect();
            let want = wanted(&q, &cats, tr).map_err(fail)?;
            let everyone = Reach::everything();
            let mut records = Vec::new();
            if !want.ids.is_empty() {
                for id in &want.ids {
                    match state.store.get_concern(&everyone, id).await {
                        Ok(c) => records.push(request_record(&c, &codes, tr)),
                        Err(qinglian_store::StoreError::NotFound) => {}
                        Err(e) => return Err(store_fail(e)),
                    }
                }
                return Ok(requests_answer(format, &records));
            }
            // The store filters by one category; several, the window and open/closed are
            // matched here while walking the list newest first.
            let filter = ConcernFilter {
                category_id: want
                    .category_ids
                    .as_ref()
                    .filter(|s| s.len() == 1)
                    .and_then(|s| s.iter().next().cloned()),
                ..ConcernFilter::default()
            };
            let per_page = PageRequest::MAX_LIMIT as u32;
            let mut seen = HashSet::new();
            'pages: for page in 1.. {
                let batch = state
                    .store
                    .list_concerns(&everyone, &filter, PageRequest::new(page, per_page))
                    .await
                    .map_err(store_fail)?;
                let last = batch.items.len() < per_page as usize;
                for c in batch.items {
                    if c.created_at < want.start {
                        break 'pages;
                    }
                    // A concern logged while we page shifts the pages: never list one twice.
                    if c.created_at > want.end || !seen.insert(c.id.clone()) {
                        continue;
                    }
                    let status_ok = if is_closed(&c.state) { want.closed } else { want.open };
                    let code_ok = want.category_ids.as_ref().is_none_or(|s| s.contains(&c.category_id));
                    if status_ok && code_ok {
                        records.push(request_record(&c, &codes, tr));
                        if records.len() == MAX_REQUESTS {
                            break 'pages;
                        }
                    }
                }
                if last {
                    break;
                }
            }
            Ok(requests_answer(format, &records))
        }
        .await,
    )
}

/// `GET requests/{id}.{format}`: one concern, as a list of one (the spec's shape).
async fn one(State(state): State<AppState>, lang: Lang, Path(file): Path<String>) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let (id, format) = split(&file, tr)?;
            let c = state
                .store
                .get_concern(&Reach::everything(), id)
                .await
                .map_err(|e| (Failure::from_app(e.into(), tr), format))?;
            let cats = state
                .store
                .list_categories()
                .await
                .map_err(|e| (Failure::from_app(e.into(), tr), format))?;
            let codes: HashMap<&str, &str> = cats.iter().map(|c| (c.id.as_str(), c.code.as_str())).collect();
            Ok(requests_answer(format, &[request_record(&c, &codes, tr)]))
        }
        .await,
    )
}

/// `GET tokens/{token}.{format}`: our tokens are concern ids (see `create`), so a token
/// resolves to itself when the concern exists and is 404 otherwise.
async fn token(State(state): State<AppState>, lang: Lang, Path(file): Path<String>) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let (token, format) = split(&file, tr)?;
            let c = match state.store.get_concern(&Reach::everything(), token).await {
                Ok(c) => c,
                Err(qinglian_store::StoreError::NotFound) => {
                    return Err((Failure::new(StatusCode::NOT_FOUND, tr, "open311.token_unknown"), format));
                }
                Err(e) => return Err((Failure::from_app(e.into(), tr), format)),
            };
            let record: Record = vec![
                ("service_request_id", c.id.as_str().into()),
                ("token", c.id.as_str().into()),
            ];
            Ok(requests_answer(format, &[record]))
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_script() {
        assert_eq!(full_name("某", "王"), "王某");
        assert_eq!(full_name("Li", "Wang"), "Li Wang");
        assert_eq!(full_name("", ""), "");
        assert_eq!(full_name(" 某 ", ""), "某");
    }

    #[test]
    fn deadlines_end_the_day_in_beijing() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 3);
        assert_eq!(day.and_then(deadline).as_deref(), Some("2026-11-03T23:59:59+08:00"));
    }
}
