#!/usr/bin/env bash
# Builds the fuzz targets if needed (fuzz/build.sh), replays every saved regression input,
# then fuzzes each target for a fixed time. See fuzz/README.md.
#
# Usage: fuzz/run.sh --ci                  replay, then 7 s per target from the seeds alone
#        fuzz/run.sh --seconds N [TARGET…]  replay, then N s per target, growing the corpus
#                                           kept in .build-fuzz/corpus/TARGET
#        … -- ARGS                          extra libFuzzer options (-jobs=2, -use_value_profile=1, …)
# Exits non-zero when any target crashes, hangs or exceeds a memory limit; the input that
# did it is left in .build-fuzz/artifacts/TARGET/ and its log in .build-fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=""
ci=false
targets=()
extra=()
while (($#)); do
    case "$1" in
        --ci) ci=true; seconds=7 ;;
        --seconds) seconds="$2"; shift ;;
        --) shift; extra=("$@"); break ;;
        -*) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
        *) targets+=("$1") ;;
    esac
    shift
done
[[ -n "$seconds" ]] || { echo "usage: $0 --ci | --seconds N [TARGET…] [-- LIBFUZZER_ARGS…]" >&2; exit 2; }
((${#targets[@]})) || mapfile -t targets < <(basename -s .swift fuzz/targets/*.swift)

bash fuzz/build.sh

out=.build-fuzz
export SWIFT_BACKTRACE=enable=no   # libFuzzer reports crashes itself; the backtracer would stall each one
# Pickles may hold reference cycles, which reference counting never frees (as in CPython
# without its cycle collector): leaks are expected, not bugs (-detect_leaks=0 below too).
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# Limits (see fuzz/README.md): inputs up to 64 KiB; one allocation at most 16 MiB for readers
# of uncompressed formats, 72 MiB for those that inflate DEFLATE data (which may expand
# 1032-fold: 64 KiB × 1032 = 64.5 MiB); 1 GiB resident in all; 10 s per input.
max_len=65536
declare -A malloc_limit=([pickle]=16 [idx]=16 [npy]=16 [manifest]=16 [png-raster]=16 [pickle-gzip]=72 [npz]=72 [png]=72)
limits() { echo "-max_len=$max_len -malloc_limit_mb=${malloc_limit[$1]:-16} -rss_limit_mb=1024 -timeout=10 -detect_leaks=0"; }

# The seeds: the pickle fixtures (gzipped for pickle-gzip), and fuzz/corpus/TARGET.
seed_folder() {
    local target="$1" folder="$out/seeds/$1"
    rm -rf "$folder"
    mkdir -p "$folder"
    case "$target" in
        pickle) cp fixtures/*.pkl "$folder/" ;;
        pickle-gzip) for file in fixtures/*.pkl; do gzip -9 -n -c "$file" >"$folder/$(basename "$file").gz"; done ;;
    esac
    if [[ -d "fuzz/corpus/$target" ]]; then cp "fuzz/corpus/$target"/* "$folder/"; fi
    echo "$folder"
}

# One of libFuzzer's closing statistics (-print_final_stats) from the log $1.
final_stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -n 1; }

failed=()
summary=()
started=$SECONDS
mkdir -p "$out/logs"
for target in "${targets[@]}"; do
    binary="$out/bin/fuzz-$target"
    [[ -x "$binary" ]] || { echo "no fuzz target '$target' (fuzz/targets/$target.swift)" >&2; exit 2; }
    log="$out/logs/$target.log"
    : >"$log"
    read -ra limit_options <<<"$(limits "$target")"

    shopt -s nullglob
    regressions=("fuzz/regressions/$target"/*)
    shopt -u nullglob
    if ((${#regressions[@]})) && ! "$binary" "${limit_options[@]}" "${regressions[@]}" >>"$log" 2>&1; then
        echo "fuzz $target: a regression input fails again; see $log" >&2
        tail -n 40 "$log" >&2
        failed+=("$target")
        continue
    fi

    artifacts="$out/artifacts/$target/"
    mkdir -p "$artifacts"
    if $ci; then
        corpus="$(mktemp -d)"
    else
        corpus="$out/corpus/$target"
        mkdir -p "$corpus"
    fi
    status=0
    "$binary" "${limit_options[@]}" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts" "${extra[@]}" \
        "$corpus" "$(seed_folder "$target")" >>"$log" 2>&1 || status=$?
    if $ci; then rm -rf "$corpus"; fi

    summary+=("$(printf '%-12s %9s runs %7s/s  corpus +%s  peak RSS %s MB  regressions %d' \
        "$target" "$(final_stat "$log" number_of_executed_units)" "$(final_stat "$log" average_exec_per_sec)" \
        "$(final_stat "$log" new_units_added)" "$(final_stat "$log" peak_rss_mb)" "${#regressions[@]}")")
    if ((status)); then
        echo "fuzz $target: FAILED (exit $status); log $log" >&2
        grep -E '^==[0-9]+==ERROR|^SUMMARY|Fatal error|Test unit written' "$log" | head -n 20 >&2 || true
        echo "To keep it as a regression: cp the input above into fuzz/regressions/$target/ (see fuzz/README.md)" >&2
        failed+=("$target")
    fi
done

printf 'fuzz: %s\n' "${summary[@]}"
echo "fuzz: ${#targets[@]} targets in $((SECONDS - started)) s, $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
((${#failed[@]} == 0))
