import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Splits `0..<count` into one consecutive range per core (none smaller than
/// `minimumChunk`), runs `body` on them in parallel, and returns the results in order.
///
/// `body` may read shared input and write disjoint parts of shared output: each call gets
/// its own range. This is what makes the unchecked sendability below sound.
func inParallelChunks<Result>(count: Int, minimumChunk: Int = 1 << 18, _ body: (Range<Int>) -> Result) -> [Result] {
    let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    let chunks = max(1, min(cores, count / max(1, minimumChunk)))
    let perChunk = (count + chunks - 1) / chunks
    var results = [Result?](repeating: nil, count: chunks)
    results.withUnsafeMutableBufferPointer { slots in
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let slots = slots
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = min(count, chunk * perChunk)
                slots[chunk] = body(start..<min(count, start + perChunk))
            }
        }
    }
    return results.compactMap { $0 }
}
