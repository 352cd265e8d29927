"""make bench-render: images/s of `shaderkd render` on this machine, 1 worker and all cores, 32 and 128 px.

Each configuration first renders a warm-up set (Mesa compiles every shader on first use and caches
it on disk: that is the cold cost, reported separately), then times a fresh render of the same
bank into a new directory. The shader check (compile + timing of every shader) is reported apart
from the shard phase, which is what a long render spends its time on.

    uv run python bench/render_bench.py [--bank shaders] [--count-32 6000] [--count-128 1500]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from render.run import RenderConfig, render_set


def timed_render(bank, out, count, size, workers, seed):
    marks = {}

    def on_event(kind, **info):
        if kind == "renderer" and "shards" not in marks:
            marks["shards"] = time.perf_counter()
            marks["renderer"] = info["GL_RENDERER"]

    t0 = time.perf_counter()
    render_set(RenderConfig(bank=bank, out=str(out), count=count, size=size, seed=seed, workers=workers,
                            shard_size=max(50, count // (8 * max(workers, 1)))), on_event)
    t1 = time.perf_counter()
    start = marks.get("shards", t0)
    return {"total_s": t1 - t0, "check_s": start - t0, "shard_s": t1 - start, "img_per_s": count / (t1 - start),
            "renderer": marks.get("renderer")}


def naive_loop(bank_path, count, size, supersample=2, seed=3):
    """The baseline the engine is measured against: one process, one draw, one blocking read and one
    PNG per image (programs compiled and warmed first, as the engine does)."""
    import os

    os.environ.setdefault("LP_NUM_THREADS", "1")
    from render import frames as F
    from render.bank import load_bank
    from render.context import GLRenderer
    from render.params import draw
    from render.worker import _uniforms

    bank = load_bank(bank_path)
    shaders = bank.by_name()
    gl = GLRenderer(size * supersample)
    specs = [draw(seed, i, 0, bank.names, set()) for i in range(count)]
    progs = {n: gl.compile(n, shaders[n].fragment) for n in {s.shader for s in specs}}
    for s in specs[:len(progs) * 3]:
        gl.render(progs[s.shader], [_uniforms(s)])
    t0 = time.perf_counter()
    for s in specs:
        images, _ = F.finish(gl.render(progs[s.shader], [_uniforms(s)]), supersample)
        F.encode_png(images[0])
    return count / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", default="shaders")
    ap.add_argument("--count-32", type=int, default=6000)
    ap.add_argument("--count-128", type=int, default=1500)
    ap.add_argument("--out", default="bench/results/render.json")
    ap.add_argument("--naive", action="store_true", help="Also time the naive one-draw-one-read loop (1 core).")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="shaderkd-bench-"))
    try:
        for size, count in ((32, args.count_32), (128, args.count_128)):
            for workers in sorted({1, cores}):
                cold = timed_render(args.bank, tmp / f"cold-{size}-{workers}", max(200, count // 10), size, workers, seed=1)
                warm = timed_render(args.bank, tmp / f"warm-{size}-{workers}", count, size, workers, seed=2)
                row = {"size": size, "workers": workers, "count": count, "img_per_s": round(warm["img_per_s"], 1),
                       "shard_s": round(warm["shard_s"], 2), "check_s_warm": round(warm["check_s"], 2),
                       "check_s_cold": round(cold["check_s"], 2), "renderer": warm["renderer"]}
                rows.append(row)
                print(f"{size:4d} px  {workers} worker(s)  {row['img_per_s']:9.1f} img/s  "
                      f"(shards {row['shard_s']:.1f} s for {count}; shader check {row['check_s_cold']:.1f} s cold, "
                      f"{row['check_s_warm']:.1f} s warm)  on {row['renderer']}", flush=True)
        if args.naive:
            for size, count in ((32, args.count_32 // 2), (128, args.count_128 // 2)):
                rate = naive_loop(args.bank, count, size)
                rows.append({"size": size, "workers": 1, "count": count, "img_per_s": round(rate, 1), "naive": True})
                print(f"{size:4d} px  naive loop, 1 core  {rate:9.1f} img/s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"machine": {"cores": cores, "cpu": platform.processor() or platform.machine()},
                                          "bank": args.bank, "rows": rows}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
