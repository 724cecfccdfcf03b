//! Remote interviews: the plan, and the procedure that must be passed in order so that the
//! trial department can rely on what was gathered (legality and objectivity of evidence).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Invalid, Name};
use crate::inspection::{Text, parse_time};

/// The steps of the procedure, in the only order they may be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Both (all) investigators present and signed in: completed by the last check-in.
    InvestigatorsPresent,
    /// 同步录音录像开始
    RecordingStarted,
    /// 出示工作证件
    CredentialsShown,
    /// 告知权利义务 (the text shown from a template)
    RightsRead,
    /// 核实身份 (how it was verified)
    IdentityVerified,
    /// 询问
    Questioning,
    /// 笔录宣读/核对
    TranscriptReadBack,
    /// 笔录确认 (the witness's signed copy uploaded)
    TranscriptConfirmed,
    /// 录音录像结束
    RecordingStopped,
}

impl Step {
    pub const ORDER: [Step; 9] = [
        Self::InvestigatorsPresent,
        Self::RecordingStarted,
        Self::CredentialsShown,
        Self::RightsRead,
        Self::IdentityVerified,
        Self::Questioning,
        Self::TranscriptReadBack,
        Self::TranscriptConfirmed,
        Self::RecordingStopped,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvestigatorsPresent => "investigators_present",
            Self::RecordingStarted => "recording_started",
            Self::CredentialsShown => "credentials_shown",
            Self::RightsRead => "rights_read",
            Self::IdentityVerified => "identity_verified",
            Self::Questioning => "questioning",
            Self::TranscriptReadBack => "transcript_read_back",
            Self::TranscriptConfirmed => "transcript_confirmed",
            Self::RecordingStopped => "recording_stopped",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ORDER
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "interview.step_unknown", Some(raw)))
    }

    /// Message key of the step's name.
    pub const fn label_key(self) -> &'static str {
        match self {
            Self::InvestigatorsPresent => "interview.step.investigators_present",
            Self::RecordingStarted => "interview.step.recording_started",
            Self::CredentialsShown => "interview.step.credentials_shown",
            Self::RightsRead => "interview.step.rights_read",
            Self::IdentityVerified => "interview.step.identity_verified",
            Self::Questioning => "interview.step.questioning",
            Self::TranscriptReadBack => "interview.step.transcript_read_back",
            Self::TranscriptConfirmed => "interview.step.transcript_confirmed",
            Self::RecordingStopped => "interview.step.recording_stopped",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    pub fn after(done: Option<Step>) -> Option<Step> {
        match done {
            None => Some(Step::InvestigatorsPresent),
            Some(s) => Step::ORDER.get(s.index() + 1).copied(),
        }
    }
}

/// What one investigator does on the procedure page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    /// "I am present and signed in."
    CheckIn,
    /// Take the next step; `detail` says how identity was verified, or names the uploaded
    /// signed copy of the transcript.
    Take {
        step: Step,
        detail: Option<Text>,
    },
    /// A pause (requested) or an interruption (link lost, witness unwell), with its reason.
    Pause {
        interruption: bool,
        reason: Text,
    },
    Resume,
}

impl Act {
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::CheckIn => "check_in",
            Self::Take { .. } => "step",
            Self::Pause {
                interruption: false, ..
            } => "pause",
            Self::Pause { interruption: true, .. } => "interruption",
            Self::Resume => "resume",
        }
    }

    pub fn parse(kind: &str, step: &str, detail: &str) -> Result<Self, Invalid> {
        let detail_text = || {
            if detail.trim().is_empty() {
                Ok(None)
            } else {
                Text::parse("detail", detail).map(Some)
            }
        };
        match kind.trim() {
            "check_in" => Ok(Self::CheckIn),
            "step" => Ok(Self::Take {
                step: Step::parse("step", step)?,
                detail: detail_text()?,
            }),
            "pause" | "interruption" => Ok(Self::Pause {
                interruption: kind.trim() == "interruption",
                reason: Text::parse("detail", detail)?,
            }),
            "resume" => Ok(Self::Resume),
            other => Err(Invalid::field("kind", "interview.act_unknown", Some(other))),
        }
    }
}

/// What the procedure knows when an act arrives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcedureFacts {
    pub investigators: Vec<String>,
    pub checked_in: BTreeSet<String>,
    pub done: Option<Step>,
    pub paused: bool,
    /// Question/answer pairs in the transcript's latest version.
    pub transcript_entries: usize,
    /// Whether a signed copy of the transcript has been uploaded and attached.
    pub signed_copy_attached: bool,
}

