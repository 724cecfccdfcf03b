//! Server-rendered pages: the public portal and the staff area.

mod accounts;
mod articles;
mod audit;
mod login;
mod org;
mod people;
mod portal;
mod second_factor;
mod security;
mod staff;
mod zones;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::state::AppState;

pub fn public_router() -> Router<AppState> {
    Router::new()
        .route("/", get(portal::home))
        .route("/articles", get(portal::column))
        .route("/articles/{id}", get(portal::article))
        .route("/login", get(login::form).post(login::submit))
        .route("/login/totp", get(second_factor::form).post(second_factor::submit))
}

pub fn staff_router() -> Router<AppState> {
    Router::new()
        .route("/logout", post(login::logout))
        .route("/staff", get(staff::home))
        .route("/staff/admin/security", get(security::page).post(security::save))
        .route("/staff/admin/accounts", get(accounts::list).post(accounts::create))
        .route("/staff/admin/accounts/{id}/disable", post(accounts::disable))
        .route("/staff/admin/accounts/{id}/enable", post(accounts::enable))
        .route("/staff/admin/accounts/{id}/reset-totp", post(accounts::reset_totp))
        .route("/account/password", get(accounts::password_form).post(accounts::change_password))
        .route("/staff/audit", get(audit::page))
        .route("/staff/audit/export.xlsx", get(audit::export))
        .route("/staff/practice/{practice}", get(staff::practice))
        .route("/staff/org/townships", get(org::townships).post(org::create_township))
        .route("/staff/org/townships/{id}", get(org::township))
        .route("/staff/org/townships/{id}/rename", post(org::rename_township))
        .route("/staff/org/villages", get(org::villages).post(org::create_village))
        .route(
            "/staff/org/departments",
            get(org::departments).post(org::create_department),
        )
        .route("/staff/org/offices", get(org::offices).post(org::create_office))
        .route("/staff/org/groups", get(org::groups))
        .route("/staff/org/zones", get(zones::list).post(zones::create))
        .route("/staff/org/zones/new", get(zones::new_form))
        .route("/staff/org/zones/{id}", get(zones::edit_form).post(zones::update))
        .route("/staff/org/staff", get(people::list).post(people::create))
        .route("/staff/articles", get(articles::list).post(articles::create))
        .route("/staff/articles/new", get(articles::new_form))
        .route("/staff/articles/{id}", get(articles::edit_form).post(articles::update))
        .route("/staff/articles/{id}/preview", get(articles::preview))
        .route("/staff/articles/{id}/publish", post(articles::publish))
        .route("/staff/articles/{id}/unpublish", post(articles::unpublish))
}

/// Renders a template; a rendering failure is logged and answered as a plain 500.
pub fn render<T: askama::Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            let op = crate::observe::operation_id();
            tracing::error!(operation_id = %op, error = %e, "template rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("internal error, operation id {op}"),
            )
                .into_response()
        }
    }
}

/// Renders with a status (e.g. 422 for a form with errors).
pub fn render_status<T: askama::Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

/// `?page=` for paged lists.
#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub page: Option<u32>,
    pub q: Option<String>,
    pub column: Option<String>,
}

/// Previous/next links under a list.
pub struct Pager {
    pub total: i64,
    pub prev: Option<u32>,
    pub next: Option<u32>,
    /// The list's URL up to and including `?` or `&`, ready for `page=`.
    pub base: String,
}

impl Pager {
    pub fn new(base: String, page: u32, per_page: u32, total: i64) -> Self {
        let page = page.max(1);
        let shown = i64::from(page) * i64::from(per_page);
        Self {
            total,
            prev: (page > 1).then(|| page - 1),
            next: (shown < total).then(|| page + 1),
            base,
        }
    }
}
