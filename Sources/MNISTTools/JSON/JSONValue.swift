/// A parsed JSON document: what the dataset manifest is read into.
public indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The member called `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var string: String? { if case let .string(value) = self { value } else { nil } }
    public var array: [JSONValue]? { if case let .array(value) = self { value } else { nil } }

    /// A number that is a whole, non-negative integer.
    public var count: Int? {
        guard case let .number(value) = self, value >= 0, value == value.rounded(), value < 0x1p53 else { return nil }
        return Int(value)
    }

    /// The document as indented JSON text.
    public func formatted(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .null: return "null"
        case let .bool(flag): return flag ? "true" : "false"
        case let .number(value):
            return value == value.rounded() && abs(value) < 0x1p53 ? String(Int64(value)) : PickleJSON.number(value)
        case let .string(text): return PickleJSON.quote(text)
        case let .array(items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ if case .number = $0 { true } else { false } }) {
                return "[" + items.map { $0.formatted() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { inner + $0.formatted(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case let .object(members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { inner + PickleJSON.quote($0.0) + ": " + $0.1.formatted(indent: inner) }.joined(separator: ",\n")
                + "\n" + indent + "}"
        }
    }
}
