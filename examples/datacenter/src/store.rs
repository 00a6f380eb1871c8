//! [`InMemory`]: the inventory kept in memory, starting from a fixture.

use std::collections::BTreeMap;
use std::sync::RwLock;

use futures_util::StreamExt;
use rpc_core::{RpcError, Subscription};
use tokio::sync::broadcast;

use crate::{Change, Datacenter, DatacenterError, NewServer, Server, ServerChanges, ServerEvent};

/// The inventory in memory. [`InMemory::default`] starts from the fixture of
/// five servers.
///
/// ```
/// use datacenter::{Datacenter, InMemory};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let inventory = InMemory::default();
/// let active = inventory.get_active_servers(3).await.unwrap();
/// assert_eq!(active.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2]);
/// # });
/// ```
#[derive(Debug)]
pub struct InMemory {
    state: RwLock<State>,
    /// Every change, for the subscribers of `watch_servers`.
    events: broadcast::Sender<ServerEvent>,
}

/// How many changes a subscriber may fall behind before it is dropped.
const EVENTS_BEHIND: usize = 1024;

#[derive(Debug)]
struct State {
    servers: BTreeMap<u32, Server>,
    next_id: u32,
}

impl InMemory {
    /// An inventory holding `servers`.
    pub fn new(servers: impl IntoIterator<Item = Server>) -> Self {
        let servers: BTreeMap<u32, Server> = servers.into_iter().map(|s| (s.id, s)).collect();
        let next_id = servers.keys().max().map_or(1, |max| max + 1);
        Self {
            state: RwLock::new(State { servers, next_id }),
            events: broadcast::channel(EVENTS_BEHIND).0,
        }
    }

    /// Tells the subscribers (none is fine).
    fn publish(&self, change: Change, server: &Server) {
        let _ = self.events.send(ServerEvent {
            change,
            server: server.clone(),
        });
    }

    /// The five servers every inventory starts with.
    pub fn fixture() -> Vec<Server> {
        let server = |id, hostname: &str, country, datacenter: &str, active| Server {
            id,
            hostname: hostname.into(),
            country,
            datacenter: datacenter.into(),
            active,
        };
        vec![
            server(1, "us-east-1a", 3, "nyc1", true),
            server(2, "us-east-1b", 3, "nyc1", true),
            server(3, "us-west-2a", 3, "sfo2", false),
            server(4, "eu-central-1a", 49, "fra1", true),
            server(5, "eu-west-1a", 44, "lon1", true),
        ]
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic never happens while the lock is held: the data stays valid.
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for InMemory {
    fn default() -> Self {
        Self::new(Self::fixture())
    }
}

impl State {
    fn check_hostname(&self, hostname: &str, except: Option<u32>) -> Result<(), DatacenterError> {
        if hostname.trim().is_empty() {
            return Err(DatacenterError::Invalid("the hostname is empty".into()));
        }
        let taken = self
            .servers
            .values()
            .any(|s| s.hostname == hostname && Some(s.id) != except);
        if taken {
            return Err(DatacenterError::Conflict(hostname.into()));
        }
        Ok(())
    }
}

impl Datacenter for InMemory {
    async fn get_active_servers(&self, country: u32) -> Result<Vec<Server>, DatacenterError> {
        self.list_servers(Some(country), Some(true)).await
    }

    async fn get_server(&self, id: u32) -> Result<Server, DatacenterError> {
        self.read()
            .servers
            .get(&id)
            .cloned()
            .ok_or(DatacenterError::NotFound(id))
    }

    async fn list_servers(
        &self,
        country: Option<u32>,
        active: Option<bool>,
    ) -> Result<Vec<Server>, DatacenterError> {
        Ok(self
            .read()
            .servers
            .values()
            .filter(|s| country.is_none_or(|c| s.country == c))
            .filter(|s| active.is_none_or(|a| s.active == a))
            .cloned()
            .collect())
    }

    async fn create_server(
        &self,
        context: rpc_core::Context,
        new: NewServer,
    ) -> Result<Server, DatacenterError> {
        let mut state = self.write();
        // A call RabbitMQ delivers again (its first server died, or lost its
        // connection, before acknowledging it) may have run here already:
        // the server it made is then the answer, not a conflict.
        let redelivered = context
            .extensions()
            .get::<rpc_amqp::Redelivered>()
            .is_some_and(|r| r.0);
        if redelivered
            && let Some(made) = state.servers.values().find(|s| {
                (&s.hostname, s.country, &s.datacenter, s.active)
                    == (&new.hostname, new.country, &new.datacenter, new.active)
            })
        {
            return Ok(made.clone());
        }
        state.check_hostname(&new.hostname, None)?;
        let server = Server {
            id: state.next_id,
            hostname: new.hostname,
            country: new.country,
            datacenter: new.datacenter,
            active: new.active,
        };
        state.next_id += 1;
        state.servers.insert(server.id, server.clone());
        self.publish(Change::Created, &server);
        Ok(server)
    }

    async fn update_server(
        &self,
        id: u32,
        changes: ServerChanges,
    ) -> Result<Server, DatacenterError> {
        let mut state = self.write();
        if let Some(hostname) = &changes.hostname {
            state.check_hostname(hostname, Some(id))?;
        }
        let server = state
            .servers
            .get_mut(&id)
            .ok_or(DatacenterError::NotFound(id))?;
        if let Some(hostname) = changes.hostname {
            server.hostname = hostname;
        }
        if let Some(country) = changes.country {
            server.country = country;
        }
        if let Some(datacenter) = changes.datacenter {
            server.datacenter = datacenter;
        }
        if let Some(active) = changes.active {
            server.active = active;
        }
        let server = server.clone();
        self.publish(Change::Updated, &server);
        Ok(server)
    }

    async fn delete_server(&self, id: u32) -> Result<(), DatacenterError> {
        let removed = self
            .write()
            .servers
            .remove(&id)
            .ok_or(DatacenterError::NotFound(id))?;
        self.publish(Change::Deleted, &removed);
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
