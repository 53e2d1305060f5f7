import Glibc

/// What `export-png` does: picks digits from one split, turns them into PNG pictures (one
/// per digit, or one contact sheet with a caption file) and writes them atomically.
///
/// Digits are read one at a time with `ImageBlock.grayLevels(image:)`, so a memory-mapped
/// dataset folder is touched only where the chosen digits lie.
public struct DigitExport {
    /// Which digits of the split.
    public enum Selection: Equatable {
        /// One digit.
        case index(Int)
        /// The digits at these indices, in order.
        case range(Range<Int>)
        /// The first `count` digits with this label, in index order.
        case label(Int, count: Int)
    }

    /// One file written, for the caller to report.
    public struct WrittenFile: Equatable {
        public enum Kind: Equatable {
            /// One digit: its index and label.
            case digit(index: Int, label: Int)
            /// A contact sheet of `cells` digits in `rows` × `columns` cells.
            case sheet(cells: Int, rows: Int, columns: Int)
            /// The caption file of a sheet, one line per cell.
            case caption(cells: Int)
        }
        public let path: String
        public let width: Int
        public let height: Int
        public let kind: Kind
    }

    public var split: String
    public var selection: Selection
    /// `--index`: the file to write (or a folder to write it in); `--range`/`--label`
    /// without a grid: the folder for the files, created if missing; with a grid: the sheet's
    /// path (or a folder for it). Nil: the current directory with default names.
    public var output: String?
    /// Cells per row of a contact sheet; nil writes one file per digit.
    public var gridColumns: Int?
    public var scale: Int
    public var invert: Bool
    /// Replace existing files; otherwise an existing output stops everything before any
    /// file is written.
    public var overwrite: Bool

    public init(split: String = "train", selection: Selection = .index(0), output: String? = nil, gridColumns: Int? = nil,
                scale: Int = 1, invert: Bool = false, overwrite: Bool = false) {
        self.split = split
        self.selection = selection
        self.output = output
        self.gridColumns = gridColumns
        self.scale = scale
        self.invert = invert
        self.overwrite = overwrite
    }

    /// The default name of digit `index`: `train-00042-label5.png` (the index padded to five
    /// digits).
    public static func digitFileName(split: String, index: Int, label: Int) -> String {
        let digits = String(index)
        return "\(safeName(split))-\(String(repeating: "0", count: max(0, 5 - digits.count)))\(digits)-label\(label).png"
    }

    /// The default name of a contact sheet: `train-grid-0-19.png` (first and last index).
    public static func sheetFileName(split: String, first: Int, last: Int) -> String {
        "\(safeName(split))-grid-\(first)-\(last).png"
    }

    /// The caption file beside a sheet: its path with `.png` replaced by `.txt` (or `.txt`
    /// added when it does not end in `.png`).
    public static func captionPath(forSheet path: String) -> String {
        path.hasSuffix(".png") ? String(path.dropLast(4)) + ".txt" : path + ".txt"
    }

    /// The caption text: one line per cell, `ROW COLUMN INDEX LABEL` (rows and columns
    /// counted from 0), in cell order.
    public static func captionText(indices: [Int], labels: [Int], gridColumns: Int) -> String {
        var text = ""
        for (cell, index) in indices.enumerated() {
            text += "\(cell / gridColumns) \(cell % gridColumns) \(index) \(labels[index])\n"
        }
        return text
    }

    /// The indices chosen in `split`; an index outside the split, or too few digits with the
    /// label, is an error naming the split, its size and `source`.
    public func indices(in split: DatasetSplit, source: String) throws(MNISTToolsError) -> [Int] {
        let size = split.count
        let field = "split '\(split.name)'"
        func outOfRange(_ what: String) -> MNISTToolsError {
            .invalidData(path: source, field: field,
                         reason: "\(what) is out of range: the split has \(size) digits\(size > 0 ? " (indices 0…\(size - 1))" : "")")
        }
        switch selection {
        case let .index(index):
            guard index >= 0, index < size else { throw outOfRange("index \(index)") }
            return [index]
        case let .range(range):
            guard range.lowerBound >= 0, range.upperBound <= size else { throw outOfRange("range \(range.lowerBound)..<\(range.upperBound)") }
            return Array(range)
        case let .label(label, count):
            var found: [Int] = []
            for (index, value) in split.labels.values.enumerated() where value == label {
                found.append(index)
                if found.count == count { break }
            }
            guard found.count == count else {
                throw .invalidData(path: source, field: field,
                                   reason: "asked for \(count) digits with label \(label), but its \(size) digits have only \(found.count)")
            }
            return found
        }
    }

