//! Pages for the clue register, cases and remote interviews: the procedure runner used live
//! by the two investigators, the transcript editor, and the transcript PDF.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use qinglian_domain::access::Action;
use qinglian_domain::case::{ClueInput, ClueSource, Disposition};
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::interview::{Act, PlanForm, QaEntry, Step, transcript_editable};
use qinglian_domain::scope::Reach;
use qinglian_store::model::{CaseFile, Clue, ClueDetail, Interview, InterviewDetail, PageRequest, Staff, Township};
use serde::{Deserialize, Serialize};

use super::{local_time, render, render_status};
use crate::api::cases::{self as api, ClueQuery, WitnessIdentity};
use crate::auth::{CurrentUser, UserView, cap};
use crate::error::{AppError, FieldProblem, PageError, PageForm};
use crate::i18n::{Lang, Tr};
use crate::pdf;
use crate::scope::Scoped;
use crate::state::AppState;

fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}

/// Invalid input and conflicts are shown on the page they came from; anything else is an error page.
fn is_form_problem(e: &AppError) -> bool {
    matches!(e, AppError::Invalid(_) | AppError::Conflict { .. })
}

/// Error lines with step codes named as the user knows them.
fn problems(t: Tr, e: &AppError) -> Vec<FieldProblem> {
    let mut out = e.field_problems(t);
    for p in &mut out {
        if let Some(v) = p.value.as_deref()
            && let Ok(step) = Step::parse("step", v)
        {
            p.value = Some(t.get(step.label_key()));
        }
    }
    out
}

// ---- clues -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff/clues.html")]
struct CluesPage {
    t: Tr,
    user: Option<UserView>,
    clues: Vec<Clue>,
    total: i64,
    townships: Vec<Township>,
    /// `(code, label)` of each source and disposition.
    sources: Vec<(&'static str, String)>,
    dispositions: Vec<(&'static str, String)>,
    filter_disposition: String,
    may_manage: bool,
    errors: Vec<FieldProblem>,
    form: ClueForm,
}

#[derive(Debug, Default, Deserialize)]
pub struct ClueForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    subject_name: String,
    #[serde(default)]
    subject_unit: String,
    #[serde(default)]
    township_id: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    received_on: String,
}

fn sources(t: Tr) -> Vec<(&'static str, String)> {
    ClueSource::ALL
        .into_iter()
        .map(|s| (s.as_str(), t.get(format!("clue.source.{}", s.as_str()))))
        .collect()
}

fn dispositions(t: Tr) -> Vec<(&'static str, String)> {
    Disposition::ALL
        .into_iter()
        .map(|d| (d.as_str(), t.get(format!("clue.disposition.{}", d.as_str()))))
        .collect()
}

async fn clues_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    q: &ClueQuery,
    errors: Vec<FieldProblem>,
    form: ClueForm,
) -> Result<CluesPage, PageError> {
    let err = |e: AppError| PageError::new(e, t.lang);
    let filter = q.filter().map_err(err)?;
    let page = PageRequest::new(q.page.unwrap_or(1), q.per_page.unwrap_or(100));
    let clues = state
        .store
        .list_clues(&user.actor, reach, &filter, page)
        .await
        .map_err(|e| err(e.into()))?;
    Ok(CluesPage {
        t,
        user: Some(user.view()),
        total: clues.total,
        clues: clues.items,
        townships: state.store.list_townships().await.map_err(|e| err(e.into()))?,
        sources: sources(t),
        dispositions: dispositions(t),
        filter_disposition: filter.disposition.unwrap_or_default(),
        may_manage: user.may(Action::ManageCases),
        errors,
        form,
    })
}

pub async fn clues(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadCases>,
    Query(q): Query<ClueQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &clues_page(&state, &user, t, &reach, &q, Vec::new(), ClueForm::default()).await?,
    ))
}

