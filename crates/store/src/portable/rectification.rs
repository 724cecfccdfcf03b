//! Rectification orders (督改单) on both backends: the party secretary's post, drafts,
//! sign-offs, follow-ups. The rules are `domain::rectification::order`'s; the store loads
//! the facts, asks the rule, and writes the change with its audit row and log entry in one
//! transaction.

macro_rules! rectification_select {
    () => {
        "SELECT o.id, o.number, o.township_id, t.name AS township_name, o.village_id, v.name AS village_name, \
         o.problem, o.actions, o.deadline, o.state, o.version, s.name AS drafted_by_name, o.created_at, o.issued_at, \
         o.completed_at FROM rectification_order o JOIN township t ON t.id = o.township_id \
         JOIN village v ON v.id = o.village_id LEFT JOIN staff s ON s.id = o.drafted_by"
    };
}
pub(crate) use rectification_select;

macro_rules! plan_select {
    () => {
        "SELECT p.id, p.village_id, v.name AS village_name, p.township_id, t.name AS township_name, p.period_label, \
         p.period_id, p.created_at, \
         (SELECT q.label FROM rating_period q JOIN rating_result r ON r.period_id = q.id AND r.village_id = p.village_id \
          WHERE q.state = 'published' AND q.opened_at > pp.opened_at ORDER BY q.opened_at LIMIT 1) AS next_period_label, \
         (SELECT COALESCE(r.adjusted_grade, r.computed_grade) FROM rating_period q \
          JOIN rating_result r ON r.period_id = q.id AND r.village_id = p.village_id \
          WHERE q.state = 'published' AND q.opened_at > pp.opened_at ORDER BY q.opened_at LIMIT 1) AS next_grade, \
         (SELECT q.published_at FROM rating_period q JOIN rating_result r ON r.period_id = q.id AND r.village_id = p.village_id \
          WHERE q.state = 'published' AND q.opened_at > pp.opened_at ORDER BY q.opened_at LIMIT 1) AS next_published_at \
         FROM village_plan p JOIN village v ON v.id = p.village_id JOIN township t ON t.id = p.township_id \
         LEFT JOIN rating_period pp ON pp.id = p.period_id"
    };
}
pub(crate) use plan_select;

/// The domain's refusal as the store's error: a stale version is a conflict on `version`.
pub(crate) fn refused(r: qinglian_domain::rectification::Refusal) -> crate::error::StoreError {
    use qinglian_domain::rectification::Refusal;
    match r {
        Refusal::Rule(invalid) => crate::error::StoreError::Invalid(invalid),
        Refusal::Stale { current } => crate::error::StoreError::Conflict {
            field: "version",
            value: Some(current.to_string()),
        },
    }
}

