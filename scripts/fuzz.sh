#!/usr/bin/env bash
# Scheduled fuzzing: runs every cargo-fuzz target in ./fuzz, one at a time, for a fixed number
# of executions, and appends one line per target (executions, seconds, crashes, exit status,
# sanitizer) to fuzz/results.tsv. Crash inputs land in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [RUNS] [TARGET...]      RUNS defaults to 10,000,000; targets to all
#
# FUZZ_MAX_SECONDS (optional) also stops each target after that many seconds (the results
# line then shows the executions reached). FUZZ_SANITIZER (optional: address or none) overrides
# the per-target choice below for every target. BIOMATCH_CLI names an already built `biomatch`
# binary for making the gallery seeds (default: cargo build --release).
#
# Needs: rustup nightly toolchain and `cargo install cargo-fuzz`. Seeds the corpora from
# fixtures/ and, when present, the datasets' formats/ folder (BIOMATCH_DATASETS, default
# ../shared/datasets). Runs under `nice -n 19` with one job: meant for a nightly schedule.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-10000000}
shift || true
datasets=${BIOMATCH_DATASETS:-$root/../shared/datasets}
all_targets=(read_iso2005 read_iso2011 read_ansi2004 read_ansi2009 read_xyt read_type9
    read_detect wsq_decode image_decode an2k_read gallery_load face_index_load)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

# Largest input per target: enough for the seeds that matter, small enough to be fast.
max_len() {
    case "$1" in
        image_decode | wsq_decode) echo 65536 ;;
        an2k_read) echo 32768 ;;
        gallery_load | face_index_load) echo 16384 ;;
        *) echo 4096 ;;
    esac
}

# Sanitizer per target. The code under test of most targets is safe Rust (the template,
# transaction, WSQ and gallery readers hold no `unsafe`), where AddressSanitizer finds nothing
# that bounds checks do not already turn into a panic, and it slows these targets 10-30x;
# libFuzzer still catches panics, timeouts and the RSS limit without it. `face_index_load`
# reaches the face storage's memory mapping, so it keeps AddressSanitizer.
sanitizer() {
    if [ -n "${FUZZ_SANITIZER:-}" ]; then
        echo "$FUZZ_SANITIZER"
        return
    fi
    case "$1" in
        face_index_load) echo address ;;
        *) echo none ;;
    esac
}

# Extra build options per target. `wsq_decode` spent about 60 % of its time in the
# comparison hooks of `-sanitizer-coverage-trace-compares` (the wavelet loops compare on every
# sample), so it is built without them, into its own target folder.
build_options() {
    case "$1" in
        wsq_decode) echo "--no-trace-compares --target-dir target/no-trace-compares" ;;
    esac
}

seed() { # seed TARGET FILE...
    local dir=fuzz/corpus/$1
    shift
    mkdir -p "$dir"
    for f in "$@"; do
        [ -f "$f" ] && cp -n "$f" "$dir/" 2>/dev/null || true
    done
}

templates=(fixtures/templates/* fixtures/c/finger/*)
for sub in iso2005 iso2011 ansi2004 ansi2009 xyt; do
    [ -d "$datasets/formats/$sub" ] && templates+=("$datasets/formats/$sub"/*)
done
for t in read_iso2005 read_iso2011 read_ansi2004 read_ansi2009 read_xyt read_type9 read_detect; do
    seed "$t" "${templates[@]}"
done
an2k=(fixtures/templates/*.an2k)
[ -d "$datasets/formats/an2k" ] && an2k+=("$datasets/formats/an2k"/*)
[ -d "$datasets/formats/libbiomeval" ] && an2k+=("$datasets/formats/libbiomeval"/*.an2k)
seed an2k_read "${an2k[@]}"
seed read_type9 "${an2k[@]}"
wsq=(fixtures/wsq/*.wsq)
[ -d "$datasets/formats/wsq" ] && wsq+=("$datasets/formats/wsq"/*.wsq)
seed wsq_decode "${wsq[@]}"
seed image_decode "${wsq[@]}" fixtures/wsq/*.png fixtures/c/image/*

# Face index seeds: tiny valid files of each precision, written from the documented layout
# (face/persist.rs); the target's first byte selects the checksum fix-up.
python3 - "$root/fuzz/corpus/face_index_load" <<'PY'
import os, struct, sys, zlib
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
dim = 128
for prec in (0, 1, 2):
    b = b"BMFACEIX" + struct.pack("<IBI", 1, prec, dim) + struct.pack("<I", 1) + b"m"
    b += struct.pack("<Q", 0) + struct.pack("<Q", 2)
    for i in range(2):
        b += struct.pack("<Q", i)
        v = [((i * 7 + j) % 13 - 6) / 40.0 for j in range(dim)]
        if prec == 0:
            b += struct.pack(f"<{dim}f", *v)
        elif prec == 1:
            b += struct.pack(f"<{dim}e", *v)
        else:
            b += struct.pack("<f", 1 / 127) + bytes(int(x * 127) + 128 for x in v)
    b += struct.pack("<I", zlib.crc32(b))
    for first in (b"\0", b"\1"):
        with open(os.path.join(out, f"seed_p{prec}_{first[0]}"), "wb") as f:
            f.write(first + b)
PY

# Gallery seeds: small galleries built by the CLI (fingers only, and fingers with faces).
cli=${BIOMATCH_CLI:-}
if [ -z "$cli" ]; then
    cargo build --release -q -p biomatch-cli
    cli=target/release/biomatch
fi
gdir=fuzz/corpus/gallery_load
mkdir -p "$gdir"
tmp=$(mktemp -d)
mkdir -p "$tmp/f"
cp fixtures/gallery/fingers/10[12]_1.iso "$tmp/f/"
"$cli" gallery build --fingers "$tmp/f" --out "$tmp/g.bmg" >/dev/null
# Two 128-value face embeddings (.npy written by hand: no numpy needed).
python3 - "$tmp/faces.npy" <<'PY'
import struct, sys
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 128), }"
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<256f", *[((j * 37) % 11 - 5) / 30.0 for j in range(256)]))
PY
printf 'a\nb\n' >"$tmp/labels.txt"
"$cli" gallery build --fingers "$tmp/f" --faces "$tmp/faces.npy" --labels "$tmp/labels.txt" \
    --face-model m --out "$tmp/gf.bmg" >/dev/null
for g in g gf; do
    for first in 0 1; do
        { printf "\\x0$first"; cat "$tmp/$g.bmg"; } >"$gdir/seed_${g}_$first"
    done
done
rm -rf "$tmp"

cd fuzz
for t in "${targets[@]}"; do
    log=$(mktemp)
    start=$(date +%s)
    status=0
    limit=()
    [ -n "${FUZZ_MAX_SECONDS:-}" ] && limit=(-max_total_time="$FUZZ_MAX_SECONDS")
    san=$(sanitizer "$t")
    read -r -a opts <<<"$(build_options "$t")"
    nice -n 19 cargo +nightly fuzz build -O -s "$san" "${opts[@]}" "$t" >"$log" 2>&1 ||
        { tail -30 "$log"; exit 1; }
    nice -n 19 cargo +nightly fuzz run -O -s "$san" "${opts[@]}" "$t" "corpus/$t" -- \
        -runs="$runs" "${limit[@]}" \
        -max_len="$(max_len "$t")" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    secs=$(($(date +%s) - start))
    execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1 || true)
    crashes=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${execs:-?}" "$secs" \
        "$crashes" "$status" "$san" | tee -a results.tsv
    [ "$status" -ne 0 ] && tail -30 "$log"
    rm -f "$log"
done
