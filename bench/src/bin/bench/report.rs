//! The results: a table per row, and the project's bars checked against them.
//!
//! A ratio is the median, over the rounds, of the two contenders' requests per
//! second measured in the same round, one right after the other: on a shared
//! machine whose speed drifts from minute to minute, pairing cancels the drift
//! that a ratio of two medians would keep. The table also gives the lowest and
//! highest of those per-round ratios, so that a reader sees the spread.

use crate::load::{Load, Sample};

/// A contender of a row, and what was measured of it.
pub struct Contender {
    pub label: &'static str,
    /// The name of its server process, for its peak memory.
    pub server: &'static str,
    pub load: Load,
    pub samples: Vec<Sample>,
}

/// A row: a scenario and its contenders, the first being the baseline.
pub type Row = (&'static str, Vec<Contender>);

/// A bar of the project (issue 6): `contender` over `reference`, both of the
/// row whose title starts with `row`, at least `at_least`.
pub struct Bar {
    pub what: &'static str,
    pub row: &'static str,
    pub contender: &'static str,
    pub reference: &'static str,
    pub at_least: f64,
}

/// The median; NaN for none.
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The ratios of `a` to `b`, round by round: their median, lowest, highest.
pub fn paired(a: &Contender, b: &Contender) -> (f64, f64, f64) {
    let ratios: Vec<f64> = a
        .samples
        .iter()
        .zip(&b.samples)
        .map(|(a, b)| a.rps / b.rps)
        .collect();
    let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let high = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (median(ratios.into_iter()), low, high)
}

/// The table of every row.
pub fn print_rows(rows: &[Row], memory: impl Fn(&str) -> f64) {
    println!(
        "| scenario | contender | req/s (median) | p50 ms | p99 ms | peak RSS MiB | ratio (paired median) | ratio range |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (title, contenders) in rows {
        let baseline = &contenders[0];
        for c in contenders {
            let (ratio, low, high) = paired(c, baseline);
            println!(
                "| {title} | {} | {:.0} | {:.3} | {:.3} | {:.1} | {ratio:.2}× | {low:.2}–{high:.2} |",
                c.label,
                median(c.samples.iter().map(|s| s.rps)),
                median(c.samples.iter().map(|s| s.p50_ms)),
                median(c.samples.iter().map(|s| s.p99_ms)),
                memory(c.server),
            );
        }
    }
}

/// The bars that the rows measured, each with its ratio and whether it holds.
pub fn print_bars(rows: &[Row], bars: &[Bar]) {
    println!("\n| bar | ratio (paired median) | ratio range | target | met |");
    println!("|---|---:|---:|---:|---|");
    for bar in bars {
        let Some((_, contenders)) = rows.iter().find(|(title, _)| title.starts_with(bar.row))
        else {
            continue;
        };
        let find = |label: &str| contenders.iter().find(|c| c.label == label);
        let (Some(a), Some(b)) = (find(bar.contender), find(bar.reference)) else {
            continue;
        };
        let (ratio, low, high) = paired(a, b);
        let met = if ratio >= bar.at_least {
            "yes"
        } else {
            "**no**"
        };
        println!(
            "| {} | {ratio:.2}× | {low:.2}–{high:.2} | ≥ {:.2}× | {met} |",
            bar.what, bar.at_least
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contender(rps: &[f64]) -> Contender {
        Contender {
            label: "x",
            server: "x",
            load: Load::Amqp {
                queue: String::new(),
            },
            samples: rps
                .iter()
                .map(|&rps| Sample {
                    rps,
                    ..Sample::default()
                })
                .collect(),
        }
    }

    #[test]
    fn the_ratio_pairs_the_samples_of_a_round() {
        // The machine slows down in round 2: each round's ratio is still 0.9.
        let a = contender(&[90.0, 45.0, 90.0]);
        let b = contender(&[100.0, 50.0, 100.0]);
        let (ratio, low, high) = paired(&a, &b);
        assert!((ratio - 0.9).abs() < 1e-9);
        assert!((low - 0.9).abs() < 1e-9 && (high - 0.9).abs() < 1e-9);
    }

    #[test]
    fn the_median_of_none_is_nan() {
        assert!(median(std::iter::empty()).is_nan());
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), 2.0);
    }
}
