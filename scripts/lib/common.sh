# shellcheck shell=bash
# Shared helpers for the scripts in scripts/. Source it, don't run it:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
#
# Functions:
#   log MSG...             announce a step on stderr ("==> MSG")
#   warn MSG... / die MSG...
#   ensure_packages        install PostgreSQL, libpq/zlib headers, pkg-config if missing; find swift
#   pg_bindir              print the newest /usr/lib/postgresql/NN/bin
#   start_cluster DIR [--unsafe]
#                          initdb DIR if needed, start it (Unix socket only) and export
#                          DATABASE_URL, ALMEDALEN_TEST_PGDATA, ALMEDALEN_TEST_PGHOST
#   stop_cluster DIR       stop the cluster in DIR (quietly does nothing if it isn't running)
#   cluster_running DIR    exit status 0 when the cluster in DIR is running
#   cluster_url DB         print the libpq URI for database DB on the last started cluster
#   run_as_pg CMD...       run CMD as the OS user that owns the clusters (postgres when root)
#   swift_build LOG ARGS...
#                          `swift build ARGS...`, output to stderr and LOG, tried again when a
#                          source changed under it
#   free_port              print a TCP port on 127.0.0.1 that nothing listens on
#   junit_counts FILE...   print "TESTS FAILED SKIPPED" counted from JUnit XML reports

# Repository root, found from this file's own location (scripts/lib/common.sh).
ALMEDALEN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ALMEDALEN_ROOT

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# ---------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------

# apt_install PKG...: install Debian packages, as root or through sudo.
apt_install() {
  local -a sudo=()
  if ! is_root; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      die "missing packages and not root (and no sudo): please install: $*"
    fi
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found: please install these packages (or their equivalent): $*"
  log "installing packages: $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@" >&2
}

# pg_bindir: print the bin directory of the newest installed PostgreSQL server.
pg_bindir() {
  local dir best="" best_version=0 version
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x $dir/initdb && -x $dir/pg_ctl ]] || continue
    version=${dir#/usr/lib/postgresql/}
    version=${version%/bin}
    version=${version%%.*}
    [[ $version =~ ^[0-9]+$ ]] || continue
    if ((version > best_version)); then
      best_version=$version
      best=$dir
    fi
  done
  # Other layouts (Homebrew, source builds): take initdb from PATH.
  if [[ -z $best ]] && command -v initdb >/dev/null 2>&1; then
    best=$(dirname "$(command -v initdb)")
  fi
  [[ -n $best ]] || return 1
  printf '%s\n' "$best"
}

