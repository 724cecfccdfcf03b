//! `/staff/cross-handling/proposals`: the assignment engine's teams for every open clue
//! without one, each member and exclusion explained, and a button that forms a clue's
//! proposed team through the same validated path as a team picked by hand.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qinglian_store::model::TeamProposals;
use serde::Deserialize;

use super::render;
use crate::api::cross_handling::team_size;
use crate::auth::{UserView, cap};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use crate::scope::Scoped;
use crate::state::AppState;

pub struct MemberView {
    pub id: String,
    pub name: String,
    pub posting: String,
    /// "同协作区" / "跨协作区", and the load before → after.
    pub why: String,
}

pub struct ClueView {
    pub id: String,
    pub number: String,
    pub place: String,
    pub subject: String,
    pub members: Vec<MemberView>,
    pub unstaffed: Option<String>,
    /// "回避：籍贯乡镇相同：甲、乙"
    pub excluded: Vec<String>,
}

#[derive(Template)]
#[template(path = "cross_handling/proposals.html")]
struct ProposalsPage {
    t: Tr,
    user: Option<UserView>,
    team_size: u32,
    summary: String,
    clues: Vec<ClueView>,
}

fn views(t: Tr, p: TeamProposals) -> Vec<ClueView> {
    p.clues
        .into_iter()
        .map(|c| ClueView {
            id: c.clue.id.clone(),
            number: c.clue.number.clone(),
            place: c.clue.township_name.clone(),
            subject: format!("{} {}", c.clue.subject_unit, c.clue.subject_name),
            members: c
                .members
                .iter()
                .map(|m| MemberView {
                    id: m.staff_id.clone(),
                    name: m.name.clone(),
                    posting: m.posting_unit_name.clone().unwrap_or_default(),
                    why: format!(
                        "{}，{} {} → {}",
                        t.get(if m.in_zone {
                            "proposal.in_zone"
                        } else {
                            "proposal.out_of_zone"
                        }),
                        t.get("team.load"),
                        m.load_before,
                        m.load_after
                    ),
                })
                .collect(),
            unstaffed: c.unstaffed.as_ref().map(|k| {
                format!(
                    "{}（{} {}，{} {}）",
                    t.get(k),
                    t.get("proposal.eligible"),
                    c.eligible,
                    t.get("proposal.needed"),
                    c.needed
                )
            }),
            excluded: c
                .excluded
                .iter()
                .map(|g| format!("{}：{}", t.get(&g.rule), g.names.join("、")))
                .collect(),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct SizeQuery {
    pub team_size: Option<String>,
}

/// `GET /staff/cross-handling/proposals?team_size=2`
pub async fn show(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    Query(q): Query<SizeQuery>,
) -> Result<Response, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let size = team_size(q.team_size.as_deref()).map_err(|e| err(e.into()))?;
    let p = state
        .store
        .propose_teams(&user.actor, &reach, size)
        .await
        .map_err(|e| err(e.into()))?;
    let staffed = p.clues.iter().filter(|c| !c.members.is_empty()).count();
    let summary = t
        .get("proposal.summary")
        .replace("{clues}", &p.clues.len().to_string())
        .replace("{staffed}", &staffed.to_string())
        .replace("{staff}", &p.staff_considered.to_string())
        .replace("{ms}", &p.solve_ms.to_string());
    Ok(render(&ProposalsPage {
        t,
        user: Some(user.view()),
        team_size: size.get(),
        summary,
        clues: views(t, p),
    }))
}

/// `POST /staff/cross-handling/proposals/accept`: forms one clue's proposed team.
pub async fn accept(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    body: Bytes,
) -> Result<Response, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|e| err(AppError::BadRequest(e.to_string())))?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let staff: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "staff_ids")
        .map(|(_, v)| v.clone())
        .collect();
    let clue = get("clue_id");
    state
        .store
        .form_team(&user.actor, &reach, &clue, &staff)
        .await
        .map_err(|e| err(e.into()))?;
    let size = team_size(Some(&get("team_size"))).map_or(2, |n| n.get());
    Ok(Redirect::to(&format!("/staff/cross-handling/proposals?team_size={size}")).into_response())
}
