/// Reads one pickle into a `PickleValue`, never executing or importing anything.
///
/// A loop over opcodes with a value stack, a stack of MARK positions and a memo, as in
/// CPython's `_pickle.c`. Globals become names; known reconstructors (see `Reconstructor`)
/// build values; anything else becomes an opaque object.
///
/// Reading stops at the STOP opcode: bytes after it are allowed and ignored, as CPython
/// ignores them (a file may hold several pickles one after another) — except that the
/// input must hold every byte of each FRAME, which CPython reads whole before running it.
public struct Unpickler {
    public let limits: UnpicklerLimits

    public init(limits: UnpicklerLimits = .default) { self.limits = limits }

    /// The result of reading a pickle.
    public struct Result {
        public let value: PickleValue
        /// The PROTO opcode's argument, or else the highest protocol among the opcodes used.
        public let `protocol`: Int
        /// Offset just past the STOP opcode.
        public let endOffset: Int
    }

    public func read(_ input: PickleInput) throws -> Result {
        var machine = Machine(limits: limits)
        let value: PickleValue
        do {
            value = try run(&machine, on: input)
        } catch let error as PickleError {
            // A frame the input cannot hold comes before whatever went wrong inside it: report
            // it, as reading from a buffer of known size does.
            try checkOpenFrame(machine, input)
            throw error
        }
        let endOffset = input.offset
        try checkOpenFrame(machine, input)
        return Result(value: value, protocol: machine.declaredProtocol ?? machine.highestProtocolUsed, endOffset: endOffset)
    }

    /// Executes opcodes up to STOP and returns the value it pops.
    private func run(_ machine: inout Machine, on input: PickleInput) throws -> PickleValue {
        let reader = InstructionReader(input: input)
        while let instruction = try reader.next() {
            if let value = try machine.execute(instruction, input: input) { return value }
        }
        throw PickleError(offset: input.offset, opcode: nil, kind: input.offset == 0 ? .emptyInput : .missingStop)
    }

    /// Throws when the input ends before the end of the FRAME that `machine` could not check
    /// against an input of unknown size. Reads (and drops) the rest of the frame's bytes.
    private func checkOpenFrame(_ machine: Machine, _ input: PickleInput) throws {
        guard let frame = machine.openFrame, frame.end > input.offset else { return }
        let missing = frame.end - input.offset
        let skipped = try input.skip(count: missing)
        guard skipped < missing else { return }
        let available = input.offset - (frame.end - frame.length)
        throw PickleError(offset: frame.offset, opcode: .frame, kind: .truncated(needed: frame.length, available: available, exact: true))
    }

    /// Reads a pickle held in memory.
    public func read<Bytes: Collection>(bytes: Bytes) throws -> Result where Bytes.Element == UInt8 {
        try read(PickleInput(bytes: bytes))
    }
}