/// What an accepted act changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The step now completed, if any (a check-in completes the first step when it is the last).
    pub completed: Option<Step>,
    pub paused: bool,
}

/// Decides an act against the procedure; a refusal names the rule, and for an out-of-order
/// step, the step that must come next.
pub fn next(facts: &ProcedureFacts, actor_staff_id: &str, act: &Act) -> Result<Accepted, Invalid> {
    if !facts.investigators.iter().any(|i| i == actor_staff_id) {
        return Err(Invalid::field("actor", "interview.not_investigator", None));
    }
    if facts.done == Some(Step::RecordingStopped) {
        return Err(Invalid::field("kind", "interview.finished", None));
    }
    let recording = facts.done.is_some_and(|d| d >= Step::RecordingStarted);
    match act {
        Act::CheckIn => {
            if facts.done.is_some() {
                return Err(Invalid::field("kind", "interview.checkin_closed", None));
            }
            if facts.checked_in.contains(actor_staff_id) {
                return Err(Invalid::field("kind", "interview.already_checked_in", None));
            }
            let all = facts
                .investigators
                .iter()
                .all(|i| i == actor_staff_id || facts.checked_in.contains(i));
            Ok(Accepted {
                completed: all.then_some(Step::InvestigatorsPresent),
                paused: false,
            })
        }
        Act::Pause { .. } => {
            if !recording {
                return Err(Invalid::field("kind", "interview.not_recording", None));
            }
            if facts.paused {
                return Err(Invalid::field("kind", "interview.already_paused", None));
            }
            Ok(Accepted {
                completed: None,
                paused: true,
            })
        }
        Act::Resume => {
            if !facts.paused {
                return Err(Invalid::field("kind", "interview.not_paused", None));
            }
            Ok(Accepted {
                completed: None,
                paused: false,
            })
        }
        Act::Take { step, detail } => {
            if facts.paused {
                return Err(Invalid::field("kind", "interview.paused", None));
            }
            let expected = Step::after(facts.done);
            if expected != Some(*step) || *step == Step::InvestigatorsPresent {
                let name = expected.map(Step::as_str).unwrap_or("-");
                return Err(Invalid::field("step", "interview.out_of_order", Some(name)));
            }
            match step {
                Step::IdentityVerified if detail.is_none() => {
                    Err(Invalid::field("detail", "interview.identity_how_missing", None))
                }
                Step::TranscriptReadBack if facts.transcript_entries == 0 => {
                    Err(Invalid::field("step", "interview.transcript_empty", None))
                }
                Step::TranscriptConfirmed if !facts.signed_copy_attached => {
                    Err(Invalid::field("step", "interview.signed_copy_missing", None))
                }
                _ => Ok(Accepted {
                    completed: Some(*step),
                    paused: false,
                }),
            }
        }
    }
}

/// Whether the transcript may be edited: from questioning until it is confirmed.
pub fn transcript_editable(done: Option<Step>) -> bool {
    matches!(done, Some(Step::Questioning | Step::TranscriptReadBack))
}

/// One question and its answer in a transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaEntry {
    pub question: String,
    pub answer: String,
}

/// The most question/answer pairs one transcript may hold, and the longest text of each.
pub const TRANSCRIPT_MAX_ENTRIES: usize = 500;
pub const QA_MAX_CHARS: usize = 10_000;

/// Parses a transcript body: bounded entries, no control characters but line breaks,
/// questions never empty (an answer may be, while it is being typed).
pub fn parse_transcript(entries: Vec<QaEntry>) -> Result<Vec<QaEntry>, Invalid> {
    if entries.len() > TRANSCRIPT_MAX_ENTRIES {
        return Err(Invalid::field("entries", "transcript.too_many", None));
    }
    let bad = |s: &str| s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t');
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let field = format!("entries[{i}]");
        let (q, a) = (
            e.question.trim().replace("\r\n", "\n"),
            e.answer.trim().replace("\r\n", "\n"),
        );
        if q.is_empty() && a.is_empty() {
            continue;
        }
        if q.is_empty() {
            return Err(Invalid::field(field, "transcript.question_empty", None));
        }
        if q.chars().count() > QA_MAX_CHARS || a.chars().count() > QA_MAX_CHARS {
            return Err(Invalid::field(field, "text.too_long", None));
        }
        if bad(&q) || bad(&a) {
            return Err(Invalid::field(field, "text.control_chars", None));
        }
        out.push(QaEntry { question: q, answer: a });
    }
    Ok(out)
}

