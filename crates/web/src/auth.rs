//! Sessions and the signed-in user: a server-side session per sign-in, its token only in an
//! HttpOnly SameSite=Strict cookie and only as a hash in the database, and a CSRF token that
//! every state-changing request must echo.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use qinglian_domain::access::{Action, may};
use qinglian_domain::audit::{AuditAction, AuditResult};
use qinglian_domain::role::Role;
use qinglian_store::model::{Actor, SessionUser};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, AppError, PageError};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "ql_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "_csrf";

/// The signed-in member of staff, put on the request by `session_layer`.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub session: SessionUser,
    pub role: Role,
    pub token_hash: String,
    /// Who the audit trail names for what this request does.
    pub actor: Actor,
}

impl CurrentUser {
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if may(self.role, action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn may(&self, action: Action) -> bool {
        may(self.role, action)
    }

    pub fn view(&self) -> UserView {
        UserView {
            name: self.session.staff_name.clone(),
            role_key: format!("role.{}", self.role.as_str()),
            csrf: self.session.csrf_token.clone(),
            may_read_org: self.may(Action::ReadOrg),
            may_edit_org: self.may(Action::EditOrg),
            may_edit_articles: self.may(Action::EditArticles),
            may_manage_security: self.may(Action::ManageSecurity),
            may_read_audit: self.may(Action::ReadAudit),
            may_read_inspection: self.may(Action::ReadInspection),
            may_read_cases: self.may(Action::ReadCases),
            may_form_teams: self.may(Action::ManageCases),
            may_declare_ties: self.may(Action::DeclareTies),
            may_read_statistics: self.may(Action::ReadStatistics),
            may_read_rating: self.may(Action::ReadRating),
            may_read_rectification: self.may(Action::ReadRectification),
        }
    }
}

/// What templates show of the user.
#[derive(Debug, Clone)]
pub struct UserView {
    pub name: String,
    pub role_key: String,
    pub csrf: String,
    pub may_read_org: bool,
    pub may_edit_org: bool,
    pub may_edit_articles: bool,
    pub may_manage_security: bool,
    pub may_read_audit: bool,
    pub may_read_inspection: bool,
    pub may_read_cases: bool,
    /// Cross-handling: form teams, see proposals (case managers).
    pub may_form_teams: bool,
    pub may_declare_ties: bool,
    pub may_read_statistics: bool,
    pub may_read_rating: bool,
    pub may_read_rectification: bool,
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 244 random bits from the OS generator, as hex.
pub fn new_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let max_age = state.absolute_timeout().num_seconds();
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

pub fn clear_cookie(state: &AppState) -> String {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

fn refuse(path: &str, error: AppError, lang: Lang) -> Response {
    if path.starts_with("/api/") {
        ApiError(error).into_response()
    } else {
        PageError::new(error, lang).into_response()
    }
}

/// Loads the session behind the cookie and checks CSRF on every state-changing request.
pub async fn session_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let lang = Lang::from_request_parts(&mut parts, &state).await.unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let client = client_addr(&parts, &state);
    let user = match cookie_value(&parts.headers, SESSION_COOKIE) {
        Some(token) => match load_user(&state, token, client).await {
            Ok(u) => u,
            Err(e) => return refuse(&path, e, lang),
        },
        None => None,
    };
    let mut body = body;
    if let Some(u) = &user
        && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
    {
        match check_csrf(&state, &parts, body, &u.session.csrf_token).await {
            Ok(b) => body = b,
            Err(e) => return refuse(&path, e, lang),
        }
    }
    let actor = user.as_ref().map(|u| u.actor.clone());
    if let Some(u) = user {
        parts.extensions.insert(u);
    }
    let method = parts.method.clone();
    let response = next.run(Request::from_parts(parts, body)).await;
    // Every refusal of a signed-in user is on the record, in one place.
    if response.status() == axum::http::StatusCode::FORBIDDEN
        && let Some(actor) = actor
    {
        let detail = format!("{method} {path}");
        let recorded = state
            .store
            .record_audit(
                &actor,
                AuditAction::AccessDenied,
                None,
                AuditResult::Denied,
                Some(&detail),
            )
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, "could not record a refusal in the audit trail");
        }
    }
    response
}

async fn load_user(state: &AppState, token: &str, client: String) -> Result<Option<CurrentUser>, AppError> {
    let now = Utc::now();
    let token_hash = hash_token(token);
    let Some(session) = state
        .store
        .session_user(&token_hash, now, now - state.idle_timeout())
        .await?
    else {
        return Ok(None);
    };
    // A session that still owes the second factor signs nobody in.
    if session.stage != "full" {
        return Ok(None);
    }
    // Writing on every request would serialise reads behind the writer; a minute is precise enough.
    if now - session.last_seen_at > chrono::Duration::seconds(60) {
        state.store.touch_session(&token_hash, now).await?;
    }
    let role = Role::parse("role", &session.role)?;
    let actor = session_actor(&session, &client);
    Ok(Some(CurrentUser {
        session,
        role,
        token_hash,
        actor,
    }))
}

