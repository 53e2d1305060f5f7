/// Reads one pickle into a `PickleValue`, never executing or importing anything.
///
/// A loop over opcodes with a value stack, a stack of MARK positions and a memo, as in
/// CPython's `_pickle.c`. Globals become names; known reconstructors (see `Reconstructor`)
/// build values; anything else becomes an opaque object.
///
/// Reading stops at the STOP opcode: bytes after it are allowed and ignored, as CPython
/// ignores them (a file may hold several pickles one after another).
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
        let reader = InstructionReader(input: input, enforcingFrames: true)
        while let instruction = try reader.next() {
            if let value = try machine.execute(instruction) {
                let endOffset = input.offset
                try reader.finishFrame()
                return Result(value: value, protocol: machine.declaredProtocol ?? machine.highestProtocolUsed, endOffset: endOffset)
            }
        }
        throw PickleError(offset: input.offset, opcode: nil, kind: input.offset == 0 ? .emptyInput : .missingStop)
    }

    /// Reads a pickle held in memory.
    public func read<Bytes: Collection>(bytes: Bytes) throws -> Result where Bytes.Element == UInt8 {
        try read(PickleInput(bytes: bytes))
    }
}
