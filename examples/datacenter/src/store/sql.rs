//! [`SqlStore`]: servers kept in SQL, in SQLite (embedded, in memory or in a
//! file) or PostgreSQL, through sqlx, with the migrations of `migrations/`.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::migrate::{MigrateDatabase, Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::{InMemory, Store, StoreError};
use crate::{NewServer, Server, ServerChanges};

/// How long a call waits for a connection to the database before it fails
/// (the database is down, or every connection is busy).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Servers in a SQL database. The host name is unique in the table, so the
/// database itself refuses a second server of the same name.
///
/// ```
/// use datacenter::{SqlStore, Store};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = SqlStore::open("sqlite::memory:").await.unwrap();
/// let active = store.list(Some(3), Some(true)).await.unwrap();
/// assert_eq!(active.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2]);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: Pool,
    /// For a database in memory, the connection that keeps it alive.
    _keeper: Option<SqlitePool>,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to whichever pool the store has.
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

type Row = (i64, String, i64, String, bool);

const LIST: &str = "SELECT id, hostname, country, datacenter, active FROM servers \
    WHERE ($1 IS NULL OR country = $1) AND ($2 IS NULL OR active = $2) ORDER BY id";
const GET: &str = "SELECT id, hostname, country, datacenter, active FROM servers WHERE id = $1";
const FIND: &str = "SELECT id, hostname, country, datacenter, active FROM servers \
    WHERE hostname = $1 AND country = $2 AND datacenter = $3 AND active = $4";
const CREATE: &str = "INSERT INTO servers (hostname, country, datacenter, active) \
    VALUES ($1, $2, $3, $4) RETURNING id, hostname, country, datacenter, active";
const UPDATE: &str = "UPDATE servers SET hostname = COALESCE($2, hostname), \
    country = COALESCE($3, country), datacenter = COALESCE($4, datacenter), \
    active = COALESCE($5, active) WHERE id = $1 \
    RETURNING id, hostname, country, datacenter, active";
const DELETE: &str =
    "DELETE FROM servers WHERE id = $1 RETURNING id, hostname, country, datacenter, active";
const COUNT: &str = "SELECT COUNT(*) FROM servers";
const SEED: &str = "INSERT INTO servers (id, hostname, country, datacenter, active) \
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
/// After rows were inserted with their ids, PostgreSQL's next id follows.
const PG_SEQUENCE: &str = "SELECT setval(pg_get_serial_sequence('servers', 'id'), \
    (SELECT MAX(id) FROM servers))";

impl SqlStore {
    /// Opens the database at `url`, migrates it, and seeds the fixture of
    /// five servers when it holds none:
    ///
    /// - `sqlite::memory:`: an embedded database in memory, gone at exit;
    /// - `sqlite://FILE`: an embedded database in a file, created if missing;
    /// - `postgres://USER@HOST/DB`: PostgreSQL, the database created if
    ///   missing.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let mut keeper = None;
        let pool = if url.starts_with("sqlite:") {
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let mut pool = SqlitePoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
            let options = if in_memory {
                // A database in memory lives as long as a connection to it:
                // a named one, shared by the pool's connection and a keeper
                // that never runs a query, so that a connection the pool
                // drops (a call cancelled mid-query) takes no data with it.
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let name = format!(
                    "file:datacenter-{}-{}?mode=memory&cache=shared",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                );
                let options =
                    SqliteConnectOptions::from_str(&format!("sqlite:{name}")).map_err(database)?;
                let keep = SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options.clone())
                    .await
                    .map_err(database)?;
                keeper = Some(keep);
                // One connection: a shared cache locks whole tables.
                pool = pool.max_connections(1);
                options
            } else {
                SqliteConnectOptions::from_str(url)
                    .map_err(database)?
                    .create_if_missing(true)
            };
            Pool::Sqlite(pool.connect_with(options).await.map_err(database)?)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            if !sqlx::Postgres::database_exists(url)
                .await
                .map_err(database)?
            {
                sqlx::Postgres::create_database(url)
                    .await
                    .map_err(database)?;
            }
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect(url)
                .await
                .map_err(database)?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::Database(
                format!(
                    "`{url}` is not a database URL: give sqlite::memory:, sqlite://FILE or postgres://…"
                )
                .into(),
            ));
        };
        let store = Self {
            pool,
            _keeper: keeper,
        };
        store.migrate().await?;
        store.seed().await?;
        Ok(store)
    }

    /// Applies the migrations of `migrations/` not applied yet (sqlx's
    /// table of applied migrations, so the `sqlx migrate` CLI reads it too).
    async fn migrate(&self) -> Result<(), StoreError> {
        let migration = |version, description: &'static str, sql: &'static str| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        };
        let migrations = match &self.pool {
            Pool::Sqlite(_) => vec![migration(
                1,
                "servers",
                include_str!("../../migrations/sqlite/0001_servers.sql"),
            )],
            Pool::Postgres(_) => vec![migration(
                1,
                "servers",
                include_str!("../../migrations/postgres/0001_servers.sql"),
            )],
        };
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        on_pool!(&self.pool, p => migrator.run(p).await).map_err(database)
    }

    /// Seeds the fixture into an empty table.
    async fn seed(&self) -> Result<(), StoreError> {
        let (count,): (i64,) = on_pool!(&self.pool, p => sqlx::query_as(COUNT).fetch_one(p).await)
            .map_err(database)?;
        if count > 0 {
            return Ok(());
        }
        for s in InMemory::fixture() {
            on_pool!(&self.pool, p => sqlx::query(SEED)
                .bind(i64::from(s.id))
                .bind(&s.hostname)
                .bind(i64::from(s.country))
                .bind(&s.datacenter)
                .bind(s.active)
                .execute(p)
                .await
                .map(|_| ()))
            .map_err(database)?;
        }
        if let Pool::Postgres(p) = &self.pool {
            sqlx::query(PG_SEQUENCE)
                .execute(p)
                .await
                .map_err(database)?;
        }
        Ok(())
    }
}

