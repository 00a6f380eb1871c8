//! The results: a table per row, and the project's bars checked against them.
//!
//! A ratio is the median, over the rounds, of the two contenders' requests per
//! second measured in the same round, one right after the other: on a shared
//! machine whose speed drifts from minute to minute, pairing cancels the drift
//! that a ratio of two medians would keep. The table also gives the lowest and
//! highest of those per-round ratios, so that a reader sees the spread.

use crate::bars::CEILING;
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

/// A bar of the project: `contender` against `reference`, both of the row
/// whose title starts with `row`.
pub struct Bar {
    pub what: &'static str,
    pub row: &'static str,
    pub contender: &'static str,
    pub reference: &'static str,
    pub check: Check,
}

/// What a bar checks.
pub enum Check {
    /// The contender's calls a second over the reference's, at least this.
    AtLeast(f64),
    /// The contender's p99 latency over the reference's, at most this.
    P99AtMost(f64),
    /// No bar: the contender's calls a second over the reference's, shown
    /// beside the bars for what it tells of them.
    Shown,
}

/// The median; NaN for none.
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The ratios of `a`'s calls a second to `b`'s, round by round: their
/// median, lowest, highest.
pub fn paired(a: &Contender, b: &Contender) -> (f64, f64, f64) {
    paired_by(a, b, |s| s.rps)
}

/// The ratios of `a`'s `measure` to `b`'s, round by round: their median,
/// lowest, highest.
fn paired_by(a: &Contender, b: &Contender, measure: impl Fn(&Sample) -> f64) -> (f64, f64, f64) {
    let ratios: Vec<f64> = a
        .samples
        .iter()
        .zip(&b.samples)
        .map(|(a, b)| measure(a) / measure(b))
        .collect();
    let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let high = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (median(ratios.into_iter()), low, high)
}

/// The table of every row: beside each contender's ratio to the row's
/// baseline, its ratio to the row's ceiling if it has one, and a client's
/// CPU time per call where its load client measures it.
pub fn print_rows(rows: &[Row], memory: impl Fn(&str) -> f64) {
    println!(
        "| scenario | contender | per second (median) | p50 ms | p99 ms | peak RSS MiB | server CPU µs/call | of it in the kernel | client CPU µs/call | of the ceiling | ratio (paired median) | ratio range |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (title, contenders) in rows {
        let baseline = &contenders[0];
        let ceiling = contenders.iter().find(|c| c.label == CEILING);
        for c in contenders {
            let (ratio, low, high) = paired(c, baseline);
            let blank_nan = |value: f64, digits: usize| {
                if value.is_finite() {
                    format!("{value:.digits$}")
                } else {
                    String::new()
                }
            };
            let of_ceiling = ceiling.map_or(f64::NAN, |ceiling| paired(c, ceiling).0);
            println!(
                "| {title} | {} | {:.0} | {:.3} | {:.3} | {} | {} | {} | {} | {} | {ratio:.2}× | {low:.2}–{high:.2} |",
                c.label,
                median(c.samples.iter().map(|s| s.rps)),
                median(c.samples.iter().map(|s| s.p50_ms)),
                median(c.samples.iter().map(|s| s.p99_ms)),
                blank_nan(memory(c.server), 1),
                blank_nan(
                    median(c.samples.iter().map(|s| s.server_cpu_us_per_call)),
                    2
                ),
                blank_nan(
                    median(c.samples.iter().map(|s| s.server_kernel_us_per_call)),
                    2
                ),
                blank_nan(median(c.samples.iter().map(|s| s.cpu_us_per_call)), 2),
                blank_nan(of_ceiling, 2),
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
        let ((ratio, low, high), target, met) = match bar.check {
            Check::AtLeast(at_least) => {
                let ratios = paired(a, b);
                (
                    ratios,
                    format!("≥ {at_least:.2}×"),
                    Some(ratios.0 >= at_least),
                )
            }
            Check::P99AtMost(at_most) => {
                let ratios = paired_by(a, b, |s| s.p99_ms);
                (
                    ratios,
                    format!("≤ {at_most:.2}×"),
                    Some(ratios.0 <= at_most),
                )
            }
            Check::Shown => (paired(a, b), String::new(), None),
        };
        let met = match met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        println!(
            "| {} | {ratio:.2}× | {low:.2}–{high:.2} | {target} | {met} |",
            bar.what
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
                in_flight: 1,
                confirmed: false,
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
    fn the_p99_ratio_pairs_the_rounds_too() {
        let mut a = contender(&[1.0, 1.0]);
        let mut b = contender(&[1.0, 1.0]);
        for (sample, p99) in a.samples.iter_mut().zip([2.0, 4.0]) {
            sample.p99_ms = p99;
        }
        for (sample, p99) in b.samples.iter_mut().zip([4.0, 8.0]) {
            sample.p99_ms = p99;
        }
        let (ratio, _, _) = paired_by(&a, &b, |s| s.p99_ms);
        assert!((ratio - 0.5).abs() < 1e-9);
    }

    #[test]
    fn the_median_of_none_is_nan() {
        assert!(median(std::iter::empty()).is_nan());
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), 2.0);
    }
}
