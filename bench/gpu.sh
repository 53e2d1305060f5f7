#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, CUDA and PyTorch: trains each model with mnist-tools on
# the GPU, with mnist-tools on the CPU, and with the same model in PyTorch eager mode
# (bench/train_torch.py), one after the other on the same classic-format file, and writes
# a markdown report: seconds per epoch, and validation errors after each epoch side by side.
# It runs from a bundle made by scripts/gpu-bundle.sh (no Swift needed) or from the
# repository with MNIST_TOOLS set.
#
# Environment:
#   DATA          the classic-format file (default fashion-classic.pkl.gz beside this script)
#   MNIST_TOOLS   the binary (default ../mnist-tools from this script, the bundle's layout)
#   MODELS        models to train (default "logreg mlp lenet")
#   EPOCHS_logreg, EPOCHS_mlp, EPOCHS_lenet   epochs per run (defaults 10, 3, 5)
#   CPU           set to 0 to skip the mnist-tools CPU runs (default 1)
#   RESULTS       file the report is appended to (default gpu-results.md beside this script)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
data="${DATA:-$here/fashion-classic.pkl.gz}"
mnist_tools="${MNIST_TOOLS:-$here/../mnist-tools}"
results="${RESULTS:-$here/gpu-results.md}"
read -r -a models <<<"${MODELS:-logreg mlp lenet}"
declare -A defaults=([logreg]=10 [mlp]=3 [lenet]=5)
[[ -f "$data" ]] || { echo "gpu.sh: no data file $data (set DATA)" >&2; exit 1; }
[[ -x "$mnist_tools" ]] || { echo "gpu.sh: no mnist-tools at $mnist_tools (set MNIST_TOOLS)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Each run leaves $work/MODEL.IMPL.out with lines `epoch E seconds S validation_error V test_error T`.
ours() {  # model, impl (gpu or cpu), epochs
    local log="$work/$1.$2.csv"
    "$mnist_tools" train "$data" --model "$1" --epochs "$3" --device "$2" --log "$log" --force \
        >"$work/$1.$2.stdout" 2>"$work/$1.$2.err"
    python3 "$here/epoch_lines.py" "$log" >"$work/$1.$2.out"
}

for model in "${models[@]}"; do
    var="EPOCHS_$model"
    epochs="${!var:-${defaults[$model]}}"
    echo "$model: mnist-tools on the GPU, $epochs epochs" >&2
    ours "$model" gpu "$epochs"
    echo "$model: PyTorch eager, $epochs epochs" >&2
    python3 "$here/train_torch.py" --model "$model" --data "$data" --epochs "$epochs" \
        >"$work/$model.torch.stdout" 2>"$work/$model.torch.err"
    grep '^epoch ' "$work/$model.torch.stdout" >"$work/$model.torch.out"
    if [[ "${CPU:-1}" != 0 ]]; then
        echo "$model: mnist-tools on the CPU, $epochs epochs" >&2
        ours "$model" cpu "$epochs"
    fi
done

report="$(python3 - "$work" "$data" "$(date -u)" "${models[*]}" <<'PY'
import os, statistics, subprocess, sys
work, data, date, models = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()

def epochs(model, impl):
    path = f"{work}/{model}.{impl}.out"
    if not os.path.exists(path):
        return []
    return [(int(f[1]), float(f[3]), float(f[5])) for f in (line.split() for line in open(path))]

def per_epoch(rows):
    times = [s for _, s, _ in rows[1:]] or [s for _, s, _ in rows]  # epoch 1 left out when there are more
    return statistics.median(times) if times else float("nan")

try:
    gpu = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                         capture_output=True, text=True).stdout.strip()
except OSError:
    gpu = "nvidia-smi not available"
device_line = open(f"{work}/{models[0]}.gpu.stdout").readline().strip()
torch_info = [l[6:].strip() for l in open(f"{work}/{models[0]}.torch.err") if l.startswith("info: versions")]
print(f"## GPU training: mnist-tools against PyTorch eager ({date})\n")
print(f"- GPU: {gpu}; mnist-tools says `{device_line}`")
print(f"- PyTorch: {torch_info[0] if torch_info else 'see its standard error'}")
print(f"- data: `{os.path.basename(data)}`; command: `bench/gpu.sh` with MODELS=\"{' '.join(models)}\"")
print("- seconds per epoch: the median of epochs 2 and later (epoch 1 alone when only one ran), "
      "training plus validation and test, as the tutorials' loop runs them\n")
print("| model | epochs | mnist-tools GPU s/epoch | PyTorch eager s/epoch | speed-up | mnist-tools CPU s/epoch |")
print("|---|---:|---:|---:|---:|---:|")
for model in models:
    ours, torch_rows, cpu = epochs(model, "gpu"), epochs(model, "torch"), epochs(model, "cpu")
    speedup = per_epoch(torch_rows) / per_epoch(ours) if ours and torch_rows else float("nan")
    cpu_text = f"{per_epoch(cpu):.4f}" if cpu else "–"
    print(f"| {model} | {len(ours)} | {per_epoch(ours):.4f} | {per_epoch(torch_rows):.4f} | {speedup:.2f}× | {cpu_text} |")
print("\nValidation error (%) after each epoch:\n")
for model in models:
    ours, torch_rows, cpu = epochs(model, "gpu"), epochs(model, "torch"), epochs(model, "cpu")
    print(f"- {model}: GPU {[v for *_, v in ours]}; CPU {[v for *_, v in cpu]}; PyTorch {[v for *_, v in torch_rows]}")
    if cpu:
        worst = max((abs(a[2] - b[2]) for a, b in zip(ours, cpu)), default=float("nan"))
        print(f"  largest |GPU − CPU|: {worst:.4f} percentage points")
PY
)"
echo "$report"
printf '%s\n\n' "$report" >>"$results"
echo "gpu.sh: report appended to $results" >&2
