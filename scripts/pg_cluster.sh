#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS cluster for tests and benchmarks, on a unix socket only.
#
#   scripts/pg_cluster.sh start DIR   create DIR/data, start the server with its socket in DIR,
#                                     create the roles and print the admin URL on stdout
#   scripts/pg_cluster.sh stop DIR    stop the server and delete DIR
#
# initdb and pg_ctl refuse to run as root: as root, they run as the `postgres` user (DIR must then
# be somewhere that user can enter, e.g. under /tmp, not under /root). The cluster trusts local
# connections, listens on no TCP port (listen_addresses='') and its socket is 0700, so only its
# owner (and root) can connect. fsync is off: the data are thrown away with DIR.
#
# Roles, as in production (see README, "PostgreSQL"):
#   postgres          superuser of the throw-away cluster (creates databases in tests)
#   lagesbild_owner   owns the database and runs the migrations (`python -m geo init`)
#   lagesbild_app     what the app connects as: no DDL, no UPDATE/DELETE/TRUNCATE on the audit
#                     tables and the release ledger (granted by geo.store.database.grant_app_role)
# template1 gets the postgis and btree_gist extensions, so every new database has them.
set -euo pipefail
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
action=${1:-}
dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ]; then
    echo "användning: $0 start|stop KATALOG" >&2
    exit 64
fi
if [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL saknas ($PG_BIN/initdb): apt-get install -y postgresql postgresql-15-postgis-3" >&2
    exit 69
fi

as_db_user() {
    if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = "0" ]; then chown postgres: "$dir"; fi
    chmod 0700 "$dir"
    as_db_user "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync > "$dir/initdb.log"
    as_db_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir -c unix_socket_permissions=0700 -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
            -c shared_buffers=256MB -c max_locks_per_transaction=256" start > /dev/null
    psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -U postgres)
    "${psql[@]}" -d postgres -c "CREATE ROLE lagesbild_owner LOGIN CREATEDB" \
        -c "CREATE ROLE lagesbild_app LOGIN"
    "${psql[@]}" -d template1 -c "CREATE EXTENSION postgis" -c "CREATE EXTENSION btree_gist"
    echo "postgresql+psycopg://postgres@/postgres?host=$dir"
    ;;
stop)
    if [ -d "$dir/data" ]; then
        as_db_user "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "okänt kommando $action: start eller stop" >&2
    exit 64
    ;;
esac
