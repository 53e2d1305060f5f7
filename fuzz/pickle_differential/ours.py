"""mnist-tools' reading of a pickle: `mnist-tools inspect --json`.

Each case goes through one of the reader's input paths, chosen per case: a
plain file (memory-mapped), a gzip file (inflated whole by libdeflate), or
standard input from a pipe, plain or gzipped (read as a stream, through zlib).
"""

import gzip
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODES = ("file", "gzip", "stdin", "gzip-stdin")


@dataclass
class OurReading:
    """What the command did: `status` is accept (exit 0 with the JSON
    document), reject (exit 1 with an error message), or broken (anything else:
    another exit status, a signal, a timeout, output that is not the document)."""

    status: str
    document: dict = None
    message: str = ""

    @property
    def accepted(self):
        return self.status == "accept"


def run(binary, data, mode, scratch, timeout_s=30):
    """Run `inspect --json` on `data` stored as `mode` says; `scratch` is a
    path (without suffix) this case may write."""
    command = [str(binary), "inspect", "--json"]
    stored = gzip.compress(data, compresslevel=1, mtime=0) if mode.startswith("gzip") else data
    stdin = None
    path = None
    if mode.endswith("stdin"):
        command.append("-")
        stdin = stored
    else:
        path = Path(f"{scratch}.pkl" + (".gz" if mode == "gzip" else ""))
        path.write_bytes(stored)
        command.append(str(path))
    try:
        finished = subprocess.run(command, input=stdin, capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return OurReading("broken", message=f"no result after {timeout_s} s")
    finally:
        if path is not None:
            path.unlink()
    stderr = finished.stderr.decode("utf-8", "replace").strip()
    if finished.returncode == 0:
        try:
            document = json.loads(finished.stdout)
        except ValueError as error:
            return OurReading("broken", message=f"exit 0 but the output is not JSON: {error}")
        expected = "gzip" if mode.startswith("gzip") else "none"
        if document.get("compression") != expected:
            return OurReading("broken", message=f"reports compression {document.get('compression')!r} for a {mode} input")
        document["compression"] = "none"  # as CPython's document says: it reads the plain stream
        return OurReading("accept", document=document)
    prefix = f"mnist-tools: error: {path or '-'}: "
    if finished.returncode == 1 and stderr.startswith(prefix) and not finished.stdout:
        return OurReading("reject", message=stderr.removeprefix(prefix))
    return OurReading("broken", message=f"exit status {finished.returncode}: {stderr[-2000:]}")
