#!/usr/bin/env bash
# Miri (undefined-behaviour checker) over the unit tests of the pure-Rust parsers: template
# formats and ANSI/NIST-ITL transactions (finger::formats), the WSQ decoder's modules
# (markers, huffman decoding, quantisation, wavelet; not the encoder, and not the tests that
# run whole images or millions of coefficients, which take over 20 minutes each under Miri),
# watchlist records and gallery encryption (sealing, every flipped byte, key files), and
# gallery parsing (tests/gallery_untrusted.rs, from bytes).
#
#   scripts/miri.sh [TEST-FILTER...]     default: the four areas above, then the integration
#                                        tests of the template readers on the fixtures
#                                        (tests/formats_fixtures.rs)
#
# Needs the nightly toolchain with the miri component (`rustup +nightly component add miri`).
# Miri interprets the code: expect minutes per area. Isolation is off because the persistence
# tests write temporary files; -Zmiri-ignore-leaks because rayon's global pool outlives a test.
set -euo pipefail
cd "$(dirname "$0")/.."
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation -Zmiri-ignore-leaks}"
filters=("$@")
# The WSQ decoder's modules (the encoder's tests are too slow under Miri: over 20 minutes).
[ ${#filters[@]} -eq 0 ] && filters=(finger::formats:: finger::image::wsq::markers::
    finger::image::wsq::huffman::tests::decodes finger::image::wsq::huffman::tests::oversubscribed
    finger::image::wsq::huffman::tests::running_out finger::image::wsq::huffman::tests::stuffed
    finger::image::wsq::quant:: finger::image::wsq::wavelet::tests::lines
    finger::image::wsq::wavelet::tests::single finger::image::wsq::wavelet::tests::tree
    gallery::record:: gallery::encryption::)
status=0
for f in "${filters[@]}"; do
    echo "== miri: $f"
    start=$(date +%s)
    if nice -n 19 cargo +nightly miri test -p biomatch --lib -- "$f"; then
        echo "== miri: $f passed in $(($(date +%s) - start)) s"
    else
        status=1
        echo "== miri: $f FAILED after $(($(date +%s) - start)) s"
    fi
done
if [ $# -eq 0 ]; then
    # Gallery parsing from bytes (the file-based persist tests open files with O_NONBLOCK,
    # which Miri does not support). Enrolment runs rayon, whose crossbeam-epoch trips Stacked
    # Borrows (an upstream report, not this crate's code): Tree Borrows instead.
    echo "== miri: --test gallery_untrusted every_inconsistency"
    start=$(date +%s)
    if MIRIFLAGS="$MIRIFLAGS -Zmiri-tree-borrows -Zmiri-permissive-provenance" \
        nice -n 19 cargo +nightly miri test -p biomatch --test gallery_untrusted -- every_inconsistency; then
        echo "== miri: gallery_untrusted passed in $(($(date +%s) - start)) s"
    else
        status=1
        echo "== miri: gallery_untrusted FAILED after $(($(date +%s) - start)) s"
    fi
    echo "== miri: --test formats_fixtures"
    start=$(date +%s)
    if nice -n 19 cargo +nightly miri test -p biomatch --test formats_fixtures; then
        echo "== miri: formats_fixtures passed in $(($(date +%s) - start)) s"
    else
        status=1
        echo "== miri: formats_fixtures FAILED after $(($(date +%s) - start)) s"
    fi
fi
exit $status
