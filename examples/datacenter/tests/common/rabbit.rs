//! RabbitMQ nodes of a test's own, on their own ports, with a configuration
//! the test writes; the default broker on 5672 is left as it is.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Where the broker's own scripts are (Debian's package), else on the PATH.
fn tool(name: &str) -> PathBuf {
    let packaged = Path::new("/usr/lib/rabbitmq/bin").join(name);
    if packaged.exists() {
        packaged
    } else {
        PathBuf::from(name)
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A RabbitMQ node started for a test, stopped when dropped.
pub struct Node {
    pub name: String,
    dir: PathBuf,
    /// Its Erlang distribution port.
    dist_port: u16,
}

impl Node {
    /// Starts a node named `name` whose `rabbitmq.conf` is `config` (its
    /// listeners are the test's to choose), and waits until it runs.
    pub fn start(name: &str, config: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("rabbit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).unwrap();
        std::fs::write(dir.join("rabbitmq.conf"), config).unwrap();
        // No plugins (the machine's management plugin would want port 15672),
        // and none of the machine's environment file.
        std::fs::write(dir.join("enabled_plugins"), "[].\n").unwrap();
        std::fs::write(dir.join("rabbitmq-env.conf"), "").unwrap();
        let node = Self {
            name: format!("{name}-{}@localhost", std::process::id()),
            dir,
            dist_port: free_port(),
        };
        let started = node.command("rabbitmq-server").arg("-detached").output();
        let started = started.unwrap_or_else(|e| {
            panic!("cannot run rabbitmq-server ({e}): the test command installs it")
        });
        assert!(started.status.success(), "rabbitmq-server: {started:?}");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let ready = node.ctl(&["await_startup", "--timeout", "10"]);
            if ready.status.success() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the node {} did not start: {}\n{}",
                node.name,
                String::from_utf8_lossy(&ready.stderr),
                node.log()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        node
    }

    /// A command of the broker's scripts, set up for this node.
    fn command(&self, tool_name: &str) -> Command {
        let mut command = Command::new(tool(tool_name));
        let dir = &self.dir;
        command
            // The Erlang cookie lives in HOME: this node's own.
            .env("HOME", dir.join("home"))
            .env("RABBITMQ_NODENAME", &self.name)
            .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq.conf"))
            .env("RABBITMQ_CONF_ENV_FILE", dir.join("rabbitmq-env.conf"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_PID_FILE", dir.join("node.pid"))
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("ERL_CRASH_DUMP", dir.join("erl_crash.dump"));
        command
    }

    /// `rabbitmqctl -n NODE args…`.
    pub fn ctl(&self, args: &[&str]) -> Output {
        self.command("rabbitmqctl")
            .args(["-n", &self.name])
            .args(args)
            .output()
            .unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_dir(self.dir.join("log"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.ctl(&["stop"]);
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("node.pid")) {
            let _ = Command::new("kill").arg("-9").arg(pid.trim()).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