/// Accepts the token from the header (htmx, API clients) or the form field (plain forms).
async fn check_csrf(state: &AppState, parts: &Parts, body: Body, expected: &str) -> Result<Body, AppError> {
    if let Some(h) = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_eq(h, expected) {
            Ok(body)
        } else {
            Err(AppError::Csrf)
        };
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::Csrf);
    }
    let bytes = axum::body::to_bytes(body, state.settings.max_body_bytes)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let found = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v));
    match found {
        Some(t) if constant_eq(&t, expected) => Ok(Body::from(bytes)),
        _ => Err(AppError::Csrf),
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The user for staff pages: without a session the page redirects to sign-in.
pub struct Staff(pub CurrentUser, pub Tr);

impl FromRequestParts<AppState> for Staff {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_request_parts(parts, state).await.unwrap_or_default();
        match parts.extensions.get::<CurrentUser>() {
            Some(u) => Ok(Staff(u.clone(), Tr::new(lang))),
            None => Err(PageError::new(AppError::Unauthenticated, lang)),
        }
    }
}

/// The user for the JSON API: without a session the answer is 401.
pub struct ApiStaff(pub CurrentUser);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .map(ApiStaff)
            .ok_or(ApiError(AppError::Unauthenticated))
    }
}

/// A session that has passed the password and still owes the second factor.
pub struct PendingSession {
    pub token_hash: String,
    pub session: SessionUser,
}

/// The pending session behind the cookie, if there is one.
pub async fn pending_session(state: &AppState, headers: &HeaderMap) -> Result<Option<PendingSession>, AppError> {
    let Some(token) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let now = Utc::now();
    let token_hash = hash_token(token);
    let session = state
        .store
        .session_user(&token_hash, now, now - state.idle_timeout())
        .await?;
    Ok(session
        .filter(|s| s.stage != "full")
        .map(|session| PendingSession { token_hash, session }))
}

pub fn csrf_matches(given: &str, expected: &str) -> bool {
    constant_eq(given, expected)
}

/// The client's address: the connection's, or the trusted proxy header's last hop.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts, state)))
    }
}

/// The connection's address, or the last hop of the trusted proxy header when one is set.
fn client_addr(parts: &Parts, state: &AppState) -> String {
    let header = state.settings.client_ip_header.trim();
    if !header.is_empty()
        && let Some(v) = parts.headers.get(header).and_then(|v| v.to_str().ok())
        && let Some(last) = v.rsplit(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return last.to_owned();
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The actor behind a session (also a pending one, during the second factor).
pub fn session_actor(session: &SessionUser, client: &str) -> Actor {
    Actor {
        account_id: Some(session.account_id.clone()),
        staff_id: Some(session.staff_id.clone()),
        name: session.staff_name.clone(),
        role: session.role.clone(),
        operation_id: crate::observe::operation_id(),
        client_addr: Some(client.to_owned()),
    }
}

/// An actor for requests without a signed-in user (sign-in itself, the second factor).
pub fn anonymous_actor(name: &str, client: &str) -> Actor {
    Actor {
        account_id: None,
        staff_id: None,
        name: name.to_owned(),
        role: "anonymous".to_owned(),
        operation_id: crate::observe::operation_id(),
        client_addr: Some(client.to_owned()),
    }
}

/// The actor for a villager's own acts (a concern, a confirmation): no address is recorded,
/// since nothing may identify a complainant who chose to stay anonymous.
pub fn villager_actor(name: &str) -> Actor {
    Actor {
        account_id: None,
        staff_id: None,
        name: name.to_owned(),
        role: "villager".to_owned(),
        operation_id: crate::observe::operation_id(),
        client_addr: None,
    }
}

/// The user if signed in, for public pages that greet them.
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<CurrentUser>().cloned()))
    }
}

/// A right, as a type: a handler that takes `ApiCan<cap::EditOrg>` cannot run for a user
/// without it, and the check happens before the request body is even read.
pub trait Capability: Send + Sync + 'static {
    const ACTION: Action;
}

/// The capabilities handlers ask for, one type per `Action`.
pub mod cap {
    use super::{Action, Capability};

    macro_rules! capability {
        ($($name:ident),*) => {$(
            #[derive(Debug)]
            pub struct $name;
            impl Capability for $name {
                const ACTION: Action = Action::$name;
            }
        )*};
    }
    capability!(
        ReadOrg,
        EditOrg,
        EditArticles,
        ManageSecurity,
        ReadAudit,
        ReadInspection,
        ManageInspection,
        RunMeeting,
        ReadComplainant,
        ActOnConcern,
        ReadCases,
        ManageCases,
        ConductInterview,
        RevealWitness,
        HandleEvidence,
        ExportEvidence,
        DeclareTies,
        ApproveOverride,
        ReadZoneGovernance,
        ManageZoneGovernance,
        WriteTermReport,
        ReadStatistics,
        ManageCampaigns,
        ReadRating,
        EnterRatingValues,
        ReviewRating,
        ReadRectification,
        IssueRectification
    );
}

/// The signed-in user, proven to hold capability `C`, for the JSON API.
pub struct ApiCan<C>(pub CurrentUser, pub std::marker::PhantomData<C>);

impl<C: Capability> FromRequestParts<AppState> for ApiCan<C> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ApiStaff(user) = ApiStaff::from_request_parts(parts, state).await?;
        user.require(C::ACTION)?;
        Ok(ApiCan(user, std::marker::PhantomData))
    }
}

/// The signed-in user, proven to hold capability `C`, for staff pages.
pub struct Can<C>(pub CurrentUser, pub Tr, pub std::marker::PhantomData<C>);

impl<C: Capability> FromRequestParts<AppState> for Can<C> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Staff(user, tr) = Staff::from_request_parts(parts, state).await?;
        user.require(C::ACTION).map_err(|e| PageError::new(e, tr.lang))?;
        Ok(Can(user, tr, std::marker::PhantomData))
    }
}
