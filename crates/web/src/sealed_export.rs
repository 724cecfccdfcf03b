//! The sealed export (封存导出) of a remote interview for the trial department: one ZIP with
//! the transcript PDF, every attached file, a manifest of sizes and digests (also as
//! `SHA256SUMS` for `sha256sum -c`), the procedure log and the ledger proofs. Every file is
//! re-verified first; a mismatch blocks the export, is written into the file's chain of custody
//! and raises the alert.

use std::io::Write;

use chrono::Utc;
use qinglian_domain::evidence::CustodyKind;
use qinglian_domain::scope::Reach;
use qinglian_store::evidence::{EvidenceFile, EvidenceViewer, Hashing, VerifyError, verify_and_record};
use qinglian_store::model::{InterviewDetail, LedgerEntryRow};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;

/// One line of the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestLine {
    /// The path inside the package.
    pub path: String,
    pub kind: String,
    pub size: u64,
    pub sha256: String,
    pub sm3: String,
    /// The evidence file's id, for the attached files.
    pub evidence_file_id: Option<String>,
}

/// The package's description of itself.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub case_number: String,
    pub interview_id: String,
    pub witness: String,
    pub exported_at: String,
    pub exported_by: String,
    pub files: Vec<ManifestLine>,
}

/// What the ledger says of the interview and its files, with proofs a verifier can check
/// against the signed checkpoint in the same document.
#[derive(Debug, Serialize, Deserialize)]
pub struct LedgerProofs {
    /// The log's hash algorithm (`sha256` or `sm3`), fixed for the life of the log.
    pub algorithm: String,
    pub checkpoint: Option<String>,
    pub tree_size: u64,
    pub entries: Vec<ProvenEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ProvenEntry {
    pub object: String,
    pub index: u64,
    pub entry_type: String,
    /// The entry as stored (hex of its canonical encoding).
    pub entry: String,
    /// Hex hashes of the inclusion proof, leaf to root.
    pub inclusion: Vec<String>,
}

/// Why an export did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("evidence file {file_id} ({file_name}) failed re-verification: {detail}")]
    Blocked {
        file_id: String,
        file_name: String,
        detail: String,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

fn zip_name(i: usize, f: &EvidenceFile, kind: &str) -> String {
    // The stored name is already a safe base name; the index keeps two equal names apart.
    format!("files/{:02}-{kind}-{}", i + 1, f.original_name)
}

/// Builds the package into a temporary file and returns it, after re-verifying every file.
pub async fn build(
    state: &AppState,
    user: &CurrentUser,
    reach: &Reach,
    interview_id: &str,
    t: Tr,
) -> Result<(tempfile::NamedTempFile, String), ExportError> {
    let detail: InterviewDetail = state
        .store
        .get_interview(&user.actor, reach, interview_id)
        .await
        .map_err(AppError::from)?;
    // Access to the interview is access to its files.
    let everything = Reach::everything();
    let viewer = EvidenceViewer {
        account_id: user.actor.account_id.as_deref().unwrap_or(""),
        reach: &everything,
    };
    let mut files: Vec<(EvidenceFile, String)> = Vec::new();
    for a in &detail.files {
        let f = state
            .store
            .get_evidence(&viewer, &a.evidence_file_id)
            .await
            .map_err(AppError::from)?;
        files.push((f, a.kind.clone()));
    }
    // First pass: every digest re-verified, each outcome in the file's chain of custody.
    let blobs = state.evidence.blobs.clone();
    for (f, _) in &files {
        if let Err(e) = verify_and_record(state.store.as_ref(), blobs.as_ref(), &user.actor, f, &|_| {}).await {
            let detail = match &e {
                VerifyError::Mismatch(m) => format!("{} recorded {} found {}", m.which, m.recorded, m.found),
                other => other.to_string(),
            };
            return Err(ExportError::Blocked {
                file_id: f.id.clone(),
                file_name: f.original_name.clone(),
                detail,
            });
        }
    }

    let pdf_doc = crate::pages::cases::transcript_doc(t, &detail);
    let pdf = tokio::task::spawn_blocking(move || crate::pdf::render(crate::pdf::TRANSCRIPT, &pdf_doc))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;

    // The ZIP is written on a blocking thread; the blobs are read here and sent over.
    let tmp = tempfile::NamedTempFile::new().map_err(|e| AppError::Internal(e.into()))?;
    let out = tmp.reopen().map_err(|e| AppError::Internal(e.into()))?;
    let (tx, mut rx) = mpsc::channel::<Piece>(8);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(out));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        while let Some(piece) = rx.blocking_recv() {
            match piece {
                Piece::Start(name) => zip.start_file(name, stored).map_err(std::io::Error::other)?,
                Piece::Bytes(b) => zip.write_all(&b)?,
            }
        }
        zip.finish().map_err(std::io::Error::other)?.flush()
    });
    let send = |p: Piece| {
        let tx = tx.clone();
        async move {
            tx.send(p)
                .await
                .map_err(|_| AppError::Internal(anyhow::anyhow!("the export writer stopped")))
        }
    };

    let mut manifest = Vec::new();
    let pdf_digests = qinglian_store::evidence::Digests::of(&pdf);
    manifest.push(ManifestLine {
        path: "transcript.pdf".into(),
        kind: "transcript_pdf".into(),
        size: pdf.len() as u64,
        sha256: pdf_digests.sha256_hex(),
        sm3: pdf_digests.sm3_hex(),
        evidence_file_id: None,
    });
    send(Piece::Start("transcript.pdf".into())).await?;
    send(Piece::Bytes(pdf.into())).await?;

    // Second pass: the bytes written are hashed again on their way into the package, so the
    // package holds what was verified, never a blob changed in between.
    for (i, (f, kind)) in files.iter().enumerate() {
        let name = zip_name(i, f, kind);
        send(Piece::Start(name.clone())).await?;
        let key = f.key().map_err(|e| AppError::Internal(e.into()))?;
        let mut read = blobs.open(&key).await.map_err(|e| AppError::Internal(e.into()))?;
        let mut hashing = Hashing::new();
        let mut size = 0u64;
        use futures_util::StreamExt;
        while let Some(chunk) = read.stream.next().await {
            let chunk = chunk.map_err(|e| AppError::Internal(e.into()))?;
            hashing.update(&chunk);
            size += chunk.len() as u64;
            send(Piece::Bytes(chunk)).await?;
        }
        let d = hashing.finish();
        if d.sha256_hex() != f.sha256 || d.sm3_hex() != f.sm3 || size != f.size as u64 {
            state
                .store
                .record_custody(
                    &user.actor,
                    &f.id,
                    CustodyKind::VerifyFailed,
                    Some("changed during export"),
                )
                .await
                .map_err(AppError::from)?;
            return Err(ExportError::Blocked {
                file_id: f.id.clone(),
                file_name: f.original_name.clone(),
                detail: "changed during export".into(),
            });
        }
        manifest.push(ManifestLine {
            path: name,
            kind: kind.clone(),
            size,
            sha256: f.sha256.clone(),
            sm3: f.sm3.clone(),
            evidence_file_id: Some(f.id.clone()),
        });
    }

    let i = &detail.interview;
    let doc = Manifest {
        case_number: i.case_number.clone(),
        interview_id: i.id.clone(),
        witness: i.witness_shown.clone(),
        exported_at: Utc::now().to_rfc3339(),
        exported_by: user.session.staff_name.clone(),
        files: manifest.clone(),
    };
    send(Piece::Start("manifest.json".into())).await?;
    send(Piece::Bytes(pretty(&doc)?.into())).await?;
    let sums: String = manifest.iter().map(|m| format!("{}  {}\n", m.sha256, m.path)).collect();
    send(Piece::Start("SHA256SUMS".into())).await?;
    send(Piece::Bytes(sums.into_bytes().into())).await?;
    send(Piece::Start("procedure-log.json".into())).await?;
    send(Piece::Bytes(pretty(&detail.events)?.into())).await?;
    let proofs = ledger_proofs(state, &detail, &files).await?;
    send(Piece::Start("ledger-proofs.json".into())).await?;
    send(Piece::Bytes(pretty(&proofs)?.into())).await?;
    drop(tx);
    writer
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;

    for (f, _) in &files {
        state
            .store
            .record_custody(
                &user.actor,
                &f.id,
                CustodyKind::Export,
                Some(&format!("sealed export of {}", i.case_number)),
            )
            .await
            .map_err(AppError::from)?;
    }
    let filename = format!(
        "sealed-{}-{}.zip",
        i.case_number.chars().filter(char::is_ascii_digit).collect::<String>(),
        &i.id[..8.min(i.id.len())]
    );
    Ok((tmp, filename))
}

