//! The load of the client rows' dxr contender: N tasks calling
//! `get_active_servers(3)` through one dxr client (reqwest underneath) for
//! a while; prints what `client_load` prints.
//!
//! Usage: `dxr_client_load dxr URL N SECONDS` (the arguments of
//! `client_load`, whose kind it takes and checks).

use rpc_bench_dxr::DxrServer;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    const USAGE: &str = "dxr_client_load dxr URL N SECONDS";
    let (kind, url, tasks, seconds) = rpc_bench::client_args(USAGE);
    if kind != "dxr" {
        eprintln!("usage: {USAGE}");
        std::process::exit(2)
    }
    let cpu = rpc_bench::cpu_time_us();
    let client = dxr_client::ClientBuilder::new(url.parse().expect("a URL")).build();
    let client = &client;
    let (latencies, elapsed) = rpc_bench::calls(tasks, seconds, || async move {
        let servers: Vec<DxrServer> = client
            .call("get_active_servers", 3i32)
            .await
            .map_err(|e| e.to_string())?;
        Ok(servers.len())
    })
    .await;
    let cpu = rpc_bench::cpu_time_us() - cpu;
    println!("{}", rpc_bench::line_with_cpu(latencies, elapsed, cpu));
}
