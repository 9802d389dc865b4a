#!/usr/bin/env bash
# A throw-away PostgreSQL server for Shouhu on 127.0.0.1, separate from any
# system cluster, tuned for tests (durability off).
#
#   deploy/local/postgres.sh {start|stop|status|reset}
#
# The data directory lives outside the repository (default
# /var/tmp/shouhu-postgres-<port>) because the server runs as the
# unprivileged "postgres" user, which may not be able to traverse the
# checkout (CI clones into a mode-700 mktemp directory owned by root).
set -euo pipefail

PORT="${SHOUHU_PG_PORT:-15432}"
HOST=127.0.0.1
PG_USER=postgres # OS user that runs the server, and the superuser's name
SUPERUSER_PASSWORD="${SHOUHU_PG_SUPERUSER_PASSWORD:-postgres}"
APP_ROLE=shouhu
APP_PASSWORD=shouhu
DATABASES=(shouhu_registry shouhu_pairing shouhu_alerts shouhu_reporting shouhu_test)
START_TIMEOUT=60

# Absolute path now: the script changes to / below.
PGDATA="$(realpath -m "${SHOUHU_PG_DATA:-/var/tmp/shouhu-postgres-$PORT}")"
LOG_FILE="$PGDATA/server.log"

# The postgres user may be unable to read the caller's working directory,
# which makes initdb/pg_ctl/psql complain; every path used here is absolute.
cd /

log() { printf 'postgres: %s\n' "$*"; }
err() { printf 'postgres: %s\n' "$*" >&2; }

usage() {
    echo "usage: $(basename "$0") {start|stop|status|reset}" >&2
    exit 64
}

BIN_DIR=""

# Newest /usr/lib/postgresql/<major>/bin (Debian layout), else wherever
# pg_ctl on PATH really lives. pg_ctl looks for postgres next to itself, so
# all server binaries must share one directory.
find_bin_dir() {
    local d v best="" best_v=-1 p
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/pg_ctl" && -x "$d/initdb" && -x "$d/postgres" ]] || continue
        v="$(basename "$(dirname "$d")")"
        [[ "$v" =~ ^[0-9]+$ ]] || continue
        if ((v > best_v)); then
            best="$d"
            best_v=$v
        fi
    done
    if [[ -z "$best" ]] && p="$(command -v pg_ctl 2>/dev/null)"; then
        d="$(dirname "$(readlink -f "$p")")"
        if [[ -x "$d/initdb" && -x "$d/postgres" ]]; then
            best="$d"
        fi
    fi
    BIN_DIR="$best"
    [[ -n "$BIN_DIR" ]]
}

# Debian's package; policy-rc.d (the Debian mechanism for this) keeps the
# package from starting its own "main" cluster, which we never use.
install_postgres() {
    if ! command -v apt-get >/dev/null 2>&1; then
        err "PostgreSQL server binaries not found and apt-get is unavailable;"
        err "install the PostgreSQL server (initdb, pg_ctl, postgres) and retry"
        exit 2
    fi
    if ((EUID != 0)); then
        err "PostgreSQL server binaries not found; installing needs root:"
        err "  sudo apt-get install -y postgresql"
        exit 2
    fi
    log "PostgreSQL server not found; installing Debian's postgresql package ..."
    local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    {
        DEBIAN_FRONTEND=noninteractive apt-get update &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
    } || rc=$?
    if ((made_policy)); then rm -f "$policy"; fi
    if ((rc != 0)); then
        err "apt-get failed (exit $rc); install the postgresql package by hand"
        exit 2
    fi
}

# Client tools may sit with the server or only in /usr/bin (Debian wrappers).
client_tool() {
    if [[ -x "$BIN_DIR/$1" ]]; then
        echo "$BIN_DIR/$1"
    elif command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
    else
        err "$1 not found (install postgresql-client)"
        exit 2
    fi
}

