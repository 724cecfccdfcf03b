//! Runs the division import with a progress bar, so it can be timed before `qinglian import
//! divisions` is wired into the binary.
//!
//! `cargo run --release --example import_divisions -- DIR [--county CODE] [--db URL]`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use qinglian::import::{Progress, import_divisions};
use qinglian_store::DatabaseUrl;

#[derive(Parser)]
struct Args {
    /// The package's `dist` folder, or the folder holding `package/dist`.
    dir: PathBuf,
    /// Load this county (6 digits) into the org model; only its chain is imported.
    #[arg(long)]
    county: Option<String>,
    #[arg(
        long,
        env = "QINGLIAN_DATABASE_URL",
        default_value = "sqlite://qinglian-data/qinglian.db"
    )]
    db: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let store = qinglian_store::connect(&DatabaseUrl::new(args.db))
        .await
        .context("open the database")?;
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    let on_progress = |p: Progress| match p {
        Progress::Reading { file } => bar.set_message(format!("checking {file}")),
        Progress::Writing { rows } => {
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len} rows ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_length(rows);
            bar.set_message("writing");
            bar.suspend(|| eprintln!("checked in {:.2} s", started.elapsed().as_secs_f64()));
        }
        Progress::Wrote { rows } => bar.inc(rows),
        Progress::LoadingCounty { code } => {
            bar.suspend(|| eprintln!("written in {:.2} s", started.elapsed().as_secs_f64()));
            bar.set_message(format!("loading county {code}"));
        }
    };
    let result = import_divisions(&*store, &args.dir, args.county.as_deref(), &on_progress).await;
    bar.finish_and_clear();
    let report = result?;
    println!("{report}");
    println!("took {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
