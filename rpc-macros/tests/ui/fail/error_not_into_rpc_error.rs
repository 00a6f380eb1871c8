#[derive(Debug)]
pub struct MyError;

#[rpc_core::service]
pub trait Svc {
    async fn ping(&self) -> Result<(), MyError>;
}

fn main() {}
