"""Per-stage CPU profile of a render worker: the worker's own shard loop, driven in-process.

Each stage is wrapped with a CPU timer (`time.process_time`: every thread of the process, llvmpipe's
rasteriser included, and none of the other jobs of a shared machine). The check runs first, so that
programs are compiled before the timed shards (set SHADERKD_CHECK_CACHE=off, or the cached check
leaves the compiling to the first shard). Events go over a real pipe to a thread that reads them (the
parent's side of the IPC), so "events (IPC)" is what a worker and its parent pay per event.

Stages: sample parameters (`params.draw`, now `params.draw_many`); draw calls (the table upload and GL calls, shading is
asynchronous); shading (the waits for the rasteriser, `ctx.finish`); read-back (`fbo.read`); de-tile
(atlas -> frames copy); checks + resolve (`frames.finish`); PNG; tar (`write_shard`); events; the
rest (records, loop). bench/NOTES-render.md, sections 4 and 11.

    LP_NUM_THREADS=1 SHADERKD_CHECK_CACHE=off uv run python bench/render_profile.py shaders 32 1 4000
    ... bench/render_profile.py ../shared/data/shadertoy-permissive/shaders.jsonl 32 1 4000 --first 400
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("LP_NUM_THREADS", "1")
os.environ.setdefault("glsl_zero_init", "true")

import render.context as C  # noqa: E402
import render.frames as F  # noqa: E402
import render.params as P  # noqa: E402
import render.worker as W  # noqa: E402
from render.bank import load_bank  # noqa: E402
from shards import format as fmt  # noqa: E402


def main(bank_path: str, size: int, supersample: int, count: int, first: int | None, shard_size: int) -> None:
    spent: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)

    def wrap(obj, attr, label):
        f = getattr(obj, attr, None)
        if f is None:  # the other version of the worker (the profile runs on old and new code)
            return

        def timed(*a, **k):
            t = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent[label] += time.process_time() - t
                calls[label] += 1
        setattr(obj, attr, timed)

    if first:
        lines = Path(bank_path).read_text().splitlines()[:first]
        path = Path(tempfile.mkdtemp(prefix="shaderkd-profile-bank-")) / "bank.jsonl"
        path.write_text("\n".join(lines) + "\n")
        bank_path = str(path)
    receive, send = mp.Pipe(duplex=False)
    received = []

    def drain():
        while True:
            ev = receive.recv()
            if ev is None:
                return
            received.append(ev)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()

    class Channel:
        def put(self, ev):
            send.send(ev)

    bank = load_bank(bank_path)
    gl = C.GLRenderer(size * supersample)
    worker = W._Worker(0, {"bank_hash": bank.hash, "size": size, "supersample": supersample, "batch": 16},
                       bank, gl, Channel())
    t = time.perf_counter()
    for name in bank.names:
        worker.check(name, 2)
    send.send(None)
    reader.join()
    check_s = time.perf_counter() - t
    # excluded as `render_set` does: not ok, or slower than its default --max-frame-ms (500)
    excluded = sorted({e[2] for e in received if e[0] == "checked" and (e[3] != "ok" or e[5] > 500)})
    excluded += [n for n in bank.names if not bank.by_name()[n].usable]
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    wrap(W, "draw", "sample parameters (params.draw)")  # old code: imported by render.worker
    wrap(P, "draw_many", "sample parameters (params.draw)")  # new: imported where it is used
    wrap(gl, "_draw_atlas", "draw + read-back (old: + de-tile)")
    wrap(gl.ctx, "finish", "  of which shading (ctx.finish)")
    wrap(gl.fbo, "read", "  of which read-back (fbo.read)")
    wrap(gl.fbo, "read_into", "  of which read-back (fbo.read)")
    if hasattr(F, "finish_atlas"):
        wrap(F, "finish_atlas", "checks + resolve (+ de-tile)")
        wrap(F, "encode_pngs", "PNG")
    else:
        wrap(F, "finish", "checks + resolve (+ de-tile)")
        wrap(F, "encode_png", "PNG")
    wrap(fmt, "write_shard", "tar (write_shard)")
    wrap(Channel, "put", "events (IPC, both ends)")
    out = Path(tempfile.mkdtemp(prefix="shaderkd-profile-"))
    (out / fmt.PARTS_DIR).mkdir()
    jobs = [{"seed": 2, "excluded": excluded, "first_index": a, "count": c, "max_attempts": 64,
             "out_dir": str(out), "name": fmt.shard_name(k), "shard": k}
            for k, (a, c) in enumerate(fmt.shard_ranges(count, shard_size))]
    t = time.process_time()
    try:
        for job in jobs:
            worker.shard(job)
        send.send(None)
        reader.join()
        total = time.process_time() - t
    finally:  # after the timing
        shutil.rmtree(out, ignore_errors=True)
        if first:
            shutil.rmtree(Path(bank_path).parent, ignore_errors=True)
    print(f"{count / total:.0f} images/s of CPU, {total / count * 1e6:.0f} us per image "
          f"({len(set(excluded))} shaders excluded, check {check_s:.1f} s wall)")
    nested = sum(v for k, v in spent.items() if k.startswith("  "))
    for label, v in spent.items():
        print(f"  {label:36s} {v / count * 1e6:7.1f} us  ({calls[label] / len(jobs):7.1f} calls per shard)")
    print(f"  {'records, loop':36s} {(total - sum(spent.values()) + nested) / count * 1e6:7.1f} us")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("bank")
    ap.add_argument("size", type=int)
    ap.add_argument("supersample", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--first", type=int, help="Only the first N shaders of a JSONL bank.")
    ap.add_argument("--shard-size", type=int, default=1000)
    a = ap.parse_args()
    main(a.bank, a.size, a.supersample, a.count, a.first, a.shard_size)
