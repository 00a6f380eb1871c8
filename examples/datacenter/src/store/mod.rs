//! Where the inventory is kept: the [`Store`] trait, with a store in memory
//! ([`InMemory`]) and one in SQL ([`SqlStore`]: SQLite or PostgreSQL).
//! [`Inventory`](crate::Inventory) serves the `Datacenter` trait over any
//! of them.

mod memory;
mod sql;

use std::future::Future;

use crate::{NewServer, Server, ServerChanges};

pub use self::memory::InMemory;
pub use self::sql::SqlStore;

/// The errors of a store: whatever the backend, a taken host name is a
/// conflict, and anything else a failure of the store itself.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another server has that host name.
    #[error("a server named `{0}` already exists")]
    Conflict(String),
    /// The database failed or cannot be reached.
    #[error("the database failed: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A place to keep servers. Each method is one transaction: once it
/// returns `Ok`, the change is committed.
///
/// ```
/// use datacenter::{InMemory, Store};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = InMemory::default();
/// let active = store.list(Some(3), Some(true)).await.unwrap();
/// assert_eq!(active.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2]);
/// # });
/// ```
pub trait Store: Send + Sync + 'static {
    /// The servers, by id, optionally only those of a country and/or in a
    /// given state.
    fn list(
        &self,
        country: Option<u32>,
        active: Option<bool>,
    ) -> impl Future<Output = Result<Vec<Server>, StoreError>> + Send;

    /// One server, if there is one with that id.
    fn get(&self, id: u32) -> impl Future<Output = Result<Option<Server>, StoreError>> + Send;

    /// The server with exactly these fields, if there is one.
    fn find(
        &self,
        new: &NewServer,
    ) -> impl Future<Output = Result<Option<Server>, StoreError>> + Send;

    /// Adds a server, with a new id.
    fn create(&self, new: NewServer) -> impl Future<Output = Result<Server, StoreError>> + Send;

    /// Sets the fields given; the server as it now is, if there is one.
    fn update(
        &self,
        id: u32,
        changes: ServerChanges,
    ) -> impl Future<Output = Result<Option<Server>, StoreError>> + Send;

    /// Removes a server; it as it was, if there was one.
    fn delete(&self, id: u32) -> impl Future<Output = Result<Option<Server>, StoreError>> + Send;
}
