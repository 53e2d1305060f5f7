#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/targets/*.swift) into .build-fuzz/bin/fuzz-TARGET.
#
# Sources/Pickle and Sources/MNISTTools are compiled by plain swiftc calls, optimized and
# instrumented for libFuzzer's coverage and AddressSanitizer, into .build-fuzz/ — apart
# from SwiftPM's .build, which this never touches. A step is skipped when the SHA-256 of
# its inputs and flags matches what built it last time, so a second run costs nothing.
#
# Usage: fuzz/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out=.build-fuzz
modules="$out/modules"
mkdir -p "$modules" "$out/bin"

# -O keeps Swift's bounds, overflow and precondition checks (only -Ounchecked drops them).
# It costs about 30 s more compilation than -Onone here, and fuzzes about 4 times faster
# (the pickle target runs through its corpus in 9 s against 35 s).
swift_flags=(-swift-version 6 -O -gline-tables-only -sanitize=fuzzer,address -parse-as-library -I "$modules")
c_modules=(-I Sources/CZlib -I Sources/CLibdeflate -I Sources/CLibpng -I Sources/CCrypto -I "$out/CLinuxCalls")
c_libraries=(-lz -ldeflate -lpng -lcrypto)

# Whether the stamp file $1 records the digest of the flags and the files $2…; when not,
# the new digest is left in $pending_stamp for `record_stamp` after a successful build.
up_to_date() {
    local stamp="$1"
    shift
    pending_stamp="$( { swiftc --version 2>&1; echo "${swift_flags[*]}"; cat "$@"; } | sha256sum)"
    [[ -f "$stamp" && "$(cat "$stamp")" == "$pending_stamp" ]]
}

record_stamp() { echo "$pending_stamp" >"$1"; }

# A library module: one whole-module compilation to one object file and its .swiftmodule.
build_module() {
    local name="$1" depends_on="$2"
    local sources
    mapfile -t sources < <(find "Sources/$name" -name '*.swift' | LC_ALL=C sort)
    if up_to_date "$modules/$name.stamp" "${sources[@]}" $depends_on; then return; fi
    echo "fuzz build: $name (${#sources[@]} files)"
    swiftc "${swift_flags[@]}" "${c_modules[@]}" -module-name "$name" -wmo -num-threads 0 \
        -emit-module -emit-module-path "$modules/$name.swiftmodule" \
        -c "${sources[@]}" -o "$modules/$name.o"
    record_stamp "$modules/$name.stamp"
}

# CLinuxCalls, the project's own C target: SwiftPM makes its module map from include/;
# here it is written out, and the C file compiled to an object linked into every target.
build_linux_calls() {
    local folder="$out/CLinuxCalls"
    mkdir -p "$folder"
    printf 'module CLinuxCalls {\n    header "%s"\n    export *\n}\n' \
        "$PWD/Sources/CLinuxCalls/include/CLinuxCalls.h" >"$folder/module.modulemap"
    if up_to_date "$folder/CLinuxCalls.stamp" Sources/CLinuxCalls/CLinuxCalls.c Sources/CLinuxCalls/include/CLinuxCalls.h \
        && [[ -f "$folder/CLinuxCalls.o" ]]; then return; fi
    echo "fuzz build: CLinuxCalls"
    clang -O2 -fsanitize=fuzzer-no-link,address -I Sources/CLinuxCalls/include \
        -c Sources/CLinuxCalls/CLinuxCalls.c -o "$folder/CLinuxCalls.o"
    record_stamp "$folder/CLinuxCalls.stamp"
}

started=$SECONDS
build_linux_calls
build_module Pickle ""
build_module MNISTTools "$modules/Pickle.stamp $out/CLinuxCalls/CLinuxCalls.stamp"

for target_file in fuzz/targets/*.swift; do
    target="$(basename "$target_file" .swift)"
    binary="$out/bin/fuzz-$target"
    if up_to_date "$binary.stamp" "$target_file" fuzz/support/*.swift "$modules"/*.stamp && [[ -x "$binary" ]]; then continue; fi
    echo "fuzz build: fuzz-$target"
    swiftc "${swift_flags[@]}" "${c_modules[@]}" -use-ld=lld -module-name "Fuzz_${target//-/_}" \
        "$target_file" fuzz/support/*.swift "$modules/Pickle.o" "$modules/MNISTTools.o" "$out/CLinuxCalls/CLinuxCalls.o" "${c_libraries[@]}" \
        -o "$binary"
    record_stamp "$binary.stamp"
done
echo "fuzz build: up to date in .build-fuzz/bin ($((SECONDS - started)) s)"
