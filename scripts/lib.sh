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