pub async fn create_clue(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    PageForm(form): PageForm<ClueForm>,
) -> Result<Response, PageError> {
    let result = match ClueInput::parse(
        &form.source,
        &form.subject_name,
        &form.subject_unit,
        &form.township_id,
        &form.summary,
        &form.received_on,
        today(),
    ) {
        Ok(input) => state
            .store
            .create_clue(&user.actor, &input)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/staff/clues/{}", c.id)).into_response()),
        Err(e) if is_form_problem(&e) => {
            let errors = problems(t, &e);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &clues_page(&state, &user, t, &reach, &ClueQuery::default(), errors, form).await?,
            ))
        }
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Template)]
#[template(path = "staff/clue.html")]
struct CluePage {
    t: Tr,
    user: Option<UserView>,
    detail: ClueDetail,
    source_label: String,
    disposition_label: String,
    /// Each decision with its label.
    history: Vec<(String, qinglian_store::model::ClueEvent)>,
    dispositions: Vec<(&'static str, String)>,
    staff: Vec<Staff>,
    may_manage: bool,
    errors: Vec<FieldProblem>,
}

async fn clue_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    errors: Vec<FieldProblem>,
) -> Result<CluePage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let detail = state.store.get_clue(&user.actor, reach, id).await.map_err(err)?;
    let may_manage = user.may(Action::ManageCases);
    let staff = if may_manage {
        state.store.all_staff().await.map_err(err)?
    } else {
        Vec::new()
    };
    let open = detail
        .clue
        .disposition
        .as_deref()
        .and_then(|d| Disposition::parse("d", d).ok())
        .is_none_or(|d| !d.is_final());
    Ok(CluePage {
        source_label: t.get(format!("clue.source.{}", detail.clue.source)),
        disposition_label: match &detail.clue.disposition {
            Some(d) => t.get(format!("clue.disposition.{d}")),
            None => t.get("clue.pending"),
        },
        history: detail
            .events
            .iter()
            .map(|e| (t.get(format!("clue.disposition.{}", e.disposition)), e.clone()))
            .collect(),
        dispositions: if open { dispositions(t) } else { Vec::new() },
        t,
        user: Some(user.view()),
        detail,
        staff,
        may_manage,
        errors,
    })
}

pub async fn clue(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(&clue_page(&state, &user, t, &reach, &id, Vec::new()).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct DisposeForm {
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

pub async fn dispose(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DisposeForm>,
) -> Result<Response, PageError> {
    let parsed = (
        Disposition::parse("disposition", &form.disposition),
        Text::parse("note", &form.note),
    );
    let result = match parsed {
        (Ok(d), Ok(note)) => state
            .store
            .dispose_clue(&user.actor, &reach, &id, form.version, d, &note, today())
            .await
            .map_err(AppError::from),
        (d, n) => Err(qinglian_domain::Invalid::collect([d.err(), n.err()])
            .err()
            .map(AppError::from)
            .unwrap_or(AppError::BadRequest("form".into()))),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/staff/clues/{id}")).into_response()),
        Err(e) if is_form_problem(&e) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &clue_page(&state, &user, t, &reach, &id, problems(t, &e)).await?,
        )),
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    staff_id: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ManageCases>,
    Path(id): Path<String>,
    PageForm(form): PageForm<MemberForm>,
) -> Result<Response, PageError> {
    match state
        .store
        .add_team_member(&user.actor, &reach, &id, form.staff_id.trim())
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Ok(Redirect::to(&format!("/staff/clues/{id}")).into_response()),
        Err(e) if is_form_problem(&e) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &clue_page(&state, &user, t, &reach, &id, problems(t, &e)).await?,
        )),
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

// ---- cases -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff/cases.html")]
struct CasesPage {
    t: Tr,
    user: Option<UserView>,
    cases: Vec<CaseFile>,
    total: i64,
}

pub async fn cases(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadCases>,
) -> Result<Response, PageError> {
    let page = state
        .store
        .list_cases(&user.actor, &reach, PageRequest::new(1, PageRequest::MAX_LIMIT as u32))
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    Ok(render(&CasesPage {
        t,
        user: Some(user.view()),
        cases: page.items,
        total: page.total,
    }))
}

#[derive(Template)]
#[template(path = "staff/case.html")]
struct CasePage {
    t: Tr,
    user: Option<UserView>,
    case: CaseFile,
    interviews: Vec<(Interview, String)>,
    team: Vec<qinglian_store::model::TeamMember>,
    may_plan: bool,
    errors: Vec<FieldProblem>,
    form: PlanForm,
}

async fn case_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    errors: Vec<FieldProblem>,
    form: PlanForm,
) -> Result<CasePage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let case = state.store.get_case(&user.actor, reach, id).await.map_err(err)?;
    let interviews = state
        .store
        .list_interviews(&user.actor, reach, id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|i| {
            let progress = match i.done_step.as_deref().and_then(|s| Step::parse("s", s).ok()) {
                Some(s) => t.get(s.label_key()),
                None => t.get("interview.planned"),
            };
            (i, progress)
        })
        .collect();
    let team = state
        .store
        .get_clue(&user.actor, reach, &case.clue_id)
        .await
        .map_err(err)?
        .team;
    Ok(CasePage {
        t,
        user: Some(user.view()),
        case,
        interviews,
        team,
        may_plan: user.may(Action::ConductInterview),
        errors,
        form,
    })
}

