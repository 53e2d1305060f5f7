// One GPU, ready to compute: the CUDA driver initialized, the device's primary context
// current on the calling thread, a stream, the embedded kernels compiled by NVRTC and
// loaded, and a cuBLAS handle on the same stream. Every call is queued on the one stream,
// so the host runs ahead and waits only where it reads results back.

#if canImport(Glibc)
import Glibc
#endif

/// A GPU opened through the driver API, with the kernels loaded; owns its context, stream,
/// module and cuBLAS handle. Use it from the thread that created it (the context is made
/// current there).
public final class CUDADevice: @unchecked Sendable {
    let libraries: CUDALibraries
    private var driver: CUDADriverFunctions { libraries.driver }
    /// The device's name, as the driver reports it ("NVIDIA H100 80GB HBM3").
    public let name: String
    /// The compute capability times ten (90 for 9.0).
    public let computeCapability: Int
    /// The driver's CUDA version, such as 12040 for 12.4.
    public let driverVersion: Int
    /// What the kernels were compiled to ("sm_90 machine code" or "compute_80 PTX").
    public let kernelTarget: String
    private let device: CUdevice
    private let context: CUhandle
    let stream: CUhandle
    private let module: CUhandle
    private let kernels: [CUDAKernel: CUhandle]
    private let cublas: OpaquePointer

    /// Threads per block for every kernel.
    static let threadsPerBlock = 256
    /// The most blocks a launch uses; the kernels' grid-stride loops cover the rest.
    static let maximumBlocks = 1 << 16

