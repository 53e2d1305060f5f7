#if canImport(Glibc)
import Glibc
#endif

/// NVRTC, opened: compiles CUDA C source to PTX or to a CUBIN for one GPU architecture. It
/// needs no GPU, so the kernels' compilation is tested on any machine that has the library.
public struct NVRTC: Sendable {
    let functions: NVRTCFunctions
    /// Where the library was opened from.
    public let path: String

    /// What a compilation produces.
    public enum Output: Sendable {
        /// PTX text (NUL-terminated, as `cuModuleLoadData` takes it) for `compute_XY`; the
        /// driver compiles it for the GPU when loading.
        case ptx
        /// Machine code for exactly `sm_XY`.
        case cubin
    }

    /// Opens NVRTC alone, from the first place of `search` where it loads.
    public static func load(_ search: CUDALibrarySearch) throws(CUDAError) -> NVRTC {
        switch CUDALibraries.open(.nvrtc, search, bind: NVRTCFunctions.init) {
        case let .success((functions, path)): return NVRTC(functions: functions, path: path)
        case let .failure(failure): throw .librariesNotFound([failure])
        }
    }

    /// NVRTC's version, such as (12, 9).
    public var version: (major: Int, minor: Int) {
        var major: Int32 = 0, minor: Int32 = 0
        _ = functions.nvrtcVersion(&major, &minor)
        return (Int(major), Int(minor))
    }

    /// The architectures NVRTC compiles for, as compute capabilities times ten (75, 80, 90, …).
    public func supportedArchitectures() throws(CUDAError) -> [Int] {
        var count: Int32 = 0
        try functions.check(functions.nvrtcGetNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs")
        var architectures = [Int32](repeating: 0, count: Int(count))
        try functions.check(functions.nvrtcGetSupportedArchs(&architectures), "nvrtcGetSupportedArchs")
        return architectures.map(Int.init)
    }

    /// What to compile for a device of compute capability `device` (times ten): machine code
    /// when NVRTC knows the architecture, else PTX for the newest architecture below it,
    /// which the driver compiles further.
    public func target(forDevice device: Int) throws(CUDAError) -> (architecture: Int, output: Output) {
        let supported = try supportedArchitectures()
        if supported.contains(device) { return (device, .cubin) }
        guard let below = supported.filter({ $0 < device }).max() else {
            throw .unsupportedArchitecture(device: device, nvrtcSupports: supported)
        }
        return (below, .ptx)
    }

    /// Compiles `source` for `architecture` (a compute capability times ten) and returns the
    /// PTX or CUBIN bytes.
    public func compile(_ source: String, name: String, architecture: Int, output: Output) throws(CUDAError) -> [UInt8] {
        let f = functions
        var program: OpaquePointer?
        try f.check(f.nvrtcCreateProgram(&program, source, name, 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = f.nvrtcDestroyProgram(&program) }
        let options = ["--gpu-architecture=\(output == .ptx ? "compute" : "sm")_\(architecture)"]
        let status = withCStrings(options) { f.nvrtcCompileProgram(program, Int32(options.count), $0) }
        guard status == 0 else {
            throw .compilationFailed(options: options, message: f.message(status), log: log(of: program))
        }
        var size = 0
        try f.check(output == .ptx ? f.nvrtcGetPTXSize(program, &size) : f.nvrtcGetCUBINSize(program, &size), "nvrtcGetPTXSize")
        var bytes = [CChar](repeating: 0, count: size)
        try f.check(output == .ptx ? f.nvrtcGetPTX(program, &bytes) : f.nvrtcGetCUBIN(program, &bytes), "nvrtcGetPTX")
        return bytes.map { UInt8(bitPattern: $0) }
    }

    /// The compiler's log for `program`.
    private func log(of program: OpaquePointer?) -> String {
        var size = 0
        guard functions.nvrtcGetProgramLogSize(program, &size) == 0, size > 0 else { return "" }
        var text = [CChar](repeating: 0, count: size)
        guard functions.nvrtcGetProgramLog(program, &text) == 0 else { return "" }
        return String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Calls `body` with the strings as an array of C strings that live for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