pub async fn case(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(
        &case_page(&state, &user, t, &reach, &id, Vec::new(), PlanForm::default()).await?,
    ))
}

/// The plan form's values; `investigator_ids` repeats, which plain `Form` cannot read.
fn plan_form(body: &[u8]) -> Result<PlanForm, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let mut f = PlanForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "witness_name" => f.witness_name = v,
            "protected" => f.protected = Some(v),
            "alias" => f.alias = v,
            "id_number" => f.id_number = v,
            "phone" => f.phone = v,
            "investigator_ids" => f.investigator_ids.push(v),
            "platform" => f.platform = v,
            "link" => f.link = v,
            "scheduled_at" => f.scheduled_at = v,
            "consent_caller_id" => f.consent_caller_id = v,
            "consent_called_at" => f.consent_called_at = v,
            "consent_agreed" => f.consent_agreed = v,
            _ => {}
        }
    }
    Ok(f)
}

pub async fn plan_interview(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ConductInterview>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = plan_form(&body).map_err(|e| PageError::new(e, t.lang))?;
    match api::plan(&state, &user, &reach, &id, &form).await {
        Ok(i) => Ok(Redirect::to(&format!("/staff/interviews/{}", i.id)).into_response()),
        Err(e) if is_form_problem(&e) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &case_page(&state, &user, t, &reach, &id, problems(t, &e), form).await?,
        )),
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

// ---- interviews ------------------------------------------------------------------------------

/// One line of the procedure as the runner shows it.
#[derive(Debug)]
struct StepRow {
    code: &'static str,
    label: String,
    done: bool,
    next: bool,
    at: Option<String>,
    by: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/interview.html")]
struct InterviewPage {
    t: Tr,
    user: Option<UserView>,
    detail: InterviewDetail,
    steps: Vec<StepRow>,
    /// The log, each act with its label.
    log: Vec<(String, qinglian_store::model::InterviewEvent)>,
    next_step: Option<&'static str>,
    /// Whether the signed-in user is one of the investigators, and has checked in.
    is_investigator: bool,
    checked_in: bool,
    finished: bool,
    editable: bool,
    /// The transcript's latest entries (as JSON for the editor) and version number.
    entries_json: String,
    entries: Vec<QaEntry>,
    transcript_version: i64,
    rights_text: String,
    may_reveal: bool,
    may_export: bool,
    revealed: Option<WitnessIdentity>,
    errors: Vec<FieldProblem>,
}

/// The rights-and-obligations notice read at the step, from the catalogue; its hash is logged
/// with the step so the record says which text was read.
fn rights_text(t: Tr) -> String {
    t.get("interview.rights_text")
}

async fn interview_page(
    state: &AppState,
    user: &CurrentUser,
    t: Tr,
    reach: &Reach,
    id: &str,
    revealed: Option<WitnessIdentity>,
    errors: Vec<FieldProblem>,
) -> Result<InterviewPage, PageError> {
    let err = |e: qinglian_store::StoreError| PageError::new(e, t.lang);
    let detail = state.store.get_interview(&user.actor, reach, id).await.map_err(err)?;
    Ok(interview_view(user, t, detail, revealed, errors))
}

fn interview_view(
    user: &CurrentUser,
    t: Tr,
    detail: InterviewDetail,
    revealed: Option<WitnessIdentity>,
    errors: Vec<FieldProblem>,
) -> InterviewPage {
    let done = detail
        .interview
        .done_step
        .as_deref()
        .and_then(|s| Step::parse("s", s).ok());
    let next = Step::after(done);
    let steps = Step::ORDER
        .into_iter()
        .map(|s| {
            let ev = detail.events.iter().find(|e| e.step.as_deref() == Some(s.as_str()));
            StepRow {
                code: s.as_str(),
                label: t.get(s.label_key()),
                done: done.is_some_and(|d| d >= s),
                next: next == Some(s),
                at: ev.map(|e| local_time(&e.at)),
                by: ev.map(|e| e.actor_name.clone()),
            }
        })
        .collect();
    let log = detail
        .events
        .iter()
        .map(|e| {
            let label = match e.step.as_deref().and_then(|s| Step::parse("s", s).ok()) {
                Some(s) if e.kind == "step" => t.get(s.label_key()),
                _ => t.get(format!("interview.act.{}", e.kind)),
            };
            (label, e.clone())
        })
        .collect();
    let me = user.session.staff_id.clone();
    let mine = detail.investigators.iter().find(|i| i.staff_id == me);
    let entries: Vec<QaEntry> = detail
        .transcript
        .as_ref()
        .and_then(|v| serde_json::from_str(&v.body).ok())
        .unwrap_or_default();
    InterviewPage {
        steps,
        log,
        next_step: next.map(Step::as_str),
        is_investigator: mine.is_some(),
        checked_in: mine.is_some_and(|i| i.checked_in_at.is_some()),
        finished: done == Some(Step::RecordingStopped),
        editable: transcript_editable(done) && mine.is_some(),
        entries_json: serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_owned()),
        entries,
        transcript_version: detail.transcript.as_ref().map_or(0, |v| v.number),
        rights_text: rights_text(t),
        may_reveal: user.may(Action::RevealWitness) && detail.interview.witness_protected,
        may_export: user.may(Action::ExportEvidence),
        revealed,
        t,
        user: Some(user.view()),
        detail,
        errors,
    }
}

