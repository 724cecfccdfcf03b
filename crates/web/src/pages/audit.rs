//! The auditor's view of the audit trail: filter, page through, export to Excel. Reading the
//! trail is itself recorded.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use qinglian_domain::Invalid;
use qinglian_domain::audit::{AuditAction, AuditResult};
use qinglian_store::model::{AuditEvent, AuditFilter, PageRequest};
use serde::Deserialize;

use super::{Pager, render};
use crate::auth::{Can, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError};
use crate::i18n::Tr;
use crate::state::AppState;

/// Most rows one export holds; a wider filter is refused rather than cut short.
pub const EXPORT_LIMIT: i64 = 100_000;
const PER_PAGE: u32 = 100;

#[derive(Debug, Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    page: Option<u32>,
}

impl AuditQuery {
    /// Dates are whole days in China Standard Time; `to` includes its day.
    fn filter(&self) -> Result<AuditFilter, Invalid> {
        let day = |field: &str, s: &str| -> Result<Option<DateTime<Utc>>, Invalid> {
            if s.trim().is_empty() {
                return Ok(None);
            }
            let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| Invalid::field(field, "audit.bad_date", Some(s)))?;
            let midnight_cst = d.and_hms_opt(0, 0, 0).map(|t| t.and_utc() - chrono::Duration::hours(8));
            Ok(midnight_cst)
        };
        let from = day("from", &self.from);
        let to = day("to", &self.to).map(|t| t.map(|t| t + chrono::Duration::days(1)));
        Invalid::collect([from.as_ref().err().cloned(), to.as_ref().err().cloned()])?;
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(AuditFilter {
            from: from.ok().flatten(),
            to: to.ok().flatten(),
            action: opt(&self.action),
            actor: opt(&self.actor),
            object_id: None,
        })
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("from", &self.from),
            ("to", &self.to),
            ("action", &self.action),
            ("actor", &self.actor),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    t: Tr,
    user: Option<UserView>,
    q: AuditQuery,
    query_string: String,
    actions: Vec<&'static str>,
    events: Vec<EventRow>,
    errors: Vec<FieldProblem>,
    pager: Pager,
}

/// An event as shown: the time in China Standard Time.
struct EventRow {
    at: String,
    actor_name: String,
    role: String,
    action: String,
    object_type: String,
    object_id: Option<String>,
    detail: Option<String>,
    result: String,
    operation_id: String,
    client_addr: Option<String>,
}

fn cst(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string()
}

impl From<AuditEvent> for EventRow {
    fn from(e: AuditEvent) -> Self {
        Self {
            at: cst(e.at),
            actor_name: e.actor_name,
            role: e.role,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            detail: e.detail,
            result: e.result,
            operation_id: e.operation_id,
            client_addr: e.client_addr,
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ReadAudit>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let page_no = q.page.unwrap_or(1);
    let (events, total, errors) = match q.filter() {
        Ok(filter) => {
            let page = state
                .store
                .list_audit(&filter, PageRequest::new(page_no, PER_PAGE))
                .await
                .map_err(err)?;
            (page.items, page.total, Vec::new())
        }
        Err(e) => (Vec::new(), 0, AppError::from(e).field_problems(t)),
    };
    let detail = q.query_string();
    state
        .store
        .record_audit(
            &user.actor,
            AuditAction::AuditView,
            None,
            AuditResult::Ok,
            Some(&detail),
        )
        .await
        .map_err(err)?;
    let pager = Pager::new(format!("/staff/audit?{}&", q.query_string()), page_no, PER_PAGE, total);
    Ok(render(&AuditPage {
        t,
        user: Some(user.view()),
        query_string: q.query_string(),
        q,
        actions: AuditAction::ALL.iter().map(|a| a.as_str()).collect(),
        events: events.into_iter().map(EventRow::from).collect(),
        errors,
        pager,
    }))
}

pub async fn export(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ReadAudit>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let filter = q.filter().map_err(|e| PageError::new(e, t.lang))?;
    let first = state
        .store
        .list_audit(&filter, PageRequest::new(1, PageRequest::MAX_LIMIT as u32))
        .await
        .map_err(err)?;
    if first.total > EXPORT_LIMIT {
        let e = Invalid::field("to", "audit.too_many", None);
        return Err(PageError::new(e, t.lang));
    }
    let mut events = first.items;
    let mut page_no = 2;
    while (events.len() as i64) < first.total {
        let more = state
            .store
            .list_audit(&filter, PageRequest::new(page_no, PageRequest::MAX_LIMIT as u32))
            .await
            .map_err(err)?;
        if more.items.is_empty() {
            break;
        }
        events.extend(more.items);
        page_no += 1;
    }
    let bytes = workbook(&events, t).map_err(|e| PageError::new(AppError::Internal(e), t.lang))?;
    let detail = format!("{} rows; {}", events.len(), q.query_string());
    state
        .store
        .record_audit(
            &user.actor,
            AuditAction::AuditExport,
            None,
            AuditResult::Ok,
            Some(&detail),
        )
        .await
        .map_err(err)?;
    let name = format!(
        "attachment; filename=\"audit-{}.xlsx\"",
        Utc::now().format("%Y%m%d-%H%M%S")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

fn workbook(events: &[AuditEvent], t: Tr) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(t.get("audit.title"))?;
    let headers = [
        "audit.at",
        "audit.actor",
        "org.role",
        "audit.action",
        "audit.object",
        "audit.result",
        "error.operation_id",
        "audit.client",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, t.get(h))?;
    }
    sheet.write_string(0, headers.len() as u16, "detail")?;
    for (i, e) in events.iter().enumerate() {
        let r = i as u32 + 1;
        let object = match &e.object_id {
            Some(id) => format!("{} {id}", e.object_type),
            None => e.object_type.clone(),
        };
        let cells = [
            cst(e.at),
            e.actor_name.clone(),
            e.role.clone(),
            e.action.clone(),
            object,
            e.result.clone(),
            e.operation_id.clone(),
            e.client_addr.clone().unwrap_or_default(),
            e.detail.clone().unwrap_or_default(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r, c as u16, v)?;
        }
    }
    Ok(book.save_to_buffer()?)
}
