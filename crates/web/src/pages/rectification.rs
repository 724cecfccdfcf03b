//! Staff pages of rectification orders (督改单): the township's list with the draft form, an
//! order's page with its two sign-offs and follow-ups, and the official PDF.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_domain::access::Action;
use qinglian_domain::inspection::Text;
use qinglian_domain::rectification::order::{FollowUpKind, OrderInput};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{
    PageRequest, RectificationFilter, RectificationOrder, RectificationOrderSummary, Village, VillageFilter,
};
use serde::Deserialize;

use super::{Pager, local_time, render, render_status};
use crate::api::cross_handling::today;
use crate::auth::{CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

const PER_PAGE: u32 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    pub page: Option<u32>,
    /// `1`: only orders in force past their deadline.
    pub overdue: Option<u8>,
}

/// The draft form as typed, kept to show it again with its errors.
#[derive(Debug, Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    pub village_id: String,
    #[serde(default)]
    pub problem: String,
    #[serde(default)]
    pub actions: String,
    #[serde(default)]
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "staff/rectification_orders.html")]
struct ListPage {
    t: Tr,
    user: Option<UserView>,
    orders: Vec<RectificationOrderSummary>,
    pager: Pager,
    overdue_only: bool,
    may_issue: bool,
    villages: Vec<Village>,
    form: DraftForm,
    today: String,
    errors: Vec<FieldProblem>,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    q: &ListQuery,
    form: DraftForm,
    errors: Vec<FieldProblem>,
) -> Result<ListPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let today = today();
    let page = q.page.unwrap_or(1).max(1);
    let filter = RectificationFilter {
        overdue_on: (q.overdue == Some(1)).then_some(today),
        ..Default::default()
    };
    let p = state
        .store
        .list_rectification_orders(reach, &filter, today, PageRequest::new(page, PER_PAGE))
        .await
        .map_err(err)?;
    let may_issue = user.may(Action::IssueRectification);
    // The draft form offers the villages of the townships the user reaches: their own.
    let mut villages = Vec::new();
    if may_issue {
        for township in &reach.townships {
            let filter = VillageFilter {
                township_id: Some(township.clone()),
                q: None,
            };
            villages.extend(
                state
                    .store
                    .list_villages(&filter, PageRequest::new(1, PageRequest::MAX_LIMIT as u32))
                    .await
                    .map_err(err)?
                    .items,
            );
        }
    }
    let base = if q.overdue == Some(1) {
        "/staff/rectification?overdue=1&".to_owned()
    } else {
        "/staff/rectification?".to_owned()
    };
    Ok(ListPage {
        t,
        user: Some(user.view()),
        orders: p.items,
        pager: Pager::new(base, page, PER_PAGE, p.total),
        overdue_only: q.overdue == Some(1),
        may_issue,
        villages,
        form,
        today: today.to_string(),
        errors,
    })
}

/// `GET /staff/rectification`
pub async fn list(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRectification>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &list_page(&state, &user, t, &reach, &q, DraftForm::default(), Vec::new()).await?,
    ))
}

