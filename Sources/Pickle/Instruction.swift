/// One opcode read from a pickle, with its decoded argument and where it starts.
public struct Instruction {
    public let offset: Int
    public let opcode: Opcode
    public let argument: OpcodeArgument
}

/// The decoded argument of an opcode.
public enum OpcodeArgument {
    case none
    /// Fixed-size integers, memo keys, protocol numbers, frame lengths.
    case int(Int64)
    /// INT's "01"/"00".
    case bool(Bool)
    /// LONG, LONG1, LONG4, and INT values beyond 64 bits.
    case bigInteger(BigInteger)
    case float(Double)
    /// Payloads of the byte-string opcodes (STRING already unescaped).
    case bytes(ByteSlice)
    /// Payloads of the unicode opcodes, decoded; PERSID's id.
    case text(String)
    /// GLOBAL and INST: module and name.
    case global(module: String, name: String)
}
