//! Sign-in and sign-out for staff.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use qinglian_domain::audit::{AuditAction, AuditResult};
use qinglian_domain::signin::{self, LockoutPolicy};
use qinglian_store::model::SessionStage;
use serde::Deserialize;

use super::{render, render_status};
use crate::auth::{self, ClientAddr, MaybeUser, Staff, UserView};
use crate::error::{AppError, PageError, PageForm};
use crate::i18n::{Lang, Tr};
use crate::password::{self, Password};
use crate::state::AppState;
use crate::totp;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    user: Option<UserView>,
    failed: bool,
    /// When set, the account or client is locked out until this time (shown as HH:MM).
    locked_until: Option<String>,
    username: String,
}

pub async fn form(lang: Lang, MaybeUser(user): MaybeUser) -> Response {
    if user.is_some() {
        return Redirect::to("/staff").into_response();
    }
    render(&LoginPage {
        t: Tr::new(lang),
        user: None,
        failed: false,
        locked_until: None,
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, lang);
    let policy = LockoutPolicy::default();
    let username = f.username.trim().to_owned();
    let now = Utc::now();
    let keys = [signin::account_key(&username), signin::client_key(&client)];
    for key in &keys {
        if let Some(until) = state.store.login_locked_until(key, now).await.map_err(err)? {
            tracing::warn!(
                kind = key.split(':').next().unwrap_or(""),
                "sign-in refused: locked out"
            );
            return Ok(locked(lang, username, until));
        }
    }
    let acceptable = username.chars().count() <= signin::MAX_USERNAME_CHARS
        && !username.is_empty()
        && f.password.len() <= signin::MAX_PASSWORD_BYTES;
    let account = if acceptable {
        state.store.find_account(&username).await.map_err(err)?
    } else {
        None
    };
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let pw = Password::new(f.password);
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers. The decoy hash
    // makes an unknown account cost the same as a known one.
    let ok = acceptable
        && tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
            .await
            .map_err(|e| PageError::new(AppError::Internal(e.into()), lang))?;
    let account = match account {
        Some(a) if ok && !a.disabled => a,
        _ => {
            let mut lock = None;
            for (key, limit) in keys.iter().zip([policy.account_limit, policy.client_limit]) {
                if let Some(until) = state
                    .store
                    .record_login_failure(key, now, policy.window, limit, policy.lock_for)
                    .await
                    .map_err(err)?
                {
                    lock = Some(until);
                }
            }
            tracing::info!("sign-in refused: wrong credentials");
            let who = account.as_ref().map(|a| a.id.as_str());
            let actor = auth::anonymous_actor("sign-in", &client);
            let detail = if who.is_some() {
                "wrong password"
            } else {
                "unknown account"
            };
            state
                .store
                .record_audit(
                    &actor,
                    AuditAction::SignInRefused,
                    who,
                    AuditResult::Failed,
                    Some(detail),
                )
                .await
                .map_err(err)?;
            if let Some(until) = lock {
                return Ok(locked(lang, username, until));
            }
            let page = LoginPage {
                t: Tr::new(lang),
                user: None,
                failed: true,
                locked_until: None,
                username,
            };
            return Ok(render_status(StatusCode::UNAUTHORIZED, &page));
        }
    };
    state.store.clear_login_failures(&keys[0]).await.map_err(err)?;
    // A new token at every sign-in: a session id planted before sign-in is never promoted.
    let token = auth::new_token();
    let staff = state.store.get_staff(&account.staff_id).await.map_err(err)?;
    let role = staff.role.clone();
    let enrol_secret;
    let stage = if account.totp_secret.is_some() {
        SessionStage::Totp
    } else if state.store.roles_requiring_totp().await.map_err(err)?.contains(&role) {
        // Sealed from the start: the secret is never stored in the clear, even while pending.
        enrol_secret = state
            .secrets
            .seal(&totp::new_secret())
            .map_err(|e| PageError::new(AppError::Internal(e), lang))?;
        SessionStage::Enrol { secret: &enrol_secret }
    } else {
        SessionStage::Full
    };
    let expires = now + state.absolute_timeout();
    let csrf = auth::new_token();
    state
        .store
        .create_pending_session(&auth::hash_token(&token), &account.id, &csrf, now, expires, stage)
        .await
        .map_err(err)?;
    let next = if stage == SessionStage::Full {
        "/staff"
    } else {
        "/login/totp"
    };
    tracing::info!(account_id = %account.id, stage = stage.as_str(), "password accepted");
    let actor = qinglian_store::model::Actor {
        account_id: Some(account.id.clone()),
        staff_id: Some(staff.id.clone()),
        name: staff.name.clone(),
        role: staff.role.clone(),
        operation_id: crate::observe::operation_id(),
        client_addr: Some(client.clone()),
    };
    let detail = format!("stage {}", stage.as_str());
    state
        .store
        .record_audit(
            &actor,
            AuditAction::SignIn,
            Some(&account.id),
            AuditResult::Ok,
            Some(&detail),
        )
        .await
        .map_err(err)?;
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&state, &token))],
        Redirect::to(next),
    )
        .into_response())
}

pub(super) fn locked(lang: Lang, username: String, until: chrono::DateTime<Utc>) -> Response {
    // China Standard Time, the users' clock.
    let local = until + chrono::Duration::hours(8);
    let page = LoginPage {
        t: Tr::new(lang),
        user: None,
        failed: false,
        locked_until: Some(local.format("%H:%M").to_string()),
        username,
    };
    render_status(StatusCode::TOO_MANY_REQUESTS, &page)
}

pub async fn logout(State(state): State<AppState>, Staff(user, tr): Staff) -> Result<Response, PageError> {
    state
        .store
        .delete_session(&user.token_hash)
        .await
        .map_err(|e| PageError::new(e, tr.lang))?;
    state
        .store
        .record_audit(
            &user.actor,
            AuditAction::SignOut,
            Some(&user.session.account_id),
            AuditResult::Ok,
            None,
        )
        .await
        .map_err(|e| PageError::new(e, tr.lang))?;
    Ok(([(header::SET_COOKIE, auth::clear_cookie(&state))], Redirect::to("/")).into_response())
}
