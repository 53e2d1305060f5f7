// The GPU backend's kernels, as CUDA C source compiled into the binary and handed to NVRTC
// at run time.
//
// Each thread computes one output element (or one row), reading what it needs: no kernel
// uses shared memory, __syncthreads or floating-point atomics, and the only atomic is an
// integer error count. That keeps results independent of scheduling, and it lets the very
// same source compile as plain C++ with a small emulation header and run serially over its
// whole grid: the tests' oracle for the kernels' arithmetic on machines without a GPU
// (Tests/CUDAEmulation). Reductions over many rows (bias gradients) are products with a
// vector of ones on cuBLAS instead.

/// The entry points of `CUDAKernels.source`.
public enum CUDAKernel: String, CaseIterable, Sendable {
    case decodePixels = "decode_pixels"
    case biasActivation = "bias_activation"
    case activationBackward = "activation_backward"
    case softmaxCrossEntropy = "softmax_cross_entropy"
    case sgdStep = "sgd_step"
    case fill = "fill"
    case im2col = "im2col"
    case col2im = "col2im"
    case maxPoolForward = "max_pool_forward"
    case maxPoolBackward = "max_pool_backward"
}

/// The kernels' CUDA C source.
public enum CUDAKernels {
    /// The activation numbers the kernels take: identity, then `ActivationKind`'s cases.
    static func code(of kind: ActivationKind?) -> Int32 {
        switch kind {
        case nil: 0
        case .tanh: 1
        case .sigmoid: 2
        case .relu: 3
        }
    }

