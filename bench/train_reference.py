#!/usr/bin/env python3
"""The Theano deep-learning tutorials' logistic regression, MLP and LeNet, trained with
plain numpy, JAX (CPU) or PyTensor, for side-by-side comparison with `mnist-tools train`.

    train_reference.py --impl numpy|jax|pytensor --model logreg|mlp|lenet
                       --data FILE.pkl.gz --epochs N [--batch-size B]

Every implementation trains the same model from the same initial parameters on the same
in-order minibatches with the tutorials' loop: for each epoch, one SGD step per full
training minibatch (rows [i*B, (i+1)*B), the last partial batch dropped), then the
validation error over the full validation minibatches, and, when that is a new best,
the test error the same way. Exactly N epochs run (no early stopping; with the
tutorials' default patience none happens within the epochs the benchmark runs).

Standard output gets one line per epoch:

    epoch E seconds S validation_error V test_error T

V and T are percentages printed with %f as the tutorials print them; T is `-` when the
test error was not measured that epoch. S is the wall time of the epoch: the training
minibatches, the validation and the test (when measured). Compilation (JAX, PyTensor)
happens before the first epoch and is not counted; it is reported on standard error,
with lines starting `info:` that record versions and the BLAS in use.

How each is written:
- numpy: forward and backward by hand, one minibatch at a time; LeNet's convolutions as
  the 25 shifted slices side by side and one matrix product (sgemm).
- JAX: the data on the device; a whole epoch of minibatch SGD is one jitted `lax.scan`
  (gradients by jax.grad); validation and test errors are jitted too. Compiled ahead of
  the first epoch.
- PyTensor: the tutorials' code with PyTensor for Theano: shared variables, a compiled
  train function per minibatch index with `givens` and `updates`. PyTensor has no usable
  convolution op, so LeNet's convolution is the 25 shifted slices and one dot. It runs in
  PyTensor's default mode (the numba backend in PyTensor 3); PYTENSOR_FLAGS from the
  environment is honoured, e.g. `linker=cvm,blas__ldflags=-lopenblas` for the C backend
  with the system's OpenBLAS. floatX is float32, as the tutorials ran.

Models (the tutorials' defaults):
- logreg: softmax regression 784→10, zero weights; lr 0.13, batch 600.
- mlp: 784→500 tanh→10, numpy.random.RandomState(1234) for the hidden weights; lr 0.01,
  batch 20, L2 0.0001 on the weights (not the biases).
- lenet: RandomState(23455); conv 20×(1,5,5) → 2×2 max-pool → +bias → tanh, conv
  50×(20,5,5) → pool → +bias → tanh, 800→500 tanh, 500→10 softmax; lr 0.1, batch 500.
  The convolutions are true convolutions (filters flipped), as Theano's conv2d computes.
  The max-pool gradient goes to the first maximum of each 2×2 window in row-major order.
"""
import argparse
import gzip
import os
import pickle
import sys
import time

import numpy as np

DEFAULTS = {
    "logreg": {"lr": 0.13, "batch": 600, "l2": 0.0},
    "mlp": {"lr": 0.01, "batch": 20, "l2": 0.0001},
    "lenet": {"lr": 0.1, "batch": 500, "l2": 0.0},
}
CLASSES = 10


