#!/usr/bin/env python3
"""The Python way to do what `mnist-tools convert` does: load the classic pickle, turn
pixel/256 floats into bytes, write LeCun IDX files and a manifest with SHA-256s.

    convert_numpy.py mnist.pkl.gz OUTDIR
"""
import gzip
import hashlib
import json
import os
import pickle
import struct
import sys


def write_idx(path, array, type_code):
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, type_code, array.ndim))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(array.tobytes())
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    import numpy as np

    source, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with gzip.open(source) as f:
        splits = pickle.load(f, encoding="latin1")
    names = ["train", "valid", "test"][: len(splits)]
    manifest = {"source": source, "splits": []}
    for name, (images, labels) in zip(names, splits):
        prefix = "t10k" if name == "test" else name
        pixels = np.rint(images * 256).astype(np.uint8).reshape(-1, 28, 28)
        entry = {
            "name": name,
            "images": write_idx(f"{out}/{prefix}-images-idx3-ubyte", pixels, 0x08),
            "labels": write_idx(f"{out}/{prefix}-labels-idx1-ubyte", labels.astype(np.uint8), 0x08),
            "class_counts": np.bincount(labels).tolist(),
        }
        manifest["splits"].append(entry)
    with open(source, "rb") as f:
        manifest["sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(f"{out}/dataset.json", "w") as f:
        json.dump(manifest, f, indent=2)


if __name__ == "__main__":
    main()
