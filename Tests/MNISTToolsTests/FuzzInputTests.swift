import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// The fuzz targets' inputs (see fuzz/README.md) fed to the same readers through their
/// ordinary API: every input a target once failed on (fuzz/regressions/TARGET/) must now
/// read or fail with the reader's typed error, and every seed (fuzz/corpus/TARGET/) must read.
@Suite struct FuzzInputTests {
    /// A file in fuzz/regressions or fuzz/corpus, with the target whose folder holds it.
    struct Input: CustomTestStringConvertible, Sendable {
        let target: String
        let path: String
        var testDescription: String { "\(target)/\(URL(fileURLWithPath: path).lastPathComponent)" }
    }

    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz")

    /// The targets, as named by the files in fuzz/targets.
    static let targets: Set<String> = Set(contents(of: fuzzFolder.appendingPathComponent("targets"))
        .map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent })

    /// The full paths of the entries of `folder`, sorted; none when it does not exist.
    static func contents(of folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0).path }
    }

    /// Every file in fuzz/FOLDER/TARGET/, for every target folder there.
    static func inputs(in folder: String) -> [Input] {
        contents(of: fuzzFolder.appendingPathComponent(folder)).flatMap { targetFolder in
            contents(of: URL(fileURLWithPath: targetFolder)).map {
                Input(target: URL(fileURLWithPath: targetFolder).lastPathComponent, path: $0)
            }
        }
    }

    @Test func everyInputFolderNamesATarget() {
        #expect(Self.targets.isSuperset(of: ["pickle", "pickle-gzip", "idx", "npy", "npz", "png", "manifest"]))
        for input in Self.inputs(in: "regressions") + Self.inputs(in: "corpus") {
            #expect(Self.targets.contains(input.target), "\(input.path) is in a folder named after no target")
        }
    }

    @Test(arguments: inputs(in: "regressions"))
    func regressionInputReadsOrFailsWithATypedError(_ input: Input) throws {
        _ = try Self.read(input)
    }

    @Test(arguments: inputs(in: "corpus"))
    func seedInputReads(_ input: Input) throws {
        #expect(try Self.read(input) == true, "the seed \(input.testDescription) no longer reads")
    }

    /// Reads `input` as its target does: true when the reader returned a value, false when
    /// it threw its typed error. Any other error is thrown. Pickles are read both from the
    /// mapped file and as a stream, which must agree.
    static func read(_ input: Input) throws -> Bool {
        let path = input.path
        switch input.target {
        case "pickle", "pickle-gzip":
            let whole = try typed { try PickleFile.load(path: path) }
            let streamed = try typed { try PickleFile.load(path: path, options: InputOptions(forceStreaming: true)) }
            #expect((whole == nil) == (streamed == nil), "read whole: \(whole != nil), read as a stream: \(streamed != nil)")
            if let whole, let streamed { #expect(whole.value == streamed.value) }
            return whole != nil
        case "idx": return try typed { try IDXFile.read(path: path) } != nil
        case "npy": return try typed { try NPYFile.read(path: path) } != nil
        case "npz": return try typed { try NPZFile.read(path: path) } != nil
        case "png": return try typed { try PNGReader.read(path: path) } != nil
        case "manifest": return try typed { try DatasetFolder.readManifest(path) } != nil
        default: throw FixtureError("no reader for target '\(input.target)'")
        }
    }

    /// `body`'s value, or nil when it threw an `MNISTToolsError`.
    private static func typed<Value>(_ body: () throws -> Value) throws -> Value? {
        do {
            return try body()
        } catch is MNISTToolsError {
            return nil
        }
    }
}
