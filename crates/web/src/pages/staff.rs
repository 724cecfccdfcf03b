//! The staff workbench: an overview and the entry points of the four practices.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use qinglian_domain::access::Action;
use qinglian_store::model::{PageRequest, VillageFilter};

use super::render;
use crate::auth::{Staff, UserView};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use crate::state::AppState;

/// The four practices: path segment, title key, description key.
const PRACTICES: [(&str, &str, &str); 4] = [
    ("rating", "nav.practice.rating", "practice.rating.desc"),
    ("inspection", "nav.practice.inspection", "practice.inspection.desc"),
    ("zones", "nav.practice.zones", "practice.zones.desc"),
    ("interviews", "nav.practice.interviews", "practice.interviews.desc"),
];

#[derive(Template)]
#[template(path = "staff/home.html")]
struct Home {
    t: Tr,
    user: Option<UserView>,
    welcome: String,
    show_overview: bool,
    townships: usize,
    villages: i64,
    groups: usize,
    zones: usize,
    practices: [(&'static str, &'static str, &'static str); 4],
    /// Reminders: concerns within reach past their answer deadline, and those due within
    /// three days (`None` for users who see no concerns).
    reminders: Option<(i64, i64)>,
    /// Conveners of the zones the user sees, and any term report the user owes.
    conveners: Vec<super::governance::ConvenerReminder>,
    /// Monthly reports (月度汇报) of the plans within reach past their due day (`None` for
    /// users who see no plans).
    overdue_reports: Option<usize>,
}

pub async fn home(State(state): State<AppState>, Staff(user, t): Staff) -> Result<Response, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    // The overview is org data: only for those who may read the org.
    let show_overview = user.may(Action::ReadOrg);
    let (mut townships, mut villages, mut groups, mut zones) = (0, 0, 0, 0);
    if show_overview {
        townships = state.store.list_townships().await.map_err(err)?.len();
        villages = state
            .store
            .list_villages(&VillageFilter::default(), PageRequest::new(1, 1))
            .await
            .map_err(err)?
            .total;
        groups = state.store.list_stationed_groups().await.map_err(err)?.len();
        zones = state.store.list_zones().await.map_err(err)?.len();
    }
    let reminders = if user.may(Action::ReadInspection) {
        let reach = state.store.reach_of(&user.session.account_id).await.map_err(err)?;
        let today = chrono::Utc::now()
            .with_timezone(&qinglian_domain::inspection::CHINA)
            .date_naive();
        let count = |overdue_on| qinglian_store::model::ConcernFilter {
            overdue_on: Some(overdue_on),
            ..Default::default()
        };
        let overdue = state
            .store
            .list_concerns(&reach, &count(today), PageRequest::new(1, 1))
            .await
            .map_err(err)?
            .total;
        // Past the deadline by the day after tomorrow's end, less those already overdue.
        let soon = state
            .store
            .list_concerns(
                &reach,
                &count(today + chrono::Duration::days(3)),
                PageRequest::new(1, 1),
            )
            .await
            .map_err(err)?
            .total
            - overdue;
        Some((overdue, soon))
    } else {
        None
    };
    let overdue_reports = if user.may(Action::ReadRectification) {
        let reach = state.store.reach_of(&user.session.account_id).await.map_err(err)?;
        let today = chrono::Utc::now()
            .with_timezone(&qinglian_domain::inspection::CHINA)
            .date_naive();
        Some(
            state
                .store
                .overdue_monthly_reports(&reach, today)
                .await
                .map_err(err)?
                .len(),
        )
    } else {
        None
    };
    let conveners = super::governance::reminders(&state, &user)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let welcome = t.named("staff.welcome", &user.session.staff_name);
    Ok(render(&Home {
        show_overview,
        t,
        user: Some(user.view()),
        welcome,
        townships,
        villages,
        groups,
        zones,
        practices: PRACTICES,
        reminders,
        conveners,
        overdue_reports,
    }))
}

#[derive(Template)]
#[template(path = "staff/practice.html")]
struct Practice {
    t: Tr,
    user: Option<UserView>,
    title_key: &'static str,
    desc_key: &'static str,
}

pub async fn practice(Staff(user, t): Staff, Path(p): Path<String>) -> Result<Response, PageError> {
    let (_, title_key, desc_key) = PRACTICES
        .into_iter()
        .find(|(seg, _, _)| *seg == p)
        .ok_or_else(|| PageError::new(AppError::NotFound, t.lang))?;
    Ok(render(&Practice {
        t,
        user: Some(user.view()),
        title_key,
        desc_key,
    }))
}
