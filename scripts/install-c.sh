#!/usr/bin/env bash
# Builds libbiomatch (release) and installs the C/C++ SDK into PREFIX:
#   PREFIX/include/biomatch.h, biomatch.hpp
#   PREFIX/lib/libbiomatch.so.X.Y.Z (SONAME libbiomatch.so.X) + libbiomatch.so.X, libbiomatch.so
#   PREFIX/lib/libbiomatch.a
#   PREFIX/lib/pkgconfig/biomatch.pc, biomatch-static.pc
#   PREFIX/lib/cmake/biomatch/biomatchConfig.cmake, biomatchConfigVersion.cmake
#
# Usage: scripts/install-c.sh PREFIX
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
cd "$root"

pkgid="$(cargo pkgid -p biomatch-ffi)"
version="${pkgid##*[#@]}"
IFS=. read -r major minor patch <<<"${version%%[-+]*}"

echo "== building libbiomatch $version (release)"
cargo build --release --locked -p biomatch-ffi
# The static library again, asking rustc which system libraries a static link needs.
native="$(cargo rustc --release --locked -p biomatch-ffi --crate-type staticlib -- \
    --print native-static-libs 2>&1 | sed -n 's/^note: native-static-libs: //p' | tail -n 1)"
[ -n "$native" ] || { echo "rustc did not print native-static-libs" >&2; exit 1; }
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
release="$target_dir/release"

echo "== installing into $prefix"
install -d "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/biomatch"
install -m 644 include/biomatch.h include/biomatch.hpp "$prefix/include/"
install -m 755 "$release/libbiomatch.so" "$prefix/lib/libbiomatch.so.$version"
ln -sf "libbiomatch.so.$version" "$prefix/lib/libbiomatch.so.$major"
ln -sf "libbiomatch.so.$major" "$prefix/lib/libbiomatch.so"
install -m 644 "$release/libbiomatch.a" "$prefix/lib/libbiomatch.a"

native_cmake="$(printf '%s\n' $native | sed 's/^-l//' | paste -sd ';')"
subst() {
    sed -e "s|@BIOMATCH_VERSION@|$version|g" \
        -e "s|@BIOMATCH_VERSION_MAJOR@|$major|g" \
        -e "s|@BIOMATCH_VERSION_MINOR@|$minor|g" \
        -e "s|@BIOMATCH_SOVERSION@|$major|g" \
        -e "s|@BIOMATCH_NATIVE_LIBS@|$native|g" \
        -e "s|@BIOMATCH_NATIVE_LIBS_CMAKE@|$native_cmake|g" "$1" >"$2"
}
subst pkgconfig/biomatch.pc.in "$prefix/lib/pkgconfig/biomatch.pc"
subst pkgconfig/biomatch-static.pc.in "$prefix/lib/pkgconfig/biomatch-static.pc"
subst cmake/biomatchConfig.cmake.in "$prefix/lib/cmake/biomatch/biomatchConfig.cmake"
subst cmake/biomatchConfigVersion.cmake.in "$prefix/lib/cmake/biomatch/biomatchConfigVersion.cmake"
printf '%s\n' "$native" >"$prefix/lib/cmake/biomatch/native-static-libs.txt"
echo "installed biomatch $version (static link also needs: $native)"
