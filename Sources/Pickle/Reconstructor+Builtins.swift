/// Python's own reconstructors: `_codecs.encode`, `copyreg._reconstructor` and the builtin
/// types `set`, `frozenset`, `bytes`, `bytearray`, `complex` and `collections.OrderedDict`.
extension Reconstructor {
    /// `_codecs.encode(text, encoding='utf-8', errors='strict')`: how Python 3 pickles bytes
    /// at protocols 0–2.
    static func encode(_ arguments: [PickleValue]) throws(Failure) -> ByteSlice {
        guard (1...3).contains(arguments.count), let text = arguments[0].text else {
            throw Failure(reason: "_codecs.encode needs a string to encode (and at most an encoding and an error mode)")
        }
        guard let encoding = arguments.count > 1 ? arguments[1].text : "utf-8" else {
            throw Failure(reason: "_codecs.encode's encoding must be a str, not \(arguments[1].typeName)")
        }
        if arguments.count == 3, arguments[2].text == nil {
            throw Failure(reason: "_codecs.encode's error mode must be a str, not \(arguments[2].typeName)")
        }
        switch encoding.lowercased() {
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1":
            return try latin1Bytes(text)
        case "utf-8", "utf8":
            return ByteSlice(copying: Array(text.utf8))
        default:
            throw Failure(reason: "_codecs.encode with encoding '\(encoding)' is not supported (only latin1 and utf-8)")
        }
    }

    /// `copyreg._reconstructor(cls, base, state)`, which Python 2 used for instances of
    /// classes without `__reduce__`: an opaque instance of `cls`. With `object` as the base,
    /// Python makes it by `object.__new__(cls)`, which refuses builtin types.
    static func reconstructObject(_ arguments: [PickleValue], creator: Opcode, mapsPythonTwoNames: Bool) throws(Failure) -> PickleValue {
        guard arguments.count == 3 else { throw Failure(reason: "copyreg._reconstructor takes 3 arguments, got \(arguments.count)") }
        let cls = arguments[0], base = arguments[1]
        for (role, value) in [("class", cls), ("base", base)] {
            switch value {
            case .global, .object: continue
            default: throw Failure(reason: "copyreg._reconstructor's \(role) must be a class, not \(value.typeName)")
            }
        }
        if case let .global(module, name) = base, canonicalModule(module, mapsPythonTwoNames: mapsPythonTwoNames) == "builtins",
           name == "object", case let .global(classModule, className) = cls {
            let canonical = canonicalModule(classModule, mapsPythonTwoNames: mapsPythonTwoNames)
            if builtinTypes.contains("\(canonical).\(className)") || isNumpyGlobal(cls, "numpy", "ndarray") {
                throw Failure(reason: "object.__new__(\(classModule).\(className)) is not safe: it is a builtin type")
            }
        }
        return .object(PickleObject(creator: creator, callable: cls, arguments: .tuple(PickleTuple([]))))
    }

    /// Most zero bytes `bytes(n)` may make: a few bytes of pickle must not ask for gigabytes.
    static let maximumZeroFill = 1 << 20

