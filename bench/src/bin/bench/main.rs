//! The benchmark runner: the datacenter service through the framework, side
//! by side with hand-written baselines and peers, in one run, on loopback.
//!
//! Every server runs pinned to CPU 1 and the load generator to CPU 0
//! (`taskset`), the contenders of a row take turns (A B C, then C B A, …) for
//! several rounds after a warm-up, and the table gives the median requests per
//! second, the median p50/p99 latencies, each server's peak memory, and the
//! ratio to the row's baseline, measured round by round (see `report`). A
//! second table checks the project's bars.
//!
//! Usage: `./scripts/bench [--rounds N] [--seconds S] [--connections C] [--only ROW]`,
//! where `--only xml` measures only the rows whose title contains `xml`
//! (`--only unix,pipes,mqtt`: those that contain any of them).

use std::path::PathBuf;
use std::process::{Command, Stdio};

use self::load::run;
use self::process::{Server, which};
use self::servers::Setup;

mod bars;
mod client_rows;
mod load;
mod process;
mod report;
mod rows;
mod servers;
mod startup;

/// The bar of the framework's peak memory under HTTP load over axum by
/// hand's (issue 18; it was 2.00).
const MAX_MEMORY_RATIO: f64 = 1.50;

pub struct Options {
    pub rounds: usize,
    pub seconds: u64,
    pub connections: usize,
    pub amqp_url: String,
    pub mqtt_url: String,
    /// Only the rows whose title contains this (case-insensitive).
    pub only: Option<String>,
}

fn options() -> Options {
    let mut options = Options {
        rounds: 10,
        seconds: 2,
        connections: 32,
        amqp_url: std::env::var("AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
        mqtt_url: std::env::var("MQTT_URL").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into()),
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&arg))
        };
        match arg.as_str() {
            "--rounds" => options.rounds = value(),
            "--seconds" => options.seconds = value() as u64,
            "--connections" => options.connections = value(),
            "--only" => options.only = Some(args.next().unwrap_or_else(|| usage(&arg))),
            _ => usage(&arg),
        }
    }
    options
}

fn usage(arg: &str) -> ! {
    eprintln!(
        "unexpected `{arg}`\nusage: bench [--rounds N] [--seconds S] [--connections C] [--only ROW]"
    );
    std::process::exit(2)
}
fn main() {
    let options = options();
    let bin = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let root = bin.join("../..");
    let dir = std::env::temp_dir().join(format!("rpc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    assert!(which("wrk"), "wrk is missing: apt-get install wrk");
    // dxr's binaries come from a cargo run of their own (see bench/dxr).
    for program in ["datacenter", "baseline_dxr", "dxr_client_load"] {
        assert!(
            bin.join(program).exists(),
            "{} is missing: run ./scripts/bench, which builds it",
            bin.join(program).display()
        );
    }

    // Certificates for the HTTPS row, made by the example itself.
    let certs = dir.join("certs");
    let made = Command::new(bin.join("datacenter"))
        .arg("certs")
        .arg(&certs)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "datacenter certs failed");
    let cert = certs.join("server.pem").display().to_string();
    let key = certs.join("server.key").display().to_string();

    let setup = Setup::new(&dir);
    let servers = servers::start_all(&options, &setup, &bin, &root, &cert, &key);
    let mut rows = rows::rows(&options, &setup);

    if let Some(only) = &options.only {
        // Any of several, separated by commas.
        let only: Vec<String> = only.split(',').map(str::to_lowercase).collect();
        rows.retain(|(title, _)| {
            let title = title.to_lowercase();
            only.iter().any(|o| title.contains(o.as_str()))
        });
    }
    for (title, contenders) in &mut rows {
        eprintln!("{title}: warm-up");
        for c in contenders.iter() {
            run(&c.load, &options, 1, &dir, &bin);
        }
        for round in 1..=options.rounds {
            eprintln!("{title}: round {round}/{}", options.rounds);
            // A B C, then C B A: no contender always runs right after the
            // same one.
            let n = contenders.len();
            for i in 0..n {
                let c = &mut contenders[if round % 2 == 1 { i } else { n - 1 - i }];
                let server = servers.iter().find(|s| s.name == c.server);
                let before = server.map(Server::cpu_time);
                let mut sample = run(&c.load, &options, options.seconds, &dir, &bin);
                let calls = sample.rps * options.seconds as f64;
                if let (Some(server), Some(before)) = (server, before) {
                    let (us, kernel_us) = server.cpu_time().since(&before);
                    sample.server_cpu_us_per_call = us / calls;
                    sample.server_kernel_us_per_call = kernel_us / calls;
                }
                c.samples.push(sample);
            }
        }
    }

    let memory = |name: &str| {
        servers
            .iter()
            .find(|s| s.name == name)
            .map_or(f64::NAN, Server::peak_memory_mib)
    };
    report::print_rows(&rows, memory);
    report::print_bars(&rows, &bars::bars());
    let by_hand = memory("axum by hand");
    let http_measured = rows.iter().any(|(title, _)| title.starts_with("REST `"));
    // The bar is the framework's own cost, a binary that serves HTTP only
    // beside axum by hand; `datacenter`, which carries every transport and
    // store, is shown beside it.
    let memory_rows = [
        (
            "framework, HTTP only",
            "a binary that serves HTTP only (`framework_http`)",
            true,
        ),
        (
            "datacenter (framework)",
            "`datacenter serve`, every transport and store linked in",
            false,
        ),
    ];
    for (server, what, bar) in memory_rows {
        let framework = memory(server);
        if !(http_measured && framework.is_finite() && by_hand.is_finite()) {
            continue;
        }
        let ratio = framework / by_hand;
        let (target, met) = match (bar, ratio <= MAX_MEMORY_RATIO) {
            (false, _) => (String::new(), ""),
            (true, true) => (format!("≤ {MAX_MEMORY_RATIO:.2}×"), "yes"),
            (true, false) => (format!("≤ {MAX_MEMORY_RATIO:.2}×"), "**no**"),
        };
        println!(
            "| peak server memory under HTTP load over axum by hand: {what} | {ratio:.2}× | | {target} | {met} |"
        );
    }
    let wanted = |what: &str| {
        options
            .only
            .as_ref()
            .is_none_or(|only| only.to_lowercase().contains(what))
    };
    if wanted("start") {
        startup::print(&bin);
    }
    println!("\n| server process | pid | peak RSS MiB |\n|---|---:|---:|");
    for server in &servers {
        println!(
            "| {} | {} | {:.1} |",
            server.name,
            server.child.id(),
            server.peak_memory_mib()
        );
    }
    println!(
        "\n{} rounds of {} s per contender after a 1 s warm-up, wrk -t1 -c{} pinned to CPU 0, servers pinned to CPU 1, {} CPUs.",
        options.rounds,
        options.seconds,
        options.connections,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let _ = std::fs::remove_dir_all(PathBuf::from(&dir));
    drop(servers);
    drop_database(&setup.database);
}

/// Drops the PostgreSQL row's database.
fn drop_database(url: &str) {
    use sqlx::migrate::MigrateDatabase;
    let dropped = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(sqlx::Postgres::force_drop_database(url));
    if let Err(err) = dropped {
        eprintln!("warning: cannot drop the benchmark's database: {err}");
    }
}