/// The ISO 7064 MOD 11-2 check character of 17 ASCII digits.
fn check_char(digits: &[u8]) -> u8 {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = digits.iter().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    b"10X98765432"[(sum % 11) as usize]
}

/// A resident identity number (GB 11643): 17 digits and an ISO 7064 MOD 11-2 check character.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(Invalid::field(field, "id_number.shape", None));
        }
        if bytes[17] != check_char(&bytes[..17]) {
            return Err(Invalid::field(field, "id_number.check", None));
        }
        Ok(Self(s))
    }

    /// The number whose first 17 digits are `first17`, with its check character appended
    /// (for generated data, e.g. the demo county's fictional witnesses).
    pub fn complete(field: &str, first17: &str) -> Result<Self, Invalid> {
        let bytes = first17.as_bytes();
        if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(Invalid::field(field, "id_number.shape", None));
        }
        let mut s = first17.to_owned();
        s.push(char::from(check_char(bytes)));
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle hidden, for screens that need only to tell people apart.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The witness as the plan records them: in the clear, or by a protected alias whose real
/// identity goes to the classified volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// The real name, or the alias when protected.
    pub shown_name: Name,
    pub protected: bool,
    pub real_name: Name,
    pub id_number: IdNumber,
    pub phone: Option<String>,
}

/// The prior consent, given by phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub caller_staff_id: String,
    pub called_at: DateTime<Utc>,
    pub agreed: Text,
}

/// An interview plan for a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInput {
    pub witness: Witness,
    pub investigator_ids: Vec<String>,
    pub platform: Name,
    pub link: String,
    pub scheduled_at: DateTime<Utc>,
    pub consent: Consent,
}

/// The raw fields of the plan form, one string each.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanForm {
    pub witness_name: String,
    #[serde(default)]
    pub protected: Option<String>,
    #[serde(default)]
    pub alias: String,
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub investigator_ids: Vec<String>,
    pub platform: String,
    pub link: String,
    pub scheduled_at: String,
    pub consent_caller_id: String,
    pub consent_called_at: String,
    pub consent_agreed: String,
}

