//! Staff pages to write, preview and publish portal articles.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use qinglian_domain::article::{ArticleInput, Column};
use qinglian_store::model::{Article, PageRequest};
use serde::Deserialize;

use super::portal::ArticlePage;
use super::{PageQuery, Pager, render, render_status};
use crate::auth::{Can, CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::Tr;
use crate::state::AppState;

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "staff/articles.html")]
struct ListPage {
    t: Tr,
    user: Option<UserView>,
    articles: Vec<Article>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditArticles>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let page_no = q.page.unwrap_or(1);
    let page = state
        .store
        .list_articles(PageRequest::new(page_no, 30))
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let pager = Pager::new("/staff/articles?".to_owned(), page_no, 30, page.total);
    Ok(render(&ListPage {
        t,
        user: Some(user.view()),
        articles: page.items,
        pager,
    }))
}

#[derive(Deserialize, Default)]
pub struct ArticleForm {
    #[serde(default)]
    column: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "staff/article_form.html")]
struct FormPage {
    t: Tr,
    user: Option<UserView>,
    id: Option<String>,
    columns: Vec<(&'static str, String)>,
    errors: Vec<FieldProblem>,
    column: String,
    title: String,
    source: String,
    author: String,
    body: String,
}

fn form_page(t: Tr, user: &CurrentUser, id: Option<String>, f: ArticleForm, errors: Vec<FieldProblem>) -> FormPage {
    FormPage {
        t,
        user: Some(user.view()),
        id,
        columns: Column::ALL
            .iter()
            .map(|c| (c.as_str(), format!("column.{}", c.as_str())))
            .collect(),
        errors,
        column: f.column,
        title: f.title,
        source: f.source,
        author: f.author,
        body: f.body,
    }
}

pub async fn new_form(Can(user, t, _): Can<cap::EditArticles>) -> PageResult {
    let f = ArticleForm {
        column: Column::Notice.as_str().to_owned(),
        ..Default::default()
    };
    Ok(render(&form_page(t, &user, None, f, Vec::new())))
}

pub async fn edit_form(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditArticles>,
    Path(id): Path<String>,
) -> PageResult {
    let a = state
        .store
        .get_article(&id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let f = ArticleForm {
        column: a.column_code,
        title: a.title,
        source: a.source,
        author: a.author,
        body: a.body_html,
    };
    Ok(render(&form_page(t, &user, Some(a.id), f, Vec::new())))
}

async fn save(state: AppState, user: CurrentUser, t: Tr, id: Option<String>, f: ArticleForm) -> PageResult {
    let result = match ArticleInput::parse(&f.column, &f.title, &f.source, &f.author, &f.body) {
        Ok(input) => match &id {
            Some(id) => state
                .store
                .update_article(&user.actor, id, &input)
                .await
                .map_err(AppError::from),
            None => state
                .store
                .create_article(&user.actor, &input)
                .await
                .map_err(AppError::from),
        },
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/staff/articles/{}/preview", a.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let errors = e.field_problems(t);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(t, &user, id, f, errors),
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditArticles>,
    PageForm(f): PageForm<ArticleForm>,
) -> PageResult {
    save(state, user, t, None, f).await
}

pub async fn update(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditArticles>,
    Path(id): Path<String>,
    PageForm(f): PageForm<ArticleForm>,
) -> PageResult {
    save(state, user, t, Some(id), f).await
}

pub async fn preview(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditArticles>,
    Path(id): Path<String>,
) -> PageResult {
    let a = state
        .store
        .get_article(&id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&ArticlePage::new(t, Some(user.view()), a, true)))
}

async fn set_published(state: AppState, user: CurrentUser, t: Tr, id: String, published: bool) -> PageResult {
    state
        .store
        .set_published(&user.actor, &id, published, Utc::now())
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(Redirect::to("/staff/articles").into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditArticles>,
    Path(id): Path<String>,
) -> PageResult {
    set_published(state, user, t, id, true).await
}

pub async fn unpublish(
    State(state): State<AppState>,
    Can(user, t, _): Can<cap::EditArticles>,
    Path(id): Path<String>,
) -> PageResult {
    set_published(state, user, t, id, false).await
}
