#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets that read formats other than pickles.

Every seed is made from the digits of fixtures/py2-mnist-tiny.pkl (3 splits of 4 random
2x3 images with labels): IDX files, .npy files, .npz archives, PNG images and a
dataset.json, each in the variants the readers accept (element types, byte orders,
versions, compression, colour types, bit depths, interlacing). The pickle targets' seeds
are the pickle fixtures themselves (see run.sh). Output is deterministic.

    python3 fuzz/make_seeds.py        # rewrites fuzz/corpus/{idx,npy,npz,png,manifest}/
"""
import hashlib
import io
import json
import pickle
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def tiny_splits():
    """The fixture's splits as (name, uint8 images (N, 2, 3), uint8 labels (N,))."""
    with open(ROOT / "fixtures" / "py2-mnist-tiny.pkl", "rb") as file:
        splits = pickle.load(file, encoding="latin1")
    names = ["train", "valid", "test"]
    return [(name, (x * 256).astype(np.uint8).reshape(-1, 2, 3), y.astype(np.uint8))
            for name, (x, y) in zip(names, splits)]


def idx_bytes(array):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
             np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.tobytes()


def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    if version is None:
        np.lib.format.write_array(buffer, array, allow_pickle=False)
    else:
        np.lib.format.write_array(buffer, array, version=version, allow_pickle=False)
    return buffer.getvalue()


