//! Sign-in and sign-out for staff.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::{render, render_status};
use crate::auth::{self, MaybeUser, Staff, UserView};
use crate::error::{AppError, PageError};
use crate::i18n::{Lang, Tr};
use crate::password::{self, Password};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    user: Option<UserView>,
    failed: bool,
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
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let username = f.username.trim().to_owned();
    let account = state
        .store
        .find_account(&username)
        .await
        .map_err(|e| PageError::new(e, lang))?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let pw = Password::new(f.password);
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .map_err(|e| PageError::new(AppError::Internal(e.into()), lang))?;
    let account = match account {
        Some(a) if ok && !a.disabled => a,
        _ => {
            tracing::info!("sign-in refused");
            let page = LoginPage {
                t: Tr::new(lang),
                user: None,
                failed: true,
                username,
            };
            return Ok(render_status(StatusCode::UNAUTHORIZED, &page));
        }
    };
    let token = auth::new_token();
    let now = Utc::now();
    state
        .store
        .create_session(
            &auth::hash_token(&token),
            &account.id,
            &auth::new_token(),
            now,
            now + state.absolute_timeout(),
        )
        .await
        .map_err(|e| PageError::new(e, lang))?;
    tracing::info!(account_id = %account.id, "signed in");
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&state, &token))],
        Redirect::to("/staff"),
    )
        .into_response())
}

pub async fn logout(State(state): State<AppState>, Staff(user, tr): Staff) -> Result<Response, PageError> {
    state
        .store
        .delete_session(&user.token_hash)
        .await
        .map_err(|e| PageError::new(e, tr.lang))?;
    Ok(([(header::SET_COOKIE, auth::clear_cookie(&state))], Redirect::to("/")).into_response())
}
