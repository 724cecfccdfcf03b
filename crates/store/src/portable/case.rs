//! Clues, cases, teams and remote interviews on both backends.
//!
//! Every read of one record writes an audit row (and so a ledger entry); lists are cut in SQL
//! to the caller's reach minus their own townships, and one record outside answers `NotFound`.

use qinglian_domain::scope::Reach;

macro_rules! clue_select {
    () => {
        "SELECT c.id, c.number, c.source, c.subject_name, c.subject_unit, c.township_id, t.name AS township_name, \
         c.summary, c.received_on, c.disposition, f.id AS case_id, c.version, c.created_at, c.updated_at \
         FROM clue c JOIN township t ON t.id = c.township_id LEFT JOIN case_file f ON f.clue_id = c.id"
    };
}
pub(crate) use clue_select;

macro_rules! case_select {
    () => {
        "SELECT f.id, f.number, f.clue_id, f.township_id, t.name AS township_name, c.subject_name, c.subject_unit, \
         f.opened_on, f.state, (SELECT COUNT(*) FROM interview i WHERE i.case_id = f.id) AS interview_count \
         FROM case_file f JOIN clue c ON c.id = f.clue_id JOIN township t ON t.id = f.township_id"
    };
}
pub(crate) use case_select;

macro_rules! interview_select {
    () => {
        "SELECT i.id, i.case_id, f.number AS case_number, f.clue_id, f.township_id, i.witness_shown, i.witness_protected, \
         i.platform, i.link, i.scheduled_at, s.name AS consent_caller_name, i.consent_called_at, i.consent_agreed, \
         i.done_step, i.paused, i.version, i.created_at, i.authorisation_id, au.number AS authorisation_number \
         FROM interview i JOIN case_file f ON f.id = i.case_id JOIN staff s ON s.id = i.consent_caller_id \
         LEFT JOIN authorisation au ON au.id = i.authorisation_id"
    };
}
pub(crate) use interview_select;

