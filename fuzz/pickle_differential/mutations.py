"""Seeded mutations of pickle streams.

Some mutators work on raw bytes (bit flips, truncation, inserted or deleted
bytes); the others know the opcode layout (pickletools' table) and change one
instruction: its opcode, a length field, a memo index, or the whole
instruction (deleted, repeated, or taken from another pickle).
"""

import io
import pickletools
import struct
from dataclasses import dataclass

# Bytes that mean something to a pickle reader: MARK, STOP, newline, quotes,
# digits, the sign of a length, and every opcode.
INTERESTING_BYTES = sorted(set(b"\x00\x01\x7f\x80\xff(.\n'\"\\0159-L") | {
    ord(op.code) for op in pickletools.opcodes})

# Opcodes without an argument: the cheapest way to break the stack's shape.
ARGLESS_OPCODES = [op.code.encode("latin-1") for op in pickletools.opcodes if op.arg is None]

# The width of each length or index field, by pickletools' argument reader.
FIELD_WIDTHS = {
    pickletools.uint1: 1, pickletools.uint2: 2, pickletools.int4: 4, pickletools.uint4: 4,
    pickletools.uint8: 8, pickletools.string1: 1, pickletools.bytes1: 1,
    pickletools.unicodestring1: 1, pickletools.long1: 1, pickletools.string4: 4,
    pickletools.bytes4: 4, pickletools.unicodestring4: 4, pickletools.long4: 4,
    pickletools.bytes8: 8, pickletools.unicodestring8: 8, pickletools.bytearray8: 8,
}

MEMO_OPCODES = {"GET", "BINGET", "LONG_BINGET", "PUT", "BINPUT", "LONG_BINPUT"}


@dataclass(frozen=True)
class Instruction:
    """One opcode and its argument: bytes [start, end) of the stream."""

    start: int
    end: int
    opcode: pickletools.OpcodeInfo


def instructions(data):
    """The instructions of `data` up to STOP or to the first that does not
    decode (mutated streams), never raising."""
    stream = io.BytesIO(data)
    found = []
    while True:
        start = stream.tell()
        code = stream.read(1)
        opcode = pickletools.code2op.get(code.decode("latin-1")) if code else None
        if opcode is None:
            return found
        try:
            if opcode.arg is pickletools.stringnl:
                pickletools.read_stringnl(stream, decode=False, stripquotes=False)
            elif opcode.arg is not None:
                opcode.arg.reader(stream)
        except (ValueError, UnicodeDecodeError, struct.error):
            return found
        found.append(Instruction(start, stream.tell(), opcode))
        if opcode.name == "STOP":
            return found


