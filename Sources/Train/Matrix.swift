/// A dense row-major matrix of float32 values: a minibatch of examples
/// (rows × features), a weight matrix (inputs × outputs) or a bias row (1 × outputs).
///
/// Element (r, c) is `values[r * columns + c]`, the layout of a C-order NumPy array,
/// so tutorial weights and datasets can be copied in unchanged.
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The `rows * columns` elements in row-major order. Kernels in this module
    /// write them; outside it they are read-only, so the count always matches.
    public internal(set) var values: [Float]

    /// A matrix with every element equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix whose elements are not set: for a kernel's output that the kernel writes in
    /// full, where zeroing megabytes first would cost as much as the kernel.
    init(rows: Int, columns: Int, uninitialized: Void) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = [Float](unsafeUninitializedCapacity: rows * columns) { _, count in count = rows * columns }
    }

    /// A matrix over `values` in row-major order; `values.count` must be `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)×\(columns)")
        precondition(
            values.count == rows * columns,
            "Matrix: \(values.count) values for a \(rows)×\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Element count, `rows * columns`.
    public var count: Int { values.count }

    /// The element at (`row`, `column`), both zero-based.
    public subscript(row: Int, column: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "Matrix: index (\(row), \(column)) outside \(rows)×\(columns)")
            return values[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "Matrix: index (\(row), \(column)) outside \(rows)×\(columns)")
            values[row * columns + column] = newValue
        }
    }

    /// Rows `range` as a matrix of their own.
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "Matrix: rows \(range) outside 0..<\(rows)")
        return Matrix(rows: range.count, columns: columns,
                      values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }
}
