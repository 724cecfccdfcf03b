//! Published portal articles, readable by anyone.

use axum::extract::{Path, State};
use qinglian_domain::article::Column;
use qinglian_store::model::Article;
use serde::{Deserialize, Serialize};

use super::Paging;
use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// notice, news, integrity_class or experience
    pub column: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticlePage {
    pub items: Vec<Article>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/articles", tag = "portal", params(ArticleQuery),
    responses((status = 200, body = ArticlePage), (status = 422, body = ErrorBody)))]
pub async fn list_articles(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ArticleQuery>,
) -> Result<ApiJson<ArticlePage>, ApiError> {
    let column = q.column.as_deref().map(|c| Column::parse("column", c)).transpose()?;
    let paging = Paging {
        page: q.page,
        per_page: q.per_page,
    };
    let page = state.store.list_published(column, paging.request()).await?;
    Ok(ApiJson(ArticlePage {
        items: page.items,
        total: page.total,
    }))
}

/// A published article; reading it counts a view.
#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "portal", params(("id" = String, Path)),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
pub async fn get_article(State(state): State<AppState>, Path(id): Path<String>) -> Result<ApiJson<Article>, ApiError> {
    Ok(ApiJson(state.store.view_published(&id).await?))
}
