//! The repository methods whose SQL is the same on SQLite and PostgreSQL.
//!
//! Both dialects accept `$n` parameters, `ON CONFLICT`, `RETURNING` and `CAST(.. AS TEXT)`, so
//! the queries are written once and the macro below stamps them onto each backend's store,
//! which provides `read` and `write` pools. What differs (bulk loads, pragmas, migrations)
//! stays in `sqlite.rs` and `postgres.rs`.

macro_rules! township_select {
    () => {
        "SELECT t.id, t.division_code, t.name, t.kind, \
    (SELECT COUNT(*) FROM village v WHERE v.township_id = t.id) AS village_count, \
    z.id AS zone_id, z.name AS zone_name \
    FROM township t LEFT JOIN zone_member zm ON zm.member_id = t.id LEFT JOIN zone z ON z.id = zm.zone_id"
    };
}
pub(crate) use township_select;

macro_rules! village_select {
    () => {
        "SELECT v.id, v.township_id, t.name AS township_name, v.division_code, v.name, v.kind \
    FROM village v JOIN township t ON t.id = v.township_id"
    };
}
pub(crate) use village_select;

macro_rules! village_where {
    () => {
        " WHERE (CAST($1 AS TEXT) IS NULL OR v.township_id = $1) \
    AND (CAST($2 AS TEXT) IS NULL OR v.name LIKE $2 ESCAPE '\\' OR v.division_code LIKE $3 ESCAPE '\\')"
    };
}
pub(crate) use village_where;

macro_rules! department_select {
    () => {
        "SELECT d.id, d.code, d.name, d.stationed_group_id, g.name AS stationed_group_name \
    FROM department d LEFT JOIN stationed_group g ON g.id = d.stationed_group_id"
    };
}
pub(crate) use department_select;

macro_rules! zone_select {
    () => {
        "SELECT z.id, z.name, z.kind, z.leader_staff_id, s.name AS leader_name, \
    z.liaison_office_id, o.name AS liaison_office_name \
    FROM zone z JOIN staff s ON s.id = z.leader_staff_id JOIN supervision_office o ON o.id = z.liaison_office_id"
    };
}
pub(crate) use zone_select;

pub(crate) const ZONE_MEMBERS: &str = "SELECT zm.member_id AS id, COALESCE(t.division_code, g.code) AS code, COALESCE(t.name, g.name) AS name \
    FROM zone_member zm LEFT JOIN township t ON t.id = zm.member_id LEFT JOIN stationed_group g ON g.id = zm.member_id \
    WHERE zm.zone_id = $1 ORDER BY code";

macro_rules! staff_select {
    () => {
        "SELECT s.id, s.name, s.role, s.posting_kind, s.posting_unit_id, \
    COALESCE(t.name, d.name, g.name) AS posting_unit_name, s.home_township_id, h.name AS home_township_name \
    FROM staff s \
    LEFT JOIN township t ON s.posting_kind = 'township' AND t.id = s.posting_unit_id \
    LEFT JOIN department d ON s.posting_kind = 'department' AND d.id = s.posting_unit_id \
    LEFT JOIN stationed_group g ON s.posting_kind = 'stationed_group' AND g.id = s.posting_unit_id \
    LEFT JOIN township h ON h.id = s.home_township_id"
    };
}
pub(crate) use staff_select;

macro_rules! article_columns {
    () => {
        "SELECT id, column_code, title, source, author, body_html, status, \
    published_at, view_count, created_at, updated_at FROM article"
    };
}
pub(crate) use article_columns;

macro_rules! published_filter {
    () => {
        "WHERE status = 'published' AND (CAST($1 AS TEXT) IS NULL OR column_code = $1)"
    };
}
pub(crate) use published_filter;

/// Escapes LIKE wildcards in user input.
pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

const TOWNSHIP_EXISTS: &str = "SELECT COUNT(*) FROM township WHERE id = $1";
const DEPARTMENT_EXISTS: &str = "SELECT COUNT(*) FROM department WHERE id = $1";
const GROUP_EXISTS: &str = "SELECT COUNT(*) FROM stationed_group WHERE id = $1";

