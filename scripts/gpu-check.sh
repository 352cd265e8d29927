#!/usr/bin/env bash
# The GPU run in one command: environment, render, teacher, distil (shader and DFAD), report.
#
#   scripts/gpu-check.sh [--smoke] [--bundle DIR] [OUT_DIR] [driver options...]
#
# OUT_DIR (default runs/gpu-check) receives gpu-check.json, gpu-check.md, logs/ and the runs.
# --smoke   every stage on the CPU with tiny sizes (what `make gpu-check SMOKE=1` and the tests run)
# --bundle  a folder made by scripts/gpu-bundle.sh: its .deb files (GL loaders) are unpacked into /
#           when libEGL is missing (as root), its wheels installed into /tmp/shaderkd-site, and its
#           CIFAR-10 JPEG copy used as the data. For a machine without registries or uv.
# Python: $PYTHON, else the project's .venv (without --bundle), else python3; the project runs from
# PYTHONPATH, never installed. Driver options (--minutes, --stages, --data): bench/gpu_check.py --help.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

smoke=() bundle="" out=runs/gpu-check rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=(--smoke); shift ;;
    --bundle) bundle=${2:?--bundle needs a folder}; shift 2 ;;
    --bundle=*) bundle=${1#--bundle=}; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) rest+=("$1"); if [ $# -gt 1 ] && [[ "$2" != -* ]]; then rest+=("$2"); shift; fi; shift ;;
    *) out=$1; shift ;;
  esac
done

if [ -n "$bundle" ]; then
  [ -d "$bundle" ] || { echo "gpu-check: bundle folder $bundle does not exist (make it with scripts/gpu-bundle.sh)" >&2; exit 2; }
  if compgen -G "$bundle/deb/*.deb" >/dev/null && ! ldconfig -p | grep -q 'libEGL.so.1 '; then
    if [ "$(id -u)" = 0 ]; then
      echo "gpu-check: unpacking the GL loader packages from $bundle/deb" >&2
      for f in "$bundle"/deb/*.deb; do dpkg -x "$f" /; done
      ldconfig
    else
      echo "gpu-check: libEGL is missing and unpacking $bundle/deb into / needs root" >&2
    fi
  fi
  if compgen -G "$bundle/whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target /tmp/shaderkd-site "$bundle"/whl/*.whl || { echo "gpu-check: installing the bundle's wheels failed" >&2; exit 2; }
    export PYTHONPATH=/tmp/shaderkd-site${PYTHONPATH:+:$PYTHONPATH}
  fi
  if [ -d "$bundle/shared" ]; then export SHADERKD_SHARED=$(cd "$bundle/shared" && pwd); fi
fi

# The NVIDIA driver's EGL vendor file, where the driver is mounted rather than installed.
nv=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$nv" ] && ! ls /usr/share/glvnd/egl_vendor.d/*nvidia* >/dev/null 2>&1; then
  export __EGL_VENDOR_LIBRARY_FILENAMES=$nv
fi

if [ -n "${PYTHON:-}" ]; then PY=$PYTHON
elif [ -z "$bundle" ] && [ -x .venv/bin/python ]; then PY=.venv/bin/python
else PY=python3
fi
export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
# one raster thread per render worker on llvmpipe (the smoke run); no effect on the NVIDIA driver
[ ${#smoke[@]} -gt 0 ] && export LP_NUM_THREADS=${LP_NUM_THREADS:-1}
exec "$PY" bench/gpu_check.py --out "$out" "${smoke[@]}" "${rest[@]}"
