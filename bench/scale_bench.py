"""make bench-scale: rendering in 1 part vs 2 parts, and `cifar10-cpu` training in 1 process vs 2 (torchrun).

Rendering: the same set (COUNT images of 32 px, shards of 250) rendered by one `shaderkd render` with 1
worker, then by two `--part I/2` commands with 1 worker each running at the same time into one directory
(as two machines of a job array would, here sharing this machine), then `shaderkd finalize`; the two
sets must be the same bytes. Timed from start to exit, after the shader check has been cached.

Training: `shaderkd distill --recipe cifar10-cpu` on that set for STEPS steps, evaluation at the end only,
in 1 process (1 torch thread, the recipe's default here; and 2 threads) and `--nproc 2` (1 thread each).
Throughput is images of the global batch per second from metrics.jsonl, leaving out the first log interval
(start-up). Alternated ABAB so a change of load on a shared machine hits both.

    uv run --locked --all-extras python bench/scale_bench.py [--count 2000] [--steps 80] [--runs 2]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHADERKD = [sys.executable, "-m", "shaderkd"]


def render_args(out: Path, count: int) -> list[str]:
    return [*SHADERKD, "render", "--bank", str(ROOT / "shaders"), "--out", str(out), "--count", str(count),
            "--size", "32", "--shard-size", "250", "--workers", "1"]


def timed(cmds: list[list[str]], env=None) -> float:
    """Run the commands at the same time; seconds until the last exits (each must succeed)."""
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for c in cmds]
    for p, c in zip(procs, cmds):
        _, err = p.communicate(timeout=1800)
        if p.returncode:
            raise SystemExit(f"{' '.join(c)} failed:\n{err[-3000:]}")
    return time.perf_counter() - t0


def files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def bench_render(tmp: Path, count: int, runs: int) -> dict:
    timed([render_args(tmp / "warm", 250)])   # fills the shader check cache for this bank and size
    one, two, same = [], [], []
    for r in range(runs):
        a, b = tmp / f"one{r}", tmp / f"two{r}"
        one.append(count / timed([render_args(a, count)]))
        t = timed([render_args(b, count) + ["--part", f"{i}/2"] for i in range(2)])
        t += timed([[*SHADERKD, "finalize", str(b)]])
        two.append(count / t)
        same.append(files(a) == files(b))   # 2 parts + finalize: the bytes of 1 part
    return {"images": count, "one_part_img_s": one, "two_parts_img_s": two, "identical_bytes": same,
            "set": str(tmp / "one0")}


def bench_train(tmp: Path, shards: str, steps: int, runs: int) -> dict:
    base = ["distill", "--recipe", "cifar10-cpu", "--no-progress", "--set", f"data.shards={shards}",
            "--set", f"optim.steps={steps}", "--set", "optim.warmup_steps=10", "--set", "run.log_every=10",
            "--set", f"eval.every={steps}", "--set", f"run.ckpt_every={steps}", "--set", "eval.val=",
            "--set", "data.holdout_images=250"]
    sides = {"1 process, 1 thread": ["--set", "run.threads=1"],
             "1 process, 2 threads": ["--set", "run.threads=2"],
             "2 processes (--nproc 2), 1 thread each": ["--nproc", "2", "--set", "run.threads=1"]}
    result: dict = {k: [] for k in sides}
    for r in range(runs):
        for j, (name, extra) in enumerate(sides.items()):
            out = tmp / f"train-{r}-{j}"
            timed([[*SHADERKD, *base, "--out", str(out), *extra]], env={**os.environ, "OMP_NUM_THREADS": "1"})
            rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
            rates = [x["img_per_s"] for x in rows if x["event"] == "train"][1:]
            result[name].append(statistics.median(rates))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale.json"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as t:
        tmp = Path(t)
        render = bench_render(tmp, args.count, args.runs)
        train = bench_train(tmp, render.pop("set"), args.steps, args.runs)
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if ln.startswith("Model name")), "?")
    report = {"machine": {"cpu": model, "cores": os.cpu_count(), "platform": platform.platform()},
              "render": render, "train": train, "args": vars(args)}
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    print(f"{model}, {os.cpu_count()} cores (shared with other jobs)")
    print(f"render {args.count} images of 32 px: 1 part {statistics.median(render['one_part_img_s']):.0f} img/s, "
          f"2 parts + finalize {statistics.median(render['two_parts_img_s']):.0f} img/s (runs: "
          f"{[round(x) for x in render['one_part_img_s']]} / {[round(x) for x in render['two_parts_img_s']]})")
    for name, rates in train.items():
        print(f"cifar10-cpu, {name}: {statistics.median(rates):.0f} img/s (runs: {[round(x) for x in rates]})")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
