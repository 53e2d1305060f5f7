extension PickleValue {
    /// Releases `values` without recursing into nested containers.
    ///
    /// A container's deinit would otherwise release its children, whose deinits release
    /// theirs, one native stack frame per level: a pickle nested a million levels deep would
    /// overflow the stack when freed. Instead, every container this call holds the last
    /// reference to is emptied into one work list, so each deinit runs on an empty container.
    static func dismantle(_ values: inout [PickleValue]) {
        guard values.contains(where: \.isContainer) else {
            values = []
            return
        }
        var work = values
        values = []
        while var value = work.popLast() {
            value.moveChildrenIfUniquelyReferenced(into: &work)
        }
    }

    private var isContainer: Bool {
        switch self {
        case .tuple, .list, .dict, .set, .frozenset, .object, .ndarray: true
        default: false
        }
    }

    /// When this value holds the only reference to its container, moves the container's
    /// children into `work`, leaving the container empty. Sets `self` to `.none` first so
    /// that the uniqueness check sees only the local reference.
    private mutating func moveChildrenIfUniquelyReferenced(into work: inout [PickleValue]) {
        switch self {
        case var .tuple(box):
            self = .none
            if isKnownUniquelyReferenced(&box) { work += box.takeChildren() }
        case var .list(box):
            self = .none
            if isKnownUniquelyReferenced(&box) { work += box.takeChildren() }
        case var .dict(box):
            self = .none
            if isKnownUniquelyReferenced(&box) { work += box.takeChildren() }
        case var .set(box), var .frozenset(box):
            self = .none
            if isKnownUniquelyReferenced(&box) { work += box.takeChildren() }
        case var .object(box):
            self = .none
            if isKnownUniquelyReferenced(&box) { work += box.takeChildren() }
        case var .ndarray(box):
            self = .none
            if isKnownUniquelyReferenced(&box) { work += box.takeChildren() }
        default:
            self = .none
        }
    }
}
