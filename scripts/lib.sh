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
