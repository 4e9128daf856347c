#!/usr/bin/env bash
# Face search against FAISS (and USearch when it installs), same data, same run, same
# threads: builds biomatch, makes a venv with faiss-cpu, writes one random gallery and probe
# set as .npy, times biomatch (`bench face --gallery --probes`) and the peers on it, and
# prints the figures side by side with their ratios.
#
#   scripts/bench-peers.sh [--n 1000000] [--dim 512] [--threads 1] [--json OUT.json]
#
# PEER_VENV names the venv (default target/peer-venv); needs python3 with venv and pip
# access to PyPI. Takes about 10 minutes at 1M x 512 on 2 cores and ~6 GB of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${PEER_VENV:-target/peer-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check numpy faiss-cpu
# USearch is optional: the comparison goes on without it.
"$venv/bin/pip" install -q --disable-pip-version-check usearch ||
    echo "(usearch did not install: compared with FAISS only)"
cargo build --release -q -p biomatch-cli
exec "$venv/bin/python" scripts/bench_peers.py --biomatch target/release/biomatch "$@"
