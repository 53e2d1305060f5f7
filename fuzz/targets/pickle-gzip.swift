/// A file read as `inspect` and `convert` read it: the input is written to a temporary file
/// and loaded by `PickleFile.load`, which tells gzip from plain bytes by content and inflates
/// gzip whole with libdeflate (falling back to a zlib stream on any doubt), then loaded again
/// with streaming forced. Both must throw an `MNISTToolsError` or read the same value; a
/// value then goes through `inspect`'s report and, when it has the classic layout,
/// `convert`'s dataset reading. Seeds are the pickle fixtures, gzipped.
import Glibc
import MNISTTools
import Pickle

func fuzzOneInput(_ input: UnsafeRawBufferPointer) {
    writeTemporaryFile(input)
    defer { unlink(temporaryPath) }
    let whole = outcome(MNISTToolsError.self) { try PickleFile.load(path: temporaryPath) }
    let streamed = outcome(MNISTToolsError.self) {
        try PickleFile.load(path: temporaryPath, options: InputOptions(forceStreaming: true))
    }
    let file: PickleFile
    switch (whole, streamed) {
    case (.failure, .failure):
        return
    case let (.failure(error), .success):
        fatalError("the stream read a pickle that the whole-file path refused: \(error)")
    case let (.success, .failure(error)):
        fatalError("the whole-file path read a pickle that the stream refused: \(error)")
    case let (.success(whole), .success(streamed)):
        require(whole.value == streamed.value, "the whole-file path and the stream read different values")
        require(whole.pickleSize == streamed.pickleSize, "the whole-file path and the stream disagree on where STOP is")
        file = whole
    }
    _ = InspectReport().lines(for: file)
    _ = PickleJSON.document(file.value, protocol: file.protocol, compression: file.compression.rawValue)
    guard let dataset = valueOrError(MNISTToolsError.self, { try DatasetLoader.classicPickle(file) }) else { return }
    for split in dataset.splits where split.count > 0 {
        _ = split.labels.classCounts
        _ = split.images.grayLevels(image: split.count - 1)
    }
}

/// One file per process, so parallel fuzzing jobs do not share it.
let temporaryPath = "\(getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")/mnist-tools-fuzz-\(getpid()).pkl"

private func writeTemporaryFile(_ bytes: UnsafeRawBufferPointer) {
    let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    require(descriptor >= 0, "cannot create \(temporaryPath)")
    defer { close(descriptor) }
    guard let start = bytes.baseAddress else { return }
    var written = 0
    while written < bytes.count {
        let result = write(descriptor, start + written, bytes.count - written)
        require(result > 0, "cannot write \(temporaryPath)")
        written += result
    }
}
