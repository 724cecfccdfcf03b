//! `/staff/ties`: each member of staff declares their own ties (kinship, former colleague,
//! same village) for recusal; case managers also see everyone's (an audited read).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::access::Action;
use qinglian_store::model::{PageRequest, StaffTie, VillageFilter};

use super::{local_time, render_status};
use crate::auth::{Can, CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::state::AppState;

pub struct TieView {
    pub staff: String,
    pub kind: String,
    pub with: String,
    pub note: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "cross_handling/ties.html")]
struct TiesPage {
    t: Tr,
    user: Option<UserView>,
    mine: Vec<TieView>,
    everyone: Option<Vec<TieView>>,
    villages: Vec<(String, String)>,
    kinds: Vec<(&'static str, String)>,
    errors: Vec<FieldProblem>,
}

fn view(t: Tr, x: StaffTie) -> TieView {
    let with = match (x.target_kind.as_str(), x.village_name) {
        ("village", Some(v)) => v,
        _ => format!(
            "{} {}",
            x.person_unit.unwrap_or_default(),
            x.person_name.unwrap_or_default()
        ),
    };
    TieView {
        staff: x.staff_name,
        kind: t.get(format!("tie.kind.{}", x.kind)),
        with,
        note: x.note,
        at: local_time(&x.declared_at),
    }
}

async fn page(state: &AppState, user: &CurrentUser, t: Tr, errors: Vec<FieldProblem>) -> Result<Response, AppError> {
    let mine = state
        .store
        .my_ties(&user.actor)
        .await?
        .into_iter()
        .map(|x| view(t, x))
        .collect();
    let everyone = if user.may(Action::ManageCases) {
        Some(
            state
                .store
                .all_ties(&user.actor)
                .await?
                .into_iter()
                .map(|x| view(t, x))
                .collect(),
        )
    } else {
        None
    };
    let mut villages = Vec::new();
    for n in 1..=10 {
        let page = state
            .store
            .list_villages(&VillageFilter::default(), PageRequest::new(n, 200))
            .await?;
        let done = page.items.len() < 200;
        villages.extend(
            page.items
                .into_iter()
                .map(|v| (v.id, format!("{} {}", v.township_name, v.name))),
        );
        if done {
            break;
        }
    }
    let kinds = qinglian_domain::recusal::TieKind::ALL
        .into_iter()
        .map(|k| (k.as_str(), t.get(k.key())))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &TiesPage {
            t,
            user: Some(user.view()),
            mine,
            everyone,
            villages,
            kinds,
            errors,
        },
    ))
}

/// `GET /staff/ties`
pub async fn list(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::DeclareTies>,
) -> Result<Response, PageError> {
    page(&state, &user, t, Vec::new())
        .await
        .map_err(|e| PageError::new(e, t.lang))
}

/// The declaration form's fields (the CSRF field comes along, so unknown fields are allowed).
#[derive(Debug, serde::Deserialize)]
pub struct TieForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    person_name: String,
    #[serde(default)]
    person_unit: String,
    #[serde(default)]
    village_id: String,
    #[serde(default)]
    note: String,
}

/// `POST /staff/ties`
pub async fn declare(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::DeclareTies>,
    PageForm(form): PageForm<TieForm>,
) -> Result<Response, PageError> {
    let parsed = qinglian_domain::cross_handling::TieDeclaration::parse(
        &form.kind,
        &form.target,
        &form.person_name,
        &form.person_unit,
        &form.village_id,
        &form.note,
    );
    let result = match parsed {
        Ok(tie) => state.store.declare_tie(&user.actor, &tie).await.map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/staff/ties").into_response()),
        Err(e @ AppError::Invalid(_)) => page(&state, &user, t, e.field_problems(t))
            .await
            .map_err(|e| PageError::new(e, t.lang)),
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}
