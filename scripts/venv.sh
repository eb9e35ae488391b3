# Sourced by run.sh and test.sh: create .venv on first use, and reinstall whenever
# requirements.txt changes (its hash is kept in .venv/requirements.sha256).
set -euo pipefail
if [ ! -x .venv/bin/python ]; then
    echo "Skapar virtuell miljö i .venv …"
    python3 -m venv .venv
fi
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat .venv/requirements.sha256 2>/dev/null || true)" != "$wanted" ]; then
    echo "Installerar paket från requirements.txt …"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.txt
    echo "$wanted" > .venv/requirements.sha256
fi
