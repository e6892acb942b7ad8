# Sourced by Scripts/test (and by hand): a throwaway PostgreSQL cluster for the tests, in a folder of its own.
#
#   gainsay_pg_start DIR        initdb in DIR/data (once) and start it, listening only on a Unix socket in DIR;
#                               creates database `gainsay` and exports GAINSAY_TEST_POSTGRES_URL, and
#                               GAINSAY_TEST_POSTGRES_STOP/START (shell commands stopping and starting it)
#   gainsay_pg_stop DIR         fast shutdown, returns once every server process has exited
#   gainsay_pg_restart DIR      stop, then start again (the data and databases are kept)
#   gainsay_pg_createdb DIR NAME  a fresh database NAME, printing its URL
#
# Installs nothing: the server binaries come from Debian's `postgresql` package. Run as root, the server runs as
# the unprivileged user `gainsaypg` (created when missing; PostgreSQL refuses to run as root), which then owns
# DIR. No TCP port is opened; authentication is `trust`, so only who can reach the socket in DIR can connect:
# DIR is kept private to the server's user (and root).
#
# Example:
#   . Scripts/lib/postgres-cluster.sh
#   dir=$(mktemp -d) && gainsay_pg_start "$dir" && trap 'gainsay_pg_stop "$dir"' EXIT
#   psql "$GAINSAY_TEST_POSTGRES_URL" -c 'select 1'

gainsay_pg_os_user=gainsaypg
# This file, for the commands that stop and start a cluster from another process.
gainsay_pg_library=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