enum Piece {
    Start(String),
    Bytes(bytes::Bytes),
}

/// JSON for the package, pretty-printed so a reader can check it by eye.
fn pretty<T: Serialize>(value: &T) -> Result<Vec<u8>, AppError> {
    serde_json::to_vec_pretty(value).map_err(|e| AppError::Internal(e.into()))
}

/// The ledger entries of the interview and of each file's intake, each proven included in the
/// tree of the latest signed checkpoint (entries not yet integrated are listed without proof).
async fn ledger_proofs(
    state: &AppState,
    detail: &InterviewDetail,
    files: &[(EvidenceFile, String)],
) -> Result<LedgerProofs, AppError> {
    // Everything so far is integrated and checkpointed, so every entry comes with its proof.
    crate::ledger::integrate(state).await?;
    let checkpoint = state.store.latest_checkpoint().await?;
    let size = checkpoint.as_ref().map_or(0, |c| c.size as u64);
    let mut objects = vec![detail.interview.id.clone()];
    objects.extend(files.iter().map(|(f, _)| f.id.clone()));
    let mut entries = Vec::new();
    for object in objects {
        let rows: Vec<LedgerEntryRow> = state.store.ledger_entries_for(&object).await?;
        for row in rows {
            let index = row.idx as u64;
            let inclusion = if index < size {
                crate::ledger::inclusion(state, index, size)
                    .await
                    .map(|p| p.0.iter().map(hex::encode).collect())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            entries.push(ProvenEntry {
                object: object.clone(),
                index,
                entry_type: row.entry_type.clone(),
                entry: hex::encode(&row.entry),
                inclusion,
            });
        }
    }
    Ok(LedgerProofs {
        algorithm: state.settings.ledger_algorithm().as_str().to_owned(),
        checkpoint: checkpoint.map(|c| c.note),
        tree_size: size,
        entries,
    })
}
