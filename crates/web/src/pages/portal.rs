//! The public portal: the commission's articles by column, readable without signing in.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use qinglian_domain::article::Column;
use qinglian_store::model::{Article, PageRequest};

use super::{PageQuery, Pager, render};
use crate::auth::{MaybeUser, UserView};
use crate::error::{AppError, PageError};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

pub struct ArticleLink {
    pub id: String,
    pub title: String,
    pub date: String,
}

impl From<&Article> for ArticleLink {
    fn from(a: &Article) -> Self {
        Self {
            id: a.id.clone(),
            title: a.title.clone(),
            date: a
                .published_at
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        }
    }
}

pub struct ColumnBox {
    pub code: &'static str,
    pub label_key: String,
    pub articles: Vec<ArticleLink>,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct Home {
    t: Tr,
    user: Option<UserView>,
    county_name: String,
    columns: Vec<ColumnBox>,
    rounds: Vec<qinglian_store::model::Round>,
}

pub async fn home(
    State(state): State<AppState>,
    lang: Lang,
    MaybeUser(user): MaybeUser,
) -> Result<Response, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, lang);
    let county_name = state
        .store
        .county()
        .await
        .map_err(err)?
        .map(|c| c.name)
        .unwrap_or_default();
    let mut columns = Vec::new();
    for c in Column::ALL {
        let page = state
            .store
            .list_published(Some(c), PageRequest::new(1, 6))
            .await
            .map_err(err)?;
        columns.push(ColumnBox {
            code: c.as_str(),
            label_key: format!("column.{}", c.as_str()),
            articles: page.items.iter().map(ArticleLink::from).collect(),
        });
    }
    // The inspection rounds' public registers: counts only, as anyone may see them.
    let rounds = state
        .store
        .list_rounds(&qinglian_domain::scope::Reach::everything())
        .await
        .map_err(err)?;
    Ok(render(&Home {
        t: Tr::new(lang),
        user: user.map(|u| u.view()),
        county_name,
        columns,
        rounds,
    }))
}

#[derive(Template)]
#[template(path = "portal/column.html")]
struct ColumnPage {
    t: Tr,
    user: Option<UserView>,
    label_key: String,
    articles: Vec<ArticleLink>,
    pager: Pager,
}

pub async fn column(
    State(state): State<AppState>,
    lang: Lang,
    MaybeUser(user): MaybeUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let col = Column::parse("column", q.column.as_deref().unwrap_or("notice")).map_err(|e| PageError::new(e, lang))?;
    let page_no = q.page.unwrap_or(1);
    let page = state
        .store
        .list_published(Some(col), PageRequest::new(page_no, 20))
        .await
        .map_err(|e| PageError::new(e, lang))?;
    let pager = Pager::new(format!("/articles?column={}&", col.as_str()), page_no, 20, page.total);
    Ok(render(&ColumnPage {
        t: Tr::new(lang),
        user: user.map(|u| u.view()),
        label_key: format!("column.{}", col.as_str()),
        articles: page.items.iter().map(ArticleLink::from).collect(),
        pager,
    }))
}

#[derive(Template)]
#[template(path = "portal/article.html")]
pub struct ArticlePage {
    pub t: Tr,
    pub user: Option<UserView>,
    pub preview: bool,
    pub title: String,
    pub column_code: String,
    pub label_key: String,
    pub source: String,
    pub author: String,
    pub published: String,
    pub views: i64,
    /// Sanitised when it was saved (`qinglian_domain::article::sanitise`).
    pub body_html: String,
}

impl ArticlePage {
    pub fn new(t: Tr, user: Option<UserView>, a: Article, preview: bool) -> Self {
        Self {
            t,
            user,
            preview,
            published: a
                .published_at
                .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            label_key: format!("column.{}", a.column_code),
            title: a.title,
            column_code: a.column_code,
            source: a.source,
            author: a.author,
            views: a.view_count,
            body_html: a.body_html,
        }
    }
}

pub async fn article(
    State(state): State<AppState>,
    lang: Lang,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = state.store.view_published(&id).await.map_err(|e| match e {
        qinglian_store::StoreError::NotFound => PageError::new(AppError::NotFound, lang),
        other => PageError::new(other, lang),
    })?;
    Ok(render(&ArticlePage::new(
        Tr::new(lang),
        user.map(|u| u.view()),
        a,
        false,
    )))
}
