//! The second sign-in step: a TOTP code, or enrolling the authenticator on first use.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use qinglian_domain::signin::{self, LockoutPolicy};
use serde::Deserialize;

use super::{render, render_status};
use crate::auth::{self, ClientAddr, PendingSession, UserView};
use crate::error::{AppError, PageError, PageForm};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::totp;

#[derive(Template)]
#[template(path = "login_totp.html")]
struct CodePage {
    t: Tr,
    user: Option<UserView>,
    failed: bool,
    csrf: String,
    enrol_secret: Option<String>,
    enrol_uri: String,
}

fn code_page(state: &AppState, lang: Lang, p: &PendingSession, failed: bool) -> CodePage {
    // Shown once, to be scanned: opened from its sealed form only for this page.
    let enrol_secret = p
        .session
        .pending_secret
        .as_deref()
        .filter(|_| p.session.stage == "enrol")
        .and_then(|s| state.secrets.open(s).ok());
    let enrol_uri = enrol_secret
        .as_deref()
        .map(|s| totp::otpauth_uri(s, &p.session.username))
        .unwrap_or_default();
    CodePage {
        t: Tr::new(lang),
        user: None,
        failed,
        csrf: p.session.csrf_token.clone(),
        enrol_secret,
        enrol_uri,
    }
}

pub async fn form(State(state): State<AppState>, lang: Lang, headers: HeaderMap) -> Result<Response, PageError> {
    match auth::pending_session(&state, &headers)
        .await
        .map_err(|e| PageError::new(e, lang))?
    {
        Some(p) => Ok(render(&code_page(&state, lang, &p, false))),
        None => Ok(Redirect::to("/login").into_response()),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<CodeForm>,
) -> Result<Response, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, lang);
    let Some(p) = auth::pending_session(&state, &headers)
        .await
        .map_err(|e| PageError::new(e, lang))?
    else {
        return Ok(Redirect::to("/login").into_response());
    };
    if !auth::csrf_matches(&f.csrf, &p.session.csrf_token) {
        return Err(PageError::new(AppError::Csrf, lang));
    }
    let now = Utc::now();
    let secret = match p.session.stage.as_str() {
        "enrol" => p.session.pending_secret.clone(),
        _ => p.session.totp_secret.clone(),
    };
    let unix = u64::try_from(now.timestamp()).unwrap_or(0);
    // Secrets are stored sealed; one that does not open with this key fails like a wrong code.
    let step = secret
        .as_deref()
        .and_then(|s| state.secrets.open(s).ok())
        .and_then(|s| totp::check(&s, &f.code, unix));
    let accepted = match (step, &secret) {
        (Some(step), Some(secret)) => {
            if p.session.stage == "enrol" {
                state
                    .store
                    .set_totp_secret(
                        &auth::session_actor(&p.session, &client),
                        &p.session.account_id,
                        Some(secret),
                    )
                    .await
                    .map_err(err)?;
            }
            // A code is good once: a replayed (or older) step is refused.
            state
                .store
                .use_totp_step(&p.session.account_id, step)
                .await
                .map_err(err)?
        }
        _ => false,
    };
    if !accepted {
        let policy = LockoutPolicy::default();
        let keys = [signin::account_key(&p.session.username), signin::client_key(&client)];
        for (key, limit) in keys.iter().zip([policy.account_limit, policy.client_limit]) {
            if let Some(until) = state
                .store
                .record_login_failure(key, now, policy.window, limit, policy.lock_for)
                .await
                .map_err(err)?
            {
                state.store.delete_session(&p.token_hash).await.map_err(err)?;
                return Ok(super::login::locked(lang, p.session.username.clone(), until));
            }
        }
        tracing::info!("second factor refused");
        return Ok(render_status(
            StatusCode::UNAUTHORIZED,
            &code_page(&state, lang, &p, true),
        ));
    }
    state.store.complete_session(&p.token_hash).await.map_err(err)?;
    state
        .store
        .clear_login_failures(&signin::account_key(&p.session.username))
        .await
        .map_err(err)?;
    tracing::info!(account_id = %p.session.account_id, "signed in with second factor");
    Ok(Redirect::to("/staff").into_response())
}
