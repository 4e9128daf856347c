#!/usr/bin/env bash
# Cross-check the WSQ encoder/decoder and the ANSI/NIST-ITL reader/writer against the PyPI
# peers `wsq` (NIST NBIS WSQ) and `nistitl`. Makes a venv (target/peer-venv), builds the CLI
# in release mode, runs scripts/peer_check.py. Extra arguments go to the script, e.g.
#   bash scripts/peer-check.sh --images-per-db 80 --json peer.json
set -euo pipefail
cd "$(dirname "$0")/.."
DATASETS="${BIOMATCH_DATASETS:-$(cd .. && pwd)/shared/datasets}"
VENV="${PEER_VENV:-target/peer-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "wsq==0.9" "nistitl==0.6" numpy pillow
fi
cargo build -q --release -p biomatch-cli
"$VENV/bin/python" scripts/peer_check.py target/release/biomatch "$DATASETS" "$@"