/// `POST /staff/rectification`: a draft; bad input shows the form again with every problem.
pub async fn draft(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::IssueRectification>,
    PageForm(form): PageForm<DraftForm>,
) -> Result<Response, PageError> {
    let today = today();
    let result = async {
        let input = OrderInput::parse(&form.village_id, &form.problem, &form.actions, &form.deadline, today)?;
        Ok::<_, AppError>(
            state
                .store
                .draft_rectification_order(&user.actor, &reach, &input, today)
                .await?,
        )
    }
    .await;
    match result {
        Ok(order) => Ok(Redirect::to(&format!("/staff/rectification/{}", order.order.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            let page = list_page(&state, &user, t, &reach, &ListQuery::default(), form, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

/// A sign-off as the page shows it.
struct SignOffView {
    post_key: &'static str,
    name: String,
    at: String,
}

#[derive(Template)]
#[template(path = "staff/rectification_order.html")]
struct OrderPage {
    t: Tr,
    user: Option<UserView>,
    o: RectificationOrder,
    state_key: &'static str,
    sign_offs: Vec<SignOffView>,
    /// Follow-ups: kind key, text, author, time.
    follow_ups: Vec<(&'static str, String, String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    may_issue: bool,
    errors: Vec<FieldProblem>,
}

fn order_page(user: &CurrentUser, t: Tr, o: RectificationOrder, errors: Vec<FieldProblem>) -> OrderPage {
    use qinglian_domain::rectification::order::{OrderState, Post};
    let state_key = OrderState::parse(&o.order.state).map_or("rectification.state.draft", OrderState::key);
    let sign_offs = o
        .sign_offs
        .iter()
        .map(|s| SignOffView {
            post_key: Post::parse(&s.post).map_or("rectification.post.party_secretary", Post::key),
            name: s.staff_name.clone(),
            at: local_time(&s.signed_at),
        })
        .collect();
    let follow_ups = o
        .follow_ups
        .iter()
        .map(|f| {
            let key =
                FollowUpKind::parse("kind", &f.kind).map_or("rectification.follow_up.progress", FollowUpKind::key);
            (key, f.body.clone(), f.author_name.clone(), local_time(&f.at))
        })
        .collect();
    OrderPage {
        t,
        user: Some(user.view()),
        state_key,
        sign_offs,
        follow_ups,
        kinds: FollowUpKind::ALL.iter().map(|k| (k.as_str(), k.key())).collect(),
        may_issue: user.may(Action::IssueRectification),
        o,
        errors,
    }
}

/// `GET /staff/rectification/{id}`: the read is audited by the store.
pub async fn show(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRectification>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let o = state
        .store
        .get_rectification_order(&user.actor, &reach, &id, today())
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&order_page(&user, t, o, Vec::new())))
}

/// Back to the order's page, or the page with the rule that refused the step.
async fn outcome(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/rectification/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let errors = e.field_problems(t);
            let o = state
                .store
                .get_rectification_order(&user.actor, reach, id, today())
                .await
                .map_err(|e| PageError::new(e, t.lang))?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &order_page(user, t, o, errors),
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
}

/// `POST /staff/rectification/{id}/sign`
pub async fn sign(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::IssueRectification>,
    Path(id): Path<String>,
    PageForm(form): PageForm<StepForm>,
) -> Result<Response, PageError> {
    let result = state
        .store
        .sign_rectification_order(&user.actor, &reach, &id, form.version, today())
        .await
        .map(|_| ())
        .map_err(AppError::from);
    outcome(&state, &user, t, &reach, &id, result).await
}

/// `POST /staff/rectification/{id}/follow-ups`
pub async fn follow_up(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::IssueRectification>,
    Path(id): Path<String>,
    PageForm(form): PageForm<StepForm>,
) -> Result<Response, PageError> {
    let result = async {
        let kind = FollowUpKind::parse("kind", &form.kind);
        let text = Text::parse("text", &form.text);
        qinglian_domain::Invalid::collect([kind.clone().err(), text.clone().err()])?;
        let (Ok(kind), Ok(text)) = (kind, text) else {
            unreachable!("collect returned every error above")
        };
        state
            .store
            .follow_up_rectification_order(&user.actor, &reach, &id, kind, &text, form.version, today())
            .await?;
        Ok(())
    }
    .await;
    outcome(&state, &user, t, &reach, &id, result).await
}

/// `GET /staff/rectification/{id}/order.pdf`: the official document; the read is audited.
pub async fn pdf(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadRectification>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let o = state
        .store
        .get_rectification_order(&user.actor, &reach, &id, today())
        .await
        .map_err(|e| err(e.into()))?;
    let doc = super::rectification_pdf::order_doc(t, &o);
    let bytes = tokio::task::spawn_blocking(move || crate::pdf::render(crate::pdf::RECTIFICATION_ORDER, &doc))
        .await
        .map_err(|e| err(AppError::Internal(e.into())))?
        .map_err(|e| err(AppError::Internal(e.into())))?;
    // The id is a UUID: only letters, digits and hyphens reach the header.
    let short: String = o
        .order
        .id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(36)
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rectification-order-{short}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
