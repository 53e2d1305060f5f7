// A CPU emulation of the CUDA driver API functions mnist-tools calls, built as libcuda.so.1
// by the tests (Tests/CUDAEmulationSupport) so that the whole GPU path, from the library
// search through NVRTC's real compilation to every kernel launch, runs and is checked on
// machines without a GPU. It is never shipped.
//
// Device memory is host memory (filled with NaN bytes when allocated, so a kernel that reads
// what nobody wrote shows it); the one stream runs everything at once; a module keeps the
// PTX or CUBIN image NVRTC produced and hands out only kernels whose names the image holds;
// a launch runs the kernel, compiled from the same CUDA C source as plain C++ (kernels.cu,
// written by the tests), for every thread of its grid in turn, its parameters taken from
// cuLaunchKernel's array of pointers by the kernel's own C++ signature.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "cuda_device.h"
#include "kernels.cu"

typedef int CUresult;
typedef std::uint64_t CUdeviceptr;

namespace {

enum : CUresult {
    success = 0, invalidValue = 1, outOfMemory = 2, invalidDevice = 101, invalidImage = 200,
    invalidHandle = 400, notFound = 500,
};

template <typename... Parameters, std::size_t... Index>
void call(void (*kernel)(Parameters...), void** parameters, std::index_sequence<Index...>) {
    kernel(*static_cast<Parameters*>(parameters[Index])...);
}

// Runs `kernel` once for every thread of the grid, setting the coordinates for each.
template <typename... Parameters>
void run_grid(void (*kernel)(Parameters...), dim3 grid, dim3 block, void** parameters) {
    gridDim = grid;
    blockDim = block;
    for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
            for (unsigned bx = 0; bx < grid.x; bx++)
                for (unsigned tz = 0; tz < block.z; tz++)
                    for (unsigned ty = 0; ty < block.y; ty++)
                        for (unsigned tx = 0; tx < block.x; tx++) {
                            blockIdx = dim3{bx, by, bz};
                            threadIdx = dim3{tx, ty, tz};
                            call(kernel, parameters, std::index_sequence_for<Parameters...>{});
                        }
}

struct Kernel {
    const char* name;
    void (*launch)(dim3 grid, dim3 block, void** parameters);
};

#define KERNEL(name) {#name, [](dim3 grid, dim3 block, void** parameters) { run_grid(name, grid, block, parameters); }},
const Kernel kernels[] = {
#include "kernel_names.inc"
};

struct Module {
    std::string image;
};

int context_token, stream_token;

// The size of an ELF image (a CUBIN): its section header table comes last.
std::size_t elf_size(const unsigned char* image) {
    std::uint64_t section_headers;
    std::uint16_t entry_size, entries;
    std::memcpy(&section_headers, image + 0x28, 8);
    std::memcpy(&entry_size, image + 0x3A, 2);
    std::memcpy(&entries, image + 0x3C, 2);
    return section_headers + std::size_t(entry_size) * entries;
}

const char* error_name(CUresult status) {
    switch (status) {
    case success: return "CUDA_SUCCESS";
    case invalidValue: return "CUDA_ERROR_INVALID_VALUE";
    case outOfMemory: return "CUDA_ERROR_OUT_OF_MEMORY";
    case invalidDevice: return "CUDA_ERROR_INVALID_DEVICE";
    case invalidImage: return "CUDA_ERROR_INVALID_IMAGE";
    case invalidHandle: return "CUDA_ERROR_INVALID_HANDLE";
    case notFound: return "CUDA_ERROR_NOT_FOUND";
    default: return nullptr;
    }
}

}  // namespace

