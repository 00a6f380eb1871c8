//! The machine's PostgreSQL server, and databases of the tests' own on it.

use datacenter::SqlStore;

/// The machine's PostgreSQL server (no database in the URL).
pub fn postgres_server() -> String {
    std::env::var("RPC_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_owned()
}

/// A database of its own on the machine's PostgreSQL, dropped at the end.
pub struct Database {
    pub url: String,
    pub name: String,
}

impl Database {
    pub fn new(purpose: &str) -> Self {
        let name = format!("datacenter_{purpose}_{}", std::process::id());
        Self {
            url: format!("{}/{name}", postgres_server()),
            name,
        }
    }

    /// The URL of this database through `port` on this machine.
    pub fn through(&self, port: u16) -> String {
        let server = postgres_server();
        let (scheme_user, _) = server.rsplit_once('@').expect("a user in the URL");
        format!("{scheme_user}@127.0.0.1:{port}/{}", self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let url = self.url.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    use sqlx::migrate::MigrateDatabase;
                    let _ = sqlx::Postgres::force_drop_database(&url).await;
                })
        })
        .join();
    }
}

pub async fn open_postgres(url: &str) -> SqlStore {
    SqlStore::open(url).await.unwrap_or_else(|err| {
        panic!(
            "cannot use PostgreSQL at {}: {err}: start it (the test command does), \
             or set RPC_POSTGRES_URL",
            postgres_server()
        )
    })
}
