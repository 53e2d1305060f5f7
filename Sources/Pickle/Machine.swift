/// The unpickling machine's state and its opcode semantics. One `execute` per opcode.
struct Machine {
    let limits: UnpicklerLimits
    private var stack: [PickleValue] = []
    /// Stack heights at each MARK, innermost last.
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var valuesCreated = 0
    /// The first PROTO opcode's argument: the protocol the file reports.
    private(set) var declaredProtocol: Int?
    private(set) var highestProtocolUsed = 0
    /// The last PROTO opcode's argument (0 before any): what CPython goes by, for instance
    /// to map Python 2 module names below protocol 3.
    private var currentProtocol = 0
    /// The instruction being executed, for errors.
    private var current = Instruction(offset: 0, opcode: .stop, argument: .none)

    init(limits: UnpicklerLimits) { self.limits = limits }

    /// Executes one instruction; returns the pickle's value at STOP.
    mutating func execute(_ instruction: Instruction) throws -> PickleValue? {
        current = instruction
        highestProtocolUsed = max(highestProtocolUsed, instruction.opcode.introducedInProtocol)
        switch instruction.opcode {
        case .stop:
            return try pop()
        case .proto:
            let version = try intArgument()
            guard version <= 5 else { throw fail(.unsupported("pickle protocol \(version) is newer than 5, the highest this reader knows")) }
            declaredProtocol = declaredProtocol ?? Int(version)
            currentProtocol = Int(version)
        case .frame:
            break   // InstructionReader enforces frame boundaries
        case .mark:
            marks.append(stack.count)
        case .pop:
            if stack.count > (marks.last ?? 0) {
                stack.removeLast()
            } else if !marks.isEmpty {
                marks.removeLast()       // POP of a MARK, as CPython allows
            } else {
                throw fail(.stackUnderflow(needed: 1, available: 0))
            }
        case .popMark:
            _ = try popToMark()
        case .dup:
            try push(try peek())
        case .put, .binPut, .longBinPut:
            try store(key: try intArgument())
        case .memoize:
            try store(key: Int64(memo.count))
        case .get, .binGet, .longBinGet:
            let key = try intArgument()
            guard let value = memo[Int(key)] else { throw fail(.memoKeyMissing(Int(key))) }
            stack.append(value)
        default:
            try executeValueOpcode(instruction)
        }
        return nil
    }

    // MARK: Values

