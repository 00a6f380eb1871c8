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
    /// tokio's scheduler. The multi-thread one (the default) also serves
    /// HTTP/2's concurrent streams best; the current-thread one spares
    /// each HTTP/1.1 call some bookkeeping on a single CPU (README,
    /// Performance).
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

async fn run(command: Command) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            // lapin warns of every returned message: a call to a queue no
            // server consumes, which `call` reports itself.
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,lapin::returned_messages=error".into()),
        )
        .with_writer(std::io::stderr)
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
