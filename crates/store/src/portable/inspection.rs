//! Inspection rounds, groups, targets, on-site meetings and concerns on both backends.
//!
//! Lists are cut to the caller's reach in SQL; single reads check it after loading and answer
//! `NotFound` for anything outside, so a guessed id tells nothing.

use qinglian_domain::scope::Reach;

macro_rules! round_select {
    () => {
        "SELECT r.id, r.number, r.name, r.starts_on, r.ends_on, \
         (SELECT COUNT(*) FROM inspection_group g WHERE g.round_id = r.id) AS group_count, \
         (SELECT COUNT(*) FROM inspection_target t WHERE t.round_id = r.id) AS target_count, \
         (SELECT COUNT(*) FROM onsite_meeting m WHERE m.round_id = r.id) AS meeting_count, \
         (SELECT COUNT(*) FROM concern c WHERE c.round_id = r.id) AS concern_count \
         FROM inspection_round r"
    };
}
pub(crate) use round_select;

macro_rules! meeting_select {
    () => {
        "SELECT m.id, m.round_id, r.name AS round_name, m.group_id, g.name AS group_name, m.village_id, \
         v.name AS village_name, m.township_id, t.name AS township_name, m.place, m.starts_at, m.attendance, \
         m.minutes, m.publish_minutes, \
         (SELECT COUNT(*) FROM concern c WHERE c.meeting_id = m.id) AS concern_count, \
         (SELECT COUNT(*) FROM concern c WHERE c.meeting_id = m.id AND c.on_spot = TRUE) AS on_spot_count \
         FROM onsite_meeting m JOIN inspection_round r ON r.id = m.round_id \
         JOIN inspection_group g ON g.id = m.group_id JOIN village v ON v.id = m.village_id \
         JOIN township t ON t.id = m.township_id"
    };
}
pub(crate) use meeting_select;

macro_rules! concern_columns {
    () => {
        "SELECT c.id, c.round_id, c.meeting_id, c.village_id, v.name AS village_name, c.township_id, \
         t.name AS township_name, c.category_id, k.name AS category_name, c.department_id, \
         d.name AS department_name, c.text, c.source, c.state, c.on_spot, c.answer, c.answer_deadline, \
         c.version, c.created_at, c.updated_at, c.closed_at, \
         (c.complainant_name IS NOT NULL OR c.complainant_phone IS NOT NULL) AS has_complainant"
    };
}

macro_rules! concern_joins {
    () => {
        "JOIN village v ON v.id = c.village_id JOIN township t ON t.id = c.township_id \
         JOIN concern_category k ON k.id = c.category_id LEFT JOIN department d ON d.id = c.department_id"
    };
}

pub(crate) use {concern_columns, concern_joins};

/// A concern's columns, and the joins that name its village, township, category, department.
pub(crate) const CONCERN_COLUMNS: &str = concern_columns!();
pub(crate) const CONCERN_JOINS: &str = concern_joins!();

macro_rules! concern_select {
    () => {
        concat!(
            $crate::portable::inspection::concern_columns!(),
            " FROM concern c ",
            $crate::portable::inspection::concern_joins!()
        )
    };
}
pub(crate) use concern_select;

/// A page row of the concern list with the list's total beside it.
#[derive(sqlx::FromRow)]
pub(crate) struct ConcernAndTotal {
    #[sqlx(flatten)]
    pub(crate) concern: crate::model::Concern,
    /// The store's change mark the total was counted (or kept) under (`total_cache`).
    pub(crate) mark: i64,
    pub(crate) total: i64,
}

impl crate::hot_read::HotRow for ConcernAndTotal {
    fn from_sqlite(c: &mut crate::hot_read::Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            concern: <crate::model::Concern as crate::hot_read::HotRow>::from_sqlite(c)?,
            mark: c.take()?,
            total: c.take()?,
        })
    }
}

/// A concern from a SQLite row, in `concern_columns!`'s order.
impl crate::hot_read::HotRow for crate::model::Concern {
    fn from_sqlite(c: &mut crate::hot_read::Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: c.take()?,
            round_id: c.take()?,
            meeting_id: c.take()?,
            village_id: c.take()?,
            village_name: c.take()?,
            township_id: c.take()?,
            township_name: c.take()?,
            category_id: c.take()?,
            category_name: c.take()?,
            department_id: c.take()?,
            department_name: c.take()?,
            text: c.take()?,
            source: c.take()?,
            state: c.take()?,
            on_spot: c.take()?,
            answer: c.take()?,
            answer_deadline: c.take()?,
            version: c.take()?,
            created_at: c.time()?,
            updated_at: c.time()?,
            closed_at: c.time_or_null()?,
            has_complainant: c.take()?,
        })
    }
}

/// A meeting's place from a SQLite row, in `meeting_place`'s order.
impl crate::hot_read::HotRow for crate::model::MeetingPlace {
    fn from_sqlite(c: &mut crate::hot_read::Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            meeting_id: c.take()?,
            round_id: c.take()?,
            village_id: c.take()?,
            village_name: c.take()?,
            township_id: c.take()?,
            township_name: c.take()?,
            category_id: c.take()?,
            category_name: c.take()?,
        })
    }
}