pub async fn interview(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(
        &interview_page(&state, &user, t, &reach, &id, None, Vec::new()).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    detail: String,
}

pub async fn act(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ConductInterview>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ActForm>,
) -> Result<Response, PageError> {
    // The rights step records which notice was read: its text's hash.
    let detail = if form.kind == "step" && form.step == Step::RightsRead.as_str() && form.detail.trim().is_empty() {
        format!(
            "{} sha256:{}",
            t.get("interview.rights_template"),
            &crate::pages::cases::hash_hex(&rights_text(t))[..16]
        )
    } else {
        form.detail.clone()
    };
    let result = match Act::parse(&form.kind, &form.step, &detail) {
        Ok(act) => state
            .store
            .interview_act(&user.actor, &reach, &id, &act, Utc::now())
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/staff/interviews/{id}")).into_response()),
        Err(e) if is_form_problem(&e) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &interview_page(&state, &user, t, &reach, &id, None, problems(t, &e)).await?,
        )),
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

pub(crate) fn hash_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

#[derive(Debug, Default, Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    reason: String,
}

pub async fn reveal(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::RevealWitness>,
    Path(id): Path<String>,
    PageForm(form): PageForm<RevealForm>,
) -> Result<Response, PageError> {
    match api::reveal(&state, &user, &reach, &id, &form.reason).await {
        Ok(who) => Ok(render(
            &interview_page(&state, &user, t, &reach, &id, Some(who), Vec::new()).await?,
        )),
        Err(e) if is_form_problem(&e) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &interview_page(&state, &user, t, &reach, &id, None, problems(t, &e)).await?,
        )),
        Err(e) => Err(PageError::new(e, t.lang)),
    }
}

// ---- the sealed export -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff/export_blocked.html")]
struct ExportBlockedPage {
    t: Tr,
    user: Option<UserView>,
    interview_id: String,
    file_name: String,
    detail: String,
}

/// `GET /staff/interviews/{id}/export`: the sealed package for the trial department, or the
/// file that failed re-verification (409, recorded in its chain of custody, alert raised).
pub async fn export(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ExportEvidence>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    use crate::sealed_export::{ExportError, build};
    match build(&state, &user, &reach, &id, t).await {
        Ok((file, filename)) => {
            let len = file.as_file().metadata().map(|m| m.len()).unwrap_or(0);
            let reopened = tokio::fs::File::from_std(
                file.reopen()
                    .map_err(|e| PageError::new(AppError::Internal(e.into()), t.lang))?,
            );
            // The temporary file is unlinked now; the open handle keeps its bytes until sent.
            drop(file);
            let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reopened));
            Ok((
                [
                    (header::CONTENT_TYPE, "application/zip".to_owned()),
                    (header::CONTENT_LENGTH, len.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{filename}\""),
                    ),
                ],
                body,
            )
                .into_response())
        }
        Err(ExportError::Blocked {
            file_id: _,
            file_name,
            detail,
        }) => Ok(render_status(
            StatusCode::CONFLICT,
            &ExportBlockedPage {
                t,
                user: Some(user.view()),
                interview_id: id,
                file_name,
                detail,
            },
        )),
        Err(ExportError::App(e)) => Err(PageError::new(e, t.lang)),
    }
}