def npz_bytes(arrays, compression, zip64):
    """An archive as np.savez writes one, with a fixed date so the bytes never change."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            with archive.open(info, "w", force_zip64=zip64) as member:
                member.write(npy_bytes(array))
    return buffer.getvalue()


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_bytes(samples, color_type, depth, interlaced=False, palette=None, transparency=None):
    """A PNG of `samples` (rows, columns, channels), every scan line with filter type 1 (Sub)
    except the first of each pass, which uses 0 (None)."""
    height, width, channels = samples.shape
    bytes_per_pixel = max(1, depth * channels // 8)

    def packed(row):
        values = [int(v) for v in row.reshape(-1)]
        if depth == 16:
            return b"".join(struct.pack(">H", v) for v in values)
        if depth == 8:
            return bytes(values)
        bits = "".join(format(v, "0%db" % depth) for v in values)
        bits += "0" * (-len(bits) % 8)
        return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))

    scan_lines = b""
    for x0, y0, dx, dy in ADAM7 if interlaced else [(0, 0, 1, 1)]:
        part = samples[y0::dy, x0::dx]
        for index, row in enumerate(part if part.shape[1] else []):
            line = packed(row)
            if index == 0:
                scan_lines += b"\x00" + line
            else:
                scan_lines += b"\x01" + bytes((line[i] - (line[i - bytes_per_pixel] if i >= bytes_per_pixel else 0)) & 0xFF
                                              for i in range(len(line)))
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlaced else 0)
    chunks = png_chunk(b"IHDR", header)
    if palette is not None:
        chunks += png_chunk(b"PLTE", bytes(palette))
    if transparency is not None:
        chunks += png_chunk(b"tRNS", bytes(transparency))
    chunks += png_chunk(b"tEXt", b"Comment\x00fuzz seed")
    return b"\x89PNG\r\n\x1a\n" + chunks + png_chunk(b"IDAT", zlib.compress(scan_lines, 9)) + png_chunk(b"IEND", b"")


def manifest_bytes(splits, file_format, write):
    """dataset.json as `convert` writes it for these splits, their files made by `write`."""
    entries = []
    for name, images, labels in splits:
        files = {}
        for part, array in (("images", images), ("labels", labels)):
            file = f"{name}-{part}.npy" if file_format == "npy" else IDX_NAMES[name, part]
            files[part] = {"file": file, "sha256": hashlib.sha256(write(array)).hexdigest()}
        entries.append({
            "name": name, "count": len(images), "rows": images.shape[1], "columns": images.shape[2],
            "pixels": {"dtype": "uint8", "divisor": 256}, **files,
            "class_counts": np.bincount(labels).tolist(),
        })
    document = {"format": "mnist-tools dataset", "version": 1, "file_format": file_format, "classes": 10,
                "source": {"path": "fixtures/py2-mnist-tiny.pkl", "sha256": None}, "splits": entries}
    return (json.dumps(document, indent=2) + "\n").encode()


IDX_NAMES = {(name, part): f"{prefix}-{part}-idx{3 if part == 'images' else 1}-ubyte"
             for name, prefix in (("train", "train"), ("valid", "valid"), ("test", "t10k"))
             for part in ("images", "labels")}


def seeds():
    splits = tiny_splits()
    name, images, labels = splits[0]
    flat = images.reshape(len(images), -1)
    yield "idx/images-u1", idx_bytes(images)
    yield "idx/labels-u1", idx_bytes(labels)
    yield "idx/images-i1", idx_bytes(images.astype(np.int8))
    yield "idx/images-i2", idx_bytes(flat.astype(">i2"))
    yield "idx/images-i4", idx_bytes(flat.astype(">i4"))
    yield "idx/images-f4", idx_bytes((images / 255).astype(">f4"))
    yield "idx/labels-f8", idx_bytes(labels.astype(">f8"))

    yield "npy/images-u1", npy_bytes(images)
    yield "npy/labels-i8", npy_bytes(labels.astype("<i8"))
    yield "npy/images-f4", npy_bytes((images / 256).astype("<f4"))
    yield "npy/images-f8-big-endian", npy_bytes(flat.astype(">f8"))
    yield "npy/images-fortran", npy_bytes(np.asfortranarray(flat.astype("<i2")))
    yield "npy/labels-version2", npy_bytes(labels, version=(2, 0))
    yield "npy/labels-bool", npy_bytes(labels > 4)
    yield "npy/scalar-f2", npy_bytes(np.float16(0.5).reshape(()))

    arrays = {}
    for name, split_images, split_labels in (splits[0], splits[2]):
        prefix = "train" if name == "train" else "test"
        arrays[f"x_{prefix}"], arrays[f"y_{prefix}"] = split_images, split_labels
    yield "npz/stored", npz_bytes(arrays, zipfile.ZIP_STORED, zip64=False)
    yield "npz/deflated", npz_bytes(arrays, zipfile.ZIP_DEFLATED, zip64=False)
    yield "npz/deflated-zip64", npz_bytes(arrays, zipfile.ZIP_DEFLATED, zip64=True)

    digit = images[0][:, :, None]
    big = np.kron(images[1], np.ones((3, 3), dtype=np.uint8))[:, :, None]   # 6x9, for Adam7
    rgb = np.concatenate([digit, 255 - digit, digit // 2], axis=2)
    yield "png/gray8", png_bytes(digit, 0, 8)
    yield "png/gray1", png_bytes(digit >> 7, 0, 1)
    yield "png/gray2", png_bytes(digit >> 6, 0, 2)
    yield "png/gray4-transparent", png_bytes(digit >> 4, 0, 4, transparency=[0, 3])
    yield "png/gray16", png_bytes(digit.astype(np.uint16) * 257, 0, 16)
    yield "png/gray8-interlaced", png_bytes(big, 0, 8, interlaced=True)
    yield "png/rgb8", png_bytes(rgb, 2, 8)
    yield "png/rgba8", png_bytes(np.concatenate([rgb, digit], axis=2), 6, 8)
    yield "png/gray-alpha16-interlaced", png_bytes(np.concatenate([big, big], axis=2).astype(np.uint16) * 257, 4, 16, interlaced=True)
    yield "png/palette4", png_bytes(digit >> 4, 3, 4, palette=[v for k in range(16) for v in (k * 17, 255 - k * 17, k)],
                                   transparency=[255, 128, 0])

    yield "manifest/dataset-idx.json", manifest_bytes(splits, "idx", idx_bytes)
    yield "manifest/dataset-npy.json", manifest_bytes(splits, "npy", npy_bytes)


def main():
    for target in ("idx", "npy", "npz", "png", "manifest"):
        shutil.rmtree(CORPUS / target, ignore_errors=True)
        (CORPUS / target).mkdir(parents=True)
    for name, data in seeds():
        (CORPUS / name).write_bytes(data)


if __name__ == "__main__":
    main()
