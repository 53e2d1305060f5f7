/// NumPy's `.npy` reader (`NPYFile.read`): a value or an `MNISTToolsError`. An array it
/// reads is written back with the header `np.save` would write and read again, which must
/// give the same dtype, shape, order and bytes (so `convert --format npy` keeps it).
import MNISTTools
import Pickle

func fuzzOneInput(_ input: UnsafeRawBufferPointer) {
    guard let array = valueOrError(MNISTToolsError.self, { try NPYFile.read(ByteSlice(copying: input), path: "fuzz.npy") }),
          let data = array.bytes else { return }
    touchData(of: array)
    let rewritten = NPYFile.header(dtype: array.dtype, shape: array.shape, fortran: array.reportedOrder == "F") + data.array
    guard let again = valueOrError(MNISTToolsError.self, { try NPYFile.read(ByteSlice(copying: rewritten), path: "rewritten.npy") }) else {
        fatalError("the reader refused the header written for \(array.dtype) \(array.shape)")
    }
    require(again.dtype == array.dtype && again.shape == array.shape && again.reportedOrder == array.reportedOrder
            && again.bytes == data, "writing and reading again changed the array")
}
