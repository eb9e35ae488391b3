#!/usr/bin/env bash
# Start Lägesbild Falkenberg on the embedded default: SQLite in data/, the built-in areas and,
# on first start, generated synthetic demo data. Only this computer can reach it (127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
.venv/bin/python -m geo init --demo-if-empty
echo "Lägesbild Falkenberg startar på http://127.0.0.1:8501"
exec .venv/bin/python -m streamlit run dashboard.py --server.address 127.0.0.1 --server.port 8501
