// The NVRTC API (nvrtc.h) the GPU backend uses to compile its kernels at run time, as typed
// C function pointers resolved from libnvrtc. nvrtcResult is a C int, nvrtcProgram an
// opaque pointer, size_t is Int.

/// An NVRTC status, `nvrtcResult` (0 is NVRTC_SUCCESS).
typealias NVRTCResult = Int32

/// The NVRTC functions, loaded from one libnvrtc.
struct NVRTCFunctions: @unchecked Sendable {
    let nvrtcVersion: @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> NVRTCResult
    let nvrtcGetNumSupportedArchs: @convention(c) (UnsafeMutablePointer<Int32>?) -> NVRTCResult
    let nvrtcGetSupportedArchs: @convention(c) (UnsafeMutablePointer<Int32>?) -> NVRTCResult
    /// program, source, name, header count, headers, include names.
    let nvrtcCreateProgram: @convention(c) (
        UnsafeMutablePointer<OpaquePointer?>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32,
        UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> NVRTCResult
    let nvrtcCompileProgram: @convention(c) (OpaquePointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> NVRTCResult
    let nvrtcGetPTXSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> NVRTCResult
    let nvrtcGetPTX: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?) -> NVRTCResult
    let nvrtcGetCUBINSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> NVRTCResult
    let nvrtcGetCUBIN: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?) -> NVRTCResult
    let nvrtcGetProgramLogSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> NVRTCResult
    let nvrtcGetProgramLog: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?) -> NVRTCResult
    let nvrtcDestroyProgram: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> NVRTCResult
    let nvrtcGetErrorString: @convention(c) (NVRTCResult) -> UnsafePointer<CChar>?

    init(_ library: DynamicLibrary) throws(DynamicLibrary.LoadFailure) {
        nvrtcVersion = try library.symbol("nvrtcVersion")
        nvrtcGetNumSupportedArchs = try library.symbol("nvrtcGetNumSupportedArchs")
        nvrtcGetSupportedArchs = try library.symbol("nvrtcGetSupportedArchs")
        nvrtcCreateProgram = try library.symbol("nvrtcCreateProgram")
        nvrtcCompileProgram = try library.symbol("nvrtcCompileProgram")
        nvrtcGetPTXSize = try library.symbol("nvrtcGetPTXSize")
        nvrtcGetPTX = try library.symbol("nvrtcGetPTX")
        nvrtcGetCUBINSize = try library.symbol("nvrtcGetCUBINSize")
        nvrtcGetCUBIN = try library.symbol("nvrtcGetCUBIN")
        nvrtcGetProgramLogSize = try library.symbol("nvrtcGetProgramLogSize")
        nvrtcGetProgramLog = try library.symbol("nvrtcGetProgramLog")
        nvrtcDestroyProgram = try library.symbol("nvrtcDestroyProgram")
        nvrtcGetErrorString = try library.symbol("nvrtcGetErrorString")
    }

    /// NVRTC's message for a status.
    func message(_ status: NVRTCResult) -> String {
        nvrtcGetErrorString(status).map { String(cString: $0) } ?? "NVRTC error \(status)"
    }

    /// Throws `CUDAError.nvrtcCall` for a failed status.
    func check(_ status: NVRTCResult, _ function: String) throws(CUDAError) {
        guard status != 0 else { return }
        throw CUDAError.nvrtcCall(function: function, code: status, message: message(status))
    }
}
