//! What the benchmark's load clients share: the line they print for the
//! runner.

use std::time::Duration;

/// `per_second p50_ms p99_ms count` for calls that took `latencies`, made
/// in `elapsed_secs` seconds: the line the runner reads.
pub fn line(mut latencies: Vec<Duration>, elapsed_secs: f64) -> String {
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    format!(
        "{:.1} {:.3} {:.3} {}",
        latencies.len() as f64 / elapsed_secs,
        percentile(0.50),
        percentile(0.99),
        latencies.len()
    )
}

/// Prints [`line`] on stdout.
pub fn print_line(latencies: Vec<Duration>, elapsed_secs: f64) {
    println!("{}", line(latencies, elapsed_secs));
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn the_line_gives_the_rate_the_median_and_the_99th_percentile() {
        let ms = |n| Duration::from_millis(n);
        assert_eq!(
            super::line(vec![ms(4), ms(1), ms(3), ms(2)], 2.0),
            "2.0 3.000 4.000 4"
        );
        assert_eq!(super::line(Vec::new(), 1.0), "0.0 0.000 0.000 0");
    }
}
