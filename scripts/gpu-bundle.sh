#!/usr/bin/env bash
# Gather what a GPU machine without package registries needs for scripts/gpu-check.sh, into one
# git-ignored folder (default .gpu-bundle/), on a machine that has the registries:
#   whl/     wheels for Python 3.12, manylinux x86_64, of the project's dependencies that the GPU
#            image lacks (moderngl, glcontext, webdataset, braceexpand; GPU_BUNDLE_PACKAGES adds
#            more), at the versions uv.lock pins
#   deb/     the GL loader packages (libegl1 libgl1 libglvnd0 libopengl0 libglx0 libgles2 libvulkan1),
#            amd64, for a machine whose NVIDIA driver is mounted without the glvnd loaders
#   shared/data/cifar10-jpeg/   the CIFAR-10 JPEG tarballs from ../shared (or $SHADERKD_SHARED)
# and print the one command to run on the GPU machine. The folder must stay under 64 MiB with the repo.
#
#   scripts/gpu-bundle.sh [FOLDER]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUNDLE=${1:-.gpu-bundle}
PY=${PYTHON:-python3}
SHARED=${SHADERKD_SHARED:-$ROOT/../shared}
PACKAGES=${GPU_BUNDLE_PACKAGES:-moderngl glcontext webdataset braceexpand}
DEBS="libegl1 libgl1 libglvnd0 libopengl0 libglx0 libgles2 libvulkan1"
LIMIT=$((64 * 1024 * 1024))

case "$BUNDLE" in /*) ;; *) git check-ignore -q "$BUNDLE/x" || {
  echo "gpu-bundle: $BUNDLE is not git-ignored; add it to .gitignore (it must travel as a carried path)" >&2; exit 2; } ;; esac
if [ -e "$BUNDLE" ] && [ ! -f "$BUNDLE/.shaderkd-gpu-bundle" ]; then
  echo "gpu-bundle: $BUNDLE exists and is not a bundle made by this script; name another folder" >&2; exit 2
fi
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/whl" "$BUNDLE/deb" "$BUNDLE/shared/data/cifar10-jpeg"
touch "$BUNDLE/.shaderkd-gpu-bundle"

# -- wheels, at the lock's versions (the Python 3.12 entry where the lock has several)
pins=$("$PY" - "$ROOT/uv.lock" $PACKAGES <<'PYEOF'
import sys, tomllib
lock = tomllib.load(open(sys.argv[1], "rb"))
for name in sys.argv[2:]:
    versions = [p["version"] for p in lock["package"] if p["name"] == name]
    if not versions:
        sys.exit(f"gpu-bundle: {name} is not in uv.lock")
    # several entries differ by Python version marker; the newest is the one for Python 3.12
    print(f"{name}=={max(versions, key=lambda v: tuple(int(x) if x.isdigit() else 0 for x in v.split('.')))}")
PYEOF
)
echo "gpu-bundle: wheels $pins" >&2
platforms=()
for n in 39 35 34 31 28 27 24 17 5; do platforms+=(--platform "manylinux_2_${n}_x86_64"); done
# shellcheck disable=SC2086
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  "${platforms[@]}" --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any \
  -d "$BUNDLE/whl" $pins

# -- GL loader packages for amd64, whatever this machine's architecture
lists=$(mktemp -d)
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
mkdir -p "$lists/partial"
apt-get "${apt_opts[@]}" update -qq >/dev/null
# shellcheck disable=SC2086
(cd "$BUNDLE/deb" && apt-get "${apt_opts[@]}" download -qq $DEBS)
rm -rf "$lists"

# -- the CIFAR-10 JPEG splits
for f in train.tar.gz val.tar.gz; do
  src="$SHARED/data/cifar10-jpeg/$f"
  [ -f "$src" ] || { echo "gpu-bundle: $src is missing (set SHADERKD_SHARED to the folder holding data/cifar10-jpeg)" >&2; exit 1; }
  cp "$src" "$BUNDLE/shared/data/cifar10-jpeg/$f"
done

size=$(du -sb "$BUNDLE" | cut -f1)
repo=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
echo "gpu-bundle: $BUNDLE holds $(ls "$BUNDLE/whl" | wc -l) wheels, $(ls "$BUNDLE/deb" | wc -l) .deb files and the CIFAR-10 JPEG splits:" \
     "$((size / 1024)) KiB; with the repo's tracked files $(((size + repo) / 1024)) KiB of the 64 MiB that may travel" >&2
if [ $((size + repo)) -gt $LIMIT ]; then echo "gpu-bundle: over 64 MiB" >&2; exit 1; fi
cat <<EOM
On the GPU machine, from the repository root with $BUNDLE beside it (carry it: it is git-ignored):

  bash scripts/gpu-check.sh --bundle $BUNDLE runs/gpu-check

Through this workplace's device tool: run(carry=["$BUNDLE"], timeout_s=600, command=
  "set -o pipefail; bash scripts/gpu-check.sh --bundle $BUNDLE runs/gpu-check 2>&1 | tee \$OUT/gpu-check.log; cp runs/gpu-check/gpu-check.json runs/gpu-check/gpu-check.md \$OUT/; tar czf \$OUT/logs.tar.gz -C runs/gpu-check logs")
EOM