def info(text):
    print(f"info: {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Data and initial parameters (numpy, shared by every implementation)

def load(path):
    with gzip.open(path) as f:
        splits = pickle.load(f, encoding="latin1")
    return [(np.ascontiguousarray(x, dtype=np.float32), np.asarray(y, dtype=np.int32))
            for x, y in splits]


def full_batches(split, batch):
    """The split cut to its full minibatches: (x, y, number of batches)."""
    x, y = split
    count = len(x) // batch
    return x[:count * batch], y[:count * batch], count


def hidden_weights(rng, n_in, n_out):
    bound = np.sqrt(6.0 / (n_in + n_out))
    return np.asarray(rng.uniform(low=-bound, high=bound, size=(n_in, n_out)), dtype=np.float32)


def conv_weights(rng, shape, pool=(2, 2)):
    fan_in = int(np.prod(shape[1:]))
    fan_out = shape[0] * int(np.prod(shape[2:])) // int(np.prod(pool))
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return np.asarray(rng.uniform(low=-bound, high=bound, size=shape), dtype=np.float32)


def zeros(*shape):
    return np.zeros(shape, dtype=np.float32)


def initial_params(model, n_in):
    """A list of float32 arrays: W0, b0, W1, b1, ... in the tutorials' order."""
    if model == "logreg":
        return [zeros(n_in, CLASSES), zeros(CLASSES)]
    if model == "mlp":
        rng = np.random.RandomState(1234)
        return [hidden_weights(rng, n_in, 500), zeros(500), zeros(500, CLASSES), zeros(CLASSES)]
    rng = np.random.RandomState(23455)
    w0 = conv_weights(rng, (20, 1, 5, 5))
    w1 = conv_weights(rng, (50, 20, 5, 5))
    w2 = hidden_weights(rng, 50 * 4 * 4, 500)
    return [w0, zeros(20), w1, zeros(50), w2, zeros(500), zeros(500, CLASSES), zeros(CLASSES)]


def l2_weights(model):
    """Indices of the parameters the L2 penalty covers (the weight matrices of the MLP)."""
    return [0, 2] if model == "mlp" else []


# ---------------------------------------------------------------------------------------
# numpy: forward and backward written out, one minibatch at a time

def np_softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_kernel(w):
    """Filters w (O,C,5,5), flipped (a true convolution), as a (25*C, O) matrix whose rows
    are in (i, j, c) order, the order of np_patches' columns."""
    return w[:, :, ::-1, ::-1].transpose(2, 3, 1, 0).reshape(-1, w.shape[0])


def np_patches(a):
    """The 25 shifted 'valid' slices of NHWC a (B,H,W,C), side by side: (B*h*w, 25*C),
    h = H-4, columns in (i, j, c) order."""
    batch, height, width, channels = a.shape
    out_h, out_w = height - 4, width - 4
    patches = np.empty((batch, out_h, out_w, 25 * channels), dtype=np.float32)
    for k in range(25):
        i, j = divmod(k, 5)
        patches[..., k * channels:(k + 1) * channels] = a[:, i:i + out_h, j:j + out_w, :]
    return patches.reshape(-1, 25 * channels)


def np_conv(a, w):
    """True 'valid' convolution of NHWC a with w (O,C,5,5): the patches and (B,h,w,O)."""
    patches = np_patches(a)
    out = patches @ np_kernel(w)
    return patches, out.reshape(a.shape[0], a.shape[1] - 4, a.shape[2] - 4, w.shape[0])


def np_conv_backward(patches, grad_out, w, input_shape):
    """Gradients of np_conv for w (O,C,5,5) and, when input_shape is given, its input."""
    out_channels, channels = w.shape[0], w.shape[1]
    grad_out = grad_out.reshape(-1, out_channels)
    grad_kernel = (patches.T @ grad_out).reshape(5, 5, channels, out_channels)
    grad_w = np.ascontiguousarray(grad_kernel.transpose(3, 2, 0, 1)[:, :, ::-1, ::-1])
    if input_shape is None:
        return grad_w, None
    batch, height, width, _ = input_shape
    out_h, out_w = height - 4, width - 4
    grad_patches = (grad_out @ np_kernel(w).T).reshape(batch, out_h, out_w, 25 * channels)
    grad_in = np.zeros(input_shape, dtype=np.float32)
    for k in range(25):
        i, j = divmod(k, 5)
        grad_in[:, i:i + out_h, j:j + out_w, :] += grad_patches[..., k * channels:(k + 1) * channels]
    return grad_w, grad_in


# The four positions of a 2×2 window in row-major order, as slices of an NHWC array.
WINDOW = [(slice(None), slice(dy, None, 2), slice(dx, None, 2)) for dy in (0, 1) for dx in (0, 1)]


def np_pool(c):
    """2×2 max-pool of NHWC c: the pooled array and, for the gradient, a mask per window
    position that is true where that position is the first maximum (row-major)."""
    views = [c[w] for w in WINDOW]
    pooled = np.maximum(np.maximum(views[0], views[1]), np.maximum(views[2], views[3]))
    taken = np.zeros(pooled.shape, dtype=bool)
    masks = []
    for view in views:
        mask = (view == pooled) & ~taken
        taken |= mask
        masks.append(mask)
    return pooled, masks


def np_pool_backward(grad_pooled, masks, shape):
    grad = np.zeros(shape, dtype=np.float32)
    for w, mask in zip(WINDOW, masks):
        grad[w] = grad_pooled * mask
    return grad


class NumpyModel:
    def __init__(self, model, params, lr, l2):
        self.model = model
        self.params = [p.copy() for p in params]
        self.lr = np.float32(lr)
        self.l2_scale = np.float32(2 * l2)  # d/dW of L2·ΣW² is 2·L2·W

    def logits(self, x):
        p = self.params
        if self.model == "logreg":
            return x @ p[0] + p[1]
        if self.model == "mlp":
            return np.tanh(x @ p[0] + p[1]) @ p[2] + p[3]
        return self.lenet_forward(x)[-1]

    def lenet_forward(self, x):
        w0, b0, w1, b1, w2, b2, w3, b3 = self.params
        a = x.reshape(len(x), 28, 28, 1)
        patches0, c0 = np_conv(a, w0)
        p0, where0 = np_pool(c0)
        a0 = np.tanh(p0 + b0)
        patches1, c1 = np_conv(a0, w1)
        p1, where1 = np_pool(c1)
        a1 = np.tanh(p1 + b1)
        flat = a1.transpose(0, 3, 1, 2).reshape(len(x), 800)  # (channel, row, col) order
        h = np.tanh(flat @ w2 + b2)
        return patches0, c0.shape, where0, a0, patches1, c1.shape, where1, a1, flat, h, h @ w3 + b3

    def gradients(self, x, y):
        p = self.params
        batch = len(x)
        if self.model == "logreg":
            d = np_softmax(x @ p[0] + p[1])
            d[np.arange(batch), y] -= 1
            d /= batch
            return [x.T @ d, d.sum(axis=0)]
        if self.model == "mlp":
            h = np.tanh(x @ p[0] + p[1])
            d = np_softmax(h @ p[2] + p[3])
            d[np.arange(batch), y] -= 1
            d /= batch
            dh = (d @ p[2].T) * (1 - h * h)
            return [x.T @ dh + self.l2_scale * p[0], dh.sum(axis=0),
                    h.T @ d + self.l2_scale * p[2], d.sum(axis=0)]
        w0, b0, w1, b1, w2, b2, w3, b3 = p
        (patches0, shape0, where0, a0, patches1, shape1, where1, a1, flat, h,
         logits) = self.lenet_forward(x)
        d = np_softmax(logits)
        d[np.arange(batch), y] -= 1
        d /= batch
        g_w3, g_b3 = h.T @ d, d.sum(axis=0)
        dh = (d @ w3.T) * (1 - h * h)
        g_w2, g_b2 = flat.T @ dh, dh.sum(axis=0)
        d_a1 = (dh @ w2.T).reshape(batch, 50, 4, 4).transpose(0, 2, 3, 1)
        d_p1 = d_a1 * (1 - a1 * a1)
        g_b1 = d_p1.sum(axis=(0, 1, 2))
        d_c1 = np_pool_backward(d_p1, where1, shape1)
        g_w1, d_a0 = np_conv_backward(patches1, d_c1, w1, a0.shape)
        d_p0 = d_a0 * (1 - a0 * a0)
        g_b0 = d_p0.sum(axis=(0, 1, 2))
        d_c0 = np_pool_backward(d_p0, where0, shape0)
        g_w0, _ = np_conv_backward(patches0, d_c0, w0, None)
        return [g_w0, g_b0, g_w1, g_b1, g_w2, g_b2, g_w3, g_b3]


def make_numpy(model, params, splits, batch, lr, l2):
    net = NumpyModel(model, params, lr, l2)
    (train_x, train_y, n_train), valid, test = splits

    def train_epoch():
        for i in range(n_train):
            rows = slice(i * batch, (i + 1) * batch)
            grads = net.gradients(train_x[rows], train_y[rows])  # all at the current params
            for p, g in zip(net.params, grads):
                p -= net.lr * g

    def errors(split):
        x, y, count = split
        wrong = 0
        for i in range(count):
            rows = slice(i * batch, (i + 1) * batch)
            wrong += int(np.count_nonzero(net.logits(x[rows]).argmax(axis=1) != y[rows]))
        return wrong

    return train_epoch, lambda: errors(valid), lambda: errors(test)


# ---------------------------------------------------------------------------------------
# JAX: data on the device, one epoch of SGD in a jitted lax.scan, errors jitted too

def make_jax(model, params, splits, batch, lr, l2):
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp
    from jax import lax

    penalized = l2_weights(model)

    def conv_pool(a, w, b):
        # The convolution as the 25 shifted slices and one matrix product (filters
        # flipped: a true convolution). lax.conv_general_dilated computes the same, but
        # inside lax.scan XLA's CPU backend ran it (forward and gradients) more than 10×
        # slower than this (1.8 to 3.6 s against 0.16 s per minibatch of 500 on a busy
        # 2-core machine), and outside a scan it was still slower (0.29 s against 0.22 s
        # per jitted step).
        n, size, _, channels = a.shape
        out = size - 4
        patches = jnp.stack([a[:, i:i + out, j:j + out, :] for i in range(5) for j in range(5)],
                            axis=-1).reshape(n * out * out, channels * 25)
        kernel = w[:, :, ::-1, ::-1].reshape(w.shape[0], channels * 25).T
        c = (patches @ kernel).reshape(n, out, out, w.shape[0])
        # Max-pool as flax's nn.max_pool does it; its gradient (select-and-scatter with
        # >=) goes to the first maximum of each window in row-major order.
        pooled = lax.reduce_window(c, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        return jnp.tanh(pooled + b)

    def logits(p, x):
        if model == "logreg":
            return x @ p[0] + p[1]
        if model == "mlp":
            return jnp.tanh(x @ p[0] + p[1]) @ p[2] + p[3]
        a0 = conv_pool(x.reshape(x.shape[0], 28, 28, 1), p[0], p[1])
        a1 = conv_pool(a0, p[2], p[3])
        flat = jnp.transpose(a1, (0, 3, 1, 2)).reshape(x.shape[0], 800)
        return jnp.tanh(flat @ p[4] + p[5]) @ p[6] + p[7]

    def cost(p, x, y):
        log_p = jax.nn.log_softmax(logits(p, x))
        nll = -jnp.mean(jnp.take_along_axis(log_p, y[:, None], axis=1))
        return nll + sum(l2 * jnp.sum(p[i] ** 2) for i in penalized)

    def epoch(p, xs, ys):
        def step(p, xy):
            grads = jax.grad(cost)(p, *xy)
            return [w - lr * g for w, g in zip(p, grads)], None
        return lax.scan(step, p, (xs, ys))[0]

    def errors(p, xs, ys):
        wrong = lax.map(lambda xy: jnp.sum(jnp.argmax(logits(p, xy[0]), axis=1) != xy[1]), (xs, ys))
        return jnp.sum(wrong)

    def on_device(split):
        x, y, count = split
        return jax.device_put(x.reshape(count, batch, -1)), jax.device_put(y.reshape(count, batch))

    train, valid, test = (on_device(s) for s in splits)
    state = {"params": [jax.device_put(p) for p in params]}

    # Warm-up: compile everything before the timed epochs (ahead of time, through
    # lower().compile(), on the initial parameters; nothing runs), so that epoch 1 is
    # not dominated by compilation. The parameters are donated to each epoch.
    start = time.perf_counter()
    epoch_fn = jax.jit(epoch, donate_argnums=0).lower(state["params"], *train).compile()
    errors_fn = jax.jit(errors).lower(state["params"], *valid).compile()
    test_fn = errors_fn
    if test[0].shape != valid[0].shape:
        test_fn = jax.jit(errors).lower(state["params"], *test).compile()
    info(f"jax compile seconds: {time.perf_counter() - start:.3f} (before epoch 1, not counted)")
    info(f"jax devices: {jax.devices()}")

    def train_epoch():
        state["params"] = epoch_fn(state["params"], *train)

    # int() waits for the device, so an epoch's time includes all of its work.
    return (train_epoch, lambda: int(errors_fn(state["params"], *valid)),
            lambda: int(test_fn(state["params"], *test)))


# ---------------------------------------------------------------------------------------
# PyTensor: the tutorials' code, with PyTensor for Theano

def make_pytensor(model, params, splits, batch, lr, l2):
    # floatX=float32 as the tutorials ran it, so constants like the learning rate are
    # float32 and the parameters stay float32.
    os.environ["PYTENSOR_FLAGS"] = ",".join(
        f for f in ("floatX=float32", os.environ.get("PYTENSOR_FLAGS", "")) if f)
    import warnings
    # The C backend's warning that it found no BLAS to link; the default backend (numba)
    # calls BLAS through scipy. (Flags from the environment come last, so they win.)
    warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
    import pytensor
    import pytensor.tensor as pt
    from pytensor.gradient import disconnected_grad

    index = pt.lscalar("index")
    x = pt.matrix("x", dtype="float32")
    y = pt.ivector("y")
    shared = [pytensor.shared(p.copy(), name=f"p{i}") for i, p in enumerate(params)]
    n = x.shape[0]

    def conv(a, w, size, channels, out_channels):
        """True 'valid' convolution of NHWC a (n, size, size, channels) with w (O,C,5,5),
        from the 25 shifted slices and one matrix product."""
        out = size - 4
        slices = [a[:, i:i + out, j:j + out, :] for i in range(5) for j in range(5)]
        patches = pt.stack(slices, axis=-1).reshape((n * out * out, channels * 25))
        kernel = w[:, :, ::-1, ::-1].reshape((out_channels, channels * 25)).T
        return pt.dot(patches, kernel).reshape((n, out, out, out_channels))

    def pool(c, size, channels):
        """2×2 max-pool; the mask sends the gradient to the first maximum of a window."""
        half = size // 2
        windows = c.reshape((n, half, 2, half, 2, channels)).dimshuffle(0, 1, 3, 5, 2, 4)
        windows = windows.reshape((n, half, half, channels, 4))
        first = pt.eq(pt.arange(4), pt.argmax(windows, axis=-1)[..., None])
        return pt.sum(windows * disconnected_grad(pt.cast(first, "float32")), axis=-1)

    p = shared
    if model == "logreg":
        logits = pt.dot(x, p[0]) + p[1]
    elif model == "mlp":
        logits = pt.dot(pt.tanh(pt.dot(x, p[0]) + p[1]), p[2]) + p[3]
    else:
        a0 = pt.tanh(pool(conv(x.reshape((n, 28, 28, 1)), p[0], 28, 1, 20), 24, 20) + p[1])
        a1 = pt.tanh(pool(conv(a0, p[2], 12, 20, 50), 8, 50) + p[3])
        flat = a1.dimshuffle(0, 3, 1, 2).reshape((n, 800))
        logits = pt.dot(pt.tanh(pt.dot(flat, p[4]) + p[5]), p[6]) + p[7]

    p_y_given_x = pt.special.softmax(logits, axis=1)
    cost = -pt.mean(pt.log(p_y_given_x)[pt.arange(y.shape[0]), y])
    for i in l2_weights(model):
        cost = cost + l2 * pt.sum(p[i] ** 2)
    grads = pt.grad(cost, shared)
    updates = [(w, w - lr * g) for w, g in zip(shared, grads)]
    wrong = pt.sum(pt.neq(pt.argmax(logits, axis=1), y))

    def data(split):
        xs, ys, count = split
        return pytensor.shared(xs, borrow=True), pytensor.shared(ys, borrow=True), count

    (train_x, train_y, n_train), valid, test = (data(s) for s in splits)
    rows = slice(index * batch, (index + 1) * batch)

    start = time.perf_counter()
    train_model = pytensor.function([index], [], updates=updates,
                                    givens={x: train_x[rows], y: train_y[rows]})

    def error_model(split):
        xs, ys, count = split
        return pytensor.function([index], wrong, givens={x: xs[rows], y: ys[rows]}), count

    valid_model, test_model = error_model(valid), error_model(test)
    # Warm-up: the backend compiles on the first call, so call each function once, then
    # put the initial parameters back; epoch 1 is then not dominated by compilation.
    train_model(0)
    for fn, count in (valid_model, test_model):
        if count:
            fn(0)
    for w, p0 in zip(shared, params):
        w.set_value(p0.copy())
    info(f"pytensor linker {pytensor.config.linker} ({type(train_model.maker.linker).__name__}), "
         f"compile seconds: {time.perf_counter() - start:.3f} (before epoch 1, not counted)")

    def train_epoch():
        for i in range(n_train):
            train_model(i)

    def errors(model_and_count):
        fn, count = model_and_count
        return sum(int(fn(i)) for i in range(count))

    return train_epoch, lambda: errors(valid_model), lambda: errors(test_model)


# ---------------------------------------------------------------------------------------

def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    libs = [f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, "
            f"{p.get('threading_layer')}, {p.get('num_threads')} thread(s), "
            f"{os.path.basename(p.get('filepath', ''))})"
            for p in threadpool_info() if p.get("user_api") == "blas"]
    return "; ".join(libs) or "none loaded"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--impl", required=True, choices=["numpy", "jax", "pytensor"])
    parser.add_argument("--model", required=True, choices=["logreg", "mlp", "lenet"])
    parser.add_argument("--data", required=True, help="the classic pickle, e.g. mnist.pkl.gz")
    parser.add_argument("--epochs", required=True, type=int)
    parser.add_argument("--batch-size", type=int, help="minibatch size (default: the tutorial's)")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    settings = DEFAULTS[args.model]
    batch = args.batch_size or settings["batch"]
    if batch < 1:
        parser.error("--batch-size must be at least 1")
    data = load(args.data)
    n_in = data[0][0].shape[1]
    if args.model == "lenet" and n_in != 784:
        sys.exit(f"train_reference.py: lenet needs 28×28 images, got {n_in} pixels")
    splits = [full_batches(s, batch) for s in data]
    if splits[0][2] == 0 or splits[1][2] == 0:
        sys.exit(f"train_reference.py: fewer training or validation examples than one batch of {batch}")

    make = {"numpy": make_numpy, "jax": make_jax, "pytensor": make_pytensor}[args.impl]
    train_epoch, valid_errors, test_errors = make(
        args.model, initial_params(args.model, n_in), splits, batch, settings["lr"], settings["l2"])

    versions = {"numpy": np.__version__}
    if args.impl != "numpy":
        versions[args.impl] = sys.modules[args.impl].__version__
    info("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    info(f"{args.model}: batch {batch}, lr {settings['lr']}, L2 {settings['l2']}; "
         f"batches: train {splits[0][2]}, valid {splits[1][2]}, test {splits[2][2]}")

    n_valid = splits[1][2] * batch
    n_test = splits[2][2] * batch
    best = None
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train_epoch()
        wrong = valid_errors()
        test = "-"
        if best is None or wrong < best:
            best = wrong
            if n_test:
                test = f"{100.0 * test_errors() / n_test:f}"
        seconds = time.perf_counter() - start
        print(f"epoch {epoch} seconds {seconds:.6f} validation_error {100.0 * wrong / n_valid:f} "
              f"test_error {test}", flush=True)
    info(f"blas: {blas_info()}")


if __name__ == "__main__":
    main()
