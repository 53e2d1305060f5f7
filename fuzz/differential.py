#!/usr/bin/env python3
"""Differential test of the pickle reader against CPython.

Mutates valid pickles (the committed fixtures and a corpus generated from
the seed) and checks, for every case, that CPython's pickle.load (restricted
to the globals mnist-tools reconstructs, encoding='latin1') and
`mnist-tools inspect --json` both accept with equal values or both reject.
Disagreements listed in fuzz/KNOWN_DIFFERENCES.md are counted by class;
any other one fails the run: it is shrunk to a minimal reproducer, printed,
and saved with the original case under --failures.

    python3 fuzz/differential.py                        # CI: seed 1, 500 cases
    python3 fuzz/differential.py --seed 1 2 3 4 5 --cases 10000
    python3 fuzz/differential.py --replay FILE...       # judge saved cases

Exit status: 0 when every disagreement is a known one, 1 otherwise.
"""

import argparse
import collections
import gzip
import os
import queue
import random
import resource
import shutil
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))

from pickle_differential import (  # noqa: E402  (they import fixtures/oracle.py)
    compare, known_differences, minimize, mutations, ours, reference, seeds)

KNOWN_DIFFERENCES_FILE = ROOT / "fuzz" / "KNOWN_DIFFERENCES.md"
# A hostile pickle may ask CPython (bytearray(n), ndarray(shape)) or the reader
# for any amount of memory; both get this much address space.
ADDRESS_SPACE_LIMIT = 3 << 30
# Most disagreeing cases saved per run (each is also logged in failures.txt).
MAXIMUM_SAVED_CASES = 200
# How often each of ours.MODES is used: plain files twice as often as the others.
INPUT_WEIGHTS = (2, 1, 1, 1)
# Longest reproducer printed in full (all of it is saved).
PRINTED_REPRODUCER_BYTES = 1000
# Share of cases that start from the 15 MB mnist-sample stream rather than a small seed.
LARGE_SEED_WEIGHT = 0.2


def main():
    arguments = parse_arguments()
    prepare_process()
    check_known_differences_file()
    with tempfile.TemporaryDirectory(prefix="differential-") as scratch:
        # A copy of the binary, so that a rebuild during a long run cannot disturb it.
        arguments.binary = Path(shutil.copy2(arguments.binary, Path(scratch) / "mnist-tools"))
        harness = Harness(arguments, Path(scratch))
        try:
            if arguments.replay:
                return harness.replay(arguments.replay)
            return harness.run(arguments.seed)
        finally:
            harness.close()


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, nargs="+", default=[1], help="run seeds (default: 1)")
    parser.add_argument("--cases", type=int, default=500, help="cases per seed (default: 500)")
    parser.add_argument("--generated", type=int, default=120,
                        help="generated seed pickles per run seed, besides the fixtures (default: 120)")
    parser.add_argument("--binary", type=Path, default=ROOT / ".build" / "debug" / "mnist-tools")
    parser.add_argument("--failures", type=Path, default=ROOT / "fuzz" / "differential-failures",
                        help="folder for disagreeing cases (default: fuzz/differential-failures)")
    parser.add_argument("--jobs", type=int, default=2, help="mnist-tools processes at once (default: 2)")
    parser.add_argument("--minimize-seconds", type=float, default=60,
                        help="time to shrink each new kind of disagreement (default: 60; 0: do not)")
    parser.add_argument("--replay", type=Path, nargs="+", help="judge these pickle files instead")
    return parser.parse_args()


def prepare_process():
    """A fixed hash seed (generated pickles of sets depend on it), one BLAS
    thread, no limit on int digits (huge LONGs are valid pickles), bounded
    address space."""
    if os.environ.get("PYTHONHASHSEED") != "0" or os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1")
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    sys.set_int_max_str_digits(0)
    sys.setrecursionlimit(reference.RECURSION_LIMIT)  # comparisons recurse on nesting
    warnings.simplefilter("ignore")  # numpy's deprecations, for arguments a mutation changed
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, hard))


def check_known_differences_file():
    """Every class the harness knows is documented, and nothing else is."""
    text = KNOWN_DIFFERENCES_FILE.read_text()
    documented = set(known_differences.DOCUMENTED_HEADING.findall(text))
    coded = {known.name for known in known_differences.KNOWN}
    if documented != coded:
        sys.exit(f"{KNOWN_DIFFERENCES_FILE.name} and known_differences.py disagree: "
                 f"undocumented {sorted(coded - documented)}, not in the code {sorted(documented - coded)}")


