#!/usr/bin/env bash
# Installs what is needed, builds mnist-tools in release mode and runs it on the real
# MNIST sample that ships in fixtures/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build -c release --product mnist-tools
tool="$(swift build -c release --show-bin-path)/mnist-tools"
sample=fixtures/mnist-sample.pkl.gz

echo "\$ mnist-tools inspect $sample"
"$tool" inspect "$sample"
echo
echo "\$ mnist-tools inspect --opcodes $sample | head -12"
"$tool" inspect --opcodes "$sample" | head -12
