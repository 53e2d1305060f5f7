// What CUDA C device code needs, for compiling the GPU backend's kernels as plain C++:
// the qualifiers vanish, the built-in thread coordinates become variables the emulated
// launch sets before calling a kernel once per thread, and atomicAdd is a plain add
// (threads run one after the other). Only what the kernels use is here.
#pragma once

#include <math.h>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

// Set by the emulated cuLaunchKernel for each thread in turn (thread_local: tests may
// launch from several threads at once).
inline thread_local dim3 blockIdx, threadIdx, blockDim, gridDim;

#define __global__
#define __device__

inline int atomicAdd(int* address, int value) {
    int old = *address;
    *address = old + value;
    return old;
}