    public static let source = #"""
    // Kernels of mnist-tools' GPU backend. Counts are 64-bit; each kernel walks its elements
    // with a grid-stride loop, so any grid covers any size.
    #define GRID_STRIDE_LOOP(i, n) \
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
             i += (long long)blockDim.x * gridDim.x)

    // kind: 0 identity, 1 tanh, 2 sigmoid, 3 relu (CUDAKernels.code(of:)).
    static __device__ float activate(float x, int kind) {
        if (kind == 1) return tanhf(x);
        if (kind == 2) return 1.0f / (1.0f + expf(-x));
        if (kind == 3) return x > 0.0f ? x : 0.0f;
        return x;
    }

    // f'(x) written with y = f(x): 1 - y^2, y(1 - y), y > 0.
    static __device__ float activation_slope(float y, int kind) {
        if (kind == 1) return 1.0f - y * y;
        if (kind == 2) return y * (1.0f - y);
        if (kind == 3) return y > 0.0f ? 1.0f : 0.0f;
        return 1.0f;
    }

    // pixels[i] = table[bytes[i]]: stored bytes to training's floats, table[k] = k / divisor
    // as the CPU rounds it.
    extern "C" __global__ void decode_pixels(const unsigned char* bytes, const float* table,
                                             float* pixels, long long count) {
        GRID_STRIDE_LOOP(i, count) pixels[i] = table[bytes[i]];
    }

    // output[r, c] = f(input[r, c] + bias[c]) over rows x columns; bias may be null, and
    // output may be input.
    extern "C" __global__ void bias_activation(const float* input, const float* bias, float* output,
                                               long long rows, int columns, int kind) {
        GRID_STRIDE_LOOP(i, rows * columns) {
            float x = input[i];
            if (bias) x += bias[i % columns];
            output[i] = activate(x, kind);
        }
    }

    // input_gradient = output_gradient * f'(x), f' from the forward output y; input_gradient
    // may be output_gradient.
    extern "C" __global__ void activation_backward(const float* output, const float* output_gradient,
                                                   float* input_gradient, long long count, int kind) {
        GRID_STRIDE_LOOP(i, count) input_gradient[i] = output_gradient[i] * activation_slope(output[i], kind);
    }

    // One row of rows x classes logits z per thread, with p = softmax(z + bias) (bias may be null):
    //   gradient[i, k] = (p[k] - (k == label)) * scale      when gradient is not null
    //   row_loss[i]    = -log p[label]                      when row_loss is not null
    //   *errors       += argmax p != label (first wins)     when errors is not null
    extern "C" __global__ void softmax_cross_entropy(const float* logits, const float* bias, const int* labels,
                                                     float* gradient, float* row_loss, int* errors,
                                                     long long rows, int classes, float scale) {
        GRID_STRIDE_LOOP(i, rows) {
            const float* z = logits + i * classes;
            float maximum = z[0] + (bias ? bias[0] : 0.0f);
            for (int k = 1; k < classes; k++) maximum = fmaxf(maximum, z[k] + (bias ? bias[k] : 0.0f));
            float sum = 0.0f;
            for (int k = 0; k < classes; k++) sum += expf(z[k] + (bias ? bias[k] : 0.0f) - maximum);
            int label = labels[i];
            if (row_loss) row_loss[i] = -(z[label] + (bias ? bias[label] : 0.0f) - maximum - logf(sum));
            float inverse = 1.0f / sum;
            int best = 0;
            float best_probability = -1.0f;
            for (int k = 0; k < classes; k++) {
                float p = expf(z[k] + (bias ? bias[k] : 0.0f) - maximum) * inverse;
                if (p > best_probability) { best = k; best_probability = p; }
                if (gradient) gradient[i * classes + k] = (p - (k == label ? 1.0f : 0.0f)) * scale;
            }
            if (errors && best != label) atomicAdd(errors, 1);
        }
    }

    // One SGD step with the tutorials' penalties: w -= lr * (dw + l1 * sign(w) + 2 * l2 * w).
    extern "C" __global__ void sgd_step(float* weight, const float* gradient, long long count,
                                        float learning_rate, float l1, float l2) {
        GRID_STRIDE_LOOP(i, count) {
            float w = weight[i];
            float sign = (w > 0.0f ? 1.0f : 0.0f) - (w < 0.0f ? 1.0f : 0.0f);
            weight[i] = w - learning_rate * (gradient[i] + l1 * sign + 2.0f * l2 * w);
        }
    }

    extern "C" __global__ void fill(float* values, float value, long long count) {
        GRID_STRIDE_LOOP(i, count) values[i] = value;
    }

    // The patches of a 'valid' kernel x kernel convolution of NHWC maps, one row per output
    // pixel: patches[(b, y, x), (i, j, c)] = input[b, y + i, x + j, c], (B OH OW) x (K K C).
    extern "C" __global__ void im2col(const float* input, float* patches, int batch, int height, int width,
                                      int channels, int kernel) {
        int out_height = height - kernel + 1, out_width = width - kernel + 1;
        int patch = kernel * kernel * channels;
        GRID_STRIDE_LOOP(e, (long long)batch * out_height * out_width * patch) {
            int column = (int)(e % patch);
            long long row = e / patch;
            int c = column % channels, j = column / channels % kernel, i = column / channels / kernel;
            int x = (int)(row % out_width), y = (int)(row / out_width % out_height);
            long long b = row / out_width / out_height;
            patches[e] = input[((b * height + y + i) * width + x + j) * channels + c];
        }
    }

    // The inverse gather of im2col: each input element sums the patch entries taken from it,
    // input[b, py, px, c] = sum over (i, j) of patches[(b, py - i, px - j), (i, j, c)].
    extern "C" __global__ void col2im(const float* patches, float* input, int batch, int height, int width,
                                      int channels, int kernel) {
        int out_height = height - kernel + 1, out_width = width - kernel + 1;
        int patch = kernel * kernel * channels;
        GRID_STRIDE_LOOP(e, (long long)batch * height * width * channels) {
            int c = (int)(e % channels), px = (int)(e / channels % width), py = (int)(e / channels / width % height);
            long long b = e / channels / width / height;
            float sum = 0.0f;
            for (int i = 0; i < kernel; i++) {
                int y = py - i;
                if (y < 0 || y >= out_height) continue;
                for (int j = 0; j < kernel; j++) {
                    int x = px - j;
                    if (x < 0 || x >= out_width) continue;
                    sum += patches[((b * out_height + y) * out_width + x) * patch + (i * kernel + j) * channels + c];
                }
            }
            input[e] = sum;
        }
    }

    // Non-overlapping size x size max-pooling of NHWC maps (a last partial window is left out):
    // pooled = each window's largest value; when output is not null, also
    // output = f(pooled + bias[c]), the ConvPool layer's bias and activation.
    extern "C" __global__ void max_pool_forward(const float* input, float* pooled, const float* bias, float* output,
                                                int batch, int height, int width, int channels, int size, int kind) {
        int pooled_height = height / size, pooled_width = width / size;
        GRID_STRIDE_LOOP(e, (long long)batch * pooled_height * pooled_width * channels) {
            int c = (int)(e % channels), px = (int)(e / channels % pooled_width);
            int py = (int)(e / channels / pooled_width % pooled_height);
            long long b = e / channels / pooled_width / pooled_height;
            const float* corner = input + ((b * height + py * size) * width + px * size) * channels + c;
            float largest = corner[0];
            for (int i = 0; i < size; i++)
                for (int j = 0; j < size; j++) {
                    float value = corner[(i * width + j) * channels];
                    if (value > largest) largest = value;
                }
            pooled[e] = largest;
            if (output) output[e] = activate(largest + bias[c], kind);
        }
    }

    // The max-pooling gradient as Theano takes it: every input equal to its window's maximum
    // (all of them on a tie) gets the window's gradient; others, and inputs outside every
    // window, get 0.
    extern "C" __global__ void max_pool_backward(const float* input, const float* pooled, const float* pooled_gradient,
                                                 float* input_gradient, int batch, int height, int width,
                                                 int channels, int size) {
        int pooled_height = height / size, pooled_width = width / size;
        GRID_STRIDE_LOOP(e, (long long)batch * height * width * channels) {
            int c = (int)(e % channels), x = (int)(e / channels % width), y = (int)(e / channels / width % height);
            long long b = e / channels / width / height;
            int py = y / size, px = x / size;
            float gradient = 0.0f;
            if (py < pooled_height && px < pooled_width) {
                long long window = ((b * pooled_height + py) * pooled_width + px) * channels + c;
                if (input[e] == pooled[window]) gradient = pooled_gradient[window];
            }
            input_gradient[e] = gradient;
        }
    }
    """#
}
