// The cuBLAS API (cublas_api.h) the GPU backend uses for its matrix products, as typed C
// function pointers resolved from libcublas. cublasStatus_t and cublasOperation_t are C
// ints, the handle and the stream opaque pointers; alpha and beta are host pointers
// (cuBLAS's default pointer mode) and the matrices device addresses.

/// A cuBLAS status, `cublasStatus_t` (0 is CUBLAS_STATUS_SUCCESS).
typealias CuBLASStatus = Int32

/// The cuBLAS functions, loaded from one libcublas.
struct CuBLASFunctions: @unchecked Sendable {
    /// `CUBLAS_OP_N` and `CUBLAS_OP_T`.
    static let noTranspose: Int32 = 0
    static let transpose: Int32 = 1

    let cublasCreate: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> CuBLASStatus
    let cublasDestroy: @convention(c) (OpaquePointer?) -> CuBLASStatus
    let cublasSetStream: @convention(c) (OpaquePointer?, OpaquePointer?) -> CuBLASStatus
    let cublasGetVersion: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?) -> CuBLASStatus
    /// handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc (column-major).
    let cublasSgemm: @convention(c) (
        OpaquePointer?, Int32, Int32, Int32, Int32, Int32,
        UnsafePointer<Float>?, UnsafeRawPointer?, Int32, UnsafeRawPointer?, Int32,
        UnsafePointer<Float>?, UnsafeMutableRawPointer?, Int32) -> CuBLASStatus

    init(_ library: DynamicLibrary) throws(DynamicLibrary.LoadFailure) {
        cublasCreate = try library.symbol("cublasCreate_v2")
        cublasDestroy = try library.symbol("cublasDestroy_v2")
        cublasSetStream = try library.symbol("cublasSetStream_v2")
        cublasGetVersion = try library.symbol("cublasGetVersion_v2")
        cublasSgemm = try library.symbol("cublasSgemm_v2")
    }

    /// Throws `CUDAError.cublasCall` for a failed status.
    func check(_ status: CuBLASStatus, _ function: String) throws(CUDAError) {
        guard status != 0 else { return }
        throw CUDAError.cublasCall(function: function, status: status)
    }

    /// The name of a `cublasStatus_t` value, as cublas_api.h spells it.
    static func statusName(_ status: Int32) -> String {
        switch status {
        case 0: "CUBLAS_STATUS_SUCCESS"
        case 1: "CUBLAS_STATUS_NOT_INITIALIZED"
        case 3: "CUBLAS_STATUS_ALLOC_FAILED"
        case 7: "CUBLAS_STATUS_INVALID_VALUE"
        case 8: "CUBLAS_STATUS_ARCH_MISMATCH"
        case 11: "CUBLAS_STATUS_MAPPING_ERROR"
        case 13: "CUBLAS_STATUS_EXECUTION_FAILED"
        case 14: "CUBLAS_STATUS_INTERNAL_ERROR"
        case 15: "CUBLAS_STATUS_NOT_SUPPORTED"
        case 16: "CUBLAS_STATUS_LICENSE_ERROR"
        default: "unknown cuBLAS status"
        }
    }
}
