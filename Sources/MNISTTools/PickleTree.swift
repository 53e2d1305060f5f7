import Pickle

/// An indented, human-readable outline of a value: containers show their size and first
/// items, arrays their dtype and shape, long strings their start. Depth and items per
/// container are capped (and the caps can be lifted). Written with a work list, so any
/// depth is safe; a container inside itself is shown as "<recursive>".
public struct PickleTree {
    public var maximumDepth: Int
    public var maximumItems: Int

    public init(maximumDepth: Int = 6, maximumItems: Int = 12) {
        self.maximumDepth = maximumDepth
        self.maximumItems = maximumItems
    }

    private enum Task {
        case value(PickleValue, label: String, depth: Int)
        case line(String)
        case leave(ObjectIdentifier)
    }

    public func lines(_ root: PickleValue) -> [String] {
        var output: [String] = []
        var work: [Task] = [.value(root, label: "", depth: 0)]
        var path: Set<ObjectIdentifier> = []
        while let task = work.popLast() {
            switch task {
            case let .line(text): output.append(text)
            case let .leave(identifier): path.remove(identifier)
            case let .value(value, label, depth):
                let indent = String(repeating: "  ", count: depth)
                let (summary, children, identifier) = describe(value)
                guard let identifier, !children.isEmpty || containerCount(value) > 0 else {
                    output.append(indent + label + summary)
                    continue
                }
                guard path.insert(identifier).inserted else {
                    output.append(indent + label + "<recursive>")
                    continue
                }
                if depth >= maximumDepth {
                    path.remove(identifier)
                    output.append(indent + label + summary + " …")
                    continue
                }
                output.append(indent + label + summary)
                work.append(.leave(identifier))
                let total = containerCount(value)
                if total > children.count {
                    work.append(.line(indent + "  … \(total - children.count) more"))
                }
                for child in children.reversed() {
                    work.append(.value(child.value, label: child.label, depth: depth + 1))
                }
            }
        }
        return output
    }

    private func containerCount(_ value: PickleValue) -> Int {
        switch value {
        case let .tuple(tuple): tuple.items.count
        case let .list(list): list.items.count
        case let .dict(dict): dict.count
        case let .set(set), let .frozenset(set): set.items.count
        case .object: 1
        default: 0
        }
    }

    /// A one-line summary, the children to show (labelled), and the identity of a container.
    private func describe(_ value: PickleValue) -> (String, [(label: String, value: PickleValue)], ObjectIdentifier?) {
        func indexed(_ items: [PickleValue]) -> [(label: String, value: PickleValue)] {
            items.prefix(maximumItems).enumerated().map { ("[\($0.offset)] ", $0.element) }
        }
        switch value {
        case let .tuple(tuple):
            return ("tuple (\(plural(tuple.items.count, "item")))", indexed(tuple.items), ObjectIdentifier(tuple))
        case let .list(list):
            return ("list (\(plural(list.items.count, "item")))", indexed(list.items), ObjectIdentifier(list))
        case let .set(set):
            return ("set (\(plural(set.items.count, "item")))", indexed(set.items), ObjectIdentifier(set))
        case let .frozenset(set):
            return ("frozenset (\(plural(set.items.count, "item")))", indexed(set.items), ObjectIdentifier(set))
        case let .dict(dict):
            let entries = dict.entries.prefix(maximumItems).map { (label: scalarText($0.0) + ": ", value: $0.1) }
            return ("dict (\(plural(dict.count, "entry", "entries")))", entries, ObjectIdentifier(dict))
        case let .object(object):
            var children: [(label: String, value: PickleValue)] = [("args ", object.arguments)]
            if let state = object.state { children.append(("state ", state)) }
            return ("object made by \(object.creator.name) of \(scalarText(object.callable))", children, ObjectIdentifier(object))
        default:
            return (scalarText(value), [], nil)
        }
    }

    /// A short text for a value that is shown on one line.
    func scalarText(_ value: PickleValue) -> String {
        switch value {
        case .none: return "None"
        case let .bool(flag): return flag ? "True" : "False"
        case let .int(number): return String(number)
        case let .bigInt(number): return number.description
        case let .float(number): return number.isFinite ? PythonFloatFormat.repr(number) : String(number)
        case let .complex(real, imaginary): return "complex(\(real), \(imaginary))"
        case let .string(text): return "'" + shortened(text) + "'"
        case let .py2String(bytes): return "str (Python 2, \(plural(bytes.count, "byte"))) '" + shortened(bytes.latin1String) + "'"
        case let .bytes(bytes): return "bytes (\(plural(bytes.count, "byte")))"
        case let .bytearray(bytes): return "bytearray (\(plural(bytes.count, "byte")))"
        case let .global(module, name): return "global \(module).\(name)"
        case let .dtype(dtype): return "dtype \(dtype.dtype)"
        case let .ndarray(array):
            let shape = "(" + array.shape.map(String.init).joined(separator: ", ") + (array.shape.count == 1 ? ",)" : ")")
            return "ndarray \(array.dtype) \(shape)\(array.reportedOrder == "F" ? " Fortran order" : "")"
        case .tuple, .list, .dict, .set, .frozenset, .object:
            return value.typeName
        }
    }

    private func shortened(_ text: String) -> String {
        let escaped = text.unicodeScalars.prefix(60).map { $0.value < 0x20 ? "\\x" + String($0.value, radix: 16) : String($0) }.joined()
        return text.unicodeScalars.count > 60 ? escaped + "…" : escaped
    }
}

/// "1 item", "3 items".
func plural(_ count: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    "\(formatThousands(count)) \(count == 1 ? singular : pluralForm ?? singular + "s")"
}

/// 1234567 → "1,234,567".
func formatThousands(_ number: Int) -> String {
    let digits = String(number.magnitude)
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
        result.append(digit)
    }
    return (number < 0 ? "-" : "") + result
}
