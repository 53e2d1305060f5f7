// The part of the CUDA driver API (cuda.h) the GPU backend calls, as typed C function
// pointers resolved from libcuda.so.1 at run time. The C types are declared here, not taken
// from CUDA's headers, so nothing of CUDA is needed to build: CUresult, CUdevice and the
// attribute numbers are C ints, CUdeviceptr is a 64-bit unsigned integer, size_t is Int, and
// contexts, streams, modules and functions are opaque pointers. Where cuda.h maps a name to
// a versioned symbol (`#define cuMemAlloc cuMemAlloc_v2`), the versioned symbol is loaded.

/// A CUDA driver API status, `CUresult` (0 is CUDA_SUCCESS).
typealias CUresult = Int32
/// A device ordinal handle, `CUdevice`.
typealias CUdevice = Int32
/// An address in device memory, `CUdeviceptr`.
typealias CUdeviceptr = UInt64
/// `CUcontext`, `CUstream`, `CUmodule`, `CUfunction`: opaque handles.
typealias CUhandle = OpaquePointer

/// The driver API functions, loaded from one libcuda.
struct CUDADriverFunctions: @unchecked Sendable {
    /// `CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR` and `_MINOR`.
    static let computeCapabilityMajor: Int32 = 75
    static let computeCapabilityMinor: Int32 = 76
    /// `CUDA_ERROR_NO_DEVICE`.
    static let noDevice: CUresult = 100

    let cuInit: @convention(c) (UInt32) -> CUresult
    let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>?) -> CUresult
    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>?) -> CUresult
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<CUdevice>?, Int32) -> CUresult
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, CUdevice) -> CUresult
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>?, Int32, CUdevice) -> CUresult
    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<CUhandle?>?, CUdevice) -> CUresult
    let cuDevicePrimaryCtxRelease: @convention(c) (CUdevice) -> CUresult
    let cuCtxSetCurrent: @convention(c) (CUhandle?) -> CUresult
    let cuStreamCreate: @convention(c) (UnsafeMutablePointer<CUhandle?>?, UInt32) -> CUresult
    let cuStreamSynchronize: @convention(c) (CUhandle?) -> CUresult
    let cuStreamDestroy: @convention(c) (CUhandle?) -> CUresult
    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<CUdeviceptr>?, Int) -> CUresult
    let cuMemFree: @convention(c) (CUdeviceptr) -> CUresult
    let cuMemcpyHtoDAsync: @convention(c) (CUdeviceptr, UnsafeRawPointer?, Int, CUhandle?) -> CUresult
    let cuMemcpyDtoHAsync: @convention(c) (UnsafeMutableRawPointer?, CUdeviceptr, Int, CUhandle?) -> CUresult
    let cuMemsetD32Async: @convention(c) (CUdeviceptr, UInt32, Int, CUhandle?) -> CUresult
    let cuModuleLoadData: @convention(c) (UnsafeMutablePointer<CUhandle?>?, UnsafeRawPointer?) -> CUresult
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<CUhandle?>?, CUhandle?, UnsafePointer<CChar>?) -> CUresult
    let cuModuleUnload: @convention(c) (CUhandle?) -> CUresult
    /// f, grid x y z, block x y z, shared memory bytes, stream, kernel parameters, extra.
    let cuLaunchKernel: @convention(c) (
        CUhandle?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, CUhandle?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> CUresult
    let cuGetErrorName: @convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> CUresult
    let cuGetErrorString: @convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> CUresult

    init(_ library: DynamicLibrary) throws(DynamicLibrary.LoadFailure) {
        cuInit = try library.symbol("cuInit")
        cuDriverGetVersion = try library.symbol("cuDriverGetVersion")
        cuDeviceGetCount = try library.symbol("cuDeviceGetCount")
        cuDeviceGet = try library.symbol("cuDeviceGet")
        cuDeviceGetName = try library.symbol("cuDeviceGetName")
        cuDeviceGetAttribute = try library.symbol("cuDeviceGetAttribute")
        cuDevicePrimaryCtxRetain = try library.symbol("cuDevicePrimaryCtxRetain")
        cuDevicePrimaryCtxRelease = try library.symbol("cuDevicePrimaryCtxRelease_v2")
        cuCtxSetCurrent = try library.symbol("cuCtxSetCurrent")
        cuStreamCreate = try library.symbol("cuStreamCreate")
        cuStreamSynchronize = try library.symbol("cuStreamSynchronize")
        cuStreamDestroy = try library.symbol("cuStreamDestroy_v2")
        cuMemAlloc = try library.symbol("cuMemAlloc_v2")
        cuMemFree = try library.symbol("cuMemFree_v2")
        cuMemcpyHtoDAsync = try library.symbol("cuMemcpyHtoDAsync_v2")
        cuMemcpyDtoHAsync = try library.symbol("cuMemcpyDtoHAsync_v2")
        cuMemsetD32Async = try library.symbol("cuMemsetD32Async")
        cuModuleLoadData = try library.symbol("cuModuleLoadData")
        cuModuleGetFunction = try library.symbol("cuModuleGetFunction")
        cuModuleUnload = try library.symbol("cuModuleUnload")
        cuLaunchKernel = try library.symbol("cuLaunchKernel")
        cuGetErrorName = try library.symbol("cuGetErrorName")
        cuGetErrorString = try library.symbol("cuGetErrorString")
    }

    /// Throws `CUDAError.driverCall` with the driver's name and message for a failed status.
    func check(_ status: CUresult, _ function: String) throws(CUDAError) {
        guard status != 0 else { return }
        throw CUDAError.driverCall(function: function, code: status, name: errorText(cuGetErrorName, status) ?? "unknown error",
                                   message: errorText(cuGetErrorString, status) ?? "no description")
    }

    private func errorText(
        _ function: @convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> CUresult, _ status: CUresult
    ) -> String? {
        var text: UnsafePointer<CChar>?
        guard function(status, &text) == 0, let text else { return nil }
        return String(cString: text)
    }
}
