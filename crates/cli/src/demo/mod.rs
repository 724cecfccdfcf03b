//! `qinglian demo`: fills an empty deployment with a fictional county shaped like the story
//! (29 townships, 338 villages, 14 stationed groups, 5 + 2 zones, and an inspection round with
//! 141 targets, 5 on-site meetings and 36 concerns, each zone's convener rotation with a quarter
//! of history, a campaign with the story's figures, rectification orders, village plans and their
//! monthly reports), the same for the same seed, so that a new installation can be tried
//! without real data.

mod articles;
mod cases;
mod concerns;
pub mod cross_handling;
pub mod governance;
pub mod interview;
mod names;
mod plan;
mod plans;
pub mod rating;
pub mod rectification;
mod reports;
mod tour;
mod units;
mod write;

use qinglian_domain::Invalid;
use qinglian_domain::role::Role;
use qinglian_store::{Store, StoreError};
use serde::Serialize;

use plan::Plan;
use write::Writer;

/// Province 99 does not exist, so the demo county can never collide with an imported one.
pub const COUNTY_CODE: &str = "990101";
pub const COUNTY_NAME: &str = "青岚县";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The deployment already has its county; the demo writes only into an empty one.
    #[error("the store already has a county ({name}, {division_code}); the demo is only created on an empty store")]
    AlreadySetUp { division_code: String, name: String },
    /// A generated name or code did not parse: a bug in the demo, caught before any write.
    #[error("the demo data is invalid")]
    Invalid(#[from] Invalid),
    /// The demo's own data did not allow a step (a bug in the demo).
    #[error("the demo could not be completed: {0}")]
    Incomplete(&'static str),
    #[error("could not take the demo's evidence in")]
    Evidence(#[from] qinglian_store::evidence::IntakeError),
    #[error("could not write the demo's {stage}")]
    Store {
        stage: &'static str,
        #[source]
        source: StoreError,
    },
}

/// Where the demo puts the evidence it makes: the deployment's blob store and a staging folder
/// on the same filesystem.
#[derive(Clone, Copy)]
pub struct DemoEvidence<'a> {
    pub blobs: &'a dyn qinglian_store::evidence::BlobStore,
    pub staging: &'a std::path::Path,
}

/// How far `create_demo` has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoProgress {
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
}

/// One demo account, for the binary to list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoStaff {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The township, department or stationed group the person is posted to.
    pub posting: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoReport {
    pub seed: u64,
    pub county_code: String,
    pub county_name: String,
    pub townships: usize,
    pub villages: usize,
    pub communities: usize,
    pub departments: usize,
    pub offices: usize,
    pub stationed_groups: usize,
    pub zones: usize,
    pub articles: usize,
    pub staff: Vec<DemoStaff>,
    /// On-site meetings held so far in the running inspection round, and concerns raised there.
    pub meetings: usize,
    pub concerns: usize,
    /// The receipt code (16 digits) of a concern a department has answered, for showing how a
    /// villager looks their concern up. Demo data only: real codes are never printed.
    pub sample_receipt: Option<String>,
    /// Clues in the register and cases opened from them.
    pub clues: usize,
    pub cases: usize,
    /// The remote interview taken to the end, with its recording and signed transcript.
    pub completed_interview: String,
}

/// Creates the demo county in an empty store; refuses, without writing, if a county exists.
///
/// Each row is its own store call (and transaction): a failure part-way leaves a partial demo
/// county behind, which a second run then refuses as `AlreadySetUp`.
pub async fn create_demo(
    store: &dyn Store,
    secrets: &qinglian_web::secrets::SecretKey,
    evidence: DemoEvidence<'_>,
    seed: u64,
    progress: &(dyn Fn(DemoProgress) + Send + Sync),
) -> Result<DemoReport, DemoError> {
    if let Some(c) = store.county().await.map_err(at("county"))? {
        return Err(DemoError::AlreadySetUp {
            division_code: c.division_code,
            name: c.name,
        });
    }
    let plan = Plan::new(seed)?;
    // One actor, one operation id: the whole demo reads as one operation in the audit trail.
    let actor = qinglian_store::model::Actor::system("demo");
    let county = store.upsert_county(&actor, &plan.county).await.map_err(at("county"))?;
    let mut w = Writer::new(
        store,
        secrets,
        actor.clone(),
        progress,
        plan.writes() + cases::CLUES as u64,
    );
    w.units(&plan).await?;
    let (villages, communities) = w.places(&plan).await?;
    let staff = w.staff(&plan).await?;
    w.zones(&plan, &staff).await?;
    w.articles(&plan).await?;
    w.tour(&plan, &staff).await?;
    let register = cases::write(store, &actor, seed, &mut || w.step("clues and cases")).await?;
    cross_handling::declare_ties(store).await.map_err(at("declared ties"))?;
    // Every team the register formed works under an authorisation.
    let today = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    cross_handling::authorise_teams(store, &actor, today)
        .await
        .map_err(at("authorisations"))?;
    // Last, so that they count whatever clues and cases the demo holds by now.
    governance::campaigns(store, &actor).await?;
    governance::rotations(store, &actor).await?;
    let completed_interview = interview::write(store, &evidence, &actor, today).await?;
    // After the tour, so that the open concerns of its meetings count in the 群众反映 dimension.
    rating::periods(store, &actor, seed).await?;
    rectification::write(store, &actor, seed, today)
        .await
        .map_err(at("rectification orders"))?;
    // After the orders, which record each township's party secretary, the plans' owner.
    let plans = plans::write(store, &actor, seed, today).await?;
    reports::write(store, &actor, seed, &plans).await?;
    Ok(DemoReport {
        completed_interview,
        clues: register.clues,
        cases: register.cases,
        seed,
        county_code: county.division_code,
        county_name: county.name,
        townships: plan.townships.len(),
        villages,
        communities,
        departments: plan.departments.len(),
        offices: plan.offices.len(),
        stationed_groups: plan.groups.len(),
        zones: plan.zones.len(),
        articles: plan.articles.len(),
        staff,
        meetings: plan.tour.meetings.len(),
        concerns: plan.tour.concerns.len(),
        sample_receipt: plan.tour.sample_receipt().map(str::to_owned),
    })
}

/// The demo's operation, done by a member of staff as themself (the demo has no accounts yet).
fn acting(actor: &qinglian_store::model::Actor, staff: &qinglian_store::model::Staff) -> qinglian_store::model::Actor {
    qinglian_store::model::Actor {
        staff_id: Some(staff.id.clone()),
        name: staff.name.clone(),
        role: staff.role.clone(),
        ..actor.clone()
    }
}

fn at(stage: &'static str) -> impl FnOnce(StoreError) -> DemoError {
    move |source| DemoError::Store { stage, source }
}
