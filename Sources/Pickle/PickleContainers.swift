/// A Python tuple. A reference type only so that deep nesting can be torn down without
/// recursion; its items never change after it is built.
public final class PickleTuple {
    public internal(set) var items: [PickleValue]
    public init(_ items: [PickleValue]) { self.items = items }
    func takeChildren() -> [PickleValue] { defer { items = [] }; return items }
    deinit { PickleValue.dismantle(&items) }
}

/// A Python list: one object, however many places refer to it.
public final class PickleList {
    public internal(set) var items: [PickleValue]
    public init(_ items: [PickleValue] = []) { self.items = items }
    func takeChildren() -> [PickleValue] { defer { items = [] }; return items }
    deinit { PickleValue.dismantle(&items) }
}

/// A Python dict: entries in insertion order. Setting an existing key (by Python's
/// equality: `1`, `1.0` and `True` are one key) replaces the value and keeps the position.
public final class PickleDict {
    public private(set) var keys: [PickleValue] = []
    public private(set) var values: [PickleValue] = []
    private var index: [PickleKey: Int] = [:]

    public init() {}

    public var count: Int { keys.count }

    /// The entries in insertion order.
    public var entries: Zip2Sequence<[PickleValue], [PickleValue]> { zip(keys, values) }

    /// Sets `key` to `value`, or throws for keys Python cannot hash.
    public func set(_ key: PickleValue, _ value: PickleValue) throws(UnhashableKeyError) {
        let hashKey = try PickleKey(key)
        if let position = index[hashKey] {
            values[position] = value
        } else {
            index[hashKey] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    /// The value stored under `key`, if any (by Python's equality).
    public func value(forKey key: PickleValue) -> PickleValue? {
        guard let hashKey = try? PickleKey(key), let position = index[hashKey] else { return nil }
        return values[position]
    }

    func takeChildren() -> [PickleValue] {
        defer { keys = []; values = []; index = [:] }
        return keys + values
    }

    deinit {
        index = [:]
        PickleValue.dismantle(&keys)
        PickleValue.dismantle(&values)
    }
}

/// A Python set or frozenset: items in the order first added, duplicates dropped.
public final class PickleSet {
    public private(set) var items: [PickleValue] = []
    private var members: Set<PickleKey> = []

    public init() {}

    /// Adds `item` unless an equal one is present. Throws for unhashable items.
    public func insert(_ item: PickleValue) throws(UnhashableKeyError) {
        if members.insert(try PickleKey(item)).inserted { items.append(item) }
    }

    func takeChildren() -> [PickleValue] {
        defer { items = []; members = [] }
        return items
    }

    deinit {
        members = []
        PickleValue.dismantle(&items)
    }
}

/// An object the reader does not reconstruct: what would have been called, with what, and
/// the state and items later given to it. It can be shown but never run.
public final class PickleObject {
    /// What created it: REDUCE, NEWOBJ, NEWOBJ_EX, OBJ or INST.
    public let creator: Opcode
    /// The callable or class (usually a `.global`).
    public private(set) var callable: PickleValue
    /// The positional arguments (a tuple).
    public private(set) var arguments: PickleValue
    /// Keyword arguments (NEWOBJ_EX), if any.
    public private(set) var keywordArguments: PickleValue?
    /// The state given by BUILD, if any.
    public internal(set) var state: PickleValue?
    /// Items given by APPEND/APPENDS, as to a list subclass.
    public internal(set) var appendedItems: [PickleValue] = []
    /// Pairs given by SETITEM/SETITEMS, as to a dict subclass.
    public internal(set) var setItems: [(key: PickleValue, value: PickleValue)] = []

    init(creator: Opcode, callable: PickleValue, arguments: PickleValue, keywordArguments: PickleValue? = nil) {
        self.creator = creator
        self.callable = callable
        self.arguments = arguments
        self.keywordArguments = keywordArguments
    }

    /// "instance of module.name", for messages.
    public var typeDescription: String {
        if case let .global(module, name) = callable { return "\(module).\(name) object" }
        return "object"
    }

    /// Empties the object and returns every value it held.
    func takeChildren() -> [PickleValue] {
        var children: [PickleValue] = [callable, arguments]
        if let keywordArguments { children.append(keywordArguments) }
        if let state { children.append(state) }
        children += appendedItems
        for pair in setItems { children += [pair.key, pair.value] }
        callable = .none
        arguments = .none
        keywordArguments = nil
        appendedItems = []
        setItems = []
        state = nil
        return children
    }

    deinit {
        var children = takeChildren()
        PickleValue.dismantle(&children)
    }
}