class Mutator:
    """Applies 1 to 3 random mutations; `donors` lend instructions to splice."""

    def __init__(self, rng, donors):
        self.rng = rng
        self.donors = donors
        self.operations = [
            self.flip_bit, self.set_byte, self.truncate, self.insert_bytes, self.delete_bytes,
            self.swap_opcode, self.change_length, self.change_memo_index, self.insert_opcode,
            self.delete_instruction, self.repeat_instruction, self.splice_instruction,
        ]

    def mutate(self, data):
        """(mutated bytes, list of what was done)."""
        applied = []
        for _ in range(self.rng.choice([1, 1, 1, 2, 3])):
            operation = self.rng.choice(self.operations)
            result = operation(bytearray(data))
            if result is None:
                continue
            data, description = result
            applied.append(description)
        return bytes(data), applied

    # -- bytes ---------------------------------------------------------------

    def flip_bit(self, data):
        if not data:
            return None
        position = self.rng.randrange(len(data))
        bit = self.rng.randrange(8)
        data[position] ^= 1 << bit
        return data, f"flip bit {bit} at {position}"

    def set_byte(self, data):
        if not data:
            return None
        position = self.rng.randrange(len(data))
        value = self.rng.choice(INTERESTING_BYTES) if self.rng.random() < 0.7 else self.rng.randrange(256)
        data[position] = value
        return data, f"set byte {position} to 0x{value:02x}"

    def truncate(self, data):
        position = self.rng.randrange(len(data) + 1)
        return data[:position], f"truncate to {position} bytes"

    def insert_bytes(self, data):
        position = self.rng.randrange(len(data) + 1)
        chunk = bytes(self.rng.choice(INTERESTING_BYTES) for _ in range(self.rng.randrange(1, 5)))
        data[position:position] = chunk
        return data, f"insert {chunk.hex()} at {position}"

    def delete_bytes(self, data):
        if not data:
            return None
        position = self.rng.randrange(len(data))
        count = self.rng.randrange(1, 9)
        del data[position:position + count]
        return data, f"delete {count} bytes at {position}"

    # -- instructions ----------------------------------------------------------

    def pick(self, data, wanted=lambda instruction: True):
        candidates = [i for i in instructions(bytes(data)) if wanted(i)]
        return self.rng.choice(candidates) if candidates else None

    def swap_opcode(self, data):
        """Another opcode in place of one: half the time one that reads the
        same kind of argument, so the stream still decodes."""
        target = self.pick(data)
        if target is None:
            return None
        choices = pickletools.opcodes
        if self.rng.random() < 0.5:
            choices = [op for op in choices if op.arg is target.opcode.arg] or choices
        replacement = self.rng.choice(choices)
        data[target.start] = ord(replacement.code)
        return data, f"{target.opcode.name} at {target.start} becomes {replacement.name}"

    def change_length(self, data):
        """A new value for a length, integer or index field: off by one,
        zero, the largest, the sign bit, or random."""
        target = self.pick(data, lambda i: i.opcode.arg in FIELD_WIDTHS)
        if target is None:
            return None
        width = FIELD_WIDTHS[target.opcode.arg]
        field = slice(target.start + 1, target.start + 1 + width)
        old = int.from_bytes(data[field], "little")
        top = 2 ** (8 * width) - 1
        new = self.rng.choice([old + 1, old - 1, old + self.rng.randrange(2, 64), old // 2, 0, top,
                               2 ** (8 * width - 1), 2 ** (8 * width - 1) - 1, self.rng.randrange(top + 1)])
        data[field] = (new & top).to_bytes(width, "little")
        return data, f"{target.opcode.name} at {target.start}: field {old} becomes {new & top}"

    def change_memo_index(self, data):
        target = self.pick(data, lambda i: i.opcode.name in MEMO_OPCODES)
        if target is None:
            return None
        index = self.rng.choice([0, 1, 2, 3, self.rng.randrange(300)])
        name = target.opcode.name
        if name in ("GET", "PUT"):
            argument = b"%d\n" % index
        elif name.startswith("LONG_"):
            argument = struct.pack("<I", index)
        else:
            argument = bytes([index & 0xFF])
        data[target.start + 1:target.end] = argument
        return data, f"{name} at {target.start} uses memo index {index}"

    def insert_opcode(self, data):
        boundaries = [i.start for i in instructions(bytes(data))] + [len(data)]
        position = self.rng.choice(boundaries)
        code = self.rng.choice(ARGLESS_OPCODES)
        data[position:position] = code
        return data, f"insert {pickletools.code2op[code.decode('latin-1')].name} at {position}"

    def delete_instruction(self, data):
        target = self.pick(data)
        if target is None:
            return None
        del data[target.start:target.end]
        return data, f"delete {target.opcode.name} at {target.start}"

    def repeat_instruction(self, data):
        target = self.pick(data)
        if target is None:
            return None
        data[target.end:target.end] = data[target.start:target.end]
        return data, f"repeat {target.opcode.name} at {target.start}"

    def splice_instruction(self, data):
        """An instruction of another pickle, inserted at an instruction boundary."""
        donor = self.rng.choice(self.donors)
        lent = self.pick(donor.data)
        if lent is None:
            return None
        boundaries = [i.start for i in instructions(bytes(data))] + [len(data)]
        position = self.rng.choice(boundaries)
        data[position:position] = donor.data[lent.start:lent.end]
        return data, f"insert {lent.opcode.name} from {donor.name} at {position}"
