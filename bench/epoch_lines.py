"""Turns `mnist-tools train --log` CSV into the benchmarks' per-epoch lines.

    python3 bench/epoch_lines.py metrics.csv

prints `epoch E seconds S validation_error V test_error T` for each epoch, as
bench/train_reference.py and bench/train_torch.py print them: the CSV's seconds are
cumulative since training started and its errors are fractions, so each epoch's seconds
are the difference from the one before, and errors are printed in percent. The last
validation of an epoch stands for it.
"""
import csv
import sys

rows = {}
with open(sys.argv[1]) as log:
    for row in csv.DictReader(log):
        rows[int(row["epoch"])] = row
previous = 0.0
for epoch in sorted(rows):
    row = rows[epoch]
    seconds = float(row["seconds"])
    test = f"{100 * float(row['test_error']):f}" if row["test_error"] else "-"
    print(f"epoch {epoch} seconds {seconds - previous:.6f} "
          f"validation_error {100 * float(row['validation_error']):f} test_error {test}")
    previous = seconds
