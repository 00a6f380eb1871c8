//! `datacenter serve` serves the inventory on every protocol;
//! `datacenter stdio` serves it over stdin and stdout;
//! `datacenter call METHOD ARGS...` calls it through the generated client.

mod call;
mod certs;
mod listen;
mod serve;
mod stdio;
mod tls;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use self::serve::{ServeArgs, serve};
use self::stdio::{StdioArgs, stdio};

#[derive(Parser)]
#[command(
    version,
    about = "The datacenter inventory, served over every protocol of the rpc framework"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// tokio's scheduler: the multi-thread one (the default), or the
    /// current-thread one, which serves HTTP/2's concurrent streams worse
    /// (README, Performance).
    #[arg(long, global = true, env = "DATACENTER_RUNTIME", value_enum, default_value_t = Runtime::MultiThread)]
    runtime: Runtime,
}

/// Which of tokio's schedulers runs the process.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Runtime {
    /// A worker thread per CPU, tasks stolen between them.
    MultiThread,
    /// Every task on the main thread.
    CurrentThread,
}

impl Runtime {
    fn build(self) -> std::io::Result<tokio::runtime::Runtime> {
        let mut builder = match self {
            Runtime::MultiThread => tokio::runtime::Builder::new_multi_thread(),
            Runtime::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        };
        builder.enable_all().build()
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serves the inventory: REST resources, JSON-RPC 2.0 at POST /jsonrpc, XML-RPC
    /// at POST /RPC2, OpenAPI at /openapi.json and its docs page at /docs.
    Serve(ServeArgs),
    /// Serves the inventory as JSON-RPC 2.0 over stdin and stdout, as a
    /// language server or an MCP tool server does: framed with
    /// `Content-Length` headers or one message per line, told apart by the
    /// first bytes read. Logs go to stderr. Ends, with status 0, when stdin does.
    Stdio(StdioArgs),
    /// Writes a private CA, a server certificate (localhost, 127.0.0.1, ::1)
    /// and a client certificate into DIR, to try HTTPS and mutual TLS.
    Certs {
        /// Where to write them.
        dir: std::path::PathBuf,
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
        /// The RabbitMQ broker, for `--protocol amqp` (given alone, it implies it).
        #[arg(long, env = "AMQP_URL")]
        amqp: Option<String>,
        /// The queue of the service, for `--protocol amqp`.
        #[arg(long, env = "AMQP_QUEUE", default_value = "datacenter")]
        amqp_queue: String,
        /// The MQTT broker, for `--protocol mqtt` (given alone, it implies it).
        #[arg(long, env = "MQTT_URL")]
        mqtt: Option<String>,
        /// The service's MQTT request topic, for `--protocol mqtt`.
        #[arg(long, env = "MQTT_TOPIC", default_value = "datacenter/rpc")]
        mqtt_topic: String,
        /// Sends `Authorization: Bearer <TOKEN>` with the call.
        #[arg(long, env = "DATACENTER_TOKEN")]
        token: Option<String>,
        #[command(flatten)]
        tls: tls::ClientTlsArgs,
        /// The method, e.g. get_active_servers.
        method: String,
        /// The method's arguments, in order.
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.runtime.build() {
        Ok(runtime) => runtime.block_on(run(cli.command)),
        Err(err) => {
            eprintln!("error: cannot start tokio's runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

/// What to log: `RUST_LOG` as targets and levels (`warn,rpc_core=debug`).
/// tracing-subscriber's `Targets` reads them without compiling a regular
/// expression, where `EnvFilter` (which also filters on spans and fields)
/// builds one at start-up: a few milliseconds and some hundreds of KiB of
/// code a service pays for whether it logs or not.
fn log_filter() -> tracing_subscriber::filter::Targets {
    // lapin warns of every returned message: a call to a queue no server
    // consumes, which `call` reports itself.
    const DEFAULT: &str = "info,lapin::returned_messages=error";
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    if let Some(value) = from_env {
        match value.parse() {
            Ok(filter) => return filter,
            Err(err) => eprintln!(
                "warning: RUST_LOG={value:?} is not `target=level,…` ({err}); logging at info"
            ),
        }
    }
    DEFAULT.parse().unwrap_or_default()
}

async fn run(command: Command) -> ExitCode {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(log_filter())
        .init();
    let result = match command {
        Command::Serve(args) => serve(args).await,
        Command::Stdio(args) => stdio(args).await,
        Command::Certs { dir } => certs::write(&dir),
        Command::Call {
            url,
            protocol,
            amqp,
            amqp_queue,
            mqtt,
            mqtt_topic,
            token,
            tls,
            method,
            args,
        } => {
            let target = call::Target {
                url,
                protocol,
                amqp,
                amqp_queue,
                mqtt,
                mqtt_topic,
                token,
                tls,
            };
            call::run(&target, &method, &args).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
