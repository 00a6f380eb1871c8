//! Real XML-RPC clients written by others against `datacenter serve`:
//! Python's standard `xmlrpc.client` and Perl's `RPC::XML::Client`.

mod common;

use std::process::Command;

use common::Served;

fn run(program: &str, script: &str, url: &str) {
    let script = format!("{}/tests/interop/{script}", env!("CARGO_MANIFEST_DIR"));
    common::assert_passes(Command::new(program).arg(&script).arg(url));
}

#[test]
fn python_xmlrpc_client_calls_every_method() {
    let served = Served::start();
    run(
        "python3",
        "xmlrpc_client.py",
        &format!("{}/RPC2", served.url),
    );
}

#[test]
fn perl_rpc_xml_client_gets_the_active_servers() {
    let served = Served::start();
    run("perl", "xmlrpc_client.pl", &format!("{}/RPC2", served.url));
}
