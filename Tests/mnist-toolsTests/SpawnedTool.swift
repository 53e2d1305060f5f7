import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program started with `posix_spawn` that the test watches and may kill at a moment of
/// its choosing.
///
/// The test reaps the process itself (`waitpid`), so until `wait` a finished process stays
/// a zombie and its number cannot be reused: a kill can never reach another program.
/// Foundation's `Process` reaps on its own thread, which leaves that race open. The child
/// starts with no blocked signals and default actions for the ones the tool handles (the
/// test runner's threads block some, and a child would inherit that), as from a shell.
final class SpawnedTool {
    /// How a run ended.
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    let processID: pid_t
    private(set) var ending: Ending?
    /// Where standard output and standard error went.
    let outputPath: String, errorPath: String

    /// Starts `executable ARGUMENTS` with standard input from /dev/null and its output in
    /// `outputFolder`'s files `stdout` and `stderr`.
    init(_ executable: String, _ arguments: [String], outputFolder: String) throws {
        outputPath = outputFolder + "/stdout"
        errorPath = outputFolder + "/stderr"
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ] { sigaddset(&handled, signal) }
        posix_spawnattr_setsigdefault(&attributes, &handled)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let words = [executable] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for word in argv { free(word) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard status == 0 else { throw SpawnFailure(description: "posix_spawn \(executable): \(String(cString: strerror(status)))") }
        processID = child
    }

    deinit {
        // A test that failed midway must not leave its tool running.
        if ending == nil { kill(); wait() }
    }

    /// Whether the process has ended (reaping it if so).
    var hasEnded: Bool {
        if ending != nil { return true }
        var status: Int32 = 0
        guard waitpid(processID, &status, WNOHANG) == processID else { return false }
        ending = Self.ending(status)
        return true
    }

    /// Sends SIGKILL (harmless to a process that has ended but is not yet reaped).
    func kill() {
        _ = Glibc.kill(processID, SIGKILL)
    }

    /// Waits for the end and returns it.
    @discardableResult
    func wait() -> Ending {
        if let ending { return ending }
        var status: Int32 = 0
        while waitpid(processID, &status, 0) < 0 && errno == EINTR {}
        let ended = Self.ending(status)
        ending = ended
        return ended
    }

    var standardError: String {
        (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
    }

    var standardOutput: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Decodes a `waitpid` status (the C macros are not imported).
    private static func ending(_ status: Int32) -> Ending {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }

    struct SpawnFailure: Error, CustomStringConvertible {
        let description: String
    }
}
