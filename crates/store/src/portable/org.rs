//! Townships, villages, units, zones and staff: the org model on both backends.

macro_rules! org_impl {
    ($store:ty) => {
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
            async fn write_zone(&self, tx: &mut Tx, id: &str, input: &ZoneInput, create: bool) -> R<()> {
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

            async fn write_staff(&self, actor: &Actor, id: Option<&str>, input: &StaffInput) -> R<String> {
                let id_given = id.is_some();
                let mut tx = self.begin_write().await?;
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
                let action = if id_given { AuditAction::StaffUpdate } else { AuditAction::StaffCreate };
                self.audit_tx(&mut tx, actor, action, Some(&id), Some(input.role.as_str())).await?;
                tx.commit().await?;
                Ok(id)
            }

        }

        #[async_trait::async_trait]
        impl crate::repo::OrgRepo for $store {
            async fn county(&self) -> R<Option<County>> {
                Ok(sqlx::query_as::<_, County>("SELECT id, division_code, name FROM county ORDER BY created_at LIMIT 1")
                    .fetch_optional(&self.read).await?)
            }

            async fn upsert_county(&self, actor: &Actor, input: &CountyInput) -> R<County> {
                let mut tx = self.begin_write().await?;
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
                self.audit_tx(&mut tx, actor, AuditAction::CountySet, Some(&c.id), Some(input.code.as_str())).await?;
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

            async fn create_township(&self, actor: &Actor, input: &TownshipInput) -> R<Township> {
                let county = self.county_required().await?;
                qinglian_domain::org::check_within_county(&county.division_code, &input.code)?;
                let id = new_id();
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO township (id, county_id, division_code, name, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
                    .bind(&id).bind(&county.id).bind(input.code.as_str()).bind(input.name.as_str()).bind(input.kind.as_str()).bind(now)
                    .execute(&mut *tx).await
                    .map_err(constraint("division_code", Some(input.code.as_str()), "county"))?;
                self.audit_tx(&mut tx, actor, AuditAction::TownshipCreate, Some(&id), Some(input.code.as_str())).await?;
                tx.commit().await?;
                self.get_township(&id).await
            }

            async fn rename_township(&self, actor: &Actor, id: &str, name: &Name) -> R<Township> {
                let kind = qinglian_domain::org::TownshipKind::from_name(name.as_str());
                let mut tx = self.begin_write().await?;
                let r = sqlx::query("UPDATE township SET name = $2, kind = $3, updated_at = $4 WHERE id = $1")
                    .bind(id).bind(name.as_str()).bind(kind.as_str()).bind(Utc::now())
                    .execute(&mut *tx).await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                self.audit_tx(&mut tx, actor, AuditAction::TownshipRename, Some(id), None).await?;
                tx.commit().await?;
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

            async fn create_village(&self, actor: &Actor, input: &VillageInput) -> R<Village> {
                let township_id: Option<String> = sqlx::query_scalar("SELECT id FROM township WHERE division_code = $1")
                    .bind(input.township_code().as_str()).fetch_optional(&self.read).await?;
                let township_id = township_id.ok_or_else(|| Invalid::field("division_code", "village.no_township", Some(input.code.as_str())))?;
                let id = new_id();
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO village (id, township_id, division_code, name, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
                    .bind(&id).bind(&township_id).bind(input.code.as_str()).bind(input.name.as_str()).bind(input.kind.as_str()).bind(now)
                    .execute(&mut *tx).await
                    .map_err(constraint("division_code", Some(input.code.as_str()), "township_id"))?;
                self.audit_tx(&mut tx, actor, AuditAction::VillageCreate, Some(&id), Some(input.code.as_str())).await?;
                tx.commit().await?;
                self.get_village(&id).await
            }

            async fn rename_village(&self, actor: &Actor, id: &str, name: &Name) -> R<Village> {
                let kind = qinglian_domain::org::VillageKind::from_name(name.as_str());
                let mut tx = self.begin_write().await?;
                let r = sqlx::query("UPDATE village SET name = $2, kind = $3, updated_at = $4 WHERE id = $1")
                    .bind(id).bind(name.as_str()).bind(kind.as_str()).bind(Utc::now())
                    .execute(&mut *tx).await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                self.audit_tx(&mut tx, actor, AuditAction::VillageRename, Some(id), None).await?;
                tx.commit().await?;
                self.get_village(id).await
            }

            async fn list_departments(&self) -> R<Vec<Department>> {
                Ok(sqlx::query_as::<_, Department>(concat!(department_select!(), " ORDER BY d.code")).fetch_all(&self.read).await?)
            }

            async fn create_department(&self, actor: &Actor, input: &UnitInput) -> R<Department> {
                let county = self.county_required().await?;
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO department (id, county_id, code, name) VALUES ($1, $2, $3, $4)")
                    .bind(&id).bind(&county.id).bind(input.code.as_str()).bind(input.name.as_str())
                    .execute(&mut *tx).await
                    .map_err(constraint("code", Some(input.code.as_str()), "county"))?;
                self.audit_tx(&mut tx, actor, AuditAction::DepartmentCreate, Some(&id), Some(input.code.as_str())).await?;
                tx.commit().await?;
                Ok(sqlx::query_as::<_, Department>(concat!(department_select!(), " WHERE d.id = $1")).bind(&id).fetch_one(&self.read).await?)
            }

            async fn list_offices(&self) -> R<Vec<Unit>> {
                Ok(sqlx::query_as::<_, Unit>("SELECT id, code, name FROM supervision_office ORDER BY code").fetch_all(&self.read).await?)
            }

            async fn create_office(&self, actor: &Actor, input: &UnitInput) -> R<Unit> {
                let county = self.county_required().await?;
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO supervision_office (id, county_id, code, name) VALUES ($1, $2, $3, $4)")
                    .bind(&id).bind(&county.id).bind(input.code.as_str()).bind(input.name.as_str())
                    .execute(&mut *tx).await
                    .map_err(constraint("code", Some(input.code.as_str()), "county"))?;
                self.audit_tx(&mut tx, actor, AuditAction::OfficeCreate, Some(&id), Some(input.code.as_str())).await?;
                tx.commit().await?;
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

            async fn create_stationed_group(&self, actor: &Actor, input: &UnitInput, department_ids: &[String]) -> R<StationedGroup> {
                let county = self.county_required().await?;
                let id = new_id();
                let mut tx = self.begin_write().await?;
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
                self.audit_tx(&mut tx, actor, AuditAction::StationedGroupCreate, Some(&id), Some(input.code.as_str())).await?;
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

            async fn create_zone(&self, actor: &Actor, input: &ZoneInput) -> R<Zone> {
                self.county_required().await?;
                let id = new_id();
                let mut tx = self.begin_write().await?;
                self.write_zone(&mut tx, &id, input, true).await?;
                self.audit_tx(&mut tx, actor, AuditAction::ZoneCreate, Some(&id), None).await?;
                tx.commit().await?;
                self.get_zone(&id).await
            }

            async fn update_zone(&self, actor: &Actor, id: &str, input: &ZoneInput) -> R<Zone> {
                let mut tx = self.begin_write().await?;
                self.write_zone(&mut tx, id, input, false).await?;
                self.audit_tx(&mut tx, actor, AuditAction::ZoneUpdate, Some(id), None).await?;
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

            async fn create_staff(&self, actor: &Actor, input: &StaffInput) -> R<Staff> {
                self.county_required().await?;
                let id = self.write_staff(actor, None, input).await?;
                self.get_staff(&id).await
            }

            async fn update_staff(&self, actor: &Actor, id: &str, input: &StaffInput) -> R<Staff> {
                self.write_staff(actor, Some(id), input).await?;
                self.get_staff(id).await
            }
        }
    };
}
pub(crate) use org_impl;
