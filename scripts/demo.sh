#!/usr/bin/env bash
# Installs what is needed, builds mnist-tools in release mode and runs the pipeline on the
# real MNIST sample that ships in fixtures/: inspect → convert → split → export-png → train
# (logistic regression, MLP, LeNet) → evaluate → predict.
# Outputs go to demo-output/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build -c release --product mnist-tools
tool="$(swift build -c release --show-bin-path)/mnist-tools"
sample=fixtures/mnist-sample.pkl.gz
out=demo-output
mkdir -p "$out"

run() {
    echo "\$ mnist-tools $*"
    "$tool" "$@"
    echo
}

run inspect "$sample"
run convert "$sample" -o "$out/data" --force
run split "$out/data" -o "$out/resplit" --merge --valid 1000 --test 1000 --shuffle --seed 1 --stratify --force
run export-png "$out/data" --index 42 -o "$out/digit.png" --force
run export-png "$out/data" --range 0..\<100 --grid 10 --scale 2 -o "$out/sheet.png" --force
run train "$out/data" --model logreg --epochs 50
run train "$out/data" --model mlp --epochs 10 --save "$out/mlp.npz" --log "$out/mlp.csv" --plot "$out/mlp.svg" --force
run train "$out/data" --model lenet --epochs 8 --save "$out/lenet.npz" --plot "$out/lenet.svg" --force
run evaluate "$out/mlp.npz" "$out/data" --errors-png "$out/errors.png" --force
run evaluate "$out/lenet.npz" "$out/data"
rm -rf "$out/digits"
run export-png "$out/data" --split test --range '0..<4' -o "$out/digits"
run predict "$out/lenet.npz" "$out"/digits/*.png
echo "PNG and SVG files are in $out/."
