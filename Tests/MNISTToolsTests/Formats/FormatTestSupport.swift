import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// Temporary folders, files and `python3` runs (NumPy as the oracle) for the format tests.
enum FormatFixtures {
    /// A fresh, empty temporary folder; remove it with `removeFolder`.
    static func makeFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mnist-format-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Deletes `folder` and everything in it.
    static func removeFolder(_ folder: String) {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Writes `bytes` to `folder/name` and returns the path.
    @discardableResult
    static func write(_ bytes: [UInt8], to folder: String, name: String) throws -> String {
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The bytes of the file at `path`.
    static func contents(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Runs `python3 -c script arguments…` and returns its standard output; throws with the
    /// standard error when it fails. Scripts get `import numpy as np, json, struct, sys`.
    @discardableResult
    static func python(_ script: String, _ arguments: [String] = []) throws -> String {
        let folder = try makeFolder()
        defer { removeFolder(folder) }
        let errorPath = folder + "/stderr"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let output = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy as np, json, struct, sys, gzip, zipfile\n" + script] + arguments
        process.standardOutput = output
        process.standardError = errorHandle
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw FormatFixtureError("python3 exited with \(process.terminationStatus): \(message)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs a script that prints one JSON value, and decodes it.
    static func pythonJSON(_ script: String, _ arguments: [String] = []) throws -> Any {
        let text = try python(script, arguments)
        return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// The C-order little-endian bytes of `array` as lower-case hex (NumPy's
    /// `np.ascontiguousarray(a.astype(a.dtype.newbyteorder('<'))).tobytes().hex()`).
    static func cOrderHex(_ array: NDArray) -> String {
        array.withCOrderLittleEndianBytes { hex($0) } ?? ""
    }

    /// Bytes as lower-case hex.
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: text, as: UTF8.self)
    }

    /// The Python snippet defining `info(a)`: dtype string, shape, C-order little-endian hex
    /// and whether NumPy calls it Fortran-ordered (F-contiguous and not C-contiguous).
    static let infoFunction = """
        def info(a):
            c = np.ascontiguousarray(a.astype(a.dtype.newbyteorder('<')))
            fortran = bool(a.flags.f_contiguous and not a.flags.c_contiguous)
            return {'dtype': a.dtype.str, 'shape': list(a.shape), 'hex': c.tobytes().hex(), 'fortran': fortran}

        """

    /// Expects `body` to throw an `MNISTToolsError` whose description contains each of
    /// `mentions`, and returns the description.
    @discardableResult
    static func expectError(
        mentioning mentions: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) -> String {
        do {
            try body()
            Issue.record("expected an error mentioning \(mentions)", sourceLocation: sourceLocation)
            return ""
        } catch let error as MNISTToolsError {
            let text = error.description
            for mention in mentions where !text.contains(mention) {
                Issue.record("error \"\(text)\" does not mention \"\(mention)\"", sourceLocation: sourceLocation)
            }
            return text
        } catch {
            Issue.record("expected an MNISTToolsError, got \(error)", sourceLocation: sourceLocation)
            return ""
        }
    }
}

/// A format-test set-up failure.
struct FormatFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Whether `python3` with NumPy can be run (the oracle tests need it).
let numpyAvailable: Bool = (try? FormatFixtures.python("print(np.__version__)")) != nil