    /// Writes the pictures from the split of `dataset` (read from `source`, named in
    /// errors), calling `wrote` for each file. Every output path is checked before the
    /// first file is written, and the files are put in place together at the end, so an
    /// error leaves none of them.
    public func run(dataset: Dataset, source: String, wrote: (WrittenFile) -> Void) throws {
        guard let split = dataset.split(named: self.split) else {
            throw MNISTToolsError.invalidData(path: source, field: "split",
                                              reason: "no split named '\(self.split)'; the splits are \(dataset.splits.map(\.name).joined(separator: ", "))")
        }
        guard (1...DigitImages.maximumScale).contains(scale) else {
            throw MNISTToolsError.invalidData(path: source, field: "scale", reason: "scale must lie in 1…\(DigitImages.maximumScale), not \(scale)")
        }
        let indices = try indices(in: split, source: source)
        let labels = split.labels.values
        let images = split.images

        if let gridColumns {
            let size = try DigitImages.sheetSize(cellCount: indices.count, rows: images.rows, columns: images.columns,
                                                 gridColumns: gridColumns, scale: scale)
            let defaultName = Self.sheetFileName(split: split.name, first: indices[0], last: indices[indices.count - 1])
            let sheetPath = filePath(defaultName: defaultName)
            let captionPath = Self.captionPath(forSheet: sheetPath)
            try checkFree([sheetPath, captionPath])
            let sheet = try DigitImages.contactSheet(cellCount: indices.count, rows: images.rows, columns: images.columns,
                                                     gridColumns: gridColumns, scale: scale, invert: invert) { cell in
                images.grayLevels(image: indices[cell])
            }
            let caption = Self.captionText(indices: indices, labels: labels, gridColumns: size.columns)
            try AtomicOutputFile.commit([
                try AtomicFile.stage(try sheet.pngBytes(), to: sheetPath, overwrite: overwrite),
                try AtomicFile.stage(Array(caption.utf8), to: captionPath, overwrite: overwrite),
            ])
            wrote(WrittenFile(path: sheetPath, width: sheet.width, height: sheet.height,
                              kind: .sheet(cells: indices.count, rows: size.rows, columns: size.columns)))
            wrote(WrittenFile(path: captionPath, width: 0, height: 0, kind: .caption(cells: indices.count)))
            return
        }

        // --index names a file; --range and --label a folder, whatever the count.
        var folder: String?
        let paths: [String]
        if case .index = selection {
            paths = [filePath(defaultName: Self.digitFileName(split: split.name, index: indices[0], label: labels[indices[0]]))]
        } else {
            folder = output ?? "."
            paths = indices.map { join(folder!, Self.digitFileName(split: split.name, index: $0, label: labels[$0])) }
        }
        try checkFree(paths)
        let madeFolder = try folder.map(makeFolder) ?? false
        do {
            let written = try writeDigits(indices, to: paths, images: images, labels: labels)
            // The files' names were flushed with the folder; a folder made here needs its
            // own name flushed in its parent.
            if let folder, madeFolder {
                let parent = splitPath(folder.hasSuffix("/") ? String(folder.dropLast()) : folder).0
                try? syncDirectory(parent, destination: folder)
            }
            for file in written { wrote(file) }
        } catch {
            // The run leaves nothing behind: not even the folder it made (now empty again).
            if let folder, madeFolder { _ = rmdir(folder) }
            throw error
        }
    }

    /// Writes one picture per digit, all put in place together at the end: an error on any
    /// (a full disk) leaves none of them.
    private func writeDigits(_ indices: [Int], to paths: [String], images: ImageBlock, labels: [Int]) throws -> [WrittenFile] {
        var staged: [AtomicOutputFile] = []
        var written: [WrittenFile] = []
        for (index, path) in zip(indices, paths) {
            let picture = try DigitImages.digit(images.grayLevels(image: index), rows: images.rows, columns: images.columns,
                                                scale: scale, invert: invert)
            staged.append(try AtomicFile.stage(try picture.pngBytes(), to: path, overwrite: overwrite))
            written.append(WrittenFile(path: path, width: picture.width, height: picture.height, kind: .digit(index: index, label: labels[index])))
        }
        try AtomicOutputFile.commit(staged)
        return written
    }

    /// The path of a single output file: `output` itself, or `defaultName` inside it when it
    /// is a folder (or ends in "/"), or in the current directory when there is no `output`.
    private func filePath(defaultName: String) -> String {
        guard let output else { return defaultName }
        if output.hasSuffix("/") || Self.isDirectory(output) { return join(output, defaultName) }
        return output
    }

    /// Refuses existing files unless overwriting.
    private func checkFree(_ paths: [String]) throws {
        guard !overwrite else { return }
        for path in paths where AtomicFile.exists(path) { throw MNISTToolsError.outputExists(path: path) }
    }

    /// Creates `folder` (one level) unless it is already a folder; whether it made it.
    private func makeFolder(_ folder: String) throws -> Bool {
        if Self.isDirectory(folder) { return false }
        guard mkdir(folder, 0o777) == 0 else {
            throw MNISTToolsError.cannotWrite(path: folder, reason: systemErrorMessage(errno))
        }
        return true
    }

    private func join(_ folder: String, _ name: String) -> String {
        if folder == "." { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// A split name usable in a file name: "/" becomes "_".
    private static func safeName(_ split: String) -> String {
        String(split.map { $0 == "/" ? "_" : $0 })
    }
}
