//! Any type serde can read and write stands in a signature; a schema is a
//! bonus (the open schema `{}` documents a type without one).
use std::collections::{BTreeMap, HashSet};

use rpc_core::RpcError;
use rpc_core::xmlrpc::{Base64, DateTime};

/// A type of a crate without utoipa support.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct NoSchema {
    x: u32,
}

#[rpc_core::service]
pub trait Anything {
    async fn echo_struct(
        &self,
        value: BTreeMap<String, serde_json::Value>,
    ) -> Result<BTreeMap<String, serde_json::Value>, RpcError>;
    async fn mixed(&self) -> Result<(i32, bool, String, f64, DateTime, Base64), RpcError>;
    async fn foreign(&self, value: NoSchema, more: Option<Vec<NoSchema>>) -> Result<NoSchema, RpcError>;
    async fn raw(&self, value: Box<serde_json::value::RawValue>) -> Result<Box<serde_json::value::RawValue>, RpcError>;
    async fn containers(&self, a: [u8; 4], b: HashSet<i64>, c: (u16,)) -> Result<Vec<Option<serde_json::Value>>, RpcError>;
}

fn main() {}
