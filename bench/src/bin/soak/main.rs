//! The soak: `datacenter serve` under mixed load for a while (REST reads and
//! writes, JSON-RPC calls and batches, XML-RPC calls and multicalls, AMQP
//! calls, WebSocket calls, subscribers of every change over a WebSocket and
//! as Server-Sent Events and one that never reads, and a steady share of
//! hostile clients), sampled every few seconds
//! (memory, descriptors, calls a second by protocol), then judged: after the
//! warm-up, memory and descriptors must stay flat, and no call may get an
//! answer it should not have. Then the same server under a descriptor limit
//! with more clients than descriptors: it must keep serving the connections
//! it has, back off while it cannot accept, and recover.
//!
//! Usage: `./scripts/soak [--duration 10m] [--interval 10s] [--warmup 60s]
//! [--clients 2] [--amqp URL | --no-amqp] [--fd-limit 256] [--server PATH]`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use datacenter::DatacenterClient;
use rpc_amqp::AmqpTransport;
use tokio::sync::watch;

use self::http::Connection;
use self::load::{Protocol, Tally};
use self::report::Sample;

mod http;
mod load;
mod push;
mod report;

struct Options {
    duration: Duration,
    interval: Duration,
    warmup: Option<Duration>,
    /// Kept-alive clients of each kind.
    clients: usize,
    amqp: Option<String>,
    fd_limit: u64,
    server: PathBuf,
}

fn duration(text: &str) -> Option<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let number: u64 = number.parse().ok()?;
    match unit {
        "s" => Some(Duration::from_secs(number)),
        "m" => Some(Duration::from_secs(number * 60)),
        "h" => Some(Duration::from_secs(number * 3600)),
        _ => None,
    }
}

fn usage(arg: &str) -> ! {
    eprintln!(
        "soak: bad argument {arg:?}\nusage: soak [--duration 10m] [--interval 10s] [--warmup 60s] \
         [--clients 2] [--amqp URL | --no-amqp] [--fd-limit 256] [--server PATH]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("datacenter")))
        .unwrap_or_else(|| PathBuf::from("datacenter"));
    let mut options = Options {
        duration: Duration::from_secs(600),
        interval: Duration::from_secs(10),
        warmup: None,
        clients: 2,
        amqp: Some(
            std::env::var("AMQP_URL")
                .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
        ),
        fd_limit: 256,
        server: sibling,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage(&arg));
        match arg.as_str() {
            "--duration" => options.duration = duration(&value()).unwrap_or_else(|| usage(&arg)),
            "--interval" => options.interval = duration(&value()).unwrap_or_else(|| usage(&arg)),
            "--warmup" => options.warmup = Some(duration(&value()).unwrap_or_else(|| usage(&arg))),
            "--clients" => options.clients = value().parse().unwrap_or_else(|_| usage(&arg)),
            "--amqp" => options.amqp = Some(value()),
            "--no-amqp" => options.amqp = None,
            "--fd-limit" => options.fd_limit = value().parse().unwrap_or_else(|_| usage(&arg)),
            "--server" => options.server = PathBuf::from(value()),
            _ => usage(&arg),
        }
    }
    options
}

/// A `datacenter serve` process, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Server {
    /// Starts `datacenter serve` (through `sh` when `fd_limit` is set, to
    /// lower its descriptor limit) and waits until it listens.
    fn start(options: &Options, args: &[&str], fd_limit: Option<u64>) -> Self {
        let log = std::env::temp_dir().join(format!(
            "soak-server-{}-{}.log",
            std::process::id(),
            fd_limit.unwrap_or(0)
        ));
        let stderr = std::fs::File::create(&log).expect("a log file in the temp dir");
        let mut command = match fd_limit {
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(&options.server);
                sh
            }
            None => Command::new(&options.server),
        };
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}): build it first (./scripts/soak does)",
                    options.server.display()
                )
            });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("the server did not say where it listens: {line:?}"))
            .to_owned();
        Self { child, addr, log }
    }

    /// How many descriptors the server holds open now.
    fn open_fds(&self) -> u64 {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).map_or(0, |d| d.count() as u64)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops it with SIGTERM; whether it exits 0 within 30 s.
    fn stop(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = options();
    let mut failures = soak(&options).await;
    if options.fd_limit > 0 {
        failures.extend(fd_limit(&options).await);
    }
    if failures.is_empty() {
        println!("\nsoak passed");
        ExitCode::SUCCESS
    } else {
        println!("\nsoak FAILED:");
        for failure in &failures {
            println!("- {failure}");
        }
        ExitCode::FAILURE
    }
}

