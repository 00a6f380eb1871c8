//! The soak's samples, its tables, and its verdict: after the warm-up, the
//! server's memory and descriptors must stay flat, and no call may get an
//! answer it should not have.

use std::fmt::Write as _;
use std::time::Duration;

use crate::load::{Outcome, Protocol, Tally};

/// What the server looked like at one moment.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Since the load started.
    pub at: Duration,
    pub rss_kib: u64,
    pub fds: u64,
    /// Calls so far, by protocol ([`Protocol::ALL`] order).
    pub calls: [u64; 7],
}

impl Sample {
    /// The server `pid` now.
    pub fn take(pid: u32, at: Duration, tally: &Tally) -> Self {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let rss_kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64);
        Self {
            at,
            rss_kib,
            fds,
            calls: Protocol::ALL.map(|p| tally.calls(p)),
        }
    }
}

/// The header of the samples table.
pub fn samples_header() -> String {
    let mut line = "| time s | RSS MiB | open fds |".to_owned();
    for protocol in Protocol::ALL {
        let _ = write!(line, " {} calls/s |", protocol.name());
    }
    line.push_str("\n|---:|---:|---:|");
    line.push_str(&"---:|".repeat(Protocol::ALL.len()));
    line
}

/// One row of the samples table: `sample`, with rates since `previous`.
pub fn sample_row(sample: &Sample, previous: Option<&Sample>) -> String {
    let mut line = format!(
        "| {:.0} | {:.1} | {} |",
        sample.at.as_secs_f64(),
        sample.rss_kib as f64 / 1024.0,
        sample.fds
    );
    let (since, before) = match previous {
        Some(p) => (sample.at.saturating_sub(p.at), p.calls),
        None => (sample.at, [0; 7]),
    };
    for (now, then) in sample.calls.iter().zip(before) {
        let rate = (now - then) as f64 / since.as_secs_f64().max(0.001);
        let _ = write!(line, " {rate:.0} |");
    }
    line
}

/// The table of outcomes by protocol.
pub fn outcomes(tally: &Tally) -> String {
    let mut table = "| protocol |".to_owned();
    for outcome in Outcome::ALL {
        let _ = write!(table, " {} |", outcome.name());
    }
    table.push_str("\n|---|");
    table.push_str(&"---:|".repeat(Outcome::ALL.len()));
    for protocol in Protocol::ALL {
        let _ = write!(table, "\n| {} |", protocol.name());
        for outcome in Outcome::ALL {
            let _ = write!(table, " {} |", tally.count(protocol, outcome));
        }
    }
    table
}

/// The bounds past which a measure "keeps growing": the highest value of the
/// second half of the steady samples over the highest of the first half,
/// beyond noise.
fn grew(first: u64, second: u64, relative: f64, absolute: u64) -> bool {
    second as f64 > first as f64 * (1.0 + relative) + absolute as f64
}

/// What went wrong, if anything: growth after `warmup`, wrong answers,
/// protocols that made no calls.
pub fn judge(
    samples: &[Sample],
    warmup: Duration,
    tally: &Tally,
    protocols: &[Protocol],
) -> Vec<String> {
    let mut failures = Vec::new();
    let steady: Vec<&Sample> = samples.iter().filter(|s| s.at >= warmup).collect();
    if steady.len() < 4 {
        failures.push(format!(
            "only {} samples after the warm-up: run longer, or sample more often",
            steady.len()
        ));
    } else {
        let (first, second) = steady.split_at(steady.len() / 2);
        let max =
            |half: &[&Sample], f: fn(&Sample) -> u64| half.iter().map(|s| f(s)).max().unwrap_or(0);
        let (rss_a, rss_b) = (max(first, |s| s.rss_kib), max(second, |s| s.rss_kib));
        // 5% and 2 MiB of allocator noise.
        if grew(rss_a, rss_b, 0.05, 2048) {
            failures.push(format!(
                "RSS kept growing after the warm-up: {:.1} MiB, then {:.1} MiB",
                rss_a as f64 / 1024.0,
                rss_b as f64 / 1024.0
            ));
        }
        let (fds_a, fds_b) = (max(first, |s| s.fds), max(second, |s| s.fds));
        // Hostile connections come and go: 10% and 8 descriptors of noise.
        if grew(fds_a, fds_b, 0.10, 8) {
            failures.push(format!(
                "open descriptors kept growing after the warm-up: {fds_a}, then {fds_b}"
            ));
        }
    }
    for protocol in protocols {
        if tally.calls(*protocol) == 0 {
            failures.push(format!("no {} call was made", protocol.name()));
        }
    }
    let wrong: u64 = Protocol::ALL
        .iter()
        .map(|p| tally.count(*p, Outcome::Wrong))
        .sum();
    if wrong > 0 {
        failures.push(format!(
            "{wrong} calls got an answer they should not have; the first:\n  {}",
            tally.wrong_answers().join("\n  ")
        ));
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(rss: &[u64], fds: &[u64]) -> Vec<Sample> {
        rss.iter()
            .zip(fds)
            .enumerate()
            .map(|(i, (&rss_kib, &fds))| Sample {
                at: Duration::from_secs(10 * i as u64),
                rss_kib,
                fds,
                calls: [1; 7],
            })
            .collect()
    }

    fn judged(rss: &[u64], fds: &[u64]) -> Vec<String> {
        let tally = Tally::default();
        for protocol in Protocol::ALL {
            tally.add(protocol, Outcome::Ok);
        }
        judge(
            &samples(rss, fds),
            Duration::from_secs(20),
            &tally,
            &Protocol::ALL,
        )
    }

    #[test]
    fn flat_memory_and_descriptors_after_the_warm_up_pass() {
        // The warm-up climbs; the rest wobbles within the noise.
        let rss = [5000, 9000, 10_000, 10_400, 10_100, 10_300, 10_200, 10_500];
        let fds = [10, 30, 31, 35, 30, 33, 36, 32];
        assert_eq!(judged(&rss, &fds), Vec::<String>::new());
    }

    #[test]
    fn memory_or_descriptors_that_keep_growing_fail() {
        let rss = [5000, 9000, 10_000, 12_000, 14_000, 16_000, 18_000, 20_000];
        let fds = [10, 30, 31, 35, 30, 33, 36, 32];
        let failures = judged(&rss, &fds);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].contains("RSS"), "{failures:?}");
        let fds = [10, 30, 40, 50, 60, 70, 80, 90];
        let failures = judged(&[10_000; 8], &fds);
        assert!(failures[0].contains("descriptors"), "{failures:?}");
    }

    #[test]
    fn a_wrong_answer_or_a_silent_protocol_fails() {
        let tally = Tally::default();
        tally.add(Protocol::Rest, Outcome::Ok);
        tally.wrong(Protocol::Rest, "GET: 500".into());
        let failures = judge(
            &samples(&[1; 8], &[1; 8]),
            Duration::ZERO,
            &tally,
            &[Protocol::Rest, Protocol::Amqp],
        );
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures[0].contains("no AMQP call"), "{failures:?}");
        assert!(failures[1].contains("GET: 500"), "{failures:?}");
    }

    #[test]
    fn a_run_too_short_to_judge_says_so() {
        let failures = judged(&[1, 1, 1], &[1, 1, 1]);
        assert!(failures[0].contains("run longer"), "{failures:?}");
    }
}
