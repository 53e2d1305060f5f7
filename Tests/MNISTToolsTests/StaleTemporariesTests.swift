import Foundation
import Glibc
import Synchronization
import Testing
@testable import MNISTTools

/// What killed runs leave (`.NAME.tmp-PID`) and its removal by the next write; and that a
/// folder replaced again and again is never missing, not even for a moment.
@Suite struct StaleTemporariesTests {
    @Test func parsesOnlyTemporaryNames() {
        func parsed(_ name: String) -> String? {
            StaleTemporaries.parse(name).map { "\($0.name) \($0.processID)" }
        }
        #expect(parsed(".out.tmp-123") == "out 123")
        #expect(parsed(".model.npz.tmp-7") == "model.npz 7")
        #expect(parsed(".a.tmp-5.tmp-77") == "a.tmp-5 77")
        for name in ["out.tmp-123", ".out.tmp-", ".out.tmp-12x", ".out.tmp--1", ".out.tmp-0", "..tmp-5", ".out.old-5",
                     ".out.tmp-99999999999", ".out.tmp-١٢"] {
            #expect(parsed(name) == nil, "\(name)")
        }
    }

    /// The number of a process that has ended and been reaped.
    static func deadProcessID() throws -> Int32 {
        for _ in 0..<10 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/true")
            try process.run()
            process.waitUntilExit()
            let id = process.processIdentifier
            if kill(id, 0) != 0 && errno == ESRCH { return id }
        }
        throw CocoaError(.featureUnsupported)
    }

    /// A write removes its destination's temporaries whose process is gone, and only those:
    /// not a running process's, not another destination's, not names it did not make.
    @Test func writeRemovesTemporariesOfEndedRunsOnly() throws {
        let folder = try DatasetFolderTests.makeFolder()
        defer { DatasetFolderTests.remove(folder) }
        let dead = try Self.deadProcessID(), alive = getppid()
        try FileManager.default.createDirectory(atPath: "\(folder)/.out.tmp-\(dead)/sub", withIntermediateDirectories: true)
        try DatasetFolderTests.write("partial", to: "\(folder)/.out.tmp-\(dead)/sub/part")
        try FileManager.default.createDirectory(atPath: "\(folder)/.set.tmp-\(dead)", withIntermediateDirectories: true)
        let kept = [".out.tmp-\(alive)", ".other.tmp-\(dead)", ".out.tmp-\(dead)x", "out.tmp-\(dead)", ".out.old-\(dead)"]
        for name in kept { try DatasetFolderTests.write("keep", to: folder + "/" + name) }

        let output = try AtomicOutputFile(destination: folder + "/out", overwrite: false)
        #expect(try DatasetFolderTests.names(folder) == (kept + [".out.tmp-\(getpid())", ".set.tmp-\(dead)"]).sorted())
        try output.file.write([1, 2, 3])
        try output.commit()
        #expect(try DatasetFolderTests.names(folder) == (kept + ["out", ".set.tmp-\(dead)"]).sorted())

        // The same for a folder output.
        let directory = try AtomicDirectory(destination: folder + "/set", overwrite: false)
        try directory.commit()
        #expect(try DatasetFolderTests.names(folder) == (kept + ["out", "set"]).sorted())
    }

    /// While a folder is replaced a hundred times (`--force`), a reader looking at it all
    /// the time finds it there, whole, at every moment: old or new, never missing.
    @Test func replacedFolderIsNeverMissing() throws {
        let folder = try DatasetFolderTests.makeFolder()
        defer { DatasetFolderTests.remove(folder) }
        let destination = folder + "/out"
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: false)
        try DatasetFolderTests.write("0", to: destination + "/generation")

        let reader = Reader(path: destination + "/generation")
        reader.start()
        for generation in 1...100 {
            let directory = try AtomicDirectory(destination: destination, overwrite: true)
            try DatasetFolderTests.write(String(generation), to: directory.path(for: "generation"))
            try directory.commit()
        }
        let (looks, misses) = reader.stop()
        #expect(looks > 100)
        #expect(misses == 0)
        #expect(try String(contentsOfFile: destination + "/generation", encoding: .utf8) == "100")
        #expect(try DatasetFolderTests.names(folder) == ["out"])
    }

    /// Opens a path over and over on a thread of its own, counting the times it was not there.
    final class Reader: Sendable {
        let path: String
        private let stopping = Atomic(false), finished = Atomic(false)
        private let looks = Atomic(0), misses = Atomic(0)

        init(path: String) { self.path = path }

        func start() {
            Thread { [self] in
                while !stopping.load(ordering: .relaxed) {
                    // Opening resolves the whole path at once: the folder and its file.
                    let descriptor = open(path, O_RDONLY)
                    if descriptor >= 0 { close(descriptor) } else { misses.add(1, ordering: .relaxed) }
                    looks.add(1, ordering: .relaxed)
                }
                finished.store(true, ordering: .releasing)
            }.start()
        }

        /// Stops the thread; how many times it looked and how many of them it found nothing.
        func stop() -> (looks: Int, misses: Int) {
            stopping.store(true, ordering: .relaxed)
            while !finished.load(ordering: .acquiring) { usleep(1000) }
            return (looks.load(ordering: .relaxed), misses.load(ordering: .relaxed))
        }
    }

    @Test func finishingTwiceIsHarmless() throws {
        let folder = try DatasetFolderTests.makeFolder()
        defer { DatasetFolderTests.remove(folder) }
        let file = try OutputFile(creating: folder + "/a", reportingAs: folder + "/final")
        #expect(file.path == folder + "/final")
        try file.write([1, 2, 3])
        try file.finish()
        try file.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/a")) == Data([1, 2, 3]))
    }
}
