//! An authorisation (授权) of a cross-handling team: its page, and the official PDF that the
//! team carries (typst, CJK fonts), each read audited.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qinglian_store::model::Authorisation;
use serde::Serialize;

use super::{local_time, render};
use crate::auth::{UserView, cap};
use crate::error::{AppError, PageError};
use crate::i18n::{Lang, Tr};
use crate::pdf;
use crate::scope::Scoped;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "cross_handling/authorisation.html")]
struct AuthorisationPage {
    t: Tr,
    user: Option<UserView>,
    a: Authorisation,
    issued: String,
}

/// `GET /staff/authorisations/{id}`
pub async fn show(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = state
        .store
        .get_authorisation(&user.actor, &reach, &id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let issued = format!(
        "{} {}",
        a.authorisation.issued_by_name.clone().unwrap_or_default(),
        local_time(&a.authorisation.issued_at)
    );
    Ok(render(&AuthorisationPage {
        t,
        user: Some(user.view()),
        a,
        issued,
    }))
}

/// What `templates/pdf/authorisation.typ` reads.
#[derive(Debug, Serialize)]
pub struct AuthorisationDoc {
    pub lang: &'static str,
    pub issuer: String,
    pub title: String,
    pub number: String,
    pub body: String,
    pub mandate_label: String,
    pub mandate: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub validity: String,
    pub note: String,
    pub seal: String,
    pub date: String,
    pub page: String,
}

/// The document's data: every sentence from the catalogue, every value as text.
pub fn authorisation_doc(t: Tr, a: &Authorisation) -> AuthorisationDoc {
    let r = &a.authorisation;
    let rows = a
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                (i + 1).to_string(),
                m.name.clone(),
                m.posting_unit_name.clone().unwrap_or_default(),
                m.home_township_name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let fill = |key: &str| {
        t.get(key)
            .replace("{township}", &r.township_name)
            .replace("{unit}", &r.subject_unit)
            .replace("{subject}", &r.subject_name)
            .replace("{clue}", &r.clue_number)
            .replace("{from}", &r.valid_from.to_string())
            .replace("{until}", &r.valid_until.to_string())
            .replace("{count}", &a.members.len().to_string())
    };
    AuthorisationDoc {
        lang: match t.lang {
            Lang::Zh => "zh",
            Lang::En => "en",
        },
        issuer: t.get("authorisation.pdf.issuer"),
        title: t.get("authorisation.pdf.title"),
        number: r.number.clone(),
        body: fill("authorisation.pdf.body"),
        mandate_label: t.get("authorisation.mandate"),
        mandate: r.mandate.clone(),
        columns: ["pdf.index", "org.name", "org.posting", "org.home_township"]
            .into_iter()
            .map(|k| t.get(k))
            .collect(),
        rows,
        validity: fill("authorisation.pdf.validity"),
        note: t.get("authorisation.pdf.note"),
        seal: t.get("authorisation.pdf.seal"),
        date: r
            .issued_at
            .with_timezone(&qinglian_domain::inspection::CHINA)
            .format("%Y-%m-%d")
            .to_string(),
        page: t.get("pdf.page"),
    }
}

/// `GET /staff/authorisations/{id}/authorisation.pdf`: the read is audited by the store.
pub async fn pdf(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let a = state
        .store
        .get_authorisation(&user.actor, &reach, &id)
        .await
        .map_err(|e| err(e.into()))?;
    let doc = authorisation_doc(t, &a);
    let bytes = tokio::task::spawn_blocking(move || pdf::render(pdf::AUTHORISATION, &doc))
        .await
        .map_err(|e| err(AppError::Internal(e.into())))?
        .map_err(|e| err(AppError::Internal(e.into())))?;
    // The id is a UUID: only letters, digits and hyphens reach the header.
    let short: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(36)
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"authorisation-{short}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use qinglian_store::model::{AuthorisationRow, TeamMember};

    #[test]
    fn the_authorisation_prints_its_number_team_and_literal_mandate() {
        let now = chrono::Utc::now();
        let member = |name: &str, unit: &str| TeamMember {
            staff_id: name.into(),
            name: name.into(),
            home_township_name: Some("梅岭乡".into()),
            posting_unit_name: Some(unit.into()),
            added_at: now,
        };
        let a = Authorisation {
            authorisation: AuthorisationRow {
                id: "a1".into(),
                number: "交叉授权〔2026〕001号".into(),
                clue_id: "c1".into(),
                clue_number: "线索〔2026〕001号".into(),
                township_id: "t1".into(),
                township_name: "石门镇".into(),
                subject_name: "王某".into(),
                subject_unit: "石门镇财政所".into(),
                mandate: "初步核实 #set page(width: 1cm) *x*".into(),
                valid_from: "2026-11-27".parse().unwrap(),
                valid_until: "2027-02-25".parse().unwrap(),
                issued_by_name: Some("案管员".into()),
                issued_at: now,
            },
            members: vec![member("梅书记", "梅岭乡"), member("北书记", "北坪镇")],
        };
        let doc = authorisation_doc(Tr::new(Lang::Zh), &a);
        let laid = pdf::layout(pdf::AUTHORISATION, &doc).unwrap();
        assert_eq!(laid.pages().len(), 1);
        let text: String = pdf::page_texts(&laid)[0].concat().replace(' ', "");
        for expected in [
            "交叉办案授权书",
            "交叉授权〔2026〕001号",
            "线索〔2026〕001号",
            "石门镇财政所",
            "梅书记",
            "北坪镇",
            "#setpage(width:1cm)*x*",
            "2027-02-25",
        ] {
            assert!(text.contains(expected), "{expected} missing from {text}");
        }
    }
}
