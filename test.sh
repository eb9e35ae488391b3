#!/usr/bin/env bash
# Run everything: lint, format check, types, unit tests, AppTest pages and browser tests.
#   ./test.sh                     on SQLite; browser tests skip when Chromium is missing, and
#                                 tests/test_postgres.py starts its own throw-away PostgreSQL
#                                 when the binaries are installed (skips otherwise)
#   ./test.sh --require-browser   (CI) a browser test that cannot run fails instead
#   ./test.sh --postgres          the whole suite against a throw-away PostgreSQL + PostGIS cluster
#                                 (scripts/pg_cluster.sh; Debian: postgresql postgresql-15-postgis-3)
# Other arguments go to pytest, e.g. ./test.sh -k areas
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
postgres=0
while [ $# -gt 0 ]; do
    case "$1" in
    --require-browser) export LAGESBILD_REQUIRE_BROWSER=1 ;;
    --postgres) postgres=1 ;;
    *) break ;;
    esac
    shift
done
.venv/bin/python -m ruff check .
.venv/bin/python -m ruff format --check .
.venv/bin/python -m mypy
if [ "$postgres" = 1 ]; then
    cluster=$(mktemp -d /tmp/lagesbild-pg-XXXXXX)  # under /tmp: the postgres user must enter it
    trap 'scripts/pg_cluster.sh stop "$cluster"' EXIT
    LAGESBILD_TEST_DATABASE_URL=$(scripts/pg_cluster.sh start "$cluster")
    export LAGESBILD_TEST_DATABASE_URL LAGESBILD_REQUIRE_POSTGRES=1
    echo "PostgreSQL-kluster för testerna: $cluster"
fi
.venv/bin/python -m pytest "$@"
