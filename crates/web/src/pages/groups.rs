//! Staff pages for stationed groups: the list with the departments each supervises, and
//! creating a group that takes departments over (one transaction).

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::org::UnitInput;
use qinglian_store::model::{Department, StationedGroup};

use super::{render, render_status};
use crate::auth::{Can, CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError};
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/groups.html")]
struct GroupsPage {
    t: Tr,
    user: Option<UserView>,
    groups: Vec<StationedGroup>,
    departments: Vec<Department>,
    errors: Vec<FieldProblem>,
    form_code: String,
    form_name: String,
    form_departments: Vec<String>,
}

/// The form's values; `department_ids` repeats, which plain `Form` cannot read.
#[derive(Default)]
struct GroupForm {
    code: String,
    name: String,
    department_ids: Vec<String>,
}

impl GroupForm {
    fn from_body(body: &[u8]) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(e.to_string()))?;
        let mut f = GroupForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "code" => f.code = v,
                "name" => f.name = v,
                "department_ids" => f.department_ids.push(v),
                _ => {}
            }
        }
        Ok(f)
    }
}

async fn groups_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    errors: Vec<FieldProblem>,
    form: GroupForm,
) -> Result<GroupsPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    Ok(GroupsPage {
        t,
        user: Some(user.view()),
        groups: state.store.list_stationed_groups().await.map_err(err)?,
        departments: state.store.list_departments().await.map_err(err)?,
        errors,
        form_code: form.code,
        form_name: form.name,
        form_departments: form.department_ids,
    })
}

pub async fn list(State(state): State<AppState>, Can(user, t, _): Can<cap::ReadOrg>) -> Result<Response, PageError> {
    Ok(render(
        &groups_page(&state, &user, t, Vec::new(), GroupForm::default()).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = GroupForm::from_body(&body).map_err(|e| PageError::new(e, t.lang))?;
    let result = match UnitInput::parse(&form.code, &form.name) {
        Ok(input) => state
            .store
            .create_stationed_group(&user.actor, &input, &form.department_ids)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/staff/org/groups").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &groups_page(&state, &user, t, errors, form).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}
