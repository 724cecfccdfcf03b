//! Cross-handling on both backends: the recusal facts loaded from the tables, teams formed
//! only through `recusal::team_is_valid`, overrides with a second approver, proposals from
//! `assignment::propose`, and authorisations. The facts are read whole (a county has a few
//! hundred staff), indexed once by the engine, and checked in memory.

use std::collections::HashMap;

use qinglian_domain::Invalid;
use qinglian_domain::access::{Action, may};
use qinglian_domain::cross_handling::{exclusion_by_key, person_key, unit_key};
use qinglian_domain::recusal::{
    Facts, Involvement, Override, Policy, StaffMember, Subject, Tie, TieKind, TieTarget, Violation,
};
use qinglian_domain::role::Role;

/// Clues and cases still being worked on: what a team's load counts and proposals serve.
/// Expects the clue as `c` and its case (left-joined) as `f`.
pub(crate) const OPEN: &str = "(c.disposition IS NULL OR c.disposition IN ('talk_inquiry', 'preliminary_verification') \
     OR (c.disposition = 'case_opened' AND f.state = 'investigating'))";

macro_rules! candidate_select {
    () => {
        "SELECT s.id, s.name, s.role, s.posting_kind, s.posting_unit_id, COALESCE(t.name, d.name, g.name) AS posting_unit_name, \
         s.home_township_id, h.name AS home_township_name, z.id AS zone_id, z.name AS zone_name \
         FROM staff s \
         LEFT JOIN township t ON s.posting_kind = 'township' AND t.id = s.posting_unit_id \
         LEFT JOIN department d ON s.posting_kind = 'department' AND d.id = s.posting_unit_id \
         LEFT JOIN stationed_group g ON s.posting_kind = 'stationed_group' AND g.id = s.posting_unit_id \
         LEFT JOIN township h ON h.id = s.home_township_id \
         LEFT JOIN zone_member zm ON zm.member_id = COALESCE(t.id, g.id, d.stationed_group_id) \
         LEFT JOIN zone z ON z.id = zm.zone_id"
    };
}
pub(crate) use candidate_select;

macro_rules! tie_select {
    () => {
        "SELECT x.id, x.staff_id, s.name AS staff_name, x.kind, x.target_kind, x.person_name, x.person_unit, x.village_id, \
         v.name AS village_name, x.note, x.declared_at \
         FROM staff_tie x JOIN staff s ON s.id = x.staff_id LEFT JOIN village v ON v.id = x.village_id"
    };
}
pub(crate) use tie_select;

macro_rules! override_select {
    () => {
        "SELECT o.id, o.clue_id, o.staff_id, s.name AS staff_name, o.exclusion, o.reason, o.requested_by, r.name AS requested_by_name, \
         o.requested_at, o.approved_by, a.name AS approved_by_name, o.approved_at \
         FROM recusal_override o JOIN staff s ON s.id = o.staff_id JOIN staff r ON r.id = o.requested_by \
         LEFT JOIN staff a ON a.id = o.approved_by"
    };
}
pub(crate) use override_select;

macro_rules! authorisation_select {
    () => {
        "SELECT a.id, a.number, a.clue_id, c.number AS clue_number, c.township_id, t.name AS township_name, c.subject_name, \
         c.subject_unit, a.mandate, a.valid_from, a.valid_until, s.name AS issued_by_name, a.issued_at \
         FROM authorisation a JOIN clue c ON c.id = a.clue_id JOIN township t ON t.id = c.township_id \
         LEFT JOIN staff s ON s.id = a.issued_by"
    };
}
pub(crate) use authorisation_select;

