/// Structural equality: same case, equal contents, compared without recursion.
///
/// Floats are equal when `==` says so or when both are NaN; strings compare by code point
/// (not by Swift's canonical equivalence); byte strings and array data by their bytes; dicts
/// by their entries in order; sets by their items in order; opaque objects by everything they
/// record. Nested containers are compared from an explicit work list, so a value nested a
/// million levels deep compares without overflowing the stack. Cycles are handled as a
/// bisimulation: a pair of containers already under comparison is assumed equal.
extension PickleValue: Equatable {
    public static func == (lhs: PickleValue, rhs: PickleValue) -> Bool {
        var comparison = StructuralComparison()
        return comparison.equal(lhs, rhs)
    }
}

/// The work list and the pairs of containers met so far, for one `==`.
private struct StructuralComparison {
    private struct IdentityPair: Hashable {
        let left: ObjectIdentifier
        let right: ObjectIdentifier
    }

    private var work: [(PickleValue, PickleValue)] = []
    private var visited: Set<IdentityPair> = []

    mutating func equal(_ lhs: PickleValue, _ rhs: PickleValue) -> Bool {
        work.append((lhs, rhs))
        while let (left, right) = work.popLast() {
            guard compare(left, right) else { return false }
        }
        return true
    }

    /// Compares the shallow parts of one pair and queues their children.
    private mutating func compare(_ lhs: PickleValue, _ rhs: PickleValue) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none):
            return true
        case let (.bool(left), .bool(right)):
            return left == right
        case let (.int(left), .int(right)):
            return left == right
        case let (.bigInt(left), .bigInt(right)):
            return left == right
        case let (.float(left), .float(right)):
            return Self.same(left, right)
        case let (.complex(leftReal, leftImaginary), .complex(rightReal, rightImaginary)):
            return Self.same(leftReal, rightReal) && Self.same(leftImaginary, rightImaginary)
        case let (.string(left), .string(right)):
            return left.unicodeScalars.elementsEqual(right.unicodeScalars)
        case let (.py2String(left), .py2String(right)), let (.bytes(left), .bytes(right)),
             let (.bytearray(left), .bytearray(right)):
            return left == right
        case let (.global(leftModule, leftName), .global(rightModule, rightName)):
            return leftModule == rightModule && leftName == rightName
        case let (.dtype(left), .dtype(right)):
            return left.dtype == right.dtype
        case let (.tuple(left), .tuple(right)):
            return firstVisit(left, right) ? queue(left.items, right.items) : true
        case let (.list(left), .list(right)):
            return firstVisit(left, right) ? queue(left.items, right.items) : true
        case let (.dict(left), .dict(right)):
            guard firstVisit(left, right) else { return true }
            return queue(left.keys, right.keys) && queue(left.values, right.values)
        case let (.set(left), .set(right)), let (.frozenset(left), .frozenset(right)):
            return firstVisit(left, right) ? queue(left.items, right.items) : true
        case let (.ndarray(left), .ndarray(right)):
            guard firstVisit(left, right) else { return true }
            guard left.dtype == right.dtype, left.shape == right.shape, left.isFortranOrder == right.isFortranOrder else {
                return false
            }
            switch (left.storage, right.storage) {
            case let (.bytes(leftBytes), .bytes(rightBytes)): return leftBytes == rightBytes
            case let (.objects(leftItems), .objects(rightItems)): return queue(leftItems, rightItems)
            default: return false
            }
        case let (.object(left), .object(right)):
            guard firstVisit(left, right) else { return true }
            return compareObjects(left, right)
        default:
            return false
        }
    }

    private mutating func compareObjects(_ left: PickleObject, _ right: PickleObject) -> Bool {
        guard left.creator == right.creator,
              (left.keywordArguments == nil) == (right.keywordArguments == nil),
              (left.state == nil) == (right.state == nil),
              left.appendedItems.count == right.appendedItems.count,
              left.setItems.count == right.setItems.count else { return false }
        work.append((left.callable, right.callable))
        work.append((left.arguments, right.arguments))
        if let leftKeywords = left.keywordArguments, let rightKeywords = right.keywordArguments {
            work.append((leftKeywords, rightKeywords))
        }
        if let leftState = left.state, let rightState = right.state {
            work.append((leftState, rightState))
        }
        _ = queue(left.appendedItems, right.appendedItems)
        _ = queue(left.setItems.map(\.key), right.setItems.map(\.key))
        _ = queue(left.setItems.map(\.value), right.setItems.map(\.value))
        return true
    }

    /// Equal floats, or two NaNs.
    private static func same(_ left: Double, _ right: Double) -> Bool {
        left == right || (left.isNaN && right.isNaN)
    }

    /// Records the pair; false when it was met before (and so is assumed equal). The same
    /// object on both sides is always equal to itself.
    private mutating func firstVisit(_ left: AnyObject, _ right: AnyObject) -> Bool {
        guard left !== right else { return false }
        return visited.insert(IdentityPair(left: ObjectIdentifier(left), right: ObjectIdentifier(right))).inserted
    }

    /// Queues the items pairwise (first items compared first); false when the counts differ.
    private mutating func queue(_ left: [PickleValue], _ right: [PickleValue]) -> Bool {
        guard left.count == right.count else { return false }
        work.append(contentsOf: zip(left, right).reversed())
        return true
    }
}
