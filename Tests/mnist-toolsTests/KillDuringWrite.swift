import Foundation
import MNISTTools
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Kills a command with SIGKILL at many moments of its write and checks, after each kill,
/// that every output is its old self or its complete new self, and that nothing is beside
/// it but the temporaries of killed runs (`.NAME.tmp-PID`), which the next run removes.
///
/// The moments are drawn from a seeded generator, from four families: a time after the
/// start (up to how long a run left alone took); once the watched output's temporary
/// holds a number of bytes (up to the finished size); once it is complete, a pause into
/// the commit (flushes and renames, up to how long they took in a run left alone); and
/// just after the rename. So the kills spread over the reading, the write and the commit.
enum KillDuringWrite {
    /// When to send SIGKILL.
    enum KillPoint: CustomStringConvertible {
        /// This many microseconds after the run starts.
        case afterStart(UInt64)
        /// Once the temporary holds at least this many bytes (or has been renamed), then
        /// after `pause` microseconds.
        case afterBytes(Int, pause: UInt64)
        /// Once the temporary holds all of its `bytes`, then `pause` microseconds into the
        /// commit (the last flushes and the rename).
        case inCommit(bytes: Int, pause: UInt64)
        /// This many microseconds after the temporary is renamed into place.
        case afterRename(UInt64)

        var description: String {
            switch self {
            case let .afterStart(delay): "\(delay) µs after the start"
            case let .afterBytes(bytes, pause): "\(bytes) bytes written + \(pause) µs"
            case let .inCommit(bytes, pause): "all \(bytes) bytes written + \(pause) µs"
            case let .afterRename(delay): "\(delay) µs after the rename"
            }
        }

        /// The kind of moment, for the tally.
        var family: String {
            switch self {
            case .afterStart: "after the start"
            case .afterBytes: "during the write"
            case .inCommit: "in the commit"
            case .afterRename: "after the rename"
            }
        }

        /// Whether to fire now: `sinceStart` µs into the run, with `bytes` in the temporary
        /// (nil when there is none), `renamed` once it has appeared and gone.
        func isDue(sinceStart: UInt64, bytes: Int?, renamed: Bool) -> Bool {
            switch self {
            case let .afterStart(delay): sinceStart >= delay
            case let .afterBytes(target, _), let .inCommit(target, _): renamed || (bytes ?? 0) >= target
            case .afterRename: renamed
            }
        }

        var pause: UInt64 {
            switch self {
            case .afterStart: 0
            case let .afterBytes(_, pause), let .inCommit(_, pause): pause
            case let .afterRename(delay): delay
            }
        }

        /// A quarter of the points by time, 30 % by bytes, a quarter in the commit, the rest
        /// after the rename; bounds from `reference`.
        static func random(_ reference: ReferenceRun, using generator: inout SplitMix64) -> KillPoint {
            switch Int.random(in: 0..<20, using: &generator) {
            case 0..<5:
                .afterStart(UInt64.random(in: 0...max(reference.runMicroseconds * 6 / 5, 1), using: &generator))
            case 5..<11:
                .afterBytes(Int.random(in: 1...max(reference.finalBytes, 1), using: &generator),
                            pause: UInt64.random(in: 0...300, using: &generator))
            case 11..<16:
                .inCommit(bytes: reference.finalBytes, pause: UInt64.random(in: 0...max(reference.commitMicroseconds * 3 / 2, 1), using: &generator))
            default:
                .afterRename(UInt64.random(in: 0...300, using: &generator))
            }
        }
    }

    /// What a run left alone showed: how long it took, how long from the last byte
    /// written to the rename, and the size of the finished watched output.
    struct ReferenceRun {
        var runMicroseconds: UInt64 = 0
        var commitMicroseconds: UInt64 = 0
        var finalBytes = 1
    }

