"""What shading costs per pixel, per shader, at two frame sizes: the fill-rate bound, read correctly.

For each usable shader of the first `--limit` of a bank (minus the shaders a set's manifest excluded),
the CPU time of drawing `--frames` frames in one atlas call at 32 px and one frame at 256 px (the
best of two tries, after a first draw that compiles), divided by the pixels drawn. Reports, per size:

- *aggregate*: total pixels / total time, i.e. the rate for frames drawn from shaders picked
  uniformly, as a render draws them; the slowest shaders dominate it;
- *median shader*: the rate of the median shader; a "typical" figure the slow tail does not move;
- the share of the time the slowest tenth of the shaders take, and the per-shader cost ratio
  32 px / 256 px (what small tiles add per pixel).

    LP_NUM_THREADS=1 uv run python bench/fill_rate.py --bank ../shared/data/shadertoy-permissive/shaders.jsonl \
        --limit 400 --exclude-from shards/shadertoy/manifest.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from render.bank import load_bank  # noqa: E402
from render.context import GLRenderer  # noqa: E402
from render.params import draw  # noqa: E402
from render.worker import _uniforms  # noqa: E402
from shaderkd.machine import cpu_model  # noqa: E402


def seconds_per_pixel(gl: GLRenderer, program, name: str, frames: int) -> float:
    uniforms = [_uniforms(draw(0, i, 0, [name], set())) for i in range(frames)]
    best = float("inf")
    for _ in range(2):
        t = time.process_time()
        gl.render_groups([(program, uniforms)])
        best = min(best, time.process_time() - t)
    return best / (frames * gl.frame_px ** 2)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bank", required=True)
    p.add_argument("--limit", type=int, default=400, help="the first N shaders of the bank")
    p.add_argument("--exclude-from", help="a set's manifest.json: skip the shaders its render excluded")
    p.add_argument("--frames", type=int, default=64, help="frames per atlas call at 32 px")
    p.add_argument("--out", help="write the per-shader figures here (JSON)")
    args = p.parse_args(argv)
    bank = load_bank(args.bank)
    excluded = set()
    if args.exclude_from:
        excluded = {e["shader"] for e in json.loads(Path(args.exclude_from).read_text())["bank"]["excluded"]}
    shaders = [s for s in bank.shaders[:args.limit] if s.usable and s.name not in excluded]
    per = {}
    for px, frames in ((256, 1), (32, args.frames)):
        gl = GLRenderer(px)
        progs = {s.name: gl.compile(s.name, s.fragment) for s in shaders}
        gl.render_groups([(progs[s.name], [_uniforms(draw(0, 0, 0, [s.name], set()))]) for s in shaders])
        per[px] = {s.name: seconds_per_pixel(gl, progs[s.name], s.name, frames) for s in shaders}
    report = {"bank": args.bank, "shaders": len(shaders), "cpu": cpu_model()}
    for px, d in per.items():
        v = np.array(list(d.values()))
        report[f"{px}px"] = {"aggregate_mpx_s": 1e-6 / v.mean(), "median_shader_mpx_s": 1e-6 / float(np.median(v)),
                             "aggregate_img_s_at_32px": 1 / (v.mean() * 32 * 32),
                             "slowest_tenth_time_share": float(np.sort(v)[::-1][:max(1, len(v) // 10)].sum() / v.sum())}
    ratio = np.array([per[32][n] / per[256][n] for n in per[32]])
    report["cost_ratio_32_over_256"] = {"median": float(np.median(ratio)), "p10": float(np.percentile(ratio, 10)),
                                        "p90": float(np.percentile(ratio, 90))}
    if args.out:
        Path(args.out).write_text(json.dumps({**report, "per_shader_s_per_px": per}, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
