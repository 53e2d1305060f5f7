"""The valid pickles that mutation starts from.

Two sources: the committed fixtures (fixtures/*.pkl and the decompressed
stream of fixtures/mnist-sample.pkl.gz), and a corpus generated here from a
seeded random.Random: random values written by CPython's pickle at
protocols 0 to 5 (sometimes passed through pickletools.optimize), by the
Python 2 style writer of fixtures/make_fixtures.py at protocols 0 to 2,
small files in the layout of the classic mnist.pkl.gz, and deeply nested
values.
"""

import gzip
import pickle
import pickletools
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

import make_fixtures

# Element types the reader reconstructs, then some it refuses on purpose
# (complex, text, dates): both sides must still agree, or differ as listed.
SUPPORTED_DTYPES = ["|u1", "|i1", "<i2", ">i2", "<u2", "<i4", ">i4", "<u4", "<i8", ">i8", "<u8",
                    "<f2", ">f2", "<f4", ">f4", "<f8", ">f8", "|b1"]
OTHER_DTYPES = ["<c8", "<c16", "<U3", "|S4", "<M8[s]"]

# Integers at the boundaries of every encoding (BININT1/2, BININT, INT, LONG1,
# LONG4) and of JSON's exact range.
BOUNDARY_INTS = [0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -(2**31), 2**31, 2**53 - 1,
                 2**53, -(2**53), 2**63 - 1, -(2**63), 2**63, 2**64, -(2**64) - 1]
BOUNDARY_FLOATS = [0.0, -0.0, 0.1, 1.0, -2.5, 1e300, 5e-324, 2.2250738585072014e-308,
                   1.7976931348623157e308, float("inf"), float("-inf"), float("nan"), 2.0**53]

# Characters for random text: ASCII, escapes protocol 0 must get right,
# Latin-1, the BMP, astral planes, and a combining accent (so that "é" and
# "e\u0301", equal under Unicode canonical equivalence but not in Python,
# both occur).
TEXT_ALPHABET = (list("abcxyz019 ") + ["\\", "\n", "\r", "\x00", "'", '"', "é", "ÿ", "\u0301",
                 "∑", "\u2028", "\ufeff", "😀", "\U0010ffff", "e"])


@dataclass(frozen=True)
class Seed:
    """A valid pickle and where it came from."""

    name: str
    data: bytes


def fixture_seeds(fixtures_dir):
    """Every committed fixture pickle, gzip ones decompressed."""
    seeds = []
    for path in sorted(fixtures_dir.glob("*.pkl")) + sorted(fixtures_dir.glob("*.pkl.gz")):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        seeds.append(Seed(f"fixtures/{path.name}", data))
    return seeds


def generated_seeds(rng, count):
    """`count` pickles of random values, in every writer and protocol, and a few
    deeply nested ones."""
    seeds = [Seed(f"generated/deep-proto{protocol}", pickle.dumps(deeply_nested(rng), protocol=protocol))
             for protocol in (0, 2, 5)]
    for index in range(count):
        style = index % 4
        if style == 0:
            protocol = rng.randrange(3)
            value = RandomValues(rng, python2=True).value()
            data = make_fixtures.Py2Pickler(protocol, dtype_flags_as_ints=rng.random() < 0.5).dumps(value)
            seeds.append(Seed(f"generated/{index}-py2-proto{protocol}", data))
        elif style == 1 and index % 8 == 1:
            seeds.append(Seed(f"generated/{index}-classic-mnist", classic_mnist_pickle(rng)))
        else:
            protocol = rng.randrange(6)
            data = pickle.dumps(RandomValues(rng, python2=False).value(), protocol=protocol)
            if rng.random() < 0.3:
                data = pickletools.optimize(data)
            seeds.append(Seed(f"generated/{index}-py3-proto{protocol}", data))
    return seeds


# Nesting depth of the deep seeds: beyond Python's default recursion limit (1,000), within
# what the harness's own recursive comparisons handle once that limit is raised.
DEEP_NESTING = 2500


def deeply_nested(rng):
    """Lists, tuples and dicts nested DEEP_NESTING levels deep (pickling them
    needs the recursion limit the harness sets)."""
    value = rng.choice([None, 1, "leaf"])
    for _ in range(DEEP_NESTING):
        value = rng.choice([lambda v: [v], lambda v: (v,), lambda v: {"k": v}])(value)
    return value


def classic_mnist_pickle(rng):
    """((train_x, train_y), (valid_x, valid_y), (test_x, test_y)) with a few
    tiny k/256 float32 images and int64 labels, as mnist.pkl.gz was written."""
    numpy_rng = np.random.RandomState(rng.randrange(2**32))
    pixels = rng.choice([1, 4, 6])
    splits = []
    for _ in range(3):
        count = rng.randrange(4)
        images = numpy_rng.randint(0, 256, size=(count, pixels)).astype(np.float32) / np.float32(256)
        splits.append((images, numpy_rng.randint(0, 10, size=count).astype(np.int64)))
    return make_fixtures.mnist_pickle(tuple(splits))


