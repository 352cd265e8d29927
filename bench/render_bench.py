"""make bench-render: `shaderkd render` against a naive loop, whole process against whole process.

Both sides run as their own process on the same core (`taskset`), one raster thread each
(LP_NUM_THREADS=1), on the same shaders (the naive loop skips the shaders the engine excluded), and
are timed the same way: from the process's start to its exit, alternating engine / naive so that a
load change on a shared machine hits both. Both wall time and the CPU time of the whole process tree
(the engine's worker included) are reported: on a core shared with other jobs wall time measures them
too, CPU time does not. Each side also reports its setup apart: the engine's
shader check (compile and time every shader; cached per bank, renderer and size after the first
run) and the naive loop's compile and first draw of every shader.

- engine: `render_set` with 1 worker (parent + worker process), shards of 1,000.
- fill: the fill-rate bound, the CPU time of the draws alone (see `fill_side`), run once per row.
- naive: one EGL context, and per image one draw, one blocking read, one Pillow PNG (level 6, its
  default) and one tar member (the pattern of the shaders21k renderer).

    uv run python bench/render_bench.py [--bank shaders] [--shadertoy PATH] [--runs 3]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from shaderkd.machine import cpu_model  # noqa: E402
SHADERTOY = ROOT.parent / "shared" / "data" / "shadertoy-permissive" / "shaders.jsonl"


# ---- the two sides, each run as its own process ----

def engine_side(args) -> dict:
    from render.run import RenderConfig, render_set

    marks = {}

    def on_event(kind, **info):
        if kind == "checking":
            marks["check_start"] = time.perf_counter()
        elif kind == "checked":
            marks["check_end"] = time.perf_counter()

    t0 = time.perf_counter()
    manifest = render_set(RenderConfig(bank=args.bank, out=args.out, count=args.count, size=args.size,
                                       supersample=args.supersample, seed=args.seed, workers=1,
                                       shard_size=1000), on_event)
    check = marks["check_end"] - marks["check_start"] if "check_end" in marks else 0.0
    per_tile = set()
    for part in (Path(args.out) / ".parts").glob("shard-*.json"):
        per_tile |= set(json.loads(part.read_text()).get("per_tile_shaders", []))
    return {"images": manifest["num_samples"], "check_s": check, "in_process_s": time.perf_counter() - t0,
            "excluded": [e["shader"] for e in manifest["bank"]["excluded"]], "per_tile_shaders": sorted(per_tile)}


def naive_side(args) -> dict:
    from PIL import Image

    from render import frames as F
    from render.bank import load_bank
    from render.context import GLRenderer, ShaderCompileError
    from render.params import draw
    from render.worker import _uniforms

    t0 = time.perf_counter()
    bank = load_bank(args.bank)
    excluded = set(json.loads(Path(args.exclude).read_text())) if args.exclude else set()
    excluded |= {s.name for s in bank.shaders if not s.usable}
    gl = GLRenderer(args.size * args.supersample)
    progs = {}
    for s in bank.shaders:
        if s.name in excluded:
            continue
        try:
            progs[s.name] = gl.compile(s.name, s.fragment)
            gl.render(progs[s.name], [_uniforms(draw(0, 0, 0, [s.name], set()))])  # llvmpipe compiles on first draw
        except ShaderCompileError:
            excluded.add(s.name)
    setup = time.perf_counter() - t0
    with tarfile.open(Path(args.out) / "naive.tar", "w") as tar:
        for i in range(args.count):
            spec = draw(args.seed, i, 0, bank.names, excluded)
            images, _ = F.finish(gl.render(progs[spec.shader], [_uniforms(spec)]), args.supersample)
            buf = io.BytesIO()
            Image.fromarray(images[0]).save(buf, format="PNG")  # Pillow's default, level 6
            png = buf.getvalue()
            info = tarfile.TarInfo(f"{i:09d}.png")
            info.size = len(png)
            tar.addfile(info, io.BytesIO(png))
    return {"images": args.count, "check_s": setup, "in_process_s": time.perf_counter() - t0}


def fill_side(args) -> dict:
    """The fill-rate bound: CPU time of drawing the same samples with nothing else (no checks, PNG, tar,
    IPC): every frame of a shader in one atlas call, 1,000 frames per read-back. What shading costs a
    core; an engine cannot go faster on it."""
    from collections import defaultdict

    from render.bank import load_bank
    from render.context import GLRenderer
    from render.params import draw
    from render.worker import _uniforms

    bank = load_bank(args.bank)
    excluded = set(json.loads(Path(args.exclude).read_text())) if args.exclude else set()
    excluded |= {s.name for s in bank.shaders if not s.usable}
    gl = GLRenderer(args.size * args.supersample)
    progs = {s.name: gl.compile(s.name, s.fragment) for s in bank.shaders if s.name not in excluded}
    gl.render_groups([(p, [_uniforms(draw(0, 0, 0, [n], set()))]) for n, p in progs.items()])  # llvmpipe compiles on first draw
    cpu = 0.0
    for first in range(0, args.count, 1000):
        by = defaultdict(list)
        for i in range(first, min(first + 1000, args.count)):
            spec = draw(args.seed, i, 0, bank.names, excluded)
            by[spec.shader].append(_uniforms(spec))
        groups = [(progs[n], by[n]) for n in sorted(by)]
        t = time.process_time()
        gl.render_groups(groups)
        cpu += time.process_time() - t
    return {"images": args.count, "check_s": 0.0, "in_process_s": cpu, "draw_cpu_s": cpu}


# ---- the harness ----

def run_side(side: str, bank: str, out: Path, count: int, size: int, supersample: int, seed: int,
             cpu: int | None, cache: Path, exclude: Path | None = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, side, "--bank", bank, "--out", str(out), "--count", str(count),
           "--size", str(size), "--supersample", str(supersample), "--seed", str(seed)]
    if exclude is not None:
        cmd += ["--exclude", str(exclude)]
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu)] + cmd
    env = {**os.environ, "LP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "SHADERKD_CHECK_CACHE": str(cache)}
    # Python's bytecode cache as an ordinary install has it (the warm-up run writes it): where the
    # environment sets PYTHONDONTWRITEBYTECODE, every process compiles numpy & co. from source, ~0.3 s of
    # CPU a process, which the engine (parent + worker) would pay twice and the naive loop once.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the whole process tree (the engine's workers are joined, so counted): on a core
    # shared with other jobs, wall time also measures them; CPU time does not
    cpu_s = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{side} run failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**result, "wall_s": wall, "cpu_s": cpu_s}


def compare(bank: str, label: str, size: int, count: int, supersample: int, runs: int, cpu, tmp: Path) -> dict:
    # A warm-up render: Mesa's on-disk shader cache, the check cache (empty before: its check is the
    # cold one), and the engine's exclusions (which the naive loop then skips too: same shaders).
    cache = tmp / "check-cache"
    warm = run_side("engine", bank, tmp / f"{label}-{size}-warm", min(count, 1000), size, supersample, 1, cpu, cache)
    exclude = tmp / f"{label}-{size}-excluded.json"
    exclude.write_text(json.dumps(warm["excluded"]))
    rows = {"engine": [], "naive": []}
    for r in range(runs):
        for side in ("engine", "naive") if r % 2 == 0 else ("naive", "engine"):
            out = tmp / f"{label}-{size}-{side}-{r}"
            rows[side].append(run_side(side, bank, out, count, size, supersample, 2, cpu, cache, exclude))
            shutil.rmtree(out, ignore_errors=True)
    summary = {"bank": label, "size": size, "supersample": supersample, "count": count, "runs": runs,
               "excluded": len(warm["excluded"]), "cold_check_s": round(warm["check_s"], 2),
               "per_tile_shaders": len(rows["engine"][0]["per_tile_shaders"])}
    for side, rs in rows.items():
        walls = sorted(x["wall_s"] for x in rs)
        cpus = sorted(x["cpu_s"] for x in rs)
        summary[side] = {"wall_s": [round(w, 2) for w in walls], "median_s": round(statistics.median(walls), 2),
                         "cpu_s": [round(c, 2) for c in cpus], "median_cpu_s": round(statistics.median(cpus), 2),
                         "img_per_s": round(count / statistics.median(walls), 1),
                         "check_s": round(statistics.median(x["check_s"] for x in rs), 2)}
    fill = run_side("fill", bank, tmp / f"{label}-{size}-fill", count, size, supersample, 2, cpu, cache, exclude)
    summary["fill_bound_img_per_s"] = round(count / fill["draw_cpu_s"], 1)
    summary["engine_of_bound"] = round(count / summary["engine"]["median_cpu_s"] / summary["fill_bound_img_per_s"], 2)
    summary["cpu_ratio"] = round(summary["naive"]["median_cpu_s"] / summary["engine"]["median_cpu_s"], 2)
    summary["ratio"] = round(summary["naive"]["median_s"] / summary["engine"]["median_s"], 2)
    summary["ratio_range"] = [round(min(n["wall_s"] / e["wall_s"] for n, e in zip(rows["naive"], rows["engine"])), 2),
                              round(max(n["wall_s"] / e["wall_s"] for n, e in zip(rows["naive"], rows["engine"])), 2)]
    e, n = summary["engine"], summary["naive"]
    print(f"{label:10s} {size:4d} px x{supersample} {count:6d} img | engine {e['median_s']:6.2f} s "
          f"({e['img_per_s']:7.1f} img/s, check {e['check_s']:.2f} s, cold {summary['cold_check_s']:.1f} s) | naive {n['median_s']:6.2f} s "
          f"({n['img_per_s']:7.1f} img/s, compile {n['check_s']:.2f} s) | engine {summary['ratio']:.2f}x "
          f"(pairs {summary['ratio_range'][0]:.2f}-{summary['ratio_range'][1]:.2f}); CPU time engine {e['median_cpu_s']:.2f} s "
          f"naive {n['median_cpu_s']:.2f} s: {summary['cpu_ratio']:.2f}x | {summary['excluded']} excluded, "
          f"{summary['per_tile_shaders']} drawn per tile | fill-rate bound {summary['fill_bound_img_per_s']:.0f} img/s "
          f"(shading alone, CPU), engine (whole process, CPU) at {summary['engine_of_bound']:.2f} of it",
          flush=True)
    return summary


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("engine", "naive", "fill"):
        ap = argparse.ArgumentParser()
        ap.add_argument("side")
        for opt in ("--bank", "--out"):
            ap.add_argument(opt, required=True)
        for opt in ("--count", "--size", "--supersample", "--seed"):
            ap.add_argument(opt, type=int, required=True)
        ap.add_argument("--exclude")
        args = ap.parse_args()
        print(json.dumps({"engine": engine_side, "naive": naive_side, "fill": fill_side}[args.side](args)))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", default="shaders", help="The project's bank.")
    ap.add_argument("--shadertoy", default=str(SHADERTOY), help="Shadertoy JSONL (skipped when absent).")
    ap.add_argument("--shadertoy-n", type=int, default=400, help="Use its first N shaders.")
    ap.add_argument("--count-32", type=int, default=10000)
    ap.add_argument("--count-128", type=int, default=1000)
    ap.add_argument("--supersample", type=int, default=1)
    ap.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")], default=[32, 128],
                    help="Frame sizes to compare, of 32,128.")
    ap.add_argument("--banks", default="project,shadertoy", help="Banks to compare, of project,shadertoy.")
    ap.add_argument("--runs", type=int, default=3, help="Runs per side, alternating.")
    ap.add_argument("--cpu", type=int, default=0, help="Core both sides are pinned to (-1: no pinning).")
    ap.add_argument("--out", default="bench/results/render.json")
    args = ap.parse_args()
    cpu = None if args.cpu < 0 else args.cpu
    tmp = Path(tempfile.mkdtemp(prefix="shaderkd-bench-"))
    banks = [(args.bank, "project")] if "project" in args.banks else []
    if "shadertoy" not in args.banks:
        pass
    elif Path(args.shadertoy).is_file():
        lines = Path(args.shadertoy).read_text().splitlines()[:args.shadertoy_n]
        first = tmp / f"shadertoy-first{args.shadertoy_n}.jsonl"
        first.write_text("\n".join(lines) + "\n")
        banks.append((str(first), "shadertoy"))
    else:
        print(f"{args.shadertoy} is absent: Shadertoy rows skipped", flush=True)
    rows = []
    try:
        for bank, label in banks:
            for size, count in ((32, args.count_32), (128, args.count_128)):
                if size not in args.sizes:
                    continue
                rows.append(compare(bank, label, size, count, args.supersample, args.runs, cpu, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"machine": {"cores": os.cpu_count(), "cpu": cpu_model(),
                                                      "pinned_core": cpu}, "rows": rows}, indent=1))
    print(f"wrote {args.out}")



if __name__ == "__main__":
    main()
