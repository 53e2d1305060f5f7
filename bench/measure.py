#!/usr/bin/env python3
"""Runs commands side by side, several times each, and prints a markdown table.

Each command runs once untimed (warm-up), then RUNS times; for each run the wall time
(time.perf_counter around the child), peak RSS and minor page faults (os.wait4's rusage)
are recorded. Reported: min and median wall time, ratios of medians against the first
command (the floor) and against a named reference, max peak RSS, and pages touched.

    measure.py RUNS REFERENCE_NAME NAME1 'CMD1' NAME2 'CMD2' ...

Commands are shell command lines (run with /bin/sh -c, stdout to /dev/null). A command
line may start with `setup:...;;` to run a preparation step (untimed) before each run.
"""
import os
import statistics
import subprocess
import sys
import time


def run_once(command):
    setup, _, command = command.rpartition(";;")
    if setup.startswith("setup:"):
        subprocess.run(setup[len("setup:"):], shell=True, check=True, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    child = subprocess.Popen(["/bin/sh", "-c", "exec " + command], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"measure.py: command failed: {command}")
    return wall, usage.ru_maxrss * 1024, usage.ru_minflt


def main():
    runs = int(sys.argv[1])
    reference = sys.argv[2]
    pairs = list(zip(sys.argv[3::2], sys.argv[4::2]))
    results = {}
    for name, command in pairs:
        print(f"{name}: warm-up and {runs} runs", file=sys.stderr)
        run_once(command)
        results[name] = [run_once(command) for _ in range(runs)]
    median = {name: statistics.median(r[0] for r in runs_) for name, runs_ in results.items()}
    floor = median[pairs[0][0]]
    print(f"| command | min wall (s) | median wall (s) | × {pairs[0][0]} | × {reference} | max peak RSS (MiB) | minor faults (MiB touched) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, _ in pairs:
        walls = [r[0] for r in results[name]]
        print(f"| {name} | {min(walls):.3f} | {median[name]:.3f} | {median[name] / floor:.2f} | "
              f"{median[name] / median[reference]:.2f} | {max(r[1] for r in results[name]) / 2**20:.0f} | "
              f"{max(r[2] for r in results[name]) * 4096 / 2**20:.1f} |")
    print()
    print("Commands:")
    print()
    for name, command in pairs:
        print(f"    {name}: {command.rpartition(';;')[2]}")


if __name__ == "__main__":
    main()