class RandomValues:
    """Random nested values: everything Python 2 style pickles can hold when
    `python2` (bytes stand for Python 2 str), or any value the reader knows.

    Containers made earlier are sometimes used again, so the memo is
    exercised (GET/BINGET), and a list sometimes contains itself.
    """

    def __init__(self, rng, python2):
        self.rng = rng
        self.python2 = python2
        self.made = []  # containers made so far, for shared references

    def value(self):
        return self.container(depth=0)

    def any(self, depth):
        rng = self.rng
        if self.made and rng.random() < 0.08:
            return rng.choice(self.made)
        if depth < 4 and rng.random() < 0.3:
            return self.container(depth)
        return self.leaf()

    def container(self, depth):
        rng = self.rng
        kinds = ["tuple", "list", "dict"] if self.python2 else ["tuple", "list", "dict", "set", "ordered"]
        kind = rng.choice(kinds)
        size = rng.choice([0, 1, 2, 3, 4, 5, rng.randrange(30)])
        if kind == "tuple":
            result = tuple(self.any(depth + 1) for _ in range(size))
        elif kind == "list":
            result = [self.any(depth + 1) for _ in range(size)]
            if rng.random() < 0.1:
                result.append(result)
        elif kind == "set":
            result = {self.key() for _ in range(size)}
            result = frozenset(result) if rng.random() < 0.3 else result
        else:
            pairs = [(self.key(), self.any(depth + 1)) for _ in range(size)]
            result = OrderedDict(pairs) if kind == "ordered" else dict(pairs)
        self.made.append(result)
        return result

    def key(self):
        """A hashable value: what dicts and sets can hold."""
        rng = self.rng
        choice = rng.randrange(6)
        if choice == 0:
            return self.integer()
        if choice == 1:
            return rng.choice(BOUNDARY_FLOATS[:10])
        if choice == 2:
            return tuple(self.key() for _ in range(rng.randrange(3)))
        if choice == 3:
            return self.data()
        if choice == 4:
            return rng.choice([None, True, False, "e\u0301", "é", 1, 1.0])
        return self.text()

    def leaf(self):
        rng = self.rng
        makers = [lambda: None, lambda: rng.random() < 0.5, self.integer, self.float, self.text,
                  self.data, self.complex, self.array]
        if not self.python2:
            makers += [self.bytearray, self.numpy_scalar, self.dtype]
        return rng.choice(makers)()

    def integer(self):
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(BOUNDARY_INTS)
        bits = rng.choice([7, 15, 31, 62, 100, 2000])
        return rng.getrandbits(bits) * rng.choice([1, -1])

    def float(self):
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(BOUNDARY_FLOATS)
        return rng.uniform(-1e6, 1e6) * rng.choice([1, 1e-200, 1e200])

    def text(self):
        if self.rng.random() < 0.01:
            return "lone \ud800 surrogate"  # CPython pickles it (surrogatepass); see KNOWN_DIFFERENCES.md
        return "".join(self.rng.choice(TEXT_ALPHABET) for _ in range(self.rng.randrange(12)))

    def data(self):
        return bytes(self.rng.getrandbits(8) for _ in range(self.rng.choice([0, 1, 5, 40, 300])))

    def bytearray(self):
        return bytearray(self.data())

    def complex(self):
        return complex(self.float(), self.float())

    def dtype(self):
        return np.dtype(self.rng.choice(SUPPORTED_DTYPES + OTHER_DTYPES))

    def numpy_scalar(self):
        return self.array(shape=())[()]

    def array(self, shape=None):
        """An array of random bits (so floats include NaN payloads), any
        layout: 0-d to 3-d, empty, Fortran order; object arrays for Python 3."""
        rng = self.rng
        names = SUPPORTED_DTYPES + (OTHER_DTYPES[:2] if self.python2 else OTHER_DTYPES + ["|O"])
        dtype = np.dtype(rng.choice(names) if rng.random() < 0.25 else rng.choice(SUPPORTED_DTYPES))
        if shape is None:
            shape = tuple(rng.choice([0, 1, 2, 3, 5]) for _ in range(rng.randrange(4)))
        count = int(np.prod(shape, dtype=np.int64))
        if dtype.kind == "O":
            items = np.empty(count, dtype=object)
            for index in range(count):
                items[index] = self.leaf() if rng.random() < 0.8 else None
            array = items.reshape(shape)
        elif dtype.kind in "USM":
            array = np.zeros(shape, dtype=dtype)
        else:
            raw = bytes(rng.getrandbits(8) for _ in range(count * dtype.itemsize))
            array = np.frombuffer(raw, dtype=dtype).reshape(shape)
            if dtype.kind == "b":
                array = array.astype(bool)
        return np.asfortranarray(array) if len(shape) > 1 and rng.random() < 0.3 else array