# The bin folder of the newest PostgreSQL server installed, or a message naming the package to install.
gainsay_pg_bin() {
  local initdb bin
  # The glob sorts 9.6 after 15: pick the highest major version.
  bin=$(for initdb in /usr/lib/postgresql/*/bin/initdb; do
    [ -x "$initdb" ] && echo "${initdb%/initdb}"
  done | sort -t/ -k5,5n | tail -n 1)
  if [ -z "$bin" ]; then
    echo "gainsay_pg: no PostgreSQL server found (/usr/lib/postgresql/*/bin/initdb is missing): install it with" \
      "\`apt-get install postgresql\`" >&2
    return 1
  fi
  echo "$bin"
}

# Checks DIR: an absolute path of plain characters (it goes into the server's config and the URL), short
# enough for a socket path (DIR/.s.PGSQL.5432 within Linux's 107 bytes).
gainsay_pg_check_dir() {
  local dir=${1:-}
  if [ -z "$dir" ]; then
    echo "gainsay_pg: give the cluster's folder (e.g. \"\$(mktemp -d)\")" >&2
    return 1
  fi
  case $dir in
  /*) ;;
  *)
    echo "gainsay_pg: $dir: the cluster's folder must be an absolute path" >&2
    return 1
    ;;
  esac
  if ! [[ $dir =~ ^[A-Za-z0-9/._-]+$ ]]; then
    echo "gainsay_pg: $dir: the cluster's folder may hold only letters, digits, '/', '.', '_' and '-'" \
      "(it is written into the server's config and the connection URL)" >&2
    return 1
  fi
  if [ $((${#dir} + 16)) -gt 107 ]; then
    echo "gainsay_pg: $dir: too long for a Unix socket path ($dir/.s.PGSQL.5432 must fit in 107 bytes)" >&2
    return 1
  fi
}

# Runs a command as the server's OS user: `gainsaypg` when running as root, the current user otherwise.
# From DIR, so a working folder the user cannot enter (e.g. /root) does not get in the way.
gainsay_pg_as() {
  local dir=$1
  shift
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$dir" && runuser -u "$gainsay_pg_os_user" -- "$@")
  else
    (cd "$dir" && "$@")
  fi
}

# As root: makes sure the unprivileged user exists, owns DIR and can reach it through every parent folder.
gainsay_pg_prepare_user() {
  local dir=$1
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id -u "$gainsay_pg_os_user" >/dev/null 2>&1; then
    # Another script may create it at the same moment: only a user still missing afterwards is an error.
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --user-group "$gainsay_pg_os_user" 2>/dev/null || true
    if ! id -u "$gainsay_pg_os_user" >/dev/null 2>&1; then
      echo "gainsay_pg: cannot create the OS user $gainsay_pg_os_user to run PostgreSQL (useradd failed)" >&2
      return 1
    fi
  fi
  chown "$gainsay_pg_os_user:" "$dir" && chmod 0700 "$dir" || return 1
  if ! runuser -u "$gainsay_pg_os_user" -- test -w "$dir" -a -x "$dir"; then
    # The first folder from / down that the user cannot enter.
    local parent="" part
    local -a parts
    IFS=/ read -r -a parts <<<"${dir#/}"
    for part in "${parts[@]}"; do
      parent=$parent/$part
      if ! runuser -u "$gainsay_pg_os_user" -- test -x "$parent"; then
        echo "gainsay_pg: $gainsay_pg_os_user cannot enter $parent (mode $(stat -c %a "$parent")), so it cannot" \
          "reach $dir: put the cluster under a folder every user can traverse, such as /tmp" >&2
        return 1
      fi
    done
    echo "gainsay_pg: $gainsay_pg_os_user cannot write to $dir" >&2
    return 1
  fi
}

# The URL of database NAME in the cluster in DIR, connecting as the superuser `postgres` over the socket.
gainsay_pg_url() {
  echo "postgres:///$2?host=$1&user=postgres"
}

# psql on the cluster in DIR, database `postgres`, stopping at the first error.
gainsay_pg_psql() {
  local dir=$1 bin
  shift
  bin=$(gainsay_pg_bin) || return 1
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -U postgres -d postgres "$@"
}

gainsay_pg_start() {
  local dir=${1:-} bin data
  gainsay_pg_check_dir "$dir" || return 1
  bin=$(gainsay_pg_bin) || return 1
  mkdir -p "$dir" || return 1
  gainsay_pg_prepare_user "$dir" || return 1
  data=$dir/data
  if [ ! -f "$data/PG_VERSION" ]; then
    if ! gainsay_pg_as "$dir" "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1; then
      echo "gainsay_pg: initdb failed in $data:" >&2
      tail -n 20 "$dir/initdb.log" >&2
      return 1
    fi
    # Only the socket in DIR, no TCP; every commit on disk before it is acknowledged. Enough connections
    # for tests that run in parallel, each with a pool, and several daemons.
    if ! gainsay_pg_as "$dir" tee -a "$data/postgresql.conf" >/dev/null <<EOF; then

# gainsay test cluster (Scripts/lib/postgres-cluster.sh)
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 300
EOF
      echo "gainsay_pg: cannot write $data/postgresql.conf" >&2
      return 1
    fi
  fi
  if gainsay_pg_as "$dir" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "gainsay_pg: the cluster in $dir is already running" >&2
  elif ! gainsay_pg_as "$dir" "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 start >/dev/null; then
    echo "gainsay_pg: PostgreSQL did not start in $dir; its log ($dir/postgres.log) ends:" >&2
    tail -n 20 "$dir/postgres.log" >&2
    return 1
  fi
  # pg_ctl -w waits for the server to accept connections; make sure the socket answers too.
  local tries=0
  until "$bin/pg_isready" -q -h "$dir" -U postgres -d postgres; do
    tries=$((tries + 1))
    if [ $tries -ge 100 ]; then
      echo "gainsay_pg: PostgreSQL in $dir did not become ready in 30 s; see $dir/postgres.log" >&2
      return 1
    fi
    sleep 0.3
  done
  if [ "$(gainsay_pg_psql "$dir" -At -c "SELECT count(*) FROM pg_database WHERE datname = 'gainsay'")" != 1 ]; then
    gainsay_pg_psql "$dir" -c 'CREATE DATABASE gainsay' || return 1
  fi
  GAINSAY_TEST_POSTGRES_URL=$(gainsay_pg_url "$dir" gainsay)
  # Shell commands that stop and start this cluster, for tests of a PostgreSQL restart.
  GAINSAY_TEST_POSTGRES_STOP="bash -c $(printf %q ". $(printf %q "$gainsay_pg_library") && gainsay_pg_stop $dir")"
  GAINSAY_TEST_POSTGRES_START="bash -c $(printf %q ". $(printf %q "$gainsay_pg_library") && gainsay_pg_start $dir >/dev/null")"
  export GAINSAY_TEST_POSTGRES_URL GAINSAY_TEST_POSTGRES_STOP GAINSAY_TEST_POSTGRES_START
  echo "GAINSAY_TEST_POSTGRES_URL=$GAINSAY_TEST_POSTGRES_URL"
}

gainsay_pg_stop() {
  local dir=${1:-} bin pid
  gainsay_pg_check_dir "$dir" || return 1
  bin=$(gainsay_pg_bin) || return 1
  [ -f "$dir/data/PG_VERSION" ] || {
    echo "gainsay_pg: no cluster in $dir" >&2
    return 1
  }
  # Not running (pg_ctl status exits 3): nothing to do.
  gainsay_pg_as "$dir" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || return 0
  pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)
  if ! gainsay_pg_as "$dir" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null; then
    echo "gainsay_pg: PostgreSQL in $dir did not stop in 60 s; see $dir/postgres.log" >&2
    return 1
  fi
  # pg_ctl returns once postmaster.pid is gone; wait for the postmaster process itself too.
  local tries=0
  while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
    tries=$((tries + 1))
    if [ $tries -ge 100 ]; then
      echo "gainsay_pg: the postmaster ($pid) in $dir is still running after 10 s" >&2
      return 1
    fi
    sleep 0.1
  done
}

gainsay_pg_restart() {
  gainsay_pg_stop "${1:-}" && gainsay_pg_start "${1:-}"
}

gainsay_pg_createdb() {
  local dir=${1:-} name=${2:-}
  gainsay_pg_check_dir "$dir" || return 1
  if ! [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    echo "gainsay_pg: \"$name\": a database name here is lower-case letters, digits and '_' (at most 63)" >&2
    return 1
  fi
  gainsay_pg_psql "$dir" -c "CREATE DATABASE $name" || return 1
  gainsay_pg_url "$dir" "$name"
}
