import Pickle

/// Writes a `PickleValue` as the JSON document of `inspect --json`:
/// `{"protocol": P, "compression": "gzip"|"none", "value": V}`.
///
/// The encoding of V (documented in the README) is lossless for everything but array data,
/// which is summarized by its SHA-256. The writer uses an explicit work list, never
/// recursion, so nesting depth cannot overflow the native stack; a container met again
/// while it is being written (a cycle) becomes `{"recursive": true}`. Set members are
/// sorted by their JSON text so the output does not depend on hashing order. Strings are
/// escaped as Python's `json.dumps(..., ensure_ascii=False)` escapes them and floats are
/// formatted as Python's `repr`, so the same value always gives the same bytes.
public enum PickleJSON {
    public static func document(_ value: PickleValue, protocol version: Int, compression: String) -> String {
        "{\"protocol\": \(version), \"compression\": \(quote(compression)), \"value\": \(encode(value))}"
    }

    /// The JSON for one value.
    public static func encode(_ value: PickleValue) -> String {
        var writer = Writer()
        writer.run(value)
        return writer.outputs[0]
    }

    /// A string as a JSON string literal.
    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "{\"float\": \"nan\"}" }
        if value.isInfinite { return value < 0 ? "{\"float\": \"-inf\"}" : "{\"float\": \"inf\"}" }
        return PythonFloatFormat.repr(value)
    }

    static func integer(_ value: BigInteger) -> String {
        if let small = value.int64, small.magnitude < (1 << 53) { return String(small) }
        return "{\"int\": \"\(value)\"}"
    }

    /// The iterative writer: `work` holds what remains to be written, last first.
    private struct Writer {
        enum Task {
            case value(PickleValue)
            case text(String)
            /// The container is finished: it leaves the current path.
            case leave(ObjectIdentifier)
            /// Set members are written into a buffer of their own, then sorted.
            case beginMember
            case endMember
            case finishSet(String)
        }

        var work: [Task] = []
        var outputs = [""]
        var memberLists: [[String]] = []
        var path: Set<ObjectIdentifier> = []

        mutating func run(_ value: PickleValue) {
            work.append(.value(value))
            while let task = work.popLast() {
                switch task {
                case let .value(value): write(value)
                case let .text(text): outputs[outputs.count - 1] += text
                case let .leave(identifier): path.remove(identifier)
                case .beginMember: outputs.append("")
                case .endMember: memberLists[memberLists.count - 1].append(outputs.removeLast())
                case let .finishSet(key):
                    let members = memberLists.removeLast().sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                    emit("{\"\(key)\": [" + members.joined(separator: ", ") + "]}")
                }
            }
        }

        private mutating func emit(_ text: String) { outputs[outputs.count - 1] += text }

        /// Schedules `items` separated by ", " between `open` and `close`.
        private mutating func sequence(_ open: String, _ items: [PickleValue], _ close: String, owner: AnyObject) {
            let identifier = ObjectIdentifier(owner)
            guard path.insert(identifier).inserted else {
                emit("{\"recursive\": true}")
                return
            }
            emit(open)
            work.append(.leave(identifier))
            work.append(.text(close))
            for (index, item) in items.enumerated().reversed() {
                work.append(.value(item))
                if index > 0 { work.append(.text(", ")) }
            }
        }

        private mutating func write(_ value: PickleValue) {
            switch value {
            case .none: emit("null")
            case let .bool(flag): emit(flag ? "true" : "false")
            case let .int(number): emit(integer(BigInteger(number)))
            case let .bigInt(number): emit(integer(number))
            case let .float(value): emit(PickleJSON.number(value))
            case let .complex(real, imaginary): emit("{\"complex\": [\(PickleJSON.number(real)), \(PickleJSON.number(imaginary))]}")
            case let .string(text): emit(quote(text))
            case let .py2String(bytes), let .bytes(bytes): emit("{\"bytes\": \(quote(base64(bytes)))}")
            case let .bytearray(bytes): emit("{\"bytearray\": \(quote(base64(bytes)))}")
            case let .global(module, name): emit("{\"global\": [\(quote(module)), \(quote(name))]}")
            case let .dtype(dtype): emit("{\"dtype\": \(quote(dtype.dtype.description))}")
            case let .list(list): sequence("[", list.items, "]", owner: list)
            case let .tuple(tuple): sequence("{\"tuple\": [", tuple.items, "]}", owner: tuple)
            case let .dict(dict): writeDict(dict)
            case let .set(set): writeSet(set, key: "set")
            case let .frozenset(set): writeSet(set, key: "frozenset")
            case let .object(object): writeObject(object)
            case let .ndarray(array): writeArray(array)
            }
        }

        /// A dict as `{"dict": [[k, v], ...]}`; each pair is written as a JSON list.
        private mutating func writeDict(_ dict: PickleDict) {
            let identifier = ObjectIdentifier(dict)
            guard path.insert(identifier).inserted else {
                emit("{\"recursive\": true}")
                return
            }
            emit("{\"dict\": [")
            work.append(.leave(identifier))
            work.append(.text("]}"))
            for (index, entry) in dict.entries.enumerated().reversed() {
                work.append(.text("]"))
                work.append(.value(entry.1))
                work.append(.text(", "))
                work.append(.value(entry.0))
                work.append(.text("["))
                if index > 0 { work.append(.text(", ")) }
            }
        }

        private mutating func writeSet(_ set: PickleSet, key: String) {
            let identifier = ObjectIdentifier(set)
            guard path.insert(identifier).inserted else {
                emit("{\"recursive\": true}")
                return
            }
            memberLists.append([])
            work.append(.leave(identifier))
            work.append(.finishSet(key))
            for item in set.items.reversed() {
                work.append(.endMember)
                work.append(.value(item))
                work.append(.beginMember)
            }
        }

        private mutating func writeObject(_ object: PickleObject) {
            let identifier = ObjectIdentifier(object)
            guard path.insert(identifier).inserted else {
                emit("{\"recursive\": true}")
                return
            }
            var fields: [(String, PickleValue)] = [
                ("callable", object.callable), ("args", object.arguments), ("state", object.state ?? .none),
            ]
            if let keywords = object.keywordArguments { fields.append(("kwargs", keywords)) }
            if !object.appendedItems.isEmpty { fields.append(("listitems", .list(PickleList(object.appendedItems)))) }
            if !object.setItems.isEmpty {
                let dict = PickleDict()
                for pair in object.setItems { try? dict.set(pair.key, pair.value) }
                fields.append(("dictitems", .dict(dict)))
            }
            emit("{\"object\": {")
            work.append(.leave(identifier))
            work.append(.text("}}"))
            for (index, field) in fields.enumerated().reversed() {
                work.append(.value(field.1))
                work.append(.text(quote(field.0) + ": "))
                if index > 0 { work.append(.text(", ")) }
            }
        }

        private mutating func writeArray(_ array: NDArray) {
            let shape = "[" + array.shape.map(String.init).joined(separator: ", ") + "]"
            let head = "{\"ndarray\": {\"dtype\": \(quote(array.dtype.description)), \"shape\": \(shape), \"order\": \"\(array.reportedOrder)\", "
            switch array.storage {
            case .bytes:
                let digest = array.withCOrderLittleEndianBytes { SHA256.hex($0) } ?? ""
                emit(head + "\"sha256\": \"\(digest)\"}}")
            case let .objects(items):
                let identifier = ObjectIdentifier(array)
                guard path.insert(identifier).inserted else {
                    emit("{\"recursive\": true}")
                    return
                }
                emit(head + "\"items\": [")
                work.append(.leave(identifier))
                work.append(.text("]}}"))
                for (index, item) in cOrder(items, shape: array.shape, fortran: array.isFortranOrder).enumerated().reversed() {
                    work.append(.value(item))
                    if index > 0 { work.append(.text(", ")) }
                }
            }
        }

        private func base64(_ bytes: ByteSlice) -> String {
            bytes.withUnsafeBytes { Base64.encode($0) }
        }

        /// Object array elements in C order.
        private func cOrder(_ items: [PickleValue], shape: [Int], fortran: Bool) -> [PickleValue] {
            guard fortran, shape.count > 1 else { return items }
            var result: [PickleValue] = []
            result.reserveCapacity(items.count)
            var index = [Int](repeating: 0, count: shape.count)
            for _ in items.indices {
                var offset = 0
                var stride = 1
                for axis in shape.indices {
                    offset += index[axis] * stride
                    stride *= shape[axis]
                }
                result.append(items[offset])
                for axis in shape.indices.reversed() {
                    index[axis] += 1
                    if index[axis] < shape[axis] { break }
                    index[axis] = 0
                }
            }
            return result
        }
    }
}
