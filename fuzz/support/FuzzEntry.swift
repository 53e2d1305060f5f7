/// What every fuzz target shares: libFuzzer's entry point and the checks the targets make.
///
/// Each file in fuzz/targets defines `fuzzOneInput(_:)`, which reads one input with one of
/// the project's readers. The reader must return a value or throw its own typed error;
/// anything else — a trap, a crash, an error of another type, a broken invariant — stops
/// the process, and libFuzzer saves the input that did it.
import Pickle

/// libFuzzer calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    fuzzOneInput(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// `read`'s value, or the error it threw when that is an `Expected`, the reader's
/// documented error type. Any other error stops the process.
func outcome<Value, Expected: Error>(_ expected: Expected.Type, _ read: () throws -> Value) -> Result<Value, Expected> {
    do {
        return .success(try read())
    } catch let error as Expected {
        return .failure(error)
    } catch {
        fatalError("\(type(of: error)) thrown where only \(Expected.self) is expected: \(error)")
    }
}

/// `read`'s value, or nil when it threw an `Expected`; see `outcome`.
func valueOrError<Value, Expected: Error>(_ expected: Expected.Type, _ read: () throws -> Value) -> Value? {
    try? outcome(expected, read).get()
}

/// Reads every byte of an array's data, so AddressSanitizer checks that a view the reader
/// handed out lies inside memory that is still allocated.
func touchData(of array: NDArray) {
    guard let bytes = array.bytes else { return }
    dataChecksum &+= bytes.withUnsafeBytes { $0.reduce(0, &+) }
}

/// Where `touchData` leaves its sums, so the optimizer cannot drop the reads.
nonisolated(unsafe) var dataChecksum: UInt8 = 0

/// Stops the process with `message` unless `condition` holds. (`precondition` would, but
/// an optimized build drops its message.)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(message()) }
}