/// A public submission as its write stored it, built from what was sent and the meeting's
/// place; `None` when the place is not the one the submission names (the caller then reads
/// the concern back).
pub(crate) fn public_concern_as_written(
    id: &str,
    input: &qinglian_domain::inspection::ConcernInput,
    place: &crate::model::MeetingPlace,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<crate::model::Concern> {
    let same_place = input.meeting_id.as_deref() == Some(place.meeting_id.as_str())
        && input.village_id == place.village_id
        && input.category_id == place.category_id;
    let category_name = place.category_name.clone().filter(|_| same_place)?;
    Some(crate::model::Concern {
        id: id.to_owned(),
        round_id: Some(place.round_id.clone()),
        meeting_id: Some(place.meeting_id.clone()),
        village_id: place.village_id.clone(),
        village_name: place.village_name.clone(),
        township_id: place.township_id.clone(),
        township_name: place.township_name.clone(),
        category_id: place.category_id.clone(),
        category_name,
        department_id: None,
        department_name: None,
        text: input.text.as_str().to_owned(),
        source: qinglian_domain::inspection::ConcernSource::Public.as_str().to_owned(),
        state: qinglian_domain::inspection::ConcernState::Registered
            .as_str()
            .to_owned(),
        on_spot: false,
        answer: None,
        answer_deadline: None,
        version: 1,
        created_at: now,
        updated_at: now,
        closed_at: None,
        has_complainant: input.complainant_name.is_some() || input.complainant_phone.is_some(),
    })
}

/// A value the concern filter binds.
pub(crate) enum FilterArg {
    Text(String),
    Date(chrono::NaiveDate),
}

/// The filter's conditions on `c`, only those that are set, with their values bound from `$1`
/// in order. Only set conditions are written, because a `($1 IS NULL OR c.state = $1)` form
/// keeps the planner from using the indexes: with 50,000 concerns a department's filtered
/// list then joined and sorted every concern of the department (tens of ms a page).
/// Column names come from this crate's code, never from input.
pub(crate) fn concern_conditions(filter: &crate::model::ConcernFilter) -> (Vec<String>, Vec<FilterArg>) {
    let mut conds = Vec::new();
    let mut args = Vec::new();
    for (col, value) in [
        ("c.round_id", &filter.round_id),
        ("c.meeting_id", &filter.meeting_id),
        ("c.township_id", &filter.township_id),
        ("c.department_id", &filter.department_id),
        ("c.category_id", &filter.category_id),
        ("c.state", &filter.state),
    ] {
        if let Some(v) = value {
            args.push(FilterArg::Text(v.clone()));
            conds.push(format!("{col} = ${}", args.len()));
        }
    }
    if let Some(day) = filter.overdue_on {
        args.push(FilterArg::Date(day));
        conds.push(format!(
            "c.state IN ('assigned', 'rectifying') AND c.answer_deadline < ${}",
            args.len()
        ));
    }
    (conds, args)
}

/// A new concern's audit detail: its source and the hash of what it says, never the text.
pub(crate) fn concern_detail(
    source: qinglian_domain::inspection::ConcernSource,
    input: &qinglian_domain::inspection::ConcernInput,
) -> String {
    let hash = content_hash(&[input.text.as_str(), &input.category_id, &input.village_id]);
    format!("{} sha256:{hash}", source.as_str())
}

/// Why a concern for a meeting was not inserted, from the meeting's village as stored (if the
/// meeting exists): the village named is not the meeting's, or the meeting is unknown.
pub(crate) fn meeting_refusal(meeting_village: Option<String>) -> qinglian_domain::Invalid {
    match meeting_village {
        Some(_) => qinglian_domain::Invalid::field("village_id", "concern.village_not_meeting", None),
        None => qinglian_domain::Invalid::field("meeting_id", "field.unknown_id", None),
    }
}

/// The list's order: overdue concerns longest overdue first (the earliest deadline, then the
/// oldest), read straight off `concern_department_due`; any other list newest first.
pub(crate) fn list_order(filter: &crate::model::ConcernFilter) -> &'static str {
    if filter.overdue_on.is_some() {
        "c.answer_deadline, c.created_at, c.id"
    } else {
        "c.created_at DESC, c.id DESC"
    }
}

pub(crate) const EVENT_SELECT: &str = "SELECT version, kind, state, party, unit_name, text, deadline, at \
     FROM concern_event WHERE concern_id = $1 ORDER BY version";

/// The condition that keeps rows within reach, with the ids it binds as `$first`, `$first+1`…
/// Column names come from this crate's code, never from input.
pub(crate) fn reach_clause(
    reach: &Reach,
    round_col: Option<&str>,
    township_col: Option<&str>,
    department_col: Option<&str>,
    first: usize,
) -> (String, Vec<String>) {
    if reach.county {
        return ("1 = 1".to_owned(), Vec::new());
    }
    let mut parts = Vec::new();
    let mut binds = Vec::new();
    for (col, ids) in [
        (round_col, &reach.rounds),
        (township_col, &reach.townships),
        (department_col, &reach.departments),
    ] {
        let Some(col) = col else { continue };
        if ids.is_empty() {
            continue;
        }
        let marks: Vec<String> = ids
            .iter()
            .map(|id| {
                binds.push(id.clone());
                format!("${}", first + binds.len() - 1)
            })
            .collect();
        parts.push(format!("{col} IN ({})", marks.join(", ")));
    }
    if parts.is_empty() {
        ("1 = 0".to_owned(), binds)
    } else {
        (format!("({})", parts.join(" OR ")), binds)
    }
}