    /// A command to kill, and how to judge its outputs.
    struct Scenario {
        var name: String
        /// The outputs' names in the output folder; the first one's temporary is watched.
        var outputs: [String]
        /// The command line, writing its outputs into the folder given (`--force` is added
        /// when the outputs exist beforehand).
        var arguments: (String) -> [String]
        var trials: Int
        var seed: UInt64
        /// What an output holds before a trial that replaces it.
        var old: (String) -> Snapshot
        /// Whether the file at the path is a complete new output, for outputs that differ
        /// from run to run (a checkpoint records seconds); nil compares with a run left alone.
        var isCompleteNew: ((String) throws -> Bool)? = nil
    }

    /// How the trials of a scenario ended.
    struct Tally: CustomStringConvertible {
        var scenario = ""
        var seed: UInt64 = 0
        var kills = 0
        /// Outputs found holding their old contents (replacing trials) or absent (fresh
        /// trials) after a kill: the kill came before the rename.
        var oldKept = 0, absent = 0
        /// Outputs found complete and new after a kill: it came after the rename.
        var newAfterKill = 0
        /// Outputs found neither old nor complete new: each one is a failure.
        var partial = 0
        /// Runs that finished before their kill point came.
        var finished = 0
        /// Temporaries found beside the outputs after the kills, all removed by the next runs.
        var temporariesLeft = 0
        /// Kill points by kind.
        var families: [String: Int] = [:]

        var description: String {
            let kinds = families.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return "\(scenario): \(kills + finished) kill points (seed \(seed); \(kinds)): \(kills) runs killed, \(finished) finished first; "
                + "outputs after a kill: \(oldKept) old kept, \(absent) still absent, \(newAfterKill) complete new, \(partial) partial; "
                + "\(temporariesLeft) stale temporaries seen, 0 left after the next run"
        }
    }

    /// Runs the scenario's trials and the final clean-up run; returns the tally.
    static func check(_ scenario: Scenario) throws -> Tally {
        let work = try DatasetCommandSupport.makeFolder()
        defer { DatasetCommandSupport.remove(work) }
        let reference = work + "/reference", folder = work + "/out", logs = work + "/logs"
        for path in [reference, folder, logs] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }

        // The new outputs, from a run left alone, and how long its phases took.
        let referenceTool = try SpawnedTool(CommandRunner.binary.path, scenario.arguments(reference), outputFolder: logs)
        var timing = ReferenceRun()
        var lastBytes: Int?, lastGrowth: UInt64 = 0, sawRename = false
        _ = watch(referenceTool, temporary: temporaryPath(of: reference + "/" + scenario.outputs[0], processID: referenceTool.processID)) { since, bytes, renamed in
            timing.runMicroseconds = since
            if bytes != lastBytes, bytes != nil { lastBytes = bytes; lastGrowth = since }
            if renamed, !sawRename {
                sawRename = true
                timing.commitMicroseconds = since - lastGrowth
            }
            return false
        }
        try #require(referenceTool.wait() == .exited(0), "\(referenceTool.standardError)")
        var new: [String: Snapshot] = [:]
        for name in scenario.outputs { new[name] = try Snapshot.take(reference + "/" + name) }
        timing.finalBytes = new[scenario.outputs[0]]?.byteCount ?? 1

        var tally = Tally(scenario: scenario.name, seed: scenario.seed)
        var generator = SplitMix64(state: scenario.seed)  // the same kill points on every run
        for trial in 0..<scenario.trials {
            let replacing = Bool.random(using: &generator)
            for name in scenario.outputs { try (replacing ? scenario.old(name) : .absent).write(to: folder + "/" + name) }
            let point = KillPoint.random(timing, using: &generator)
            tally.families[point.family, default: 0] += 1
            let (killed, ending, errors) = try run(scenario.arguments(folder) + (replacing ? ["--force"] : []),
                                                   watching: folder + "/" + scenario.outputs[0], at: point, logs: logs)
            let context = "\(scenario.name), trial \(trial) (\(replacing ? "replacing" : "fresh"), kill at \(point))"
            if killed { tally.kills += 1 } else {
                tally.finished += 1
                #expect(ending == .exited(0), "\(context): \(errors)")
            }
            for name in scenario.outputs {
                let path = folder + "/" + name
                let found = try Snapshot.take(path)
                if replacing && found == scenario.old(name) {
                    #expect(killed, "\(context): \(name) was not replaced by a run that finished")
                    tally.oldKept += 1
                } else if !replacing && found == .absent {
                    #expect(killed, "\(context): \(name) was not written by a run that finished")
                    tally.absent += 1
                } else if try scenario.isCompleteNew?(path) ?? (found == new[name]) {
                    if killed { tally.newAfterKill += 1 }
                } else {
                    Issue.record("\(context): \(name) is neither old nor complete new: \(found)")
                    tally.partial += 1
                }
            }
            // Beside the outputs: only temporaries of runs that are gone.
            for entry in try DatasetCommandSupport.names(in: folder) where !scenario.outputs.contains(entry) {
                #expect(isTemporary(entry, of: scenario.outputs), "\(context): left \(entry)")
                tally.temporariesLeft += 1
            }
        }