    /// Opens device `ordinal`, compiles the kernels for it and loads them.
    public init(libraries: CUDALibraries, ordinal: Int = 0) throws(CUDAError) {
        self.libraries = libraries
        let driver = libraries.driver
        let initialized = driver.cuInit(0)
        if initialized == CUDADriverFunctions.noDevice {
            throw .noDevice(reason: "the CUDA driver (\(libraries.driverPath)) finds no CUDA device")
        }
        try driver.check(initialized, "cuInit")
        var version: Int32 = 0, count: Int32 = 0
        try driver.check(driver.cuDriverGetVersion(&version), "cuDriverGetVersion")
        try driver.check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount")
        guard ordinal < count else {
            throw .noDevice(reason: "the CUDA driver (\(libraries.driverPath)) finds \(count) devices, none numbered \(ordinal)")
        }
        var device: CUdevice = 0
        try driver.check(driver.cuDeviceGet(&device, Int32(ordinal)), "cuDeviceGet")
        var nameBytes = [CChar](repeating: 0, count: 256)
        try driver.check(driver.cuDeviceGetName(&nameBytes, Int32(nameBytes.count), device), "cuDeviceGetName")
        var major: Int32 = 0, minor: Int32 = 0
        try driver.check(driver.cuDeviceGetAttribute(&major, CUDADriverFunctions.computeCapabilityMajor, device), "cuDeviceGetAttribute")
        try driver.check(driver.cuDeviceGetAttribute(&minor, CUDADriverFunctions.computeCapabilityMinor, device), "cuDeviceGetAttribute")
        self.device = device
        driverVersion = Int(version)
        computeCapability = Int(major) * 10 + Int(minor)
        name = String(decoding: nameBytes.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)

        // From here on, each resource is released again if a later step fails.
        var context: CUhandle?
        try driver.check(driver.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        var stream: CUhandle?, module: CUhandle?, cublas: OpaquePointer?
        do throws(CUDAError) {
            try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
            try driver.check(driver.cuStreamCreate(&stream, 1 /* CU_STREAM_NON_BLOCKING */), "cuStreamCreate")
            let (architecture, output) = try libraries.nvrtc.target(forDevice: computeCapability)
            let image = try libraries.nvrtc.compile(CUDAKernels.source, name: "mnist_tools_kernels.cu",
                                                    architecture: architecture, output: output)
            kernelTarget = output == .cubin ? "sm_\(architecture) machine code" : "compute_\(architecture) PTX"
            try driver.check(image.withUnsafeBytes { driver.cuModuleLoadData(&module, $0.baseAddress) }, "cuModuleLoadData")
            var kernels: [CUDAKernel: CUhandle] = [:]
            for kernel in CUDAKernel.allCases {
                var function: CUhandle?
                let status = driver.cuModuleGetFunction(&function, module, kernel.rawValue)
                guard status == 0, let function else { throw CUDAError.kernelMissing(name: kernel.rawValue, code: status) }
                kernels[kernel] = function
            }
            self.kernels = kernels
            try libraries.cublas.check(libraries.cublas.cublasCreate(&cublas), "cublasCreate_v2")
            try libraries.cublas.check(libraries.cublas.cublasSetStream(cublas, stream), "cublasSetStream_v2")
        } catch {
            if let cublas { _ = libraries.cublas.cublasDestroy(cublas) }
            if let module { _ = driver.cuModuleUnload(module) }
            if let stream { _ = driver.cuStreamDestroy(stream) }
            _ = driver.cuDevicePrimaryCtxRelease(device)
            throw error
        }
        guard let context, let stream, let module, let cublas else {
            preconditionFailure("CUDADevice: a successful call left its handle unset")
        }
        self.context = context
        self.stream = stream
        self.module = module
        self.cublas = cublas
    }

    deinit {
        _ = driver.cuStreamSynchronize(stream)
        _ = libraries.cublas.cublasDestroy(cublas)
        _ = driver.cuModuleUnload(module)
        _ = driver.cuStreamDestroy(stream)
        _ = driver.cuDevicePrimaryCtxRelease(device)
    }

    /// A line saying what computes: the device and the libraries.
    public var summary: String {
        var cublasVersion: Int32 = 0
        _ = libraries.cublas.cublasGetVersion(cublas, &cublasVersion)
        let nvrtc = libraries.nvrtc.version
        return "GPU \(name) (compute capability \(computeCapability / 10).\(computeCapability % 10)), "
            + "CUDA driver \(driverVersion / 1000).\(driverVersion % 1000 / 10), NVRTC \(nvrtc.major).\(nvrtc.minor) "
            + "(kernels as \(kernelTarget)), cuBLAS \(cublasVersion / 10000).\(cublasVersion / 100 % 100).\(cublasVersion % 100)"
    }

    // MARK: Memory

    /// `byteCount` bytes of device memory (uninitialized).
    func allocate(byteCount: Int) throws(CUDAError) -> DeviceBuffer {
        var address: CUdeviceptr = 0
        try driver.check(driver.cuMemAlloc(&address, max(byteCount, 4)), "cuMemAlloc_v2")
        return DeviceBuffer(device: self, address: address, byteCount: byteCount)
    }

    /// Frees memory once the stream has finished with it.
    func release(_ address: CUdeviceptr) {
        _ = driver.cuStreamSynchronize(stream)
        _ = driver.cuMemFree(address)
    }

    /// Copies `bytes` to `address` (queued; the host memory may be reused once this returns,
    /// because the stream is synchronized before returning).
    func upload(_ bytes: UnsafeRawBufferPointer, to address: CUdeviceptr) throws(CUDAError) {
        guard bytes.count > 0 else { return }
        try driver.check(driver.cuMemcpyHtoDAsync(address, bytes.baseAddress, bytes.count, stream), "cuMemcpyHtoDAsync_v2")
        try synchronize()
    }

    /// Copies `bytes.count` bytes from `address` once the work queued before is done.
    func download(from address: CUdeviceptr, into bytes: UnsafeMutableRawBufferPointer) throws(CUDAError) {
        guard bytes.count > 0 else { return }
        try driver.check(driver.cuMemcpyDtoHAsync(bytes.baseAddress, address, bytes.count, stream), "cuMemcpyDtoHAsync_v2")
        try synchronize()
    }

    /// Sets `count` 32-bit words from `address` to `value` (queued).
    func fill32(_ address: CUdeviceptr, value: UInt32, count: Int) throws(CUDAError) {
        try driver.check(driver.cuMemsetD32Async(address, value, count, stream), "cuMemsetD32Async")
    }

    /// Waits for everything queued; reports errors of earlier kernels too.
    public func synchronize() throws(CUDAError) {
        try driver.check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize")
    }

    // MARK: Kernels and products

    /// One argument of a kernel, as its C parameter type.
    enum KernelArgument {
        /// A device pointer (0 for null).
        case address(CUdeviceptr)
        case int32(Int32)
        case int64(Int64)
        case float(Float)
    }

    /// Queues `kernel` with one thread per element of `elements` (in blocks of
    /// `threadsPerBlock`, at most `maximumBlocks` of them) and `arguments` in the order of
    /// its C parameters.
    func launch(_ kernel: CUDAKernel, elements: Int, _ arguments: [KernelArgument]) throws(CUDAError) {
        guard elements > 0 else { return }
        guard let function = kernels[kernel] else { throw .kernelMissing(name: kernel.rawValue, code: 0) }
        let blocks = min((elements + Self.threadsPerBlock - 1) / Self.threadsPerBlock, Self.maximumBlocks)
        // cuLaunchKernel takes a pointer to each argument's value, and copies them at once.
        // Each value has an 8-byte slot, filled with a pattern first: a kernel reading more
        // bytes than an argument has (an int64 passed as int32) reads a huge number, which
        // the tests' emulated driver makes visible.
        let status = withUnsafeTemporaryAllocation(byteCount: 8 * arguments.count, alignment: 8) { values in
            values.initializeMemory(as: UInt8.self, repeating: 0xA5)
            return withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: arguments.count) { pointers in
                for (index, argument) in arguments.enumerated() {
                    let slot = values.baseAddress.map { $0 + 8 * index }
                    switch argument {
                    case let .address(value): slot?.storeBytes(of: value, as: UInt64.self)
                    case let .int32(value): slot?.storeBytes(of: value, as: Int32.self)
                    case let .int64(value): slot?.storeBytes(of: value, as: Int64.self)
                    case let .float(value): slot?.storeBytes(of: value, as: Float.self)
                    }
                    pointers[index] = slot
                }
                return driver.cuLaunchKernel(function, UInt32(blocks), 1, 1, UInt32(Self.threadsPerBlock), 1, 1, 0, stream,
                                             pointers.baseAddress, nil)
            }
        }
        try driver.check(status, "cuLaunchKernel(\(kernel.rawValue))")
    }

