//! Staff pages to list the commission's people and add them, with posting and home township.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::org::StaffInput;
use qinglian_domain::role::Role;
use qinglian_store::model::{PageRequest, Staff as StaffRow, Unit};
use serde::Deserialize;

use super::{PageQuery, Pager, render, render_status};
use crate::auth::{Can, CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct StaffForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    posting_unit_id: String,
    #[serde(default)]
    home_township_id: String,
}

#[derive(Template)]
#[template(path = "staff/staff.html")]
struct StaffPage {
    t: Tr,
    user: Option<UserView>,
    staff: Vec<StaffRow>,
    pager: Pager,
    errors: Vec<FieldProblem>,
    form: StaffForm,
    roles: Vec<(&'static str, String)>,
    /// Posting choices by kind: label key and units.
    units: Vec<(&'static str, Vec<Unit>)>,
    townships: Vec<Unit>,
    form_action: String,
    submit_key: &'static str,
}

#[derive(Template)]
#[template(path = "staff/staff_edit.html")]
struct EditPage {
    t: Tr,
    user: Option<UserView>,
    errors: Vec<FieldProblem>,
    form: StaffForm,
    roles: Vec<(&'static str, String)>,
    units: Vec<(&'static str, Vec<Unit>)>,
    townships: Vec<Unit>,
    form_action: String,
    submit_key: &'static str,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    page_no: u32,
    errors: Vec<FieldProblem>,
    form: StaffForm,
) -> Result<StaffPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let page = state
        .store
        .list_staff(PageRequest::new(page_no, 50))
        .await
        .map_err(err)?;
    let pager = Pager::new("/staff/org/staff?".to_owned(), page_no, 50, page.total);
    let (roles, units, townships) = choices(state, t).await?;
    Ok(StaffPage {
        t,
        user: Some(user.view()),
        staff: page.items,
        pager,
        errors,
        form,
        roles,
        units,
        townships,
        form_action: "/staff/org/staff".to_owned(),
        submit_key: "org.add",
    })
}

/// Role labels, posting units by kind, and townships: what the staff form offers.
type Choices = (Vec<(&'static str, String)>, Vec<(&'static str, Vec<Unit>)>, Vec<Unit>);

async fn choices(state: &AppState, t: Tr) -> Result<Choices, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let (townships, groups) = super::township_and_group_units(state).await.map_err(err)?;
    let departments = state
        .store
        .list_departments()
        .await
        .map_err(err)?
        .into_iter()
        .map(Unit::from)
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), format!("role.{}", r.as_str())))
        .collect();
    let units = vec![
        ("posting.township", townships.clone()),
        ("posting.department", departments),
        ("posting.stationed_group", groups),
    ];
    Ok((roles, units, townships))
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    id: &str,
    errors: Vec<FieldProblem>,
    form: StaffForm,
) -> Result<EditPage, PageError> {
    let (roles, units, townships) = choices(state, t).await?;
    Ok(EditPage {
        t,
        user: Some(user.view()),
        errors,
        form,
        roles,
        units,
        townships,
        form_action: format!("/staff/org/staff/{id}"),
        submit_key: "org.save",
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let s = state
        .store
        .get_staff(&id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let form = StaffForm {
        name: s.name,
        role: s.role,
        posting_unit_id: s.posting_unit_id.unwrap_or_default(),
        home_township_id: s.home_township_id.unwrap_or_default(),
    };
    Ok(render(&edit_page(&state, &user, t, &id, Vec::new(), form).await?))
}

pub async fn update(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    Path(id): Path<String>,
    PageForm(f): PageForm<StaffForm>,
) -> Result<Response, PageError> {
    let result = match StaffInput::parse(&f.name, &f.role, Some(&f.posting_unit_id), Some(&f.home_township_id)) {
        Ok(input) => state
            .store
            .update_staff(&user.actor, &id, &input)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/staff/org/staff").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &edit_page(&state, &user, t, &id, errors, f).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ReadOrg>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &page(&state, &user, t, q.page.unwrap_or(1), Vec::new(), StaffForm::default()).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    PageForm(f): PageForm<StaffForm>,
) -> Result<Response, PageError> {
    let result = match StaffInput::parse(&f.name, &f.role, Some(&f.posting_unit_id), Some(&f.home_township_id)) {
        Ok(input) => state
            .store
            .create_staff(&user.actor, &input)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/staff/org/staff").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, &user, t, 1, errors, f).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}
