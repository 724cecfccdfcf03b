//! Portal articles on both backends.

macro_rules! article_impl {
    ($store:ty) => {
        impl $store {
            async fn write_article(&self, actor: &Actor, id: Option<&str>, input: &ArticleInput) -> R<String> {
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let (id, action) = match id {
                    None => {
                        let id = new_id();
                        sqlx::query("INSERT INTO article (id, column_code, title, source, author, body_html, status, view_count, created_at, updated_at) \
                                     VALUES ($1, $2, $3, $4, $5, $6, 'draft', 0, $7, $7)")
                            .bind(&id).bind(input.column.as_str()).bind(&input.title).bind(input.source.as_str())
                            .bind(input.author.as_str()).bind(&input.body_html).bind(now)
                            .execute(&mut *tx).await?;
                        (id, AuditAction::ArticleCreate)
                    }
                    Some(id) => {
                        let r = sqlx::query("UPDATE article SET column_code = $2, title = $3, source = $4, author = $5, body_html = $6, updated_at = $7 WHERE id = $1")
                            .bind(id).bind(input.column.as_str()).bind(&input.title).bind(input.source.as_str())
                            .bind(input.author.as_str()).bind(&input.body_html).bind(now)
                            .execute(&mut *tx).await?;
                        if r.rows_affected() == 0 {
                            return Err(StoreError::NotFound);
                        }
                        (id.to_owned(), AuditAction::ArticleUpdate)
                    }
                };
                self.audit_tx(&mut tx, actor, action, Some(&id), None).await?;
                tx.commit().await?;
                Ok(id)
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::ArticleRepo for $store {
            async fn list_published(&self, column: Option<Column>, page: PageRequest) -> R<Paged<Article>> {
                let col = column.map(|c| c.as_str());

                let items = sqlx::query_as::<_, Article>(concat!(article_columns!(), " ", published_filter!(), " ORDER BY published_at DESC, id DESC LIMIT $2 OFFSET $3"))
                    .bind(col).bind(page.limit).bind(page.offset).fetch_all(&self.read).await?;
                let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) FROM article ", published_filter!())).bind(col).fetch_one(&self.read).await?;
                Ok(Paged { items, total })
            }

            async fn view_published(&self, id: &str) -> R<Article> {
                let r = self.write_one(sqlx::query("UPDATE article SET view_count = view_count + 1 WHERE id = $1 AND status = 'published'")
                    .bind(id)).await?;
                if r == 0 {
                    return Err(StoreError::NotFound);
                }
                self.get_article(id).await
            }

            async fn list_articles(&self, page: PageRequest) -> R<Paged<Article>> {
                let items = sqlx::query_as::<_, Article>(concat!(article_columns!(), " ORDER BY updated_at DESC, id DESC LIMIT $1 OFFSET $2"))
                    .bind(page.limit).bind(page.offset).fetch_all(&self.read).await?;
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM article").fetch_one(&self.read).await?;
                Ok(Paged { items, total })
            }

            async fn get_article(&self, id: &str) -> R<Article> {
                Ok(sqlx::query_as::<_, Article>(concat!(article_columns!(), " WHERE id = $1")).bind(id).fetch_one(&self.read).await?)
            }

            async fn create_article(&self, actor: &Actor, input: &ArticleInput) -> R<Article> {
                let id = self.write_article(actor, None, input).await?;
                self.get_article(&id).await
            }

            async fn update_article(&self, actor: &Actor, id: &str, input: &ArticleInput) -> R<Article> {
                self.write_article(actor, Some(id), input).await?;
                self.get_article(id).await
            }

            async fn set_published(&self, actor: &Actor, id: &str, published: bool, at: DateTime<Utc>) -> R<Article> {
                let (status, when) = if published { ("published", Some(at)) } else { ("draft", None) };
                let mut tx = self.begin_write().await?;
                let r = sqlx::query("UPDATE article SET status = $2, published_at = $3, updated_at = $4 WHERE id = $1")
                    .bind(id).bind(status).bind(when).bind(at).execute(&mut *tx).await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let action = if published { AuditAction::ArticlePublish } else { AuditAction::ArticleUnpublish };
                self.audit_tx(&mut tx, actor, action, Some(id), None).await?;
                tx.commit().await?;
                self.get_article(id).await
            }
        }
    };
}
pub(crate) use article_impl;