/// The query that finds a posting's unit, by the posting's kind.
pub(crate) fn posting_exists_sql(kind: qinglian_domain::role::PostingKind) -> Option<&'static str> {
    use qinglian_domain::role::PostingKind as P;
    match kind {
        P::Commission => None,
        P::Township => Some(TOWNSHIP_EXISTS),
        P::Department => Some(DEPARTMENT_EXISTS),
        P::StationedGroup => Some(GROUP_EXISTS),
    }
}

/// The query that finds a zone member, by the zone's kind.
pub(crate) fn zone_member_exists_sql(kind: qinglian_domain::org::ZoneKind) -> &'static str {
    match kind {
        qinglian_domain::org::ZoneKind::Townships => TOWNSHIP_EXISTS,
        qinglian_domain::org::ZoneKind::StationedGroups => GROUP_EXISTS,
    }
}

macro_rules! portable_repos {
    ($store:ty) => {
        mod portable_impl {
            use super::*;
            use crate::error::{constraint, StoreError};
            use crate::model::*;
            use crate::portable::*;
            use chrono::{DateTime, Utc};
            use qinglian_domain::article::{ArticleInput, Column};
            use qinglian_domain::error::Name;
            use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, UnitInput, VillageInput, ZoneInput};
            use qinglian_domain::role::Role;
            use qinglian_domain::Invalid;

            type R<T> = Result<T, StoreError>;

            impl $store {
                async fn county_required(&self) -> R<County> {
                    crate::repo::OrgRepo::county(self)
                        .await?
                        .ok_or_else(|| StoreError::Invalid(Invalid::field("county", "county.missing", None)))
                }

                async fn zone_members(&self, zone: ZoneRow) -> R<Zone> {
                    let members = sqlx::query_as::<_, Unit>(ZONE_MEMBERS).bind(&zone.id).fetch_all(&self.read).await?;
                    Ok(Zone { zone, members })
                }

                async fn group_with_departments(&self, id: &str) -> R<StationedGroup> {
                    let g = sqlx::query_as::<_, Unit>("SELECT id, code, name FROM stationed_group WHERE id = $1")
                        .bind(id)
                        .fetch_one(&self.read)
                        .await?;
                    let departments = sqlx::query_as::<_, Unit>(
                        "SELECT id, code, name FROM department WHERE stationed_group_id = $1 ORDER BY code",
                    )
                    .bind(id)
                    .fetch_all(&self.read)
                    .await?;
                    Ok(StationedGroup { id: g.id, code: g.code, name: g.name, departments })
                }

                /// Checks the zone's members and leader, then writes the zone in the open transaction.
                async fn write_zone(&self, tx: &mut sqlx::Transaction<'_, <$store as crate::BackendDb>::Db>, id: &str, input: &ZoneInput, create: bool) -> R<()> {
                    let leader_role: Option<String> = sqlx::query_scalar("SELECT role FROM staff WHERE id = $1")
                        .bind(&input.leader_staff_id)
                        .fetch_optional(&mut **tx)
                        .await?;
                    let leader_role = leader_role.ok_or_else(|| Invalid::field("leader_staff_id", "field.unknown_id", None))?;
                    let leader_role = Role::parse("leader_staff_id", &leader_role)?;
                    input.check_leader(leader_role)?;
                    let exists = zone_member_exists_sql(input.kind);
                    for m in &input.member_ids {
                        let n: i64 = sqlx::query_scalar(exists)
                            .bind(m)
                            .fetch_one(&mut **tx)
                            .await?;
                        if n == 0 {
                            return Err(Invalid::field("member_ids", "zone.member_wrong_kind", Some(m)).into());
                        }
                    }
                    let now = Utc::now();
                    if create {
                        sqlx::query("INSERT INTO zone (id, county_id, name, kind, leader_staff_id, liaison_office_id, created_at, updated_at) \
                                     SELECT $1, c.id, $2, $3, $4, $5, $6, $6 FROM county c")
                            .bind(id).bind(input.name.as_str()).bind(input.kind.as_str())
                            .bind(&input.leader_staff_id).bind(&input.liaison_office_id).bind(now)
                            .execute(&mut **tx).await
                            .map_err(constraint("name", Some(input.name.as_str()), "liaison_office_id"))?;
                    } else {
                        let r = sqlx::query("UPDATE zone SET name = $2, kind = $3, leader_staff_id = $4, liaison_office_id = $5, updated_at = $6 WHERE id = $1")
                            .bind(id).bind(input.name.as_str()).bind(input.kind.as_str())
                            .bind(&input.leader_staff_id).bind(&input.liaison_office_id).bind(now)
                            .execute(&mut **tx).await
                            .map_err(constraint("name", Some(input.name.as_str()), "liaison_office_id"))?;
                        if r.rows_affected() == 0 {
                            return Err(StoreError::NotFound);
                        }
                        sqlx::query("DELETE FROM zone_member WHERE zone_id = $1").bind(id).execute(&mut **tx).await?;
                    }
                    for m in &input.member_ids {
                        sqlx::query("INSERT INTO zone_member (zone_id, member_id) VALUES ($1, $2)")
                            .bind(id).bind(m)
                            .execute(&mut **tx).await
                            .map_err(constraint("member_ids", Some(m), "member_ids"))?;
                    }
                    Ok(())
                }

                async fn write_staff(&self, id: Option<&str>, input: &StaffInput) -> R<String> {
                    let mut tx = self.write.begin().await?;
                    if let (Some(exists), Some(unit)) = (posting_exists_sql(input.posting), &input.posting_unit_id) {
                        let n: i64 = sqlx::query_scalar(exists)
                            .bind(unit).fetch_one(&mut *tx).await?;
                        if n == 0 {
                            return Err(Invalid::field("posting_unit_id", "field.unknown_id", Some(unit)).into());
                        }
                    }
                    let now = Utc::now();
                    let id = match id {
                        None => {
                            let id = new_id();
                            sqlx::query("INSERT INTO staff (id, county_id, name, role, posting_kind, posting_unit_id, home_township_id, created_at, updated_at) \
                                         SELECT $1, c.id, $2, $3, $4, $5, $6, $7, $7 FROM county c")
                                .bind(&id).bind(input.name.as_str()).bind(input.role.as_str()).bind(input.posting.as_str())
                                .bind(&input.posting_unit_id).bind(&input.home_township_id).bind(now)
                                .execute(&mut *tx).await
                                .map_err(constraint("id", None, "home_township_id"))?;
                            id
                        }
                        Some(id) => {
                            let r = sqlx::query("UPDATE staff SET name = $2, role = $3, posting_kind = $4, posting_unit_id = $5, home_township_id = $6, updated_at = $7 WHERE id = $1")
                                .bind(id).bind(input.name.as_str()).bind(input.role.as_str()).bind(input.posting.as_str())
                                .bind(&input.posting_unit_id).bind(&input.home_township_id).bind(now)
                                .execute(&mut *tx).await
                                .map_err(constraint("id", None, "home_township_id"))?;
                            if r.rows_affected() == 0 {
                                return Err(StoreError::NotFound);
                            }
                            id.to_owned()
                        }
                    };
                    tx.commit().await?;
                    Ok(id)
                }

                async fn write_article(&self, id: Option<&str>, input: &ArticleInput) -> R<String> {
                    let now = Utc::now();
                    match id {
                        None => {
                            let id = new_id();
                            sqlx::query("INSERT INTO article (id, column_code, title, source, author, body_html, status, view_count, created_at, updated_at) \
                                         VALUES ($1, $2, $3, $4, $5, $6, 'draft', 0, $7, $7)")
                                .bind(&id).bind(input.column.as_str()).bind(&input.title).bind(input.source.as_str())
                                .bind(input.author.as_str()).bind(&input.body_html).bind(now)
                                .execute(&self.write).await?;
                            Ok(id)
                        }
                        Some(id) => {
                            let r = sqlx::query("UPDATE article SET column_code = $2, title = $3, source = $4, author = $5, body_html = $6, updated_at = $7 WHERE id = $1")
                                .bind(id).bind(input.column.as_str()).bind(&input.title).bind(input.source.as_str())
                                .bind(input.author.as_str()).bind(&input.body_html).bind(now)
                                .execute(&self.write).await?;
                            if r.rows_affected() == 0 {
                                return Err(StoreError::NotFound);
                            }
                            Ok(id.to_owned())
                        }
                    }
                }
            }

            #[async_trait::async_trait]
            impl crate::repo::OrgRepo for $store {
                async fn county(&self) -> R<Option<County>> {
                    Ok(sqlx::query_as::<_, County>("SELECT id, division_code, name FROM county ORDER BY created_at LIMIT 1")
                        .fetch_optional(&self.read).await?)
                }

                async fn upsert_county(&self, input: &CountyInput) -> R<County> {
                    let mut tx = self.write.begin().await?;
                    let other: Option<String> = sqlx::query_scalar("SELECT division_code FROM county WHERE division_code <> $1 LIMIT 1")
                        .bind(input.code.as_str()).fetch_optional(&mut *tx).await?;
                    if other.is_some() {
                        return Err(StoreError::Conflict { field: "county", value: other });
                    }
                    sqlx::query("INSERT INTO county (id, division_code, name, created_at) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT (division_code) DO UPDATE SET name = excluded.name")
                        .bind(new_id()).bind(input.code.as_str()).bind(input.name.as_str()).bind(Utc::now())
                        .execute(&mut *tx).await?;
                    let c = sqlx::query_as::<_, County>("SELECT id, division_code, name FROM county WHERE division_code = $1")
                        .bind(input.code.as_str()).fetch_one(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn list_townships(&self) -> R<Vec<Township>> {
                    Ok(sqlx::query_as::<_, Township>(concat!(township_select!(), " ORDER BY t.division_code"))
                        .fetch_all(&self.read).await?)
                }

                async fn get_township(&self, id: &str) -> R<Township> {
                    Ok(sqlx::query_as::<_, Township>(concat!(township_select!(), " WHERE t.id = $1"))
                        .bind(id).fetch_one(&self.read).await?)
                }

                async fn create_township(&self, input: &TownshipInput) -> R<Township> {
                    let county = self.county_required().await?;
                    qinglian_domain::org::check_within_county(&county.division_code, &input.code)?;
                    let id = new_id();
                    let now = Utc::now();
                    sqlx::query("INSERT INTO township (id, county_id, division_code, name, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
                        .bind(&id).bind(&county.id).bind(input.code.as_str()).bind(input.name.as_str()).bind(input.kind.as_str()).bind(now)
                        .execute(&self.write).await
                        .map_err(constraint("division_code", Some(input.code.as_str()), "county"))?;
                    self.get_township(&id).await
                }

                async fn rename_township(&self, id: &str, name: &Name) -> R<Township> {
                    let kind = qinglian_domain::org::TownshipKind::from_name(name.as_str());
                    let r = sqlx::query("UPDATE township SET name = $2, kind = $3, updated_at = $4 WHERE id = $1")
                        .bind(id).bind(name.as_str()).bind(kind.as_str()).bind(Utc::now())
                        .execute(&self.write).await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    self.get_township(id).await
                }

                async fn list_villages(&self, filter: &VillageFilter, page: PageRequest) -> R<Paged<Village>> {
                    let q = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
                    let name_like = q.map(|s| format!("%{}%", like_escape(s)));
                    let code_like = q.map(|s| format!("{}%", like_escape(s)));
                    let items = sqlx::query_as::<_, Village>(concat!(village_select!(), village_where!(), " ORDER BY v.division_code LIMIT $4 OFFSET $5"))
                        .bind(&filter.township_id).bind(&name_like).bind(&code_like).bind(page.limit).bind(page.offset)
                        .fetch_all(&self.read).await?;
                    let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) FROM village v", village_where!()))
                        .bind(&filter.township_id).bind(&name_like).bind(&code_like)
                        .fetch_one(&self.read).await?;
                    Ok(Paged { items, total })
                }

                async fn get_village(&self, id: &str) -> R<Village> {
                    Ok(sqlx::query_as::<_, Village>(concat!(village_select!(), " WHERE v.id = $1"))
                        .bind(id).fetch_one(&self.read).await?)
                }

                async fn create_village(&self, input: &VillageInput) -> R<Village> {
                    let township_id: Option<String> = sqlx::query_scalar("SELECT id FROM township WHERE division_code = $1")
                        .bind(input.township_code().as_str()).fetch_optional(&self.read).await?;
                    let township_id = township_id.ok_or_else(|| Invalid::field("division_code", "village.no_township", Some(input.code.as_str())))?;
                    let id = new_id();
                    let now = Utc::now();
                    sqlx::query("INSERT INTO village (id, township_id, division_code, name, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
                        .bind(&id).bind(&township_id).bind(input.code.as_str()).bind(input.name.as_str()).bind(input.kind.as_str()).bind(now)
                        .execute(&self.write).await
                        .map_err(constraint("division_code", Some(input.code.as_str()), "township_id"))?;
                    self.get_village(&id).await
                }

                async fn rename_village(&self, id: &str, name: &Name) -> R<Village> {
                    let kind = qinglian_domain::org::VillageKind::from_name(name.as_str());
                    let r = sqlx::query("UPDATE village SET name = $2, kind = $3, updated_at = $4 WHERE id = $1")
                        .bind(id).bind(name.as_str()).bind(kind.as_str()).bind(Utc::now())
                        .execute(&self.write).await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    self.get_village(id).await
                }

                async fn list_departments(&self) -> R<Vec<Department>> {
                    Ok(sqlx::query_as::<_, Department>(concat!(department_select!(), " ORDER BY d.code")).fetch_all(&self.read).await?)
                }

                async fn create_department(&self, input: &UnitInput) -> R<Department> {
                    let county = self.county_required().await?;
                    let id = new_id();
                    sqlx::query("INSERT INTO department (id, county_id, code, name) VALUES ($1, $2, $3, $4)")
                        .bind(&id).bind(&county.id).bind(input.code.as_str()).bind(input.name.as_str())
                        .execute(&self.write).await
                        .map_err(constraint("code", Some(input.code.as_str()), "county"))?;
                    Ok(sqlx::query_as::<_, Department>(concat!(department_select!(), " WHERE d.id = $1")).bind(&id).fetch_one(&self.read).await?)
                }

                async fn list_offices(&self) -> R<Vec<Unit>> {
                    Ok(sqlx::query_as::<_, Unit>("SELECT id, code, name FROM supervision_office ORDER BY code").fetch_all(&self.read).await?)
                }

                async fn create_office(&self, input: &UnitInput) -> R<Unit> {
                    let county = self.county_required().await?;
                    let id = new_id();
                    sqlx::query("INSERT INTO supervision_office (id, county_id, code, name) VALUES ($1, $2, $3, $4)")
                        .bind(&id).bind(&county.id).bind(input.code.as_str()).bind(input.name.as_str())
                        .execute(&self.write).await
                        .map_err(constraint("code", Some(input.code.as_str()), "county"))?;
                    Ok(Unit { id, code: input.code.as_str().to_owned(), name: input.name.as_str().to_owned() })
                }

                async fn list_stationed_groups(&self) -> R<Vec<StationedGroup>> {
                    let groups = sqlx::query_as::<_, Unit>("SELECT id, code, name FROM stationed_group ORDER BY code").fetch_all(&self.read).await?;
                    let deps = self.list_departments().await?;
                    Ok(groups.into_iter().map(|g| {
                        let departments = deps.iter()
                            .filter(|d| d.stationed_group_id.as_deref() == Some(g.id.as_str()))
                            .map(|d| Unit { id: d.id.clone(), code: d.code.clone(), name: d.name.clone() })
                            .collect();
                        StationedGroup { id: g.id, code: g.code, name: g.name, departments }
                    }).collect())
                }

                async fn get_stationed_group(&self, id: &str) -> R<StationedGroup> {
                    self.group_with_departments(id).await
                }

                async fn create_stationed_group(&self, input: &UnitInput, department_ids: &[String]) -> R<StationedGroup> {
                    let county = self.county_required().await?;
                    let id = new_id();
                    let mut tx = self.write.begin().await?;
                    sqlx::query("INSERT INTO stationed_group (id, county_id, code, name) VALUES ($1, $2, $3, $4)")
                        .bind(&id).bind(&county.id).bind(input.code.as_str()).bind(input.name.as_str())
                        .execute(&mut *tx).await
                        .map_err(constraint("code", Some(input.code.as_str()), "county"))?;
                    for d in department_ids {
                        let r = sqlx::query("UPDATE department SET stationed_group_id = $1 WHERE id = $2")
                            .bind(&id).bind(d).execute(&mut *tx).await?;
                        if r.rows_affected() == 0 {
                            return Err(Invalid::field("department_ids", "field.unknown_id", Some(d)).into());
                        }
                    }
                    tx.commit().await?;
                    self.group_with_departments(&id).await
                }

                async fn list_zones(&self) -> R<Vec<Zone>> {
                    let rows = sqlx::query_as::<_, ZoneRow>(concat!(zone_select!(), " ORDER BY z.kind DESC, z.name")).fetch_all(&self.read).await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for z in rows {
                        out.push(self.zone_members(z).await?);
                    }
                    Ok(out)
                }

                async fn get_zone(&self, id: &str) -> R<Zone> {
                    let z = sqlx::query_as::<_, ZoneRow>(concat!(zone_select!(), " WHERE z.id = $1")).bind(id).fetch_one(&self.read).await?;
                    self.zone_members(z).await
                }

                async fn create_zone(&self, input: &ZoneInput) -> R<Zone> {
                    self.county_required().await?;
                    let id = new_id();
                    let mut tx = self.write.begin().await?;
                    self.write_zone(&mut tx, &id, input, true).await?;
                    tx.commit().await?;
                    self.get_zone(&id).await
                }

                async fn update_zone(&self, id: &str, input: &ZoneInput) -> R<Zone> {
                    let mut tx = self.write.begin().await?;
                    self.write_zone(&mut tx, id, input, false).await?;
                    tx.commit().await?;
                    self.get_zone(id).await
                }

                async fn list_staff(&self, page: PageRequest) -> R<Paged<Staff>> {
                    let items = sqlx::query_as::<_, Staff>(concat!(staff_select!(), " ORDER BY s.role, s.name, s.id LIMIT $1 OFFSET $2"))
                        .bind(page.limit).bind(page.offset).fetch_all(&self.read).await?;
                    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff").fetch_one(&self.read).await?;
                    Ok(Paged { items, total })
                }

                async fn get_staff(&self, id: &str) -> R<Staff> {
                    Ok(sqlx::query_as::<_, Staff>(concat!(staff_select!(), " WHERE s.id = $1")).bind(id).fetch_one(&self.read).await?)
                }

                async fn create_staff(&self, input: &StaffInput) -> R<Staff> {
                    self.county_required().await?;
                    let id = self.write_staff(None, input).await?;
                    self.get_staff(&id).await
                }

                async fn update_staff(&self, id: &str, input: &StaffInput) -> R<Staff> {
                    self.write_staff(Some(id), input).await?;
                    self.get_staff(id).await
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
                    let r = sqlx::query("UPDATE article SET view_count = view_count + 1 WHERE id = $1 AND status = 'published'")
                        .bind(id).execute(&self.write).await?;
                    if r.rows_affected() == 0 {
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

                async fn create_article(&self, input: &ArticleInput) -> R<Article> {
                    let id = self.write_article(None, input).await?;
                    self.get_article(&id).await
                }

                async fn update_article(&self, id: &str, input: &ArticleInput) -> R<Article> {
                    self.write_article(Some(id), input).await?;
                    self.get_article(id).await
                }

                async fn set_published(&self, id: &str, published: bool, at: DateTime<Utc>) -> R<Article> {
                    let (status, when) = if published { ("published", Some(at)) } else { ("draft", None) };
                    let r = sqlx::query("UPDATE article SET status = $2, published_at = $3, updated_at = $4 WHERE id = $1")
                        .bind(id).bind(status).bind(when).bind(at).execute(&self.write).await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    self.get_article(id).await
                }
            }

            #[async_trait::async_trait]
            impl crate::repo::DivisionRepo for $store {
                async fn import_divisions(&self, rows: &[DivisionInput], progress: &(dyn Fn(u64) + Send + Sync)) -> R<ImportCounts> {
                    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM division").fetch_one(&self.read).await?;
                    let affected = self.bulk_upsert_divisions(rows, progress).await?;
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

                async fn load_county(&self, county_code: &str) -> R<CountyLoad> {
                    use qinglian_domain::division::DivisionLevel;
                    let code = qinglian_domain::division::DivisionCode::parse_at("county", county_code, DivisionLevel::County)?;
                    let county = sqlx::query_as::<_, Division>("SELECT code, level, name, parent_code FROM division WHERE code = $1")
                        .bind(code.as_str()).fetch_optional(&self.read).await?
                        .ok_or_else(|| Invalid::field("county", "division.not_in_registry", Some(county_code)))?;
                    let townships = self.division_children(&county.code).await?;
                    let input = CountyInput::parse(&county.code, &county.name)?;
                    let mut tx = self.write.begin().await?;
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
                    tx.commit().await?;
                    Ok(load)
                }
            }

            #[async_trait::async_trait]
            impl crate::repo::AccountRepo for $store {
                async fn create_account(&self, staff_id: &str, username: &str, password_hash: &str) -> R<String> {
                    let id = new_id();
                    // Both columns are unique; say which one clashed.
                    let has: Option<String> = sqlx::query_scalar("SELECT id FROM account WHERE staff_id = $1").bind(staff_id).fetch_optional(&self.read).await?;
                    if has.is_some() {
                        return Err(StoreError::Conflict { field: "staff_id", value: None });
                    }
                    sqlx::query("INSERT INTO account (id, staff_id, username, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&id).bind(staff_id).bind(username).bind(password_hash).bind(false).bind(Utc::now())
                        .execute(&self.write).await
                        .map_err(constraint("username", Some(username), "staff_id"))?;
                    Ok(id)
                }

                async fn find_account(&self, username: &str) -> R<Option<AccountRow>> {
                    Ok(sqlx::query_as::<_, AccountRow>("SELECT id, staff_id, username, password_hash, disabled, totp_secret FROM account WHERE username = $1")
                        .bind(username).fetch_optional(&self.read).await?)
                }

                async fn create_session(&self, token_hash: &str, account_id: &str, csrf_token: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> R<()> {
                    sqlx::query("INSERT INTO session (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)")
                        .bind(token_hash).bind(account_id).bind(csrf_token).bind(now).bind(expires_at)
                        .execute(&self.write).await?;
                    Ok(())
                }

                async fn create_pending_session(&self, token_hash: &str, account_id: &str, csrf_token: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>, stage: SessionStage<'_>) -> R<()> {
                    sqlx::query("INSERT INTO session (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at, stage, pending_secret) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)")
                        .bind(token_hash).bind(account_id).bind(csrf_token).bind(now).bind(expires_at).bind(stage.as_str()).bind(stage.pending_secret())
                        .execute(&self.write).await?;
                    Ok(())
                }

                async fn complete_session(&self, token_hash: &str) -> R<()> {
                    let r = sqlx::query("UPDATE session SET stage = 'full', pending_secret = NULL WHERE token_hash = $1")
                        .bind(token_hash).execute(&self.write).await?;
                    if r.rows_affected() == 0 { return Err(StoreError::NotFound); }
                    Ok(())
                }

                async fn set_totp_secret(&self, account_id: &str, secret: Option<&str>) -> R<()> {
                    let r = sqlx::query("UPDATE account SET totp_secret = $2, totp_last_step = NULL WHERE id = $1")
                        .bind(account_id).bind(secret).execute(&self.write).await?;
                    if r.rows_affected() == 0 { return Err(StoreError::NotFound); }
                    Ok(())
                }

                async fn use_totp_step(&self, account_id: &str, step: i64) -> R<bool> {
                    let r = sqlx::query("UPDATE account SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)")
                        .bind(account_id).bind(step).execute(&self.write).await?;
                    Ok(r.rows_affected() == 1)
                }

                async fn roles_requiring_totp(&self) -> R<Vec<String>> {
                    Ok(sqlx::query_scalar("SELECT role FROM role_policy WHERE require_totp = $1 ORDER BY role")
                        .bind(true).fetch_all(&self.read).await?)
                }

                async fn set_role_requires_totp(&self, role: &str, required: bool) -> R<()> {
                    sqlx::query("INSERT INTO role_policy (role, require_totp) VALUES ($1, $2) ON CONFLICT (role) DO UPDATE SET require_totp = excluded.require_totp")
                        .bind(role).bind(required).execute(&self.write).await
                        .map_err(constraint("role", Some(role), "role"))?;
                    Ok(())
                }

                async fn session_user(&self, token_hash: &str, now: DateTime<Utc>, idle_since: DateTime<Utc>) -> R<Option<SessionUser>> {
                    let user = sqlx::query_as::<_, SessionUser>(
                        "SELECT a.id AS account_id, a.username, s.id AS staff_id, s.name AS staff_name, s.role, s.posting_kind, s.posting_unit_id, \
                         se.csrf_token, se.expires_at, se.last_seen_at, se.stage, se.pending_secret, a.totp_secret \
                         FROM session se JOIN account a ON a.id = se.account_id JOIN staff s ON s.id = a.staff_id \
                         WHERE se.token_hash = $1 AND a.disabled = $2")
                        .bind(token_hash).bind(false).fetch_optional(&self.read).await?;
                    match user {
                        Some(u) if u.expires_at > now && u.last_seen_at > idle_since => Ok(Some(u)),
                        Some(_) => {
                            self.delete_session(token_hash).await?;
                            Ok(None)
                        }
                        None => Ok(None),
                    }
                }

                async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> R<()> {
                    sqlx::query("UPDATE session SET last_seen_at = $2 WHERE token_hash = $1").bind(token_hash).bind(now).execute(&self.write).await?;
                    Ok(())
                }

                async fn delete_session(&self, token_hash: &str) -> R<()> {
                    sqlx::query("DELETE FROM session WHERE token_hash = $1").bind(token_hash).execute(&self.write).await?;
                    Ok(())
                }

                async fn login_locked_until(&self, key: &str, now: DateTime<Utc>) -> R<Option<DateTime<Utc>>> {
                    let until: Option<Option<DateTime<Utc>>> = sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE key = $1")
                        .bind(key).fetch_optional(&self.write).await?;
                    Ok(until.flatten().filter(|u| *u > now))
                }

                async fn record_login_failure(&self, key: &str, now: DateTime<Utc>, window: chrono::Duration, limit: i64, lock_for: chrono::Duration) -> R<Option<DateTime<Utc>>> {
                    // One statement, so concurrent failures on PostgreSQL cannot lose a count.
                    let row: (i64, Option<DateTime<Utc>>) = sqlx::query_as(
                        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, NULL) \
                         ON CONFLICT (key) DO UPDATE SET \
                           failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
                           window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END \
                         RETURNING failures, locked_until")
                        .bind(key).bind(now).bind(now - window).fetch_one(&self.write).await?;
                    if row.0 >= limit {
                        let until = now + lock_for;
                        sqlx::query("UPDATE login_throttle SET locked_until = $2, failures = 0, window_start = $3 WHERE key = $1")
                            .bind(key).bind(until).bind(now).execute(&self.write).await?;
                        return Ok(Some(until));
                    }
                    Ok(row.1.filter(|u| *u > now))
                }

                async fn clear_login_failures(&self, key: &str) -> R<()> {
                    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&self.write).await?;
                    Ok(())
                }

                async fn delete_expired_sessions(&self, now: DateTime<Utc>, idle_since: DateTime<Utc>) -> R<u64> {
                    let r = sqlx::query("DELETE FROM session WHERE expires_at <= $1 OR last_seen_at <= $2")
                        .bind(now).bind(idle_since).execute(&self.write).await?;
                    Ok(r.rows_affected())
                }
            }

            #[async_trait::async_trait]
            impl crate::repo::JobRepo for $store {
                async fn claim_job(&self, name: &str, owner: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> R<bool> {
                    let r = sqlx::query("INSERT INTO job_claim (name, owner, locked_until) VALUES ($1, $2, $3) \
                                         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, locked_until = excluded.locked_until \
                                         WHERE job_claim.locked_until IS NULL OR job_claim.locked_until < $4 OR job_claim.owner = $2")
                        .bind(name).bind(owner).bind(lease_until).bind(now).execute(&self.write).await?;
                    Ok(r.rows_affected() == 1)
                }

                async fn finish_job(&self, name: &str, owner: &str, now: DateTime<Utc>) -> R<()> {
                    sqlx::query("UPDATE job_claim SET owner = NULL, locked_until = NULL, last_run_at = $3 WHERE name = $1 AND owner = $2")
                        .bind(name).bind(owner).bind(now).execute(&self.write).await?;
                    Ok(())
                }
            }
        }
    };
}
pub(crate) use portable_repos;
