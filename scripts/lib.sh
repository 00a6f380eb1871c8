# Shared by the project's scripts: messages and installing Debian packages.
# Sourced, not run.

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages, as root or through sudo; stops with a message
# saying what to install when it cannot.
apt_install() {
    local runner=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "missing $*: install them (apt-get install $*) and run again"
        runner=(sudo)
    fi
    command -v apt-get >/dev/null || die "missing $*: install them with your package manager and run again"
    say "installing $* (apt-get)"
    "${runner[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq "$@" >/dev/null \
        || die "cannot install $*: install them (apt-get install $*) and run again"
}

# A RabbitMQ broker: $AMQP_URL when set; otherwise the local one, started if
# it is installed and stopped, installed if it is not. Stops with a message
# saying what to do when it cannot.
broker_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
ensure_broker() {
    if [ -n "${AMQP_URL:-}" ]; then
        say "using the broker at AMQP_URL"
        return
    fi
    broker_up && return
    if ! command -v rabbitmq-server >/dev/null; then
        (apt_install rabbitmq-server) || true
    fi
    command -v rabbitmq-server >/dev/null \
        || die "no RabbitMQ broker on 127.0.0.1:5672: install one (apt-get install rabbitmq-server) or set AMQP_URL, and run again"
    say "starting RabbitMQ (rabbitmq-server -detached)"
    rabbitmq-server -detached || true
    for _ in $(seq 1 120); do broker_up && break; sleep 1; done
    broker_up || die "RabbitMQ did not start: see its log (/var/log/rabbitmq), or set AMQP_URL to a broker, and run again"
    rabbitmqctl await_startup >/dev/null 2>&1 || true
}

# A PostgreSQL server for the database tests: $RPC_POSTGRES_URL when set;
# otherwise the local one on 127.0.0.1:5432, started if it is installed and
# stopped, installed if it is not (then given the password `postgres` for
# the user postgres). Stops with a message saying what to do when it cannot.
postgres_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
start_postgres() {
    if ! command -v pg_lsclusters >/dev/null; then
        (apt_install postgresql) || true
        fresh=1
    fi
    command -v pg_lsclusters >/dev/null \
        || die "no PostgreSQL on 127.0.0.1:5432: install one (apt-get install postgresql) or set RPC_POSTGRES_URL=postgres://USER:PASSWORD@HOST:PORT, and run again"
    local cluster
    cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1 " " $2}')
    [ -n "$cluster" ] || die "PostgreSQL is installed but has no cluster: create one (pg_createcluster --start 15 main) and run again"
    say "starting PostgreSQL (pg_ctlcluster $cluster start)"
    # shellcheck disable=SC2086
    pg_ctlcluster $cluster start || true
    for _ in $(seq 1 60); do postgres_up && break; sleep 1; done
    postgres_up || die "PostgreSQL did not start: see its log (/var/log/postgresql), or set RPC_POSTGRES_URL, and run again"
}
postgres_programs() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; }
ensure_postgres() {
    local fresh=""
    # The outage test runs a PostgreSQL server of its own (initdb, pg_ctl).
    if ! postgres_programs; then
        (apt_install postgresql) || true
        fresh=1
        postgres_programs || die "PostgreSQL's server programs (initdb, pg_ctl) are missing: install them (apt-get install postgresql) and run again"
    fi
    if [ -n "${RPC_POSTGRES_URL:-}" ]; then
        say "using the PostgreSQL server at RPC_POSTGRES_URL"
        return
    fi
    export RPC_POSTGRES_URL="postgres://postgres@127.0.0.1:5432"
    postgres_up || start_postgres
    if [ -n "$fresh" ]; then
        # A new install asks for a password over TCP: give the tests one.
        su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null \
            || die "cannot set a password for PostgreSQL's user postgres: set RPC_POSTGRES_URL and run again"
        export RPC_POSTGRES_URL="postgres://postgres:postgres@127.0.0.1:5432"
    fi
}

# An MQTT broker for the MQTT tests: $MQTT_URL when set; otherwise the local
# one on 127.0.0.1:1883, started if it is installed (Mosquitto), installed if
# it is not. Stops with a message saying what to do when it cannot.
mqtt_up() { (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; }
ensure_mqtt() {
    if [ -n "${MQTT_URL:-}" ]; then
        say "using the MQTT broker at MQTT_URL"
        return
    fi
    mqtt_up && return
    if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ]; then
        (apt_install mosquitto) || true
    fi
    local mosquitto
    mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    [ -x "$mosquitto" ] \
        || die "no MQTT broker on 127.0.0.1:1883: install one (apt-get install mosquitto) or set MQTT_URL, and run again"
    say "starting Mosquitto ($mosquitto -d, on 127.0.0.1:1883)"
    # With no configuration, Mosquitto 2 listens on the loopback only and
    # lets anonymous clients in.
    "$mosquitto" -d || true
    for _ in $(seq 1 30); do mqtt_up && break; sleep 1; done
    mqtt_up || die "Mosquitto did not start: run it (mosquitto -v) to see why, or set MQTT_URL, and run again"
}
