#!/usr/bin/env bash
# Runs the whole test suite: Swift unit and end-to-end tests, short libFuzzer runs of every
# reader (fuzz/run.sh --ci), the differential test of the
# pickle reader against CPython (fuzz/differential.py), then a check that the fixtures
# script still regenerates the committed fixtures byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
bash fuzz/run.sh --ci   # builds the fuzz targets in .build-fuzz, replays fuzz/regressions, fuzzes 7 s per target
python3 fuzz/differential.py --binary .build/debug/mnist-tools   # the reader against CPython, seed 1, 500 cases (about 10 s)

# Regenerate the fixtures in a scratch copy and compare with the committed ones.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r fixtures "$scratch/fixtures"
python3 "$scratch/fixtures/make_fixtures.py" >/dev/null
if diff -r -q fixtures "$scratch/fixtures" -x __pycache__; then
    echo "fixtures: 1 passed, 0 failed"
else
    echo "fixtures: 0 passed, 1 failed (make_fixtures.py no longer reproduces the committed files)"
    exit 1
fi
