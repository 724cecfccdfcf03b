//! One mapping from failures to HTTP: a Chinese page for people, `{code, message,
//! operation_id}` JSON for programs, and the operation id in the log line.

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use qinglian_domain::Invalid;
use qinglian_store::StoreError;
use serde::Serialize;

use crate::i18n::{Lang, Tr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("conflict on {field}")]
    Conflict { field: &'static str, value: Option<String> },
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("payload too large")]
    PayloadTooLarge,
    /// The request could not be read: malformed JSON or form, wrong types.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Too many failed attempts from this client; try again later.
    #[error("too many requests")]
    TooManyRequests,
    #[error("unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// The disk (or quota) under the evidence store is full: nothing was stored.
    #[error("storage full")]
    StorageFull,
    /// The body is not of the type the endpoint takes (a tus PATCH is offset+octet-stream).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A protocol version the server does not speak (`Tus-Resumable`).
    #[error("precondition failed: {0}")]
    PreconditionFailed(&'static str),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Invalid(i) => Self::Invalid(i),
            StoreError::Conflict { field, value } => Self::Conflict { field, value },
            // The shared commit failed (e.g. disk full): nothing was written; retrying may work.
            StoreError::Unavailable(_) | StoreError::GroupCommit(_) => Self::Unavailable(e.into()),
            StoreError::Throttled { .. } => Self::TooManyRequests,
            other => Self::Internal(other.into()),
        }
    }
}

/// What a failure is, to people and programs: status, stable code, catalogue key.
pub fn classify(e: &AppError) -> (StatusCode, &'static str, &'static str) {
    match e {
        AppError::NotFound => (StatusCode::NOT_FOUND, "not_found", "error.not_found"),
        AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "error.invalid"),
        AppError::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "error.conflict"),
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "error.unauthenticated"),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "error.forbidden"),
        AppError::Csrf => (StatusCode::FORBIDDEN, "csrf", "error.csrf"),
        AppError::PayloadTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "error.payload_too_large",
        ),
        AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", "error.bad_request"),
        AppError::TooManyRequests => (
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "error.too_many_requests",
        ),
        AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "error.unavailable"),
        AppError::StorageFull => (StatusCode::INSUFFICIENT_STORAGE, "storage_full", "error.storage_full"),
        AppError::UnsupportedMediaType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "error.unsupported_media_type",
        ),
        AppError::PreconditionFailed(_) => (
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "error.precondition_failed",
        ),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "error.internal"),
    }
}

/// One field's problem, as the API reports it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
    /// The rejected value, shortened, when it helps to fix it (never a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub operation_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

impl AppError {
    /// Field-level problems, translated.
    pub fn field_problems(&self, tr: Tr) -> Vec<FieldProblem> {
        match self {
            AppError::Invalid(inv) => inv
                .fields
                .iter()
                .map(|f| FieldProblem {
                    field: f.field.clone(),
                    code: f.key.to_owned(),
                    message: tr.get(f.key).to_owned(),
                    value: f.value.clone(),
                })
                .collect(),
            AppError::Conflict { field, .. } => {
                let key = format!("conflict.{field}");
                vec![FieldProblem {
                    field: (*field).to_owned(),
                    code: "conflict".to_owned(),
                    message: tr.get(&key).to_owned(),
                    value: None,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// Logs the failure once with a fresh operation id and returns the id.
    fn log(&self, status: StatusCode) -> String {
        let op = crate::observe::operation_id();
        if status.is_server_error() {
            tracing::error!(operation_id = %op, status = status.as_u16(), error = ?anyhow_chain(self), "request failed");
        } else {
            tracing::info!(operation_id = %op, status = status.as_u16(), error = %self, "request refused");
        }
        op
    }

    fn body(&self, tr: Tr) -> (StatusCode, ErrorBody) {
        let (status, code, key) = classify(self);
        let operation_id = self.log(status);
        let mut message = tr.get(key).to_owned();
        if let AppError::BadRequest(detail) = self {
            message = format!("{message} {detail}");
        }
        (
            status,
            ErrorBody {
                code: code.to_owned(),
                message,
                operation_id,
                fields: self.field_problems(tr),
            },
        )
    }
}

fn anyhow_chain(e: &AppError) -> String {
    let mut out = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

/// An error answered as JSON (the API).
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self(e.into())
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // API messages are Chinese first, like the pages.
        let (status, body) = self.0.body(Tr::new(Lang::Zh));
        (status, axum::Json(body)).into_response()
    }
}

/// An error answered as a page, in the user's language.
#[derive(Debug)]
pub struct PageError {
    pub error: AppError,
    pub lang: Lang,
}

impl PageError {
    pub fn new(error: impl Into<AppError>, lang: Lang) -> Self {
        Self {
            error: error.into(),
            lang,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    user: Option<crate::auth::UserView>,
    status: u16,
    message: String,
    fields: Vec<FieldProblem>,
    operation_id: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.error, AppError::Unauthenticated) {
            return axum::response::Redirect::to("/login").into_response();
        }
        let tr = Tr::new(self.lang);
        let (status, body) = self.error.body(tr);
        let page = ErrorPage {
            t: tr,
            user: None,
            status: status.as_u16(),
            message: body.message,
            fields: body.fields,
            operation_id: body.operation_id,
        };
        (status, crate::pages::render(&page)).into_response()
    }
}

/// Unknown paths: JSON under `/api`, a page elsewhere.
pub async fn not_found_fallback(uri: Uri, lang: Lang) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(AppError::NotFound).into_response()
    } else {
        PageError::new(AppError::NotFound, lang).into_response()
    }
}

/// Maps axum's extractor rejections so malformed input is a 4xx naming what is wrong.
pub fn from_rejection(status: StatusCode, text: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(text)
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        Self(from_rejection(r.status(), r.body_text()))
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        Self(from_rejection(r.status(), r.body_text()))
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        Self(from_rejection(r.status(), r.body_text()))
    }
}

/// `Json<T>` whose rejections are our JSON errors.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `Query<T>` whose rejections are our JSON errors.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<axum::extract::rejection::FormRejection> for PageError {
    fn from(r: axum::extract::rejection::FormRejection) -> Self {
        PageError::new(from_rejection(r.status(), r.body_text()), Lang::Zh)
    }
}

