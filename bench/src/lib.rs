//! What the benchmark's load clients and baselines share: the line the
//! clients print for the runner, the CPU time a client spent, and the loops
//! of calls they time.

use std::time::Duration;

pub mod answers;

/// The CPU time (user and system, every thread) this process has spent,
/// from `/proc/self/stat`, in microseconds; 0 where that is missing.
pub fn cpu_time_us() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command's name, which ends with the last `)`:
    // utime and stime are the 12th and 13th of them, in clock ticks (USER_HZ,
    // 100 on Linux).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) * 10_000.0
}

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

/// [`line`] and the client's CPU time per call, in microseconds: the line
/// of the client rows.
pub fn line_with_cpu(latencies: Vec<Duration>, elapsed_secs: f64, cpu_us: f64) -> String {
    let calls = latencies.len().max(1) as f64;
    format!("{} {:.2}", line(latencies, elapsed_secs), cpu_us / calls)
}

/// The arguments of the client rows' load clients, `KIND URL TASKS
/// SECONDS`; exits with `usage` on stderr when they are not that.
pub fn client_args(usage: &str) -> (String, String, u64, u64) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [kind, url, tasks, seconds, ..] => tasks
            .parse()
            .ok()
            .zip(seconds.parse().ok())
            .map(|(tasks, seconds)| (kind.clone(), url.clone(), tasks, seconds)),
        _ => None,
    };
    parsed.unwrap_or_else(|| {
        eprintln!("usage: {usage}");
        std::process::exit(2)
    })
}

/// Runs the load's workers to their end: every latency, and the seconds it
/// took.
pub async fn measure<F: std::future::Future<Output = Vec<Duration>>>(
    workers: impl Iterator<Item = F>,
) -> (Vec<Duration>, f64) {
    let started = std::time::Instant::now();
    let latencies = futures_util::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
        .collect();
    (latencies, started.elapsed().as_secs_f64())
}

/// `tasks` tasks making `call` until `seconds` are up, after calls that
/// wait for the server to be ready (not measured): every call's latency,
/// and the seconds it took. A call must give the inventory's two active
/// servers of country 3.
pub async fn calls<F, Fut>(tasks: u64, seconds: u64, call: F) -> (Vec<Duration>, f64)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<usize, String>>,
{
    use std::time::Instant;
    let ready = Instant::now() + Duration::from_secs(20);
    while let Err(err) = call().await {
        assert!(Instant::now() < ready, "the server does not answer: {err}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let call = &call;
    let workers = (0..tasks).map(|_| async move {
        let mut latencies = Vec::new();
        while Instant::now() < deadline {
            let sent = Instant::now();
            match call().await {
                Ok(2) => latencies.push(sent.elapsed()),
                Ok(n) => panic!("{n} servers, not 2"),
                Err(err) => eprintln!("a call failed: {err}"),
            }
        }
        latencies
    });
    measure(workers).await
}

/// [`calls`] through the framework's typed client on `transport`.
pub async fn typed_calls<T: rpc_core::Transport>(
    transport: T,
    tasks: u64,
    seconds: u64,
) -> (Vec<Duration>, f64) {
    let client = datacenter::DatacenterClient::new(transport);
    let client = &client;
    calls(tasks, seconds, || async move {
        let servers = client
            .get_active_servers(3)
            .await
            .map_err(|e| e.to_string())?;
        Ok(servers.len())
    })
    .await
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
        assert_eq!(
            super::line_with_cpu(vec![ms(1), ms(1)], 1.0, 30.0),
            "2.0 1.000 1.000 2 15.00"
        );
    }

    #[test]
    fn a_busy_process_has_spent_cpu_time() {
        let before = super::cpu_time_us();
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(super::cpu_time_us() > before, "{x}");
    }
}