fn database(err: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Database(Box::new(err))
}

/// A refusal of the unique host name is a conflict; anything else a failure.
fn conflict_or_database(err: sqlx::Error, hostname: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(hostname.to_owned())
        }
        _ => database(err),
    }
}

fn server(row: Row) -> Result<Server, StoreError> {
    let (id, hostname, country, datacenter, active) = row;
    Ok(Server {
        id: u32::try_from(id).map_err(database)?,
        hostname,
        country: u32::try_from(country).map_err(database)?,
        datacenter,
        active,
    })
}

fn servers(rows: Vec<Row>) -> Result<Vec<Server>, StoreError> {
    rows.into_iter().map(server).collect()
}

impl Store for SqlStore {
    async fn list(
        &self,
        country: Option<u32>,
        active: Option<bool>,
    ) -> Result<Vec<Server>, StoreError> {
        let rows: Vec<Row> = on_pool!(&self.pool, p => sqlx::query_as(LIST)
            .bind(country.map(i64::from))
            .bind(active)
            .fetch_all(p)
            .await)
        .map_err(database)?;
        servers(rows)
    }

    async fn get(&self, id: u32) -> Result<Option<Server>, StoreError> {
        let row: Option<Row> = on_pool!(&self.pool, p => sqlx::query_as(GET)
            .bind(i64::from(id))
            .fetch_optional(p)
            .await)
        .map_err(database)?;
        row.map(server).transpose()
    }

    async fn find(&self, new: &NewServer) -> Result<Option<Server>, StoreError> {
        let row: Option<Row> = on_pool!(&self.pool, p => sqlx::query_as(FIND)
            .bind(&new.hostname)
            .bind(i64::from(new.country))
            .bind(&new.datacenter)
            .bind(new.active)
            .fetch_optional(p)
            .await)
        .map_err(database)?;
        row.map(server).transpose()
    }

    async fn create(&self, new: NewServer) -> Result<Server, StoreError> {
        let row: Row = on_pool!(&self.pool, p => sqlx::query_as(CREATE)
            .bind(&new.hostname)
            .bind(i64::from(new.country))
            .bind(&new.datacenter)
            .bind(new.active)
            .fetch_one(p)
            .await)
        .map_err(|err| conflict_or_database(err, &new.hostname))?;
        server(row)
    }

    async fn update(&self, id: u32, changes: ServerChanges) -> Result<Option<Server>, StoreError> {
        let hostname = changes.hostname.clone().unwrap_or_default();
        let row: Option<Row> = on_pool!(&self.pool, p => sqlx::query_as(UPDATE)
            .bind(i64::from(id))
            .bind(&changes.hostname)
            .bind(changes.country.map(i64::from))
            .bind(&changes.datacenter)
            .bind(changes.active)
            .fetch_optional(p)
            .await)
        .map_err(|err| conflict_or_database(err, &hostname))?;
        row.map(server).transpose()
    }

    async fn delete(&self, id: u32) -> Result<Option<Server>, StoreError> {
        let row: Option<Row> = on_pool!(&self.pool, p => sqlx::query_as(DELETE)
            .bind(i64::from(id))
            .fetch_optional(p)
            .await)
        .map_err(database)?;
        row.map(server).transpose()
    }
}
