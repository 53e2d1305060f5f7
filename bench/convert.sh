#!/usr/bin/env bash
# Times `mnist-tools convert` and `export-png` on the full-size classic-format file against
# the gzip floor, gzip itself and a numpy script doing the same. See bench/README.md.
#
# Environment: RUNS (default 5), DATA (default bench/data/fashion-classic.pkl.gz),
# MNIST_TOOLS (default: built here in release mode), RESULTS (default bench/RESULTS.md;
# empty to print only).
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-5}"
data="${DATA:-bench/data/fashion-classic.pkl.gz}"
results="${RESULTS-bench/RESULTS.md}"

if [[ -n "${MNIST_TOOLS:-}" ]]; then
    tool="$MNIST_TOOLS"
else
    swift build -c release --product mnist-tools >&2
    tool="$(swift build -c release --show-bin-path)/mnist-tools"
fi
[[ -f "$data" ]] || { mkdir -p "$(dirname "$data")"; python3 bench/make_fashion_classic.py "$data" >&2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$tool" convert "$data" -o "$work/folder" >/dev/null

convert_table="$(python3 bench/measure.py "$runs" "python numpy" \
    "libdeflate-gunzip" "libdeflate-gunzip -c $data" \
    "gzip -d" "gzip -dc $data" \
    "mnist-tools convert" "$tool convert $data -o $work/out --force" \
    "python numpy" "setup:rm -rf $work/py;;python3 bench/convert_numpy.py $data $work/py")"

export_table="$(python3 bench/measure.py "$runs" "export-png --index 42" \
    "export-png --index 42" "$tool export-png $work/folder --index 42 -o $work/one.png --force" \
    "export-png grid 10000" "$tool export-png $work/folder --range '0..<10000' --grid 100 -o $work/grid.png --force")"

report="$(cat <<MD
## convert and export-png, $(date -u)

- Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM
- File: \`$data\`, $(stat -c %s "$data") bytes compressed
- $runs timed runs each after one warm-up; wall time around the process, peak RSS and minor faults from wait4

$convert_table

$export_table
MD
)"
printf '%s\n' "$report"
if [[ -n "$results" ]]; then printf '%s\n\n' "$report" >>"$results"; fi
