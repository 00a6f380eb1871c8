//! [`InMemory`]: servers kept in a map in memory, starting from a fixture.

use std::collections::BTreeMap;
use std::sync::RwLock;

use super::{Store, StoreError};
use crate::{NewServer, Server, ServerChanges};

/// Servers in memory. [`InMemory::default`] starts from the fixture of five
/// servers. Ids are never given twice.
#[derive(Debug)]
pub struct InMemory {
    state: RwLock<State>,
}

#[derive(Debug)]
struct State {
    servers: BTreeMap<u32, Server>,
    next_id: u32,
}

impl InMemory {
    /// A store holding `servers`.
    pub fn new(servers: impl IntoIterator<Item = Server>) -> Self {
        let servers: BTreeMap<u32, Server> = servers.into_iter().map(|s| (s.id, s)).collect();
        let next_id = servers.keys().max().map_or(1, |max| max + 1);
        Self {
            state: RwLock::new(State { servers, next_id }),
        }
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
    fn check_hostname(&self, hostname: &str, except: Option<u32>) -> Result<(), StoreError> {
        let taken = self
            .servers
            .values()
            .any(|s| s.hostname == hostname && Some(s.id) != except);
        if taken {
            return Err(StoreError::Conflict(hostname.into()));
        }
        Ok(())
    }
}

impl Store for InMemory {
    async fn list(
        &self,
        country: Option<u32>,
        active: Option<bool>,
    ) -> Result<Vec<Server>, StoreError> {
        Ok(self
            .read()
            .servers
            .values()
            .filter(|s| country.is_none_or(|c| s.country == c))
            .filter(|s| active.is_none_or(|a| s.active == a))
            .cloned()
            .collect())
    }

    async fn get(&self, id: u32) -> Result<Option<Server>, StoreError> {
        Ok(self.read().servers.get(&id).cloned())
    }

    async fn find(&self, new: &NewServer) -> Result<Option<Server>, StoreError> {
        Ok(self
            .read()
            .servers
            .values()
            .find(|s| {
                (&s.hostname, s.country, &s.datacenter, s.active)
                    == (&new.hostname, new.country, &new.datacenter, new.active)
            })
            .cloned())
    }

    async fn create(&self, new: NewServer) -> Result<Server, StoreError> {
        let mut state = self.write();
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
        Ok(server)
    }

    async fn update(&self, id: u32, changes: ServerChanges) -> Result<Option<Server>, StoreError> {
        let mut state = self.write();
        if let Some(hostname) = &changes.hostname {
            state.check_hostname(hostname, Some(id))?;
        }
        let Some(server) = state.servers.get_mut(&id) else {
            return Ok(None);
        };
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
        Ok(Some(server.clone()))
    }

    async fn delete(&self, id: u32) -> Result<Option<Server>, StoreError> {
        Ok(self.write().servers.remove(&id))
    }
}
