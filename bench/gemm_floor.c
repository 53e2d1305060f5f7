// The floor of an epoch: the time OpenBLAS's sgemm alone takes for every matrix product
// of one epoch of `mnist-tools train`, at the very shapes training uses, on one thread,
// measured here and now; halved for the two cores the trainer splits them between.
//
//     cc -O2 bench/gemm_floor.c -o gemm_floor -lopenblas && ./gemm_floor
//
// Prints one line per model: seconds per epoch on one thread and the two-core floor. An
// epoch is 50,000 training examples and the validation and test passes over 10,000 each
// (blocks of about 500 rows), as in bench/train.sh. A last line times the MLP's products
// whole on OpenBLAS's own two threads, the alternative to splitting them ourselves.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// Seconds for `calls` products C (m×n) = op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n.
static double product(int transA, int transB, int m, int n, int k, float beta, long calls) {
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)rand() / RAND_MAX;
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)rand() / RAND_MAX;
    for (long i = 0; i < (long)m * n; i++) c[i] = 0;
    int lda = transA ? m : k, ldb = transB ? k : n;
    long repeats = calls < 20 ? 20 : calls;  // at least 20 calls, scaled back to `calls`
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, 1, a, lda, b, ldb, beta, c, n);
    double start = now();
    for (long r = 0; r < repeats; r++)
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, 1, a, lda, b, ldb, beta, c, n);
    double seconds = (now() - start) * calls / repeats;
    free(a); free(b); free(c);
    return seconds;
}

// The MLP's products for `minibatches` training steps and `blocks` evaluated blocks of 500 rows.
static double mlp_products(long minibatches, long blocks) {
    long m = minibatches;
    return product(0, 0, 20, 500, 784, 0, m) + product(0, 0, 20, 10, 500, 0, m)
         + product(0, 1, 20, 500, 10, 0, m) + product(1, 0, 500, 10, 20, 1, m)
         + product(1, 0, 784, 500, 20, 1, m)
         + product(0, 0, 500, 500, 784, 0, blocks) + product(0, 0, 500, 10, 500, 0, blocks);
}

int main(void) {
    openblas_set_num_threads(1);
    const long train = 50000, evaluated = 20000;

    // logreg: batch 600 (83 minibatches): forward x·W, weight step xᵀ·dz; evaluation x·W.
    double logreg = product(0, 0, 600, 10, 784, 0, 83) + product(1, 0, 784, 10, 600, 1, 83)
                  + product(0, 0, 600, 10, 784, 0, evaluated / 600);

    // mlp: batch 20 (2,500 minibatches): x·W1, h·W2, dz·W2ᵀ, hᵀ·dz, xᵀ·dh; evaluation in blocks of 500.
    double mlp = mlp_products(train / 20, evaluated / 500);

    // lenet: batch 500 (100 minibatches), convolutions as patch products 512 rows at a time;
    // evaluation in blocks of 500.
    long l = train / 500, e = evaluated / 500;
    double conv0 = product(0, 0, 576, 20, 25, 0, 500);             // per example: 576 patch rows
    double conv0dw = product(1, 0, 25, 20, 576, 1, 500);
    double conv1 = product(0, 0, 512, 50, 500, 0, 63);             // 8 examples a chunk
    double conv1dw = product(1, 0, 500, 50, 512, 1, 63);
    double conv1dx = product(0, 1, 512, 500, 50, 0, 63);
    double fc = product(0, 0, 500, 500, 800, 0, 1), fcdw = product(1, 0, 800, 500, 500, 1, 1), fcdx = product(0, 1, 500, 800, 500, 0, 1);
    double out = product(0, 0, 500, 10, 500, 0, 1) * 3;
    double lenet = l * (conv0 + conv0dw + conv1 + conv1dw + conv1dx + fc + fcdw + fcdx + out)
                 + e * (conv0 + conv1 + fc + out / 3);

    printf("model   sgemm on one thread (s/epoch)   floor on two cores (s/epoch)\n");
    printf("logreg  %.4f                          %.4f\n", logreg, logreg / 2);
    printf("mlp     %.4f                          %.4f\n", mlp, mlp / 2);
    printf("lenet   %.4f                          %.4f\n", lenet, lenet / 2);

    openblas_set_num_threads(2);
    printf("mlp, each product whole on OpenBLAS's 2 threads: %.4f s/epoch\n", mlp_products(train / 20, evaluated / 500));
    return 0;
}