impl PlanInput {
    pub fn parse(form: &PlanForm) -> Result<Self, Invalid> {
        let protected = form.protected.as_deref().is_some_and(|v| !v.is_empty() && v != "false");
        let real_name = Name::parse("witness_name", &form.witness_name);
        let alias = if protected {
            Name::parse("alias", &form.alias)
        } else {
            real_name.clone()
        };
        let id_number = IdNumber::parse("id_number", &form.id_number);
        let phone = form.phone.trim();
        let phone = if phone.is_empty() {
            Ok(None)
        } else if phone.len() <= 20 && phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+') {
            Ok(Some(phone.to_owned()))
        } else {
            Err(Invalid::field("phone", "concern.phone", Some(phone)))
        };
        let mut ids: Vec<String> = form
            .investigator_ids
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let before = ids.len();
        ids.sort();
        ids.dedup();
        let investigators = if ids.len() != before {
            Err(Invalid::field("investigator_ids", "interview.investigator_twice", None))
        } else if ids.len() < 2 {
            Err(Invalid::field("investigator_ids", "interview.two_investigators", None))
        } else {
            Ok(ids)
        };
        let platform = Name::parse("platform", &form.platform);
        let link = form.link.trim();
        let link = if (link.starts_with("https://") || link.starts_with("http://"))
            && link.len() <= 500
            && !link.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            Ok(link.to_owned())
        } else {
            Err(Invalid::field("link", "interview.link_shape", Some(link)))
        };
        let scheduled_at = parse_time("scheduled_at", &form.scheduled_at);
        let called_at = parse_time("consent_called_at", &form.consent_called_at);
        let consent_order = match (&scheduled_at, &called_at) {
            (Ok(s), Ok(c)) if c > s => Some(Invalid::field(
                "consent_called_at",
                "interview.consent_after_schedule",
                None,
            )),
            _ => None,
        };
        let caller = if form.consent_caller_id.trim().is_empty() {
            Err(Invalid::field(
                "consent_caller_id",
                "interview.consent_caller_missing",
                None,
            ))
        } else {
            Ok(form.consent_caller_id.trim().to_owned())
        };
        let agreed = Text::parse("consent_agreed", &form.consent_agreed);
        Invalid::collect([
            real_name.as_ref().err().cloned(),
            alias.as_ref().err().cloned(),
            id_number.as_ref().err().cloned(),
            phone.as_ref().err().cloned(),
            investigators.as_ref().err().cloned(),
            platform.as_ref().err().cloned(),
            link.as_ref().err().cloned(),
            scheduled_at.as_ref().err().cloned(),
            called_at.as_ref().err().cloned(),
            consent_order,
            caller.as_ref().err().cloned(),
            agreed.as_ref().err().cloned(),
        ])?;
        Ok(Self {
            witness: Witness {
                shown_name: alias?,
                protected,
                real_name: real_name?,
                id_number: id_number?,
                phone: phone?,
            },
            investigator_ids: investigators?,
            platform: platform?,
            link: link?,
            scheduled_at: scheduled_at?,
            consent: Consent {
                caller_staff_id: caller?,
                called_at: called_at?,
                agreed: agreed?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ProcedureFacts {
        ProcedureFacts {
            investigators: vec!["a".into(), "b".into()],
            ..Default::default()
        }
    }

    fn take(step: Step) -> Act {
        Act::Take { step, detail: None }
    }

    fn apply(f: &mut ProcedureFacts, who: &str, act: &Act) -> Result<(), &'static str> {
        let ok = next(f, who, act).map_err(|e| e.fields[0].key)?;
        if matches!(act, Act::CheckIn) {
            f.checked_in.insert(who.to_owned());
        }
        if let Some(s) = ok.completed {
            f.done = Some(s);
        }
        f.paused = ok.paused;
        Ok(())
    }

    #[test]
    fn the_procedure_passes_in_order_and_only_in_order() {
        let mut f = facts();
        assert_eq!(apply(&mut f, "x", &Act::CheckIn), Err("interview.not_investigator"));
        assert_eq!(
            apply(&mut f, "a", &take(Step::RecordingStarted)),
            Err("interview.out_of_order")
        );
        apply(&mut f, "a", &Act::CheckIn).unwrap();
        assert_eq!(f.done, None, "one investigator is not both");
        assert_eq!(apply(&mut f, "a", &Act::CheckIn), Err("interview.already_checked_in"));
        apply(&mut f, "b", &Act::CheckIn).unwrap();
        assert_eq!(f.done, Some(Step::InvestigatorsPresent));
        apply(&mut f, "a", &take(Step::RecordingStarted)).unwrap();
        // Skipping the credentials is refused, naming the step that must come first.
        let e = next(&f, "a", &take(Step::RightsRead)).unwrap_err();
        assert_eq!(e.fields[0].key, "interview.out_of_order");
        assert_eq!(e.fields[0].value.as_deref(), Some("credentials_shown"));
        apply(&mut f, "b", &take(Step::CredentialsShown)).unwrap();
        apply(&mut f, "a", &take(Step::RightsRead)).unwrap();
        assert_eq!(
            apply(&mut f, "a", &take(Step::IdentityVerified)),
            Err("interview.identity_how_missing")
        );
        let how = Text::parse("d", "身份证原件视频展示并与公安系统照片比对").unwrap();
        apply(
            &mut f,
            "a",
            &Act::Take {
                step: Step::IdentityVerified,
                detail: Some(how),
            },
        )
        .unwrap();
        assert!(!transcript_editable(f.done));
        apply(&mut f, "a", &take(Step::Questioning)).unwrap();
        assert!(transcript_editable(f.done));
        // A pause stops every step until resumed; it is recorded as such.
        let reason = Text::parse("d", "网络中断").unwrap();
        apply(
            &mut f,
            "b",
            &Act::Pause {
                interruption: true,
                reason,
            },
        )
        .unwrap();
        assert_eq!(
            apply(&mut f, "a", &take(Step::TranscriptReadBack)),
            Err("interview.paused")
        );
        apply(&mut f, "a", &Act::Resume).unwrap();
        assert_eq!(apply(&mut f, "a", &Act::Resume), Err("interview.not_paused"));
        assert_eq!(
            apply(&mut f, "a", &take(Step::TranscriptReadBack)),
            Err("interview.transcript_empty")
        );
        f.transcript_entries = 3;
        apply(&mut f, "a", &take(Step::TranscriptReadBack)).unwrap();
        assert_eq!(
            apply(&mut f, "a", &take(Step::TranscriptConfirmed)),
            Err("interview.signed_copy_missing")
        );
        f.signed_copy_attached = true;
        apply(&mut f, "a", &take(Step::TranscriptConfirmed)).unwrap();
        assert!(!transcript_editable(f.done), "a confirmed transcript is frozen");
        // Stopping the recording is the last step; nothing follows it.
        assert_eq!(
            apply(&mut f, "a", &take(Step::TranscriptConfirmed)),
            Err("interview.out_of_order")
        );
        apply(&mut f, "b", &take(Step::RecordingStopped)).unwrap();
        assert_eq!(apply(&mut f, "b", &Act::Resume), Err("interview.finished"));
    }

    #[test]
    fn no_pause_before_recording_and_no_check_in_after_start() {
        let mut f = facts();
        let reason = Text::parse("d", "休息").unwrap();
        assert_eq!(
            apply(
                &mut f,
                "a",
                &Act::Pause {
                    interruption: false,
                    reason
                }
            ),
            Err("interview.not_recording")
        );
        apply(&mut f, "a", &Act::CheckIn).unwrap();
        apply(&mut f, "b", &Act::CheckIn).unwrap();
        assert_eq!(apply(&mut f, "b", &Act::CheckIn), Err("interview.checkin_closed"));
        assert_eq!(
            apply(&mut f, "a", &take(Step::InvestigatorsPresent)),
            Err("interview.out_of_order")
        );
    }

    #[test]
    fn identity_numbers_carry_their_check_digit() {
        // 11010519491231002X is the standard's own example.
        let id = IdNumber::parse("id", "11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "1101**********002X");
        assert_eq!(
            IdNumber::parse("id", "110105194912310021").unwrap_err().fields[0].key,
            "id_number.check"
        );
        assert_eq!(
            IdNumber::parse("id", "1101").unwrap_err().fields[0].key,
            "id_number.shape"
        );
        // Completing the standard's example gives its check character back.
        assert_eq!(
            IdNumber::complete("id", "11010519491231002").unwrap().as_str(),
            "11010519491231002X"
        );
        assert_eq!(
            IdNumber::complete("id", "1101051949123100").unwrap_err().fields[0].key,
            "id_number.shape"
        );
    }

    fn form() -> PlanForm {
        PlanForm {
            witness_name: "证人甲".into(),
            protected: None,
            alias: String::new(),
            id_number: "11010519491231002X".into(),
            phone: "13800000000".into(),
            investigator_ids: vec!["s1".into(), "s2".into()],
            platform: "腾讯会议".into(),
            link: "https://meeting.example/j/123".into(),
            scheduled_at: "2026-11-28T09:00".into(),
            consent_caller_id: "s1".into(),
            consent_called_at: "2026-11-26T15:00".into(),
            consent_agreed: "同意于11月28日上午远程询问".into(),
        }
    }

    #[test]
    fn a_plan_needs_two_investigators_and_consent_before_the_interview() {
        let p = PlanInput::parse(&form()).unwrap();
        assert_eq!(p.witness.shown_name.as_str(), "证人甲");
        let mut f = form();
        f.protected = Some("on".into());
        f.alias = "证人A".into();
        let p = PlanInput::parse(&f).unwrap();
        assert!(p.witness.protected);
        assert_eq!(p.witness.shown_name.as_str(), "证人A");
        assert_eq!(p.witness.real_name.as_str(), "证人甲");
        let mut f = form();
        f.investigator_ids = vec!["s1".into(), "s1".into()];
        f.consent_called_at = "2026-11-29T09:00".into();
        f.link = "javascript:alert(1)".into();
        let keys: Vec<&str> = PlanInput::parse(&f).unwrap_err().fields.iter().map(|e| e.key).collect();
        assert_eq!(
            keys,
            vec![
                "interview.investigator_twice",
                "interview.link_shape",
                "interview.consent_after_schedule"
            ]
        );
    }

    #[test]
    fn transcripts_drop_empty_pairs_and_refuse_answers_without_questions() {
        let e = |q: &str, a: &str| QaEntry {
            question: q.into(),
            answer: a.into(),
        };
        let t = parse_transcript(vec![e("问：姓名？", "答：张三"), e(" ", " ")]).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(
            parse_transcript(vec![e("", "答")]).unwrap_err().fields[0].key,
            "transcript.question_empty"
        );
        assert_eq!(
            parse_transcript(vec![e("q\u{7}", "")]).unwrap_err().fields[0].key,
            "text.control_chars"
        );
    }
}
