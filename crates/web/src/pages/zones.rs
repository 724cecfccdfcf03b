//! Staff pages for collaboration zones: list, create and edit, members chosen by checkbox.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::org::ZoneInput;
use qinglian_store::model::{Unit, Zone};

use super::{render, render_status};
use crate::auth::{Can, CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError};
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/zones.html")]
struct ListPage {
    t: Tr,
    user: Option<UserView>,
    zones: Vec<Zone>,
    errors: Vec<FieldProblem>,
}

pub async fn list(State(state): State<AppState>, Can(user, t, _): Can<cap::ReadOrg>) -> Result<Response, PageError> {
    let zones = state.store.list_zones().await.map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&ListPage {
        t,
        user: Some(user.view()),
        zones,
        errors: Vec::new(),
    }))
}

/// The zone form's values; `member_ids` repeats, which plain `Form` cannot read.
#[derive(Default)]
pub struct ZoneForm {
    name: String,
    kind: String,
    leader_staff_id: String,
    liaison_office_id: String,
    member_ids: Vec<String>,
}

impl ZoneForm {
    fn from_body(body: &[u8]) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(e.to_string()))?;
        let mut f = ZoneForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "name" => f.name = v,
                "kind" => f.kind = v,
                "leader_staff_id" => f.leader_staff_id = v,
                "liaison_office_id" => f.liaison_office_id = v,
                "member_ids" => f.member_ids.push(v),
                _ => {}
            }
        }
        Ok(f)
    }

    fn from_zone(z: Zone) -> Self {
        Self {
            name: z.zone.name,
            kind: z.zone.kind,
            leader_staff_id: z.zone.leader_staff_id,
            liaison_office_id: z.zone.liaison_office_id,
            member_ids: z.members.into_iter().map(|m| m.id).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/zone_form.html")]
struct FormPage {
    t: Tr,
    user: Option<UserView>,
    id: Option<String>,
    form: ZoneForm,
    errors: Vec<FieldProblem>,
    leaders: Vec<Unit>,
    offices: Vec<Unit>,
    candidates: Vec<(&'static str, Vec<Unit>)>,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    id: Option<String>,
    form: ZoneForm,
    errors: Vec<FieldProblem>,
) -> Result<FormPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let leaders = state
        .store
        .all_staff()
        .await
        .map_err(err)?
        .into_iter()
        .filter(|s| s.role == "commission_leader")
        .map(|s| Unit {
            id: s.id,
            code: String::new(),
            name: s.name,
        })
        .collect();
    let offices = state.store.list_offices().await.map_err(err)?;
    let (townships, groups) = super::township_and_group_units(state).await.map_err(err)?;
    Ok(FormPage {
        t,
        user: Some(user.view()),
        id,
        form,
        errors,
        leaders,
        offices,
        candidates: vec![("nav.townships", townships), ("nav.groups", groups)],
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
) -> Result<Response, PageError> {
    let form = ZoneForm {
        kind: "townships".to_owned(),
        ..Default::default()
    };
    Ok(render(&form_page(&state, &user, t, None, form, Vec::new()).await?))
}

pub async fn edit_form(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let zone = state.store.get_zone(&id).await.map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(
        &form_page(&state, &user, t, Some(id), ZoneForm::from_zone(zone), Vec::new()).await?,
    ))
}

async fn save(
    state: AppState,
    user: CurrentUser,
    t: Tr,
    id: Option<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = ZoneForm::from_body(&body).map_err(|e| PageError::new(e, t.lang))?;
    let parsed = ZoneInput::parse(
        &form.name,
        &form.kind,
        &form.leader_staff_id,
        &form.liaison_office_id,
        form.member_ids.clone(),
    );
    let result = match (&parsed, &id) {
        (Ok(input), Some(id)) => state
            .store
            .update_zone(&user.actor, id, input)
            .await
            .map_err(AppError::from),
        (Ok(input), None) => state
            .store
            .create_zone(&user.actor, input)
            .await
            .map_err(AppError::from),
        (Err(e), _) => Err(e.clone().into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/staff/org/zones").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&state, &user, t, id, form, errors).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    body: Bytes,
) -> Result<Response, PageError> {
    save(state, user, t, None, body).await
}

pub async fn update(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    save(state, user, t, Some(id), body).await
}
