//! `datacenter stdio`: the inventory as JSON-RPC 2.0 on stdin and stdout.

use clap::Args;
use datacenter::Events;

use crate::serve::{inventory, layered};

#[derive(Args)]
pub struct StdioArgs {
    /// Where the inventory is kept, as for `serve`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite::memory:")]
    database: String,
    /// The longest a call may run, in milliseconds; 0 for no limit.
    #[arg(long, env = "DATACENTER_CALL_TIMEOUT_MS", default_value_t = 30_000)]
    call_timeout_ms: u64,
}

pub async fn stdio(args: StdioArgs) -> Result<(), Box<dyn std::error::Error>> {
    let service = inventory(&args.database, Events::local()).await?;
    let service = layered(service, None, args.call_timeout_ms, 0);
    tracing::info!("serving JSON-RPC 2.0 on stdin and stdout");
    rpc_stdio::StdioServer::new(service).serve_stdio().await?;
    tracing::info!("stdin ended: stopped");
    Ok(())
}
