"""The disagreements with CPython that mnist-tools has on purpose.

Each class is documented, with its reason, in fuzz/KNOWN_DIFFERENCES.md
under a heading with its name. A class matches a case only where the readings
part as it describes (its situations: who refuses, or what differs) and the
case shows its cause: in CPython's value or error, or in what mnist-tools'
message names (the number text, the dtype, the construct). So a new
disagreement is not hidden by an old one.
"""

import re
from dataclasses import dataclass

import numpy as np

from .mutations import instructions


# How fuzz/KNOWN_DIFFERENCES.md names a class: a heading "## `name`".
DOCUMENTED_HEADING = re.compile(r"^## `([a-z0-9-]+)`", re.MULTILINE)


@dataclass(frozen=True)
class KnownDifference:
    name: str
    # Where the readings part: "ours-rejects", "cpython-rejects", "cpython-crashed",
    # "cpython-value-has-no-json", "values-differ" or "protocols-differ".
    situations: tuple
    matches: object  # (Case) -> bool


def our_message_matches(case, pattern):
    return re.search(pattern, case.ours.message) is not None


def json_strings(value):
    """Every string in a JSON value (keys of one-key objects excluded)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())


def json_objects(value, key):
    """Every one-key object {key: ...} in a JSON value."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            if list(item) == [key]:
                yield item[key]
            pending.extend(item.values())


def cpython_value(case):
    """CPython's value as JSON (None when it has no JSON form)."""
    return case.cpython.document["value"] if case.cpython.document else None


def refused_global(case):
    """CPython refused a name outside the allow-list, or could not import a Python 2
    module name at protocol 3 or later."""
    return case.cpython.error_type in ("GlobalRefused", "ModuleNotFoundError")


def cpython_crash(case):
    return case.cpython.error_type == "crash" and not case.ours.accepted


def frame_boundaries(case):
    """The C unpickler of this CPython reads across frame boundaries; its pure-Python
    unpickler (and the C one of CPython 3.13.15 and 3.14.7) refuses, as mnist-tools does."""
    oracle_error = case.oracle.error or ""
    return (our_message_matches(case, r"FRAME at offset \d+|begins a new frame")
            and ("end of frame" in oracle_error or "new frame before end" in oracle_error))


def python_object_value(case):
    """CPython made a class, function or instance, which has no JSON form; mnist-tools
    shows the name or an opaque object."""
    if "no JSON form" not in case.cpython.unconvertible:
        return False
    ours_value = case.ours.document["value"]
    return any(True for _ in json_objects(ours_value, "global")) or any(True for _ in json_objects(ours_value, "object"))


def uninitialized_array(case):
    return our_message_matches(case, r"uninitialized memory")


def codec_names(case):
    return our_message_matches(case, r"_codecs\.encode with encoding .* is not supported")


def dtype_object_flags(case):
    """A numeric dtype whose state flags say it holds objects: NumPy then reads the
    numbers as object pointers (an empty array survives, any other crashes)."""
    return our_message_matches(case, r"mark its numbers as object pointers")


def protocol_switch(case):
    """CPython resolves a Python 2 module name when GLOBAL runs, under the protocol of that
    moment; mnist-tools when the name is called. Only a PROTO opcode in mid-stream that
    crosses protocol 3 tells the two apart."""
    found = instructions(case.data)
    protocols = {case.data[i.start + 1] for i in found if i.opcode.name == "PROTO"}
    if not found or found[0].opcode.name != "PROTO":
        protocols.add(0)  # the protocol before any PROTO
    crosses = any(p < 3 for p in protocols) and any(p >= 3 for p in protocols)
    return crosses and (b"__builtin__" in case.data or b"copy_reg" in case.data)


def readonly_buffer(case):
    """READONLY_BUFFER makes a read-only memoryview, which mnist-tools has no value for."""
    return our_message_matches(case, r"READONLY_BUFFER at offset \d+: a read-only memoryview")


def reconstruct_typecode(case):
    """NumPy takes any dtype specification as _reconstruct's typecode (Python types,
    dicts, lists); pickles always pass b'b'."""
    return our_message_matches(case, r"_reconstruct's typecode must be a dtype or a type name")


def zero_fill_limit(case):
    return our_message_matches(case, r"zero bytes, more than the \d+ this reader allows")


def bytearray_append(case):
    """APPEND to a bytearray extends it in CPython; this reader's bytearrays are values."""
    return our_message_matches(case, r"can only append to a list, not to a bytearray")


def set_iteration_order(case):
    """bytes() of a set takes the items in CPython's hashing order."""
    return our_message_matches(case, r"of a set takes its items in CPython's hashing order")


def object_array_list_length(case):
    return our_message_matches(case, r"needs \d+ objects but the list holds \d+")


def cpython_memo_array(case):
    """The C unpickler's memo is an array as long as the largest index
    stored: a PUT of index 393302550 asks for 3 GB."""
    if case.cpython.error_type not in ("MemoryError", "ReferenceTimeout"):
        return False
    return any(memo_index(case.data, i) >= 1 << 20 for i in instructions(case.data)
               if i.opcode.name in ("PUT", "BINPUT", "LONG_BINPUT"))


