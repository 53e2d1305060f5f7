"""CPython's reading of a pickle, as the reference for mnist-tools.

Two readings of the same bytes:

- `pickle.Unpickler` (the C unpickler behind `pickle.load`) with
  `encoding='latin1'`, as users of the Python 2 file call it. It decides
  whether the pickle is accepted, and its value is the expected value.
- `oracle.SafeUnpickler` (fixtures/oracle.py: the pure-Python unpickler
  with Python 2 strs kept apart). The C unpickler turns a Python 2 str into
  text, as mnist-tools does not (it keeps the bytes); when the two readings
  agree, the oracle's document says exactly what mnist-tools must print.

Both refuse every global outside oracle.ALLOWED_GLOBALS, the names
mnist-tools reconstructs, so nothing a mutated pickle names is imported.

A hostile pickle can crash CPython itself (numpy's __setstate__ methods
trust their arguments), so the readings run in a worker process
(`python3 -m pickle_differential.reference`), restarted when it dies.
"""

import io
import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import oracle

# Longest a reading may take in the worker, and longest the harness waits for
# both (a C call that never checks for signals can outlast the first).
TIMEOUT_S = 10
WORKER_TIMEOUT_S = 60
# Enough for the deep seeds' nesting in recursive conversions and comparisons.
RECURSION_LIMIT = 20_000


class GlobalRefused(pickle.UnpicklingError):
    """A pickle named a global outside the allow-list."""


class ReferenceTimeout(Exception):
    """CPython took longer than TIMEOUT_S for one case."""


class RestrictedUnpickler(pickle.Unpickler):
    """The C unpickler, resolving only allowed globals."""

    def __init__(self, file):
        super().__init__(file, encoding="latin1")

    def find_class(self, module, name):
        # The C unpickler does not expose the protocol, so a Python 2 name is
        # let through whenever it maps to an allowed one; the base class
        # maps it only below protocol 3, as pickle.load does, and otherwise
        # fails to import a module Python 3 does not have.
        if (module, name) not in oracle.ALLOWED_GLOBALS and \
                oracle.python3_name(module, name, 0) not in oracle.ALLOWED_GLOBALS:
            raise GlobalRefused(f"global not allowed: {module}.{name}")
        return super().find_class(module, name)


class RestrictedOracle(oracle.SafeUnpickler):
    """The oracle, raising GlobalRefused like RestrictedUnpickler."""

    def find_class(self, module, name):
        try:
            return super().find_class(module, name)
        except pickle.UnpicklingError as error:
            if str(error).startswith("global not allowed"):
                raise GlobalRefused(str(error)) from None
            raise


@dataclass
class Reading:
    """One reader's result. Rejected: `error_type` and `error` (the
    exception's class name and message). Accepted: the JSON `document` of the
    value, or, for a value that has none, why not (`unconvertible`)."""

    error_type: str = None
    error: str = None
    document: dict = None
    unconvertible: str = None

    @property
    def accepted(self):
        return self.error_type is None


# -- in the worker -----------------------------------------------------------


def read(unpickler_class, data):
    """Load `data` with `unpickler_class` and convert the value to the JSON
    document of `inspect --json`."""
    def on_alarm(signum, frame):
        raise ReferenceTimeout(f"CPython ran for more than {TIMEOUT_S} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT_S)
    try:
        try:
            value = unpickler_class(io.BytesIO(data)).load()
        except Exception as error:  # a hostile pickle may make the reader raise anything
            return Reading(error_type=type(error).__name__, error=str(error))
        try:
            return Reading(document={
                "protocol": oracle.stream_protocol(data),
                "compression": "none",
                "value": oracle.to_json_value(value),
            })
        except Exception as error:
            return Reading(unconvertible=f"{type(error).__name__}: {error}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def safely_read(unpickler_class, data):
    """`read`, also when the exception itself fails on the way out (numpy can raise
    from the destructor of an array it half built)."""
    try:
        return read(unpickler_class, data)
    except Exception as error:
        return Reading(error_type=type(error).__name__, error=repr(error))


def serve():
    """Worker loop: read length-prefixed pickles from stdin, answer each
    with one JSON line holding both readings."""
    sys.set_int_max_str_digits(0)  # huge LONGs are valid pickles
    sys.setrecursionlimit(RECURSION_LIMIT)  # the oracle's conversion recurses on nesting
    import warnings
    warnings.simplefilter("ignore")  # numpy's deprecations, for arguments a mutation changed
    requests, answers = sys.stdin.buffer, sys.stdout
    while header := requests.read(8):
        data = requests.read(struct.unpack("<Q", header)[0])
        readings = [safely_read(RestrictedUnpickler, data).__dict__, safely_read(RestrictedOracle, data).__dict__]
        answers.write(json.dumps(readings) + "\n")
        answers.flush()


# -- in the harness ----------------------------------------------------------


class Worker:
    """A worker process; restarted after it crashes or hangs."""

    def __init__(self):
        self.process = None

    def read_both(self, data):
        """(C unpickler's reading, oracle's reading). A crash of the worker
        is a rejection by both, of error type "crash"."""
        if self.process is None:
            fuzz = Path(__file__).resolve().parent.parent
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fuzz), str(fuzz.parent / "fixtures")]))
            # Its stderr is dropped: NumPy reports errors in destructors of arrays it
            # half built there, which says nothing the readings do not.
            self.process = subprocess.Popen([sys.executable, "-m", "pickle_differential.reference"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        watchdog = threading.Timer(WORKER_TIMEOUT_S, self.process.kill)
        watchdog.start()
        try:
            self.process.stdin.write(struct.pack("<Q", len(data)) + data)
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except BrokenPipeError:
            line = b""
        finally:
            watchdog.cancel()
        if not line:
            status = self.process.wait()
            self.process = None
            crash = Reading(error_type="crash", error=f"the CPython worker died (exit status {status})")
            return crash, crash
        cpython, oracle_reading = json.loads(line)
        return Reading(**cpython), Reading(**oracle_reading)

    def close(self):
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait()
            self.process = None


if __name__ == "__main__":
    serve()
