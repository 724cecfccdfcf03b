//! The demo's remote interview, taken to the end: planned with the case team's two members,
//! every step of the procedure in order, a transcript confirmed by the witness, and a short
//! generated recording and the signed copy taken into the evidence store, so the sealed export
//! and `qinglian evidence verify` have something real to work on.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use qinglian_domain::evidence::{FileName, MediaType};
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::interview::{Act, IdNumber, PlanForm, PlanInput, QaEntry, Step};
use qinglian_domain::scope::Reach;
use qinglian_store::Store;
use qinglian_store::model::{Actor, CaseFile, PageRequest, Staff};

use super::{DemoError, DemoEvidence, acting, at};

/// The questions and answers of the demo transcript.
const TRANSCRIPT: [(&str, &str); 5] = [
    (
        "问：我们是县纪委监委交叉办案组的工作人员，已向你出示工作证件。你是否听清了刚才宣读的权利义务？",
        "答：听清了。",
    ),
    (
        "问：你与被反映人是什么关系？",
        "答：我是村里的报账员，和他共事多年，没有亲属关系。",
    ),
    (
        "问：2025年村里的征地补偿款是怎么发放的？",
        "答：镇里拨到村集体账户后，由他签字从账户转出，一部分没有按花名册发到农户手里。",
    ),
    (
        "问：你是否保留了相关凭证？",
        "答：我保留了转账凭证的复印件，可以交给组织。",
    ),
    ("问：以上所说是否属实？", "答：属实。"),
];

