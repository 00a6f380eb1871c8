#[rpc_core::service]
pub struct Svc;

fn main() {}
