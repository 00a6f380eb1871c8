//! The datacenter inventory: one trait, served over every protocol of the
//! framework by `datacenter serve`, and called by `datacenter call`.
#![deny(missing_docs)]

mod auth;
mod events;
mod inventory;
mod store;

use rpc_core::{DocumentedErrors, ErrorMeta, RpcError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use self::auth::{RequireBearer, RequireBearerService};
pub use self::events::{Events, InventoryEvents, InventoryEventsClient, InventoryEventsServer};
pub use self::inventory::Inventory;
pub use self::store::{InMemory, SqlStore, Store, StoreError};

/// A server in a datacentre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Server {
    /// Unique id, given by the inventory.
    pub id: u32,
    /// Its host name, unique in the inventory.
    pub hostname: String,
    /// The country it stands in, as an international dialling code.
    pub country: u32,
    /// The datacentre it stands in.
    pub datacenter: String,
    /// Whether it is in use.
    pub active: bool,
}

/// A server to add to the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServer {
    /// Its host name, unique in the inventory.
    #[schema(min_length = 1, pattern = r"\S")]
    pub hostname: String,
    /// The country it stands in.
    pub country: u32,
    /// The datacentre it stands in.
    pub datacenter: String,
    /// Whether it is in use; `true` when left out.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Changes to a server: the fields given are set, the others kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerChanges {
    /// A new host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, pattern = r"\S")]
    pub hostname: Option<String>,
    /// A new country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<u32>,
    /// A new datacentre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<String>,
    /// Whether it is in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// What happened to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// It was added.
    Created,
    /// Some of its fields changed.
    Updated,
    /// It was removed.
    Deleted,
}

/// A change to the inventory, as `watch_servers` pushes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServerEvent {
    /// What happened.
    pub change: Change,
    /// The server as it now is (as it was, for a deleted one).
    pub server: Server,
}

/// Why a datacenter call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatacenterError {
    /// No server has that id.
    #[error("server {0} not found")]
    NotFound(u32),
    /// Another server has that host name.
    #[error("a server named `{0}` already exists")]
    Conflict(String),
    /// The request makes no sense (an empty host name…).
    #[error("invalid server: {0}")]
    Invalid(String),
    /// The inventory's database failed or cannot be reached: an internal
    /// error in every protocol (the details are in the server's log).
    #[error("internal error: the inventory's database is unavailable; try again")]
    Unavailable,
}

impl DatacenterError {
    /// The code of this error on every protocol (the HTTP status it maps to).
    pub fn code(&self) -> i32 {
        match self {
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::Invalid(_) => 422,
            Self::Unavailable => RpcError::INTERNAL_ERROR,
        }
    }
}

/// The errors the documents list for every method (OpenAPI responses,
/// OpenRPC errors).
impl DocumentedErrors for DatacenterError {
    const ERRORS: &'static [ErrorMeta] = &[
        ErrorMeta::new(404, "No server has that id").status(404),
        ErrorMeta::new(409, "Another server has that host name").status(409),
        ErrorMeta::new(
            422,
            "The server described makes no sense (an empty host name…)",
        )
        .status(422),
    ];
}

impl From<DatacenterError> for RpcError {
    fn from(err: DatacenterError) -> Self {
        if err == DatacenterError::Unavailable {
            return RpcError::internal(err.to_string());
        }
        let code = err.code();
        let status = http::StatusCode::from_u16(code as u16)
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let error = RpcError::new(code, err.to_string()).with_status(status);
        match err {
            DatacenterError::NotFound(id) => error.with_data(serde_json::json!({ "id": id })),
            DatacenterError::Conflict(hostname) => {
                error.with_data(serde_json::json!({ "hostname": hostname }))
            }
            DatacenterError::Invalid(_) | DatacenterError::Unavailable => error,
        }
    }
}

/// Inventory of servers in our datacentres.
#[rpc_core::service]
pub trait Datacenter {
    /// Servers currently in use in a country.
    #[rpc(idempotent)]
    #[rest(get = "/country/{country}/server/active")]
    async fn get_active_servers(&self, country: u32) -> Result<Vec<Server>, DatacenterError>;

    /// One server, by id.
    #[rpc(idempotent)]
    #[rest(get = "/servers/{id}")]
    async fn get_server(&self, id: u32) -> Result<Server, DatacenterError>;

    /// Every server, optionally only those of a country and/or in a given state.
    #[rpc(idempotent)]
    #[rest(get = "/servers")]
    async fn list_servers(
        &self,
        country: Option<u32>,
        active: Option<bool>,
    ) -> Result<Vec<Server>, DatacenterError>;

    /// Adds a server; its id is given by the inventory.
    #[rest(post = "/servers", status = 201)]
    async fn create_server(
        &self,
        #[context] context: rpc_core::Context,
        new: NewServer,
    ) -> Result<Server, DatacenterError>;

    /// Changes some fields of a server.
    #[rpc(idempotent)]
    #[rest(patch = "/servers/{id}")]
    async fn update_server(
        &self,
        id: u32,
        changes: ServerChanges,
    ) -> Result<Server, DatacenterError>;

    /// Removes a server.
    #[rest(delete = "/servers/{id}")]
    async fn delete_server(&self, id: u32) -> Result<(), DatacenterError>;

    /// Every change to the inventory from now on, optionally only those of
    /// servers in one country.
    #[subscription]
    #[rest(get = "/servers/events")]
    async fn watch_servers(
        &self,
        country: Option<u32>,
    ) -> Result<rpc_core::Subscription<ServerEvent>, DatacenterError>;
}
