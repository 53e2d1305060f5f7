// A CPU emulation of the cuBLAS functions mnist-tools calls, built as libcublas.so.12 by
// the tests beside the emulated driver (emulated_libcuda.cpp). cublasSgemm_v2 checks its
// arguments as cuBLAS documents them (so a wrong leading dimension from the row-major to
// column-major mapping fails the test) and computes with OpenBLAS's column-major sgemm,
// which has cuBLAS's exact meaning. It is never shipped.

#include <cblas.h>

namespace {
int handle_token;
enum : int { success = 0, invalidValue = 7 };
}  // namespace

extern "C" {

int cublasCreate_v2(void** handle) { *handle = &handle_token; return success; }
int cublasDestroy_v2(void* handle) { return handle == &handle_token ? success : invalidValue; }
int cublasSetStream_v2(void* handle, void*) { return handle == &handle_token ? success : invalidValue; }
int cublasGetVersion_v2(void*, int* version) { *version = 120405; return success; }

int cublasSgemm_v2(void* handle, int transa, int transb, int m, int n, int k, const float* alpha, const float* a, int lda,
                   const float* b, int ldb, const float* beta, float* c, int ldc) {
    auto at_least = [](int value) { return value > 1 ? value : 1; };
    if (handle != &handle_token || (transa != 0 && transa != 1) || (transb != 0 && transb != 1) || m < 0 || n < 0 || k < 0
        || lda < at_least(transa == 0 ? m : k) || ldb < at_least(transb == 0 ? k : n) || ldc < at_least(m)) {
        return invalidValue;
    }
    if (m == 0 || n == 0) return success;
    cblas_sgemm(CblasColMajor, transa ? CblasTrans : CblasNoTrans, transb ? CblasTrans : CblasNoTrans, m, n, k, *alpha, a,
                lda, b, ldb, *beta, c, ldc);
    return success;
}

}  // extern "C"
