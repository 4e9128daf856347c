#!/usr/bin/env bash
# Every check of the C and C++ side of biomatch (called from .ci/run; runs alone too):
#   header current (pinned cbindgen), install into a fresh prefix, headers compile standalone,
#   README's static-link libraries equal rustc's, examples and tests built with CMake from the
#   installed package (-Wall -Wextra -Wpedantic -Werror; C tests again as C++), run on
#   fixtures/c, shared and static linking (CMake and pkg-config), AddressSanitizer + UBSan,
#   valgrind memcheck (0 errors, 0 leaks), ThreadSanitizer on the threaded gallery test.
# Installs cmake, valgrind and pkg-config with apt-get when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
fixtures="$root/fixtures/c"
# The deliberate-panic test prints the panic message; a backtrace would only add noise.
export RUST_BACKTRACE=0
start=$SECONDS

step() { echo "== c: $* ($((SECONDS - start)) s)"; }
fail() { echo "c-ci: FAILED: $*" >&2; exit 1; }

missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v g++ >/dev/null || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

step "header is current"
scripts/gen-header.sh --check

step "install into a fresh prefix"
scripts/install-c.sh "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail install; }
[ "$(readelf -d "$prefix/lib/libbiomatch.so.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libbiomatch.so.0 ] ||
    fail "SONAME is not libbiomatch.so.0"

step "README lists the native libraries rustc asks for a static link"
native="$(cat "$prefix/lib/cmake/biomatch/native-static-libs.txt")"
grep -qxF -- "$native" README.md || fail "README's static-link line is not '$native'"

step "headers compile standalone"
for std in c99 c11 c17; do
    echo '#include <biomatch.h>' | gcc -x c -std=$std -Wall -Wextra -Wpedantic -Werror \
        -I"$prefix/include" -fsyntax-only - || fail "biomatch.h as $std"
done
for std in c++11 c++14 c++17 c++20; do
    for h in biomatch.h biomatch.hpp; do
        echo "#include <$h>" | g++ -x c++ -std=$std -Wall -Wextra -Wpedantic -Werror \
            -I"$prefix/include" -fsyntax-only - || fail "$h as $std"
    done
done

