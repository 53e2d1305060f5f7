// GEMMProduct and GEMMTiles: one `cblas_sgemm` call cut into rectangles of C that the
// CPU backend's two threads share (`inPieces`).
//
// A rectangle of C needs only the matching rows of op(A) and columns of op(B), and each
// element of C is still one sum over k, so C computed in rectangles is C computed whole.
// The cut is a function of the shape alone, never of the thread count or of which thread
// took which rectangle, so the same product gives the same bits every run.

import COpenBLAS

/// One `cblas_sgemm` call's operands, to compute any rectangle of C.
struct GEMMProduct: @unchecked Sendable {
    let a: UnsafePointer<Float>?, lda: Int, transposeA: Bool
    let b: UnsafePointer<Float>?, ldb: Int, transposeB: Bool
    let c: UnsafeMutablePointer<Float>?, ldc: Int
    let k: Int
    let alpha: Float, beta: Float

    /// C[rows, columns] = alpha·op(A)[rows, :]·op(B)[:, columns] + beta·C[rows, columns].
    func run(rows: Range<Int>, columns: Range<Int>) {
        guard !rows.isEmpty, !columns.isEmpty, let a, let b, let c else { return }
        // op(A)'s row i is A's row i, or A's column i when transposed; likewise for B's columns.
        let aStart = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
        let bStart = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(rows.count), Int32(columns.count), Int32(k),
            alpha, aStart, Int32(lda),
            bStart, Int32(ldb),
            beta, c + rows.lowerBound * ldc + columns.lowerBound, Int32(ldc))
    }
}

/// An m×n product's C cut into rectangles (tiles) for two threads to share.
///
/// - When a strip of `columnGrain` columns is a small product, C is cut into strips of
///   columns, each at most `smallProductMultiplyAdds` multiply-adds, so each goes to
///   OpenBLAS's small-matrix kernels, which skip packing the operands (on the processors it
///   has them for). At the MLP's shapes (20×784 by 784×500, and 784×20 by 20×500) the strips
///   together take about two thirds of the time of the whole, and sixteen strips let the
///   threads finish together, where fixed halves left one waiting for the other.
/// - A larger wide product (evaluating a 500-row block) is cut into two column halves:
///   OpenBLAS packs each operand once per call, so narrow strips would repack A each time.
/// - A product too narrow to cut into columns (logistic regression's 10 classes) is cut
///   into an even number of blocks of rows, small products where possible.
struct GEMMTiles {
    /// Column cuts fall on multiples of this, OpenBLAS's widest register block.
    static let columnGrain = 16
    /// Products of at most this many multiply-adds go to OpenBLAS's small-matrix kernels.
    static let smallProductMultiplyAdds = 1_000_000
    /// Strips of columns are at most this wide: the last strip is the longest one thread
    /// can wait for the other. At the MLP's shapes 32 columns beat 48 by about 3 % of the
    /// epoch, and 16 lose it again to the cost of each call.
    static let widestStrip = 32

    let rows: Int, columns: Int
    /// Every tile is `tileRows`×`tileColumns` but the last of a row or column of tiles.
    let tileRows: Int, tileColumns: Int

    init(rows m: Int, columns n: Int, k: Int) {
        rows = m
        columns = n
        let grain = Self.columnGrain
        if n >= 2 * grain {
            tileRows = m
            // Half of C's columns, rounded up to the grain: the widest tile that still gives
            // both threads work.
            let half = ((n + 1) / 2 + grain - 1) / grain * grain
            let stripWidth = min(Self.widestStrip, Self.smallProductMultiplyAdds / max(m * k, 1) / grain * grain)
            tileColumns = stripWidth >= grain ? min(stripWidth, half) : half
        } else {
            // An even number of blocks of equal height (within one row), so that the two
            // threads get the same work: logistic regression's 600 rows in blocks of at most
            // 127 rows had been five blocks, three for one thread and two for the other.
            tileColumns = n
            let tallest = max(1, Self.smallProductMultiplyAdds / max(n * k, 1))
            let blocks = 2 * ((m + 2 * tallest - 1) / (2 * tallest))
            tileRows = max(1, (m + blocks - 1) / blocks)
        }
    }

    private var rowTiles: Int { (rows + tileRows - 1) / tileRows }
    private var columnTiles: Int { (columns + tileColumns - 1) / tileColumns }

    /// Number of tiles.
    var count: Int { rowTiles * columnTiles }

    /// Tile `index`, counting along rows of tiles.
    subscript(index: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        let (tileRow, tileColumn) = index.quotientAndRemainder(dividingBy: columnTiles)
        let rowStart = tileRow * tileRows, columnStart = tileColumn * tileColumns
        return (rowStart..<min(rowStart + tileRows, rows), columnStart..<min(columnStart + tileColumns, columns))
    }
}
