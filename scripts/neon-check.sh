#!/usr/bin/env bash
# Cross-compiles the core crate for aarch64 and runs the face kernel tests (every NEON kernel
# against the scalar reference and exact arithmetic) and the quality conformance test (the
# scores x86-64 gives) under qemu user-mode emulation.
# Installs what it needs: the rustup target, and (Debian/Ubuntu) qemu-user and the aarch64
# cross linker. Usage: scripts/neon-check.sh   (from anywhere; exits non-zero on failure)
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=aarch64-unknown-linux-gnu
if ! rustup target list --installed | grep -qx "$TARGET"; then
    rustup target add "$TARGET"
fi

need=()
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
if ((${#need[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"

# Everything (benches, integration tests) must at least compile for aarch64.
cargo check -p biomatch --target "$TARGET" --all-targets

# Run the kernel tests (face kernels, and the matcher's verification on its portable kernel);
# the face tests print which families they exercised.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test -p biomatch --target "$TARGET" --lib -- face::kernels face::gemm \
    finger::matcher::verify --nocapture 2>&1 | tee "$log"
if ! grep -q 'whole_comparisons_score_the_same_with_every_kernel ... ok' "$log"; then
    echo "neon-check: the matcher verification tests did not run" >&2
    exit 1
fi
if ! grep -q 'testing kernels: \[Neon\]' "$log"; then
    echo "neon-check: the NEON kernels were not exercised" >&2
    exit 1
fi
if ! grep -q 'face::gemm::tests::products_match_plain_loops ... ok' "$log"; then
    echo "neon-check: the faer tile products were not tested" >&2
    exit 1
fi
# Batch search on NEON (faer products) against the portable single-probe search.
cargo test -p biomatch --target "$TARGET" --test face_index -- batch_search 2>&1 | tee "$log"
if ! grep -q 'batch_search_equals_single_searches ... ok' "$log"; then
    echo "neon-check: the batch search test did not pass" >&2
    exit 1
fi
# Quality scores are the same integers as on x86-64 (the conformance file was made there).
cargo test -p biomatch --target "$TARGET" --test quality -- conformance 2>&1 | tee "$log"
if ! grep -q 'conformance_scores_are_reproduced ... ok' "$log"; then
    echo "neon-check: the quality conformance test did not pass" >&2
    exit 1
fi
echo "neon-check: NEON face kernels match the scalar reference; quality scores match x86-64"