# cmake_build DIR SOURCE [cmake args]: configure and build quietly, showing the log on failure.
cmake_build() {
    local dir="$1" src="$2"
    shift 2
    if ! { cmake -S "$src" -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" -DBIOMATCH_WERROR=ON \
        -DBIOMATCH_FIXTURES="$fixtures" "$@" && cmake --build "$dir" -j2; } >"$dir.log" 2>&1; then
        cat "$dir.log"
        fail "build of $src in $dir"
    fi
}

# run_examples DIR EGATE WATCHLIST [wrapper...]: the e-gate and watchlist flows on fixtures.
run_examples() {
    local dir="$1" egate="$2" watchlist="$3"
    shift 3
    local run=("$@") wl="$dir/watchlist.bmg" out rc
    local face=(--face-impostors "$fixtures/face/impostor_scores.txt")
    rm -f "$wl"
    "${run[@]}" "$watchlist" create "$wl" facenet512 512 >/dev/null || fail "$watchlist create"
    for k in 00 01 02 03 04 05 06 07 08 09; do
        "${run[@]}" "$watchlist" enrol "$wl" "w$k" --face "$fixtures/face/watchlist_$k.f32" \
            >/dev/null || fail "$watchlist enrol w$k"
    done
    "${run[@]}" "$watchlist" enrol "$wl" f101 --finger "$fixtures/finger/101_1.iso" >/dev/null ||
        fail "$watchlist enrol f101"
    out="$("${run[@]}" "$watchlist" search "$wl" --face "$fixtures/face/probe_06.f32" --top 3)" ||
        fail "$watchlist search"
    grep -q '^1\. w06 ' <<<"$out" || fail "$watchlist search did not find w06 first: $out"
    "${run[@]}" "$watchlist" info "$wl" | grep -q '11 subject' || fail "$watchlist info"
    "${run[@]}" "$watchlist" remove "$wl" f101 >/dev/null || fail "$watchlist remove"
    if "${run[@]}" "$watchlist" remove "$wl" f101 >/dev/null 2>&1; then
        fail "$watchlist removed an unknown id"
    fi

    # Genuine traveller, not on the watchlist: the gate opens.
    rc=0; out="$("${run[@]}" "$egate" "${face[@]}" --passport-face "$fixtures/face/watchlist_12.f32" \
        --live-face "$fixtures/face/probe_12.f32" --watchlist "$wl")" || rc=$?
    [ $rc -eq 0 ] && grep -q 'OPEN GATE' <<<"$out" || fail "$egate genuine traveller ($rc): $out"
    # A traveller on the watchlist: referred, naming the subject.
    rc=0; out="$("${run[@]}" "$egate" "${face[@]}" --passport-face "$fixtures/face/watchlist_06.f32" \
        --live-face "$fixtures/face/probe_06.f32" --watchlist "$wl")" || rc=$?
    [ $rc -eq 3 ] && grep -q 'HIT: subject w06' <<<"$out" || fail "$egate watchlist hit ($rc): $out"
    # Someone else's passport: referred on the face check.
    rc=0; out="$("${run[@]}" "$egate" "${face[@]}" --passport-face "$fixtures/face/watchlist_15.f32" \
        --live-face "$fixtures/face/probe_16.f32")" || rc=$?
    [ $rc -eq 3 ] && grep -q '1\. face.*NO MATCH' <<<"$out" || fail "$egate impostor ($rc): $out"
    # The genuine traveller with fingerprints: all three checks pass.
    rc=0; out="$("${run[@]}" "$egate" "${face[@]}" --passport-face "$fixtures/face/watchlist_12.f32" \
        --live-face "$fixtures/face/probe_12.f32" --watchlist "$wl" \
        --passport-finger "$fixtures/finger/102_1.iso" --live-finger "$fixtures/finger/102_2.iso" \
        --finger-impostors "$dir/finger_impostors.txt")" || rc=$?
    [ $rc -eq 0 ] && grep -q '3\. finger.* MATCH' <<<"$out" ||
        fail "$egate genuine traveller with fingers ($rc): $out"
    # Someone else's fingerprint: referred on the finger check.
    rc=0; out="$("${run[@]}" "$egate" "${face[@]}" --passport-face "$fixtures/face/watchlist_12.f32" \
        --live-face "$fixtures/face/probe_12.f32" \
        --passport-finger "$fixtures/finger/102_1.iso" --live-finger "$fixtures/finger/103_2.iso" \
        --finger-impostors "$dir/finger_impostors.txt")" || rc=$?
    [ $rc -eq 3 ] && grep -q '3\. finger.*NO MATCH' <<<"$out" ||
        fail "$egate wrong finger ($rc): $out"
    echo "$out" | sed 's/^/    /'
    # A live finger image (the C example only; the C++ one reads templates): a smudged touch
    # is refused for its quality (exit 4, recapture) and the clean touch is kept and matched.
    if [[ "$egate" != *_cpp ]]; then
        rc=0; out="$("${run[@]}" "$egate" "${face[@]}" --passport-face "$fixtures/face/watchlist_12.f32" \
            --live-face "$fixtures/face/probe_12.f32" \
            --passport-finger "$fixtures/finger/101_1.iso" --live-finger-image "$fixtures/image/101_2_smudged.pgm" \
            --finger-impostors "$dir/finger_impostors.txt")" || rc=$?
        [ $rc -eq 4 ] && grep -q 'RECAPTURE' <<<"$out" || fail "$egate smudged capture ($rc): $out"
        rc=0; out="$("${run[@]}" "$egate" "${face[@]}" --passport-face "$fixtures/face/watchlist_12.f32" \
            --live-face "$fixtures/face/probe_12.f32" \
            --passport-finger "$fixtures/finger/101_1.iso" --live-finger-image "$fixtures/image/101_2.pgm" \
            --finger-impostors "$dir/finger_impostors.txt")" || rc=$?
        [ $rc -eq 0 ] && grep -q '3\. finger 1:1.* MATCH' <<<"$out" ||
            fail "$egate clean capture ($rc): $out"
        echo "$out" | sed 's/^/    /'
    fi
}

step "build: C examples and tests as C, the C tests again as C++, C++ examples (shared library)"
cmake_build "$work/c" examples/c -DBIOMATCH_TESTS_AS_CXX=ON
cmake_build "$work/cpp" examples/cpp
readelf -d "$work/c/test_api" | grep -q 'NEEDED.*\[libbiomatch.so.0\]' ||
    fail "test_api is not linked against libbiomatch.so.0"

# Finger impostor scores for the e-gate's finger threshold: every ordered pair of impressions
# of different fingers (80, enough for the calibration's tail fit below 1/80).
for a in 101 102 103 104 105; do
    for b in 101 102 103 104 105; do
        [ $a = $b ] && continue
        for i in 1 2; do
            for j in 1 2; do
                "$work/c/watchlist" score "$fixtures/finger/${a}_$i.iso" "$fixtures/finger/${b}_$j.iso"
            done
        done
    done
done >"$work/c/finger_impostors.txt"
cp "$work/c/finger_impostors.txt" "$work/cpp/finger_impostors.txt"

step "run: C and C++ tests"
(cd "$work/c" && ctest --output-on-failure) || fail "C tests"
(cd "$work/cpp" && ctest --output-on-failure) || fail "C++ tests"
step "run: C examples"
run_examples "$work/c" "$work/c/egate" "$work/c/watchlist"
step "run: C++ examples"
run_examples "$work/cpp" "$work/cpp/egate_cpp" "$work/cpp/watchlist_cpp"

step "static linking from the installed package (CMake biomatch::static)"
cmake_build "$work/c-static" examples/c -DBIOMATCH_LINK=static
cmake_build "$work/cpp-static" examples/cpp -DBIOMATCH_LINK=static
if readelf -d "$work/c-static/test_api" | grep -q 'libbiomatch'; then
    fail "the static build still needs libbiomatch.so"
fi
(cd "$work/c-static" && ctest --output-on-failure) || fail "static C tests"
(cd "$work/cpp-static" && ctest --output-on-failure) || fail "static C++ tests"

step "pkg-config: shared (biomatch) and static (biomatch-static)"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion biomatch)" = "$(sed -n 's/^#define BIOMATCH_VERSION "\(.*\)"/\1/p' include/biomatch.h)" ] ||
    fail "pkg-config version"