/// `Form<T>` whose rejections are our error pages.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Form), rejection(PageError))]
pub struct PageForm<T>(pub T);

impl FieldProblem {
    /// The catalogue key of the field's label, for error lists on forms.
    pub fn field_label_key(&self) -> String {
        match self.field.as_str() {
            "division_code" => "org.division_code".to_owned(),
            "name" => "org.name".to_owned(),
            "code" => "org.code".to_owned(),
            "role" => "org.role".to_owned(),
            "posting_unit_id" => "org.posting".to_owned(),
            "home_township_id" => "org.home_township".to_owned(),
            "leader_staff_id" => "org.leader".to_owned(),
            "liaison_office_id" => "org.liaison_office".to_owned(),
            "member_ids" => "org.members".to_owned(),
            "department_ids" => "org.departments".to_owned(),
            "title" | "column" | "source" | "author" | "body" => format!("article.{}", self.field),
            "username" => "login.username".to_owned(),
            "password" => "password.new".to_owned(),
            "current" => "password.current".to_owned(),
            "repeat" => "password.repeat".to_owned(),
            "staff_id" => "nav.staff_list".to_owned(),
            "text" | "category_id" | "village_id" | "meeting_id" | "department_id" | "deadline" | "kind"
            | "complainant_name" | "complainant_phone" | "receipt" | "version" => {
                format!("concern.field.{}", self.field)
            }
            "exclusion" | "reason" | "mandate" | "valid_from" | "valid_until" | "team" | "approved_by"
            | "requested_by" | "authorisation_id" | "team_size" | "target" | "person_name" | "person_unit" => {
                format!("xh.field.{}", self.field)
            }
            "held_on" | "place" | "agenda" | "minutes" | "attendee_ids" | "order" | "start" | "quarter"
            | "convener" => {
                format!("gov.field.{}", self.field)
            }
            "problem" | "actions" | "sign_off" | "file_ids" | "owner_staff_id" | "expected_result" | "period_id" => {
                format!("rectification.field.{}", self.field)
            }
            "campaign_id" | "unit_id" | "case_id" | "found" | "rectified" | "recorded_on" | "form" | "sanction"
            | "funds_seized" | "funds_handed_in" | "decided_on" | "starts_on" | "ends_on" => {
                format!("campaign.field.{}", self.field)
            }
            "month" | "conduct" | "funds" | "projects" | "affairs" | "complaints" | "remarks" | "report" => {
                format!("monthly_report.field.{}", self.field)
            }
            "label" | "frequency" | "grade" | "framework" | "state" | "graded_at" | "file" => {
                format!("rating.field.{}", self.field)
            }
            other => other.to_owned(),
        }
    }
}
