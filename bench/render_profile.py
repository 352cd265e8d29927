"""Per-stage CPU profile of a render worker: the worker's own shard loop, driven in-process.

Each stage function is wrapped with a CPU timer (`time.process_time`: every thread of the process,
llvmpipe's rasteriser included, and none of the other jobs of a shared machine). The check runs
first, so that programs are compiled before the timed shards (set SHADERKD_CHECK_CACHE=off, or the
cached check leaves the compiling to the first shard). bench/NOTES-render.md, section 4.

    LP_NUM_THREADS=1 SHADERKD_CHECK_CACHE=off uv run python bench/render_profile.py shaders 32 1 4000
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("LP_NUM_THREADS", "1")
os.environ.setdefault("glsl_zero_init", "true")

import render.worker as W  # noqa: E402
from render.bank import load_bank  # noqa: E402
from render.context import GLRenderer  # noqa: E402
from shards import format as fmt  # noqa: E402


def main(bank_path: str, size: int, supersample: int, count: int) -> None:
    spent: dict[str, float] = defaultdict(float)

    def wrap(obj, attr, label):
        f = getattr(obj, attr)

        def timed(*a, **k):
            t = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent[label] += time.process_time() - t
        setattr(obj, attr, timed)

    events = []

    class Channel:
        def put(self, ev):
            events.append(ev)

    bank = load_bank(bank_path)
    gl = GLRenderer(size * supersample)
    worker = W._Worker(0, {"bank_hash": bank.hash, "size": size, "supersample": supersample, "batch": 16},
                       bank, gl, Channel())
    for name in bank.names:
        worker.check(name, 2)
    excluded = sorted({e[2] for e in events if e[0] == "checked" and (e[3] != "ok" or e[5] > 500)})
    wrap(W, "draw", "sample parameters (params.draw)")
    wrap(gl, "render_groups", "draw + read-back")
    wrap(W.F, "finish", "checks + resolve")
    wrap(W.F, "encode_png", "PNG")
    wrap(W.fmt, "write_shard", "tar (write_shard)")
    out = Path(tempfile.mkdtemp(prefix="shaderkd-profile-"))
    (out / fmt.PARTS_DIR).mkdir()
    jobs = [{"seed": 2, "excluded": excluded, "first_index": a, "count": c, "max_attempts": 64,
             "out_dir": str(out), "name": fmt.shard_name(k), "shard": k}
            for k, (a, c) in enumerate(fmt.shard_ranges(count, 1000))]
    t = time.process_time()
    for job in jobs:
        worker.shard(job)
    total = time.process_time() - t
    print(f"{count / total:.0f} images/s of CPU, {total / count * 1e6:.0f} us per image "
          f"({len(excluded)} shaders excluded)")
    for label, v in spent.items():
        print(f"  {label:34s} {v / count * 1e6:7.1f} us")
    print(f"  {'records, loop, events':34s} {(total - sum(spent.values())) / count * 1e6:7.1f} us")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
