//! The demo county's village integrity rating: the seed framework and two published periods,
//! about 20 of the 338 villages in C in the first and fewer in the second, the same for a seed.

use qinglian_domain::rating::{PeriodInput, seed_framework};
use qinglian_domain::scope::Reach;
use qinglian_store::Store;
use qinglian_store::model::{Actor, ValueEntry, ValueSource};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{DemoError, at};

/// The periods' labels, oldest first.
pub const PERIODS: [&str; 2] = ["2026年第二季度", "2026年第三季度"];
/// Every how many villages one is in trouble in the first period (338 / 17 ≈ 20).
const TROUBLED_EVERY: usize = 17;

/// One village's entered values for a period: near the best for most, poor with weak
/// leadership (the veto that forces C) for the troubled ones until they have rectified.
fn values(rng: &mut ChaCha8Rng, troubled: bool) -> [(&'static str, f64); 9] {
    let (lo, hi) = if troubled { (0.5, 1.0) } else { (0.0, 0.35) };
    let mut bad = |max: f64| (rng.random_range(lo..hi) * max).round();
    [
        ("discipline_cases", if troubled { 1.0 } else { 0.0 }),
        ("conduct_reports", bad(6.0)),
        ("audit_findings", bad(8.0)),
        ("assets_ledger", if troubled { 3.0 } else { 1.0 }),
        ("project_irregularities", bad(5.0)),
        ("tender_compliance", 100.0 - bad(60.0)),
        ("affairs_disclosure", 100.0 - bad(50.0)),
        ("team_cohesion", if troubled { 3.0 } else { 1.0 }),
        ("petitions", bad(10.0)),
    ]
}

/// Saves the framework and runs both periods end to end: values, grading, review, publication.
pub async fn periods(store: &dyn Store, actor: &Actor, seed: u64) -> Result<(), DemoError> {
    store
        .save_framework(actor, &seed_framework())
        .await
        .map_err(at("rating framework"))?;
    let villages = store
        .rating_villages(&Reach::everything())
        .await
        .map_err(at("rating"))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5241_5449_4e47);
    for (round, label) in PERIODS.iter().enumerate() {
        let period = store
            .open_period(actor, &PeriodInput::parse(label, "quarterly")?)
            .await
            .map_err(at("rating period"))?;
        let mut entries = Vec::with_capacity(villages.len() * 9);
        for (i, v) in villages.iter().enumerate() {
            // By the second period three of every five troubled villages have rectified and
            // leave C; the other two are still in trouble.
            let troubled = i % TROUBLED_EVERY == 3 && (round == 0 || (i / TROUBLED_EVERY) % 5 < 2);
            for (code, x) in values(&mut rng, troubled) {
                entries.push(ValueEntry {
                    village_id: v.id.clone(),
                    indicator_code: code.to_owned(),
                    value: Some(x),
                });
            }
        }
        store
            .save_values(actor, &Reach::everything(), &period.id, ValueSource::Import, &entries)
            .await
            .map_err(at("rating values"))?;
        store
            .grade_period(actor, &period.id)
            .await
            .map_err(at("rating grades"))?;
        store
            .confirm_period(actor, &period.id)
            .await
            .map_err(at("rating review"))?;
        store
            .publish_period(actor, &period.id)
            .await
            .map_err(at("rating publication"))?;
    }
    Ok(())
}
