//! Open311 reads: `GET requests` with its filters, one request, and tokens; only what the
//! public register shows.

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use qinglian_domain::inspection::CHINA;
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Category, Concern, ConcernFilter, PageRequest};

use super::wire::{self, Format, Record, Value};
use super::{Failure, finish, split};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

/// The spec's ceiling on one answer of `GET requests`.
const MAX_REQUESTS: usize = 1000;
/// The spec's default window for `GET requests`, and the longest one we serve.
const WINDOW_DAYS: i64 = 90;

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
pub(super) async fn list(
    State(state): State<AppState>,
    lang: Lang,
    RawQuery(raw): RawQuery,
    format: Format,
) -> Response {
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
pub(super) async fn one(State(state): State<AppState>, lang: Lang, Path(file): Path<String>) -> Response {
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
pub(super) async fn token(State(state): State<AppState>, lang: Lang, Path(file): Path<String>) -> Response {
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
    fn deadlines_end_the_day_in_beijing() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 3);
        assert_eq!(day.and_then(deadline).as_deref(), Some("2026-11-03T23:59:59+08:00"));
    }
}
