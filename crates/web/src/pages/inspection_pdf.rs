//! The round's register and a meeting's minutes as PDF downloads, each recorded in the audit log.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use qinglian_domain::audit::{AuditAction, AuditResult};
use qinglian_store::model::{Concern, ConcernFilter};
use serde::Serialize;

use super::inspection_stats::{all_concerns, figures, round_concerns};
use super::local_time;
use crate::auth::{CurrentUser, cap};
use crate::error::{AppError, PageError};
use crate::i18n::{Lang, Tr};
use crate::pdf::{self, Template};
use crate::scope::Scoped;
use crate::state::AppState;

/// What the register template (`templates/pdf/register.typ`) reads.
#[derive(Debug, Serialize)]
pub struct RegisterDoc {
    pub lang: &'static str,
    pub title: String,
    pub subtitle: String,
    /// `[label, value]` pairs shown under the title.
    pub figures: Vec<(String, String)>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub printed_at: String,
    /// `{page}` and `{pages}` are filled in by the template.
    pub page: String,
}

/// What the minutes template (`templates/pdf/minutes.typ`) reads.
#[derive(Debug, Serialize)]
pub struct MinutesDoc {
    pub lang: &'static str,
    pub title: String,
    pub subtitle: String,
    pub facts: Vec<(String, String)>,
    pub attendance_label: String,
    pub attendance: String,
    pub minutes_label: String,
    pub minutes: String,
    pub concerns_label: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub signatures: Vec<String>,
    pub date_label: String,
    pub none: String,
    pub colon: &'static str,
    pub printed_at: String,
    pub page: String,
}

fn typst_lang(t: Tr) -> &'static str {
    match t.lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

fn colon(t: Tr) -> &'static str {
    match t.lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    }
}

fn state_label(t: Tr, c: &Concern) -> String {
    let state = t.get(format!("concern.state.{}", c.state));
    if c.on_spot {
        format!("{state}（{}）", t.get("concern.on_spot"))
    } else {
        state
    }
}

fn printed_at(t: Tr) -> String {
    format!("{}{}{}", t.get("stats.printed_at"), colon(t), local_time(&Utc::now()))
}

/// The register's data: the round, its figures and every concern in reach.
pub fn register_doc(
    t: Tr,
    round: &qinglian_store::model::Round,
    meetings: usize,
    stats: &qinglian_domain::inspection::RoundStats,
    concerns: &[Concern],
) -> RegisterDoc {
    let figures = [
        ("inspection.meetings", meetings),
        ("concern.count", stats.total),
        ("concern.on_spot", stats.on_spot),
        ("stats.in_time", stats.answered_in_time),
        ("stats.late", stats.answered_late),
        ("concern.overdue", stats.overdue),
    ]
    .into_iter()
    .map(|(k, n)| (t.get(k), n.to_string()))
    .collect();
    let columns = [
        "pdf.index",
        "meeting.village",
        "concern.field.category_id",
        "concern.field.text",
        "concern.state",
        "concern.department",
        "concern.deadline",
        "concern.answer",
    ]
    .into_iter()
    .map(|k| t.get(k))
    .collect();
    let rows = concerns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                (i + 1).to_string(),
                format!("{} {}", c.township_name, c.village_name),
                c.category_name.clone(),
                c.text.clone(),
                state_label(t, c),
                c.department_name.clone().unwrap_or_default(),
                c.answer_deadline.map(|d| d.to_string()).unwrap_or_default(),
                c.answer.clone().unwrap_or_default(),
            ]
        })
        .collect();
    RegisterDoc {
        lang: typst_lang(t),
        title: format!("{} {}", round.name, t.get("stats.register")),
        subtitle: format!(
            "{}{}{} – {}",
            t.get("pdf.period"),
            colon(t),
            round.starts_on,
            round.ends_on
        ),
        figures,
        columns,
        rows,
        printed_at: printed_at(t),
        page: t.get("pdf.page"),
    }
}

