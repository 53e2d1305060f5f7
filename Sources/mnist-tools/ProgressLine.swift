#if canImport(Glibc)
import Glibc
#endif

/// A one-line status on standard error, shown only when standard error is a terminal,
/// rewritten in place and cleared at the end.
final class ProgressLine {
    private let enabled = isatty(2) == 1
    private var shown = false

    func show(_ text: String) {
        guard enabled else { return }
        var standardError = StandardError()
        print("\r\u{1B}[K" + text + "…", terminator: "", to: &standardError)
        shown = true
    }

    func clear() {
        guard shown else { return }
        var standardError = StandardError()
        print("\r\u{1B}[K", terminator: "", to: &standardError)
        shown = false
    }
}