    /// Row-major `C = alpha·op(A)·op(B) + beta·C` on cuBLAS, with op(A) m×k, op(B) k×n, and
    /// `lda`, `ldb`, `ldc` the stored rows' lengths (A's, B's and C's column counts).
    ///
    /// cuBLAS is column-major, where a row-major matrix reads as its transpose, so this
    /// asks for Cᵀ = op(B)ᵀ·op(A)ᵀ: the operands swap places, each keeps its own transpose
    /// flag and leading dimension, and m and n swap.
    func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: CUdeviceptr, lda: Int, b: CUdeviceptr, ldb: Int,
        beta: Float, c: CUdeviceptr, ldc: Int
    ) throws(CUDAError) {
        guard m > 0, n > 0 else { return }
        precondition(k > 0, "sgemm: empty inner dimension")
        precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) }, "sgemm: dimensions exceed cuBLAS's int range")
        var alpha = alpha, beta = beta
        let f = libraries.cublas
        let status = f.cublasSgemm(
            cublas, transposeB ? CuBLASFunctions.transpose : CuBLASFunctions.noTranspose,
            transposeA ? CuBLASFunctions.transpose : CuBLASFunctions.noTranspose,
            Int32(n), Int32(m), Int32(k), &alpha,
            UnsafeRawPointer(bitPattern: UInt(b)), Int32(ldb), UnsafeRawPointer(bitPattern: UInt(a)), Int32(lda),
            &beta, UnsafeMutableRawPointer(bitPattern: UInt(c)), Int32(ldc))
        try f.check(status, "cublasSgemm_v2")
    }
}

/// Device memory: one allocation, freed when the last reference to it goes.
public final class DeviceBuffer: @unchecked Sendable {
    let device: CUDADevice
    let address: CUdeviceptr
    let byteCount: Int

    init(device: CUDADevice, address: CUdeviceptr, byteCount: Int) {
        self.device = device
        self.address = address
        self.byteCount = byteCount
    }

    deinit { device.release(address) }
}