/// The minutes' data: the meeting as recorded and the concerns raised there.
pub fn minutes_doc(t: Tr, meeting: &qinglian_store::model::Meeting, concerns: &[Concern]) -> MinutesDoc {
    let m = &meeting.meeting;
    let departments = meeting
        .departments
        .iter()
        .map(|d| d.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let facts = vec![
        (
            t.get("meeting.village"),
            format!("{} {}", m.township_name, m.village_name),
        ),
        (t.get("meeting.place"), m.place.clone()),
        (t.get("meeting.time"), local_time(&m.starts_at)),
        (
            t.get("inspection.group"),
            format!("{} · {}", m.round_name, m.group_name),
        ),
        (t.get("meeting.departments"), departments),
        (
            t.get("concern.count"),
            format!(
                "{} · {} {}",
                concerns.len(),
                t.get("concern.on_spot"),
                concerns.iter().filter(|c| c.on_spot).count()
            ),
        ),
    ];
    let columns = [
        "pdf.index",
        "concern.field.category_id",
        "concern.field.text",
        "concern.state",
        "concern.department",
        "concern.deadline",
    ]
    .into_iter()
    .map(|k| t.get(k))
    .collect();
    let rows = concerns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                (i + 1).to_string(),
                c.category_name.clone(),
                c.text.clone(),
                state_label(t, c),
                c.department_name.clone().unwrap_or_default(),
                c.answer_deadline.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    MinutesDoc {
        lang: typst_lang(t),
        title: format!("{} {}", m.village_name, t.get("pdf.minutes_title")),
        subtitle: format!("{} · {}", m.round_name, m.group_name),
        facts,
        attendance_label: t.get("meeting.attendance"),
        attendance: m.attendance.clone(),
        minutes_label: t.get("meeting.minutes"),
        minutes: m.minutes.clone(),
        concerns_label: t.get("pdf.raised"),
        columns,
        rows,
        signatures: vec![t.get("pdf.recorder"), t.get("pdf.reviewer")],
        date_label: t.get("pdf.date"),
        none: t.get("pdf.none"),
        colon: colon(t),
        printed_at: printed_at(t),
        page: t.get("pdf.page"),
    }
}

/// Renders off the async runtime: a long register takes a noticeable fraction of a second.
async fn render<D: Serialize + Send + 'static>(template: Template, doc: D) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(move || pdf::render(template, &doc))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))
}

