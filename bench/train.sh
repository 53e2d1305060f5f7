#!/usr/bin/env bash
# Times `mnist-tools train` against the same training written with numpy, JAX and
# PyTensor (bench/train_reference.py): the same model, data, batch size, in-order
# minibatches and the Theano tutorials' loop, and checks that they compute the same
# validation errors. See bench/README.md.
#
# Environment:
#   MODELS             models to train (default "logreg mlp lenet")
#   EPOCHS_logreg, EPOCHS_mlp, EPOCHS_lenet
#                      epochs per run (defaults 10, 3, 2)
#   RUNS               runs of each implementation per model (default 3), alternating
#   IMPLS              the references (default "numpy jax pytensor")
#   LENET_TOLERANCE    largest accepted difference in lenet validation error between
#                      mnist-tools and a reference, in percentage points (default 0.2)
#   DATA               the classic-format file (default bench/data/fashion-classic.pkl.gz;
#                      made if missing)
#   MNIST_TOOLS        the mnist-tools binary; when unset, built here with `swift build -c release`
#   SWIFT_BUILD_FLAGS  extra arguments for `swift build`, such as `--scratch-path .build-bench`
#   RESULTS            where the markdown report is appended (default bench/RESULTS.md);
#                      set it empty to print the report only
set -euo pipefail

cd "$(dirname "$0")/.."

runs="${RUNS:-3}"
data="${DATA:-bench/data/fashion-classic.pkl.gz}"
results="${RESULTS-bench/RESULTS.md}"
read -r -a models <<<"${MODELS:-logreg mlp lenet}"
read -r -a impls <<<"${IMPLS:-numpy jax pytensor}"
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"
tolerance="${LENET_TOLERANCE:-0.2}"
declare -A defaults=([logreg]=10 [mlp]=3 [lenet]=2)

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "train.sh: RUNS must be a positive whole number" >&2; exit 1; }
for model in "${models[@]}"; do
    [[ "$model" =~ ^(logreg|mlp|lenet)$ ]] || { echo "train.sh: unknown model '$model' in MODELS" >&2; exit 1; }
    var="EPOCHS_$model"
    epochs="${!var:-${defaults[$model]}}"
    [[ "$epochs" =~ ^[1-9][0-9]*$ ]] || { echo "train.sh: $var must be a positive whole number" >&2; exit 1; }
done
for impl in "${impls[@]}"; do
    [[ "$impl" =~ ^(numpy|jax|pytensor)$ ]] || { echo "train.sh: unknown implementation '$impl' in IMPLS" >&2; exit 1; }
done

if [[ -n "${MNIST_TOOLS:-}" ]]; then
    mnist_tools="$MNIST_TOOLS"
else
    swift build -c release "${build_flags[@]}" --product mnist-tools >&2
    mnist_tools="$(swift build -c release "${build_flags[@]}" --show-bin-path)/mnist-tools"
fi

PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q -r bench/requirements-train.txt >&2

if [[ ! -f "$data" ]]; then
    mkdir -p "$(dirname "$data")"
    python3 bench/make_fashion_classic.py "$data" >&2
fi

# Some machines set these for the system's older OpenBLAS (the one mnist-tools links);
# they slow down the OpenBLAS that numpy and scipy bundle, so the numpy and PyTensor
# commands run without them. mnist-tools and JAX keep the environment as it is.
openblas_env=""
unset_env=()
for var in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    if [[ -n "${!var+set}" ]]; then
        openblas_env+="${openblas_env:+, }$var=${!var}"
        unset_env+=(-u "$var")
    fi
done

loadavg="$(cut -d " " -f 1-3 /proc/loadavg)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The OpenBLAS that mnist-tools links, as it reports itself under this environment.
blas_library="$( { ldd "$mnist_tools" 2>/dev/null || true; } | awk '/blas/ { print $3; exit }')"
ours_blas="not found with ldd"
if [[ -n "$blas_library" ]]; then
    ours_blas="$blas_library: $(python3 - "$blas_library" <<'PY' 2>/dev/null || echo "could not query it"
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
try:
    lib.openblas_get_config.restype = ctypes.c_char_p
    lib.openblas_get_corename.restype = ctypes.c_char_p
    print(f"{lib.openblas_get_config().decode()}; core {lib.openblas_get_corename().decode()}, "
          f"{lib.openblas_get_num_threads()} thread(s)")