# Run a command as the server's OS user. As root that is "postgres" via
# runuser (the server refuses to run as root); otherwise the caller.
as_pg() {
    if ((EUID == 0)); then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_os_user() {
    ((EUID == 0)) || return 0
    if ! id -u "$PG_USER" >/dev/null 2>&1; then
        log "creating OS user $PG_USER"
        useradd --system --user-group --no-create-home \
            --home-dir /var/lib/postgresql --shell /bin/bash "$PG_USER"
    fi
}

server_major() {
    # "postgres (PostgreSQL) 15.18" -> 15
    "$BIN_DIR/postgres" --version | sed -E 's/.* ([0-9]+)[.0-9]*.*/\1/'
}

pick_locale() {
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        echo C.UTF-8
    else
        echo C
    fi
}

init_cluster() {
    if [[ -f "$PGDATA/PG_VERSION" ]]; then
        local have want
        have="$(cat "$PGDATA/PG_VERSION")"
        want="$(server_major)"
        if [[ "$have" != "$want" ]]; then
            err "$PGDATA was created by PostgreSQL $have but the server is $want;"
            err "run '$0 reset' to recreate it (this deletes its data)"
            exit 1
        fi
        return 0
    fi
    if [[ -d "$PGDATA" && -n "$(ls -A "$PGDATA")" ]]; then
        err "$PGDATA exists, is not empty and is not a PostgreSQL data directory;"
        err "set SHOUHU_PG_DATA to another path"
        exit 1
    fi
    mkdir -p "$PGDATA"
    if ((EUID == 0)); then chown "$PG_USER:" "$PGDATA"; fi
    chmod 700 "$PGDATA"

    local locale pwfile out
    locale="$(pick_locale)"
    # initdb reads the superuser password from a file the server user can read.
    pwfile="$(mktemp)"
    printf '%s\n' "$SUPERUSER_PASSWORD" >"$pwfile"
    if ((EUID == 0)); then chown "$PG_USER:" "$pwfile"; fi
    log "initialising $PGDATA (PostgreSQL $(server_major), locale $locale)"
    if ! out="$(as_pg "$BIN_DIR/initdb" -D "$PGDATA" -U "$PG_USER" --pwfile="$pwfile" \
        --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale="$locale" 2>&1)"; then
        rm -f "$pwfile"
        err "initdb failed:"
        printf '%s\n' "$out" >&2
        exit 1
    fi
    rm -f "$pwfile"
    # Our settings live in their own file, rewritten on every start.
    echo "include_if_exists = 'shouhu.conf'" >>"$PGDATA/postgresql.conf"
}

write_config() {
    local socket_path="$PGDATA/.s.PGSQL.$PORT"
    # Unix socket paths are limited to 107 bytes.
    if ((${#socket_path} > 107)); then
        err "socket path $socket_path is too long; use a shorter SHOUHU_PG_DATA"
        exit 1
    fi
    local conf="$PGDATA/shouhu.conf"
    local sock_dir="${PGDATA//"'"/"''"}" # quote for postgresql.conf
    cat >"$conf" <<EOF
# Generated by deploy/local/postgres.sh on every start; edits are lost.
listen_addresses = '127.0.0.1'
port = $PORT
# Inside the data directory: no clash with the system cluster's
# /var/run/postgresql, and nobody else needs the socket.
unix_socket_directories = '$sock_dir'

# Test server: speed over crash safety.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
EOF
    if ((EUID == 0)); then chown "$PG_USER:" "$conf"; fi
}

is_running() {
    [[ -f "$PGDATA/PG_VERSION" ]] && as_pg "$BIN_DIR/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1
}

is_ready() {
    "$(client_tool pg_isready)" -q -h "$HOST" -p "$PORT" -t 2 >/dev/null 2>&1
}

wait_ready() {
    local deadline=$((SECONDS + START_TIMEOUT))
    until is_ready; do
        if ((SECONDS >= deadline)); then
            err "not accepting connections on $HOST:$PORT after ${START_TIMEOUT} s; log tail:"
            tail -n 50 "$LOG_FILE" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
}

# Idempotent: runs on every start so an older data directory gains any
# database added to DATABASES since it was created.
ensure_roles_and_databases() {
    local psql db_list="" d
    psql="$(client_tool psql)"
    for d in "${DATABASES[@]}"; do
        db_list+="${db_list:+,}'$d'"
    done
    as_pg "$psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDATA" -p "$PORT" -U "$PG_USER" -d postgres <<EOF
SELECT 'CREATE ROLE $APP_ROLE'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') \\gexec
ALTER ROLE $APP_ROLE WITH LOGIN CREATEDB PASSWORD '$APP_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER $APP_ROLE', d)
  FROM unnest(ARRAY[$db_list]) AS d
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d) \\gexec
SELECT format('ALTER DATABASE %I OWNER TO $APP_ROLE', datname)
  FROM pg_database
 WHERE datname = ANY (ARRAY[$db_list]) AND datdba <> '$APP_ROLE'::regrole \\gexec
EOF
}

cmd_start() {
    if ! find_bin_dir; then
        install_postgres
        find_bin_dir || {
            err "postgresql installed but initdb/pg_ctl/postgres still not found"
            exit 2
        }
    fi
    ensure_os_user
    init_cluster
    write_config

    if is_running; then
        log "already running (data $PGDATA)"
    else
        if is_ready; then
            err "something else already serves PostgreSQL on $HOST:$PORT;"
            err "set SHOUHU_PG_PORT to a free port"
            exit 1
        fi
        log "starting PostgreSQL $(server_major) on $HOST:$PORT (data $PGDATA)"
        # pg_ctl detaches the postmaster into its own session, so it
        # outlives this shell.
        if ! as_pg "$BIN_DIR/pg_ctl" start -D "$PGDATA" -l "$LOG_FILE" -w -t "$START_TIMEOUT" -s; then
            err "pg_ctl start failed; log tail:"
            tail -n 50 "$LOG_FILE" >&2 || true
            exit 1
        fi
    fi
    wait_ready
    ensure_roles_and_databases
    log "running on $HOST:$PORT; role $APP_ROLE/$APP_PASSWORD owns: ${DATABASES[*]}"
    echo "DATABASE_URL base: postgresql+psycopg://$APP_ROLE:$APP_PASSWORD@$HOST:$PORT/<db>"
}

cmd_stop() {
    if ! find_bin_dir || ! is_running; then
        log "not running (data $PGDATA)"
        return 0
    fi
    as_pg "$BIN_DIR/pg_ctl" stop -D "$PGDATA" -m fast -w -t 60 -s
    log "stopped"
}

cmd_status() {
    if find_bin_dir && is_running && is_ready; then
        echo "postgres: running on $HOST:$PORT (data $PGDATA)"
        return 0
    fi
    echo "postgres: not running on $HOST:$PORT (data $PGDATA)"
    return 3
}

cmd_reset() {
    cmd_stop
    if [[ ! -e "$PGDATA" ]]; then
        log "nothing to delete at $PGDATA"
        return 0
    fi
    # Refuse to wipe a directory this script did not create (SHOUHU_PG_DATA
    # could point anywhere).
    if [[ ! -f "$PGDATA/PG_VERSION" && -n "$(ls -A "$PGDATA")" ]]; then
        err "$PGDATA is not a PostgreSQL data directory; not deleting it"
        exit 1
    fi
    rm -rf "$PGDATA"
    log "deleted $PGDATA"
}

main() {
    [[ $# -eq 1 ]] || usage
    case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    *) usage ;;
    esac
}

main "$@"
