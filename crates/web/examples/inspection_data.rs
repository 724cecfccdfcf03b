//! Data for the inspection benchmark (`bench/inspection_load.sh`): fills a database that holds
//! the demo county with concerns, through the store API, up to a total count.
//!
//! `cargo run --release -p qinglian-web --example inspection_data -- DATABASE_URL SECRET_KEY TOTAL RECEIPTS_OUT`
//!
//! Concerns go to the demo round's meetings in turn, over the demo's categories. Two in three
//! are routed to a department with an answer deadline, half of those to the department of the
//! demo's `department` account; of the routed ones, two in five were routed 40–99 days ago
//! with a 7-day deadline, so they are overdue today, and the rest recently, with a deadline
//! ahead. Each concern is written as the application writes it (concern, history, audit row
//! and ledger entry in one transaction) with concurrent writers, so the group commit batches
//! them. The receipt codes of one concern in ten are written to RECEIPTS_OUT, one a line,
//! 16 digits, for the look-up scenario: codes are hashed with the deployment's key file, as
//! the server does, so the server finds them.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use qinglian_domain::inspection::{CHINA, ConcernInput, ConcernSource, ConcernStep, Party, ReceiptCode};
use qinglian_domain::scope::Reach;
use qinglian_store::DynStore;
use qinglian_store::model::{Actor, ConcernFilter, PageRequest, StepBy};
use qinglian_web::secrets::SecretKey;

/// Concurrent writers: enough that each shared COMMIT carries a few dozen concerns.
const WRITERS: u64 = 64;

/// What every writer needs to make concern number `i`.
struct World {
    store: DynStore,
    secrets: SecretKey,
    /// (meeting id, village id, group name)
    meetings: Vec<(String, String, String)>,
    categories: Vec<String>,
    /// (department id, name); the first is the `department` account's.
    departments: Vec<(String, String)>,
}

/// A small deterministic mix of `i`, so the distribution is the same on every run.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn receipt() -> anyhow::Result<ReceiptCode> {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random: {e}"))?;
        if let Some(code) = ReceiptCode::from_random(&bytes) {
            return Ok(code);
        }
    }
}

/// Writes concern `i`; returns its receipt code.
async fn one(w: &World, actor: &Actor, i: u64) -> anyhow::Result<ReceiptCode> {
    let r = mix(i);
    let (meeting, village, group) = &w.meetings[(i as usize) % w.meetings.len()];
    let category = &w.categories[(r % w.categories.len() as u64) as usize];
    let routed = !r.is_multiple_of(3);
    let overdue = (r >> 8) % 5 < 2;
    // Overdue ones were raised and routed 40–99 days ago; the others in the last 20 days.
    let days_ago = if routed && overdue {
        40 + (r >> 16) % 60
    } else {
        (r >> 16) % 20
    };
    let created = Utc::now() - Duration::days(days_ago as i64) - Duration::minutes((r >> 24) as i64 % 600);
    let text = format!(
        "压力测试反映问题 {i}：村道路灯损坏，夜间出行不便，希望尽快修复。bench concern {i}: the street lights on the village road are broken."
    );
    let input = ConcernInput::parse(&text, category, village, Some(meeting), "", "")?;
    let code = receipt()?;
    let concern = w
        .store
        .create_concern(
            actor,
            &input,
            ConcernSource::Meeting,
            &w.secrets.receipt_hash(&code),
            group,
            created,
        )
        .await?;
    if routed {
        // Half to the demo `department` account's department, the rest spread over the others.
        let d = if (r >> 40).is_multiple_of(2) || w.departments.len() == 1 {
            0
        } else {
            1 + ((r >> 41) as usize) % (w.departments.len() - 1)
        };
        let today = created.with_timezone(&CHINA).date_naive();
        let deadline = if overdue {
            today + Duration::days(7)
        } else {
            today + Duration::days(30)
        };
        let step = ConcernStep::Assign {
            department_id: w.departments[d].0.clone(),
            deadline,
        };
        let by = StepBy {
            party: Party::Group,
            unit_name: group,
            department_id: None,
        };
        w.store
            .step_concern(actor, &Reach::everything(), &concern.id, None, &step, &by, created)
            .await?;
    }
    Ok(code)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, key, total, out] = args.as_slice() else {
        bail!("usage: inspection_data DATABASE_URL SECRET_KEY TOTAL RECEIPTS_OUT");
    };
    let total: u64 = total.parse().context("TOTAL must be a number")?;
    let store = qinglian_store::connect(&qinglian_store::DatabaseUrl::new(url.as_str()))
        .await
        .context("opening the database")?;
    let secrets = SecretKey::load_or_create(std::path::Path::new(key))?;

    let everything = Reach::everything();
    let meetings: Vec<_> = store
        .list_meetings(&everything, None)
        .await?
        .into_iter()
        .map(|m| (m.meeting.id, m.meeting.village_id, m.meeting.group_name))
        .collect();
    let categories: Vec<_> = store.list_categories().await?.into_iter().map(|c| c.id).collect();
    // The demo gives its `department` account to the first department officer it lists.
    let home = store
        .all_staff()
        .await?
        .into_iter()
        .find(|s| s.role == "department_officer")
        .and_then(|s| s.posting_unit_id)
        .context("no department officer: create the demo county first (`qinglian demo`)")?;
    let mut departments: Vec<_> = store
        .list_departments()
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    departments.sort_by_key(|(id, _)| *id != home);
    if meetings.is_empty() || categories.is_empty() || departments.first().is_none_or(|(id, _)| *id != home) {
        bail!("the database lacks the demo's meetings, categories or departments");
    }
    let have = store
        .list_concerns(&everything, &ConcernFilter::default(), PageRequest::new(1, 1))
        .await?
        .total as u64;
    let count = total.saturating_sub(have);
    println!(
        "{have} concerns present; adding {count} over {} meetings, {} categories, {} departments (the `department` account's: {})",
        meetings.len(),
        categories.len(),
        departments.len(),
        departments[0].1
    );

    let world = Arc::new(World {
        store,
        secrets,
        meetings,
        categories,
        departments,
    });
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let (world, next) = (world.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let actor = Actor::system("bench");
            let mut kept = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, anyhow::Error>(kept);
                }
                let code = one(&world, &actor, i).await.with_context(|| format!("concern {i}"))?;
                if i.is_multiple_of(10) {
                    kept.push(code.digits().to_owned());
                }
                if i.is_multiple_of(10_000) && i > 0 {
                    println!("  {i} written");
                }
            }
        }));
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).with_context(|| format!("creating {out}"))?);
    let mut kept = 0;
    for t in tasks {
        for code in t.await?? {
            writeln!(file, "{code}")?;
            kept += 1;
        }
    }
    file.flush()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "added {count} concerns in {secs:.1} s ({:.0}/s); {kept} receipt codes in {out}",
        count as f64 / secs.max(1e-9)
    );
    Ok(())
}
