//! The system administrator's page for sign-in policy: which roles need a second factor.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::role::Role;

use super::render;
use crate::auth::{Can, UserView, cap};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/security.html")]
struct SecurityPage {
    t: Tr,
    user: Option<UserView>,
    /// Role code, label key, whether a second factor is required.
    roles: Vec<(&'static str, String, bool)>,
}

pub async fn page(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
) -> Result<Response, PageError> {
    let required = state
        .store
        .roles_requiring_totp()
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let roles = Role::ALL
        .iter()
        .map(|r| {
            (
                r.as_str(),
                format!("role.{}", r.as_str()),
                required.iter().any(|q| q == r.as_str()),
            )
        })
        .collect();
    Ok(render(&SecurityPage {
        t,
        user: Some(user.view()),
        roles,
    }))
}

pub async fn save(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|e| PageError::new(AppError::BadRequest(e.to_string()), t.lang))?;
    let mut ticked = Vec::new();
    for (k, v) in pairs.into_iter().filter(|(k, _)| k == "require_totp") {
        ticked.push(Role::parse(&k, &v).map_err(|e| PageError::new(e, t.lang))?);
    }
    for role in Role::ALL {
        state
            .store
            .set_role_requires_totp(&user.actor, role.as_str(), ticked.contains(&role))
            .await
            .map_err(|e| PageError::new(e, t.lang))?;
    }
    tracing::info!(by = %user.session.account_id, roles = ?ticked.iter().map(|r| r.as_str()).collect::<Vec<_>>(), "second-factor policy changed");
    Ok(Redirect::to("/staff/admin/security").into_response())
}
