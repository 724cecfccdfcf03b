//! Checking a sealed package offline, as the trial department does with what it received:
//! every file against the manifest and `SHA256SUMS`, nothing unlisted, the checkpoint's
//! signature against the log's published key, every ledger entry proven included, and each
//! evidence file's intake entry committing to exactly the digests and size the manifest gives.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use qinglian_domain::audit::AuditAction;
use qinglian_ledger::{Algorithm, Checkpoint, Entry, Hash, HashAlgorithm, NoteVerifier, Sha256, Sm3};
use qinglian_store::evidence::{Hashing, intake_detail};

use crate::sealed_export::{LedgerProofs, Manifest};

/// The most a metadata file may hold; a larger one is refused rather than read.
const MAX_METADATA: u64 = 64 << 20;

/// The package's own files besides those the manifest lists.
const METADATA: [&str; 4] = [
    "manifest.json",
    "SHA256SUMS",
    "procedure-log.json",
    "ledger-proofs.json",
];

/// A package that could not be read as one at all.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("cannot read the package: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a ZIP package: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("{file} is missing or malformed: {detail}")]
    Metadata { file: &'static str, detail: String },
}

/// One thing found wrong in a readable package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("{path}: listed in the manifest but not in the package")]
    Missing { path: String },
    #[error("{path}: in the package but not listed in the manifest")]
    Unlisted { path: String },
    #[error("{path}: {which} is {found}, the manifest says {listed}")]
    Mismatch {
        path: String,
        which: &'static str,
        listed: String,
        found: String,
    },
    #[error("SHA256SUMS does not match the manifest: {detail}")]
    Sums { detail: String },
    #[error("the checkpoint does not verify: {detail}")]
    Checkpoint { detail: String },
    #[error("ledger entry {index} ({object}): {detail}")]
    Entry { index: u64, object: String, detail: String },
    #[error("{path}: no ledger entry proves its intake with these digests")]
    Unproven { path: String },
}

/// What a check found.
#[derive(Debug, Default)]
pub struct PackageReport {
    pub case_number: String,
    pub files: usize,
    pub bytes: u64,
    pub entries_proven: usize,
    pub checkpoint_size: u64,
    /// Empty when the package is intact and proven.
    pub problems: Vec<Problem>,
}

/// Checks the package at `path` against the log's public key `log_key` (a note verifier key,
/// as the public portal shows it).
pub fn check(path: &Path, log_key: &NoteVerifier) -> Result<PackageReport, PackageError> {
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(std::fs::File::open(path)?))?;
    let manifest: Manifest = json(&mut zip, "manifest.json")?;
    let proofs: LedgerProofs = json(&mut zip, "ledger-proofs.json")?;
    let sums = text(&mut zip, "SHA256SUMS")?;
    let mut report = PackageReport {
        case_number: manifest.case_number.clone(),
        ..PackageReport::default()
    };

    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    let names = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<Vec<String>, _>>()?;
    for name in &names {
        if !listed.contains(name.as_str()) && !METADATA.contains(&name.as_str()) {
            report.problems.push(Problem::Unlisted { path: name.clone() });
        }
    }
    let expected_sums: String = manifest
        .files
        .iter()
        .map(|m| format!("{}  {}\n", m.sha256, m.path))
        .collect();
    if sums != expected_sums {
        let detail = sums
            .lines()
            .zip(expected_sums.lines())
            .find(|(a, b)| a != b)
            .map_or_else(
                || "a different number of lines".to_owned(),
                |(a, _)| format!("line {a:?}"),
            );
        report.problems.push(Problem::Sums { detail });
    }

    for line in &manifest.files {
        let mut entry = match zip.by_name(&line.path) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => {
                report.problems.push(Problem::Missing {
                    path: line.path.clone(),
                });
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let mut hashing = Hashing::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = entry.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hashing.update(&buf[..n]);
            size += n as u64;
        }
        let d = hashing.finish();
        for (which, listed, found) in [
            ("size", line.size.to_string(), size.to_string()),
            ("SHA-256", line.sha256.clone(), d.sha256_hex()),
            ("SM3", line.sm3.clone(), d.sm3_hex()),
        ] {
            if listed != found {
                report.problems.push(Problem::Mismatch {
                    path: line.path.clone(),
                    which,
                    listed,
                    found,
                });
            }
        }
        report.files += 1;
        report.bytes += size;
    }

    match Algorithm::parse(&proofs.algorithm) {
        Some(Algorithm::Sha256) => prove::<Sha256>(&manifest, &proofs, log_key, &mut report),
        Some(Algorithm::Sm3) => prove::<Sm3>(&manifest, &proofs, log_key, &mut report),
        None => report.problems.push(Problem::Checkpoint {
            detail: format!("unknown hash algorithm {:?}", proofs.algorithm),
        }),
    }
    Ok(report)
}

