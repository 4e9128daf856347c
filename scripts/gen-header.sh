#!/usr/bin/env bash
# Generates include/biomatch.h from crates/biomatch-ffi with a pinned cbindgen.
#   scripts/gen-header.sh           write the header
#   scripts/gen-header.sh --check   fail if the committed header is not current
# Used by developers and by CI (scripts/c-ci.sh). Installs the pinned cbindgen if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.0   # pinned: point releases reorder output
if [ "$(cbindgen --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
    echo "installing cbindgen $CBINDGEN_VERSION" >&2
    cargo install cbindgen --version "=$CBINDGEN_VERSION" --locked --quiet
fi

# The version macros come from the crate's Cargo.toml (workspace version).
pkgid="$(cargo pkgid -p biomatch-ffi)"
version="${pkgid##*[#@]}"
IFS=. read -r major minor patch <<<"${version%%[-+]*}"
[ -n "$major" ] && [ -n "$minor" ] && [ -n "$patch" ] || { echo "bad version '$version'" >&2; exit 1; }

config="$(mktemp)"
out="$(mktemp)"
trap 'rm -f "$config" "$out"' EXIT
{
    printf 'after_includes = """\n'
    printf '#define BIOMATCH_VERSION_MAJOR %s\n' "$major"
    printf '#define BIOMATCH_VERSION_MINOR %s\n' "$minor"
    printf '#define BIOMATCH_VERSION_PATCH %s\n' "$patch"
    printf '#define BIOMATCH_VERSION "%s"\n' "$version"
    printf '/* MAJOR * 10000 + MINOR * 100 + PATCH, as biomatch_version_number() */\n'
    printf '#define BIOMATCH_VERSION_NUMBER %d\n' "$((major * 10000 + minor * 100 + patch))"
    printf '"""\n'
    cat crates/biomatch-ffi/cbindgen.toml
} >"$config"

cbindgen --quiet --config "$config" --crate biomatch-ffi --output "$out" crates/biomatch-ffi

if [ "${1:-}" = "--check" ]; then
    if ! diff -u include/biomatch.h "$out"; then
        echo "include/biomatch.h is out of date: run scripts/gen-header.sh and commit it" >&2
        exit 1
    fi
    echo "include/biomatch.h is current"
else
    cp "$out" include/biomatch.h
    echo "wrote include/biomatch.h ($version)"
fi