macro_rules! rectification_impl {
    ($store:ty) => {
        impl $store {
            /// The order's row, if it is within reach; `NotFound` otherwise, as for an unknown id.
            async fn rect_row(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<RectificationOrderRow> {
                let row = sqlx::query_as::<_, RectificationOrderRow>(concat!(
                    crate::portable::rectification::rectification_select!(),
                    " WHERE o.id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                if !reach.covers_township(&row.township_id) {
                    return Err(StoreError::NotFound);
                }
                Ok(row)
            }

            async fn rect_detail(&self, row: RectificationOrderRow, today: chrono::NaiveDate) -> R<RectificationOrder> {
                use qinglian_domain::rectification::order::{OrderState, is_overdue};
                let sign_offs = sqlx::query_as::<_, RectificationSignOff>(
                    "SELECT post, staff_id, staff_name, signed_at FROM rectification_sign_off WHERE order_id = $1 \
                     ORDER BY signed_at, post",
                )
                .bind(&row.id)
                .fetch_all(&self.read)
                .await?;
                let follow_ups = sqlx::query_as::<_, RectificationFollowUp>(
                    "SELECT seq, kind, body, author_name, at FROM rectification_follow_up WHERE order_id = $1 ORDER BY seq",
                )
                .bind(&row.id)
                .fetch_all(&self.read)
                .await?;
                let state = OrderState::parse(&row.state).unwrap_or(OrderState::Draft);
                Ok(RectificationOrder {
                    overdue: is_overdue(state, row.deadline, today),
                    order: row,
                    sign_offs,
                    follow_ups,
                })
            }

            /// What the rules know of an order: its state, version, signatures and whether the
            /// village has replied.
            async fn rect_facts(&self, detail: &RectificationOrder) -> R<qinglian_domain::rectification::order::OrderFacts> {
                use qinglian_domain::rectification::order::{OrderFacts, OrderState, Post, SignOffFact};
                let state = OrderState::parse(&detail.order.state)
                    .ok_or_else(|| Invalid::field("state", "rectification.state_unknown", Some(&detail.order.state)))?;
                Ok(OrderFacts {
                    state,
                    version: detail.order.version,
                    sign_offs: detail
                        .sign_offs
                        .iter()
                        .filter_map(|s| Post::parse(&s.post).map(|post| SignOffFact { staff_id: s.staff_id.clone(), post }))
                        .collect(),
                    village_replied: detail.follow_ups.iter().any(|f| f.kind == "village_reply"),
                })
            }

            /// The actor's staff id, name and the post they hold in the township, if any.
            async fn rect_post_of(
                &self,
                actor: &Actor,
                township_id: &str,
            ) -> R<(String, String, Option<qinglian_domain::rectification::order::Post>)> {
                use qinglian_domain::rectification::order::{PersonFacts, post_in};
                let staff_id = actor.staff_id.clone().ok_or_else(|| Invalid::field("sign_off", "rectification.signer_not_post_holder", None))?;
                let (name, role, posting_kind, unit): (String, String, String, Option<String>) =
                    sqlx::query_as("SELECT name, role, posting_kind, posting_unit_id FROM staff WHERE id = $1")
                        .bind(&staff_id)
                        .fetch_optional(&self.read)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                let titled: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM township_post WHERE township_id = $1 AND post = 'party_secretary' AND staff_id = $2",
                )
                .bind(township_id)
                .bind(&staff_id)
                .fetch_one(&self.read)
                .await?;
                let role = Role::parse("role", &role)?;
                let posting_township = (posting_kind == "township").then_some(unit).flatten();
                let post = post_in(
                    township_id,
                    PersonFacts {
                        role,
                        posting_township_id: posting_township.as_deref(),
                        titled_party_secretary: titled > 0,
                    },
                );
                Ok((staff_id, name, post))
            }

            /// A plan's row, if it is within reach; `NotFound` otherwise.
            async fn plan_row(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<VillagePlanRow> {
                let row = sqlx::query_as::<_, VillagePlanRow>(concat!(crate::portable::rectification::plan_select!(), " WHERE p.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                if !reach.covers_township(&row.township_id) {
                    return Err(StoreError::NotFound);
                }
                Ok(row)
            }

            /// An item's plan (within reach, else `NotFound`) and what the item rules know of it.
            async fn item_facts(
                &self,
                reach: &qinglian_domain::scope::Reach,
                item_id: &str,
            ) -> R<(VillagePlanRow, qinglian_domain::rectification::item::ItemFacts)> {
                use qinglian_domain::rectification::item::{ItemFacts, ItemState};
                let found: Option<(String, String, String, i64)> =
                    sqlx::query_as("SELECT plan_id, owner_staff_id, state, version FROM rectification_item WHERE id = $1")
                        .bind(item_id)
                        .fetch_optional(&self.read)
                        .await?;
                let (plan_id, owner, state, version) = found.ok_or(StoreError::NotFound)?;
                let plan = self.plan_row(reach, &plan_id).await?;
                let state = ItemState::parse(&state).ok_or_else(|| Invalid::field("state", "rectification.state_unknown", Some(&state)))?;
                Ok((plan, ItemFacts { state, version, owner_staff_id: owner }))
            }

            async fn plan_detail(&self, plan: VillagePlanRow, today: chrono::NaiveDate) -> R<VillagePlan> {
                use qinglian_domain::rectification::item::{ItemState, is_overdue};
                let rows = sqlx::query_as::<_, RectificationItemRow>(
                    "SELECT i.id, i.plan_id, i.seq, i.title, i.owner_staff_id, s.name AS owner_name, i.deadline, \
                     i.expected_result, i.state, i.version, i.created_at FROM rectification_item i \
                     JOIN staff s ON s.id = i.owner_staff_id WHERE i.plan_id = $1 ORDER BY i.seq",
                )
                .bind(&plan.id)
                .fetch_all(&self.read)
                .await?;
                let events: Vec<(String, i64, String, String, String, String, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT e.item_id, e.version, e.kind, e.state, e.body, e.actor_name, e.at FROM rectification_item_event e \
                     JOIN rectification_item i ON i.id = e.item_id WHERE i.plan_id = $1 ORDER BY e.item_id, e.version",
                )
                .bind(&plan.id)
                .fetch_all(&self.read)
                .await?;
                let files: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
                    "SELECT f.item_id, f.version, f.evidence_file_id, e.original_name, b.size FROM rectification_item_file f \
                     JOIN rectification_item i ON i.id = f.item_id JOIN evidence_file e ON e.id = f.evidence_file_id \
                     JOIN evidence_blob b ON b.sha256 = e.sha256 WHERE i.plan_id = $1 ORDER BY f.evidence_file_id",
                )
                .bind(&plan.id)
                .fetch_all(&self.read)
                .await?;
                let items = rows
                    .into_iter()
                    .map(|item| {
                        let state = ItemState::parse(&item.state).unwrap_or(ItemState::Open);
                        let events = events
                            .iter()
                            .filter(|e| e.0 == item.id)
                            .map(|e| RectificationItemEvent {
                                version: e.1,
                                kind: e.2.clone(),
                                state: e.3.clone(),
                                body: e.4.clone(),
                                actor_name: e.5.clone(),
                                at: e.6,
                                file_ids: files.iter().filter(|f| f.0 == item.id && f.1 == e.1).map(|f| f.2.clone()).collect(),
                                files: files
                                    .iter()
                                    .filter(|f| f.0 == item.id && f.1 == e.1)
                                    .map(|f| ItemFile { id: f.2.clone(), name: f.3.clone(), size: f.4 })
                                    .collect(),
                            })
                            .collect();
                        RectificationItem { overdue: is_overdue(state, item.deadline, today), item, events }
                    })
                    .collect::<Vec<_>>();
                let states: Vec<ItemState> =
                    items.iter().map(|i| ItemState::parse(&i.item.state).unwrap_or(ItemState::Open)).collect();
                Ok(VillagePlan { standing: plan.standing(&states), plan, items })
            }

            async fn rect_reload(&self, id: &str, today: chrono::NaiveDate) -> R<RectificationOrder> {
                let row = self.rect_row(&qinglian_domain::scope::Reach::everything(), id).await?;
                self.rect_detail(row, today).await
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::RectificationRepo for $store {
            async fn party_secretary(&self, township_id: &str) -> R<Option<TownshipPost>> {
                Ok(sqlx::query_as::<_, TownshipPost>(
                    "SELECT p.township_id, p.post, p.staff_id, s.name AS staff_name, p.assigned_at FROM township_post p \
                     JOIN staff s ON s.id = p.staff_id WHERE p.township_id = $1 AND p.post = 'party_secretary'",
                )
                .bind(township_id)
                .fetch_optional(&self.read)
                .await?)
            }

            async fn set_party_secretary(&self, actor: &Actor, township_id: &str, staff_id: &str) -> R<TownshipPost> {
                let township: Option<String> = sqlx::query_scalar("SELECT id FROM township WHERE id = $1")
                    .bind(township_id)
                    .fetch_optional(&self.read)
                    .await?;
                township.ok_or(StoreError::NotFound)?;
                let person: Option<(String, String, Option<String>)> =
                    sqlx::query_as("SELECT role, posting_kind, posting_unit_id FROM staff WHERE id = $1")
                        .bind(staff_id)
                        .fetch_optional(&self.read)
                        .await?;
                let (role, kind, unit) = person.ok_or_else(|| Invalid::field("staff_id", "staff.unknown", Some(staff_id)))?;
                let role = Role::parse("role", &role)?;
                let posting_township = (kind == "township").then_some(unit).flatten();
                qinglian_domain::rectification::order::check_party_secretary(township_id, role, posting_township.as_deref())?;
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO township_post (township_id, post, staff_id, assigned_at) VALUES ($1, 'party_secretary', $2, $3) \
                     ON CONFLICT (township_id, post) DO UPDATE SET staff_id = excluded.staff_id, assigned_at = excluded.assigned_at",
                )
                .bind(township_id)
                .bind(staff_id)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("staff_id", Some(staff_id), "staff_id"))?;
                let detail = format!("township {township_id} party_secretary {staff_id}");
                self.audit_tx(&mut tx, actor, AuditAction::TownshipPostSet, Some(township_id), Some(&detail)).await?;
                tx.commit().await?;
                self.party_secretary(township_id).await?.ok_or(StoreError::NotFound)
            }

            async fn list_rectification_orders(
                &self,
                reach: &qinglian_domain::scope::Reach,
                filter: &RectificationFilter,
                today: chrono::NaiveDate,
                page: PageRequest,
            ) -> R<Paged<RectificationOrderSummary>> {
                use qinglian_domain::rectification::order::{OrderState, is_overdue};
                let (mut cond, mut binds) = crate::portable::inspection::reach_clause(reach, None, Some("o.township_id"), None, 1);
                if let Some(t) = &filter.township_id {
                    binds.push(t.clone());
                    cond.push_str(&format!(" AND o.township_id = ${}", binds.len()));
                }
                if let Some(s) = &filter.state {
                    binds.push(s.clone());
                    cond.push_str(&format!(" AND o.state = ${}", binds.len()));
                }
                // The day is bound last, after every text parameter, with its own type.
                if filter.overdue_on.is_some() {
                    cond.push_str(&format!(" AND o.state = 'issued' AND o.deadline < ${}", binds.len() + 1));
                }
                let sql = format!(
                    concat!(crate::portable::rectification::rectification_select!(), " WHERE {} ORDER BY o.created_at DESC, o.id DESC LIMIT {} OFFSET {}"),
                    cond, page.limit, page.offset
                );
                let mut q = sqlx::query_as::<_, RectificationOrderRow>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                if let Some(d) = filter.overdue_on {
                    q = q.bind(d);
                }
                let rows = q.fetch_all(&self.read).await?;
                let sql = format!("SELECT COUNT(*) FROM rectification_order o WHERE {cond}");
                let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                if let Some(d) = filter.overdue_on {
                    q = q.bind(d);
                }
                let total = q.fetch_one(&self.read).await?;
                let items = rows
                    .into_iter()
                    .map(|order| {
                        let state = OrderState::parse(&order.state).unwrap_or(OrderState::Draft);
                        RectificationOrderSummary { overdue: is_overdue(state, order.deadline, today), order }
                    })
                    .collect();
                Ok(Paged { items, total })
            }

            async fn get_rectification_order(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                today: chrono::NaiveDate,
            ) -> R<RectificationOrder> {
                let row = self.rect_row(reach, id).await?;
                self.audit_read(actor, AuditAction::RectificationView, Some(&row.id), Some(&row.number)).await?;
                self.rect_detail(row, today).await
            }

            async fn draft_rectification_order(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                input: &qinglian_domain::rectification::order::OrderInput,
                today: chrono::NaiveDate,
            ) -> R<RectificationOrder> {
                use chrono::Datelike;
                // A village outside reach is answered like one that does not exist.
                let unknown = || Invalid::field("village_id", "rectification.village_unknown", Some(&input.village_id));
                let township: String = sqlx::query_scalar("SELECT township_id FROM village WHERE id = $1")
                    .bind(&input.village_id)
                    .fetch_optional(&self.read)
                    .await?
                    .filter(|t: &String| reach.covers_township(t))
                    .ok_or_else(unknown)?;
                let id = new_id();
                let year = today.year();
                let mut tx = self.begin_write().await?;
                let last: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM rectification_order WHERE township_id = $1 AND year = $2",
                )
                .bind(&township)
                .bind(i64::from(year))
                .fetch_one(&mut *tx)
                .await?;
                let seq = last + 1;
                let number = qinglian_domain::rectification::order::order_number(year, seq as u32);
                sqlx::query(
                    "INSERT INTO rectification_order (id, township_id, village_id, year, seq, number, problem, actions, deadline, \
                     state, version, drafted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', 1, $10, $11)",
                )
                .bind(&id)
                .bind(&township)
                .bind(&input.village_id)
                .bind(i64::from(year))
                .bind(seq)
                .bind(&number)
                .bind(input.problem.as_str())
                .bind(input.actions.as_str())
                .bind(input.deadline)
                .bind(&actor.staff_id)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("number", Some(&number), "village_id"))?;
                // The log carries a hash of the text, never the text: problems may name people.
                let hash = crate::portable::inspection::content_hash(&[input.problem.as_str(), input.actions.as_str()]);
                let detail = format!("{number} village {} deadline {} sha256:{hash}", input.village_id, input.deadline);
                self.audit_tx(&mut tx, actor, AuditAction::RectificationDraft, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.rect_reload(&id, today).await
            }

            async fn sign_rectification_order(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                expected_version: Option<i64>,
                today: chrono::NaiveDate,
            ) -> R<RectificationOrder> {
                use qinglian_domain::rectification::order::{OrderState, Signer, sign};
                let row = self.rect_row(reach, id).await?;
                let detail = self.rect_detail(row, today).await?;
                let facts = self.rect_facts(&detail).await?;
                let (staff_id, name, post) = self.rect_post_of(actor, &detail.order.township_id).await?;
                let after = sign(&facts, Signer { staff_id: &staff_id, post }, expected_version)
                    .map_err(crate::portable::rectification::refused)?;
                let Some(post) = post else {
                    return Err(Invalid::field("sign_off", "rectification.signer_not_post_holder", None).into());
                };
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                // The version guard makes a concurrent signature a conflict, not a third row.
                let done = sqlx::query(
                    "UPDATE rectification_order SET version = version + 1, state = $2, issued_at = $3 \
                     WHERE id = $1 AND version = $4 AND state = 'draft'",
                )
                .bind(&detail.order.id)
                .bind(after.as_str())
                .bind((after == OrderState::Issued).then_some(now))
                .bind(facts.version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict { field: "version", value: Some(facts.version.to_string()) });
                }
                sqlx::query(
                    "INSERT INTO rectification_sign_off (order_id, post, staff_id, staff_name, signed_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&detail.order.id)
                .bind(post.as_str())
                .bind(&staff_id)
                .bind(&name)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(constraint("sign_off", Some(post.as_str()), "sign_off"))?;
                let what = format!("{} {} by {staff_id} -> {}", detail.order.number, post.as_str(), after.as_str());
                self.audit_tx(&mut tx, actor, AuditAction::RectificationSign, Some(&detail.order.id), Some(&what)).await?;
                tx.commit().await?;
                self.rect_reload(&detail.order.id, today).await
            }

            async fn follow_up_rectification_order(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                kind: qinglian_domain::rectification::order::FollowUpKind,
                body: &qinglian_domain::inspection::Text,
                expected_version: Option<i64>,
                today: chrono::NaiveDate,
            ) -> R<RectificationOrder> {
                use qinglian_domain::rectification::order::{OrderState, follow_up};
                let row = self.rect_row(reach, id).await?;
                let detail = self.rect_detail(row, today).await?;
                let facts = self.rect_facts(&detail).await?;
                let (staff_id, name, post) = self.rect_post_of(actor, &detail.order.township_id).await?;
                let after = follow_up(&facts, kind, post, expected_version).map_err(crate::portable::rectification::refused)?;
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE rectification_order SET version = version + 1, state = $2, completed_at = $3 \
                     WHERE id = $1 AND version = $4 AND state = 'issued'",
                )
                .bind(&detail.order.id)
                .bind(after.as_str())
                .bind((after == OrderState::Completed).then_some(now))
                .bind(facts.version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict { field: "version", value: Some(facts.version.to_string()) });
                }
                let seq = detail.follow_ups.last().map_or(1, |f| f.seq + 1);
                sqlx::query(
                    "INSERT INTO rectification_follow_up (id, order_id, seq, kind, body, author_staff_id, author_name, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(new_id())
                .bind(&detail.order.id)
                .bind(seq)
                .bind(kind.as_str())
                .bind(body.as_str())
                .bind(&staff_id)
                .bind(&name)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(constraint("version", None, "kind"))?;
                let hash = crate::portable::inspection::content_hash(&[body.as_str()]);
                let what = format!("{} #{seq} {} -> {} sha256:{hash}", detail.order.number, kind.as_str(), after.as_str());
                self.audit_tx(&mut tx, actor, AuditAction::RectificationFollowUp, Some(&detail.order.id), Some(&what)).await?;
                tx.commit().await?;
                self.rect_reload(&detail.order.id, today).await
            }

            async fn list_village_plans(&self, reach: &qinglian_domain::scope::Reach, today: chrono::NaiveDate) -> R<Vec<VillagePlanSummary>> {
                use qinglian_domain::rectification::item::{ItemState, is_overdue};
                let (cond, binds) = crate::portable::inspection::reach_clause(reach, None, Some("p.township_id"), None, 1);
                let sql = format!(concat!(crate::portable::rectification::plan_select!(), " WHERE {} ORDER BY t.division_code, v.division_code, p.created_at"), cond);
                let mut q = sqlx::query_as::<_, VillagePlanRow>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let plans = q.fetch_all(&self.read).await?;
                let sql = format!(
                    "SELECT i.plan_id, i.state, i.deadline FROM rectification_item i JOIN village_plan p ON p.id = i.plan_id WHERE {cond}"
                );
                let mut q = sqlx::query_as::<_, (String, String, chrono::NaiveDate)>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let items = q.fetch_all(&self.read).await?;
                Ok(plans
                    .into_iter()
                    .map(|plan| {
                        let mine: Vec<_> = items.iter().filter(|i| i.0 == plan.id).collect();
                        let state = |s: &str| ItemState::parse(s).unwrap_or(ItemState::Open);
                        let states: Vec<ItemState> = mine.iter().map(|i| state(&i.1)).collect();
                        VillagePlanSummary {
                            standing: plan.standing(&states),
                            items: mine.len() as i64,
                            closed: mine.iter().filter(|i| state(&i.1) == ItemState::Closed).count() as i64,
                            overdue: mine.iter().filter(|i| is_overdue(state(&i.1), i.2, today)).count() as i64,
                            plan,
                        }
                    })
                    .collect())
            }

            async fn get_village_plan(&self, reach: &qinglian_domain::scope::Reach, id: &str, today: chrono::NaiveDate) -> R<VillagePlan> {
                let row = self.plan_row(reach, id).await?;
                self.plan_detail(row, today).await
            }

            async fn create_village_plan(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                input: &qinglian_domain::rectification::item::PlanInput,
                opened_at: DateTime<Utc>,
            ) -> R<VillagePlan> {
                let unknown = || Invalid::field("village_id", "rectification.village_unknown", Some(&input.village_id));
                let township: String = sqlx::query_scalar("SELECT township_id FROM village WHERE id = $1")
                    .bind(&input.village_id)
                    .fetch_optional(&self.read)
                    .await?
                    .filter(|t: &String| reach.covers_township(t))
                    .ok_or_else(unknown)?;
                // The period that graded the village C: decided, and C there (`standing`).
                let period: (String, String) = sqlx::query_as("SELECT label, state FROM rating_period WHERE id = $1")
                    .bind(&input.period_id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or_else(|| Invalid::field("period_id", "rectification.plan_period_unknown", Some(&input.period_id)))?;
                let grade: Option<String> = sqlx::query_scalar(
                    "SELECT COALESCE(adjusted_grade, computed_grade) FROM rating_result WHERE period_id = $1 AND village_id = $2",
                )
                .bind(&input.period_id)
                .bind(&input.village_id)
                .fetch_optional(&self.read)
                .await?;
                let grade = grade.and_then(|g| qinglian_domain::rating::Grade::parse("grade", &g).ok());
                qinglian_domain::rectification::standing::check_plan_period(&period.1, grade)?;
                let id = new_id();
                let now = opened_at;
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO village_plan (id, village_id, township_id, period_id, period_label, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&id)
                .bind(&input.village_id)
                .bind(&township)
                .bind(&input.period_id)
                .bind(&period.0)
                .bind(&actor.staff_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(constraint("period_id", Some(&period.0), "village_id"))?;
                let detail = format!("village {} period {}", input.village_id, input.period_id);
                self.audit_tx(&mut tx, actor, AuditAction::VillagePlanCreate, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                let row = self.plan_row(&qinglian_domain::scope::Reach::everything(), &id).await?;
                self.plan_detail(row, now.with_timezone(&qinglian_domain::inspection::CHINA).date_naive()).await
            }

            async fn add_rectification_item(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                plan_id: &str,
                input: &qinglian_domain::rectification::item::ItemInput,
                today: chrono::NaiveDate,
            ) -> R<VillagePlan> {
                let plan = self.plan_row(reach, plan_id).await?;
                // The owner works in the township: posted there.
                let posted: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM staff WHERE id = $1 AND posting_kind = 'township' AND posting_unit_id = $2",
                )
                .bind(&input.owner_staff_id)
                .bind(&plan.township_id)
                .fetch_one(&self.read)
                .await?;
                if posted == 0 {
                    return Err(Invalid::field("owner_staff_id", "rectification_item.owner_not_posted", Some(&input.owner_staff_id)).into());
                }
                let id = new_id();
                let mut tx = self.begin_write().await?;
                let last: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM rectification_item WHERE plan_id = $1")
                    .bind(&plan.id)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO rectification_item (id, plan_id, seq, title, owner_staff_id, deadline, expected_result, state, version, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', 1, $8)",
                )
                .bind(&id)
                .bind(&plan.id)
                .bind(last + 1)
                .bind(input.title.as_str())
                .bind(&input.owner_staff_id)
                .bind(input.deadline)
                .bind(input.expected_result.as_str())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("seq", None, "owner_staff_id"))?;
                let hash = crate::portable::inspection::content_hash(&[input.title.as_str(), input.expected_result.as_str()]);
                let detail = format!("plan {} #{} owner {} deadline {} sha256:{hash}", plan.id, last + 1, input.owner_staff_id, input.deadline);
                self.audit_tx(&mut tx, actor, AuditAction::RectificationItemAdd, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.plan_detail(plan, today).await
            }

            async fn act_on_rectification_item(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                item_id: &str,
                act: &qinglian_domain::rectification::item::ItemAct,
                expected_version: Option<i64>,
                today: chrono::NaiveDate,
            ) -> R<VillagePlan> {
                use qinglian_domain::rectification::item::{Actor as ItemActor, ItemAct, next};
                let (plan, facts) = self.item_facts(reach, item_id).await?;
                let version = facts.version;
                let (staff_id, name, post) = self.rect_post_of(actor, &plan.township_id).await?;
                let after = next(&facts, ItemActor { staff_id: &staff_id, supervises: post.is_some() }, act, expected_version)
                    .map_err(crate::portable::rectification::refused)?;
                let (body, files) = match act {
                    ItemAct::Submit(e) => (e.text.as_str(), e.file_ids.as_slice()),
                    ItemAct::Verify { note: t } | ItemAct::SendBack { reason: t } | ItemAct::CloseNotFixed { reason: t } | ItemAct::Reopen { reason: t } => {
                        (t.as_str(), &[][..])
                    }
                };
                // Evidence is what the submitter took in themself: nobody hands in another's file.
                for f in files {
                    let by: Option<Option<String>> = sqlx::query_scalar("SELECT staff_id FROM evidence_file WHERE id = $1")
                        .bind(f)
                        .fetch_optional(&self.read)
                        .await?;
                    match by {
                        None => return Err(Invalid::field("file_ids", "field.unknown_id", Some(f)).into()),
                        Some(by) if by.as_deref() != Some(staff_id.as_str()) => {
                            return Err(Invalid::field("file_ids", "rectification_item.file_not_yours", Some(f)).into());
                        }
                        Some(_) => {}
                    }
                }
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE rectification_item SET state = $2, version = version + 1 WHERE id = $1 AND version = $3")
                    .bind(item_id)
                    .bind(after.as_str())
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict { field: "version", value: Some(version.to_string()) });
                }
                sqlx::query(
                    "INSERT INTO rectification_item_event (item_id, version, kind, state, body, actor_staff_id, actor_name, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(item_id)
                .bind(version + 1)
                .bind(act.kind())
                .bind(after.as_str())
                .bind(body)
                .bind(&staff_id)
                .bind(&name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for f in files {
                    sqlx::query("INSERT INTO rectification_item_file (item_id, version, evidence_file_id) VALUES ($1, $2, $3)")
                        .bind(item_id)
                        .bind(version + 1)
                        .bind(f)
                        .execute(&mut *tx)
                        .await
                        .map_err(constraint("file_ids", Some(f), "file_ids"))?;
                }
                let hash = crate::portable::inspection::content_hash(&[body]);
                let detail = format!("{} -> {} files {} sha256:{hash}", act.kind(), after.as_str(), files.join(","));
                self.audit_tx(&mut tx, actor, AuditAction::RectificationItemAct, Some(item_id), Some(&detail)).await?;
                tx.commit().await?;
                self.plan_detail(plan, today).await
            }

            async fn item_file_allowed(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, item_id: &str) -> R<()> {
                use qinglian_domain::rectification::item::owner_may_submit;
                let (_, facts) = self.item_facts(reach, item_id).await?;
                owner_may_submit(&facts, actor.staff_id.as_deref().unwrap_or_default()).map_err(crate::portable::rectification::refused)
            }

            async fn item_evidence(&self, reach: &qinglian_domain::scope::Reach, item_id: &str, file_id: &str) -> R<crate::evidence::EvidenceFile> {
                let plan_id: String = sqlx::query_scalar(
                    "SELECT i.plan_id FROM rectification_item i JOIN rectification_item_file f ON f.item_id = i.id \
                     WHERE i.id = $1 AND f.evidence_file_id = $2 LIMIT 1",
                )
                .bind(item_id)
                .bind(file_id)
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                self.plan_row(reach, &plan_id).await?;
                Ok(sqlx::query_as::<_, crate::evidence::EvidenceFile>(concat!(
                    crate::portable::evidence::evidence_select!(),
                    " WHERE f.id = $1"
                ))
                .bind(file_id)
                .fetch_one(&self.read)
                .await?)
            }
        }
    };
}
pub(crate) use rectification_impl;