except AttributeError:
    print("not OpenBLAS")
PY
)"
fi

# Sets `argv` to the command line of implementation $1 training model $2 for $3 epochs.
command_for() {
    case "$1" in
        mnist-tools) argv=("$mnist_tools" train "$data" --model "$2" --epochs "$3" --log "$work/ours.csv" --force) ;;
        jax) argv=(python3 bench/train_reference.py --impl jax --model "$2" --data "$data" --epochs "$3") ;;
        *) argv=(python3 bench/train_reference.py --impl "$1" --model "$2" --data "$data" --epochs "$3")
           if ((${#unset_env[@]})); then argv=(env "${unset_env[@]}" "${argv[@]}"); fi ;;
    esac
}

# For each model, implementation and run, $work/MODEL.IMPL.RUN.out holds the epoch lines
# (`epoch E seconds S validation_error V test_error T`; made from the CSV log for
# mnist-tools), .err the standard error and .status the exit status.
# $work/MODEL.IMPL.command holds the command's arguments, each ended by a NUL byte.
names=(mnist-tools "${impls[@]}")
for model in "${models[@]}"; do
    var="EPOCHS_$model"
    epochs="${!var:-${defaults[$model]}}"
    for ((run = 1; run <= runs; run++)); do
        for impl in "${names[@]}"; do
            command_for "$impl" "$model" "$epochs"
            printf '%s\0' "${argv[@]}" >"$work/$model.$impl.command"
            base="$work/$model.$impl.$run"
            echo "$model, run $run of $runs: $impl, $epochs epochs" >&2
            rm -f "$work/ours.csv"
            status=0
            "${argv[@]}" >"$base.stdout" 2>"$base.err" || status=$?
            echo "$status" >"$base.status"
            if [[ "$impl" == mnist-tools ]]; then
                if [[ "$status" == 0 && -f "$work/ours.csv" ]]; then
                    python3 bench/epoch_lines.py "$work/ours.csv" >"$base.out"
                else
                    : >"$base.out"
                fi
            else
                grep '^epoch ' "$base.stdout" >"$base.out" || true
            fi
            if [[ "$status" != 0 ]]; then
                echo "  failed (exit $status): $(grep -v '^info:' "$base.err" | tail -n 1)" >&2
            fi
        done
    done
done

epochs_list=""
for model in "${models[@]}"; do
    var="EPOCHS_$model"
    epochs_list+="$model=${!var:-${defaults[$model]}} "
done

# The floor: sgemm alone, at training's shapes (bench/gemm_floor.c), in this same run.
if cc -O2 bench/gemm_floor.c -o "$work/gemm_floor" -lopenblas 2>"$work/floor.err"; then
    "$work/gemm_floor" >"$work/floor.txt" 2>>"$work/floor.err" || true
fi

report="$(
    python3 - "$work" "$data" "$runs" "$(date -u)" "$(nproc)" "$loadavg" "$tolerance" "$ours_blas" \
        "${openblas_env:-not set}" "${OPENBLAS_NUM_THREADS:-unset}" "$epochs_list" "${models[*]}" \
        "${names[@]}" <<'PY'
import os
import platform
import shlex
import statistics
import sys

(work, data, runs, date, nproc, loadavg, tolerance, ours_blas, openblas_env, openblas_threads,
 epochs_list, models, *names) = sys.argv[1:]
runs, tolerance = int(runs), float(tolerance)
models = models.split()
epochs_of = dict(item.split("=") for item in epochs_list.split())


def read_run(model, impl, run):
    base = f"{work}/{model}.{impl}.{run}"
    status = int(open(f"{base}.status").read())
    epochs = []
    for line in open(f"{base}.out"):
        f = line.split()
        epochs.append((int(f[1]), float(f[3]), f[5], f[7]))
    err = open(f"{base}.err").read().splitlines()
    info = [l[len("info: "):] for l in err if l.startswith("info: ")]
    problem = [l for l in err if not l.startswith("info: ") and l.strip()]
    return status, epochs, info, problem


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def memory_gib():
    with open("/proc/meminfo") as f:
        total_kib = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:"))
    return total_kib / 2**20


def versions():
    from importlib import metadata
    found = []
    for package in ("numpy", "scipy", "jax", "jaxlib", "pytensor", "numba", "threadpoolctl"):
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


infos = {}  # implementation -> the info lines of its first successful run
sections = []
for model in models:
    epochs = int(epochs_of[model])
    out = [f"### {model}, {epochs} epoch{'s' if epochs > 1 else ''} a run", ""]
    timings, curves, failures = {}, {}, {}
    for impl in names:
        seconds, per_run = [], []
        for run in range(1, runs + 1):
            status, run_epochs, info, problem = read_run(model, impl, run)
            if status != 0 or len(run_epochs) != epochs:
                why = problem[-1] if problem else f"exit status {status}"
                if status == 0:
                    why = f"{len(run_epochs)} epochs reported instead of {epochs}"
                failures.setdefault(impl, f"run {run}: {why}")
                continue
            infos.setdefault(impl, info)
            timed = run_epochs[1:] if epochs > 1 else run_epochs
            seconds += [s for _, s, _, _ in timed]
            per_run.append([(v, t) for _, _, v, t in run_epochs])
        if seconds:
            timings[impl] = seconds
        if per_run:
            curves[impl] = per_run
    ours = statistics.median(timings["mnist-tools"]) if "mnist-tools" in timings else None
    out.append("| implementation | min s/epoch | median s/epoch | × mnist-tools (medians) | epochs timed |")
    out.append("|---|---:|---:|---:|---:|")
    for impl in names:
        if impl in timings:
            median = statistics.median(timings[impl])
            ratio = f"{median / ours:.2f}" if ours else "–"
            out.append(f"| {impl} | {min(timings[impl]):.4f} | {median:.4f} | {ratio} | {len(timings[impl])} |")
        else:
            out.append(f"| {impl} | failed | | | 0 |")
    out.append("")
    floors = {}
    whole_on_two_threads = None
    if os.path.exists(f"{work}/floor.txt"):
        for line in open(f"{work}/floor.txt").read().splitlines()[1:]:
            fields = line.split()
            if len(fields) == 3:
                floors[fields[0]] = (float(fields[1]), float(fields[2]))
            elif line.startswith("mlp, each product whole on OpenBLAS's 2 threads:"):
                whole_on_two_threads = float(fields[-2])
    if model in floors:
        one, two = floors[model]
        out.append(f"Floor (`bench/gemm_floor.c`, same run: OpenBLAS sgemm alone at training's shapes, for 50,000 "
                   f"training and 20,000 evaluated examples): {one:.4f} s per epoch on one thread, {two:.4f} s on two cores"
                   + (f"; mnist-tools' median is {ours / two:.2f}× the two-core floor." if ours else "."))
        if model == "mlp" and whole_on_two_threads:
            out.append("")
            out.append(f"1 against 2 BLAS threads: the same products, each whole on OpenBLAS's own two threads, take "
                       f"{whole_on_two_threads:.4f} s per epoch (against {one:.4f} s on one thread); mnist-tools runs "
                       "OpenBLAS on one thread inside each strip it shares between its two.")
        out.append("")
    for impl, why in failures.items():
        out.append(f"- {impl} failed, {why}")
    if failures:
        out.append("")

    # Validation error after each epoch (run 1), and whether every run agrees with it.
    present = [impl for impl in names if impl in curves]
    if present:
        out.append("Validation error (%) after each epoch, first successful run:")
        out.append("")
        out.append("| epoch | " + " | ".join(present) + " |")
        out.append("|---:|" + "---:|" * len(present))
        for e in range(epochs):
            out.append(f"| {e + 1} | " + " | ".join(curves[impl][0][e][0] for impl in present) + " |")
        out.append("")
        notes = []
        for impl in present:
            if any(c != curves[impl][0] for c in curves[impl][1:]):
                notes.append(f"{impl}'s runs differ from one another")
        base = "mnist-tools" if "mnist-tools" in curves else present[0]
        for impl in present:
            if impl == base:
                continue
            a, b = curves[base][0], curves[impl][0]
            diff = max(abs(float(x[0]) - float(y[0])) for x, y in zip(a, b))
            same_tests = all(x[1] == y[1] for x, y in zip(a, b))
            if model == "lenet":
                verdict = "within" if diff <= tolerance else "OUTSIDE"
                notes.append(f"{impl} vs {base}: largest difference {diff:.6f} points, {verdict} "
                             f"the tolerance of {tolerance:g} points"
                             + ("; test errors equal" if same_tests else ""))
            elif diff == 0:
                notes.append(f"{impl} vs {base}: validation errors identical"
                             + (", test errors too" if same_tests else ", test errors differ"))
            else:
                notes.append(f"{impl} vs {base}: validation errors DIFFER, by up to {diff:.6f} points")
        if len(present) == 1:
            notes.append("nothing to compare with")
        out += [f"- {n}" for n in notes] + [""]
    out.append("Commands:")
    out.append("")
    for impl in names:
        with open(f"{work}/{model}.{impl}.command", "rb") as f:
            argv = [a.decode() for a in f.read().split(b"\0")[:-1]]
        out.append(f"    {shlex.join(argv)}")
    sections.append("\n".join(out))

pretty = {"numpy": "numpy", "jax": "JAX", "pytensor": "PyTensor"}
against = [pretty[n] for n in names[1:]]
against = ", ".join(against[:-1]) + " and " + against[-1] if len(against) > 1 else "".join(against)
header = [f"## training: mnist-tools train against {against or 'nothing'}, {date}", ""]
header.append(f"- Machine: {nproc} CPUs (nproc), {cpu_model()}, {memory_gib():.1f} GiB RAM; "
              f"load average before the runs {loadavg}")
header.append(f"- Data: `{data}`; the tutorials' models and defaults, in-order minibatches, "
              "last partial batch dropped")
header.append(f"- Python {platform.python_version()}: {versions()}")
header.append(f"- OPENBLAS_NUM_THREADS: {openblas_threads}"
              + (" (OpenBLAS then uses one thread per CPU)" if openblas_threads == "unset" else ""))
header.append(f"- OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: {openblas_env}"
              + ("; unset for the numpy and PyTensor commands only" if openblas_env != "not set" else ""))
header.append(f"- BLAS of mnist-tools: {ours_blas}")
for impl in names[1:]:
    for line in infos.get(impl, []):
        if line.startswith("blas: ") and impl != "jax":
            header.append(f"- BLAS of {impl} (threadpoolctl): {line[len('blas: '):]}")
        if line.startswith(("pytensor linker", "jax compile")):
            header.append(f"- {impl}: {line}")
if "jax" in names:
    header.append("- JAX: XLA's own CPU kernels, one jitted `lax.scan` per epoch, data on the device")
header.append(f"- Runs: {runs} of each implementation per model, alternating "
              f"({', '.join(names)}, then again). Seconds per epoch: the training minibatches, "
              "the validation, and the test when the validation error is a new best; "
              "the first epoch of every run is left out when a run has more than one "
              "(for every implementation). Compilation (JAX, PyTensor) happens before epoch 1 "
              "and is not counted. mnist-tools' epoch times are differences of the cumulative "
              "`seconds` of its `--log` CSV.")
header.append("")
print("\n".join(header) + "\n" + "\n\n".join(sections))
PY
)"

printf '%s\n' "$report"
if [[ -n "$results" ]]; then
    printf '%s\n\n' "$report" >>"$results"
    echo "appended to $results" >&2
fi