/// The ledger part: the checkpoint, each entry's inclusion, each file's intake entry.
fn prove<A: HashAlgorithm>(manifest: &Manifest, proofs: &LedgerProofs, key: &NoteVerifier, report: &mut PackageReport) {
    let Some(note) = proofs.checkpoint.as_deref() else {
        report.problems.push(Problem::Checkpoint {
            detail: "the package carries no signed checkpoint".into(),
        });
        return;
    };
    let checkpoint = match Checkpoint::<A>::open(note.as_bytes(), key) {
        Ok(c) => c,
        Err(e) => {
            report.problems.push(Problem::Checkpoint { detail: e.to_string() });
            return;
        }
    };
    report.checkpoint_size = checkpoint.size();
    let root = checkpoint.root();
    // Intake entries proven included, by object: the content hash each commits to.
    let mut intakes: BTreeMap<String, Vec<[u8; 32]>> = BTreeMap::new();
    for p in &proofs.entries {
        let fail = |detail: String| Problem::Entry {
            index: p.index,
            object: p.object.clone(),
            detail,
        };
        let entry = match hex::decode(&p.entry).ok().map(|b| Entry::decode(&b)) {
            Some(Ok(e)) => e,
            _ => {
                report.problems.push(fail("not a well-formed entry".into()));
                continue;
            }
        };
        let path: Result<Vec<Hash<A>>, _> = p
            .inclusion
            .iter()
            .map(|h| {
                hex::decode(h)
                    .map_err(|_| ())
                    .and_then(|b| Hash::<A>::from_slice(&b).map_err(|_| ()))
            })
            .collect();
        let Ok(path) = path else {
            report.problems.push(fail("a proof hash is malformed".into()));
            continue;
        };
        if p.index >= checkpoint.size() {
            report
                .problems
                .push(fail(format!("not in the checkpoint's tree of {}", checkpoint.size())));
            continue;
        }
        let leaf = entry.leaf_hash::<A>();
        if let Err(e) = qinglian_ledger::verify_inclusion(p.index, checkpoint.size(), &leaf, &path, &root) {
            report.problems.push(fail(format!("inclusion proof fails: {e}")));
            continue;
        }
        if entry.object_id() != p.object {
            report
                .problems
                .push(fail(format!("the entry is about {}", entry.object_id())));
            continue;
        }
        report.entries_proven += 1;
        if entry.entry_type() == AuditAction::EvidenceIntake.as_str() {
            intakes
                .entry(entry.object_id().to_owned())
                .or_default()
                .push(*entry.content_hash());
        }
    }
    for line in &manifest.files {
        let Some(file_id) = &line.evidence_file_id else {
            continue;
        };
        let size = i64::try_from(line.size).unwrap_or(i64::MAX);
        let want = qinglian_store::ledger_math::content_hash(
            AuditAction::EvidenceIntake.as_str(),
            file_id,
            &intake_detail(&line.sha256, &line.sm3, size),
        );
        if !intakes.get(file_id).is_some_and(|h| h.contains(&want)) {
            report.problems.push(Problem::Unproven {
                path: line.path.clone(),
            });
        }
    }
}

fn text<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, file: &'static str) -> Result<String, PackageError> {
    let mut out = String::new();
    zip.by_name(file)
        .map_err(|e| PackageError::Metadata {
            file,
            detail: e.to_string(),
        })?
        .take(MAX_METADATA)
        .read_to_string(&mut out)
        .map_err(|e| PackageError::Metadata {
            file,
            detail: e.to_string(),
        })?;
    Ok(out)
}

fn json<T: serde::de::DeserializeOwned, R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    file: &'static str,
) -> Result<T, PackageError> {
    serde_json::from_str(&text(zip, file)?).map_err(|e| PackageError::Metadata {
        file,
        detail: e.to_string(),
    })
}