/// The mixed load for `options.duration`, sampled and judged.
async fn soak(options: &Options) -> Vec<String> {
    let queue = format!("datacenter-soak-{}", std::process::id());
    let amqp_args = match &options.amqp {
        Some(url) => vec!["--amqp", url, "--amqp-queue", &queue],
        None => vec!["--no-amqp"],
    };
    let server = Server::start(options, &amqp_args, None);
    let pid = server.child.id();
    println!(
        "soak: datacenter serve (pid {pid}) on {} for {:?}, sampled every {:?}",
        server.addr, options.duration, options.interval
    );
    let tally: &'static Tally = Box::leak(Box::default());
    let mut protocols = vec![
        Protocol::Rest,
        Protocol::JsonRpc,
        Protocol::XmlRpc,
        Protocol::WebSocket,
        Protocol::Push,
        Protocol::Hostile,
    ];
    if let Some(url) = &options.amqp {
        wait_for_amqp(url, &queue).await;
        protocols.push(Protocol::Amqp);
    }

    let (stop, stopped) = watch::channel(false);
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..options.clients {
        let addr = server.addr.clone();
        workers.spawn(load::rest_reads(addr.clone(), stopped.clone(), tally));
        workers.spawn(load::rest_writes(
            addr.clone(),
            stopped.clone(),
            tally,
            worker,
        ));
        workers.spawn(load::jsonrpc(addr.clone(), stopped.clone(), tally));
        workers.spawn(load::xmlrpc(addr.clone(), stopped.clone(), tally));
        if let Some(url) = &options.amqp {
            workers.spawn(load::amqp(
                url.clone(),
                queue.clone(),
                stopped.clone(),
                tally,
            ));
        }
    }
    workers.spawn(push::websocket(server.addr.clone(), stopped.clone(), tally));
    workers.spawn(push::subscribers(
        server.addr.clone(),
        stopped.clone(),
        tally,
    ));
    workers.spawn(load::hostile(
        server.addr.clone(),
        stopped.clone(),
        tally,
        options.duration,
    ));

    let started = Instant::now();
    let mut samples = vec![Sample::take(pid, Duration::ZERO, tally)];
    println!("\n{}", report::samples_header());
    println!("{}", report::sample_row(&samples[0], None));
    while started.elapsed() < options.duration {
        tokio::time::sleep(
            options
                .interval
                .min(options.duration.saturating_sub(started.elapsed())),
        )
        .await;
        let sample = Sample::take(pid, started.elapsed(), tally);
        println!("{}", report::sample_row(&sample, samples.last()));
        samples.push(sample);
    }
    let _ = stop.send(true);
    // The hostile clients that wait to be cut off finish within a minute.
    if tokio::time::timeout(Duration::from_secs(90), workers.join_all())
        .await
        .is_err()
    {
        tally.wrong(Protocol::Hostile, "the load did not end within 90 s".into());
    }

    println!("\n{}", report::outcomes(tally));
    let warmup = options
        .warmup
        .unwrap_or((options.duration / 5).max(options.interval * 2));
    let mut failures = report::judge(&samples, warmup, tally, &protocols);
    let log = server.log();
    let errors = log.lines().filter(|l| l.contains("ERROR")).count();
    if errors > 0 {
        failures.push(format!("the server logged {errors} errors:\n{log}"));
    }
    if !server.stop() {
        failures.push("the server did not exit 0 within 30 s of SIGTERM".into());
    }
    failures
}