    private mutating func executeValueOpcode(_ instruction: Instruction) throws {
        switch (instruction.opcode, instruction.argument) {
        case (.none, _): try push(.none)
        case (.newTrue, _): try push(.bool(true))
        case (.newFalse, _): try push(.bool(false))
        case let (_, .bool(flag)): try push(.bool(flag))
        case let (.binInt, .int(value)), let (.binInt1, .int(value)), let (.binInt2, .int(value)), let (.int, .int(value)):
            try push(.int(value))
        case let (_, .bigInteger(value)): try push(PickleValue(value))
        case let (_, .float(value)): try push(.float(value))
        case let (.string, .bytes(bytes)), let (.binString, .bytes(bytes)), let (.shortBinString, .bytes(bytes)):
            try push(.py2String(bytes))
        case let (.byteArray8, .bytes(bytes)): try push(.bytearray(bytes))
        case let (_, .bytes(bytes)): try push(.bytes(bytes))
        case let (.unicode, .text(text)), let (.shortBinUnicode, .text(text)), let (.binUnicode, .text(text)),
             let (.binUnicode8, .text(text)):
            try push(.string(text))
        case (.emptyList, _): try push(.list(PickleList()))
        case (.emptyTuple, _): try push(.tuple(PickleTuple([])))
        case (.emptyDict, _): try push(.dict(PickleDict()))
        case (.emptySet, _): try push(.set(PickleSet()))
        case (.list, _): try push(.list(PickleList(try popToMark())))
        case (.tuple, _): try push(.tuple(PickleTuple(try popToMark())))
        case (.tuple1, _): try push(.tuple(PickleTuple(try pop(1))))
        case (.tuple2, _): try push(.tuple(PickleTuple(try pop(2))))
        case (.tuple3, _): try push(.tuple(PickleTuple(try pop(3))))
        case (.dict, _): try push(.dict(try makeDict(try popToMark())))
        case (.frozenSet, _): try push(.frozenset(try makeSet(try popToMark())))
        case (.append, _):
            try requireOperands(2)
            let item = try pop()
            try append([item], to: try peek())
        case (.appends, _):
            let items = try popToMark()
            try append(items, to: try peek())
        case (.setItem, _):
            try requireOperands(3)
            let pair = try pop(2)
            try setItems(pair, in: try peek())
        case (.setItems, _):
            let items = try popToMark()
            try setItems(items, in: try peek())
        case (.addItems, _):
            let items = try popToMark()
            try addItems(items, to: try peek())
        case let (.global, .global(module, name)):
            try push(.global(module: module, name: name))
        case (.stackGlobal, _):
            let names = try pop(2)
            guard case let .string(module) = names[0], case let .string(name) = names[1] else {
                throw fail(.invalidOperands("STACK_GLOBAL needs two str values, found \(names[0].typeName) and \(names[1].typeName)"))
            }
            try push(.global(module: module, name: name))
        case (.reduce, _):
            let operands = try pop(2)
            try push(try apply(operands[0], arguments: tuple(operands[1], role: "REDUCE arguments")))
        case (.newObj, _):
            let operands = try pop(2)
            try push(try apply(operands[0], arguments: tuple(operands[1], role: "NEWOBJ arguments")))
        case (.newObjEx, _):
            let operands = try pop(3)
            guard case .dict = operands[2] else {
                throw fail(.invalidOperands("NEWOBJ_EX keyword arguments must be a dict, not \(operands[2].typeName)"))
            }
            try push(try apply(operands[0], arguments: tuple(operands[1], role: "NEWOBJ_EX arguments"), keywordArguments: operands[2]))
        case (.obj, _):
            var items = try popToMark()
            guard !items.isEmpty else { throw fail(.stackUnderflow(needed: 1, available: 0)) }
            let callable = items.removeFirst()
            try push(try apply(callable, arguments: items))
        case let (.inst, .global(module, name)):
            try push(try apply(.global(module: module, name: name), arguments: try popToMark()))
        case (.build, _):
            try requireOperands(2)
            let state = try pop()
            try build(try peek(), state: state)
        case (.persId, _), (.binPersId, _):
            throw fail(.unsupported("persistent IDs are not supported: the pickle refers to objects stored outside it (PyTorch checkpoints are made this way; load those with PyTorch)"))
        case (.nextBuffer, _):
            throw fail(.unsupported("out-of-band buffers (protocol 5 with buffer_callback) are not supported: their data is not in the file"))
        case (.readonlyBuffer, _):
            try makeReadOnly(try peek())
        case (.ext1, _), (.ext2, _), (.ext4, _):
            throw fail(.unsupported("extension codes (copyreg.add_extension) are not supported: they name objects registered in the writing program"))
        default:
            throw fail(.badArgument("unexpected argument"))
        }
    }

    // MARK: Containers

    private func append(_ items: [PickleValue], to target: PickleValue) throws {
        switch target {
        case let .list(list): list.items += items
        case let .object(object): object.appendedItems += items
        default:
            guard !items.isEmpty else { return }
            throw fail(.invalidOperands("can only append to a list, not to a \(target.typeName)"))
        }
    }

    private func setItems(_ items: [PickleValue], in target: PickleValue) throws {
        guard items.count % 2 == 0 else {
            throw fail(.invalidOperands("odd number of items (\(items.count)): keys and values must come in pairs"))
        }
        switch target {
        case let .dict(dict):
            for index in stride(from: 0, to: items.count, by: 2) {
                try insert(items[index], items[index + 1], into: dict)
            }
        case let .object(object):
            for index in stride(from: 0, to: items.count, by: 2) {
                object.setItems.append((key: items[index], value: items[index + 1]))
            }
        default:
            guard !items.isEmpty else { return }
            throw fail(.invalidOperands("can only set items in a dict, not in a \(target.typeName)"))
        }
    }

    private func addItems(_ items: [PickleValue], to target: PickleValue) throws {
        guard case let .set(set) = target else {
            guard !items.isEmpty else { return }
            throw fail(.invalidOperands("can only add items to a set, not to a \(target.typeName)"))
        }
        for item in items { try insert(item, into: set) }
    }

    private func makeDict(_ items: [PickleValue]) throws -> PickleDict {
        let dict = PickleDict()
        try setItems(items, in: .dict(dict))
        return dict
    }

    private func makeSet(_ items: [PickleValue]) throws -> PickleSet {
        let set = PickleSet()
        for item in items { try insert(item, into: set) }
        return set
    }

    private func insert(_ key: PickleValue, _ value: PickleValue, into dict: PickleDict) throws {
        do { try dict.set(key, value) } catch {
            throw fail(.invalidOperands("unhashable type '\(error.typeName)' used as a dict key"))
        }
    }

    private func insert(_ item: PickleValue, into set: PickleSet) throws {
        do { try set.insert(item) } catch {
            throw fail(.invalidOperands("unhashable type '\(error.typeName)' added to a set"))
        }
    }

    // MARK: Objects

