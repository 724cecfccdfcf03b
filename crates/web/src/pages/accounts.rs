//! Account administration (system administrator) and changing one's own password.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::Invalid;
use qinglian_domain::password_policy;
use qinglian_store::model::AccountSummary;
use serde::Deserialize;

use super::{render, render_status};
use crate::auth::{Can, CurrentUser, Staff, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::password::{self, Password};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/accounts.html")]
struct AccountsPage {
    t: Tr,
    user: Option<UserView>,
    accounts: Vec<AccountSummary>,
    /// Staff without an account: id, name, role label key.
    without_account: Vec<(String, String, String)>,
    errors: Vec<FieldProblem>,
    form_staff_id: String,
    form_username: String,
}

async fn accounts_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    errors: Vec<FieldProblem>,
    form: Option<&NewAccount>,
) -> Result<AccountsPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let accounts = state.store.list_accounts().await.map_err(err)?;
    let without_account = state
        .store
        .all_staff()
        .await
        .map_err(err)?
        .into_iter()
        .filter(|s| !accounts.iter().any(|a| a.staff_id == s.id))
        .map(|s| (s.id, s.name, format!("role.{}", s.role)))
        .collect();
    Ok(AccountsPage {
        t,
        user: Some(user.view()),
        accounts,
        without_account,
        errors,
        form_staff_id: form.map(|f| f.staff_id.clone()).unwrap_or_default(),
        form_username: form.map(|f| f.username.clone()).unwrap_or_default(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
) -> Result<Response, PageError> {
    Ok(render(&accounts_page(&state, &user, t, Vec::new(), None).await?))
}

#[derive(Deserialize)]
pub struct NewAccount {
    #[serde(default)]
    staff_id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// Usernames are plain so they are typed the same way everywhere.
fn parse_username(raw: &str) -> Result<String, Invalid> {
    let u = raw.trim();
    let ok = (2..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(u.to_owned())
    } else {
        Err(Invalid::field("username", "username.format", Some(u)))
    }
}

pub async fn create(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
    PageForm(f): PageForm<NewAccount>,
) -> Result<Response, PageError> {
    let checked = parse_username(&f.username).and_then(|u| password_policy::check(&u, &f.password).map(|()| u));
    let result = match checked {
        Ok(username) => {
            let pw = Password::new(f.password.clone());
            let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
                .await
                .map_err(|e| PageError::new(AppError::Internal(e.into()), t.lang))?
                .map_err(|e| PageError::new(AppError::Internal(e), t.lang))?;
            state
                .store
                .create_account(&user.actor, &f.staff_id, &username, &hash)
                .await
                .map_err(AppError::from)
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/staff/admin/accounts").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &accounts_page(&state, &user, t, errors, Some(&f)).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn disable(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if id == user.session.account_id {
        // Locking oneself out would leave the county without an administrator.
        return Err(PageError::new(AppError::Forbidden, t.lang));
    }
    state
        .store
        .set_account_disabled(&user.actor, &id, true)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(Redirect::to("/staff/admin/accounts").into_response())
}

pub async fn enable(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .store
        .set_account_disabled(&user.actor, &id, false)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(Redirect::to("/staff/admin/accounts").into_response())
}

pub async fn reset_totp(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .store
        .set_totp_secret(&user.actor, &id, None)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(Redirect::to("/staff/admin/accounts").into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    t: Tr,
    user: Option<UserView>,
    errors: Vec<FieldProblem>,
    done: bool,
}

pub async fn password_form(Staff(user, t): Staff) -> Response {
    render(&PasswordPage {
        t,
        user: Some(user.view()),
        errors: Vec::new(),
        done: false,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    Staff(user, t): Staff,
    PageForm(f): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let refuse = |e: Invalid| {
        let errors = AppError::from(e).field_problems(t);
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                t,
                user: Some(user.view()),
                errors,
                done: false,
            },
        )
    };
    let account = state
        .store
        .find_account(&user.session.username)
        .await
        .map_err(err)?
        .ok_or_else(|| PageError::new(AppError::NotFound, t.lang))?;
    let current = Password::new(f.current);
    let hash = account.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&current, &hash))
        .await
        .map_err(|e| PageError::new(AppError::Internal(e.into()), t.lang))?;
    if !ok {
        return Ok(refuse(Invalid::field("current", "password.wrong_current", None)));
    }
    if f.new != f.repeat {
        return Ok(refuse(Invalid::field("repeat", "password.mismatch", None)));
    }
    if let Err(e) = password_policy::check(&user.session.username, &f.new) {
        return Ok(refuse(e));
    }
    let pw = Password::new(f.new);
    let new_hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| PageError::new(AppError::Internal(e.into()), t.lang))?
        .map_err(|e| PageError::new(AppError::Internal(e), t.lang))?;
    state
        .store
        .set_password(&user.actor, &account.id, &new_hash, Some(&user.token_hash))
        .await
        .map_err(err)?;
    Ok(render(&PasswordPage {
        t,
        user: Some(user.view()),
        errors: Vec::new(),
        done: true,
    }))
}

#[derive(Template)]
#[template(path = "staff/account_scopes.html")]
struct ScopesPage {
    t: Tr,
    user: Option<UserView>,
    account: AccountSummary,
    role_key: String,
    grants: Vec<qinglian_store::model::ScopeGrant>,
    /// What the account reaches by its posting alone, before grants (label keys).
    may_hold: bool,
    /// Grantable targets by kind: (kind, [(id, name)]).
    targets: Vec<(&'static str, Vec<(String, String)>)>,
    errors: Vec<FieldProblem>,
}

async fn scopes_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    account_id: &str,
    errors: Vec<FieldProblem>,
) -> Result<ScopesPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let account = state
        .store
        .list_accounts()
        .await
        .map_err(err)?
        .into_iter()
        .find(|a| a.id == account_id)
        .ok_or_else(|| PageError::new(AppError::NotFound, t.lang))?;
    let grants = state.store.list_scope_grants(account_id).await.map_err(err)?;
    let role = qinglian_domain::role::Role::parse("role", &account.role).map_err(|e| PageError::new(e, t.lang))?;
    let zones = state.store.list_zones().await.map_err(err)?;
    let townships = state.store.list_townships().await.map_err(err)?;
    let departments = state.store.list_departments().await.map_err(err)?;
    let rounds = state
        .store
        .list_rounds(&qinglian_domain::scope::Reach::everything())
        .await
        .map_err(err)?;
    Ok(ScopesPage {
        t,
        user: Some(user.view()),
        may_hold: qinglian_domain::scope::may_hold_grants(role),
        targets: vec![
            ("county", vec![(String::new(), String::new())]),
            ("zone", zones.into_iter().map(|z| (z.zone.id, z.zone.name)).collect()),
            ("township", townships.into_iter().map(|x| (x.id, x.name)).collect()),
            ("department", departments.into_iter().map(|x| (x.id, x.name)).collect()),
            ("inspection_round", rounds.into_iter().map(|x| (x.id, x.name)).collect()),
        ],
        role_key: format!("role.{}", account.role),
        account,
        grants,
        errors,
    })
}

pub async fn scopes(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(&scopes_page(&state, &user, t, &id, Vec::new()).await?))
}