// ---- the transcript PDF ----------------------------------------------------------------------

/// What the transcript template (`templates/pdf/transcript.typ`) reads.
#[derive(Debug, Serialize)]
pub struct TranscriptDoc {
    pub lang: &'static str,
    pub title: String,
    pub subtitle: String,
    pub facts: Vec<(String, String)>,
    pub qa: Vec<(String, String)>,
    pub question_label: String,
    pub answer_label: String,
    pub draft: Option<String>,
    pub signatures: Vec<String>,
    pub date_label: String,
    pub colon: &'static str,
    pub printed_at: String,
    pub page: String,
}

/// The transcript's data: header, participants, times, questions and answers.
pub fn transcript_doc(t: Tr, d: &InterviewDetail) -> TranscriptDoc {
    let i = &d.interview;
    let colon = match t.lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    let at = |step: Step| {
        d.events
            .iter()
            .find(|e| e.step.as_deref() == Some(step.as_str()))
            .map(|e| local_time(&e.at))
            .unwrap_or_default()
    };
    let witness = match &d.witness {
        Some(w) => format!(
            "{}（{}）",
            w.witness_name.clone().unwrap_or_default(),
            w.witness_id_number
                .as_deref()
                .and_then(|n| qinglian_domain::interview::IdNumber::parse("id", n).ok())
                .map(|n| n.masked())
                .unwrap_or_default()
        ),
        None => format!("{}（{}）", i.witness_shown, t.get("interview.protected")),
    };
    let investigators = d
        .investigators
        .iter()
        .map(|v| v.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let mut facts = vec![(t.get("case.number"), i.case_number.clone())];
    if let Some(n) = &i.authorisation_number {
        facts.push((t.get("authorisation.title"), n.clone()));
    }
    facts.extend([
        (t.get("interview.witness"), witness),
        (t.get("interview.investigators"), investigators),
        (t.get("interview.platform"), format!("{} {}", i.platform, i.link)),
        (t.get("interview.started"), at(Step::RecordingStarted)),
        (t.get("interview.ended"), at(Step::RecordingStopped)),
        (
            t.get("interview.consent"),
            format!(
                "{} {} {}",
                i.consent_caller_name,
                local_time(&i.consent_called_at),
                i.consent_agreed
            ),
        ),
    ]);
    let qa = d
        .transcript
        .as_ref()
        .and_then(|v| serde_json::from_str::<Vec<QaEntry>>(&v.body).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.question, e.answer))
        .collect();
    let confirmed = i
        .done_step
        .as_deref()
        .and_then(|s| Step::parse("s", s).ok())
        .is_some_and(|s| s >= Step::TranscriptConfirmed);
    TranscriptDoc {
        lang: match t.lang {
            Lang::Zh => "zh",
            Lang::En => "en",
        },
        title: t.get("transcript.title"),
        subtitle: format!(
            "{} · {}{}",
            i.case_number,
            t.get("transcript.version"),
            d.transcript.as_ref().map_or(0, |v| v.number)
        ),
        facts,
        qa,
        question_label: t.get("transcript.question"),
        answer_label: t.get("transcript.answer"),
        draft: (!confirmed).then(|| t.get("transcript.draft")),
        signatures: vec![t.get("transcript.sign_witness"), t.get("transcript.sign_investigators")],
        date_label: t.get("pdf.date"),
        colon,
        printed_at: format!("{}{}{}", t.get("stats.printed_at"), colon, local_time(&Utc::now())),
        page: t.get("pdf.page"),
    }
}