def memo_index(data, instruction):
    argument = data[instruction.start + 1:instruction.end]
    if instruction.opcode.name == "PUT":
        return int(argument) if argument.strip().isdigit() else -1
    return int.from_bytes(argument, "little")


# Number text as picklers write it, which mnist-tools must accept, by opcode.
WRITTEN_NUMBERS = {
    "INT": re.compile(r"[+-]?(0|[1-9][0-9]*)|00|01"),
    "LONG": re.compile(r"[+-]?(0+|[1-9][0-9]*)"),
    "FLOAT": re.compile(r"[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|inf|infinity|nan)", re.IGNORECASE),
    "GET": re.compile(r"[+-]?[0-9]+"),
    "PUT": re.compile(r"[+-]?[0-9]+"),
}


def lenient_number_text(case):
    """mnist-tools refused number text (quoted in its message) that is not as
    picklers write it; refusing text that is would be a bug, not this class."""
    found = re.search(r"\b(INT|LONG|FLOAT|GET|PUT) at offset \d+: (memo key )?'(.*)' is not (a decimal integer|a float literal)",
                      case.ours.message)
    if not found:
        return False
    opcode, text = found.group(1), found.group(3)
    if text.endswith("…"):
        return True  # more than 40 bytes of text: not a number any pickler wrote
    if opcode == "LONG":
        text = text.removesuffix("L")
    return WRITTEN_NUMBERS[opcode].fullmatch(text) is None


def lone_surrogate(case):
    """mnist-tools refused a string for a lone surrogate: a protocol 0 escape it names,
    or UTF-8 that decodes with surrogatepass (as CPython decodes it) to a surrogate."""
    if our_message_matches(case, r"is a lone surrogate"):
        return True
    refused = re.match(r"(SHORT_BINUNICODE|BINUNICODE8|BINUNICODE) at offset (\d+): .* is not valid UTF-8", case.ours.message)
    if not refused:
        return False
    offset = int(refused.group(2))
    for instruction in instructions(case.data):
        if instruction.start == offset:
            payload = case.data[instruction.start + 1 + LENGTH_FIELDS[refused.group(1)]:instruction.end]
            try:
                text = payload.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                return False
            return any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    return False


# The width of the length field of each length-prefixed unicode opcode.
LENGTH_FIELDS = {"SHORT_BINUNICODE": 1, "BINUNICODE": 4, "BINUNICODE8": 8}


SUPPORTED_DTYPE = re.compile(r"^[<>|](b1|[iu][1248]|f[248]|O)$")


def unsupported_dtype(case):
    """A dtype mnist-tools refuses and NumPy makes: in CPython's value, or named in
    mnist-tools' message (when it was not part of the final value)."""
    if not our_message_matches(case, r"not supported|are supported"):
        return False
    value = cpython_value(case)
    dtypes = [array["dtype"] for array in json_objects(value, "ndarray")] + list(json_objects(value, "dtype"))
    named = re.search(r"dtype '([^']*)'", case.ours.message)
    if named:
        try:
            dtypes.append(np.dtype(named.group(1)).str)
        except TypeError:
            pass
    return any(not SUPPORTED_DTYPE.match(dtype) for dtype in dtypes)


KNOWN = [
    KnownDifference("refused-global", ("cpython-rejects",), refused_global),
    KnownDifference("cpython-memo-array", ("cpython-rejects",), cpython_memo_array),
    KnownDifference("cpython-crash", ("cpython-crashed",), cpython_crash),
    KnownDifference("frame-boundaries", ("ours-rejects",), frame_boundaries),
    KnownDifference("python-object-value", ("cpython-value-has-no-json",), python_object_value),
    KnownDifference("lenient-number-text", ("ours-rejects",), lenient_number_text),
    KnownDifference("lone-surrogate", ("ours-rejects",), lone_surrogate),
    KnownDifference("unsupported-dtype", ("ours-rejects",), unsupported_dtype),
    KnownDifference("uninitialized-array", ("ours-rejects",), uninitialized_array),
    KnownDifference("codec-names", ("ours-rejects",), codec_names),
    KnownDifference("object-array-list-length", ("ours-rejects",), object_array_list_length),
    KnownDifference("dtype-object-flags", ("ours-rejects",), dtype_object_flags),
    KnownDifference("readonly-buffer", ("ours-rejects",), readonly_buffer),
    KnownDifference("reconstruct-typecode", ("ours-rejects",), reconstruct_typecode),
    KnownDifference("zero-fill-limit", ("ours-rejects",), zero_fill_limit),
    KnownDifference("bytearray-append", ("ours-rejects",), bytearray_append),
    KnownDifference("set-iteration-order", ("ours-rejects",), set_iteration_order),
    KnownDifference("protocol-switch", ("values-differ", "ours-rejects", "cpython-rejects"), protocol_switch),
]


def classify(situation, case):
    """The name of the known difference this case shows, or None."""
    for known in KNOWN:
        if situation in known.situations and known.matches(case):
            return known.name
    return None
