#!/usr/bin/env bash
# Set up shaderkd on a fresh Debian 12 machine with Python 3.11: uv, the EGL/Mesa system libraries,
# and the locked Python environment (.venv). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! command -v uv >/dev/null 2>&1 && ! "$PY" -m uv --version >/dev/null 2>&1; then
  echo "setup: uv is missing; installing it from PyPI with pip" >&2
  "$PY" -m pip install --quiet uv 2>/dev/null || "$PY" -m pip install --quiet --user uv || \
    "$PY" -m pip install --quiet --break-system-packages uv
fi
UV=$(command -v uv || echo "$PY -m uv")

# Headless OpenGL: libEGL (glvnd), Mesa's EGL vendor library and its llvmpipe driver.
missing=()
ldconfig -p | grep -q 'libEGL.so.1 '       || missing+=(libegl1)
ldconfig -p | grep -q 'libEGL_mesa.so.0 '  || missing+=(libegl-mesa0)
ldconfig -p | grep -q 'libGL.so.1 '        || missing+=(libgl1)
ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1 || missing+=(libgl1-mesa-dri)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]} (headless OpenGL over EGL)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "setup: the renderer needs these Debian packages: ${missing[*]}" >&2
    echo "       install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# --compile-bytecode: this environment may set PYTHONDONTWRITEBYTECODE, and then every process (each
# test subprocess, each render worker) would compile numpy, torch, ... from source again (~0.3 s each)
$UV sync --all-extras --locked --compile-bytecode
