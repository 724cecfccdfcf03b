//! Staff pages to browse and edit the county's organisation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::error::Name;
use qinglian_domain::org::{TownshipInput, UnitInput, VillageInput};
use qinglian_store::model::{LedgerEntryRow, PageRequest, Township, Village, VillageFilter};
use serde::Deserialize;

use super::{PageQuery, Pager, render, render_status};
use crate::auth::{Can, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::state::AppState;

type PageResult = Result<Response, PageError>;

#[derive(Deserialize)]
pub struct CodeNameForm {
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

#[derive(Template)]
#[template(path = "staff/townships.html")]
struct TownshipsPage {
    t: Tr,
    user: Option<UserView>,
    county_name: String,
    townships: Vec<Township>,
    errors: Vec<FieldProblem>,
    form_code: String,
    form_name: String,
}

async fn townships_page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    t: Tr,
    errors: Vec<FieldProblem>,
    form: Option<CodeNameForm>,
) -> Result<TownshipsPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let county_name = state
        .store
        .county()
        .await
        .map_err(err)?
        .map(|c| c.name)
        .unwrap_or_default();
    let townships = state.store.list_townships().await.map_err(err)?;
    let form = form.unwrap_or(CodeNameForm {
        division_code: String::new(),
        code: String::new(),
        name: String::new(),
    });
    Ok(TownshipsPage {
        t,
        user: Some(user.view()),
        county_name,
        townships,
        errors,
        form_code: form.division_code,
        form_name: form.name,
    })
}

pub async fn townships(State(state): State<AppState>, Can(user, t, _): Can<cap::ReadOrg>) -> PageResult {
    Ok(render(&townships_page(&state, &user, t, Vec::new(), None).await?))
}

