//! Writes a demo plan through the store, one row per call, turning the plan's indices into the
//! ids the store hands back.

use chrono::{Duration, Utc};
use qinglian_domain::org::{StaffInput, ZoneInput, ZoneKind};
use qinglian_store::Store;
use qinglian_store::model::Actor;

use super::plan::{Plan, Posting};
use super::{DemoError, DemoProgress, DemoStaff, at};

pub(super) struct Writer<'a> {
    store: &'a dyn Store,
    /// The demo writes as the system; every row is on the audit trail under this name.
    actor: Actor,
    progress: &'a (dyn Fn(DemoProgress) + Send + Sync),
    done: u64,
    total: u64,
    offices: Vec<String>,
    departments: Vec<String>,
    groups: Vec<String>,
    townships: Vec<String>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(
        store: &'a dyn Store,
        actor: Actor,
        progress: &'a (dyn Fn(DemoProgress) + Send + Sync),
        total: u64,
    ) -> Self {
        Self {
            store,
            actor,
            progress,
            done: 0,
            total,
            offices: Vec::new(),
            departments: Vec::new(),
            groups: Vec::new(),
            townships: Vec::new(),
        }
    }

    fn step(&mut self, stage: &'static str) {
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
        for v in plan.townships.iter().flat_map(|t| &t.villages) {
            let row = self
                .store
                .create_village(&self.actor, v)
                .await
                .map_err(at("villages"))?;
            villages += 1;
            communities += usize::from(row.kind == "community");
            self.step("villages");
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
}