/// Staff who may sit on a team (the roles that conduct interviews), as an SQL list.
pub(crate) fn team_roles_sql() -> String {
    Role::ALL
        .into_iter()
        .filter(|r| may(*r, Action::ConductInterview))
        .map(|r| format!("'{}'", r.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A candidate as read, before the engine sees them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct CandidateRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub posting_kind: String,
    pub posting_unit_id: Option<String>,
    pub posting_unit_name: Option<String>,
    pub home_township_id: Option<String>,
    pub home_township_name: Option<String>,
    pub zone_id: Option<String>,
    pub zone_name: Option<String>,
}

/// A clue as recusal needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ClueFacts {
    pub id: String,
    pub township_id: String,
    pub subject_name: String,
    pub subject_unit: String,
}

/// A declared tie as read: (staff, kind, target kind, person key, village id).
pub(crate) type TieRow = (String, String, String, Option<String>, Option<String>);
/// An approved override as read: (clue, staff, rule key, reason, requested by, approved by).
pub(crate) type OverrideRow = (String, String, String, String, String, String);

/// Everything read for the engine.
#[derive(Debug, Default)]
pub(crate) struct Raw {
    pub staff: Vec<CandidateRow>,
    pub loads: Vec<(String, i64)>,
    pub ties: Vec<TieRow>,
    /// (staff, clue id, subject name, subject unit) of every team place.
    pub places: Vec<(String, String, String, String)>,
    /// (staff, person key) recorded by hand.
    pub records: Vec<(String, String)>,
    pub overrides: Vec<OverrideRow>,
    /// (village id, township id, name)
    pub villages: Vec<(String, String, String)>,
    /// (member id, zone id)
    pub zones: Vec<(String, String)>,
}

impl Raw {
    /// The facts, with team places on `except_clue` not counted as earlier involvement.
    pub fn facts(&self, except_clue: Option<&str>) -> Facts {
        let loads: HashMap<&str, i64> = self.loads.iter().map(|(s, n)| (s.as_str(), *n)).collect();
        let staff = self
            .staff
            .iter()
            .map(|s| StaffMember {
                id: s.id.clone(),
                home_township_id: s.home_township_id.clone(),
                posting_township_id: (s.posting_kind == "township")
                    .then(|| s.posting_unit_id.clone())
                    .flatten(),
                posting_unit_id: s.posting_unit_name.as_deref().map(unit_key),
                zone_id: s.zone_id.clone(),
                available: true,
                load: loads
                    .get(s.id.as_str())
                    .map_or(0, |n| u32::try_from(*n).unwrap_or(u32::MAX)),
                max_load: None,
            })
            .collect();
        let ties: Vec<Tie> = self
            .ties
            .iter()
            .filter_map(|(staff, kind, target, person, village)| {
                let kind = TieKind::parse("kind", kind).ok()?;
                let target = match target.as_str() {
                    "village" => TieTarget::Village(village.clone()?),
                    _ => TieTarget::Person(person.clone()?),
                };
                Some(Tie {
                    declared_by: staff.clone(),
                    kind,
                    target,
                })
            })
            .collect();
        let involvements: Vec<Involvement> = self
            .places
            .iter()
            .filter(|(_, clue, _, _)| Some(clue.as_str()) != except_clue)
            .map(|(staff, _, name, unit)| Involvement {
                staff_id: staff.clone(),
                person_id: person_key(name, unit),
            })
            .chain(self.records.iter().map(|(staff, key)| Involvement {
                staff_id: staff.clone(),
                person_id: key.clone(),
            }))
            .collect();
        Facts::new(staff, &ties, &involvements, Policy::default())
    }

    pub fn overrides(&self) -> Vec<Override> {
        self.overrides
            .iter()
            .filter_map(|(clue, staff, rule, reason, by, approver)| {
                Override::new(
                    clue,
                    staff,
                    exclusion_by_key("exclusion", rule).ok()?,
                    reason,
                    by,
                    approver,
                )
                .ok()
            })
            .collect()
    }

    /// The subject of a clue: its township and zone, the person by name and unit, the unit by
    /// name, and the village whose name the unit starts with (a village committee), if any.
    pub fn subject(&self, c: &ClueFacts) -> Subject {
        let village = self
            .villages
            .iter()
            .filter(|(_, t, name)| *t == c.township_id && !name.is_empty() && c.subject_unit.starts_with(name.as_str()))
            .max_by_key(|(_, _, name)| name.chars().count())
            .map(|(id, _, _)| id.clone());
        Subject {
            id: c.id.clone(),
            township_id: c.township_id.clone(),
            person_id: Some(person_key(&c.subject_name, &c.subject_unit)),
            unit_id: Some(unit_key(&c.subject_unit)),
            village_id: village,
            zone_id: self
                .zones
                .iter()
                .find(|(m, _)| *m == c.township_id)
                .map(|(_, z)| z.clone()),
        }
    }
}

/// A refused team as field errors: the rule's key, the member's id as the value.
pub(crate) fn refused(violations: Vec<Violation>) -> Invalid {
    Invalid {
        fields: violations
            .into_iter()
            .flat_map(|v| Invalid::field("staff_id", v.rule.key(), v.staff_id.as_deref()).fields)
            .collect(),
    }
}

macro_rules! cross_handling_impl {
    ($store:ty) => {
        impl $store {
            /// Reads the facts the engine needs.
            async fn xh_raw(&self) -> R<crate::portable::cross_handling::Raw> {
                let sql = format!(
                    concat!(crate::portable::cross_handling::candidate_select!(), " WHERE s.role IN ({}) ORDER BY s.name, s.id"),
                    crate::portable::cross_handling::team_roles_sql()
                );
                let staff = sqlx::query_as::<_, crate::portable::cross_handling::CandidateRow>(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.read)
                    .await?;
                let sql = format!(
                    "SELECT m.staff_id, COUNT(*) FROM case_team_member m JOIN clue c ON c.id = m.clue_id \
                     LEFT JOIN case_file f ON f.clue_id = c.id WHERE {} GROUP BY m.staff_id",
                    crate::portable::cross_handling::OPEN
                );
                let loads = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.read).await?;
                let ties = sqlx::query_as("SELECT staff_id, kind, target_kind, person_key, village_id FROM staff_tie")
                    .fetch_all(&self.read)
                    .await?;
                let places = sqlx::query_as(
                    "SELECT m.staff_id, c.id, c.subject_name, c.subject_unit FROM case_team_member m JOIN clue c ON c.id = m.clue_id",
                )
                .fetch_all(&self.read)
                .await?;
                let records = sqlx::query_as("SELECT staff_id, person_key FROM involvement").fetch_all(&self.read).await?;
                let overrides = sqlx::query_as(
                    "SELECT clue_id, staff_id, exclusion, reason, requested_by, approved_by FROM recusal_override WHERE approved_by IS NOT NULL",
                )
                .fetch_all(&self.read)
                .await?;
                let villages = sqlx::query_as("SELECT id, township_id, name FROM village").fetch_all(&self.read).await?;
                let zones = sqlx::query_as("SELECT member_id, zone_id FROM zone_member").fetch_all(&self.read).await?;
                Ok(crate::portable::cross_handling::Raw { staff, loads, ties, places, records, overrides, villages, zones })
            }

            async fn xh_clue(&self, reach: &qinglian_domain::scope::Reach, id: &str) -> R<crate::portable::cross_handling::ClueFacts> {
                let (id, _) = self.clue_place(reach, id).await?;
                Ok(sqlx::query_as("SELECT id, township_id, subject_name, subject_unit FROM clue WHERE id = $1")
                    .bind(&id)
                    .fetch_one(&self.read)
                    .await?)
            }

            /// Checks `team` for the clue against every rule; the refusal names each rule and member.
            async fn xh_check_team(&self, clue: &crate::portable::cross_handling::ClueFacts, team: &[&str]) -> R<()> {
                let raw = self.xh_raw().await?;
                let facts = raw.facts(Some(&clue.id));
                let subject = raw.subject(clue);
                qinglian_domain::recusal::team_is_valid(team, &subject, &facts, &raw.overrides())
                    .map_err(|v| StoreError::Invalid(crate::portable::cross_handling::refused(v)))
            }

            async fn xh_team(&self, clue_id: &str) -> R<Vec<TeamMember>> {
                Ok(sqlx::query_as::<_, TeamMember>(
                    "SELECT m.staff_id, s.name, h.name AS home_township_name, COALESCE(t.name, d.name, g.name) AS posting_unit_name, m.added_at \
                     FROM case_team_member m JOIN staff s ON s.id = m.staff_id LEFT JOIN township h ON h.id = s.home_township_id \
                     LEFT JOIN township t ON s.posting_kind = 'township' AND t.id = s.posting_unit_id \
                     LEFT JOIN department d ON s.posting_kind = 'department' AND d.id = s.posting_unit_id \
                     LEFT JOIN stationed_group g ON s.posting_kind = 'stationed_group' AND g.id = s.posting_unit_id \
                     WHERE m.clue_id = $1 ORDER BY m.added_at, s.name",
                )
                .bind(clue_id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn xh_override(&self, id: &str) -> R<RecusalOverride> {
                Ok(sqlx::query_as::<_, RecusalOverride>(concat!(crate::portable::cross_handling::override_select!(), " WHERE o.id = $1"))
                    .bind(id)
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn xh_authorisation(&self, id: &str) -> R<Authorisation> {
                let authorisation = sqlx::query_as::<_, AuthorisationRow>(concat!(crate::portable::cross_handling::authorisation_select!(), " WHERE a.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let members = sqlx::query_as::<_, TeamMember>(
                    "SELECT m.staff_id, s.name, h.name AS home_township_name, COALESCE(t.name, d.name, g.name) AS posting_unit_name, a.issued_at AS added_at \
                     FROM authorisation_member m JOIN authorisation a ON a.id = m.authorisation_id JOIN staff s ON s.id = m.staff_id \
                     LEFT JOIN township h ON h.id = s.home_township_id \
                     LEFT JOIN township t ON s.posting_kind = 'township' AND t.id = s.posting_unit_id \
                     LEFT JOIN department d ON s.posting_kind = 'department' AND d.id = s.posting_unit_id \
                     LEFT JOIN stationed_group g ON s.posting_kind = 'stationed_group' AND g.id = s.posting_unit_id \
                     WHERE m.authorisation_id = $1 ORDER BY s.name, s.id",
                )
                .bind(id)
                .fetch_all(&self.read)
                .await?;
                Ok(Authorisation { authorisation, members })
            }

            /// Sets the team (validated by the caller) in one transaction, each change audited.
            async fn xh_write_team(&self, actor: &Actor, clue_id: &str, team: &[String]) -> R<()> {
                let mut tx = self.begin_write().await?;
                let current: Vec<String> = sqlx::query_scalar("SELECT staff_id FROM case_team_member WHERE clue_id = $1")
                    .bind(clue_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let now = Utc::now();
                for s in team.iter().filter(|s| !current.contains(s)) {
                    sqlx::query("INSERT INTO case_team_member (clue_id, staff_id, added_at) VALUES ($1, $2, $3)")
                        .bind(clue_id)
                        .bind(s)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(constraint("staff_id", Some(s), "staff_id"))?;
                    self.audit_tx(&mut tx, actor, AuditAction::TeamMemberAdd, Some(clue_id), Some(s)).await?;
                }
                for s in current.iter().filter(|s| !team.contains(s)) {
                    sqlx::query("DELETE FROM case_team_member WHERE clue_id = $1 AND staff_id = $2")
                        .bind(clue_id)
                        .bind(s)
                        .execute(&mut *tx)
                        .await?;
                    self.audit_tx(&mut tx, actor, AuditAction::TeamMemberRemove, Some(clue_id), Some(s)).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::CrossHandlingRepo for $store {
            async fn declare_tie(&self, actor: &Actor, tie: &qinglian_domain::cross_handling::TieDeclaration) -> R<StaffTie> {
                use qinglian_domain::cross_handling::{TieWith, person_key};
                let staff_id = actor.staff_id.clone().ok_or_else(|| Invalid::field("staff_id", "tie.no_staff", None))?;
                let id = new_id();
                let (target, name, unit, key, village) = match &tie.with {
                    TieWith::Person { name, unit } => (
                        "person",
                        Some(name.as_str()),
                        Some(unit.as_str()),
                        Some(person_key(name.as_str(), unit.as_str())),
                        None,
                    ),
                    TieWith::Village { village_id } => ("village", None, None, None, Some(village_id.as_str())),
                };
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO staff_tie (id, staff_id, kind, target_kind, person_name, person_unit, person_key, village_id, note, declared_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&id)
                .bind(&staff_id)
                .bind(tie.kind.as_str())
                .bind(target)
                .bind(name)
                .bind(unit)
                .bind(&key)
                .bind(village)
                .bind(&tie.note)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("id", None, "village_id"))?;
                // The ledger keeps a hash: whom a member of staff is related to is personal data.
                let hash = crate::portable::inspection::content_hash(&[tie.kind.as_str(), key.as_deref().or(village).unwrap_or(""), &tie.note]);
                self.audit_tx(&mut tx, actor, AuditAction::TieDeclare, Some(&id), Some(&format!("{} {target} sha256:{hash}", tie.kind.as_str()))).await?;
                tx.commit().await?;
                Ok(sqlx::query_as::<_, StaffTie>(concat!(crate::portable::cross_handling::tie_select!(), " WHERE x.id = $1"))
                    .bind(&id)
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn my_ties(&self, actor: &Actor) -> R<Vec<StaffTie>> {
                let Some(staff_id) = actor.staff_id.as_deref() else { return Ok(Vec::new()) };
                Ok(sqlx::query_as::<_, StaffTie>(concat!(crate::portable::cross_handling::tie_select!(), " WHERE x.staff_id = $1 ORDER BY x.declared_at, x.id"))
                    .bind(staff_id)
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn all_ties(&self, actor: &Actor) -> R<Vec<StaffTie>> {
                let ties = sqlx::query_as::<_, StaffTie>(concat!(crate::portable::cross_handling::tie_select!(), " ORDER BY s.name, x.declared_at, x.id"))
                    .fetch_all(&self.read)
                    .await?;
                self.audit_read(actor, AuditAction::TieView, None, Some(&format!("all {}", ties.len()))).await?;
                Ok(ties)
            }

            async fn record_involvement(
                &self,
                actor: &Actor,
                staff_id: &str,
                person_name: &qinglian_domain::error::Name,
                person_unit: &qinglian_domain::error::Name,
                note: &str,
            ) -> R<InvolvementRecord> {
                let id = new_id();
                let key = qinglian_domain::cross_handling::person_key(person_name.as_str(), person_unit.as_str());
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO involvement (id, staff_id, person_name, person_unit, person_key, note, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&id)
                .bind(staff_id)
                .bind(person_name.as_str())
                .bind(person_unit.as_str())
                .bind(&key)
                .bind(note.trim())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("id", None, "staff_id"))?;
                let hash = crate::portable::inspection::content_hash(&[&key, note]);
                self.audit_tx(&mut tx, actor, AuditAction::InvolvementRecord, Some(&id), Some(&format!("staff {staff_id} sha256:{hash}"))).await?;
                tx.commit().await?;
                Ok(sqlx::query_as::<_, InvolvementRecord>(
                    "SELECT i.id, i.staff_id, s.name AS staff_name, i.person_name, i.person_unit, i.note, i.recorded_at \
                     FROM involvement i JOIN staff s ON s.id = i.staff_id WHERE i.id = $1",
                )
                .bind(&id)
                .fetch_one(&self.read)
                .await?)
            }

            async fn team_board(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, clue_id: &str) -> R<TeamBoard> {
                use qinglian_domain::recusal::unwaived;
                let cf = self.xh_clue(reach, clue_id).await?;
                let raw = self.xh_raw().await?;
                let facts = raw.facts(Some(&cf.id));
                let subject = raw.subject(&cf);
                let overrides = raw.overrides();
                let team = self.xh_team(&cf.id).await?;
                let before = facts.exclusions_for(&subject);
                let candidates = raw
                    .staff
                    .iter()
                    .zip(facts.staff())
                    .zip(before)
                    .map(|((row, member), before)| {
                        let after = unwaived(&facts, &subject, &row.id, &overrides).unwrap_or(before);
                        Candidate {
                            staff_id: row.id.clone(),
                            name: row.name.clone(),
                            role: row.role.clone(),
                            home_township_name: row.home_township_name.clone(),
                            posting_unit_name: row.posting_unit_name.clone(),
                            zone_name: row.zone_name.clone(),
                            in_zone: subject.zone_id.is_some() && row.zone_id == subject.zone_id,
                            load: member.load,
                            on_team: team.iter().any(|m| m.staff_id == row.id),
                            exclusions: after.iter().map(|e| e.key().to_owned()).collect(),
                            waived: before.iter().filter(|e| !after.contains(*e)).map(|e| e.key().to_owned()).collect(),
                            waivable: after.iter().filter(|e| e.waivable()).map(|e| e.key().to_owned()).collect(),
                        }
                    })
                    .collect();
                let clue = sqlx::query_as::<_, Clue>(concat!(crate::portable::case::clue_select!(), " WHERE c.id = $1"))
                    .bind(&cf.id)
                    .fetch_one(&self.read)
                    .await?;
                let overrides = sqlx::query_as::<_, RecusalOverride>(concat!(
                    crate::portable::cross_handling::override_select!(),
                    " WHERE o.clue_id = $1 ORDER BY o.requested_at, o.id"
                ))
                .bind(&cf.id)
                .fetch_all(&self.read)
                .await?;
                let authorisations = sqlx::query_as::<_, AuthorisationRow>(concat!(
                    crate::portable::cross_handling::authorisation_select!(),
                    " WHERE a.clue_id = $1 ORDER BY a.issued_at DESC, a.id"
                ))
                .bind(&cf.id)
                .fetch_all(&self.read)
                .await?;
                let zone_name = match &subject.zone_id {
                    Some(z) => sqlx::query_scalar("SELECT name FROM zone WHERE id = $1").bind(z).fetch_optional(&self.read).await?,
                    None => None,
                };
                self.audit_read(actor, AuditAction::ClueView, Some(&cf.id), Some("team board")).await?;
                Ok(TeamBoard { clue, zone_name, team, candidates, overrides, authorisations })
            }

            async fn form_team(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, clue_id: &str, staff_ids: &[String]) -> R<()> {
                let cf = self.xh_clue(reach, clue_id).await?;
                let team: Vec<&str> = staff_ids.iter().map(|s| s.trim()).collect();
                self.xh_check_team(&cf, &team).await?;
                let team: Vec<String> = team.into_iter().map(str::to_owned).collect();
                self.xh_write_team(actor, &cf.id, &team).await
            }

            async fn request_override(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                clue_id: &str,
                staff_id: &str,
                exclusion: qinglian_domain::recusal::Exclusion,
                reason: &str,
            ) -> R<RecusalOverride> {
                use qinglian_domain::recusal::REASON_MAX_CHARS;
                let cf = self.xh_clue(reach, clue_id).await?;
                let requester = actor.staff_id.clone().ok_or_else(|| Invalid::field("requested_by", "recusal.override_no_staff", None))?;
                let reason = reason.trim();
                let reason_ok = if reason.is_empty() {
                    Err(Invalid::field("reason", "recusal.override_reason_missing", None))
                } else if reason.chars().count() > REASON_MAX_CHARS {
                    Err(Invalid::field("reason", "recusal.override_reason_too_long", None))
                } else {
                    Ok(())
                };
                let rule_ok = if exclusion.waivable() {
                    Ok(())
                } else {
                    Err(Invalid::field("exclusion", "recusal.override_not_waivable", Some(exclusion.key())))
                };
                Invalid::collect([reason_ok.err(), rule_ok.err()])?;
                // Only a rule that keeps the member off this clue can be waived.
                let raw = self.xh_raw().await?;
                let facts = raw.facts(Some(&cf.id));
                let subject = raw.subject(&cf);
                match facts.exclusions(&subject, staff_id) {
                    None => return Err(Invalid::field("staff_id", "recusal.team_unknown_staff", Some(staff_id)).into()),
                    Some(x) if !x.contains(exclusion) => {
                        return Err(Invalid::field("exclusion", "recusal.override_not_needed", Some(exclusion.key())).into());
                    }
                    Some(_) => {}
                }
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO recusal_override (id, clue_id, staff_id, exclusion, reason, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&id)
                .bind(&cf.id)
                .bind(staff_id)
                .bind(exclusion.key())
                .bind(reason)
                .bind(&requester)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("exclusion", Some(exclusion.key()), "staff_id"))?;
                let detail = format!("clue {} staff {staff_id} {} reason: {reason}", cf.id, exclusion.key());
                self.audit_tx(&mut tx, actor, AuditAction::OverrideRequest, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.xh_override(&id).await
            }

            async fn approve_override(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, override_id: &str) -> R<RecusalOverride> {
                let o = match self.xh_override(override_id).await {
                    Ok(o) => o,
                    Err(StoreError::NotFound) => return Err(StoreError::NotFound),
                    Err(e) => return Err(e),
                };
                // An override of a clue out of reach (or of one's own township) does not exist.
                self.clue_place(reach, &o.clue_id).await?;
                if o.approved_by.is_some() {
                    return Err(StoreError::Conflict { field: "approved_by", value: o.approved_by_name });
                }
                let approver = actor.staff_id.clone().ok_or_else(|| Invalid::field("approved_by", "recusal.override_no_staff", None))?;
                let exclusion = qinglian_domain::cross_handling::exclusion_by_key("exclusion", &o.exclusion)?;
                qinglian_domain::recusal::Override::new(&o.clue_id, &o.staff_id, exclusion, &o.reason, &o.requested_by, &approver)
                    .map_err(|r| Invalid::field("approved_by", r.key(), None))?;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE recusal_override SET approved_by = $2, approved_at = $3 WHERE id = $1 AND approved_by IS NULL")
                    .bind(&o.id)
                    .bind(&approver)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict { field: "approved_by", value: None });
                }
                let detail = format!("clue {} staff {} {} requested by {}", o.clue_id, o.staff_id, o.exclusion, o.requested_by);
                self.audit_tx(&mut tx, actor, AuditAction::OverrideApprove, Some(&o.id), Some(&detail)).await?;
                tx.commit().await?;
                self.xh_override(&o.id).await
            }

            async fn propose_teams(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                team_size: std::num::NonZeroU32,
            ) -> R<TeamProposals> {
                use qinglian_domain::assignment::{CostModel, OpenClue, propose};
                let (cond, binds) = crate::portable::case::case_reach_clause(reach, "c.id", "c.township_id", 1);
                let sql = format!(
                    concat!(
                        crate::portable::case::clue_select!(),
                        " WHERE {} AND {} AND NOT EXISTS (SELECT 1 FROM case_team_member m WHERE m.clue_id = c.id) \
                         ORDER BY c.received_on, c.number LIMIT 2000"
                    ),
                    cond,
                    crate::portable::cross_handling::OPEN
                );
                let mut q = sqlx::query_as::<_, Clue>(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b);
                }
                let clues = q.fetch_all(&self.read).await?;
                let raw = self.xh_raw().await?;
                let facts = raw.facts(None);
                let open: Vec<OpenClue> = clues
                    .iter()
                    .map(|c| OpenClue {
                        subject: raw.subject(&crate::portable::cross_handling::ClueFacts {
                            id: c.id.clone(),
                            township_id: c.township_id.clone(),
                            subject_name: c.subject_name.clone(),
                            subject_unit: c.subject_unit.clone(),
                        }),
                        team_size,
                    })
                    .collect();
                let started = std::time::Instant::now();
                let proposal = propose(&open, &facts, &raw.overrides(), &CostModel::default());
                let solve_ms = started.elapsed().as_millis() as u64;
                let name = |i: usize| raw.staff[i].name.clone();
                let out: Vec<ClueProposal> = clues
                    .into_iter()
                    .zip(proposal.clues)
                    .map(|(clue, p)| {
                        let (members, unstaffed) = match p.team {
                            Ok(ms) => (
                                ms.into_iter()
                                    .map(|m| ProposedMember {
                                        staff_id: raw.staff[m.staff].id.clone(),
                                        name: name(m.staff),
                                        posting_unit_name: raw.staff[m.staff].posting_unit_name.clone(),
                                        in_zone: m.in_zone,
                                        load_before: m.load_before,
                                        load_after: m.load_after,
                                    })
                                    .collect(),
                                None,
                            ),
                            Err(why) => (Vec::new(), Some(why.key().to_owned())),
                        };
                        ClueProposal {
                            clue,
                            members,
                            unstaffed,
                            eligible: p.eligible,
                            needed: team_size.get(),
                            excluded: p
                                .excluded
                                .into_iter()
                                .map(|g| ExcludedGroup { rule: g.exclusion.key().to_owned(), names: g.staff.into_iter().map(name).collect() })
                                .collect(),
                        }
                    })
                    .collect();
                self.audit_read(actor, AuditAction::ClueView, None, Some(&format!("team proposals for {} clues", out.len()))).await?;
                Ok(TeamProposals { team_size: team_size.get(), staff_considered: raw.staff.len(), clues: out, cost: proposal.cost, solve_ms })
            }

            async fn form_proposed_teams(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                team_size: std::num::NonZeroU32,
            ) -> R<usize> {
                let proposals = self.propose_teams(actor, reach, team_size).await?;
                let mut formed = 0;
                for p in proposals.clues.iter().filter(|p| !p.members.is_empty()) {
                    let team: Vec<String> = p.members.iter().map(|m| m.staff_id.clone()).collect();
                    self.form_team(actor, reach, &p.clue.id, &team).await?;
                    formed += 1;
                }
                Ok(formed)
            }

            async fn issue_authorisation(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                clue_id: &str,
                input: &qinglian_domain::cross_handling::AuthorisationInput,
            ) -> R<Authorisation> {
                use chrono::Datelike;
                let cf = self.xh_clue(reach, clue_id).await?;
                let team: Vec<String> = sqlx::query_scalar("SELECT staff_id FROM case_team_member WHERE clue_id = $1 ORDER BY staff_id")
                    .bind(&cf.id)
                    .fetch_all(&self.read)
                    .await?;
                if team.is_empty() {
                    return Err(Invalid::field("team", "authorisation.team_empty", None).into());
                }
                // A team that breaks a rule now (a tie declared since it was formed) is not authorised.
                let refs: Vec<&str> = team.iter().map(String::as_str).collect();
                self.xh_check_team(&cf, &refs).await?;
                let id = new_id();
                let now = Utc::now();
                let year = input.valid_from.year();
                let mut tx = self.begin_write().await?;
                let prefix = format!("交叉授权〔{year}〕%");
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM authorisation WHERE number LIKE $1").bind(&prefix).fetch_one(&mut *tx).await?;
                let number = qinglian_domain::cross_handling::authorisation_number(year, (n + 1) as u32);
                sqlx::query(
                    "INSERT INTO authorisation (id, number, clue_id, mandate, valid_from, valid_until, issued_by, issued_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(&number)
                .bind(&cf.id)
                .bind(input.mandate.as_str())
                .bind(input.valid_from)
                .bind(input.valid_until)
                .bind(&actor.staff_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(constraint("number", Some(&number), "clue_id"))?;
                for s in &team {
                    sqlx::query("INSERT INTO authorisation_member (authorisation_id, staff_id) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(s)
                        .execute(&mut *tx)
                        .await?;
                }
                let hash = crate::portable::inspection::content_hash(&[input.mandate.as_str()]);
                let detail = format!(
                    "{number} clue {} team {} valid {}..{} sha256:{hash}",
                    cf.id,
                    team.join(","),
                    input.valid_from,
                    input.valid_until
                );
                self.audit_tx(&mut tx, actor, AuditAction::AuthorisationIssue, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.xh_authorisation(&id).await
            }

            async fn get_authorisation(&self, actor: &Actor, reach: &qinglian_domain::scope::Reach, id: &str) -> R<Authorisation> {
                let a = self.xh_authorisation(id).await?;
                if !qinglian_domain::case::reaches_case(reach, &a.authorisation.clue_id, &a.authorisation.township_id) {
                    return Err(StoreError::NotFound);
                }
                self.audit_read(actor, AuditAction::AuthorisationView, Some(&a.authorisation.id), None).await?;
                Ok(a)
            }

            async fn authorisation_for(&self, clue_id: &str, on: chrono::NaiveDate) -> R<Option<Authorisation>> {
                let id: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM authorisation WHERE clue_id = $1 AND valid_from <= $2 AND valid_until >= $2 ORDER BY issued_at DESC, id DESC LIMIT 1",
                )
                .bind(clue_id)
                .bind(on)
                .fetch_optional(&self.read)
                .await?;
                match id {
                    Some(id) => Ok(Some(self.xh_authorisation(&id).await?)),
                    None => Ok(None),
                }
            }

            async fn authorise_interview(
                &self,
                actor: &Actor,
                reach: &qinglian_domain::scope::Reach,
                interview_id: &str,
                authorisation_id: &str,
                on: chrono::NaiveDate,
            ) -> R<Authorisation> {
                use qinglian_domain::cross_handling::{AuthorisationFacts, covers};
                let i = self.interview_place(reach, interview_id).await?;
                let unknown = || StoreError::Invalid(Invalid::field("authorisation_id", "field.unknown_id", Some(authorisation_id)));
                let a = match self.xh_authorisation(authorisation_id.trim()).await {
                    Ok(a) => a,
                    Err(StoreError::NotFound) => return Err(unknown()),
                    Err(e) => return Err(e),
                };
                // An authorisation the caller cannot see is as unknown as one that does not exist.
                if !qinglian_domain::case::reaches_case(reach, &a.authorisation.clue_id, &a.authorisation.township_id) {
                    return Err(unknown());
                }
                let investigators: Vec<String> = sqlx::query_scalar("SELECT staff_id FROM interview_investigator WHERE interview_id = $1")
                    .bind(&i.id)
                    .fetch_all(&self.read)
                    .await?;
                let facts = AuthorisationFacts {
                    clue_id: a.authorisation.clue_id.clone(),
                    valid_from: a.authorisation.valid_from,
                    valid_until: a.authorisation.valid_until,
                    members: a.members.iter().map(|m| m.staff_id.clone()).collect(),
                };
                let acting: Vec<&str> = investigators.iter().map(String::as_str).collect();
                covers(&facts, &i.clue_id, &acting, on)
                    .map_err(|r| Invalid::field("authorisation_id", r.key(), Some(&a.authorisation.number)))?;
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE interview SET authorisation_id = $2 WHERE id = $1")
                    .bind(&i.id)
                    .bind(&a.authorisation.id)
                    .execute(&mut *tx)
                    .await?;
                self.audit_tx(&mut tx, actor, AuditAction::InterviewAuthorise, Some(&i.id), Some(&a.authorisation.number)).await?;
                tx.commit().await?;
                Ok(a)
            }
        }
    };
}
pub(crate) use cross_handling_impl;
