#!/usr/bin/env bash
# End-to-end EER after a WSQ encode-decode: every FVC B image is encoded at the given bit rate
# (default 0.75) by `biomatch image encode` into target/wsq-eer/<db>/, then `biomatch eval
# verify` runs on the originals and on the WSQ files with the same resolutions.
#   bash scripts/wsq-eer.sh [BITRATE]
set -euo pipefail
cd "$(dirname "$0")/.."
D="${BIOMATCH_DATASETS:-$(cd .. && pwd)/shared/datasets}"
RATE="${1:-0.75}"
OUT="target/wsq-eer-$RATE"
if [ -z "${BIOMATCH_BIN:-}" ]; then cargo build -q --release -p biomatch-cli; fi
B="${BIOMATCH_BIN:-target/release/biomatch}"
DBS="fvc2002/DB1_B@500 fvc2002/DB2_B@569 fvc2002/DB3_B@500 fvc2002/DB4_B@500 fvc2004/DB1_B@500 fvc2004/DB2_B@500 fvc2004/DB3_B@512 fvc2004/DB4_B@500"
orig=(); enc=()
bytes=0; pixels_bits=0
for spec in $DBS; do
    db="${spec%@*}"; ppi="${spec#*@}"
    mkdir -p "$OUT/$db"
    for f in "$D/$db"/*.tif; do
        name="$(basename "$f" .tif)"
        [ -f "$OUT/$db/$name.wsq" ] || "$B" image encode "$f" "$OUT/$db/$name.wsq" --ppi "$ppi" --bitrate "$RATE" 2>>"$OUT/encode.log"
    done
    orig+=("$D/$db@$ppi"); enc+=("$OUT/$db@$ppi")
done
grep -o '[0-9.]* bit/pixel' "$OUT/encode.log" | awk '{s+=$1; n++} END {printf "mean %.3f bit/pixel over %d images\n", s/n, n}'
echo "== originals"; "$B" eval verify "${orig[@]}" --json "$OUT/orig.json"
echo "== after WSQ at $RATE"; "$B" eval verify "${enc[@]}" --json "$OUT/wsq.json"
