//! Cross-handling in the demo county: a few declared ties, and the teams of the open clues
//! formed from the assignment engine's proposals, each with its authorisation. The clue demo
//! uses `authorise_teams` for the teams it forms itself; `form_teams` forms the rest from the
//! engine's proposals.

use std::num::NonZeroU32;

use chrono::NaiveDate;
use qinglian_domain::cross_handling::{AuthorisationInput, TieDeclaration};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Actor, ClueFilter, PageRequest, VillageFilter};
use qinglian_store::{Store, StoreError};

/// The mandate printed on the demo's authorisations.
const MANDATE: &str = "依规开展初步核实，调取有关资料，对有关人员进行谈话询问。";

/// Members per demo team.
pub const TEAM_SIZE: NonZeroU32 = match NonZeroU32::new(2) {
    Some(n) => n,
    None => NonZeroU32::MIN,
};

/// What `form_teams` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TeamsFormed {
    pub teams: usize,
    pub authorisations: usize,
    /// Open clues the engine found no valid team for.
    pub unstaffed: usize,
}

/// Forms a team of `team_size` for every open clue without one, as the engine proposes
/// (through the same validated path as a case manager's choice), and issues each team its
/// authorisation, valid for 90 days from `today`.
pub async fn form_teams(
    store: &dyn Store,
    actor: &Actor,
    team_size: NonZeroU32,
    today: NaiveDate,
) -> Result<TeamsFormed, StoreError> {
    let all = Reach::everything();
    let proposals = store.propose_teams(actor, &all, team_size).await?;
    let until = today + chrono::Duration::days(90);
    let input = AuthorisationInput::parse(MANDATE, &today.to_string(), &until.to_string(), today)?;
    let mut done = TeamsFormed::default();
    for p in proposals.clues {
        if p.members.is_empty() {
            done.unstaffed += 1;
            continue;
        }
        let team: Vec<String> = p.members.into_iter().map(|m| m.staff_id).collect();
        store.form_team(actor, &all, &p.clue.id, &team).await?;
        done.teams += 1;
        store.issue_authorisation(actor, &all, &p.clue.id, &input).await?;
        done.authorisations += 1;
    }
    Ok(done)
}

/// Every seventh township secretary (by name) declares a same-village tie with the first
/// village of their home township; returns how many declared.
pub async fn declare_ties(store: &dyn Store) -> Result<usize, StoreError> {
    let mut staff: Vec<_> = store
        .all_staff()
        .await?
        .into_iter()
        .filter(|s| s.role == "township_secretary" && s.home_township_id.is_some())
        .collect();
    staff.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let mut declared = 0;
    for s in staff.iter().step_by(7) {
        let filter = VillageFilter {
            township_id: s.home_township_id.clone(),
            q: None,
        };
        let villages = store.list_villages(&filter, PageRequest::new(1, 1)).await?;
        let Some(v) = villages.items.first() else { continue };
        let tie = TieDeclaration::parse("same_village", "village", "", "", &v.id, "户籍所在村")?;
        let actor = Actor {
            staff_id: Some(s.id.clone()),
            name: s.name.clone(),
            ..Actor::system("demo")
        };
        store.declare_tie(&actor, &tie).await?;
        declared += 1;
    }
    Ok(declared)
}

/// Issues an authorisation, valid 90 days from `today`, to every clue's team that has none in
/// force; returns how many were issued.
pub async fn authorise_teams(store: &dyn Store, actor: &Actor, today: NaiveDate) -> Result<usize, StoreError> {
    let all = Reach::everything();
    let until = today + chrono::Duration::days(90);
    let input = AuthorisationInput::parse(MANDATE, &today.to_string(), &until.to_string(), today)?;
    let mut ids = Vec::new();
    for page in 1.. {
        let p = store
            .list_clues(actor, &all, &ClueFilter::default(), PageRequest::new(page, 200))
            .await?;
        let n = p.items.len();
        ids.extend(p.items.into_iter().map(|c| c.id));
        if n < 200 {
            break;
        }
    }
    let mut issued = 0;
    for id in ids {
        if store.get_clue(actor, &all, &id).await?.team.is_empty()
            || store.authorisation_for(&id, today).await?.is_some()
        {
            continue;
        }
        store.issue_authorisation(actor, &all, &id, &input).await?;
        issued += 1;
    }
    Ok(issued)
}