class Harness:
    def __init__(self, arguments, scratch):
        self.arguments = arguments
        self.scratch = scratch
        self.fixture_seeds = seeds.fixture_seeds(ROOT / "fixtures")
        self.new_signatures = set()
        self.saved = 0
        self.workers = queue.Queue()
        for _ in range(arguments.jobs):
            self.workers.put(reference.Worker())

    # -- one case ------------------------------------------------------------

    def read(self, data, mode, label):
        """Both sides' readings of one case, in parallel: a compare.Case."""
        worker = self.workers.get()
        try:
            with ThreadPoolExecutor(1) as side:
                our_reading = side.submit(ours.run, self.arguments.binary, data, mode, self.scratch / label)
                cpython, oracle_reading = worker.read_both(data)
                return compare.Case(data, cpython, oracle_reading, our_reading.result())
        finally:
            self.workers.put(worker)

    def judge(self, data, mode, label):
        return compare.judge(self.read(data, mode, label))

    def close(self):
        while not self.workers.empty():
            self.workers.get().close()

    # -- a run -----------------------------------------------------------------

    def run(self, run_seeds):
        totals = collections.Counter()
        for run_seed in run_seeds:
            totals += self.run_seed(run_seed)
        if len(run_seeds) > 1:
            print_summary(f"all seeds {run_seeds}", totals)
        return 1 if totals["new"] else 0

    def run_seed(self, run_seed):
        started = time.monotonic()
        corpus = self.fixture_seeds + seeds.generated_seeds(random.Random(run_seed), self.arguments.generated)
        weights = [LARGE_SEED_WEIGHT if len(seed.data) > 1 << 20 else 1 for seed in corpus]
        counts = collections.Counter()
        with ThreadPoolExecutor(self.arguments.jobs) as pool:
            window = collections.deque()
            for index in range(self.arguments.cases):
                rng = random.Random(f"{run_seed}-{index}")
                seed = rng.choices(corpus, weights)[0]
                data, applied = mutations.Mutator(rng, corpus).mutate(seed.data)
                mode = rng.choices(ours.MODES, weights=INPUT_WEIGHTS)[0]
                label = f"{run_seed}-{index}"
                future = pool.submit(self.read, data, mode, label)
                window.append((label, seed, applied, mode, future))
                if len(window) > 2 * self.arguments.jobs:
                    self.finish(window.popleft(), counts)
            while window:
                self.finish(window.popleft(), counts)
        counts["cases"] = self.arguments.cases
        counts["seconds"] = time.monotonic() - started
        print_summary(f"seed {run_seed}", counts)
        return counts

    def finish(self, pending, counts):
        label, seed, applied, mode, future = pending
        case = future.result()
        data = case.data
        verdict = compare.judge(case)
        counts[verdict.outcome] += 1
        counts[f"input: {mode}"] += 1
        if verdict.is_new:
            self.report_new(label, seed, applied, mode, data, verdict)

    # -- disagreements -----------------------------------------------------------

    def report_new(self, label, seed, applied, mode, data, verdict):
        """Save the case; the first of each signature is also shrunk and printed."""
        folder = self.arguments.failures
        folder.mkdir(parents=True, exist_ok=True)
        self.saved += 1
        if self.saved <= MAXIMUM_SAVED_CASES:
            (folder / f"case-{label}.pkl").write_bytes(data)
        description = (f"case {label}: {verdict.signature}\n  from {seed.name}, mutations: {'; '.join(applied)}, "
                       f"read from {mode}\n  {verdict.detail}\n")
        with open(folder / "failures.txt", "a") as log:
            log.write(description)
        if verdict.signature in self.new_signatures:
            return
        self.new_signatures.add(verdict.signature)
        smallest = minimize.minimize(
            data, lambda candidate: self.judge(candidate, mode, f"min-{label}").signature == verdict.signature,
            self.arguments.minimize_seconds)
        minimal_path = folder / f"case-{label}.min.pkl"
        minimal_path.write_bytes(smallest)
        shown = repr(smallest[:PRINTED_REPRODUCER_BYTES]) + (" …" if len(smallest) > PRINTED_REPRODUCER_BYTES else "")
        print(f"NEW DISAGREEMENT {description}", end="")
        print(f"  minimal reproducer ({len(smallest)} bytes, saved as {minimal_path}, read from {mode}): {shown}")
        print(f"  replay: python3 fuzz/differential.py --replay {minimal_path}\n", flush=True)

    def replay(self, paths):
        failed = 0
        for path in paths:
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            verdict = self.judge(data, "file", "replay")  # saved cases are the plain pickle stream
            failed += verdict.is_new
            print(f"{path}: {verdict.outcome}" + (f" ({verdict.signature})" if verdict.signature else ""))
            if verdict.detail:
                print(f"  {verdict.detail}")
        return 1 if failed else 0


def print_summary(title, counts):
    cases = counts["cases"]
    print(f"differential {title}: {cases} cases in {counts['seconds']:.1f} s ({cases / counts['seconds']:.1f} cases/s)")
    rows = [compare.AGREE_ACCEPT, compare.AGREE_REJECT]
    rows += [f"known: {known.name}" for known in known_differences.KNOWN] + ["new"]
    for row in rows:
        count = counts[row.removeprefix("known: ")]
        print(f"  {row:<40} {count:>7}")
    inputs = ", ".join(f"{mode} {counts['input: ' + mode]}" for mode in ours.MODES)
    print(f"  inputs: {inputs}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
