import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body`; a library error (bad input) is printed on stderr as one line and ends the
/// program with exit code 1. Usage errors stay with ArgumentParser (exit code 2).
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        var standardError = StandardError()
        print("mnist-tools: error: \(error)", to: &standardError)
        throw ExitCode(1)
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var text = string
        text.withUTF8 { bytes in
            _ = Glibc.write(2, bytes.baseAddress, bytes.count)
        }
    }
}