/// A few seconds of a 440 Hz tone as 8 kHz mono 16-bit WAV: a small, playable recording.
pub fn tone_wav(seconds: u32) -> Vec<u8> {
    let rate = 8_000u32;
    let samples = rate * seconds;
    let mut out = Vec::with_capacity(44 + 2 * samples as usize);
    for part in [
        &b"RIFF"[..],
        &(36 + 2 * samples).to_le_bytes(),
        b"WAVEfmt ",
        &16u32.to_le_bytes(),
    ] {
        out.extend_from_slice(part);
    }
    for part in [&1u16.to_le_bytes()[..], &1u16.to_le_bytes(), &rate.to_le_bytes()] {
        out.extend_from_slice(part);
    }
    for part in [&(2 * rate).to_le_bytes()[..], &2u16.to_le_bytes(), &16u16.to_le_bytes()] {
        out.extend_from_slice(part);
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(2 * samples).to_le_bytes());
    for i in 0..samples {
        let v = (f64::from(i) * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 8_000.0;
        out.extend_from_slice(&(v as i16).to_le_bytes());
    }
    out
}

/// Runs the interview of the register's first case with a team of two; returns its id.
pub(super) async fn write(
    store: &dyn Store,
    evidence: &DemoEvidence<'_>,
    actor: &Actor,
    today: chrono::NaiveDate,
) -> Result<String, DemoError> {
    let all = Reach::everything();
    let staff = store.all_staff().await.map_err(at("interview"))?;
    let cases = store
        .list_cases(actor, &all, PageRequest::new(1, 100))
        .await
        .map_err(at("interview"))?;
    let mut chosen: Option<(CaseFile, Vec<Staff>)> = None;
    for case in cases.items {
        let detail = store
            .get_clue(actor, &all, &case.clue_id)
            .await
            .map_err(at("interview"))?;
        let team: Vec<Staff> = detail
            .team
            .iter()
            .filter_map(|m| staff.iter().find(|s| s.id == m.staff_id).cloned())
            .collect();
        if team.len() >= 2 {
            chosen = Some((case, team));
            break;
        }
    }
    let Some((case, team)) = chosen else {
        return Err(DemoError::Incomplete(
            "no case with a team of two for the remote interview",
        ));
    };
    let (first, second) = (acting(actor, &team[0]), acting(actor, &team[1]));

    // Three days ago at three in the afternoon, China time; consent by phone the day before.
    let day = today - Duration::days(3);
    let start: DateTime<Utc> = CHINA
        .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(15, 0, 0).unwrap_or_default()))
        .single()
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let id_number = IdNumber::complete("id_number", &format!("{}19780314023", &super::COUNTY_CODE))?;
    let plan = PlanInput::parse(&PlanForm {
        witness_name: "周秀兰".into(),
        protected: None,
        alias: String::new(),
        id_number: id_number.as_str().to_owned(),
        phone: "13800000000".into(),
        investigator_ids: vec![team[0].id.clone(), team[1].id.clone()],
        platform: "政务视频会议系统".into(),
        link: "https://video.qinglian.example/room/2026-demo".into(),
        scheduled_at: start.to_rfc3339(),
        consent_caller_id: team[0].id.clone(),
        consent_called_at: (start - Duration::hours(20)).to_rfc3339(),
        consent_agreed: "证人同意次日下午三时在村委会通过视频接受询问，并同意全程录音录像".into(),
    })?;
    let interview = store
        .plan_interview(actor, &all, &case.id, &plan, None)
        .await
        .map_err(at("interview"))?;
    let id = interview.id;
    // The team works under the county's authorisation, which the interview references.
    if let Some(a) = store
        .authorisation_for(&case.clue_id, today)
        .await
        .map_err(at("interview authorisation"))?
    {
        store
            .authorise_interview(actor, &all, &id, &a.authorisation.id, today)
            .await
            .map_err(at("interview authorisation"))?;
    }
    let take = |step: Step, detail: Option<&str>| -> Result<Act, DemoError> {
        Ok(Act::Take {
            step,
            detail: detail.map(|d| Text::parse("detail", d)).transpose()?,
        })
    };
    // Each act two minutes after the one before.
    let acts = async |acts: Vec<(&Actor, Act)>, from: DateTime<Utc>| -> Result<(), DemoError> {
        for (i, (who, a)) in acts.iter().enumerate() {
            let now = from + Duration::minutes(2 * (i as i64 + 1));
            store
                .interview_act(who, &all, &id, a, now)
                .await
                .map_err(at("interview procedure"))?;
        }
        Ok(())
    };
    acts(
        vec![
            (&first, Act::CheckIn),
            (&second, Act::CheckIn),
            (&first, take(Step::RecordingStarted, None)?),
            (&first, take(Step::CredentialsShown, None)?),
            (&first, take(Step::RightsRead, None)?),
            (
                &second,
                take(Step::IdentityVerified, Some("证人出示居民身份证原件，视频中比对一致"))?,
            ),
            (&first, take(Step::Questioning, None)?),
        ],
        start,
    )
    .await?;
    let entries: Vec<QaEntry> = TRANSCRIPT
        .iter()
        .map(|(q, a)| QaEntry {
            question: (*q).to_owned(),
            answer: (*a).to_owned(),
        })
        .collect();
    store
        .save_transcript(&second, &all, &id, 0, &entries, start + Duration::minutes(40))
        .await
        .map_err(at("interview transcript"))?;
    acts(
        vec![(&first, take(Step::TranscriptReadBack, None)?)],
        start + Duration::minutes(60),
    )
    .await?;

    // The witness signs the printed transcript; its scan and the recording are taken in.
    let detail = store.get_interview(actor, &all, &id).await.map_err(at("interview"))?;
    let signed = tokio::task::spawn_blocking(move || qinglian_web::pdf::interview_transcript(&detail))
        .await
        .map_err(|_| DemoError::Incomplete("the transcript could not be printed"))?
        .map_err(|_| DemoError::Incomplete("the transcript could not be printed"))?;
    for (who, name, media, bytes, kind) in [
        (&second, "询问录音.wav", "audio/wav", tone_wav(4), "recording"),
        (
            &first,
            "签字笔录扫描件.pdf",
            "application/pdf",
            signed,
            "signed_transcript",
        ),
    ] {
        let file = qinglian_store::evidence::intake_bytes(
            store,
            evidence.blobs,
            evidence.staging,
            who,
            FileName::parse("filename", name)?,
            MediaType::parse("filetype", media)?,
            bytes,
        )
        .await?;
        store
            .attach_interview_file(who, &all, &id, &file.id, kind)
            .await
            .map_err(at("interview files"))?;
    }
    acts(
        vec![
            (&first, take(Step::TranscriptConfirmed, Some("证人逐页签名并捺印"))?),
            (&second, take(Step::RecordingStopped, None)?),
        ],
        start + Duration::minutes(70),
    )
    .await?;
    Ok(id)
}
