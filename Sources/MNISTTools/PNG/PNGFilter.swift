/// PNG's five scan-line filters (specification, section 9), undone in place.
///
/// Each scan line is a filter-type byte and then the filtered bytes. For byte x of a line,
/// a is the byte `distance` to its left (bytes per pixel, at least 1), b the byte above it
/// (same position in the previous line of the same pass) and c the byte above a; missing
/// ones count as 0. Decoding adds a predictor, modulo 256:
///
///     0 None     x          2 Up       x + b        4 Paeth    x + whichever of a, b, c is
///     1 Sub      x + a      3 Average  x + ⌊(a + b) / 2⌋       nearest p = a + b − c (a, b, c on ties)
enum PNGFilter {
    /// Undoes the filter of the scan line whose filter-type byte is `data[line]` and whose
    /// `length` bytes follow it, given the (already decoded) previous line of the pass whose
    /// filter-type byte is at `previous`, or nil for a pass's first line. Returns false,
    /// changing nothing, when the filter type is not 0…4.
    static func unfilter(_ data: inout [UInt8], line: Int, length: Int, previous: Int?, distance: Int) -> Bool {
        precondition(line >= 0 && length >= 0 && line + 1 + length <= data.count, "scan line outside the data")
        precondition(previous.map { $0 >= 0 && $0 + length < line } ?? true, "previous line must come before the line")
        precondition(distance >= 1, "distance is at least 1")
        let kind = data[line]
        guard kind <= 4 else { return false }
        if kind == 0 || length == 0 { return true }
        data.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let x = base + line + 1
            // The first line of a pass has no line above: b = c = 0.
            let above = previous.map { UnsafePointer(base + $0 + 1) }
            switch (kind, above) {
            case (1, _):
                for i in distance..<max(distance, length) { x[i] &+= x[i - distance] }
            case (2, let b?):
                for i in 0..<length { x[i] &+= b[i] }
            case (3, let b?):
                for i in 0..<length {
                    let a = i >= distance ? Int(x[i - distance]) : 0
                    x[i] &+= UInt8((a + Int(b[i])) >> 1)
                }
            case (3, nil):
                for i in distance..<max(distance, length) { x[i] &+= x[i - distance] >> 1 }
            case (4, let b?):
                for i in 0..<length {
                    let hasLeft = i >= distance
                    x[i] &+= paeth(a: hasLeft ? x[i - distance] : 0, b: b[i], c: hasLeft ? b[i - distance] : 0)
                }
            case (4, nil):
                // With b = c = 0, Paeth picks a: the same as Sub.
                for i in distance..<max(distance, length) { x[i] &+= x[i - distance] }
            default:
                break  // Up with no line above adds 0.
            }
        }
        return true
    }

    /// The Paeth predictor: whichever of a, b, c is nearest to a + b − c, preferring a, then b.
    @inline(__always)
    static func paeth(a: UInt8, b: UInt8, c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }
}
