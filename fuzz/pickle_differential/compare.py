"""Compares CPython's reading of one case with mnist-tools' reading.

The C unpickler decides: both accept with equal values, or both reject.
Values are compared as `inspect --json` documents (fixtures/README.md):
shapes, dtypes, orders and the SHA-256 of every array's elements, every
number, string and container. First in a Latin-1 view, in which a Python 2
str and the text the C unpickler makes of it are the same; then, when the
oracle (which keeps Python 2 strs apart) read the same value as the C
unpickler, exactly, text for text.

Anything else is a disagreement: one of the known differences
(known_differences.py, fuzz/KNOWN_DIFFERENCES.md) or a new one.
"""

import base64
import json
import re
from dataclasses import dataclass

import oracle

from . import known_differences

AGREE_ACCEPT = "agree: both accept, equal values"
AGREE_REJECT = "agree: both reject"


@dataclass
class Case:
    """One mutated pickle and everything read from it."""

    data: bytes
    cpython: object  # reference.Reading of the C unpickler
    oracle: object  # reference.Reading of the Py2-str-aware oracle
    ours: object  # ours.OurReading


@dataclass(frozen=True)
class Verdict:
    """`outcome`: AGREE_ACCEPT, AGREE_REJECT, a known difference's name, or
    "new"; `signature` groups new disagreements of one kind (for
    minimizing), `detail` explains."""

    outcome: str
    signature: str = ""
    detail: str = ""

    @property
    def is_new(self):
        return self.outcome == "new"


def judge(case):
    """The verdict for one case."""
    cpython, ours = case.cpython, case.ours
    if ours.status == "broken":
        return Verdict("new", f"mnist-tools broke: {gist(ours.message)}", ours.message)
    if cpython.error_type == "crash":
        return known_or_new(case, "cpython-crashed", "CPython crashed", cpython.error)
    if not ours.accepted and not cpython.accepted:
        return Verdict(AGREE_REJECT)
    if not ours.accepted:
        signature = f"mnist-tools rejects, CPython accepts: {gist(ours.message)}"
        return known_or_new(case, "ours-rejects", signature, f"mnist-tools: {ours.message}")
    if not cpython.accepted:
        error = f"{cpython.error_type}: {cpython.error}"
        signature = f"mnist-tools accepts, CPython rejects: {gist(error)}"
        return known_or_new(case, "cpython-rejects", signature, f"CPython: {error}")
    if cpython.unconvertible:
        return known_or_new(case, "cpython-value-has-no-json", "CPython's value has no JSON form",
                            cpython.unconvertible)
    return compare_documents(case)


def compare_documents(case):
    ours_doc = case.ours.document
    expected = case.cpython.document
    ours_value, expected_value = ours_doc["value"], expected["value"]
    if dumps(latin1_view(ours_value)) != dumps(latin1_view(expected_value)):
        return known_or_new(case, "values-differ", "the values differ",
                            difference(latin1_view(expected_value), latin1_view(ours_value)))
    refined = case.oracle.document if case.oracle.accepted else None
    if refined and dumps(latin1_view(refined["value"])) == dumps(latin1_view(expected_value)):
        if dumps(ours_value) != dumps(refined["value"]):
            return known_or_new(case, "values-differ", "Python 2 strs are told apart differently",
                                difference(refined["value"], ours_value))
    if ours_doc["protocol"] != expected["protocol"]:
        return known_or_new(case, "protocols-differ", "the protocols differ",
                            f"CPython {expected['protocol']}, mnist-tools {ours_doc['protocol']}")
    return Verdict(AGREE_ACCEPT)


def gist(message):
    """An error message without its numbers and quoted text, so that the
    same failure at another offset reads the same."""
    message = re.sub(r"0x[0-9a-fA-F]+", "0x…", message)
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    return re.sub(r"-?\d+", "N", message)[:100]


def known_or_new(case, situation, signature, detail):
    known = known_differences.classify(situation, case)
    if known:
        return Verdict(known, detail=detail)
    return Verdict("new", signature, detail)


def dumps(value):
    return oracle.dumps(value)


def latin1_view(value):
    """The JSON value with every {"bytes": ...} turned into its Latin-1
    text (what the C unpickler makes of a Python 2 str), sets re-sorted."""
    if isinstance(value, list):
        return [latin1_view(item) for item in value]
    if isinstance(value, dict):
        if list(value) == ["bytes"]:
            return base64.b64decode(value["bytes"]).decode("latin-1")
        converted = {key: latin1_view(item) for key, item in value.items()}
        for kind in ("set", "frozenset"):
            if list(converted) == [kind]:
                converted[kind].sort(key=oracle.set_item_key)
        return converted
    return value


def difference(expected, got, path="value"):
    """Where two JSON values first differ, as one line."""
    if type(expected) is not type(got):
        return f"{path}: CPython {short(expected)}, mnist-tools {short(got)}"
    if isinstance(expected, list):
        if len(expected) != len(got):
            return f"{path}: CPython has {len(expected)} items, mnist-tools {len(got)}"
        for index, (left, right) in enumerate(zip(expected, got)):
            if dumps(left) != dumps(right):
                return difference(left, right, f"{path}[{index}]")
    if isinstance(expected, dict) and list(expected) == list(got):
        for key in expected:
            if dumps(expected[key]) != dumps(got[key]):
                return difference(expected[key], got[key], f"{path}.{key}")
    return f"{path}: CPython {short(expected)}, mnist-tools {short(got)}"


def short(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "…"
