#!/usr/bin/env bash
# The Python package in a fresh venv: `pip install ./crates/biomatch-py` (the README's command;
# maturin comes in as the build backend), the pytest suite (bindings against numpy and the CLI,
# the Ray-sharded watchlist with real Ray processes), and mypy's stubtest on the hand-written stub.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${BIOMATCH_VENV:-target/py-ci-venv}"
rm -rf "$VENV"
python3 -m venv "$VENV"
PY="$(cd "$VENV" && pwd)/bin/python"
"$PY" -m pip install -q --upgrade pip
t0=$(date +%s)
"$PY" -m pip install -q ./crates/biomatch-py
echo "wheel built and installed in $(( $(date +%s) - t0 )) s"
"$PY" -m pip install -q pytest mypy "ray==2.60.*"
# The CLI is the tests' independent route to the same scores (built by `cargo test` already).
if [ -z "${BIOMATCH_CLI:-}" ]; then
    [ -x target/debug/biomatch ] || cargo build -q -p biomatch-cli
    export BIOMATCH_CLI="$PWD/target/debug/biomatch"
fi
"$PY" -m pytest -q -rs crates/biomatch-py/tests
# stubtest imports the installed module and compares it with _biomatch.pyi.
(cd /tmp && "$PY" -m mypy.stubtest biomatch._biomatch)