/// Waits until the AMQP server consumes its queue.
async fn wait_for_amqp(url: &str, queue: &str) {
    let client =
        DatacenterClient::new(AmqpTransport::new(url, queue).timeout(Duration::from_secs(5)));
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Err(err) = client.get_server(1).await {
        assert!(
            Instant::now() < deadline,
            "the AMQP server does not answer on {queue}: {err}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The server under `ulimit -n LIMIT`, with twice as many clients as
/// descriptors: the clients it serves keep being answered, it backs off while
/// it cannot accept, and it serves new clients once the others leave.
async fn fd_limit(options: &Options) -> Vec<String> {
    let limit = options.fd_limit;
    let server = Server::start(options, &["--no-amqp"], Some(limit));
    println!(
        "\nsoak: datacenter serve under `ulimit -n {limit}`, {} clients at once",
        limit * 2
    );
    let mut failures = Vec::new();
    let answered = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = watch::channel(false);
    let call = br#"{"jsonrpc":"2.0","method":"get_server","params":[1],"id":1}"#;
    let mut served = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (addr, answered, stopped) =
            (server.addr.clone(), Arc::clone(&answered), stopped.clone());
        served.spawn(async move {
            let mut connection = Connection::open(&addr).await.map_err(|e| e.to_string())?;
            while !*stopped.borrow() {
                let answer = connection
                    .call("POST", "/jsonrpc", Some("application/json"), call)
                    .await
                    .map_err(|e| format!("a kept-alive client lost its connection: {e}"))?;
                if answer.json().is_none_or(|v| v["result"]["id"] != 1) {
                    return Err(format!("a kept-alive client got {}", answer.text()));
                }
                answered.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok::<(), String>(())
        });
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // More clients than descriptors. A kernel with a short queue of
    // connections waiting to be accepted (`net.core.somaxconn`) makes a
    // connect wait while the server is merely behind: keep connecting until
    // the server holds all its descriptors, or twice the limit connected.
    let phase = Instant::now();
    let mut flood = Vec::new();
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while flood.len() < (limit * 2) as usize && Instant::now() < deadline {
        let connect = tokio::net::TcpStream::connect(&server.addr);
        match tokio::time::timeout(Duration::from_secs(3), connect).await {
            Ok(Ok(stream)) => flood.push(stream),
            Ok(Err(err)) => {
                failures.push(format!(
                    "cannot open flood connection {}: {err}",
                    flood.len()
                ));
                break;
            }
            Err(_) if peak >= limit - 2 => break,
            Err(_) => {}
        }
        peak = peak.max(server.open_fds());
    }
    println!(
        "{} clients connected beside the kept-alive ones; the server held up to {peak} descriptors",
        flood.len()
    );
    if peak < limit - 2 {
        failures.push(format!(
            "the server held at most {peak} descriptors: {} clients did not exhaust its {limit}",
            flood.len()
        ));
    }
    let before = answered.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let during = answered.load(Ordering::Relaxed) - before;
    println!(
        "kept-alive clients answered {during} calls in 10 s with the server out of descriptors"
    );
    if during < 40 {
        failures.push(format!(
            "out of descriptors, the server answered its kept-alive clients only {during} times in 10 s"
        ));
    }
    let _ = stop.send(true);
    for result in served.join_all().await {
        if let Err(err) = result {
            failures.push(err);
        }
    }
    drop(flood);
    let released = Instant::now();
    // Recovered: a new client is served.
    let recovered = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if let Ok(mut c) = Connection::open(&server.addr).await
                && let Ok(answer) = c
                    .call("POST", "/jsonrpc", Some("application/json"), call)
                    .await
                && answer.status == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    match recovered.await {
        Ok(()) => println!(
            "a new client is served {:.1} s after the flood left",
            released.elapsed().as_secs_f64()
        ),
        Err(_) => failures
            .push("the server did not serve a new client within 15 s of the flood leaving".into()),
    }
    let log = server.log();
    let refused = log
        .lines()
        .filter(|l| l.contains("cannot accept a connection"))
        .count();
    let seconds = phase.elapsed().as_secs();
    println!(
        "the server logged {refused} refused accepts in {seconds} s (it retries once a second)"
    );
    if std::env::var_os("SOAK_SHOW_LOG").is_some() {
        println!("{log}");
    }
    if refused == 0 || refused as u64 > seconds + 2 {
        failures.push(format!(
            "out of descriptors, the server should log and retry once a second; it did {refused} times in {seconds} s"
        ));
    }
    if !server.stop() {
        failures.push("the server under a descriptor limit did not exit 0 on SIGTERM".into());
    }
    failures
}
