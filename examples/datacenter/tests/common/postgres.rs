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

/// A PostgreSQL server of the test's own, on its own port and in its own
/// directory, that the test may stop and start again; the machine's server
/// is left alone. Run by the user `postgres` when the tests run as root
/// (PostgreSQL refuses to run as root). Stopped and removed when dropped.
pub struct PostgresNode {
    pub port: u16,
    dir: std::path::PathBuf,
    bin: std::path::PathBuf,
}

impl PostgresNode {
    /// `initdb` (trust authentication, user `postgres`), then starts it.
    pub fn start() -> Self {
        let bin = postgres_bin_dir();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("datacenter-pg-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let node = Self { port, dir, bin };
        if as_root() {
            node.run(
                std::process::Command::new("chown")
                    .args(["-R", "postgres:"])
                    .arg(&node.dir),
            );
        }
        node.run(
            node.as_owner("initdb")
                .args([
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "-D",
                ])
                .arg(node.dir.join("data")),
        );
        node.resume();
        node
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server (`pg_ctl stop -m fast`: it ends every connection).
    pub fn stop(&self) {
        self.run(self.pg_ctl().args(["stop", "-m", "fast", "-w"]));
    }

    /// Starts the server (again), and waits until it accepts connections.
    pub fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        self.run(
            self.pg_ctl()
                .args(["start", "-w", "-l"])
                .arg(self.dir.join("log"))
                .args(["-o", &options]),
        );
    }

    fn pg_ctl(&self) -> std::process::Command {
        let mut command = self.as_owner("pg_ctl");
        command.arg("-D").arg(self.dir.join("data"));
        command
    }

    fn as_owner(&self, program: &str) -> std::process::Command {
        let program = self.bin.join(program);
        if as_root() {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            std::process::Command::new(program)
        }
    }

    fn run(&self, command: &mut std::process::Command) {
        let output = command
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
        assert!(
            output.status.success(),
            "{command:?} failed:\n{}{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
    }
}

impl Drop for PostgresNode {
    fn drop(&mut self) {
        let _ = self
            .pg_ctl()
            .args(["stop", "-m", "immediate", "-w"])
            .current_dir(&self.dir)
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

/// Where PostgreSQL's server programs are: the newest under
/// `/usr/lib/postgresql` (Debian, Ubuntu), else `pg_config --bindir`.
fn postgres_bin_dir() -> std::path::PathBuf {
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .max_by_key(|bin| {
            bin.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
        });
    debian
        .or_else(|| {
            let out = std::process::Command::new("pg_config")
                .arg("--bindir")
                .output()
                .ok()?;
            let bin = std::path::PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
            bin.join("initdb").exists().then_some(bin)
        })
        .expect(
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed: \
             install them (apt-get install postgresql; ./scripts/test does)",
        )
}
