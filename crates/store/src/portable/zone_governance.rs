//! Zone governance on both backends: the convener rotation, joint meetings, term reports.

macro_rules! joint_meeting_select {
    () => {
        "SELECT m.id, m.zone_id, m.held_on, m.place, m.agenda, m.minutes, m.convener_staff_id, \
         s.name AS convener_name, m.created_at FROM joint_meeting m LEFT JOIN staff s ON s.id = m.convener_staff_id"
    };
}
pub(crate) use joint_meeting_select;

macro_rules! term_report_select {
    () => {
        "SELECT r.zone_id, r.year, r.quarter, r.convener_staff_id, s.name AS convener_name, r.body, r.figures, \
         r.state, r.version, r.updated_at, r.submitted_at FROM term_report r JOIN staff s ON s.id = r.convener_staff_id"
    };
}
pub(crate) use term_report_select;

/// The start of a day in Beijing time, as the instant timestamps are compared with.
pub(crate) fn china_midnight(day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(qinglian_domain::inspection::CHINA).single())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

macro_rules! zone_governance_impl {
    ($store:ty) => {
        impl $store {
            /// The zone's member unit ids; `NotFound` for an unknown zone.
            async fn zone_member_ids(&self, zone_id: &str) -> R<Vec<String>> {
                let zone: Option<String> = sqlx::query_scalar("SELECT id FROM zone WHERE id = $1")
                    .bind(zone_id)
                    .fetch_optional(&self.read)
                    .await?;
                zone.ok_or(StoreError::NotFound)?;
                Ok(sqlx::query_scalar("SELECT member_id FROM zone_member WHERE zone_id = $1 ORDER BY member_id")
                    .bind(zone_id)
                    .fetch_all(&self.read)
                    .await?)
            }

            /// Checks each person as a convener of the zone; the first refusal names the rule
            /// and the person.
            async fn check_zone_people(&self, field: &str, members: &[String], staff_ids: &[String]) -> R<()> {
                for id in staff_ids {
                    let row: Option<(String, String, Option<String>)> =
                        sqlx::query_as("SELECT name, role, posting_unit_id FROM staff WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&self.read)
                            .await?;
                    let (name, role, unit) = row.ok_or_else(|| Invalid::field(field.to_owned(), "staff.unknown", Some(id)))?;
                    let role = Role::parse("role", &role)?;
                    qinglian_domain::convener::check_convener(role, unit.as_deref(), members)
                        .map_err(|r| Invalid::field(field.to_owned(), r.key(), Some(&name)))?;
                }
                Ok(())
            }

            async fn rotation_of(&self, zone_id: &str) -> R<Option<qinglian_domain::zone_governance::Rotation>> {
                use qinglian_domain::zone_governance::{Quarter, Rotation};
                let head: Option<(i64, i64)> = sqlx::query_as("SELECT start_year, start_quarter FROM zone_rotation WHERE zone_id = $1")
                    .bind(zone_id)
                    .fetch_optional(&self.read)
                    .await?;
                let Some((y, q)) = head else { return Ok(None) };
                let order: Vec<String> = sqlx::query_scalar("SELECT staff_id FROM zone_rotation_member WHERE zone_id = $1 ORDER BY position")
                    .bind(zone_id)
                    .fetch_all(&self.read)
                    .await?;
                let start = Quarter::new(y as i32, q as u8).ok_or_else(|| Invalid::field("start", "quarter.invalid", None))?;
                Ok(Some(Rotation { start, order }))
            }

            async fn joint_meetings_where(&self, sql: &'static str, id: &str) -> R<Vec<JointMeeting>> {
                let rows = sqlx::query_as::<_, JointMeetingRow>(sql).bind(id).fetch_all(&self.read).await?;
                let mut out = Vec::with_capacity(rows.len());
                for meeting in rows {
                    let attendees = sqlx::query_as::<_, Attendee>(
                        "SELECT a.staff_id, s.name, COALESCE(t.name, g.name) AS unit_name FROM joint_meeting_attendee a \
                         JOIN staff s ON s.id = a.staff_id \
                         LEFT JOIN township t ON s.posting_kind = 'township' AND t.id = s.posting_unit_id \
                         LEFT JOIN stationed_group g ON s.posting_kind = 'stationed_group' AND g.id = s.posting_unit_id \
                         WHERE a.meeting_id = $1 ORDER BY unit_name, s.name",
                    )
                    .bind(&meeting.id)
                    .fetch_all(&self.read)
                    .await?;
                    out.push(JointMeeting { meeting, attendees });
                }
                Ok(out)
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::ZoneGovernanceRepo for $store {
            async fn get_rotation(&self, zone_id: &str) -> R<Option<ZoneRotation>> {
                self.zone_member_ids(zone_id).await?;
                let head: Option<(i64, i64, i64)> =
                    sqlx::query_as("SELECT start_year, start_quarter, version FROM zone_rotation WHERE zone_id = $1")
                        .bind(zone_id)
                        .fetch_optional(&self.read)
                        .await?;
                let Some((y, q, version)) = head else { return Ok(None) };
                let order = sqlx::query_as::<_, RotationMember>(
                    "SELECT r.position, r.staff_id, s.name, COALESCE(t.name, g.name) AS unit_name FROM zone_rotation_member r \
                     JOIN staff s ON s.id = r.staff_id \
                     LEFT JOIN township t ON s.posting_kind = 'township' AND t.id = s.posting_unit_id \
                     LEFT JOIN stationed_group g ON s.posting_kind = 'stationed_group' AND g.id = s.posting_unit_id \
                     WHERE r.zone_id = $1 ORDER BY r.position",
                )
                .bind(zone_id)
                .fetch_all(&self.read)
                .await?;
                Ok(Some(ZoneRotation { zone_id: zone_id.to_owned(), start: format!("{y}Q{q}"), order, version }))
            }

            async fn set_rotation(
                &self,
                actor: &Actor,
                zone_id: &str,
                rotation: &qinglian_domain::zone_governance::Rotation,
            ) -> R<ZoneRotation> {
                let members = self.zone_member_ids(zone_id).await?;
                self.check_zone_people("order", &members, &rotation.order).await?;
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM zone_rotation_member WHERE zone_id = $1").bind(zone_id).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO zone_rotation (zone_id, start_year, start_quarter, version, updated_at) VALUES ($1, $2, $3, 1, $4) \
                     ON CONFLICT (zone_id) DO UPDATE SET start_year = excluded.start_year, start_quarter = excluded.start_quarter, \
                     version = zone_rotation.version + 1, updated_at = excluded.updated_at",
                )
                .bind(zone_id)
                .bind(i64::from(rotation.start.year))
                .bind(i64::from(rotation.start.q))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for (i, staff_id) in rotation.order.iter().enumerate() {
                    sqlx::query("INSERT INTO zone_rotation_member (zone_id, position, staff_id) VALUES ($1, $2, $3)")
                        .bind(zone_id)
                        .bind(i as i64)
                        .bind(staff_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(constraint("order", Some(staff_id), "order"))?;
                }
                let detail = format!("from {} order {}", rotation.start, rotation.order.join(","));
                self.audit_tx(&mut tx, actor, AuditAction::RotationSet, Some(zone_id), Some(&detail)).await?;
                tx.commit().await?;
                self.get_rotation(zone_id).await?.ok_or(StoreError::NotFound)
            }

            async fn convener_calendar(
                &self,
                zone_id: &str,
                from: qinglian_domain::zone_governance::Quarter,
                count: usize,
            ) -> R<Vec<CalendarSlot>> {
                self.zone_member_ids(zone_id).await?;
                let rotation = self.rotation_of(zone_id).await?;
                let reports: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
                    "SELECT r.year, r.quarter, r.state, r.convener_staff_id, s.name FROM term_report r \
                     JOIN staff s ON s.id = r.convener_staff_id WHERE r.zone_id = $1",
                )
                .bind(zone_id)
                .fetch_all(&self.read)
                .await?;
                let names: Vec<(String, String)> = sqlx::query_as(
                    "SELECT s.id, s.name FROM zone_rotation_member r JOIN staff s ON s.id = r.staff_id WHERE r.zone_id = $1",
                )
                .bind(zone_id)
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(count);
                let mut q = from;
                for _ in 0..count {
                    let report = reports.iter().find(|r| r.0 == i64::from(q.year) && r.1 == i64::from(q.q));
                    // A report keeps the convener who wrote it, even if the order changed since.
                    let (staff_id, staff_name) = match report {
                        Some(r) => (Some(r.3.clone()), Some(r.4.clone())),
                        None => {
                            let id = rotation.as_ref().and_then(|r| r.convener(q)).map(str::to_owned);
                            let name = id.as_ref().and_then(|id| names.iter().find(|(s, _)| s == id)).map(|(_, n)| n.clone());
                            (id, name)
                        }
                    };
                    out.push(CalendarSlot {
                        quarter: q.to_string(),
                        staff_id,
                        staff_name,
                        report_state: report.map(|r| r.2.clone()),
                    });
                    q = q.next();
                }
                Ok(out)
            }

            async fn list_joint_meetings(&self, zone_id: &str) -> R<Vec<JointMeeting>> {
                self.zone_member_ids(zone_id).await?;
                self.joint_meetings_where(
                    concat!(crate::portable::zone_governance::joint_meeting_select!(), " WHERE m.zone_id = $1 ORDER BY m.held_on DESC, m.id"),
                    zone_id,
                )
                .await
            }

            async fn record_joint_meeting(
                &self,
                actor: &Actor,
                zone_id: &str,
                input: &qinglian_domain::zone_governance::JointMeetingInput,
            ) -> R<JointMeeting> {
                use qinglian_domain::zone_governance::Quarter;
                let members = self.zone_member_ids(zone_id).await?;
                self.check_zone_people("attendee_ids", &members, &input.attendee_ids).await?;
                let convener = self
                    .rotation_of(zone_id)
                    .await?
                    .and_then(|r| r.convener(Quarter::of(input.held_on)).map(str::to_owned));
                let id = new_id();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO joint_meeting (id, zone_id, held_on, place, agenda, minutes, convener_staff_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(zone_id)
                .bind(input.held_on)
                .bind(input.place.as_str())
                .bind(input.agenda.as_str())
                .bind(input.minutes.as_str())
                .bind(&convener)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                for s in &input.attendee_ids {
                    sqlx::query("INSERT INTO joint_meeting_attendee (meeting_id, staff_id) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(s)
                        .execute(&mut *tx)
                        .await?;
                }
                let hash = crate::portable::inspection::content_hash(&[input.agenda.as_str(), input.minutes.as_str()]);
                let detail = format!("zone {zone_id} on {} attendees {} sha256:{hash}", input.held_on, input.attendee_ids.len());
                self.audit_tx(&mut tx, actor, AuditAction::JointMeetingRecord, Some(&id), Some(&detail)).await?;
                tx.commit().await?;
                self.joint_meetings_where(concat!(crate::portable::zone_governance::joint_meeting_select!(), " WHERE m.id = $1"), &id)
                    .await?
                    .pop()
                    .ok_or(StoreError::NotFound)
            }

            async fn term_figures(
                &self,
                zone_id: &str,
                quarter: qinglian_domain::zone_governance::Quarter,
            ) -> R<qinglian_domain::zone_governance::TermFigures> {
                use crate::portable::zone_governance::china_midnight;
                self.zone_member_ids(zone_id).await?;
                let (from, to) = (quarter.first_day(), quarter.last_day());
                let (t0, t1) = (china_midnight(from), china_midnight(quarter.next().first_day()));
                let count = |sql: &'static str| {
                    sqlx::query_scalar::<_, i64>(sql).bind(zone_id).bind(from).bind(to)
                };
                let meetings_held = count("SELECT COUNT(*) FROM joint_meeting WHERE zone_id = $1 AND held_on BETWEEN $2 AND $3")
                    .fetch_one(&self.read)
                    .await?;
                let clues_received = count(
                    "SELECT COUNT(*) FROM clue c JOIN zone_member zm ON zm.member_id = c.township_id \
                     WHERE zm.zone_id = $1 AND c.received_on BETWEEN $2 AND $3",
                )
                .fetch_one(&self.read)
                .await?;
                let clues_disposed: i64 = sqlx::query_scalar(
                    "SELECT COUNT(DISTINCT e.clue_id) FROM clue_event e JOIN clue c ON c.id = e.clue_id \
                     JOIN zone_member zm ON zm.member_id = c.township_id WHERE zm.zone_id = $1 AND e.at >= $2 AND e.at < $3",
                )
                .bind(zone_id)
                .bind(t0)
                .bind(t1)
                .fetch_one(&self.read)
                .await?;
                let cases_opened = count(
                    "SELECT COUNT(*) FROM case_file f JOIN zone_member zm ON zm.member_id = f.township_id \
                     WHERE zm.zone_id = $1 AND f.opened_on BETWEEN $2 AND $3",
                )
                .fetch_one(&self.read)
                .await?;
                let (problems_found, problems_rectified): (i64, i64) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(p.found), 0) AS BIGINT), CAST(COALESCE(SUM(p.rectified), 0) AS BIGINT) \
                     FROM problem_finding p JOIN zone_member zm ON zm.member_id = p.unit_id \
                     WHERE zm.zone_id = $1 AND p.recorded_on BETWEEN $2 AND $3",
                )
                .bind(zone_id)
                .bind(from)
                .bind(to)
                .fetch_one(&self.read)
                .await?;
                let people_handled = count(
                    "SELECT COUNT(*) FROM handling h JOIN zone_member zm ON zm.member_id = h.unit_id \
                     WHERE zm.zone_id = $1 AND h.decided_on BETWEEN $2 AND $3",
                )
                .fetch_one(&self.read)
                .await?;
                Ok(qinglian_domain::zone_governance::TermFigures {
                    meetings_held,
                    clues_received,
                    clues_disposed,
                    cases_opened,
                    problems_found,
                    problems_rectified,
                    people_handled,
                })
            }

            async fn get_term_report(
                &self,
                zone_id: &str,
                quarter: qinglian_domain::zone_governance::Quarter,
            ) -> R<Option<TermReport>> {
                Ok(sqlx::query_as::<_, TermReportRow>(concat!(
                    crate::portable::zone_governance::term_report_select!(),
                    " WHERE r.zone_id = $1 AND r.year = $2 AND r.quarter = $3"
                ))
                .bind(zone_id)
                .bind(i64::from(quarter.year))
                .bind(i64::from(quarter.q))
                .fetch_optional(&self.read)
                .await?
                .map(TermReport::from_row))
            }

            async fn list_term_reports(&self, zone_id: &str) -> R<Vec<TermReport>> {
                Ok(sqlx::query_as::<_, TermReportRow>(concat!(
                    crate::portable::zone_governance::term_report_select!(),
                    " WHERE r.zone_id = $1 ORDER BY r.year DESC, r.quarter DESC"
                ))
                .bind(zone_id)
                .fetch_all(&self.read)
                .await?
                .into_iter()
                .map(TermReport::from_row)
                .collect())
            }

            async fn save_term_report(
                &self,
                actor: &Actor,
                zone_id: &str,
                quarter: qinglian_domain::zone_governance::Quarter,
                body: &qinglian_domain::inspection::Text,
                submit: bool,
                expected_version: Option<i64>,
                today: chrono::NaiveDate,
            ) -> R<TermReport> {
                use qinglian_domain::zone_governance::{ReportState, may_write_report};
                let members = self.zone_member_ids(zone_id).await?;
                let staff_id = actor.staff_id.clone().unwrap_or_default();
                let existing = self.get_term_report(zone_id, quarter).await?;
                // The report belongs to whoever convened: the one who started it, else the calendar's.
                let convener = match &existing {
                    Some(r) => Some(r.convener_staff_id.clone()),
                    None => self.rotation_of(zone_id).await?.and_then(|r| r.convener(quarter).map(str::to_owned)),
                };
                if convener.as_deref() != Some(staff_id.as_str()) {
                    return Err(Invalid::field("quarter", "term_report.not_convener", Some(&quarter.to_string())).into());
                }
                self.check_zone_people("convener", &members, std::slice::from_ref(&staff_id)).await?;
                let state = existing.as_ref().and_then(|r| ReportState::parse(&r.state));
                may_write_report(quarter, today, state)?;
                if let (Some(v), Some(r)) = (expected_version, &existing)
                    && v != r.version
                {
                    return Err(StoreError::Conflict { field: "version", value: Some(r.version.to_string()) });
                }
                let figures = self.term_figures(zone_id, quarter).await?;
                let figures_json = serde_json::to_string(&figures).map_err(|_| Invalid::field("figures", "term_report.figures", None))?;
                let now = Utc::now();
                let new_state = if submit { ReportState::Submitted } else { ReportState::Draft };
                let submitted_at = submit.then_some(now);
                let mut tx = self.begin_write().await?;
                match &existing {
                    None => {
                        sqlx::query(
                            "INSERT INTO term_report (zone_id, year, quarter, convener_staff_id, body, figures, state, version, updated_at, submitted_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9)",
                        )
                        .bind(zone_id)
                        .bind(i64::from(quarter.year))
                        .bind(i64::from(quarter.q))
                        .bind(&staff_id)
                        .bind(body.as_str())
                        .bind(&figures_json)
                        .bind(new_state.as_str())
                        .bind(now)
                        .bind(submitted_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(constraint("quarter", Some(&quarter.to_string()), "convener"))?;
                    }
                    Some(r) => {
                        let done = sqlx::query(
                            "UPDATE term_report SET body = $4, figures = $5, state = $6, version = version + 1, updated_at = $7, \
                             submitted_at = $8 WHERE zone_id = $1 AND year = $2 AND quarter = $3 AND version = $9 AND state = 'draft'",
                        )
                        .bind(zone_id)
                        .bind(i64::from(quarter.year))
                        .bind(i64::from(quarter.q))
                        .bind(body.as_str())
                        .bind(&figures_json)
                        .bind(new_state.as_str())
                        .bind(now)
                        .bind(submitted_at)
                        .bind(r.version)
                        .execute(&mut *tx)
                        .await?;
                        if done.rows_affected() == 0 {
                            return Err(StoreError::Conflict { field: "version", value: Some(r.version.to_string()) });
                        }
                    }
                }
                let hash = crate::portable::inspection::content_hash(&[body.as_str(), &figures_json]);
                let action = if submit { AuditAction::TermReportSubmit } else { AuditAction::TermReportSave };
                let object = format!("{zone_id}/{quarter}");
                self.audit_tx(&mut tx, actor, action, Some(&object), Some(&format!("sha256:{hash}"))).await?;
                tx.commit().await?;
                self.get_term_report(zone_id, quarter).await?.ok_or(StoreError::NotFound)
            }
        }
    };
}
pub(crate) use zone_governance_impl;
