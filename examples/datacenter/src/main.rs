//! `datacenter serve` serves the inventory on every protocol;
//! `datacenter call METHOD ARGS...` calls it through the generated client.

mod call;

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use datacenter::{DatacenterServer, InMemory};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    version,
    about = "The datacenter inventory, served over every protocol of the rpc framework"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the inventory: REST resources, JSON-RPC 2.0 at POST /jsonrpc, XML-RPC
    /// at POST /RPC2, OpenAPI at /openapi.json and its docs page at /docs.
    Serve {
        /// The address to listen on (port 0 picks a free port).
        #[arg(long, env = "DATACENTER_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Calls a method and prints its result as JSON.
    ///
    /// Each argument is JSON (`3`, `true`, `{"hostname":"a"}`), or else a string.
    /// An optional argument may be left out at the end or given as `null`.
    Call {
        /// The server's base URL.
        #[arg(long, env = "DATACENTER_URL", default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The protocol to call with.
        #[arg(long, value_enum, default_value_t = call::Protocol::Jsonrpc)]
        protocol: call::Protocol,
        /// The method, e.g. get_active_servers.
        method: String,
        /// The method's arguments, in order.
        args: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Serve { listen } => serve(listen).await,
        Command::Call {
            url,
            protocol,
            method,
            args,
        } => call::run(&url, protocol, &method, &args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(listen: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let app =
        rpc_http::router(DatacenterServer::new(InMemory::default())).fallback(rpc_http::not_found);
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    // Signals are registered before the server says it is ready, so that a
    // signal sent as soon as it is ready stops it gracefully.
    let shutdown = shutdown_signal()?;
    // The first line on stdout says where to call; scripts and tests read it.
    println!(
        "datacenter: serving on http://{addr} (REST, JSON-RPC 2.0 at /jsonrpc, XML-RPC at /RPC2, docs at /docs)"
    );
    tracing::info!(%addr, "serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM; the handlers are installed now.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down: finishing the calls in flight");
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing the calls in flight");
    })
}