/// A hash of a record's content for the audit detail and the ledger, never the content itself.
pub(crate) fn content_hash(parts: &[&str]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

macro_rules! inspection_impl {
    ($store:ty) => {
        impl $store {
            /// Logs a concern in one write transaction, first charging `allowance` when given.
            #[allow(clippy::too_many_arguments)]
            pub(crate) async fn insert_concern(
                &self,
                actor: &Actor,
                input: &qinglian_domain::inspection::ConcernInput,
                source: qinglian_domain::inspection::ConcernSource,
                receipt_hash: &str,
                unit_name: &str,
                allowance: Option<&crate::model::Allowance>,
                now: DateTime<Utc>,
            ) -> R<Concern> {
                let id = new_id();
                let mut tx = self.begin_write().await?;
                if let Some(a) = allowance {
                    // Charged before the concern, in its transaction: a refusal rolls back both.
                    if let Some(until) = self.charge_tx(&mut tx, a, now).await?.locked {
                        return Err(StoreError::Throttled { until });
                    }
                }
                // The meeting (or the village) gives the round and township inside the INSERT:
                // one statement fewer on SQLite's single writer. No row means it is unknown or
                // the village is not the meeting's, which the rare second look tells apart.
                let from = match &input.meeting_id {
                    Some(_) => "SELECT $1, m.round_id, m.id, m.village_id, m.township_id, $4, $5, $6, 'registered', $7, $8, $9, 1, $10, $10 \
                                FROM onsite_meeting m WHERE m.id = $2 AND m.village_id = $3",
                    None => "SELECT $1, NULL, NULL, v.id, v.township_id, $4, $5, $6, 'registered', $7, $8, $9, 1, $10, $10 \
                             FROM village v WHERE v.id = $3 AND $2 IS NULL",
                };
                // Both forms take the same parameters; only two fixed texts are interpolated.
                let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO concern (id, round_id, meeting_id, village_id, township_id, category_id, text, source, state, \
                     receipt_hash, complainant_name, complainant_phone, version, created_at, updated_at) {from}"
                )))
                .bind(&id)
                .bind(&input.meeting_id)
                .bind(&input.village_id)
                .bind(&input.category_id)
                .bind(input.text.as_str())
                .bind(source.as_str())
                .bind(receipt_hash)
                .bind(input.complainant_name.as_ref().map(|n| n.as_str()))
                .bind(&input.complainant_phone)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(constraint("receipt", None, "category_id"))?
                .rows_affected();
                if inserted == 0 {
                    return Err(match &input.meeting_id {
                        Some(m) => {
                            let village: Option<String> = sqlx::query_scalar("SELECT village_id FROM onsite_meeting WHERE id = $1")
                                .bind(m)
                                .fetch_optional(&mut *tx)
                                .await?;
                            crate::portable::inspection::meeting_refusal(village)
                        }
                        None => Invalid::field("village_id", "field.unknown_id", None),
                    }
                    .into());
                }
                let party = match source {
                    qinglian_domain::inspection::ConcernSource::Meeting => "group",
                    qinglian_domain::inspection::ConcernSource::Public => "villager",
                };
                sqlx::query(
                    "INSERT INTO concern_event (id, concern_id, version, kind, state, party, unit_name, actor_staff_id, text, deadline, at) \
                     VALUES ($1, $2, 1, 'create', 'registered', $3, $4, $5, NULL, NULL, $6)",
                )
                .bind(new_id())
                .bind(&id)
                .bind(party)
                .bind(unit_name)
                .bind(&actor.staff_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let detail = crate::portable::inspection::concern_detail(source, input);
                self.audit_tx(&mut tx, actor, AuditAction::ConcernCreate, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.concern_by_id(&id).await
            }

            async fn group_members(&self, group_id: &str) -> R<Vec<GroupMember>> {
                Ok(sqlx::query_as::<_, GroupMember>(
                    "SELECT s.id AS staff_id, s.name, s.home_township_id, h.name AS home_township_name \
                     FROM inspection_group_member m JOIN staff s ON s.id = m.staff_id \
                     LEFT JOIN township h ON h.id = s.home_township_id WHERE m.group_id = $1 ORDER BY s.name",
                )
                .bind(group_id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn meeting_with_departments(&self, row: MeetingRow) -> R<Meeting> {
                let departments = sqlx::query_as::<_, Unit>(
                    "SELECT d.id, d.code, d.name FROM meeting_department md JOIN department d ON d.id = md.department_id \
                     WHERE md.meeting_id = $1 ORDER BY d.code",
                )
                .bind(&row.id)
                .fetch_all(&self.read)
                .await?;
                Ok(Meeting { meeting: row, departments })
            }

            fn meeting_in_reach(reach: &qinglian_domain::scope::Reach, m: &Meeting) -> bool {
                reach.covers_any(Some(&m.meeting.round_id), Some(&m.meeting.township_id), None)
                    || m.departments.iter().any(|d| reach.departments.contains(&d.id))
            }

            /// The rounds a scoped user sees: granted or served in, with targets in their
            /// townships, or with concerns routed to their departments. `None` means all.
            async fn visible_rounds(&self, reach: &qinglian_domain::scope::Reach) -> R<Option<std::collections::BTreeSet<String>>> {
                if reach.county {
                    return Ok(None);
                }
                let mut ids = reach.rounds.clone();
                let only_townships = qinglian_domain::scope::Reach { rounds: Default::default(), departments: Default::default(), ..reach.clone() };
                let (cond, binds) = crate::portable::inspection::reach_clause(&only_townships, None, Some("v.township_id"), None, 1);
                let sql = format!("SELECT DISTINCT it.round_id FROM inspection_target it JOIN village v ON v.id = it.village_id WHERE {cond}");
                let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
                for b in &binds { q = q.bind(b); }
                ids.extend(q.fetch_all(&self.read).await?);
                let only_departments = qinglian_domain::scope::Reach { rounds: Default::default(), townships: Default::default(), ..reach.clone() };
                let (cond, binds) = crate::portable::inspection::reach_clause(&only_departments, None, None, Some("department_id"), 1);
                let sql = format!("SELECT DISTINCT round_id FROM concern WHERE round_id IS NOT NULL AND {cond}");
                let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
                for b in &binds { q = q.bind(b); }
                ids.extend(q.fetch_all(&self.read).await?);
                Ok(Some(ids))
            }

            pub(crate) async fn concern_by_id(&self, id: &str) -> R<Concern> {
                // After every write of a concern, to answer it: a hot read (`hot_read`).
                self.hot_rows::<Concern>(concat!(concern_select!(), " WHERE c.id = $1"), &[crate::hot_read::Bind::Text(id.to_owned())])
                    .await?
                    .pop()
                    .ok_or(StoreError::NotFound)
            }

            /// Applies a judged step inside the open transaction: the concern's new state,
            /// its history line, its audit row and ledger entry.
            #[allow(clippy::too_many_arguments)]
            async fn apply_step(
                &self,
                tx: &mut Tx,
                actor: &Actor,
                id: &str,
                version: i64,
                step: &qinglian_domain::inspection::ConcernStep,
                t: &qinglian_domain::inspection::Transition,
                party: qinglian_domain::inspection::Party,
                unit_name: &str,
                now: DateTime<Utc>,
            ) -> R<()> {
                use qinglian_domain::inspection::ConcernStep as S;
                let answer = match step {
                    S::AnswerOnSpot { answer } | S::Answer { answer } => Some(answer.as_str()),
                    _ => None,
                };
                let on_spot = matches!(step, S::AnswerOnSpot { .. });
                let (set_department, department) = match &t.department {
                    Some(d) => (true, d.clone()),
                    None => (false, None),
                };
                let reopened = t.state == qinglian_domain::inspection::ConcernState::Reopened;
                let r = sqlx::query(
                    "UPDATE concern SET state = $3, answer_deadline = $4, \
                     department_id = CASE WHEN $5 THEN $6 ELSE department_id END, \
                     answer = COALESCE($7, answer), on_spot = (on_spot OR $8), version = version + 1, updated_at = $9, \
                     closed_at = CASE WHEN $10 THEN $9 WHEN $11 THEN NULL ELSE closed_at END \
                     WHERE id = $1 AND version = $2",
                )
                .bind(id)
                .bind(version)
                .bind(t.state.as_str())
                .bind(t.answer_deadline)
                .bind(set_department)
                .bind(department)
                .bind(answer)
                .bind(on_spot)
                .bind(now)
                .bind(t.closes)
                .bind(reopened)
                .execute(&mut **tx)
                .await
                .map_err(constraint("department_id", None, "department_id"))?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::Conflict { field: "version", value: Some(version.to_string()) });
                }
                let deadline = match step {
                    S::Assign { deadline, .. } | S::Extend { deadline, .. } => Some(*deadline),
                    _ => None,
                };
                let party_str = match party {
                    qinglian_domain::inspection::Party::Group => "group",
                    qinglian_domain::inspection::Party::Department => "department",
                    qinglian_domain::inspection::Party::Villager => "villager",
                };
                sqlx::query(
                    "INSERT INTO concern_event (id, concern_id, version, kind, state, party, unit_name, actor_staff_id, text, deadline, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(new_id())
                .bind(id)
                .bind(version + 1)
                .bind(step.kind())
                .bind(t.state.as_str())
                .bind(party_str)
                .bind(unit_name)
                .bind(&actor.staff_id)
                .bind(step.text())
                .bind(deadline)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                let detail = format!(
                    "{} -> {} v{} sha256:{}",
                    step.kind(),
                    t.state.as_str(),
                    version + 1,
                    crate::portable::inspection::content_hash(&[step.text().unwrap_or("")])
                );
                self.audit_tx(tx, actor, AuditAction::ConcernStep, Some(id), Some(&detail)).await
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::InspectionRepo for $store {
            async fn list_rounds(&self, reach: &qinglian_domain::scope::Reach) -> R<Vec<Round>> {
                let all = sqlx::query_as::<_, Round>(concat!(round_select!(), " ORDER BY r.number DESC"))
                    .fetch_all(&self.read)
                    .await?;
                Ok(match self.visible_rounds(reach).await? {
                    None => all,
                    Some(ids) => all.into_iter().filter(|r| ids.contains(&r.id)).collect(),
                })
            }

            async fn get_round(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<Round> {
                let round = sqlx::query_as::<_, Round>(concat!(round_select!(), " WHERE r.id = $1"))
                    .bind(id)
                    .fetch_one(&self.read)
                    .await?;
                match self.visible_rounds(reach).await? {
                    Some(ids) if !ids.contains(id) => Err(StoreError::NotFound),
                    _ => Ok(round),
                }
            }

            async fn create_round(&self, actor: &Actor, input: &qinglian_domain::inspection::RoundInput) -> R<Round> {
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO inspection_round (id, number, name, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&id)
                    .bind(input.number)
                    .bind(input.name.as_str())
                    .bind(input.starts_on)
                    .bind(input.ends_on)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(constraint("number", Some(&input.number.to_string()), "number"))?;
                let detail = format!("{} {}", input.number, input.name);
                self.audit_tx(&mut tx, actor, AuditAction::RoundCreate, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.get_round(&qinglian_domain::scope::Reach::everything(), &id).await
            }

            async fn list_groups(&self, reach: &qinglian_domain::scope::Reach, round_id: &str) -> R<Vec<InspectionGroup>> {
                self.get_round(reach, round_id).await?;
                let rows = sqlx::query_as::<_, InspectionGroupRow>(
                    "SELECT g.id, g.round_id, g.name, g.leader_staff_id, s.name AS leader_name, \
                     (SELECT COUNT(*) FROM inspection_target t WHERE t.group_id = g.id) AS target_count \
                     FROM inspection_group g JOIN staff s ON s.id = g.leader_staff_id WHERE g.round_id = $1 ORDER BY g.name",
                )
                .bind(round_id)
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for group in rows {
                    let members = self.group_members(&group.id).await?;
                    out.push(InspectionGroup { group, members });
                }
                Ok(out)
            }

            async fn create_group(&self, actor: &Actor, round_id: &str, name: &Name, leader_staff_id: &str, member_ids: &[String]) -> R<InspectionGroup> {
                let id = new_id();
                let mut members: Vec<String> = member_ids.iter().map(|m| m.trim().to_owned()).filter(|m| !m.is_empty()).collect();
                members.push(leader_staff_id.to_owned());
                members.sort();
                members.dedup();
                let mut tx = self.begin_write().await?;
                let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inspection_round WHERE id = $1").bind(round_id).fetch_one(&mut *tx).await?;
                if exists == 0 {
                    return Err(StoreError::NotFound);
                }
                for m in &members {
                    let role: Option<String> = sqlx::query_scalar("SELECT role FROM staff WHERE id = $1").bind(m).fetch_optional(&mut *tx).await?;
                    let field = if m == leader_staff_id { "leader_staff_id" } else { "member_ids" };
                    let role = role.ok_or_else(|| Invalid::field(field, "field.unknown_id", Some(m)))?;
                    if !qinglian_domain::scope::may_hold_grants(Role::parse(field, &role)?) {
                        return Err(Invalid::field(field, "inspection.member_role", Some(&role)).into());
                    }
                }
                sqlx::query("INSERT INTO inspection_group (id, round_id, name, leader_staff_id) VALUES ($1, $2, $3, $4)")
                    .bind(&id)
                    .bind(round_id)
                    .bind(name.as_str())
                    .bind(leader_staff_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(constraint("name", Some(name.as_str()), "leader_staff_id"))?;
                for m in &members {
                    sqlx::query("INSERT INTO inspection_group_member (group_id, staff_id) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(m)
                        .execute(&mut *tx)
                        .await?;
                }
                let detail = format!("{name} ({} members)", members.len());
                self.audit_tx(&mut tx, actor, AuditAction::InspectionGroupCreate, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                let group = self
                    .list_groups(&qinglian_domain::scope::Reach::everything(), round_id)
                    .await?
                    .into_iter()
                    .find(|g| g.group.id == id)
                    .ok_or(StoreError::NotFound)?;
                Ok(group)
            }

            async fn list_targets(&self, reach: &qinglian_domain::scope::Reach, round_id: &str) -> R<Vec<Target>> {
                self.get_round(reach, round_id).await?;
                Ok(sqlx::query_as::<_, Target>(
                    "SELECT it.village_id, v.name AS village_name, v.township_id, t.name AS township_name, \
                     it.group_id, g.name AS group_name \
                     FROM inspection_target it JOIN village v ON v.id = it.village_id JOIN township t ON t.id = v.township_id \
                     JOIN inspection_group g ON g.id = it.group_id WHERE it.round_id = $1 ORDER BY t.division_code, v.division_code",
                )
                .bind(round_id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn assign_targets(&self, actor: &Actor, round_id: &str, group_id: &str, village_ids: &[String]) -> R<u64> {
                use qinglian_domain::inspection::{Inspector, TargetVillage, check_recusal};
                let mut tx = self.begin_write().await?;
                let in_round: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inspection_group WHERE id = $1 AND round_id = $2")
                    .bind(group_id)
                    .bind(round_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if in_round == 0 {
                    return Err(StoreError::NotFound);
                }
                let members: Vec<(String, String, Option<String>)> = sqlx::query_as(
                    "SELECT s.id, s.name, s.home_township_id FROM inspection_group_member m JOIN staff s ON s.id = m.staff_id WHERE m.group_id = $1",
                )
                .bind(group_id)
                .fetch_all(&mut *tx)
                .await?;
                let members: Vec<Inspector> = members
                    .into_iter()
                    .map(|(staff_id, name, home_township_id)| Inspector { staff_id, name, home_township_id })
                    .collect();
                let mut targets = Vec::with_capacity(village_ids.len());
                for v in village_ids {
                    let row: Option<(String, String)> = sqlx::query_as("SELECT name, township_id FROM village WHERE id = $1")
                        .bind(v)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let (name, township_id) = row.ok_or_else(|| Invalid::field("village_ids", "field.unknown_id", Some(v)))?;
                    targets.push(TargetVillage { village_id: v.clone(), name, township_id });
                }
                check_recusal(&members, &targets)?;
                for t in &targets {
                    sqlx::query("INSERT INTO inspection_target (round_id, village_id, group_id) VALUES ($1, $2, $3)")
                        .bind(round_id)
                        .bind(&t.village_id)
                        .bind(group_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(constraint("village_ids", Some(&t.name), "village_ids"))?;
                }
                let detail = format!("{} villages", targets.len());
                self.audit_tx(&mut tx, actor, AuditAction::TargetAssign, Some(group_id), Some(&detail)).await?;
                tx.commit().await?;
                Ok(targets.len() as u64)
            }

            async fn list_meetings(&self, reach: &qinglian_domain::scope::Reach, round_id: Option<&str>) -> R<Vec<Meeting>> {
                let rows = sqlx::query_as::<_, MeetingRow>(concat!(meeting_select!(), " WHERE (CAST($1 AS TEXT) IS NULL OR m.round_id = $1) ORDER BY m.starts_at DESC"))
                    .bind(round_id)
                    .fetch_all(&self.read)
                    .await?;
                let mut out = Vec::new();
                for row in rows {
                    let m = self.meeting_with_departments(row).await?;
                    if Self::meeting_in_reach(reach, &m) {
                        out.push(m);
                    }
                }
                Ok(out)
            }

            async fn get_meeting(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<Meeting> {
                let m = self.public_meeting(id).await?;
                if Self::meeting_in_reach(reach, &m) { Ok(m) } else { Err(StoreError::NotFound) }
            }

            async fn public_meeting(&self, id: &str) -> R<Meeting> {
                let row = sqlx::query_as::<_, MeetingRow>(concat!(meeting_select!(), " WHERE m.id = $1"))
                    .bind(id)
                    .fetch_one(&self.read)
                    .await?;
                self.meeting_with_departments(row).await
            }

            async fn create_meeting(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, input: &qinglian_domain::inspection::MeetingInput) -> R<Meeting> {
                self.get_round(reach, &input.round_id).await?;
                let id = new_id();
                let mut tx = self.begin_write().await?;
                let township: Option<String> = sqlx::query_scalar(
                    "SELECT v.township_id FROM inspection_target it JOIN village v ON v.id = it.village_id \
                     WHERE it.round_id = $1 AND it.group_id = $2 AND it.village_id = $3",
                )
                .bind(&input.round_id)
                .bind(&input.group_id)
                .bind(&input.village_id)
                .fetch_optional(&mut *tx)
                .await?;
                let township = township.ok_or_else(|| Invalid::field("village_id", "inspection.village_not_target", None))?;
                sqlx::query(
                    "INSERT INTO onsite_meeting (id, round_id, group_id, village_id, township_id, place, starts_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(&input.round_id)
                .bind(&input.group_id)
                .bind(&input.village_id)
                .bind(&township)
                .bind(input.place.as_str())
                .bind(input.starts_at)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                for d in &input.department_ids {
                    sqlx::query("INSERT INTO meeting_department (meeting_id, department_id) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(d)
                        .execute(&mut *tx)
                        .await
                        .map_err(constraint("department_ids", Some(d), "department_ids"))?;
                }
                let detail = format!("{} {}", input.place, input.starts_at.to_rfc3339());
                self.audit_tx(&mut tx, actor, AuditAction::MeetingCreate, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.public_meeting(&id).await
            }

            async fn record_meeting(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, id: &str, attendance: &str, minutes: &str, publish_minutes: bool) -> R<Meeting> {
                self.get_meeting(reach, id).await?;
                for (field, value) in [("attendance", attendance), ("minutes", minutes)] {
                    if value.chars().count() > 20_000 {
                        return Err(Invalid::field(field, "text.too_long", None).into());
                    }
                }
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE onsite_meeting SET attendance = $2, minutes = $3, publish_minutes = $4 WHERE id = $1")
                    .bind(id)
                    .bind(attendance.trim())
                    .bind(minutes.trim())
                    .bind(publish_minutes)
                    .execute(&mut *tx)
                    .await?;
                let detail = format!(
                    "publish {publish_minutes} sha256:{}",
                    crate::portable::inspection::content_hash(&[attendance.trim(), minutes.trim()])
                );
                self.audit_tx(&mut tx, actor, AuditAction::MeetingUpdate, Some(id), Some(&detail)).await?;
                tx.commit().await?;
                self.public_meeting(id).await
            }

            async fn list_categories(&self) -> R<Vec<Category>> {
                Ok(sqlx::query_as::<_, Category>("SELECT id, code, name FROM concern_category ORDER BY position, code")
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn create_category(&self, actor: &Actor, code: &str, name: &Name) -> R<Category> {
                let code = qinglian_domain::org::UnitCode::parse("code", code)?;
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO concern_category (id, code, name, position) \
                     SELECT $1, $2, $3, COALESCE(MAX(position), 0) + 1 FROM concern_category",
                )
                .bind(&id)
                .bind(code.as_str())
                .bind(name.as_str())
                .execute(&mut *tx)
                .await
                .map_err(constraint("code", Some(code.as_str()), "code"))?;
                self.audit_tx(&mut tx, actor, AuditAction::CategoryCreate, Some(&id), Some(name.as_str())).await?;
                tx.commit().await?;
                Ok(Category { id, code: code.as_str().to_owned(), name: name.as_str().to_owned() })
            }

            async fn create_concern(
                &self,
                actor: &Actor,
                input: &qinglian_domain::inspection::ConcernInput,
                source: qinglian_domain::inspection::ConcernSource,
                receipt_hash: &str,
                unit_name: &str,
                now: DateTime<Utc>,
            ) -> R<Concern> {
                self.insert_concern(actor, input, source, receipt_hash, unit_name, None, now).await
            }

            async fn create_public_concern(
                &self,
                actor: &Actor,
                input: &qinglian_domain::inspection::ConcernInput,
                place: &crate::model::MeetingPlace,
                receipt_hash: &str,
                allowance: &crate::model::Allowance,
                now: DateTime<Utc>,
            ) -> R<Concern> {
                self.write_public_concern(actor, input, place, receipt_hash, allowance, now).await
            }

            async fn meeting_place(&self, meeting_id: &str, category_id: &str) -> R<crate::model::MeetingPlace> {
                // Every public submission asks this first: a hot read (`hot_read`).
                use crate::hot_read::Bind;
                self.hot_rows::<crate::model::MeetingPlace>(
                    "SELECT m.id AS meeting_id, m.round_id, m.village_id, v.name AS village_name, m.township_id, \
                     t.name AS township_name, CAST($2 AS TEXT) AS category_id, \
                     (SELECT k.name FROM concern_category k WHERE k.id = $2) AS category_name \
                     FROM onsite_meeting m JOIN village v ON v.id = m.village_id JOIN township t ON t.id = m.township_id \
                     WHERE m.id = $1",
                    &[Bind::Text(meeting_id.to_owned()), Bind::Text(category_id.to_owned())],
                )
                .await?
                .pop()
                .ok_or(StoreError::NotFound)
            }

            async fn list_concerns(&self, reach: &qinglian_domain::scope::Reach, filter: &ConcernFilter, page: PageRequest) -> R<Paged<Concern>> {
                use crate::portable::inspection::FilterArg;
                let (mut conds, args) = crate::portable::inspection::concern_conditions(filter);
                let (cond, reach_binds) = crate::portable::inspection::reach_clause(reach, Some("c.round_id"), Some("c.township_id"), Some("c.department_id"), args.len() + 1);
                conds.push(cond);
                let filter_sql = conds.join(" AND ");
                let limit = args.len() + reach_binds.len() + 1;
                // The page's ids first, from the concern table alone (an index can cover it),
                // then the names for those 25 rows only. The total rides on every row as an
                // uncorrelated subquery (evaluated once): one round trip for the page, since
                // on SQLite each statement is a hand-off to a reader thread.
                let order = crate::portable::inspection::list_order(filter);
                // Where the backend has an exact change mark, a total kept under the current
                // mark is taken as it is; the count runs only when the mark has moved.
                let count = format!("(SELECT COUNT(*) FROM concern c WHERE {filter_sql})");
                let (mark, total) = match <Self as crate::BackendDb>::CHANGE_MARK_SQL {
                    Some(m) => (
                        format!("CAST({m} AS BIGINT)"),
                        format!("CASE WHEN {m} = ${} THEN ${} ELSE {count} END", limit + 2, limit + 3),
                    ),
                    None => ("CAST(0 AS BIGINT)".to_owned(), count),
                };
                let sql = format!(
                    "{}, {mark} AS mark, {total} AS total \
                     FROM (SELECT c.id AS page_id FROM concern c WHERE {filter_sql} \
                     ORDER BY {order} LIMIT ${limit} OFFSET ${}) p \
                     JOIN concern c ON c.id = p.page_id {} ORDER BY {order}",
                    crate::portable::inspection::CONCERN_COLUMNS,
                    limit + 1,
                    crate::portable::inspection::CONCERN_JOINS,
                );
                // A department's list is under the heaviest staff load: a hot read (`hot_read`).
                use crate::hot_read::Bind;
                let mut key = filter_sql.clone();
                let mut binds: Vec<Bind> = args
                    .iter()
                    .map(|a| match a {
                        FilterArg::Text(v) => { key.push_str(&format!("|{v}")); Bind::Text(v.clone()) }
                        FilterArg::Date(d) => { key.push_str(&format!("|{d}")); Bind::Date(*d) }
                    })
                    .collect();
                for b in &reach_binds { key.push_str(&format!("|{b}")); binds.push(Bind::Text(b.clone())); }
                let filter_binds = binds.len();
                binds.extend([Bind::Int(page.limit), Bind::Int(page.offset)]);
                if <Self as crate::BackendDb>::CHANGE_MARK_SQL.is_some() {
                    let (kept_mark, kept_total) = self.list_totals.get(&key);
                    binds.extend([Bind::Int(kept_mark), Bind::Int(kept_total)]);
                }
                let rows = self.hot_rows::<crate::portable::inspection::ConcernAndTotal>(&sql, &binds).await?;
                if let Some(first) = rows.first() {
                    let total = first.total;
                    if <Self as crate::BackendDb>::CHANGE_MARK_SQL.is_some() {
                        self.list_totals.put(key, first.mark, total);
                    }
                    return Ok(Paged { items: rows.into_iter().map(|r| r.concern).collect(), total });
                }
                // An empty page (nothing matches, or past the end) still says how many match.
                let sql = format!("SELECT COUNT(*) FROM concern c WHERE {filter_sql}");
                binds.truncate(filter_binds);
                let total = self.hot_rows::<(i64,)>(&sql, &binds).await?.first().map_or(0, |t| t.0);
                Ok(Paged { items: Vec::new(), total })
            }

            async fn get_concern(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<Concern> {
                let c = self.concern_by_id(id).await?;
                if reach.covers_any(c.round_id.as_deref(), Some(&c.township_id), c.department_id.as_deref()) {
                    Ok(c)
                } else {
                    Err(StoreError::NotFound)
                }
            }

            async fn concern_events(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<Vec<ConcernEvent>> {
                self.get_concern(reach, id).await?;
                Ok(sqlx::query_as::<_, ConcernEvent>(EVENT_SELECT).bind(id).fetch_all(&self.read).await?)
            }

            async fn read_complainant(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, id: &str) -> R<Complainant> {
                self.get_concern(reach, id).await?;
                let c = sqlx::query_as::<_, Complainant>("SELECT complainant_name, complainant_phone FROM concern WHERE id = $1")
                    .bind(id)
                    .fetch_one(&self.read)
                    .await?;
                // The read is on the record before the identity leaves the store.
                crate::repo::AuditRepo::record_audit(self, actor, AuditAction::ComplainantView, Some(id), qinglian_domain::audit::AuditResult::Ok, None).await?;
                Ok(c)
            }

            async fn step_concern(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                expected_version: Option<i64>,
                step: &qinglian_domain::inspection::ConcernStep,
                by: &StepBy<'_>,
                now: DateTime<Utc>,
            ) -> R<Concern> {
                use qinglian_domain::inspection::{ConcernFacts, ConcernState, ConcernStep, Party, next};
                if by.party == Party::Villager || step.party() != by.party {
                    return Err(Invalid::field("kind", "concern.step_not_yours", Some(step.kind())).into());
                }
                let mut tx = self.begin_write().await?;
                let row: Option<(String, Option<chrono::NaiveDate>, Option<DateTime<Utc>>, Option<String>, Option<String>, String, i64)> = sqlx::query_as(
                    "SELECT state, answer_deadline, closed_at, department_id, round_id, township_id, version FROM concern WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let (state, answer_deadline, closed_at, department_id, round_id, township_id, version) = row.ok_or(StoreError::NotFound)?;
                if !reach.covers_any(round_id.as_deref(), Some(&township_id), department_id.as_deref()) {
                    return Err(StoreError::NotFound);
                }
                if expected_version.is_some_and(|v| v != version) {
                    return Err(StoreError::Conflict { field: "version", value: Some(version.to_string()) });
                }
                if by.party == Party::Department && (by.department_id.is_none() || by.department_id != department_id.as_deref()) {
                    return Err(Invalid::field("kind", "concern.not_your_department", None).into());
                }
                if let ConcernStep::Assign { department_id, .. } = step {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM department WHERE id = $1").bind(department_id).fetch_one(&mut *tx).await?;
                    if n == 0 {
                        return Err(Invalid::field("department_id", "field.unknown_id", Some(department_id)).into());
                    }
                }
                let facts = ConcernFacts { state: ConcernState::parse("state", &state)?, answer_deadline, closed_at };
                let t = next(&facts, step, now)?;
                self.apply_step(&mut tx, actor, id, version, step, &t, by.party, by.unit_name, now).await?;
                tx.commit().await?;
                self.concern_by_id(id).await
            }

            async fn concern_by_receipt(&self, receipt_hash: &str) -> R<(Concern, Vec<ConcernEvent>)> {
                let id: Option<String> = sqlx::query_scalar("SELECT id FROM concern WHERE receipt_hash = $1")
                    .bind(receipt_hash)
                    .fetch_optional(&self.read)
                    .await?;
                let id = id.ok_or(StoreError::NotFound)?;
                let c = self.concern_by_id(&id).await?;
                let events = sqlx::query_as::<_, ConcernEvent>(EVENT_SELECT).bind(&id).fetch_all(&self.read).await?;
                Ok((c, events))
            }

            async fn follow_receipt(&self, receipt_hash: &str, throttle_key: &str) -> R<ReceiptRead> {
                use crate::hot_read::Bind;
                let rows = self
                    .hot_rows::<crate::portable::receipt::ReceiptRow>(
                        crate::portable::receipt::RECEIPT_SQL,
                        &[Bind::Text(receipt_hash.to_owned()), Bind::Text(throttle_key.to_owned())],
                    )
                    .await?;
                crate::portable::receipt::assemble(rows)
            }

            async fn villager_step(&self, actor: &Actor, receipt_hash: &str, step: &qinglian_domain::inspection::ConcernStep, now: DateTime<Utc>) -> R<Concern> {
                use qinglian_domain::inspection::{ConcernFacts, ConcernState, Party, next};
                if step.party() != Party::Villager {
                    return Err(Invalid::field("kind", "concern.step_not_yours", Some(step.kind())).into());
                }
                let mut tx = self.begin_write().await?;
                let row: Option<(String, String, Option<chrono::NaiveDate>, Option<DateTime<Utc>>, i64)> = sqlx::query_as(
                    "SELECT id, state, answer_deadline, closed_at, version FROM concern WHERE receipt_hash = $1",
                )
                .bind(receipt_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let (id, state, answer_deadline, closed_at, version) = row.ok_or(StoreError::NotFound)?;
                let facts = ConcernFacts { state: ConcernState::parse("state", &state)?, answer_deadline, closed_at };
                let t = next(&facts, step, now)?;
                self.apply_step(&mut tx, actor, &id, version, step, &t, Party::Villager, "", now).await?;
                tx.commit().await?;
                self.concern_by_id(&id).await
            }

            async fn concern_facts(&self, reach: &qinglian_domain::scope::Reach, round_id: &str) -> R<Vec<qinglian_domain::inspection::ConcernFact>> {
                use qinglian_domain::inspection::{CHINA, ConcernFact, ConcernState};
                self.get_round(reach, round_id).await?;
                let rows: Vec<(String, bool, String, Option<String>, Option<chrono::NaiveDate>, Option<DateTime<Utc>>)> = sqlx::query_as(
                    "SELECT c.state, c.on_spot, k.name, d.name, c.answer_deadline, \
                     (SELECT MIN(e.at) FROM concern_event e WHERE e.concern_id = c.id AND e.kind = 'answer') \
                     FROM concern c JOIN concern_category k ON k.id = c.category_id \
                     LEFT JOIN department d ON d.id = c.department_id WHERE c.round_id = $1 ORDER BY c.created_at, c.id",
                )
                .bind(round_id)
                .fetch_all(&self.read)
                .await?;
                rows.into_iter()
                    .map(|(state, on_spot, category, department, answer_deadline, answered_at)| {
                        Ok(ConcernFact {
                            state: ConcernState::parse("state", &state)?,
                            on_spot,
                            category,
                            department,
                            answer_deadline,
                            answered_on: answered_at.map(|a| a.with_timezone(&CHINA).date_naive()),
                        })
                    })
                    .collect()
            }

            async fn overdue_summary(&self, reach: &qinglian_domain::scope::Reach, today: chrono::NaiveDate) -> R<Vec<OverdueCount>> {
                const BY: [(&str, &str, &str); 3] = [
                    ("department", "d.id, d.name", "JOIN department d ON d.id = c.department_id"),
                    ("township", "t.id, t.name", "JOIN township t ON t.id = c.township_id"),
                    ("group", "g.id, g.name", "JOIN onsite_meeting m ON m.id = c.meeting_id JOIN inspection_group g ON g.id = m.group_id"),
                ];
                let mut out = Vec::new();
                for (by, cols, join) in BY {
                    let (cond, binds) = crate::portable::inspection::reach_clause(reach, Some("c.round_id"), Some("c.township_id"), Some("c.department_id"), 3);
                    // Only this module's constants and generated placeholders are interpolated.
                    let sql = format!(
                        "SELECT CAST($2 AS TEXT) AS \"by\", {cols}, COUNT(*) AS count FROM concern c {join} \
                         WHERE c.state IN ('assigned', 'rectifying') AND c.answer_deadline < $1 AND {cond} \
                         GROUP BY {cols} ORDER BY count DESC, {cols}"
                    );
                    let mut q = sqlx::query_as::<_, OverdueCount>(sqlx::AssertSqlSafe(sql)).bind(today).bind(by);
                    for b in &binds { q = q.bind(b); }
                    out.extend(q.fetch_all(&self.read).await?);
                }
                Ok(out)
            }

            async fn register(&self, round_id: Option<&str>, meeting_id: Option<&str>, today: chrono::NaiveDate) -> R<Register> {
                // One grouped query, filtered on one indexed column: a public page under load
                // must not scan the whole table three times.
                macro_rules! register_sql {
                    ($where:literal) => {
                        concat!(
                            "SELECT k.name, k.position, c.state, COUNT(*), \
                             COALESCE(SUM(CASE WHEN c.on_spot THEN 1 ELSE 0 END), 0), \
                             COALESCE(SUM(CASE WHEN c.state IN ('assigned', 'rectifying') AND c.answer_deadline < $2 THEN 1 ELSE 0 END), 0) \
                             FROM concern c JOIN concern_category k ON k.id = c.category_id WHERE ",
                            $where,
                            " GROUP BY k.name, k.position, c.state"
                        )
                    };
                }
                let (sql, key): (&'static str, Option<&str>) = match (meeting_id, round_id) {
                    (Some(m), _) => (register_sql!("c.meeting_id = $1"), Some(m)),
                    (None, Some(r)) => (register_sql!("c.round_id = $1"), Some(r)),
                    (None, None) => (register_sql!("CAST($1 AS TEXT) IS NULL"), None),
                };
                let rows: Vec<(String, i64, String, i64, i64, i64)> =
                    sqlx::query_as(sql).bind(key).bind(today).fetch_all(&self.read).await?;
                let (mut total, mut on_spot, mut overdue) = (0, 0, 0);
                let mut by_category: Vec<(i64, NamedCount)> = Vec::new();
                let mut by_state: Vec<NamedCount> = Vec::new();
                for (category, position, state, count, spot, late) in rows {
                    total += count;
                    on_spot += spot;
                    overdue += late;
                    match by_category.iter_mut().find(|(_, c)| c.name == category) {
                        Some((_, c)) => c.count += count,
                        None => by_category.push((position, NamedCount { name: category, count })),
                    }
                    match by_state.iter_mut().find(|c| c.name == state) {
                        Some(c) => c.count += count,
                        None => by_state.push(NamedCount { name: state, count }),
                    }
                }
                by_category.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
                by_state.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(Register {
                    total,
                    on_spot,
                    overdue,
                    by_category: by_category.into_iter().map(|(_, c)| c).collect(),
                    by_state,
                })
            }
        }
    };
}
pub(crate) use inspection_impl;
