#!/usr/bin/env python3
"""Build a full-size file in the classic `mnist.pkl.gz` format from Fashion-MNIST.

The classic file holds ((train_x, train_y), (valid_x, valid_y), (test_x, test_y)):
images as float32 arrays of shape (N, 784) with values pixel/256, labels as int64
arrays of shape (N,), split 50,000 / 10,000 / 10,000. It was written by Python 2's
cPickle with protocol 2 and an old NumPy, so each array's data is a Python 2 `str`
(the BINSTRING opcode), and each dtype is rebuilt as numpy.dtype('f4', 0, 1) (old
NumPy passed the integers 0 and 1 where NumPy now passes False and True). Python 3
cannot emit a BINSTRING, so this script writes the opcodes itself, in the order cPickle
wrote them, and streams them into gzip (level 6).

The images come from Debian's dataset-fashion-mnist package: the 60,000 training
images are split 50,000 (train) + 10,000 (valid); the 10,000 test images are the test
set. The result is checked by loading it back with pickle and NumPy.

Usage: python3 bench/make_fashion_classic.py OUT.pkl.gz
"""

import gzip
import os
import pickle
import struct
import sys
import time

import numpy as np

SOURCE_DIR = "/usr/share/datasets/fashion-mnist"

# Pickle opcodes (protocol 2).
PROTO = b"\x80"
GLOBAL = b"c"
BINPUT = b"q"
BINGET = b"h"
MARK = b"("
TUPLE = b"t"
TUPLE1 = b"\x85"
TUPLE2 = b"\x86"
TUPLE3 = b"\x87"
REDUCE = b"R"
BUILD = b"b"
NONE = b"N"
NEWFALSE = b"\x89"
BININT = b"J"
BININT1 = b"K"
BININT2 = b"M"
SHORT_BINSTRING = b"U"
BINSTRING = b"T"
STOP = b"."


def read_idx(path, magic, item_shape):
    """An IDX file's unsigned bytes as an array of shape (count,) + item_shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    found, count = struct.unpack(">II", data[:8])
    if found != magic:
        sys.exit(f"{path}: magic {found:#010x}, expected {magic:#010x}")
    header = 8 + 4 * len(item_shape)
    dims = struct.unpack(">" + "I" * len(item_shape), data[8:header])
    if dims != item_shape:
        sys.exit(f"{path}: item shape {dims}, expected {item_shape}")
    array = np.frombuffer(data, dtype=np.uint8, offset=header)
    if array.size != count * int(np.prod(item_shape, dtype=np.int64)):
        sys.exit(f"{path}: {array.size} bytes of data for {count} items")
    return array.reshape((count,) + item_shape)


def load_fashion():
    """The three (images, labels) pairs, as the classic file holds them."""

    def images(name):
        pixels = read_idx(f"{SOURCE_DIR}/{name}-images-idx3-ubyte.gz", 0x00000803, (28, 28))
        return pixels.reshape(-1, 784).astype("<f4") / np.float32(256)

    def labels(name):
        return read_idx(f"{SOURCE_DIR}/{name}-labels-idx1-ubyte.gz", 0x00000801, ()).astype("<i8")

    train_x, train_y = images("train"), labels("train")
    test_x, test_y = images("t10k"), labels("t10k")
    return (
        (train_x[:50000], train_y[:50000]),
        (train_x[50000:], train_y[50000:]),
        (test_x, test_y),
    )


class ClassicPickler:
    """Writes NumPy arrays as cPickle (protocol 2) and an old NumPy wrote them.

    The memo follows cPickle: the globals, the objects REDUCE builds (arrays, dtypes) and
    the (images, labels) pairs and the outer tuple are stored with BINPUT, numbered from
    1; a global or dtype written again is fetched with BINGET. Temporaries (argument and
    state tuples, shapes, array data) and one-character strings are not memoized, as
    cPickle skipped them.
    """

    def __init__(self, out):
        self.out = out
        self.memo = {}
        self.memo_count = 0

    def write(self, *parts):
        for part in parts:
            self.out.write(part)

    def memoized(self, key):
        """Writes BINGET and returns True when `key` is already in the memo."""
        if key in self.memo:
            self.write(BINGET, bytes([self.memo[key]]))
            return True
        return False

    def put(self, key=None):
        """Stores the object on top of the stack in the memo; `key` finds it again later."""
        self.memo_count += 1
        if key is not None:
            self.memo[key] = self.memo_count
        self.write(BINPUT, bytes([self.memo_count]))

    def int(self, value):
        if 0 <= value < 0x100:
            self.write(BININT1, bytes([value]))
        elif 0 <= value < 0x10000:
            self.write(BININT2, struct.pack("<H", value))
        else:
            self.write(BININT, struct.pack("<i", value))

    def short_string(self, text):
        data = text.encode("latin-1")
        self.write(SHORT_BINSTRING, bytes([len(data)]), data)

    def global_(self, module, name):
        if not self.memoized((module, name)):
            self.write(GLOBAL, f"{module}\n{name}\n".encode("ascii"))
            self.put((module, name))

    def dtype(self, code):
        """numpy.dtype(code, 0, 1) with the version 3 state old NumPy's __reduce__ gave."""
        if self.memoized(("dtype", code)):
            return
        self.global_("numpy", "dtype")
        self.short_string(code)
        self.int(0)
        self.int(1)
        self.write(TUPLE3, REDUCE)
        self.put(("dtype", code))
        self.write(MARK)
        self.int(3)
        self.short_string("<")
        self.write(NONE, NONE, NONE)
        self.int(-1)
        self.int(-1)
        self.int(0)
        self.write(TUPLE, BUILD)

    def ndarray(self, array):
        """_reconstruct(ndarray, (0,), 'b') then the state (1, shape, dtype, False, data)."""
        codes = {np.dtype("<f4"): "f4", np.dtype("<i8"): "i8"}
        array = np.ascontiguousarray(array)
        self.global_("numpy.core.multiarray", "_reconstruct")
        self.global_("numpy", "ndarray")
        self.int(0)
        self.write(TUPLE1)
        self.short_string("b")
        self.write(TUPLE3, REDUCE)
        self.put()
        self.write(MARK)
        self.int(1)
        for dim in array.shape:
            self.int(dim)
        self.write((TUPLE1, TUPLE2, TUPLE3)[array.ndim - 1])
        self.dtype(codes[array.dtype])
        self.write(NEWFALSE)
        self.write(BINSTRING, struct.pack("<I", array.nbytes))
        self.out.write(memoryview(array).cast("B"))
        self.write(TUPLE, BUILD)

    def dump(self, splits):
        self.write(PROTO, b"\x02")
        for images, labels in splits:
            self.ndarray(images)
            self.ndarray(labels)
            self.write(TUPLE2)
            self.put()
        self.write(TUPLE3)
        self.put()
        self.write(STOP)