extern "C" {

CUresult cuInit(unsigned) { return success; }
CUresult cuDriverGetVersion(int* version) { *version = 12040; return success; }
CUresult cuDeviceGetCount(int* count) { *count = 1; return success; }

CUresult cuDeviceGet(int* device, int ordinal) {
    if (ordinal != 0) return invalidDevice;
    *device = 0;
    return success;
}

CUresult cuDeviceGetName(char* name, int length, int) {
    std::snprintf(name, length, "CPU emulation of a CUDA device");
    return success;
}

// Compute capability 9.0, an H100's.
CUresult cuDeviceGetAttribute(int* value, int attribute, int) {
    if (attribute == 75) *value = 9;
    else if (attribute == 76) *value = 0;
    else return invalidValue;
    return success;
}

CUresult cuDevicePrimaryCtxRetain(void** context, int) { *context = &context_token; return success; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return success; }
CUresult cuCtxSetCurrent(void* context) { return context == &context_token ? success : invalidHandle; }
CUresult cuStreamCreate(void** stream, unsigned) { *stream = &stream_token; return success; }
CUresult cuStreamSynchronize(void* stream) { return stream == &stream_token ? success : invalidHandle; }
CUresult cuStreamDestroy_v2(void* stream) { return stream == &stream_token ? success : invalidHandle; }

CUresult cuMemAlloc_v2(CUdeviceptr* address, std::size_t bytes) {
    void* memory = std::malloc(bytes);
    if (!memory) return outOfMemory;
    std::memset(memory, 0xFF, bytes);
    *address = reinterpret_cast<std::uintptr_t>(memory);
    return success;
}

CUresult cuMemFree_v2(CUdeviceptr address) {
    std::free(reinterpret_cast<void*>(address));
    return success;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr target, const void* source, std::size_t bytes, void*) {
    std::memcpy(reinterpret_cast<void*>(target), source, bytes);
    return success;
}

CUresult cuMemcpyDtoHAsync_v2(void* target, CUdeviceptr source, std::size_t bytes, void*) {
    std::memcpy(target, reinterpret_cast<const void*>(source), bytes);
    return success;
}

CUresult cuMemsetD32Async(CUdeviceptr target, unsigned value, std::size_t count, void*) {
    auto* words = reinterpret_cast<unsigned*>(target);
    for (std::size_t i = 0; i < count; i++) words[i] = value;
    return success;
}

// Takes a CUBIN (an ELF file) or NUL-terminated PTX, as the real driver does.
CUresult cuModuleLoadData(void** module, const void* image) {
    const auto* bytes = static_cast<const unsigned char*>(image);
    std::string copy;
    if (std::memcmp(bytes, "\x7f" "ELF", 4) == 0) {
        copy.assign(reinterpret_cast<const char*>(bytes), elf_size(bytes));
    } else {
        copy.assign(reinterpret_cast<const char*>(bytes));
        if (copy.find(".version") == std::string::npos) return invalidImage;
    }
    *module = new Module{copy};
    return success;
}

CUresult cuModuleGetFunction(void** function, void* module, const char* name) {
    if (static_cast<Module*>(module)->image.find(name) == std::string::npos) return notFound;
    for (const Kernel& kernel : kernels) {
        if (std::strcmp(kernel.name, name) == 0) {
            *function = const_cast<Kernel*>(&kernel);
            return success;
        }
    }
    return notFound;
}

CUresult cuModuleUnload(void* module) {
    delete static_cast<Module*>(module);
    return success;
}

CUresult cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared_bytes, void*, void** parameters, void** extra) {
    if (!function || !parameters || extra || shared_bytes != 0 || bx * by * bz > 1024) return invalidValue;
    static_cast<Kernel*>(function)->launch(dim3{gx, gy, gz}, dim3{bx, by, bz}, parameters);
    return success;
}

CUresult cuGetErrorName(CUresult status, const char** name) {
    *name = error_name(status);
    return *name ? success : invalidValue;
}

CUresult cuGetErrorString(CUresult status, const char** text) {
    *text = error_name(status) ? "(emulated driver)" : nullptr;
    return *text ? success : invalidValue;
}

}  // extern "C"