    /// `bytes()`, `bytes(b'..')`, `bytearray(b'..')`, a list, tuple or dict of byte values,
    /// `bytes(n)` (n zero bytes) and `bytearray('text', 'latin-1')`.
    static func bytesArgument(_ arguments: [PickleValue], typeName: String) throws(Failure) -> ByteSlice {
        switch arguments.count {
        case 0:
            return ByteSlice(copying: [])
        case 1:
            switch arguments[0] {
            case let .bytes(bytes), let .bytearray(bytes): return ByteSlice(copying: bytes.array)
            case .int, .bool:
                let count = arguments[0].int64 ?? 0
                guard count >= 0 else { throw Failure(reason: "\(typeName)(\(count)): negative count") }
                guard count <= maximumZeroFill else {
                    throw Failure(reason: "\(typeName)(\(count)) would make \(count) zero bytes, more than the \(maximumZeroFill) this reader allows")
                }
                return ByteSlice(copying: [UInt8](repeating: 0, count: Int(count)))
            case .list, .tuple, .dict:
                var bytes: [UInt8] = []
                for item in try iterated(arguments[0], by: "\(typeName)()") {
                    guard let value = item.int64, (0...255).contains(value) else {
                        throw Failure(reason: "\(typeName)() items must be integers 0–255, found \(item.typeName)")
                    }
                    bytes.append(UInt8(value))
                }
                return ByteSlice(copying: bytes)
            case .set, .frozenset:
                throw Failure(reason: "\(typeName)() of a set takes its items in CPython's hashing order, which this reader does not reproduce")
            default:
                throw Failure(reason: "\(typeName)() cannot be built from \(arguments[0].typeName)")
            }
        default:
            return try encode(arguments)
        }
    }

    static func makeSet(_ arguments: [PickleValue], typeName: String) throws(Failure) -> PickleSet {
        let set = PickleSet()
        guard arguments.count <= 1 else { throw Failure(reason: "\(typeName)() takes at most 1 argument, got \(arguments.count)") }
        guard let source = arguments.first else { return set }
        for item in try iterated(source, by: "\(typeName)()") {
            do { try set.insert(item) } catch { throw Failure(reason: "unhashable type: '\(error.typeName)' in a \(typeName)") }
        }
        return set
    }

    /// What iterating `value` gives, for the iterables pickles hold: the items of lists,
    /// tuples and sets, a dict's keys, a string's characters, the byte values of bytes.
    static func iterated(_ value: PickleValue, by caller: String) throws(Failure) -> [PickleValue] {
        switch value {
        case let .list(list): return list.items
        case let .tuple(tuple): return tuple.items
        case let .set(set), let .frozenset(set): return set.items
        case let .dict(dict): return dict.keys
        case let .string(text): return text.unicodeScalars.map { .string(String($0)) }
        case let .py2String(bytes): return bytes.latin1String.unicodeScalars.map { .string(String($0)) }
        case let .bytes(bytes), let .bytearray(bytes): return bytes.array.map { .int(Int64($0)) }
        default: throw Failure(reason: "\(caller) cannot iterate over \(value.typeName)")
        }
    }

    static func makeComplex(_ arguments: [PickleValue]) throws(Failure) -> PickleValue {
        func number(_ value: PickleValue) -> Double? {
            switch value {
            case let .float(number): number
            case let .int(number): Double(number)
            case let .bool(flag): flag ? 1 : 0
            default: nil
            }
        }
        let parts = arguments.map(number)
        guard arguments.count <= 2, !parts.contains(where: { $0 == nil }) else {
            throw Failure(reason: "complex() takes up to two real numbers")
        }
        return .complex(real: parts.first.flatMap { $0 } ?? 0, imaginary: parts.dropFirst().first.flatMap { $0 } ?? 0)
    }

    static func makeOrderedDict(_ arguments: [PickleValue]) throws(Failure) -> PickleDict {
        let dict = PickleDict()
        guard arguments.count <= 1 else { throw Failure(reason: "OrderedDict() takes at most 1 argument, got \(arguments.count)") }
        guard let source = arguments.first else { return dict }
        let pairs: [PickleValue]
        switch source {
        case let .list(list): pairs = list.items
        case let .tuple(tuple): pairs = tuple.items
        default: throw Failure(reason: "OrderedDict() cannot be built from \(source.typeName)")
        }
        for pair in pairs {
            let items: [PickleValue]
            switch pair {
            case let .list(list): items = list.items
            case let .tuple(tuple): items = tuple.items
            default: items = []
            }
            guard items.count == 2 else { throw Failure(reason: "OrderedDict() items must be key-value pairs") }
            do { try dict.set(items[0], items[1]) } catch { throw Failure(reason: "unhashable type: '\(error.typeName)' as a dict key") }
        }
        return dict
    }
}
