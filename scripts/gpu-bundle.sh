#!/usr/bin/env bash
# Builds mnist-tools as a folder that runs on an x86-64 Linux machine without a Swift
# toolchain or this project's apt packages, such as a GPU machine that has only CUDA,
# Python and PyTorch:
#
#   OUT/mnist-tools        the Swift runtime and Foundation linked in (--static-swift-stdlib)
#   OUT/lib/               the C libraries it links, copied from this machine: OpenBLAS (and
#                          its Fortran runtime), libpng, libdeflate, zlib, libcrypto; found
#                          through an rpath of $ORIGIN/lib (DT_RPATH, so their own
#                          dependencies are found there too)
#   OUT/bench/             bench/gpu.sh, epoch_lines.py, train_torch.py and train_reference.py
#   OUT/bench/fashion-classic.pkl.gz   the data file, when DATA names one
#
# glibc and the C++ runtime come from the target machine (every Linux with PyTorch has
# them); the script prints the newest glibc symbol version the binary needs. CUDA is not
# bundled: mnist-tools loads it from the machine at run time (train --device gpu).
#
# Usage: scripts/gpu-bundle.sh [OUT]     (default dist/mnist-tools-linux-x86_64)
# Environment: DATA, a classic-format file to carry along (e.g. bench/data/fashion-classic.pkl.gz)
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-dist/mnist-tools-linux-x86_64}"
flags=(-c release --product mnist-tools --static-swift-stdlib
       -Xlinker --disable-new-dtags -Xlinker -rpath -Xlinker '$ORIGIN/lib')
swift build "${flags[@]}"
binary="$(swift build "${flags[@]}" --show-bin-path)/mnist-tools"

rm -rf "$out"
mkdir -p "$out/lib" "$out/bench"
cp "$binary" "$out/mnist-tools"
# Every library the loader resolves for it, but glibc's own and the C++ runtime.
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r library; do
    case "$(basename "$library")" in
        libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | libutil.so.* | ld-linux* | \
            libstdc++.so.* | libgcc_s.so.*) ;;
        *) cp -L "$library" "$out/lib/" ;;
    esac
done
cp bench/gpu.sh bench/epoch_lines.py bench/train_torch.py bench/train_reference.py "$out/bench/"
if [[ -n "${DATA:-}" ]]; then
    cp "$DATA" "$out/bench/fashion-classic.pkl.gz"
fi

echo "bundle: $out" >&2
echo "libraries carried: $(cd "$out/lib" && echo *)" >&2
echo "newest glibc symbol version needed: $(objdump -T "$out/mnist-tools" "$out"/lib/* | grep -o 'GLIBC_[0-9.]*' | sort -V | tail -n 1)" >&2
# What the loader would take, with no environment at all: nothing from this machine's
# library folders but glibc and the C++ runtime.
env -i "$out/mnist-tools" --help >/dev/null
env -i ldd "$out/mnist-tools" >&2
