//! [`Inventory`]: the `Datacenter` service over a [`Store`], telling the
//! subscribers of `watch_servers` about every change it commits.

use futures_util::StreamExt;
use rpc_core::{RpcError, Subscription};
use tokio::sync::broadcast;

use crate::events::Events;
use crate::store::{InMemory, Store, StoreError};
use crate::{Change, Datacenter, DatacenterError, NewServer, Server, ServerChanges, ServerEvent};

/// The datacenter service over a store: checks what callers send, maps the
/// store's errors to the service's, and tells the subscribers of each
/// change once it is committed. `Inventory::default()` keeps the fixture of
/// five servers in memory.
///
/// ```
/// use datacenter::{Datacenter, Inventory};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let inventory = Inventory::default();
/// let active = inventory.get_active_servers(3).await.unwrap();
/// assert_eq!(active.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2]);
/// # });
/// ```
#[derive(Debug)]
pub struct Inventory<S = InMemory> {
    store: S,
    /// Where committed changes go, and subscribers hear them.
    events: Events,
}

impl<S: Store> Inventory<S> {
    /// The service over `store`, telling its changes to this process's
    /// subscribers.
    pub fn new(store: S) -> Self {
        Self::with_events(store, Events::local())
    }

    /// The service over `store`, telling its changes to `events` (which
    /// may publish them for every process).
    pub fn with_events(store: S, events: Events) -> Self {
        Self { store, events }
    }

    /// The store it keeps the servers in.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Tells of a committed change.
    async fn publish(&self, change: Change, server: &Server) {
        self.events
            .tell(ServerEvent {
                change,
                server: server.clone(),
            })
            .await;
    }
}

impl Default for Inventory<InMemory> {
    fn default() -> Self {
        Self::new(InMemory::default())
    }
}

impl From<StoreError> for DatacenterError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(hostname) => DatacenterError::Conflict(hostname),
            StoreError::Database(err) => {
                // The caller learns that the store failed, not how: the
                // details, SQL included, stay in the server's log.
                tracing::error!(error = %err, "the inventory's database failed");
                DatacenterError::Unavailable
            }
        }
    }
}

fn check_hostname(hostname: &str) -> Result<(), DatacenterError> {
    if hostname.trim().is_empty() {
        return Err(DatacenterError::Invalid("the hostname is empty".into()));
    }
    Ok(())
}

impl<S: Store> Datacenter for Inventory<S> {
    async fn get_active_servers(&self, country: u32) -> Result<Vec<Server>, DatacenterError> {
        Ok(self.store.list(Some(country), Some(true)).await?)
    }

    async fn get_server(&self, id: u32) -> Result<Server, DatacenterError> {
        self.store
            .get(id)
            .await?
            .ok_or(DatacenterError::NotFound(id))
    }

    async fn list_servers(
        &self,
        country: Option<u32>,
        active: Option<bool>,
    ) -> Result<Vec<Server>, DatacenterError> {
        Ok(self.store.list(country, active).await?)
    }

    async fn create_server(
        &self,
        context: rpc_core::Context,
        new: NewServer,
    ) -> Result<Server, DatacenterError> {
        check_hostname(&new.hostname)?;
        // A call RabbitMQ delivers again (its first server died, or lost its
        // connection, before acknowledging it) may have run already: the
        // server it made is then the answer, not a conflict.
        let redelivered = context
            .extensions()
            .get::<rpc_amqp::Redelivered>()
            .is_some_and(|r| r.0);
        if redelivered && let Some(made) = self.store.find(&new).await? {
            return Ok(made);
        }
        let server = self.store.create(new).await?;
        self.publish(Change::Created, &server).await;
        Ok(server)
    }

    async fn update_server(
        &self,
        id: u32,
        changes: ServerChanges,
    ) -> Result<Server, DatacenterError> {
        if let Some(hostname) = &changes.hostname {
            check_hostname(hostname)?;
        }
        let server = self
            .store
            .update(id, changes)
            .await?
            .ok_or(DatacenterError::NotFound(id))?;
        self.publish(Change::Updated, &server).await;
        Ok(server)
    }

    async fn delete_server(&self, id: u32) -> Result<(), DatacenterError> {
        let removed = self
            .store
            .delete(id)
            .await?
            .ok_or(DatacenterError::NotFound(id))?;
        self.publish(Change::Deleted, &removed).await;
        Ok(())
    }

    async fn watch_servers(
        &self,
        country: Option<u32>,
    ) -> Result<Subscription<ServerEvent>, DatacenterError> {
        let receiver = self.events.subscribe();
        let events = futures_util::stream::unfold(Some(receiver), |receiver| async move {
            let mut receiver = receiver?;
            match receiver.recv().await {
                Ok(event) => Some((Ok(event), Some(receiver))),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    let err = RpcError::lagged(format!(
                        "the subscriber fell {missed} changes behind: subscribe again"
                    ));
                    Some((Err(err), None))
                }
                Err(broadcast::error::RecvError::Closed) => None,
            }
        });
        let events = events.filter(move |event: &Result<ServerEvent, RpcError>| {
            let keep = match event {
                Ok(event) => country.is_none_or(|c| event.server.country == c),
                Err(_) => true,
            };
            std::future::ready(keep)
        });
        Ok(Subscription::try_new(events))
    }
}