/// The condition keeping clue rows (`c.id`, `township_col`) within reach and out of the
/// caller's own townships, with its binds from `$first`. Column names come from this crate.
pub(crate) fn case_reach_clause(
    reach: &Reach,
    clue_col: &str,
    township_col: &str,
    first: usize,
) -> (String, Vec<String>) {
    let mut binds: Vec<String> = Vec::new();
    let marks = |ids: &std::collections::BTreeSet<String>, binds: &mut Vec<String>| -> String {
        ids.iter()
            .map(|id| {
                binds.push(id.clone());
                format!("${}", first + binds.len() - 1)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut within = Vec::new();
    if reach.county {
        within.push("1 = 1".to_owned());
    } else {
        if !reach.cases.is_empty() {
            within.push(format!("{clue_col} IN ({})", marks(&reach.cases, &mut binds)));
        }
        if !reach.townships.is_empty() {
            within.push(format!("{township_col} IN ({})", marks(&reach.townships, &mut binds)));
        }
    }
    if within.is_empty() {
        return ("1 = 0".to_owned(), binds);
    }
    let mut cond = format!("({})", within.join(" OR "));
    if !reach.own_townships.is_empty() {
        cond = format!(
            "{cond} AND {township_col} NOT IN ({})",
            marks(&reach.own_townships, &mut binds)
        );
    }
    (cond, binds)
}

/// A clue number: 线索〔year〕 and a three-digit sequence.
pub(crate) fn clue_number(year: i32, seq: i64) -> String {
    format!("线索〔{year}〕{seq:03}号")
}

macro_rules! case_impl {
    ($store:ty) => {
        impl $store {
            /// The clue's township and id after the reach check; `NotFound` outside it.
            async fn clue_place(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<(String, String)> {
                let row: Option<(String, String)> = sqlx::query_as("SELECT id, township_id FROM clue WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                match row {
                    Some((id, township)) if qinglian_domain::case::reaches_case(reach, &id, &township) => Ok((id, township)),
                    _ => Err(StoreError::NotFound),
                }
            }

            /// A case after the reach check (not audited: callers audit what they show).
            async fn case_place(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<CaseFile> {
                let case = sqlx::query_as::<_, CaseFile>(concat!(crate::portable::case::case_select!(), " WHERE f.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                if !qinglian_domain::case::reaches_case(reach, &case.clue_id, &case.township_id) {
                    return Err(StoreError::NotFound);
                }
                Ok(case)
            }

            /// An interview's case, clue and township after the reach check.
            async fn interview_place(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<Interview> {
                let i = sqlx::query_as::<_, Interview>(concat!(crate::portable::case::interview_select!(), " WHERE i.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                if !qinglian_domain::case::reaches_case(reach, &i.clue_id, &i.township_id) {
                    return Err(StoreError::NotFound);
                }
                Ok(i)
            }

            /// A read of case data, written to the audit trail (and the ledger) before it is returned.
            async fn audit_read(&self, actor: &Actor, action: AuditAction, object: Option<&str>, detail: Option<&str>) -> R<()> {
                let mut tx = self.begin_write().await?;
                self.audit_tx(&mut tx, actor, action, object, detail).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn interview_detail(&self, i: Interview) -> R<InterviewDetail> {
                let witness = if i.witness_protected {
                    None
                } else {
                    sqlx::query_as::<_, WitnessClear>("SELECT witness_name, witness_id_number, witness_phone FROM interview WHERE id = $1")
                        .bind(&i.id)
                        .fetch_optional(&self.read)
                        .await?
                };
                let investigators = sqlx::query_as::<_, Investigator>(
                    "SELECT v.staff_id, s.name, v.checked_in_at FROM interview_investigator v JOIN staff s ON s.id = v.staff_id \
                     WHERE v.interview_id = $1 ORDER BY s.name, s.id",
                )
                .bind(&i.id)
                .fetch_all(&self.read)
                .await?;
                let events = sqlx::query_as::<_, InterviewEvent>(
                    "SELECT e.seq, e.kind, e.step, e.detail, e.actor_staff_id, s.name AS actor_name, e.at \
                     FROM interview_event e JOIN staff s ON s.id = e.actor_staff_id WHERE e.interview_id = $1 ORDER BY e.seq",
                )
                .bind(&i.id)
                .fetch_all(&self.read)
                .await?;
                let transcript = sqlx::query_as::<_, TranscriptVersion>(
                    "SELECT v.number, v.body, v.sha256, s.name AS author_name, v.saved_at FROM transcript_version v \
                     JOIN staff s ON s.id = v.author_staff_id WHERE v.interview_id = $1 ORDER BY v.number DESC LIMIT 1",
                )
                .bind(&i.id)
                .fetch_optional(&self.read)
                .await?;
                let files = sqlx::query_as::<_, InterviewFile>(
                    "SELECT f.evidence_file_id, f.kind, s.name AS attached_by_name, f.attached_at FROM interview_file f \
                     JOIN staff s ON s.id = f.attached_by WHERE f.interview_id = $1 ORDER BY f.attached_at, f.evidence_file_id",
                )
                .bind(&i.id)
                .fetch_all(&self.read)
                .await?;
                Ok(InterviewDetail { interview: i, witness, investigators, events, transcript, files })
            }

            /// Whether the acting staff member is one of the interview's investigators.
            async fn is_investigator(&self, interview_id: &str, staff_id: Option<&str>) -> R<bool> {
                let Some(staff_id) = staff_id else { return Ok(false) };
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM interview_investigator WHERE interview_id = $1 AND staff_id = $2")
                    .bind(interview_id)
                    .bind(staff_id)
                    .fetch_one(&self.read)
                    .await?;
                Ok(n > 0)
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::CaseRepo for $store {
            async fn list_clues(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, filter: &ClueFilter, page: PageRequest) -> R<Paged<Clue>> {
                let (mut cond, mut binds) = crate::portable::case::case_reach_clause(reach, "c.id", "c.township_id", 1);
                if let Some(t) = &filter.township_id {
                    binds.push(t.clone());
                    cond.push_str(&format!(" AND c.township_id = ${}", binds.len()));
                }
                match filter.disposition.as_deref() {
                    Some("pending") => cond.push_str(" AND c.disposition IS NULL"),
                    Some(d) => {
                        binds.push(d.to_owned());
                        cond.push_str(&format!(" AND c.disposition = ${}", binds.len()));
                    }
                    None => {}
                }
                let sql = format!(concat!(crate::portable::case::clue_select!(), " WHERE {} ORDER BY c.received_on DESC, c.number DESC LIMIT {} OFFSET {}"), cond, page.limit, page.offset);
                let mut q = sqlx::query_as::<_, Clue>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let items = q.fetch_all(&self.read).await?;
                let sql = format!("SELECT COUNT(*) FROM clue c WHERE {cond}");
                let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let total = q.fetch_one(&self.read).await?;
                let detail = format!("list {} of {}", items.len(), total);
                self.audit_read(actor, AuditAction::ClueView, None, Some(&detail)).await?;
                Ok(Paged { items, total })
            }

            async fn get_clue(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, id: &str) -> R<ClueDetail> {
                let (id, _) = self.clue_place(reach, id).await?;
                let clue = sqlx::query_as::<_, Clue>(concat!(crate::portable::case::clue_select!(), " WHERE c.id = $1")).bind(&id).fetch_one(&self.read).await?;
                let events = sqlx::query_as::<_, ClueEvent>(
                    "SELECT e.version, e.disposition, e.note, s.name AS actor_name, e.at FROM clue_event e \
                     LEFT JOIN staff s ON s.id = e.actor_staff_id WHERE e.clue_id = $1 ORDER BY e.version",
                )
                .bind(&id)
                .fetch_all(&self.read)
                .await?;
                let team = sqlx::query_as::<_, TeamMember>(
                    "SELECT m.staff_id, s.name, h.name AS home_township_name, COALESCE(t.name, d.name, g.name) AS posting_unit_name, m.added_at \
                     FROM case_team_member m JOIN staff s ON s.id = m.staff_id LEFT JOIN township h ON h.id = s.home_township_id \
                     LEFT JOIN township t ON s.posting_kind = 'township' AND t.id = s.posting_unit_id \
                     LEFT JOIN department d ON s.posting_kind = 'department' AND d.id = s.posting_unit_id \
                     LEFT JOIN stationed_group g ON s.posting_kind = 'stationed_group' AND g.id = s.posting_unit_id \
                     WHERE m.clue_id = $1 ORDER BY m.added_at, s.name",
                )
                .bind(&id)
                .fetch_all(&self.read)
                .await?;
                self.audit_read(actor, AuditAction::ClueView, Some(&id), None).await?;
                Ok(ClueDetail { clue, events, team })
            }

            async fn create_clue(&self, actor: &Actor, input: &qinglian_domain::case::ClueInput) -> R<Clue> {
                use chrono::Datelike;
                let id = new_id();
                let now = Utc::now();
                let year = input.received_on.year();
                let mut tx = self.begin_write().await?;
                let prefix = format!("线索〔{year}〕%");
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clue WHERE number LIKE $1").bind(&prefix).fetch_one(&mut *tx).await?;
                let number = crate::portable::case::clue_number(year, n + 1);
                sqlx::query(
                    "INSERT INTO clue (id, number, source, subject_name, subject_unit, township_id, summary, received_on, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
                )
                .bind(&id)
                .bind(&number)
                .bind(input.source.as_str())
                .bind(input.subject_name.as_str())
                .bind(input.subject_unit.as_str())
                .bind(&input.township_id)
                .bind(input.summary.as_str())
                .bind(input.received_on)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(constraint("number", Some(&number), "township_id"))?;
                let hash = crate::portable::inspection::content_hash(&[input.subject_name.as_str(), input.subject_unit.as_str(), input.summary.as_str()]);
                self.audit_tx(&mut tx, actor, AuditAction::ClueCreate, Some(&id), Some(&format!("{number} sha256:{hash}"))).await?;
                tx.commit().await?;
                Ok(sqlx::query_as::<_, Clue>(concat!(crate::portable::case::clue_select!(), " WHERE c.id = $1")).bind(&id).fetch_one(&self.read).await?)
            }

            async fn dispose_clue(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                expected_version: Option<i64>,
                disposition: qinglian_domain::case::Disposition,
                note: &qinglian_domain::inspection::Text,
                today: chrono::NaiveDate,
            ) -> R<Clue> {
                use chrono::Datelike;
                use qinglian_domain::case::{Disposition, may_dispose};
                let (id, township) = self.clue_place(reach, id).await?;
                let mut tx = self.begin_write().await?;
                let (current, version): (Option<String>, i64) = sqlx::query_as("SELECT disposition, version FROM clue WHERE id = $1")
                    .bind(&id)
                    .fetch_one(&mut *tx)
                    .await?;
                if expected_version.is_some_and(|v| v != version) {
                    return Err(StoreError::Conflict { field: "version", value: Some(version.to_string()) });
                }
                let current = current.map(|d| Disposition::parse("disposition", &d)).transpose()?;
                may_dispose(current, disposition)?;
                let now = Utc::now();
                sqlx::query("UPDATE clue SET disposition = $2, version = version + 1, updated_at = $3 WHERE id = $1 AND version = $4")
                    .bind(&id)
                    .bind(disposition.as_str())
                    .bind(now)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO clue_event (id, clue_id, version, disposition, note, actor_staff_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(new_id())
                    .bind(&id)
                    .bind(version + 1)
                    .bind(disposition.as_str())
                    .bind(note.as_str())
                    .bind(&actor.staff_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let hash = crate::portable::inspection::content_hash(&[note.as_str()]);
                self.audit_tx(&mut tx, actor, AuditAction::ClueDispose, Some(&id), Some(&format!("{} v{} sha256:{hash}", disposition.as_str(), version + 1))).await?;
                if disposition == Disposition::CaseOpened {
                    let year = today.year();
                    let prefix = format!("立案〔{year}〕%");
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_file WHERE number LIKE $1").bind(&prefix).fetch_one(&mut *tx).await?;
                    let number = qinglian_domain::case::case_number(year, (n + 1) as u32);
                    let case_id = new_id();
                    sqlx::query(
                        "INSERT INTO case_file (id, number, clue_id, township_id, opened_on, state, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, 'investigating', $6, $6)",
                    )
                    .bind(&case_id)
                    .bind(&number)
                    .bind(&id)
                    .bind(&township)
                    .bind(today)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(constraint("number", Some(&number), "clue_id"))?;
                    self.audit_tx(&mut tx, actor, AuditAction::CaseOpen, Some(&case_id), Some(&number)).await?;
                }
                tx.commit().await?;
                Ok(sqlx::query_as::<_, Clue>(concat!(crate::portable::case::clue_select!(), " WHERE c.id = $1")).bind(&id).fetch_one(&self.read).await?)
            }

            async fn add_team_member(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, clue_id: &str, staff_id: &str) -> R<()> {
                // The cross-handling rules through the recusal engine: home township, posting,
                // the subject's unit, declared ties, earlier involvement, approved overrides.
                let cf = self.xh_clue(reach, clue_id).await?;
                self.xh_check_team(&cf, &[staff_id]).await?;
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO case_team_member (clue_id, staff_id, added_at) VALUES ($1, $2, $3)")
                    .bind(&cf.id)
                    .bind(staff_id)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(constraint("staff_id", Some(staff_id), "staff_id"))?;
                self.audit_tx(&mut tx, actor, AuditAction::TeamMemberAdd, Some(&cf.id), Some(staff_id)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_cases(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, page: PageRequest) -> R<Paged<CaseFile>> {
                let (cond, binds) = crate::portable::case::case_reach_clause(reach, "f.clue_id", "f.township_id", 1);
                let sql = format!(concat!(crate::portable::case::case_select!(), " WHERE {} ORDER BY f.opened_on DESC, f.number DESC LIMIT {} OFFSET {}"), cond, page.limit, page.offset);
                let mut q = sqlx::query_as::<_, CaseFile>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let items = q.fetch_all(&self.read).await?;
                let sql = format!("SELECT COUNT(*) FROM case_file f WHERE {cond}");
                let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let total = q.fetch_one(&self.read).await?;
                self.audit_read(actor, AuditAction::CaseView, None, Some(&format!("list {} of {}", items.len(), total))).await?;
                Ok(Paged { items, total })
            }

            async fn get_case(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, id: &str) -> R<CaseFile> {
                let case = self.case_place(reach, id).await?;
                self.audit_read(actor, AuditAction::CaseView, Some(&case.id), None).await?;
                Ok(case)
            }

            async fn plan_interview(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                case_id: &str,
                plan: &qinglian_domain::interview::PlanInput,
                sealed_identity: Option<&str>,
            ) -> R<Interview> {
                let case = self.case_place(reach, case_id).await?;
                let w = &plan.witness;
                if w.protected && sealed_identity.is_none() {
                    return Err(Invalid::field("protected", "interview.identity_not_sealed", None).into());
                }
                // Investigators are the case's cross-handling team.
                for sid in &plan.investigator_ids {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_team_member WHERE clue_id = $1 AND staff_id = $2")
                        .bind(&case.clue_id)
                        .bind(sid)
                        .fetch_one(&self.read)
                        .await?;
                    if n == 0 {
                        return Err(Invalid::field("investigator_ids", "interview.investigator_not_on_team", Some(sid)).into());
                    }
                }
                let id = new_id();
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let (name, idn, phone) = if w.protected {
                    (None, None, None)
                } else {
                    (Some(w.real_name.as_str()), Some(w.id_number.as_str()), w.phone.as_deref())
                };
                sqlx::query(
                    "INSERT INTO interview (id, case_id, witness_shown, witness_protected, witness_name, witness_id_number, witness_phone, \
                     platform, link, scheduled_at, consent_caller_id, consent_called_at, consent_agreed, paused, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, FALSE, 1, $14, $14)",
                )
                .bind(&id)
                .bind(&case.id)
                .bind(w.shown_name.as_str())
                .bind(w.protected)
                .bind(name)
                .bind(idn)
                .bind(phone)
                .bind(plan.platform.as_str())
                .bind(&plan.link)
                .bind(plan.scheduled_at)
                .bind(&plan.consent.caller_staff_id)
                .bind(plan.consent.called_at)
                .bind(plan.consent.agreed.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(constraint("id", None, "consent_caller_id"))?;
                for sid in &plan.investigator_ids {
                    sqlx::query("INSERT INTO interview_investigator (interview_id, staff_id) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(sid)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(sealed) = sealed_identity.filter(|_| w.protected) {
                    sqlx::query("INSERT INTO witness_identity (interview_id, sealed) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(sealed)
                        .execute(&mut *tx)
                        .await?;
                }
                let hash = crate::portable::inspection::content_hash(&[w.real_name.as_str(), w.id_number.as_str(), &plan.link, plan.consent.agreed.as_str()]);
                self.audit_tx(&mut tx, actor, AuditAction::InterviewPlan, Some(&id), Some(&format!("case {} sha256:{hash}", case.number))).await?;
                tx.commit().await?;
                self.interview_place(reach, &id).await
            }

            async fn list_interviews(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, case_id: &str) -> R<Vec<Interview>> {
                // The case's own read is audited by `get_case`; this list is audited as its own read.
                let case = self.case_place(reach, case_id).await?;
                self.audit_read(actor, AuditAction::InterviewView, Some(&case.id), Some("interviews of the case")).await?;
                Ok(sqlx::query_as::<_, Interview>(concat!(crate::portable::case::interview_select!(), " WHERE i.case_id = $1 ORDER BY i.scheduled_at, i.id"))
                    .bind(&case.id)
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn get_interview(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, id: &str) -> R<InterviewDetail> {
                let i = self.interview_place(reach, id).await?;
                self.audit_read(actor, AuditAction::InterviewView, Some(&i.id), None).await?;
                self.interview_detail(i).await
            }

            async fn interview_act(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                act: &qinglian_domain::interview::Act,
                now: DateTime<Utc>,
            ) -> R<InterviewDetail> {
                use qinglian_domain::interview::{Act, ProcedureFacts, Step, next};
                let i = self.interview_place(reach, id).await?;
                let mut tx = self.begin_write().await?;
                let (done, paused, version): (Option<String>, bool, i64) =
                    sqlx::query_as("SELECT done_step, paused, version FROM interview WHERE id = $1")
                        .bind(&i.id)
                        .fetch_one(&mut *tx)
                        .await?;
                let investigators: Vec<(String, Option<DateTime<Utc>>)> =
                    sqlx::query_as("SELECT staff_id, checked_in_at FROM interview_investigator WHERE interview_id = $1 ORDER BY staff_id")
                        .bind(&i.id)
                        .fetch_all(&mut *tx)
                        .await?;
                let body: Option<String> = sqlx::query_scalar("SELECT body FROM transcript_version WHERE interview_id = $1 ORDER BY number DESC LIMIT 1")
                    .bind(&i.id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let entries = body
                    .map(|b| serde_json::from_str::<Vec<qinglian_domain::interview::QaEntry>>(&b).map(|v| v.len()))
                    .transpose()
                    .map_err(|_| Invalid::field("transcript", "transcript.corrupt", None))?
                    .unwrap_or(0);
                let signed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM interview_file WHERE interview_id = $1 AND kind = 'signed_transcript'")
                    .bind(&i.id)
                    .fetch_one(&mut *tx)
                    .await?;
                let facts = ProcedureFacts {
                    investigators: investigators.iter().map(|(s, _)| s.clone()).collect(),
                    checked_in: investigators.iter().filter(|(_, at)| at.is_some()).map(|(s, _)| s.clone()).collect(),
                    done: done.map(|d| Step::parse("done_step", &d)).transpose()?,
                    paused,
                    transcript_entries: entries,
                    signed_copy_attached: signed > 0,
                };
                let staff_id = actor.staff_id.clone().unwrap_or_default();
                let accepted = next(&facts, &staff_id, act)?;
                if matches!(act, Act::CheckIn) {
                    sqlx::query("UPDATE interview_investigator SET checked_in_at = $3 WHERE interview_id = $1 AND staff_id = $2")
                        .bind(&i.id)
                        .bind(&staff_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                let new_done = accepted.completed.or(facts.done);
                let r = sqlx::query("UPDATE interview SET done_step = $2, paused = $3, version = version + 1, updated_at = $4 WHERE id = $1 AND version = $5")
                    .bind(&i.id)
                    .bind(new_done.map(Step::as_str))
                    .bind(accepted.paused)
                    .bind(now)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::Conflict { field: "version", value: Some(version.to_string()) });
                }
                let seq: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM interview_event WHERE interview_id = $1")
                    .bind(&i.id)
                    .fetch_one(&mut *tx)
                    .await?;
                let (step, detail) = match act {
                    Act::Take { step, detail } => (Some(step.as_str()), detail.as_ref().map(|d| d.as_str())),
                    Act::Pause { reason, .. } => (None, Some(reason.as_str())),
                    Act::CheckIn => (accepted.completed.map(Step::as_str), None),
                    Act::Resume => (None, None),
                };
                sqlx::query(
                    "INSERT INTO interview_event (id, interview_id, seq, kind, step, detail, actor_staff_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(new_id())
                .bind(&i.id)
                .bind(seq + 1)
                .bind(act.kind())
                .bind(step)
                .bind(detail)
                .bind(&staff_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let hash = crate::portable::inspection::content_hash(&[detail.unwrap_or("")]);
                let audit = format!("{} {} #{} sha256:{hash}", act.kind(), step.unwrap_or("-"), seq + 1);
                self.audit_tx(&mut tx, actor, AuditAction::InterviewAct, Some(&i.id), Some(&audit)).await?;
                tx.commit().await?;
                let i = self.interview_place(reach, &i.id).await?;
                self.interview_detail(i).await
            }

            async fn save_transcript(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                base: i64,
                entries: &[qinglian_domain::interview::QaEntry],
                now: DateTime<Utc>,
            ) -> R<TranscriptVersion> {
                use qinglian_domain::interview::{Step, transcript_editable};
                let i = self.interview_place(reach, id).await?;
                if !self.is_investigator(&i.id, actor.staff_id.as_deref()).await? {
                    return Err(Invalid::field("actor", "interview.not_investigator", None).into());
                }
                let body = serde_json::to_string(entries).map_err(|_| Invalid::field("entries", "transcript.corrupt", None))?;
                let sha = crate::portable::inspection::content_hash(&[&body]);
                let mut tx = self.begin_write().await?;
                let done: Option<String> = sqlx::query_scalar("SELECT done_step FROM interview WHERE id = $1").bind(&i.id).fetch_one(&mut *tx).await?;
                let done = done.map(|d| Step::parse("done_step", &d)).transpose()?;
                if !transcript_editable(done) {
                    let key = if done.is_some_and(|d| d >= Step::TranscriptConfirmed) { "transcript.frozen" } else { "transcript.not_started" };
                    return Err(Invalid::field("entries", key, None).into());
                }
                let latest: Option<(i64, String)> = sqlx::query_as("SELECT number, sha256 FROM transcript_version WHERE interview_id = $1 ORDER BY number DESC LIMIT 1")
                    .bind(&i.id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let current = latest.as_ref().map(|(n, _)| *n).unwrap_or(0);
                if base != current {
                    return Err(StoreError::Conflict { field: "base", value: Some(current.to_string()) });
                }
                if latest.as_ref().is_some_and(|(_, s)| *s == sha) {
                    drop(tx);
                } else {
                    sqlx::query("INSERT INTO transcript_version (interview_id, number, body, sha256, author_staff_id, saved_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&i.id)
                        .bind(current + 1)
                        .bind(&body)
                        .bind(&sha)
                        .bind(&actor.staff_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(constraint("base", Some(&current.to_string()), "interview_id"))?;
                    self.audit_tx(&mut tx, actor, AuditAction::TranscriptSave, Some(&i.id), Some(&format!("v{} sha256:{sha}", current + 1))).await?;
                    tx.commit().await?;
                }
                Ok(sqlx::query_as::<_, TranscriptVersion>(
                    "SELECT v.number, v.body, v.sha256, s.name AS author_name, v.saved_at FROM transcript_version v \
                     JOIN staff s ON s.id = v.author_staff_id WHERE v.interview_id = $1 ORDER BY v.number DESC LIMIT 1",
                )
                .bind(&i.id)
                .fetch_one(&self.read)
                .await?)
            }

            async fn transcript_versions(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, id: &str) -> R<Vec<TranscriptVersion>> {
                let i = self.interview_place(reach, id).await?;
                self.audit_read(actor, AuditAction::InterviewView, Some(&i.id), Some("transcript versions")).await?;
                Ok(sqlx::query_as::<_, TranscriptVersion>(
                    "SELECT v.number, v.body, v.sha256, s.name AS author_name, v.saved_at FROM transcript_version v \
                     JOIN staff s ON s.id = v.author_staff_id WHERE v.interview_id = $1 ORDER BY v.number DESC",
                )
                .bind(&i.id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn attach_interview_file(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                evidence_file_id: &str,
                kind: &str,
            ) -> R<()> {
                use qinglian_domain::interview::Step;
                let i = self.interview_place(reach, id).await?;
                if !matches!(kind, "recording" | "signed_transcript" | "other") {
                    return Err(Invalid::field("kind", "interview.file_kind", Some(kind)).into());
                }
                if !self.is_investigator(&i.id, actor.staff_id.as_deref()).await? {
                    return Err(Invalid::field("actor", "interview.not_investigator", None).into());
                }
                let done = i.done_step.as_deref().map(|d| Step::parse("done_step", d)).transpose()?;
                if kind == "signed_transcript" && done.is_some_and(|d| d >= Step::TranscriptConfirmed) {
                    return Err(Invalid::field("kind", "transcript.frozen", None).into());
                }
                // Only a file the investigator took in themselves (the person, whichever of
                // their accounts), so nobody attaches (and then exports) evidence they could not read.
                let owner: Option<Option<String>> = sqlx::query_scalar("SELECT staff_id FROM evidence_file WHERE id = $1")
                    .bind(evidence_file_id)
                    .fetch_optional(&self.read)
                    .await?;
                match owner {
                    None => return Err(Invalid::field("evidence_file_id", "field.unknown_id", Some(evidence_file_id)).into()),
                    Some(o) if o.is_none() || o != actor.staff_id => {
                        return Err(Invalid::field("evidence_file_id", "interview.file_not_yours", None).into());
                    }
                    Some(_) => {}
                }
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO interview_file (interview_id, evidence_file_id, kind, attached_by, attached_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&i.id)
                    .bind(evidence_file_id)
                    .bind(kind)
                    .bind(&actor.staff_id)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(constraint("evidence_file_id", Some(evidence_file_id), "evidence_file_id"))?;
                self.audit_tx(&mut tx, actor, AuditAction::InterviewAttach, Some(&i.id), Some(&format!("{kind} {evidence_file_id}"))).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn reveal_witness(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                id: &str,
                reason: &qinglian_domain::inspection::Text,
            ) -> R<String> {
                let i = self.interview_place(reach, id).await?;
                let sealed: Option<String> = sqlx::query_scalar("SELECT sealed FROM witness_identity WHERE interview_id = $1")
                    .bind(&i.id)
                    .fetch_optional(&self.read)
                    .await?;
                let sealed = sealed.ok_or(StoreError::NotFound)?;
                self.audit_read(actor, AuditAction::WitnessReveal, Some(&i.id), Some(reason.as_str())).await?;
                Ok(sealed)
            }
        }
    };
}
pub(crate) use case_impl;
