import Testing
import Train

@Suite("Matrix")
struct MatrixTests {
    @Test("row-major layout and subscript")
    func rowMajor() {
        var m = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(m[0, 2] == 3)
        #expect(m[1, 0] == 4)
        m[1, 2] = 60
        #expect(m.values == [1, 2, 3, 4, 5, 60])
        #expect(m.count == 6)
    }

    @Test("repeating initializer and equality")
    func repeating() {
        let a = Matrix(rows: 2, columns: 2, repeating: 0.5)
        #expect(a == Matrix(rows: 2, columns: 2, values: [0.5, 0.5, 0.5, 0.5]))
        #expect(a != Matrix(rows: 1, columns: 4, values: [0.5, 0.5, 0.5, 0.5]))
        #expect(Matrix(rows: 0, columns: 3).values.isEmpty)
    }
}
