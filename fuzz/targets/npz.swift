/// NumPy's `.npz` reader (`NPZFile.read`: the zip directory, stored and deflated members,
/// CRC-32, then each member's `.npy`): a value or an `MNISTToolsError`. Every array's data,
/// a view of the input or of an inflated member, is read.
import MNISTTools
import Pickle

func fuzzOneInput(_ input: UnsafeRawBufferPointer) {
    guard let members = valueOrError(MNISTToolsError.self, { try NPZFile.read(ByteSlice(copying: input), path: "fuzz.npz") }) else {
        return
    }
    for member in members { touchData(of: member.array) }
}