pub async fn transcript_pdf(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadCases>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let detail = state
        .store
        .get_interview(&user.actor, &reach, &id)
        .await
        .map_err(|e| PageError::new(e, t.lang))?;
    let doc = transcript_doc(t, &detail);
    let bytes = tokio::task::spawn_blocking(move || pdf::render(pdf::TRANSCRIPT, &doc))
        .await
        .map_err(|e| PageError::new(AppError::Internal(e.into()), t.lang))?
        .map_err(|e| PageError::new(AppError::Internal(e.into()), t.lang))?;
    let name = format!(
        "transcript-{}.pdf",
        detail
            .interview
            .case_number
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use qinglian_store::model::{InterviewEvent, Investigator, TranscriptVersion, WitnessClear};

    fn detail(entries: usize, confirmed: bool) -> InterviewDetail {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let qa: Vec<QaEntry> = (1..=entries)
            .map(|i| QaEntry {
                question: format!("第{i}问：2025年你是否经手村集体土地流转款？#set page(width: 1cm)"),
                answer: format!("第{i}答：经手过，具体金额记不清了，账目在村会计处。"),
            })
            .collect();
        let step = |seq: i64, s: Step| InterviewEvent {
            seq,
            kind: "step".into(),
            step: Some(s.as_str().into()),
            detail: None,
            actor_staff_id: "s1".into(),
            actor_name: "监察庚".into(),
            at,
        };
        InterviewDetail {
            interview: Interview {
                id: "i1".into(),
                case_id: "c1".into(),
                case_number: "立案〔2026〕007号".into(),
                clue_id: "l1".into(),
                township_id: "t1".into(),
                witness_shown: "证人李某".into(),
                witness_protected: false,
                platform: "腾讯会议".into(),
                link: "https://meeting.example/j/42".into(),
                scheduled_at: at,
                consent_caller_name: "监察庚".into(),
                consent_called_at: at,
                consent_agreed: "同意".into(),
                done_step: Some(if confirmed { "recording_stopped" } else { "questioning" }.into()),
                paused: false,
                version: 9,
                created_at: at,
                authorisation_id: Some("a1".into()),
                authorisation_number: Some("授权〔2026〕3号".into()),
            },
            witness: Some(WitnessClear {
                witness_name: Some("证人李某".into()),
                witness_id_number: Some("11010519491231002X".into()),
                witness_phone: None,
            }),
            investigators: vec![
                Investigator {
                    staff_id: "s1".into(),
                    name: "监察庚".into(),
                    checked_in_at: Some(at),
                },
                Investigator {
                    staff_id: "s2".into(),
                    name: "组长辛".into(),
                    checked_in_at: Some(at),
                },
            ],
            events: vec![step(3, Step::RecordingStarted), step(12, Step::RecordingStopped)],
            transcript: Some(TranscriptVersion {
                number: 4,
                body: serde_json::to_string(&qa).unwrap(),
                sha256: String::new(),
                author_name: "监察庚".into(),
                saved_at: at,
            }),
            files: Vec::new(),
        }
    }

    #[test]
    fn the_transcript_is_a4_with_header_qa_signatures_and_numbered_pages() {
        let doc = pdf::layout(pdf::TRANSCRIPT, &transcript_doc(Tr::new(Lang::Zh), &detail(40, true))).unwrap();
        let pages = doc.pages();
        assert!(pages.len() >= 2, "forty questions take more than a page");
        for p in pages {
            assert_eq!(
                (p.frame.width().to_pt().round(), p.frame.height().to_pt().round()),
                (595.0, 842.0)
            );
        }
        let texts: Vec<String> = pdf::page_texts(&doc)
            .into_iter()
            .map(|t| t.concat().replace(' ', ""))
            .collect();
        let first = &texts[0];
        assert!(first.contains("询问笔录"), "{first}");
        assert!(first.contains("立案〔2026〕007号"));
        assert!(first.contains("1101**********002X"), "the number is masked: {first}");
        assert!(first.contains("监察庚、组长辛"));
        assert!(
            first.contains("第1问：") && first.contains("#setpage(width:1cm)"),
            "markup prints as text"
        );
        assert!(first.contains(&format!("第1页/共{}页", pages.len())), "{first}");
        assert!(!first.contains("草稿"), "a confirmed transcript is no draft");
        let last = texts.last().unwrap();
        assert!(last.contains("第40答") && last.contains("被询问人签名") && last.contains("调查人员签名"));
        let draft = pdf::layout(pdf::TRANSCRIPT, &transcript_doc(Tr::new(Lang::Zh), &detail(1, false))).unwrap();
        assert!(pdf::page_texts(&draft)[0].concat().contains("草稿"));
    }
}
