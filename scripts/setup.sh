#!/usr/bin/env bash
# Installs the Debian packages neardup builds against, if any are missing.
# Idempotent: a machine that has them all is left untouched. Needs root (or sudo)
# only when something is missing. Nothing is downloaded at build time.
set -euo pipefail

packages=(
  build-essential cmake pkg-config gzip zstd clang-14 libclang-rt-14-dev
  libxxhash-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libutf8proc-dev libsimdjson-dev libcli11-dev libzstd-dev zlib1g-dev libssl-dev
  libxml2-dev libbrotli-dev  # brotli: the library decodes, the tests also encode (libbrotlienc)
  pybind11-dev python3-dev python3-numpy python3-pytest python3-venv python3-pip
  python3-setuptools python3-wheel python3-build python3-scipy
  python3-dask python3-distributed
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
