"""Shrinks a disagreeing case to a small one that disagrees the same way."""

import time

from .mutations import instructions


def minimize(data, still_fails, budget_s=60):
    """Short bytes for which `still_fails(candidate)` holds, within `budget_s`
    seconds: runs of whole instructions are deleted first (so the stream keeps
    decoding), then runs of bytes."""
    deadline = time.monotonic() + budget_s

    def accepts(candidate):
        return bool(candidate) and time.monotonic() < deadline and still_fails(candidate)

    def as_instructions(data):
        found = instructions(data)
        end = found[-1].end if found else 0
        return [data[i.start:i.end] for i in found] + ([data[end:]] if end < len(data) else [])

    data = b"".join(delete_runs(as_instructions(data), accepts))
    return b"".join(delete_runs([bytes([byte]) for byte in data], accepts))


def delete_runs(units, accepts):
    """Deletes runs of units (halves, then quarters, down to single units) while
    `accepts` holds for what is left."""
    run = max(1, len(units) // 2)
    while run >= 1:
        start = len(units) - run
        while start >= 0:
            candidate = units[:start] + units[start + run:]
            if accepts(b"".join(candidate)):
                units = candidate
            start -= run
        run //= 2
    return units