# ensure_packages: make sure PostgreSQL (server + client), libpq headers, zlib headers,
# pkg-config and swift are available.
ensure_packages() {
  local -a missing=()
  pg_bindir >/dev/null || missing+=("PostgreSQL server (initdb, pg_ctl)")
  command -v pkg-config >/dev/null 2>&1 || missing+=("pkg-config")
  if ! { pkg-config --exists libpq 2>/dev/null && [[ -f /usr/include/postgresql/libpq-fe.h ]]; }; then
    missing+=("libpq headers")
  fi
  pkg-config --exists zlib 2>/dev/null || missing+=("zlib headers")
  if ((${#missing[@]} > 0)); then
    log "missing: ${missing[*]}"
    apt_install postgresql postgresql-contrib libpq-dev zlib1g-dev pkg-config
    pg_bindir >/dev/null || die "PostgreSQL server binaries still not found after installing"
    pkg-config --exists libpq || die "pkg-config still cannot find libpq after installing libpq-dev"
    pkg-config --exists zlib || die "pkg-config still cannot find zlib after installing zlib1g-dev"
  fi

  if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then
      PATH="/opt/swift/usr/bin:$PATH"
      export PATH
    else
      die "swift not found on PATH nor in /opt/swift/usr/bin: install a Swift 6 toolchain" \
        "from swift.org (it is not an apt package) and put its usr/bin on PATH"
    fi
  fi
}

# ensure_commands CMD:PACKAGE...: install the Debian package of every missing command.
ensure_commands() {
  local pair command package
  local -a packages=()
  for pair in "$@"; do
    command=${pair%%:*}
    package=${pair#*:}
    command -v "$command" >/dev/null 2>&1 || packages+=("$package")
  done
  if ((${#packages[@]} > 0)); then
    apt_install "${packages[@]}"
  fi
}

# ---------------------------------------------------------------------------
# Building and serving
# ---------------------------------------------------------------------------

# swift_build LOG ARGS...: `swift build ARGS...` in the current directory, its output on
# stderr and in LOG. In a checkout being edited, swift build gives up when a source changes
# under it ("was modified during the build"): then it builds again, up to five times. Any
# other failure is final: returns 1.
swift_build() {
  local log_file=$1 try
  shift
  mkdir -p "$(dirname "$log_file")"
  for try in 1 2 3 4 5; do
    if (set -o pipefail && swift build "$@" 2>&1 | tee "$log_file" >&2); then
      return 0
    fi
    if ((try == 5)) || ! grep -q 'was modified during the build' "$log_file"; then
      return 1
    fi
    warn "a source changed during the build: building again in 5 s"
    sleep 5
  done
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# junit_counts FILE...: print "TESTS FAILED SKIPPED" summed over JUnit XML reports (swift
# test --xunit-output, schemathesis): one test per <testcase>, failed when it holds a
# <failure> or an <error>, else skipped when it holds a <skipped>. Fails when a file is
# missing or not well-formed, so that a half-written report is never read as "no failures".
junit_counts() {
  python3 - "$@" <<'PY'
import sys
import xml.etree.ElementTree as ET

tests = failed = skipped = 0
for path in sys.argv[1:]:
    for case in ET.parse(path).getroot().iter("testcase"):
        tests += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
print(tests, failed, skipped)
PY
}

# ---------------------------------------------------------------------------
# PostgreSQL clusters
# ---------------------------------------------------------------------------

# run_as_pg CMD...: PostgreSQL refuses to run as root, so as root run CMD as
# the `postgres` OS user (from /, since our cwd may be unreadable to it).
run_as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# _pg_ctl ARGS...: pg_ctl as the cluster owner. The server that pg_ctl starts
# inherits every open file descriptor, so close all but stdin/out/err first:
# otherwise it holds a caller's pipe open for its whole life (e.g. a test that
# reads pg-restart's output would wait for EOF until the server stops).
_pg_ctl() {
  local pg_ctl
  pg_ctl=$(pg_bindir)/pg_ctl
  (
    for fd in /proc/"$BASHPID"/fd/* /dev/fd/*; do
      fd=${fd##*/}
      if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
        eval "exec $fd>&-"
      fi
    done
    run_as_pg "$pg_ctl" "$@"
  )
}

# As root: create the postgres OS user if needed.
_ensure_postgres_user() {
  is_root || return 0
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating the postgres OS user"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
}

# As root: the postgres user must be able to traverse every parent of DIR.
# Grant the minimum (o+x, no listing) where it can't, and say so.
_ensure_traversable() {
  is_root || return 0
  local dir=$1
  local -a chain=()
  while [[ $dir != / && -n $dir ]]; do
    chain=("$dir" "${chain[@]}")
    dir=$(dirname "$dir")
  done
  for dir in "${chain[@]}"; do # from the top down
    if [[ -d $dir ]] && ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
      warn "the postgres OS user cannot enter $dir: adding o+x (traverse only) to it"
      chmod o+x "$dir"
    fi
  done
}

# cluster_running DIR
cluster_running() {
  [[ -f $1/PG_VERSION ]] || return 1
  _pg_ctl -D "$1" status >/dev/null 2>&1
}

# The socket directory of the cluster in DIR (recorded by start_cluster).
_socket_dir_of() {
  [[ -f $1/almedalen-socket-dir ]] || return 1
  cat "$1/almedalen-socket-dir"
}

# Percent-encode a value for use in a libpq URI.
_uri_encode() {
  local LC_ALL=C s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9/._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s\n' "$out"
}

# cluster_url DB: libpq URI for database DB, as superuser postgres, over the
# Unix socket of the cluster last started (or found running) by start_cluster.
cluster_url() {
  [[ -n ${ALMEDALEN_TEST_PGHOST:-} ]] || die "cluster_url: no cluster started"
  printf 'postgresql:///%s?host=%s&user=postgres\n' "$1" "$(_uri_encode "$ALMEDALEN_TEST_PGHOST")"
}

# start_cluster DIR [--unsafe]
#   Create (initdb) the cluster in DIR if it has no PG_VERSION, then start it
#   unless it is already running. Unix socket only, no TCP. --unsafe turns off
#   fsync & co: only for throwaway test clusters.
#   Sets ALMEDALEN_CLUSTER_STARTED=1 when this call started the server (0 when
#   it was already running) and exports DATABASE_URL (database postgres),
#   ALMEDALEN_TEST_PGDATA=DIR and ALMEDALEN_TEST_PGHOST=<socket dir>.
start_cluster() {
  local dir=$1 unsafe=0
  [[ ${2:-} == --unsafe ]] && unsafe=1
  local bindir
  bindir=$(pg_bindir) || die "PostgreSQL server binaries not found (run ensure_packages)"

  _ensure_postgres_user
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  _ensure_traversable "$(dirname "$dir")"
  # shellcheck disable=SC2034 # read by the scripts that source this file
  ALMEDALEN_CLUSTER_STARTED=0

  if [[ ! -f $dir/PG_VERSION ]]; then
    if [[ -n $(ls -A "$dir") ]]; then
      die "$dir is not empty but holds no PostgreSQL cluster (no PG_VERSION): remove it or pick another directory"
    fi
    if is_root; then chown postgres: "$dir"; fi
    chmod 700 "$dir"
    # C.UTF-8 keeps byte-order collation but knows upper()/lower() of å, ä, ö.
    local locales out
    local -a locale=(--locale=C.UTF-8)
    locales=$(locale -a 2>/dev/null || true)
    grep -qiE '^c\.utf-?8$' <<<"$locales" || locale=(--no-locale)
    log "creating a PostgreSQL cluster in $dir (initdb)"
    out=$(run_as_pg "$bindir/initdb" -D "$dir" --auth=trust --username=postgres \
      --encoding=UTF8 "${locale[@]}" 2>&1) || {
      printf '%s\n' "$out" >&2
      die "initdb failed in $dir"
    }
    echo "include_if_exists = 'almedalen.conf'" | run_as_pg tee -a "$dir/postgresql.conf" >/dev/null
  fi

  if cluster_running "$dir"; then
    log "PostgreSQL in $dir is already running: reusing it"
    ALMEDALEN_TEST_PGHOST=$(_socket_dir_of "$dir") ||
      die "PostgreSQL in $dir is running, but its socket directory is unknown (stop it with: $(pg_bindir)/pg_ctl -D $dir stop)"
  else
    # Socket directory: inside DIR when the path is short enough (Unix socket
    # paths are limited to ~107 bytes), else a short one under /tmp.
    # "/.s.PGSQL.5432" adds 15 bytes to the directory.
    local sock=$dir/socket
    if ((${#sock} > 90)); then
      sock=$(mktemp -d /tmp/almedalen-pg.XXXXXX)
      chmod 755 "$sock"
      if is_root; then chown postgres: "$sock"; fi
    else
      run_as_pg mkdir -p "$sock"
    fi
    run_as_pg tee "$dir/almedalen-socket-dir" <<<"$sock" >/dev/null

    {
      echo "# Written by scripts/lib/common.sh at every start: edit there."
      echo "listen_addresses = ''"
      echo "unix_socket_directories = '$sock'"
      echo "max_connections = 200"
      echo "shared_buffers = 128MB"
      if ((unsafe)); then
        echo "# Throwaway test cluster: durability not needed."
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
    } | run_as_pg tee "$dir/almedalen.conf" >/dev/null

    log "starting PostgreSQL in $dir (socket in $sock, log in $dir/postgres.log)"
    if ! _pg_ctl -D "$dir" -l "$dir/postgres.log" -w start >/dev/null; then
      tail -n 30 "$dir/postgres.log" >&2 || true
      die "PostgreSQL failed to start in $dir (see $dir/postgres.log)"
    fi
    # shellcheck disable=SC2034
    ALMEDALEN_CLUSTER_STARTED=1
    ALMEDALEN_TEST_PGHOST=$sock
  fi

  export ALMEDALEN_TEST_PGHOST
  export ALMEDALEN_TEST_PGDATA=$dir
  DATABASE_URL=$(cluster_url postgres)
  export DATABASE_URL

  "$bindir/psql" "$DATABASE_URL" -XAtqc 'select 1' >/dev/null ||
    die "PostgreSQL started in $dir but psql cannot connect with $DATABASE_URL"
  log "PostgreSQL ready: DATABASE_URL=$DATABASE_URL"
}

# stop_cluster DIR: fast shutdown; fine if it is already stopped or missing.
stop_cluster() {
  local dir=$1 sock
  [[ -f $dir/PG_VERSION ]] || return 0
  if cluster_running "$dir"; then
    log "stopping PostgreSQL in $dir"
    _pg_ctl -D "$dir" -m fast -w stop >/dev/null || warn "pg_ctl stop failed for $dir"
  fi
  # A socket directory made under /tmp is not kept between runs.
  if sock=$(_socket_dir_of "$dir") && [[ $sock != "$dir"/* && $sock == /tmp/almedalen-pg.* ]]; then
    rm -rf "$sock"
  fi
  return 0
}
