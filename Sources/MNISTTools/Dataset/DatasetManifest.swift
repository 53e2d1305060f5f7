/// `dataset.json`: what a dataset folder holds — its splits with counts, image size,
/// pixel type and scale, class counts, each file's name and SHA-256, and the source the
/// folder was made from.
public struct DatasetManifest: Equatable {
    public static let fileName = "dataset.json"
    public static let formatName = "mnist-tools dataset"

    public struct Split: Equatable {
        public var name: String
        public var count: Int
        public var rows: Int
        public var columns: Int
        /// "uint8" (value = byte / divisor) or "float32".
        public var pixelType: String
        /// For uint8 pixels: 256 for the classic file's pixel/256, 255 otherwise.
        public var divisor: Int?
        public var imagesFile: String
        public var imagesSHA256: String
        public var labelsFile: String
        public var labelsSHA256: String
        public var classCounts: [Int]
    }

    /// "idx" or "npy": the file format of the splits.
    public var fileFormat: String
    public var classCount: Int
    public var sourcePath: String
    /// The source file's SHA-256; nil when the source was a folder or standard input.
    public var sourceSHA256: String?
    public var splits: [Split]

    public func json() -> JSONValue {
        .object([
            ("format", .string(Self.formatName)),
            ("version", .number(1)),
            ("file_format", .string(fileFormat)),
            ("classes", .number(Double(classCount))),
            ("source", .object([("path", .string(sourcePath)), ("sha256", sourceSHA256.map(JSONValue.string) ?? .null)])),
            ("splits", .array(splits.map { split in
                var pixels: [(String, JSONValue)] = [("dtype", .string(split.pixelType))]
                if let divisor = split.divisor { pixels.append(("divisor", .number(Double(divisor)))) }
                return .object([
                    ("name", .string(split.name)),
                    ("count", .number(Double(split.count))),
                    ("rows", .number(Double(split.rows))),
                    ("columns", .number(Double(split.columns))),
                    ("pixels", .object(pixels)),
                    ("images", .object([("file", .string(split.imagesFile)), ("sha256", .string(split.imagesSHA256))])),
                    ("labels", .object([("file", .string(split.labelsFile)), ("sha256", .string(split.labelsSHA256))])),
                    ("class_counts", .array(split.classCounts.map { .number(Double($0)) })),
                ])
            })),
        ])
    }

    /// Reads a manifest, checking every field; `path` names the file in errors.
    public init(json: JSONValue, path: String) throws(MNISTToolsError) {
        func field<T>(_ value: T?, _ name: String, _ expected: String) throws(MNISTToolsError) -> T {
            guard let value else { throw .invalidData(path: path, field: name, reason: "expected \(expected)") }
            return value
        }
        guard json["format"]?.string == Self.formatName else {
            throw .invalidData(path: path, field: "format", reason: "expected \"\(Self.formatName)\"")
        }
        guard json["version"]?.count == 1 else {
            throw .invalidData(path: path, field: "version", reason: "expected 1, the only version this tool writes")
        }
        fileFormat = try field(json["file_format"]?.string.flatMap { ["idx", "npy"].contains($0) ? $0 : nil }, "file_format", "\"idx\" or \"npy\"")
        classCount = try field(json["classes"]?.count, "classes", "a whole number")
        sourcePath = try field(json["source"]?["path"]?.string, "source.path", "a string")
        switch json["source"]?["sha256"] {
        case let .string(digest)?: sourceSHA256 = digest
        case .null?: sourceSHA256 = nil
        default: throw .invalidData(path: path, field: "source.sha256", reason: "expected a string or null")
        }
        var splits: [Split] = []
        for (index, entry) in try field(json["splits"]?.array, "splits", "a list").enumerated() {
            let place = "splits[\(index)]"
            if let name = entry["name"]?.string, splits.contains(where: { $0.name == name }) {
                throw .invalidData(path: path, field: "\(place).name", reason: "a second split called '\(name)'")
            }
            let pixelType = try field(entry["pixels"]?["dtype"]?.string.flatMap { ["uint8", "float32"].contains($0) ? $0 : nil },
                                      "\(place).pixels.dtype", "\"uint8\" or \"float32\"")
            let divisor = entry["pixels"]?["divisor"]?.count
            if pixelType == "uint8" { _ = try field(divisor.flatMap { $0 > 0 ? $0 : nil }, "\(place).pixels.divisor", "a positive whole number") }
            splits.append(Split(
                name: try field(entry["name"]?.string.flatMap(Self.validSplitName), "\(place).name", "a split name of letters, digits, '_' or '-'"),
                count: try field(entry["count"]?.count, "\(place).count", "a whole number"),
                rows: try field(entry["rows"]?.count, "\(place).rows", "a whole number"),
                columns: try field(entry["columns"]?.count, "\(place).columns", "a whole number"),
                pixelType: pixelType,
                divisor: pixelType == "uint8" ? divisor : nil,
                imagesFile: try field(entry["images"]?["file"]?.string.flatMap(Self.validFileName), "\(place).images.file", "a file name inside the folder"),
                imagesSHA256: try field(entry["images"]?["sha256"]?.string, "\(place).images.sha256", "a string"),
                labelsFile: try field(entry["labels"]?["file"]?.string.flatMap(Self.validFileName), "\(place).labels.file", "a file name inside the folder"),
                labelsSHA256: try field(entry["labels"]?["sha256"]?.string, "\(place).labels.sha256", "a string"),
                classCounts: try field(entry["class_counts"]?.array.flatMap(Self.wholeNumbers), "\(place).class_counts", "a list of whole numbers")
            ))
        }
        self.splits = splits
    }

    public init(fileFormat: String, classCount: Int, sourcePath: String, sourceSHA256: String?, splits: [Split]) {
        self.fileFormat = fileFormat
        self.classCount = classCount
        self.sourcePath = sourcePath
        self.sourceSHA256 = sourceSHA256
        self.splits = splits
    }

    /// Split names become file names: only letters, digits, '_' and '-'.
    static func validSplitName(_ name: String) -> String? {
        !name.isEmpty && name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0)
            || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) } ? name : nil
    }

    /// Every item as a whole number, or nil when any item is not one.
    private static func wholeNumbers(_ items: [JSONValue]) -> [Int]? {
        let numbers = items.compactMap(\.count)
        return numbers.count == items.count ? numbers : nil
    }

    /// A file name inside the folder: no path separators, not hidden.
    private static func validFileName(_ name: String) -> String? {
        !name.isEmpty && !name.contains("/") && !name.hasPrefix(".") ? name : nil
    }
}
