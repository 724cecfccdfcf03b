//! Issue 5's figures: grading the national registry (620,573 villages × 30 indicators) on
//! one core, against a bare pass over the same data in the same run; and 1,000 sensitivity
//! draws for a 338-village county. Prints medians of several runs.
//!
//! `cargo run --release -p qinglian-domain --example rating_bench [RUNS]`

use std::time::Instant;

use qinglian_domain::rating::*;
use rand::{RngExt, SeedableRng};

fn framework(indicators: usize) -> Framework {
    // Weights are shares in percent; these relative weights are scaled to sum to 100.
    let mut f = Framework {
        version: 1,
        dimensions: (0..5)
            .map(|d| Dimension {
                code: format!("d{d}"),
                name: format!("d{d}"),
                weight: 1.0 + d as f64,
            })
            .collect(),
        indicators: (0..indicators)
            .map(|i| Indicator {
                code: format!("i{i}"),
                name: format!("i{i}"),
                dimension: i % 5,
                direction: if i % 3 == 0 {
                    Direction::LowerIsBetter
                } else {
                    Direction::HigherIsBetter
                },
                normalisation: if i % 4 == 0 {
                    Normalisation::ZScore
                } else {
                    Normalisation::MinMax
                },
                weight: 1.0 + (i % 7) as f64,
                veto: (i % 10 == 0).then_some(Veto {
                    effect: VetoEffect::BarsA,
                    at_least: 0.999,
                }),
                source: None,
            })
            .collect(),
        cutoffs: Cutoffs { a: 70.0, b: 45.0 },
    };
    let total: f64 = f.dimensions.iter().map(|d| d.weight).sum();
    for d in &mut f.dimensions {
        d.weight *= 100.0 / total;
    }
    for d in 0..f.dimensions.len() {
        let within: f64 = f.indicators.iter().filter(|i| i.dimension == d).map(|i| i.weight).sum();
        for i in f.indicators.iter_mut().filter(|i| i.dimension == d) {
            i.weight *= 100.0 / within;
        }
    }
    f
}

fn values(villages: usize, indicators: usize, seed: u64) -> Values {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Values {
        villages,
        columns: (0..indicators)
            .map(|_| {
                (0..villages)
                    .map(|_| {
                        if rng.random_range(0..100) == 0 {
                            f64::NAN
                        } else {
                            rng.random_range(0.0..1.0)
                        }
                    })
                    .collect()
            })
            .collect(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(7);
    let (n, k) = (620_573, 30);
    let f = framework(k);
    let v = values(n, k, 2026);
    let (mut bare, mut full) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        // The bandwidth baseline: read every value once, write one sum per village.
        let t = Instant::now();
        let mut sums = vec![0.0f64; n];
        for col in &v.columns {
            for (s, x) in sums.iter_mut().zip(col) {
                if !x.is_nan() {
                    *s += x;
                }
            }
        }
        std::hint::black_box(&sums);
        bare.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let g = grade(&f, &v)?;
        std::hint::black_box(&g);
        full.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (b, g) = (median(bare), median(full));
    println!(
        "grading {n} villages x {k} indicators: median {g:.1} ms; bare pass {b:.1} ms; ratio {:.2}",
        g / b
    );

    let county = values(338, k, 7);
    let graded = grade(&f, &county)?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let s = sensitivity(&f, &county, &graded, 0.2, 1000, 1);
        std::hint::black_box(&s);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!("sensitivity, 338 villages x 1000 draws: median {:.1} ms", median(times));
    Ok(())
}