#[derive(Debug, Deserialize)]
pub struct ScopeForm {
    /// `kind:target_id`, one select for both so the pair always agrees.
    #[serde(default)]
    scope: String,
}

impl ScopeForm {
    fn parse(&self) -> Result<qinglian_domain::scope::Scope, Invalid> {
        let (kind, target) = self.scope.split_once(':').unwrap_or((self.scope.as_str(), ""));
        qinglian_domain::scope::Scope::parse(kind, target)
    }
}

async fn change_scope(
    state: AppState,
    user: CurrentUser,
    t: Tr,
    id: String,
    form: ScopeForm,
    grant: bool,
) -> Result<Response, PageError> {
    let result = match form.parse() {
        Ok(scope) if grant => state
            .store
            .grant_scope(&user.actor, &id, &scope)
            .await
            .map_err(AppError::from),
        Ok(scope) => state
            .store
            .revoke_scope(&user.actor, &id, &scope)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/admin/accounts/{id}/scopes")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &scopes_page(&state, &user, t, &id, errors).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn grant_scope(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ScopeForm>,
) -> Result<Response, PageError> {
    change_scope(state, user, t, id, form, true).await
}

pub async fn revoke_scope(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ManageSecurity>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ScopeForm>,
) -> Result<Response, PageError> {
    change_scope(state, user, t, id, form, false).await
}
