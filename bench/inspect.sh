#!/usr/bin/env bash
# Times `mnist-tools inspect` on a full-size classic-format file against the gzip floor
# (libdeflate-gunzip), gzip itself and Python's pickle.load. See bench/README.md.
#
# Environment:
#   RUNS               timed runs of each command (default 5), after one untimed warm-up
#   DATA               the file to read (default bench/data/fashion-classic.pkl.gz; made if missing)
#   MNIST_TOOLS        the mnist-tools binary; when unset, built here with `swift build -c release`
#   SWIFT_BUILD_FLAGS  extra arguments for `swift build`, such as `--scratch-path .build-bench`
#   RESULTS            where the markdown report is appended (default bench/RESULTS.md);
#                      set it empty to print the report only
set -euo pipefail

cd "$(dirname "$0")/.."

runs="${RUNS:-5}"
data="${DATA:-bench/data/fashion-classic.pkl.gz}"
results="${RESULTS-bench/RESULTS.md}"
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "inspect.sh: RUNS must be a positive whole number" >&2; exit 1; }

for tool in /usr/bin/time libdeflate-gunzip gzip python3; do
    command -v "$tool" >/dev/null || { echo "inspect.sh: $tool not found" >&2; exit 1; }
done

if [[ -n "${MNIST_TOOLS:-}" ]]; then
    mnist_tools="$MNIST_TOOLS"
else
    swift build -c release "${build_flags[@]}" --product mnist-tools >&2
    mnist_tools="$(swift build -c release "${build_flags[@]}" --show-bin-path)/mnist-tools"
fi

if [[ ! -f "$data" ]]; then
    mkdir -p "$(dirname "$data")"
    python3 bench/make_fashion_classic.py "$data" >&2
fi

# The inflater mnist-tools chose, from its `inflater: NAME` line.
inspect_output="$("$mnist_tools" inspect "$data")"
inflater="$(grep -o "inflater: [a-z]*" <<<"$inspect_output" | head -n 1 | cut -d" " -f2)"
inflater="${inflater:-unknown}"

names=("libdeflate-gunzip" "gzip -d" "mnist-tools inspect" "python3 pickle.load")
# Sets `argv` to the command line of command number $1 (an index into `names`).
command_for() {
    case "$1" in
        0) argv=(libdeflate-gunzip -c "$data") ;;
        1) argv=(gzip -dc "$data") ;;
        2) argv=("$mnist_tools" inspect "$data") ;;
        3) argv=(python3 -c 'import gzip, pickle, sys; pickle.load(gzip.open(sys.argv[1]), encoding="latin1")' "$data") ;;
    esac
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# $work/runs gets one line a run: command index, wall seconds, peak RSS in KiB.
# $work/command.INDEX holds the command's arguments, each ended by a NUL byte.
for index in "${!names[@]}"; do
    command_for "$index"
    printf '%s\0' "${argv[@]}" >"$work/command.$index"
    echo "${names[$index]}: warm-up and $runs runs" >&2
    "${argv[@]}" >/dev/null
    for ((run = 1; run <= runs; run++)); do
        /usr/bin/time -f '%e %M' -o "$work/time" "${argv[@]}" >/dev/null || {
            echo "inspect.sh: ${names[$index]} failed: $(cat "$work/time")" >&2
            exit 1
        }
        echo "$index $(cat "$work/time")" >>"$work/runs"
    done
done

report="$(
    python3 - "$work" "$data" "$runs" "$inflater" "$(date -u)" "$(nproc)" "${names[@]}" <<'PY'
import os
import shlex
import statistics
import struct
import sys

work, data, runs, inflater, date, nproc, *names = sys.argv[1:]

# The classic layout: 70,000 float32 images of 784 pixels and 70,000 int64 labels.
ARRAY_BYTES = 70000 * 784 * 4 + 70000 * 8

walls = {i: [] for i in range(len(names))}
peaks = {i: [] for i in range(len(names))}
with open(f"{work}/runs") as f:
    for line in f:
        index, wall, peak_kib = line.split()
        walls[int(index)].append(float(wall))
        peaks[int(index)].append(int(peak_kib) * 1024)

median = {i: statistics.median(walls[i]) for i in walls}
floor, python = median[0], median[len(names) - 1]

with open(data, "rb") as f:
    f.seek(-4, os.SEEK_END)
    uncompressed = struct.unpack("<I", f.read(4))[0]  # the gzip trailer: size mod 2**32
compressed = os.path.getsize(data)

def memory_gib():
    with open("/proc/meminfo") as f:
        total_kib = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:"))
    return total_kib / 2**20

def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"

print(f"## {date}")
print()
print(f"- Machine: {nproc} CPUs (nproc), {cpu_model()}, {memory_gib():.1f} GiB RAM")
print(f"- File: `{data}`, {compressed:,} bytes compressed, {uncompressed:,} bytes uncompressed; "
      f"array data {ARRAY_BYTES:,} bytes")
print(f"- mnist-tools inflater: {inflater}")
print(f"- Runs: {runs} timed runs of each command after one warm-up; wall time and peak RSS "
      f"from `/usr/bin/time -f '%e %M'`")
print()
print("| command | min wall (s) | median wall (s) | × floor | × python | max peak RSS (MiB) | RSS / array bytes |")
print("|---|---:|---:|---:|---:|---:|---:|")
for i, name in enumerate(names):
    peak = max(peaks[i])
    print(f"| {name} | {min(walls[i]):.2f} | {median[i]:.2f} | {median[i] / floor:.2f} | "
          f"{median[i] / python:.2f} | {peak / 2**20:.0f} | {peak / ARRAY_BYTES:.2f} |")
print()
print("Ratios compare median wall times. Commands, each with stdout sent to /dev/null:")
print()
for i in range(len(names)):
    with open(f"{work}/command.{i}", "rb") as f:
        argv = [arg.decode() for arg in f.read().split(b"\0")[:-1]]
    print(f"    {shlex.join(argv)}")
PY
)"

printf '%s\n' "$report"
if [[ -n "$results" ]]; then
    printf '%s\n\n' "$report" >>"$results"
    echo "appended to $results" >&2
fi