    private func tuple(_ value: PickleValue, role: String) throws -> [PickleValue] {
        guard let items = value.tupleItems else { throw fail(.invalidOperands("\(role) must be a tuple, not \(value.typeName)")) }
        return items
    }

    /// READONLY_BUFFER: CPython makes a read-only memoryview of the value on top, unless it
    /// is read-only already (bytes). This reader has no memoryview value.
    private func makeReadOnly(_ value: PickleValue) throws {
        switch value {
        case .bytes: return
        case .bytearray, .ndarray:
            throw fail(.unsupported("a read-only memoryview of a \(value.typeName) value is not supported"))
        default:
            throw fail(.invalidOperands("READONLY_BUFFER needs a bytes-like value, not \(value.typeName)"))
        }
    }

    private func apply(_ callable: PickleValue, arguments: [PickleValue], keywordArguments: PickleValue? = nil) throws -> PickleValue {
        do {
            return try Reconstructor.apply(callable, arguments: arguments, keywordArguments: keywordArguments, creator: current.opcode,
                                           mapsPythonTwoNames: currentProtocol < 3)
        } catch {
            throw fail(error.isArrayProblem ? .badArray(error.reason) : .invalidOperands(error.reason))
        }
    }

    private func build(_ target: PickleValue, state: PickleValue) throws {
        do {
            switch target {
            case let .ndarray(array): if !array.isScalar { try array.setState(state) }
            case let .dtype(dtype): try dtype.setState(state)
            case let .object(object): object.state = state
            default:
                // Python's default for objects without __setstate__: a None state (or None
                // with no slot attributes) changes nothing; anything else would set
                // attributes, which builtin values do not have.
                guard state.isEmptyInstanceState, !Reconstructor.isNumpyGlobal(target, "numpy", "ndarray"),
                      !Reconstructor.isNumpyGlobal(target, "numpy", "dtype") else {
                    throw fail(.invalidOperands("BUILD cannot set the state of a \(target.typeName)"))
                }
            }
        } catch let error as Reconstructor.Failure {
            throw fail(.badArray(error.reason))
        } catch let error as DTypeError {
            throw fail(.badArray(error.description))
        }
    }

    // MARK: Stack and memo

    private mutating func push(_ value: PickleValue) throws {
        valuesCreated += 1
        guard valuesCreated <= limits.maximumValues else {
            throw fail(.limitExceeded("the pickle creates more than \(limits.maximumValues) values (UnpicklerLimits.maximumValues)"))
        }
        stack.append(value)
    }

    /// Values above the topmost MARK.
    private var availableAboveMark: Int { stack.count - (marks.last ?? 0) }

    private func requireOperands(_ count: Int) throws {
        guard availableAboveMark >= count else {
            if stack.count >= count { throw fail(.markSplitsOperands(needed: count, aboveMark: availableAboveMark)) }
            throw fail(.stackUnderflow(needed: count, available: stack.count))
        }
    }

    private mutating func pop() throws -> PickleValue {
        try requireOperands(1)
        return stack.removeLast()
    }

    /// The top `count` values, in stack order (deepest first).
    private mutating func pop(_ count: Int) throws -> [PickleValue] {
        try requireOperands(count)
        let values = Array(stack.suffix(count))
        stack.removeLast(count)
        return values
    }

    private func peek() throws -> PickleValue {
        try requireOperands(1)
        return stack[stack.count - 1]
    }

    /// The values above the topmost MARK, removing them and the MARK.
    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail(.missingMark) }
        let values = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return values
    }

    private mutating func store(key: Int64) throws {
        guard key >= 0 else { throw fail(.badMemoKey("negative memo key \(key)")) }
        guard key <= Int64(limits.maximumMemoKey) else {
            throw fail(.badMemoKey("memo key \(key) is above the limit of \(limits.maximumMemoKey)"))
        }
        let value = try peek()
        if memo[Int(key)] == nil, memo.count >= limits.maximumMemoEntries {
            throw fail(.limitExceeded("the memo would hold more than \(limits.maximumMemoEntries) entries (UnpicklerLimits.maximumMemoEntries)"))
        }
        memo[Int(key)] = value
    }

    private func intArgument() throws -> Int64 {
        guard case let .int(value) = current.argument else { throw fail(.badArgument("expected an integer argument")) }
        return value
    }

    private func fail(_ kind: PickleError.Kind) -> PickleError {
        PickleError(offset: current.offset, opcode: current.opcode, kind: kind)
    }
}

private extension PickleValue {
    /// Whether BUILD with this state sets nothing: None, or (None, {}).
    var isEmptyInstanceState: Bool {
        if case .none = self { return true }
        guard let items = tupleItems, items.count == 2, case .none = items[0], case let .dict(slots) = items[1] else { return false }
        return slots.count == 0
    }
}
