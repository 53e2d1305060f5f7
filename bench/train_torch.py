#!/usr/bin/env python3
"""The Theano tutorials' logistic regression, MLP and LeNet in PyTorch eager mode on a GPU,
for side-by-side comparison with `mnist-tools train --device gpu` (bench/gpu.sh).

    train_torch.py --model logreg|mlp|lenet --data FILE.pkl.gz --epochs N [--batch-size B]

The same models, initial parameters (numpy.random.RandomState, as bench/train_reference.py
draws them), in-order minibatches and loop as train_reference.py, written as a PyTorch user
would: the splits on the device, parameters as leaf tensors, the cost with the tutorials'
L2 term, loss.backward() and torch.optim.SGD. LeNet's convolutions are F.conv2d on the
tutorial's filters flipped once at the start (Theano's conv2d is a true convolution);
pooling is F.max_pool2d (whose gradient goes to one maximum of a window, Theano's to every
tied one). TF32 is switched off so products are float32 as ours are.

Standard output gets `epoch E seconds S validation_error V test_error T` per epoch, as
train_reference.py prints; each epoch's seconds end with torch.cuda.synchronize(). One
minibatch is trained and thrown away before epoch 1 (CUDA context, cuBLAS and cuDNN
start-up), as mnist-tools opens the device before training.
"""
import argparse
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from train_reference import DEFAULTS, full_batches, info, initial_params, l2_weights, load


def make_model(model, params):
    """The parameters as CUDA leaf tensors, and the function from a batch to the logits."""
    tensors = [torch.tensor(p, device="cuda", requires_grad=True) for p in params]
    if model == "lenet":
        # Filters flipped once, so that cross-correlation (conv2d) is Theano's convolution.
        with torch.no_grad():
            for i in (0, 2):
                tensors[i].copy_(tensors[i].flip(2, 3))

    def logits(x):
        if model == "logreg":
            return x @ tensors[0] + tensors[1]
        if model == "mlp":
            return torch.tanh(x @ tensors[0] + tensors[1]) @ tensors[2] + tensors[3]
        a = x.view(-1, 1, 28, 28)
        for w, b in ((tensors[0], tensors[1]), (tensors[2], tensors[3])):
            a = torch.tanh(F.max_pool2d(F.conv2d(a, w), 2) + b.view(1, -1, 1, 1))
        h = torch.tanh(a.flatten(1) @ tensors[4] + tensors[5])
        return h @ tensors[6] + tensors[7]

    return tensors, logits


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, choices=["logreg", "mlp", "lenet"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", required=True, type=int)
    parser.add_argument("--batch-size", type=int)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("train_torch.py: PyTorch sees no CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    settings = DEFAULTS[args.model]
    batch = args.batch_size or settings["batch"]
    data = load(args.data)
    splits = [full_batches(s, batch) for s in data]
    (tx, ty, n_train), (vx, vy, n_valid), (sx, sy, n_test) = [
        (torch.tensor(x, device="cuda"), torch.tensor(y, device="cuda", dtype=torch.int64), n) for x, y, n in splits]
    params, logits = make_model(args.model, initial_params(args.model, data[0][0].shape[1]))
    optimizer = torch.optim.SGD(params, lr=settings["lr"])
    penalised = [params[i] for i in l2_weights(args.model)]
    l2 = settings["l2"]

    def step(i):
        x, y = tx[i * batch:(i + 1) * batch], ty[i * batch:(i + 1) * batch]
        cost = F.cross_entropy(logits(x), y)
        if penalised:
            cost = cost + l2 * sum((w * w).sum() for w in penalised)
        optimizer.zero_grad(set_to_none=True)
        cost.backward()
        optimizer.step()

    @torch.no_grad()
    def errors(x, y, count):
        wrong = torch.zeros((), dtype=torch.int64, device="cuda")
        for i in range(count):
            wrong += (logits(x[i * batch:(i + 1) * batch]).argmax(1) != y[i * batch:(i + 1) * batch]).sum()
        return int(wrong)

    # Start-up outside the timed epochs: one step on a copy of the parameters, then put them back.
    saved = [p.detach().clone() for p in params]
    step(0)
    errors(vx, vy, 1)
    with torch.no_grad():
        for p, s in zip(params, saved):
            p.copy_(s)
    optimizer = torch.optim.SGD(params, lr=settings["lr"])
    torch.cuda.synchronize()

    info(f"versions: torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, "
         f"numpy {np.__version__}; device {torch.cuda.get_device_name()}")
    info(f"{args.model}: batch {batch}, lr {settings['lr']}, L2 {l2}; batches: train {n_train}, valid {n_valid}, test {n_test}")
    best = None
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        for i in range(n_train):
            step(i)
        wrong = errors(vx, vy, n_valid)
        test = "-"
        if best is None or wrong < best:
            best = wrong
            if n_test:
                test = f"{100.0 * errors(sx, sy, n_test) / (n_test * batch):f}"
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        print(f"epoch {epoch} seconds {seconds:.6f} validation_error {100.0 * wrong / (n_valid * batch):f} "
              f"test_error {test}", flush=True)


if __name__ == "__main__":
    main()
