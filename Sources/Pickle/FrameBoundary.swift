/// The FRAME being read (protocol 4 and later), to hold reads to PEP 3154's rule as
/// CPython's unpicklers do (the C one since 3.13.15 and 3.14.7, gh-154848): no single read
/// (an opcode's length field, payload or text line) may run past the end of the frame it
/// starts in, and a new frame may only begin where the previous one ends.
final class FrameBoundary {
    struct Frame {
        /// Offset of the FRAME opcode.
        let offset: Int
        let length: Int
        /// Offset just past the frame's last byte.
        let end: Int
    }

    private(set) var current: Frame?

    /// The end of the current frame when reading `count` bytes at `offset` would run past
    /// it. A read that starts at the end closes the frame.
    func overrun(readingAt offset: Int, count: Int) -> Int? {
        guard let frame = current else { return nil }
        if offset >= frame.end {
            current = nil
            return nil
        }
        return count > frame.end - offset ? frame.end : nil
    }

    /// Starts the frame of the FRAME opcode at `offset`, whose argument ends at `start`;
    /// returns the previous frame's end instead when that frame is not finished.
    func begin(opcodeAt offset: Int, start: Int, length: Int) -> Int? {
        if let previous = current, start < previous.end { return previous.end }
        let (end, overflow) = start.addingReportingOverflow(length)
        current = Frame(offset: offset, length: length, end: overflow ? Int.max : end)
        return nil
    }
}