        // A run left alone removes every temporary the killed runs left, and writes the outputs.
        let final = try SpawnedTool(CommandRunner.binary.path, scenario.arguments(folder) + ["--force"], outputFolder: logs)
        #expect(final.wait() == .exited(0), "\(final.standardError)")
        #expect(try DatasetCommandSupport.names(in: folder) == scenario.outputs.sorted())
        for name in scenario.outputs {
            let path = folder + "/" + name
            #expect(try scenario.isCompleteNew?(path) ?? (Snapshot.take(path) == new[name]), "\(name) after the final run")
        }
        print("kill test: \(tally)")
        return tally
    }

    /// Runs the tool and sends SIGKILL at `point`; whether the kill ended it, how it ended
    /// and what it printed on standard error.
    private static func run(_ arguments: [String], watching output: String, at point: KillPoint,
                            logs: String) throws -> (killed: Bool, ending: SpawnedTool.Ending, errors: String) {
        let tool = try SpawnedTool(CommandRunner.binary.path, arguments, outputFolder: logs)
        let temporary = temporaryPath(of: output, processID: tool.processID)
        if watch(tool, temporary: temporary, until: point.isDue) {
            usleep(UInt32(min(point.pause, 1_000_000)))
            tool.kill()
        }
        let ending = tool.wait()
        return (ending == .signalled(SIGKILL), ending, tool.standardError)
    }

    /// Polls `temporary` (about every 50 µs) until `isDue(µs since the start, bytes in it,
    /// whether it has appeared and gone)` says so, then returns true; false if the tool
    /// ended first. A run that lasts a minute is a hung run: it is then due.
    private static func watch(_ tool: SpawnedTool, temporary: String, until isDue: (UInt64, Int?, Bool) -> Bool) -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        var appeared = false
        while !tool.hasEnded {
            let bytes = Snapshot.bytesWritten(at: temporary)
            appeared = appeared || bytes != nil
            let elapsed = (clock.now - start).components
            let microseconds = UInt64(elapsed.seconds) * 1_000_000 + UInt64(elapsed.attoseconds / 1_000_000_000_000)
            if isDue(microseconds, bytes, appeared && bytes == nil) { return true }
            if elapsed.seconds >= 60 {
                Issue.record("the run did not end within a minute")
                return true
            }
            usleep(50)
        }
        return false
    }

    /// `.NAME.tmp-PID` beside `output`: where the tool writes it until it is complete.
    static func temporaryPath(of output: String, processID: pid_t) -> String {
        let url = URL(fileURLWithPath: output)
        return url.deletingLastPathComponent().path + "/.\(url.lastPathComponent).tmp-\(processID)"
    }

    /// Whether `entry` is the temporary name of one of `outputs`.
    static func isTemporary(_ entry: String, of outputs: [String]) -> Bool {
        outputs.contains { name in
            let prefix = ".\(name).tmp-"
            return entry.hasPrefix(prefix) && entry.dropFirst(prefix.count).allSatisfy(\.isWholeNumber) && entry.count > prefix.count
        }
    }
}
