//! `datacenter stdio`: a Python parent speaking both framings over its
//! pipes, and the typed client spawning it through `StdioTransport`.

mod common;

use std::process::Command;

use datacenter::{DatacenterClient, NewServer};
use rpc_stdio::{Framing, StdioTransport};

use common::assert_passes;

fn interop(script: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(script)
}

#[test]
fn a_python_parent_speaks_both_framings_over_the_pipes() {
    assert_passes(
        Command::new("python3")
            .arg(interop("stdio_client.py"))
            .arg(env!("CARGO_BIN_EXE_datacenter")),
    );
}

#[tokio::test]
async fn the_typed_client_spawns_the_server_and_calls_it() {
    for framing in [Framing::Lines, Framing::ContentLength] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_datacenter"));
        command.args(["stdio", "--database", "memory"]);
        let transport = StdioTransport::builder()
            .framing(framing)
            .spawn(command)
            .unwrap();
        let client = DatacenterClient::new(transport);
        let active = client.get_active_servers(3).await.unwrap();
        assert_eq!(active.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2]);
        let made = client
            .create_server(NewServer {
                hostname: "piped".into(),
                country: 9,
                datacenter: "dc".into(),
                active: true,
            })
            .await
            .unwrap();
        let (one, two) = tokio::join!(
            client.get_server(made.id),
            client.list_servers(Some(9), None)
        );
        assert_eq!(one.unwrap(), made);
        assert_eq!(two.unwrap(), [made]);
        let err = client.get_server(99).await.unwrap_err();
        assert_eq!(err.rpc().map(|e| e.code()), Some(404), "{err}");
    }
}