pub async fn create_township(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    PageForm(f): PageForm<CodeNameForm>,
) -> PageResult {
    let result = match TownshipInput::parse(&f.division_code, &f.name) {
        Ok(input) => state
            .store
            .create_township(&user.actor, &input)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::from(e)),
    };
    match result {
        Ok(tw) => Ok(Redirect::to(&format!("/staff/org/townships/{}", tw.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = townships_page(&state, &user, t, e.field_problems(t), Some(f)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Template)]
#[template(path = "staff/township.html")]
struct TownshipPage {
    t: Tr,
    user: Option<UserView>,
    township: Township,
    villages: Vec<Village>,
    errors: Vec<FieldProblem>,
    form_code: String,
    form_name: String,
    /// The township's entries in the tamper-evident log, and the size of the latest checkpoint
    /// their proofs are given against.
    log_entries: Vec<LedgerEntryRow>,
    log_size: i64,
    /// Who holds the township's party secretary post, and the officials posted there who may.
    party_secretary: Option<qinglian_store::model::TownshipPost>,
    party_secretary_choices: Vec<qinglian_store::model::Staff>,
}

async fn township_page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    t: Tr,
    id: &str,
    errors: Vec<FieldProblem>,
    form: Option<CodeNameForm>,
) -> Result<TownshipPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let township = state.store.get_township(id).await.map_err(err)?;
    let filter = VillageFilter {
        township_id: Some(township.id.clone()),
        q: None,
    };
    let villages = state
        .store
        .list_villages(&filter, PageRequest::new(1, PageRequest::MAX_LIMIT as u32))
        .await
        .map_err(err)?
        .items;
    let (form_code, form_name) = form.map(|f| (f.division_code, f.name)).unwrap_or_default();
    let log_size = state
        .store
        .latest_checkpoint()
        .await
        .map_err(err)?
        .map(|c| c.size)
        .unwrap_or(0);
    let log_entries = state
        .store
        .ledger_entries_for(&township.id)
        .await
        .map_err(err)?
        .into_iter()
        .filter(|e| e.idx < log_size)
        .collect();
    let party_secretary = state.store.party_secretary(&township.id).await.map_err(err)?;
    // Only editors see the form; the rule that checks a choice is the store's, this list only
    // spares them choices it would refuse.
    let party_secretary_choices = if user.may(qinglian_domain::access::Action::EditOrg) {
        state
            .store
            .all_staff()
            .await
            .map_err(err)?
            .into_iter()
            .filter(|s| {
                s.posting_kind == "township"
                    && s.posting_unit_id.as_deref() == Some(township.id.as_str())
                    && s.role != qinglian_domain::role::Role::TownshipSecretary.as_str()
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(TownshipPage {
        t,
        user: Some(user.view()),
        party_secretary,
        party_secretary_choices,
        log_entries,
        log_size,
        township,
        villages,
        errors,
        form_code,
        form_name,
    })
}

pub async fn township(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ReadOrg>,
    Path(id): Path<String>,
) -> PageResult {
    Ok(render(&township_page(&state, &user, t, &id, Vec::new(), None).await?))
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

pub async fn rename_township(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    Path(id): Path<String>,
    PageForm(f): PageForm<NameForm>,
) -> PageResult {
    let result = match Name::parse("name", &f.name) {
        Ok(name) => state
            .store
            .rename_township(&user.actor, &id, &name)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(tw) => Ok(Redirect::to(&format!("/staff/org/townships/{}", tw.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let page = township_page(&state, &user, t, &id, e.field_problems(t), None).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Deserialize)]
pub struct StaffChoiceForm {
    #[serde(default)]
    staff_id: String,
}

/// `POST /staff/org/townships/{id}/party-secretary`: records who holds the post.
pub async fn set_party_secretary(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    Path(id): Path<String>,
    PageForm(f): PageForm<StaffChoiceForm>,
) -> PageResult {
    match state
        .store
        .set_party_secretary(&user.actor, &id, f.staff_id.trim())
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Ok(Redirect::to(&format!("/staff/org/townships/{id}")).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let page = township_page(&state, &user, t, &id, e.field_problems(t), None).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn create_village(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    PageForm(f): PageForm<CodeNameForm>,
) -> PageResult {
    let input = VillageInput::parse(&f.division_code, &f.name);
    let result = match &input {
        Ok(input) => state
            .store
            .create_village(&user.actor, input)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::from(e.clone())),
    };
    match result {
        Ok(v) => Ok(Redirect::to(&format!("/staff/org/townships/{}", v.township_id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            // Show the form again on the township the code points to, if it exists.
            let township_id = match &input {
                Ok(i) => state.store.list_townships().await.ok().and_then(|ts| {
                    ts.into_iter()
                        .find(|tw| tw.division_code == i.township_code().as_str())
                        .map(|tw| tw.id)
                }),
                Err(_) => None,
            };
            match township_id {
                Some(id) => {
                    let page = township_page(&state, &user, t, &id, e.field_problems(t), Some(f)).await?;
                    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
                }
                None => Err(PageError::new(e, t.lang)),
            }
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Template)]
#[template(path = "staff/villages.html")]
struct VillagesPage {
    t: Tr,
    user: Option<UserView>,
    q: String,
    villages: Vec<Village>,
    pager: Pager,
}

pub async fn villages(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::ReadOrg>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let page_no = q.page.unwrap_or(1);
    let search = q.q.clone().unwrap_or_default();
    let filter = VillageFilter {
        township_id: None,
        q: Some(search.clone()),
    };
    let page = state
        .store
        .list_villages(&filter, PageRequest::new(page_no, 50))
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let base = format!("/staff/org/villages?q={}&", urlencode(&search));
    let pager = Pager::new(base, page_no, 50, page.total);
    Ok(render(&VillagesPage {
        t,
        user: Some(user.view()),
        q: search,
        villages: page.items,
        pager,
    }))
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// A row of the generic unit table.
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub extra: String,
}

#[derive(Template)]
#[template(path = "staff/units.html")]
struct UnitsPage {
    t: Tr,
    user: Option<UserView>,
    title_key: &'static str,
    action: &'static str,
    show_extra: bool,
    extra_label_key: &'static str,
    rows: Vec<UnitRow>,
    errors: Vec<FieldProblem>,
    form_code: String,
    form_name: String,
}

#[derive(Clone, Copy)]
enum UnitKind {
    Department,
    Office,
}

async fn units_page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    t: Tr,
    kind: UnitKind,
    errors: Vec<FieldProblem>,
    form: Option<CodeNameForm>,
) -> Result<UnitsPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let (title_key, action, show_extra, extra_label_key, rows) = match kind {
        UnitKind::Department => {
            let rows = state
                .store
                .list_departments()
                .await
                .map_err(err)?
                .into_iter()
                .map(|d| UnitRow {
                    code: d.code,
                    name: d.name,
                    extra: d.stationed_group_name.unwrap_or_default(),
                })
                .collect();
            (
                "nav.departments",
                "/staff/org/departments",
                true,
                "org.stationed_group",
                rows,
            )
        }
        UnitKind::Office => {
            let rows = state
                .store
                .list_offices()
                .await
                .map_err(err)?
                .into_iter()
                .map(|o| UnitRow {
                    code: o.code,
                    name: o.name,
                    extra: String::new(),
                })
                .collect();
            ("nav.offices", "/staff/org/offices", false, "", rows)
        }
    };
    let (form_code, form_name) = form.map(|f| (f.code, f.name)).unwrap_or_default();
    Ok(UnitsPage {
        t,
        user: Some(user.view()),
        title_key,
        action,
        show_extra,
        extra_label_key,
        rows,
        errors,
        form_code,
        form_name,
    })
}

async fn create_unit(
    state: AppState,
    user: crate::auth::CurrentUser,
    t: Tr,
    kind: UnitKind,
    f: CodeNameForm,
) -> PageResult {
    let result = match UnitInput::parse(&f.code, &f.name) {
        Ok(input) => match kind {
            UnitKind::Department => state
                .store
                .create_department(&user.actor, &input)
                .await
                .map(|_| ())
                .map_err(AppError::from),
            UnitKind::Office => state
                .store
                .create_office(&user.actor, &input)
                .await
                .map(|_| ())
                .map_err(AppError::from),
        },
        Err(e) => Err(e.into()),
    };
    let back = match kind {
        UnitKind::Department => "/staff/org/departments",
        UnitKind::Office => "/staff/org/offices",
    };
    match result {
        Ok(()) => Ok(Redirect::to(back).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = units_page(&state, &user, t, kind, e.field_problems(t), Some(f)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn departments(State(state): State<AppState>, Can(user, t, _): Can<cap::ReadOrg>) -> PageResult {
    Ok(render(
        &units_page(&state, &user, t, UnitKind::Department, Vec::new(), None).await?,
    ))
}

pub async fn create_department(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    PageForm(f): PageForm<CodeNameForm>,
) -> PageResult {
    create_unit(state, user, t, UnitKind::Department, f).await
}

pub async fn offices(State(state): State<AppState>, Can(user, t, _): Can<cap::ReadOrg>) -> PageResult {
    Ok(render(
        &units_page(&state, &user, t, UnitKind::Office, Vec::new(), None).await?,
    ))
}

pub async fn create_office(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditOrg>,
    PageForm(f): PageForm<CodeNameForm>,
) -> PageResult {
    create_unit(state, user, t, UnitKind::Office, f).await
}