def check(path, splits):
    """Load the file back the way Python 3 users read the classic file, and compare."""
    with gzip.open(path, "rb") as f:
        loaded = pickle.load(f, encoding="latin1")
    if len(loaded) != 3:
        sys.exit(f"{path}: {len(loaded)} splits, expected 3")
    for (images, labels), (want_images, want_labels) in zip(loaded, splits):
        for got, want in ((images, want_images), (labels, want_labels)):
            if got.dtype != want.dtype or got.shape != want.shape:
                sys.exit(f"{path}: got {got.dtype} {got.shape}, expected {want.dtype} {want.shape}")
            if not np.array_equal(got, want):
                sys.exit(f"{path}: array values differ")
    train_x, train_y = loaded[0]
    print(
        f"checked: shapes {[a.shape for pair in loaded for a in pair]}, "
        f"dtypes {train_x.dtype}/{train_y.dtype}, "
        f"train_x[0, 300:304] = {train_x[0, 300:304].tolist()}, train_y[:5] = {train_y[:5].tolist()}"
    )


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    out_path = sys.argv[1]
    start = time.monotonic()
    splits = load_fashion()

    # Written under a temporary name, so an interrupted run leaves no file that looks done.
    temporary = out_path + ".partial"
    name_in_header = os.path.basename(out_path).removesuffix(".gz")
    with open(temporary, "wb") as raw:
        with gzip.GzipFile(name_in_header, "wb", compresslevel=6, fileobj=raw, mtime=0) as out:
            ClassicPickler(out).dump(splits)
            pickle_bytes = out.tell()
    written = time.monotonic()

    check(temporary, splits)
    os.replace(temporary, out_path)

    array_bytes = sum(a.nbytes for pair in splits for a in pair)
    print(
        f"{out_path}: {os.path.getsize(out_path):,} bytes compressed, {pickle_bytes:,} bytes of pickle, "
        f"{array_bytes:,} bytes of array data; "
        f"written in {written - start:.1f} s, checked in {time.monotonic() - written:.1f} s"
    )


if __name__ == "__main__":
    main()