pc_src=(examples/c/tests/test_api.c examples/c/util.c -Iexamples/c -Iexamples/c/tests)
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Wpedantic -Werror "${pc_src[@]}" $(pkg-config --cflags --libs biomatch) \
    -Wl,-rpath,"$prefix/lib" -lm -o "$work/pc-shared"
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Wpedantic -Werror "${pc_src[@]}" $(pkg-config --cflags --libs biomatch-static) \
    -lm -o "$work/pc-static"
(cd "$work" && ./pc-shared "$fixtures" 2>/dev/null | tail -n 1) || fail "pkg-config shared"
(cd "$work" && ./pc-static "$fixtures" 2>/dev/null | tail -n 1) || fail "pkg-config static"

step "AddressSanitizer + UndefinedBehaviorSanitizer"
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g"
cmake_build "$work/asan" examples/c -DBIOMATCH_TESTS_AS_CXX=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san"
cmake_build "$work/asan-cpp" examples/cpp -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san"
cp "$work/c/finger_impostors.txt" "$work/asan/"
cp "$work/c/finger_impostors.txt" "$work/asan-cpp/"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
(cd "$work/asan" && ctest --output-on-failure) || fail "tests under ASan/UBSan"
(cd "$work/asan-cpp" && ctest --output-on-failure) || fail "C++ tests under ASan/UBSan"
run_examples "$work/asan" "$work/asan/egate" "$work/asan/watchlist" >/dev/null
run_examples "$work/asan-cpp" "$work/asan-cpp/egate_cpp" "$work/asan-cpp/watchlist_cpp" >/dev/null
unset ASAN_OPTIONS UBSAN_OPTIONS
echo "    ASan/UBSan: tests and examples clean"

