//! The national registry and loading a county from it, on both backends.

macro_rules! division_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::repo::DivisionRepo for $store {
            async fn import_divisions(&self, actor: &Actor, rows: &[DivisionInput], progress: &(dyn Fn(u64) + Send + Sync)) -> R<ImportCounts> {
                let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM division").fetch_one(&self.read).await?;
                let affected = self.bulk_upsert_divisions(actor, rows, progress).await?;
                let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM division").fetch_one(&self.read).await?;
                let inserted = u64::try_from(after - before).unwrap_or(0);
                let updated = affected.saturating_sub(inserted);
                Ok(ImportCounts { inserted, updated, unchanged: (rows.len() as u64).saturating_sub(affected) })
            }

            async fn get_division(&self, code: &str) -> R<Division> {
                Ok(sqlx::query_as::<_, Division>("SELECT code, level, name, parent_code FROM division WHERE code = $1")
                    .bind(code).fetch_one(&self.read).await?)
            }

            async fn division_children(&self, code: &str) -> R<Vec<Division>> {
                Ok(sqlx::query_as::<_, Division>("SELECT code, level, name, parent_code FROM division WHERE parent_code = $1 ORDER BY code")
                    .bind(code).fetch_all(&self.read).await?)
            }

            async fn count_divisions(&self, level: qinglian_domain::division::DivisionLevel) -> R<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM division WHERE level = $1").bind(level.as_str()).fetch_one(&self.read).await?)
            }

            async fn load_county(&self, actor: &Actor, county_code: &str) -> R<CountyLoad> {
                use qinglian_domain::division::DivisionLevel;
                let code = qinglian_domain::division::DivisionCode::parse_at("county", county_code, DivisionLevel::County)?;
                let county = sqlx::query_as::<_, Division>("SELECT code, level, name, parent_code FROM division WHERE code = $1")
                    .bind(code.as_str()).fetch_optional(&self.read).await?
                    .ok_or_else(|| Invalid::field("county", "division.not_in_registry", Some(county_code)))?;
                let townships = self.division_children(&county.code).await?;
                let input = CountyInput::parse(&county.code, &county.name)?;
                let mut tx = self.begin_write().await?;
                let other: Option<String> = sqlx::query_scalar("SELECT division_code FROM county WHERE division_code <> $1 LIMIT 1")
                    .bind(input.code.as_str()).fetch_optional(&mut *tx).await?;
                if other.is_some() {
                    return Err(StoreError::Conflict { field: "county", value: other });
                }
                let now = Utc::now();
                sqlx::query("INSERT INTO county (id, division_code, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (division_code) DO NOTHING")
                    .bind(new_id()).bind(input.code.as_str()).bind(input.name.as_str()).bind(now).execute(&mut *tx).await?;
                let county_id: String = sqlx::query_scalar("SELECT id FROM county WHERE division_code = $1")
                    .bind(input.code.as_str()).fetch_one(&mut *tx).await?;
                let mut load = CountyLoad::default();
                for t in &townships {
                    let t_in = TownshipInput::parse(&t.code, &t.name)?;
                    let r = sqlx::query("INSERT INTO township (id, county_id, division_code, name, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (division_code) DO NOTHING")
                        .bind(new_id()).bind(&county_id).bind(t_in.code.as_str()).bind(t_in.name.as_str()).bind(t_in.kind.as_str()).bind(now)
                        .execute(&mut *tx).await?;
                    load.townships_new += r.rows_affected();
                    load.townships += 1;
                    sqlx::query("UPDATE township SET name = $2, kind = $3, updated_at = $4 WHERE division_code = $1 AND name <> $2")
                        .bind(t_in.code.as_str()).bind(t_in.name.as_str()).bind(t_in.kind.as_str()).bind(now).execute(&mut *tx).await?;
                    let township_id: String = sqlx::query_scalar("SELECT id FROM township WHERE division_code = $1")
                        .bind(t_in.code.as_str()).fetch_one(&mut *tx).await?;
                    let villages = sqlx::query_as::<_, Division>("SELECT code, level, name, parent_code FROM division WHERE parent_code = $1 ORDER BY code")
                        .bind(t_in.code.as_str()).fetch_all(&mut *tx).await?;
                    for v in &villages {
                        let v_in = VillageInput::parse(&v.code, &v.name)?;
                        let r = sqlx::query("INSERT INTO village (id, township_id, division_code, name, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (division_code) DO NOTHING")
                            .bind(new_id()).bind(&township_id).bind(v_in.code.as_str()).bind(v_in.name.as_str()).bind(v_in.kind.as_str()).bind(now)
                            .execute(&mut *tx).await?;
                        load.villages_new += r.rows_affected();
                        load.villages += 1;
                        sqlx::query("UPDATE village SET name = $2, kind = $3, updated_at = $4 WHERE division_code = $1 AND name <> $2")
                            .bind(v_in.code.as_str()).bind(v_in.name.as_str()).bind(v_in.kind.as_str()).bind(now).execute(&mut *tx).await?;
                    }
                }
                let detail = format!("{} townships, {} villages", load.townships, load.villages);
                self.audit_tx(&mut tx, actor, AuditAction::CountyLoad, Some(&county_id), Some(&detail)).await?;
                tx.commit().await?;
                Ok(load)
            }
        }
    };
}
pub(crate) use division_impl;
