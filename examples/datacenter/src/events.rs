//! Changes to the inventory, told to every process that serves it:
//! [`InventoryEvents`], the trait published to a RabbitMQ exchange, and
//! [`Events`], a process's hub of changes for the subscribers of
//! `watch_servers`.

use rpc_amqp::AmqpTransport;
use rpc_core::RpcError;
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::ServerEvent;

/// How many changes a subscriber may fall behind before it is dropped.
const EVENTS_BEHIND: usize = 1024;

/// Changes to the inventory, published for every `datacenter serve`
/// process to hear (each binds a queue of its own to the exchange).
#[rpc_core::service]
pub trait InventoryEvents {
    /// A server was created, changed or deleted, and it is committed.
    async fn server_changed(&self, event: ServerEvent) -> Result<(), RpcError>;
}

/// A process's hub of changes. [`Events::local`] tells this process's
/// subscribers only; [`Events::publishing`] publishes each change instead,
/// for every process listening on the exchange (this one too, through
/// [`InventoryEvents`]) to tell its subscribers.
///
/// ```
/// use datacenter::{Datacenter, Events, Inventory, InMemory};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let events = Events::local();
/// let inventory = Inventory::with_events(InMemory::default(), events.clone());
/// let _changes = inventory.watch_servers(None).await.unwrap();
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Events {
    local: broadcast::Sender<ServerEvent>,
    publisher: Option<Arc<InventoryEventsClient<AmqpTransport>>>,
}

impl Events {
    /// Changes told to this process's subscribers only.
    pub fn local() -> Self {
        Self {
            local: broadcast::channel(EVENTS_BEHIND).0,
            publisher: None,
        }
    }

    /// Changes published through `publisher` ([`AmqpTransport::publisher`])
    /// rather than told here; serve [`InventoryEventsServer`] of this hub on
    /// the exchange to hear them back. A change is published before the call
    /// that made it returns, so that changes made one after the other, even
    /// through different processes, are heard in that order. A change that
    /// cannot be published is told here only, and logged.
    pub fn publishing(mut self, publisher: AmqpTransport) -> Self {
        self.publisher = Some(Arc::new(InventoryEventsClient::new(publisher)));
        self
    }

    /// Tells of a committed change.
    pub(crate) async fn tell(&self, event: ServerEvent) {
        if let Some(publisher) = &self.publisher {
            match publisher.server_changed(event.clone()).await {
                Ok(()) => return,
                Err(err) => tracing::warn!(
                    error = %err,
                    "cannot publish a change to the other processes; telling this one's subscribers only"
                ),
            }
        }
        // No subscriber is fine.
        let _ = self.local.send(event);
    }

    /// The changes from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<ServerEvent> {
        self.local.subscribe()
    }
}

/// The changes heard on the exchange, told to this process's subscribers.
impl InventoryEvents for Events {
    async fn server_changed(&self, event: ServerEvent) -> Result<(), RpcError> {
        let _ = self.local.send(event);
        Ok(())
    }
}
