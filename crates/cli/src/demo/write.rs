//! Writes a demo plan through the store, one row per call, turning the plan's indices into the
//! ids the store hands back.

use chrono::{Duration, Utc};
use qinglian_domain::inspection::{ConcernInput, ConcernSource, ConcernStep, MeetingInput, Party};
use qinglian_domain::org::{StaffInput, ZoneInput, ZoneKind};
use qinglian_domain::scope::Reach;
use qinglian_store::Store;
use qinglian_store::model::{Actor, StepBy};

use super::plan::{Plan, Posting};
use super::tour::Step;
use super::{DemoError, DemoProgress, DemoStaff, at};

pub(super) struct Writer<'a> {
    store: &'a dyn Store,
    /// Keys the receipt hashes as the server does, so the demo's codes can be looked up.
    secrets: &'a qinglian_web::secrets::SecretKey,
    /// The demo writes as the system; every row is on the audit trail under this name.
    actor: Actor,
    progress: &'a (dyn Fn(DemoProgress) + Send + Sync),
    done: u64,
    total: u64,
    offices: Vec<String>,
    departments: Vec<String>,
    groups: Vec<String>,
    townships: Vec<String>,
    /// Village ids by township index, then village index within it.
    villages: Vec<Vec<String>>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(
        store: &'a dyn Store,
        secrets: &'a qinglian_web::secrets::SecretKey,
        actor: Actor,
        progress: &'a (dyn Fn(DemoProgress) + Send + Sync),
        total: u64,
    ) -> Self {
        Self {
            store,
            secrets,
            actor,
            progress,
            done: 0,
            total,
            offices: Vec::new(),
            departments: Vec::new(),
            groups: Vec::new(),
            townships: Vec::new(),
            villages: Vec::new(),
        }
    }

    pub(super) fn step(&mut self, stage: &'static str) {
        self.done += 1;
        (self.progress)(DemoProgress {
            stage,
            done: self.done,
            total: self.total,
        });
    }

    /// Offices, departments, then the stationed groups that take the departments over.
    pub(super) async fn units(&mut self, plan: &Plan) -> Result<(), DemoError> {
        for o in &plan.offices {
            let id = self
                .store
                .create_office(&self.actor, o)
                .await
                .map_err(at("offices"))?
                .id;
            self.offices.push(id);
            self.step("offices");
        }
        for d in &plan.departments {
            let row = self.store.create_department(&self.actor, d).await;
            self.departments.push(row.map_err(at("departments"))?.id);
            self.step("departments");
        }
        for (g, members) in &plan.groups {
            let ids: Vec<String> = members.iter().map(|&i| self.departments[i].clone()).collect();
            let row = self.store.create_stationed_group(&self.actor, g, &ids).await;
            self.groups.push(row.map_err(at("stationed groups"))?.id);
            self.step("stationed groups");
        }
        Ok(())
    }

    /// Townships, then their villages; returns how many villages and communities were made.
    pub(super) async fn places(&mut self, plan: &Plan) -> Result<(usize, usize), DemoError> {
        for t in &plan.townships {
            let row = self.store.create_township(&self.actor, &t.input).await;
            self.townships.push(row.map_err(at("townships"))?.id);
            self.step("townships");
        }
        let (mut villages, mut communities) = (0, 0);
        for t in &plan.townships {
            let mut ids = Vec::with_capacity(t.villages.len());
            for v in &t.villages {
                let row = self
                    .store
                    .create_village(&self.actor, v)
                    .await
                    .map_err(at("villages"))?;
                villages += 1;
                communities += usize::from(row.kind == "community");
                ids.push(row.id);
                self.step("villages");
            }
            self.villages.push(ids);
        }
        Ok((villages, communities))
    }

    pub(super) async fn staff(&mut self, plan: &Plan) -> Result<Vec<DemoStaff>, DemoError> {
        let mut out = Vec::with_capacity(plan.staff.len());
        for s in &plan.staff {
            let unit = match s.posting {
                Posting::Commission => None,
                Posting::Township(i) => Some(self.townships[i].as_str()),
                Posting::Department(i) => Some(self.departments[i].as_str()),
                Posting::Group(i) => Some(self.groups[i].as_str()),
            };
            let home = s.home.map(|i| self.townships[i].as_str());
            let input = StaffInput::parse(s.name.as_str(), s.role.as_str(), unit, home)?;
            let row = self
                .store
                .create_staff(&self.actor, &input)
                .await
                .map_err(at("staff"))?;
            out.push(DemoStaff {
                id: row.id,
                name: row.name,
                role: s.role,
                posting: row.posting_unit_name,
            });
            self.step("staff");
        }
        Ok(out)
    }

    pub(super) async fn zones(&mut self, plan: &Plan, staff: &[DemoStaff]) -> Result<(), DemoError> {
        for z in &plan.zones {
            let units = match z.kind {
                ZoneKind::Townships => &self.townships,
                ZoneKind::StationedGroups => &self.groups,
            };
            let members = z.members.iter().map(|&i| units[i].clone()).collect();
            let input = ZoneInput::parse(
                &z.name,
                z.kind.as_str(),
                &staff[z.leader].id,
                &self.offices[z.office],
                members,
            )?;
            self.store.create_zone(&self.actor, &input).await.map_err(at("zones"))?;
            self.step("zones");
        }
        Ok(())
    }

    /// Publishes every article, three days apart and the last three days ago, so the portal's
    /// lists look lived-in.
    pub(super) async fn articles(&mut self, plan: &Plan) -> Result<(), DemoError> {
        let now = Utc::now();
        let n = plan.articles.len();
        for (i, a) in plan.articles.iter().enumerate() {
            let article = self
                .store
                .create_article(&self.actor, a)
                .await
                .map_err(at("articles"))?;
            self.step("articles");
            let days_ago = 3 * i64::try_from(n - i).unwrap_or(1);
            let published = self
                .store
                .set_published(&self.actor, &article.id, true, now - Duration::days(days_ago))
                .await;
            published.map_err(at("articles"))?;
            self.step("articles");
        }
        Ok(())
    }

    /// The inspection round: categories, the round, its groups and their targets, the
    /// meetings, then each concern and the steps taken on it since, each at its own time.
    pub(super) async fn tour(&mut self, plan: &Plan, staff: &[DemoStaff]) -> Result<(), DemoError> {
        let tour = &plan.tour;
        let mut categories = Vec::with_capacity(tour.categories.len());
        for (code, name) in &tour.categories {
            let row = self.store.create_category(&self.actor, code, name).await;
            categories.push(row.map_err(at("concern categories"))?.id);
            self.step("inspection round");
        }
        let round = self
            .store
            .create_round(&self.actor, &tour.round)
            .await
            .map_err(at("inspection round"))?;
        self.step("inspection round");
        let mut groups = Vec::with_capacity(tour.groups.len());
        for g in &tour.groups {
            let ids: Vec<String> = g.members.iter().map(|&m| staff[m].id.clone()).collect();
            let (leader, members) = ids.split_first().map_or(("", &[][..]), |(l, m)| (l.as_str(), m));
            let row = self
                .store
                .create_group(&self.actor, &round.id, &g.name, leader, members)
                .await
                .map_err(at("inspection groups"))?;
            self.step("inspection round");
            let villages: Vec<String> = g.targets.iter().map(|&(t, v)| self.villages[t][v].clone()).collect();
            self.store
                .assign_targets(&self.actor, &round.id, &row.group.id, &villages)
                .await
                .map_err(at("inspection targets"))?;
            self.step("inspection round");
            groups.push(row.group.id);
        }
        let mut meetings = Vec::with_capacity(tour.meetings.len());
        for m in &tour.meetings {
            let input = MeetingInput::parse(
                &round.id,
                &groups[m.group],
                &self.villages[m.village.0][m.village.1],
                m.place.as_str(),
                &m.starts_at.to_rfc3339(),
                m.departments.iter().map(|&d| self.departments[d].clone()).collect(),
            )?;
            let row = self
                .store
                .create_meeting(&self.actor, &qinglian_domain::scope::Reach::everything(), &input)
                .await
                .map_err(at("on-site meetings"))?;
            meetings.push(row.meeting.id);
            self.step("on-site meetings");
        }
        let everything = Reach::everything();
        for c in &tour.concerns {
            let meeting = &tour.meetings[c.meeting];
            let group_name = tour.groups[meeting.group].name.as_str();
            let (name, phone) = c
                .complainant
                .as_ref()
                .map_or(("", ""), |(n, p)| (n.as_str(), p.as_str()));
            let input = ConcernInput::parse(
                c.text.as_str(),
                &categories[c.category],
                &self.villages[meeting.village.0][meeting.village.1],
                Some(&meetings[c.meeting]),
                name,
                phone,
            )?;
            let concern = self
                .store
                .create_concern(
                    &self.actor,
                    &input,
                    ConcernSource::Meeting,
                    &receipt_hash(self.secrets, &c.receipt)?,
                    group_name,
                    meeting.starts_at,
                )
                .await
                .map_err(at("concerns"))?;
            self.step("concerns");
            // The department the concern is with, for the department's own steps.
            let mut with: Option<usize> = None;
            for (step, when) in &c.steps {
                let department = match step {
                    Step::Assign { department, .. } => Some(*department),
                    _ => with,
                };
                let step = match step {
                    Step::OnSpot(answer) => ConcernStep::AnswerOnSpot { answer: answer.clone() },
                    Step::Assign { department, deadline } => ConcernStep::Assign {
                        department_id: self.departments[*department].clone(),
                        deadline: *deadline,
                    },
                    Step::Rectify(note) => ConcernStep::StartRectifying { note: note.clone() },
                    Step::Answer(answer) => ConcernStep::Answer { answer: answer.clone() },
                    Step::NotOurs(reason) => ConcernStep::NotOurs { reason: reason.clone() },
                    Step::Close { fixed, note } => ConcernStep::Close {
                        fixed: *fixed,
                        note: note.clone(),
                    },
                };
                let by = match (step.party(), department) {
                    (Party::Department, Some(d)) => StepBy {
                        party: Party::Department,
                        unit_name: plan.departments[d].name.as_str(),
                        department_id: Some(self.departments[d].as_str()),
                    },
                    _ => StepBy {
                        party: Party::Group,
                        unit_name: group_name,
                        department_id: None,
                    },
                };
                self.store
                    .step_concern(&self.actor, &everything, &concern.id, None, &step, &by, *when)
                    .await
                    .map_err(at("concern steps"))?;
                self.step("concerns");
                with = match step {
                    ConcernStep::NotOurs { .. } => None,
                    _ => department,
                };
            }
        }
        Ok(())
    }
}

/// The hash the store keeps of a receipt code, made as the web makes it for a villager's
/// concern, so the demo's codes can be looked up on the public portal.
pub(super) fn receipt_hash(secrets: &qinglian_web::secrets::SecretKey, digits: &str) -> Result<String, DemoError> {
    let code = qinglian_domain::inspection::ReceiptCode::parse(digits)?;
    Ok(secrets.receipt_hash(&code))
}
