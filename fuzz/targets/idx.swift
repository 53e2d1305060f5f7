/// LeCun's IDX reader (`IDXFile.read`, behind `convert` and every IDX folder): a value or
/// an `MNISTToolsError`. The array it returns is a view of the input: every byte is read.
import MNISTTools
import Pickle

func fuzzOneInput(_ input: UnsafeRawBufferPointer) {
    guard let array = valueOrError(MNISTToolsError.self, { try IDXFile.read(ByteSlice(copying: input), path: "fuzz.idx") }) else {
        return
    }
    touchData(of: array)
}
