import Dispatch
import Glibc
import Synchronization

/// Removes unfinished outputs when the program is interrupted (SIGINT, SIGTERM, SIGHUP),
/// then exits with 128 + the signal number, as a shell reports a signal death.
///
/// The atomic writers register their temporary paths while they exist. The signals are
/// handled by a Dispatch source, on an ordinary thread rather than inside a signal
/// handler, so the cleanup may allocate and call anything. (SIGKILL cannot be caught: a
/// killed run leaves its `.NAME.tmp-PID` behind, but never a partial destination; the next
/// write to that destination removes it, see `StaleTemporaries`.)
public enum InterruptCleanup {
    private static let pending = Mutex<[String: Int]>([:])
    /// Set by `deferInterrupts()`: a signal then only raises `interruptRequested`.
    private static let deferring = Mutex(false)
    private static let requested = Mutex(false)
    /// Kept alive for the life of the program; written once, by `install()`.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Starts handling the signals; call once, early in the program.
    public static func install() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if deferring.withLock({ $0 }) {
                    requested.withLock { $0 = true }
                    return
                }
                let paths = pending.withLock { Array($0.keys) }
                for path in paths { removeTree(path) }
                // _exit, not exit: other threads may still be working (hashing, say), and
                // exit's teardown of libraries under them could crash the process.
                fflush(nil)
                _exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// From now on an interrupt does not end the program: it sets `interruptRequested`,
    /// for a long job (training) to stop at a safe point, save, and exit itself.
    public static func deferInterrupts() {
        deferring.withLock { $0 = true }
    }

    /// Whether an interrupt arrived since `deferInterrupts()`.
    public static var interruptRequested: Bool { requested.withLock { $0 } }

    /// Marks `path` as unfinished output, to remove if interrupted.
    static func register(_ path: String) {
        pending.withLock { $0[path, default: 0] += 1 }
    }

    /// `path` is finished (renamed into place) or already removed.
    static func unregister(_ path: String) {
        pending.withLock { paths in
            if let count = paths[path], count > 1 { paths[path] = count - 1 } else { paths[path] = nil }
        }
    }
}
