#!/usr/bin/env bash
# Installs what building, testing and the demo need on a fresh Debian machine:
# the C libraries (through apt), the Python helpers used by fixtures and benchmarks (pip), and
# NVRTC from PyPI, which the tests use to compile the GPU kernels (no GPU needed) beside g++,
# which builds the tests' CPU emulation of the CUDA driver.
set -euo pipefail

apt_packages=(zlib1g-dev libdeflate-dev libdeflate-tools libpng-dev libopenblas-dev libssl-dev dataset-fashion-mnist time g++)
missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing ${missing[*]}" >&2
    sudo_if_needed=()
    [[ $(id -u) -eq 0 ]] || sudo_if_needed=(sudo)
    "${sudo_if_needed[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -c "import numpy, mlxtend" 2>/dev/null || python3 -m pip install -q numpy mlxtend
python3 -m pip show -q nvidia-cuda-nvrtc-cu12 >/dev/null 2>&1 || PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q nvidia-cuda-nvrtc-cu12