step "valgrind memcheck (any error or definite/indirect/possible leak fails; see examples/c/valgrind.supp)"
# valgrind runs one thread at a time: --fair-sched keeps rayon's spinning workers from
# starving the others, and the threaded test runs 20 searches per reader instead of 150.
vg=(valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=full --suppressions="$root/examples/c/valgrind.supp"
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible)
for t in "test_api" "test_threads 20" "test_wsq" "test_quality" "test_an2k" "test_watchlist"; do
    set -- $t
    (cd "$work/c" && "${vg[@]}" "./$1" "$fixtures" ${2:+"$2"} >"$work/vg-$1.log" 2>&1) ||
        { cat "$work/vg-$1.log"; fail "valgrind $1"; }
    tail -n 1 "$work/vg-$1.log"
done
(cd "$work/cpp" && "${vg[@]}" ./test_wrapper "$fixtures" >"$work/vg-wrapper.log" 2>&1) ||
    { cat "$work/vg-wrapper.log"; fail "valgrind test_wrapper"; }
tail -n 1 "$work/vg-wrapper.log"
# One e-gate run with every step (watchlist from the plain run, fingers), C and C++, and a
# watchlist search: the full example paths, without repeating the whole flow under valgrind.
for egate in "$work/c/egate" "$work/cpp/egate_cpp"; do
    rc=0
    "${vg[@]}" "$egate" --face-impostors "$fixtures/face/impostor_scores.txt" \
        --passport-face "$fixtures/face/watchlist_06.f32" --live-face "$fixtures/face/probe_06.f32" \
        --watchlist "$work/c/watchlist.bmg" --passport-finger "$fixtures/finger/102_1.iso" \
        --live-finger "$fixtures/finger/102_2.iso" --finger-impostors "$work/c/finger_impostors.txt" \
        >"$work/vg-egate.log" 2>&1 || rc=$?
    [ $rc -eq 3 ] || { cat "$work/vg-egate.log"; fail "valgrind $egate ($rc)"; }
done
"${vg[@]}" "$work/c/watchlist" search "$work/c/watchlist.bmg" --face "$fixtures/face/probe_03.f32" \
    >"$work/vg-watchlist.log" 2>&1 ||
    { cat "$work/vg-watchlist.log"; fail "valgrind watchlist search"; }
echo "    valgrind: tests and examples clean"

step "ThreadSanitizer: 4 identifying threads while a fifth enrols and removes"
tsan="-fsanitize=thread -g -O1"
gcc $tsan examples/c/tests/tsan_canary.c -o "$work/tsan_canary" -lpthread
if TSAN_OPTIONS="exitcode=66" "$work/tsan_canary" >"$work/canary.log" 2>&1 ||
    ! grep -q 'WARNING: ThreadSanitizer: data race' "$work/canary.log"; then
    cat "$work/canary.log"
    fail "ThreadSanitizer did not report the deliberate race of tsan_canary.c"
fi
cmake_build "$work/tsan" examples/c -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="$tsan" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread"
# libbiomatch.so itself is not TSan-instrumented (that needs a sanitizer-built Rust standard
# library); ignore_noninstrumented_modules stops TSan from judging its memory accesses through
# interceptors without seeing its (futex-based) synchronisation. See README "C and C++".
TSAN_OPTIONS="halt_on_error=1 exitcode=66 ignore_noninstrumented_modules=1" \
    "$work/tsan/test_threads" "$fixtures" || fail "test_threads under ThreadSanitizer"

step "done: all C checks passed"
