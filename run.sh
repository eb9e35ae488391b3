#!/usr/bin/env bash
# Start Lägesbild Falkenberg on the embedded default: SQLite in data/, the built-in areas and,
# on first start, generated synthetic demo data. Only this computer can reach it (127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
.venv/bin/python -m geo init --demo-if-empty
# geo serve refuses an address other computers reach unless login is configured, then starts Streamlit.
exec .venv/bin/python -m geo serve --address 127.0.0.1 --port 8501