/// Records the download and answers with the PDF as an attachment.
async fn download(
    state: &AppState,
    user: &CurrentUser,
    object_id: &str,
    detail: String,
    filename: String,
    bytes: Vec<u8>,
) -> Result<Response, AppError> {
    state
        .store
        .record_audit(
            &user.actor,
            AuditAction::ConcernView,
            Some(object_id),
            AuditResult::Ok,
            Some(&detail),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /staff/inspection/rounds/{id}/register.pdf`
pub async fn register(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let f = figures(&state, &reach, &id).await.map_err(err)?;
    let concerns = round_concerns(&state, &reach, &id).await.map_err(err)?;
    let doc = register_doc(t, &f.round, f.meetings.len(), &f.stats, &concerns);
    let bytes = render(pdf::REGISTER, doc).await.map_err(err)?;
    download(
        &state,
        &user,
        &id,
        format!("round {} register pdf, {} concerns", f.round.number, concerns.len()),
        format!("round-{}-register.pdf", f.round.number),
        bytes,
    )
    .await
    .map_err(err)
}

/// `GET /staff/inspection/meetings/{id}/minutes.pdf`
pub async fn minutes(
    State(state): State<AppState>,
    Scoped(user, t, reach, _): Scoped<cap::ReadInspection>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::new(e, t.lang);
    let meeting = state.store.get_meeting(&reach, &id).await.map_err(|e| err(e.into()))?;
    let filter = ConcernFilter {
        meeting_id: Some(id.clone()),
        ..ConcernFilter::default()
    };
    let concerns = all_concerns(&state, &reach, &filter).await.map_err(err)?;
    let date = meeting
        .meeting
        .starts_at
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .format("%Y%m%d");
    // The id goes into a header: only its leading letters, digits and hyphens.
    let short: String = id
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(8)
        .collect();
    let filename = format!("meeting-{date}-{short}-minutes.pdf");
    let doc = minutes_doc(t, &meeting, &concerns);
    let bytes = render(pdf::MINUTES, doc).await.map_err(err)?;
    download(
        &state,
        &user,
        &id,
        format!("meeting minutes pdf, {} concerns", concerns.len()),
        filename,
        bytes,
    )
    .await
    .map_err(err)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use qinglian_domain::inspection::RoundStats;
    use qinglian_store::model::{Meeting, MeetingRow, Round, Unit};

    /// Typst markup a villager might type; it must print as typed and change nothing else.
    const MARKUP: &str = "#set page(width: 1cm) *bold* ] <script>";

    fn round() -> Round {
        Round {
            id: "r1".into(),
            number: 8,
            name: "第八轮巡察".into(),
            starts_on: "2026-10-08".parse().unwrap(),
            ends_on: "2026-12-06".parse().unwrap(),
            group_count: 1,
            target_count: 1,
            meeting_count: 1,
            concern_count: 0,
        }
    }

    fn concern(i: usize, text: &str) -> Concern {
        let now = Utc::now();
        Concern {
            id: format!("c{i}"),
            round_id: Some("r1".into()),
            meeting_id: Some("m1".into()),
            village_id: "v1".into(),
            village_name: "上坪村".into(),
            township_id: "t1".into(),
            township_name: "东溪镇".into(),
            category_id: "k1".into(),
            category_name: "人居环境".into(),
            department_id: Some("d1".into()),
            department_name: Some("试验县住房和城乡建设局".into()),
            text: text.into(),
            source: "meeting".into(),
            state: "assigned".into(),
            on_spot: false,
            answer: None,
            answer_deadline: Some("2026-11-01".parse().unwrap()),
            version: 1,
            created_at: now,
            updated_at: now,
            closed_at: None,
            has_complainant: false,
        }
    }

    fn concerns(n: usize, markup_at: Option<usize>) -> Vec<Concern> {
        (0..n)
            .map(|i| {
                if Some(i) == markup_at {
                    concern(i, MARKUP)
                } else {
                    concern(i, &format!("第{}号问题：村口断头路未打通", i + 1))
                }
            })
            .collect()
    }

    fn register(n: usize, markup_at: Option<usize>) -> PagedDocument {
        let stats = RoundStats {
            total: n,
            ..RoundStats::default()
        };
        let doc = register_doc(Tr::new(Lang::Zh), &round(), 1, &stats, &concerns(n, markup_at));
        pdf::layout(pdf::REGISTER, &doc).unwrap()
    }

    use typst_layout::PagedDocument;

    /// All text of a page, spaces dropped (a line break may fall on a space).
    fn text(doc: &PagedDocument, page: usize) -> String {
        pdf::page_texts(doc)[page].concat().replace(' ', "")
    }

    fn sizes(doc: &PagedDocument) -> Vec<(f64, f64)> {
        doc.pages()
            .iter()
            .map(|p| (p.frame.width().to_pt().round(), p.frame.height().to_pt().round()))
            .collect()
    }

    #[test]
    fn the_register_is_a4_landscape_with_numbered_pages() {
        // Thirty concerns, each a row of one or two lines, fill two pages.
        let doc = register(30, None);
        assert_eq!(doc.pages().len(), 2);
        assert_eq!(sizes(&doc), vec![(842.0, 595.0); 2]);
        let first = text(&doc, 0);
        assert!(first.contains("第八轮巡察问题登记表"), "{first}");
        assert!(first.contains("巡察期间：2026-10-08–2026-12-06"), "{first}");
        assert!(first.contains("序号") && first.contains("答复时限"));
        assert!(first.contains("第1号问题：村口断头路未打通"));
        assert!(first.contains("第1页/共2页") && first.contains("打印时间："));
        let second = text(&doc, 1);
        assert!(second.contains("第30号问题") && second.contains("第2页/共2页"));
        // The header row repeats on the second page.
        assert!(second.contains("问题描述"));
    }

    #[test]
    fn markup_in_a_concern_prints_literally_and_changes_no_layout() {
        let plain = register(30, None);
        let marked = register(30, Some(0));
        assert_eq!(sizes(&marked), sizes(&plain), "no page size set from user text");
        assert_eq!(marked.pages().len(), plain.pages().len());
        let first = text(&marked, 0);
        assert!(first.contains("#setpage(width:1cm)*bold*]<script>"), "{first}");
    }

    #[test]
    fn the_minutes_carry_the_record_and_signature_lines() {
        let meeting = Meeting {
            meeting: MeetingRow {
                id: "m1".into(),
                round_id: "r1".into(),
                round_name: "第八轮巡察".into(),
                group_id: "g1".into(),
                group_name: "第一巡察组".into(),
                village_id: "v1".into(),
                village_name: "上坪村".into(),
                township_id: "t1".into(),
                township_name: "东溪镇".into(),
                place: "上坪村村委会".into(),
                starts_at: "2026-10-20T01:30:00Z".parse().unwrap(),
                attendance: "镇党委书记、村两委成员".into(),
                minutes: format!("第一项：道路。\n{MARKUP}"),
                publish_minutes: false,
                concern_count: 2,
                on_spot_count: 0,
            },
            departments: vec![Unit {
                id: "d1".into(),
                code: "zhujian".into(),
                name: "试验县住房和城乡建设局".into(),
            }],
        };
        let doc = minutes_doc(Tr::new(Lang::Zh), &meeting, &concerns(2, Some(1)));
        let laid = pdf::layout(pdf::MINUTES, &doc).unwrap();
        assert_eq!(sizes(&laid)[0], (595.0, 842.0), "A4 portrait, whatever the minutes say");
        let all: String = (0..laid.pages().len()).map(|p| text(&laid, p)).collect();
        for expected in [
            "上坪村现场办公会纪要",
            "上坪村村委会",
            "2026-10-2009:30",
            "试验县住房和城乡建设局",
            "镇党委书记、村两委成员",
            "第一项：道路。",
            "#setpage(width:1cm)*bold*]<script>",
            "记录人：",
            "审核人：",
            "第1号问题",
        ] {
            assert!(all.contains(expected), "{expected} missing from {all}");
        }
    }

    /// Render times of the register (run with `--ignored --nocapture`, ideally in release).
    #[test]
    #[ignore = "prints timings; no assertion on speed"]
    fn register_render_times() {
        let start = std::time::Instant::now();
        crate::pdf::warm_up();
        println!("font scan: {:?}", start.elapsed());
        for n in [36, 500] {
            let stats = RoundStats {
                total: n,
                ..RoundStats::default()
            };
            let doc = register_doc(Tr::new(Lang::Zh), &round(), 5, &stats, &concerns(n, None));
            let mut times: Vec<std::time::Duration> = (0..5)
                .map(|_| {
                    // Measure a cold document, not typst's memoised one from the run before.
                    typst::comemo::evict(0);
                    let start = std::time::Instant::now();
                    let bytes = pdf::render(pdf::REGISTER, &doc).unwrap();
                    assert!(bytes.starts_with(b"%PDF-"));
                    start.elapsed()
                })
                .collect();
            times.sort();
            println!("{n} concerns: median {:?} (runs {times:?})", times[2]);
        }
    }
}
