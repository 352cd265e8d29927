"""Side by side: `shaderkd distill` of another checkout (e.g. the commit before a change) against this
one, alternating runs on the same machine, same recipe, same shard set; images/s of the training loop.

    python bench/distill_ab.py --old /work/wt-old --shards /tmp/speed-shards --steps 300 --rounds 2

Each checkout runs with its own `.venv/bin/shaderkd`. Images/s are the loop's own `img_per_s` records
(metrics.jsonl, log intervals without evaluation or checkpoints), taken after the first pass over the
set (the pass that decodes PNGs and fills the device cache), so both sides are timed on resident data;
and the CPU seconds of each whole run (setup and final scoring included; steadier than wall time on
a machine shared with other jobs).
Both score the recipe's validation data (if any) once, at the end. Writes bench/results/distill-ab.json.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_once(checkout: Path, recipe: str, shards: str, steps: int, sets: list[str], out: Path, timeout: float) -> dict:
    args = [str(checkout / ".venv/bin/shaderkd"), "distill", "--recipe", recipe, "--out", str(out), "--no-progress",
            "--set", f"data.shards={shards}", "--set", f"optim.steps={steps}", "--set", f"eval.every={steps * 10}",
            "--set", f"run.ckpt_every={steps * 10}", "--set", 'eval.test=""',
            "--set", "run.log_every=10"]
    for s in sets:
        args += ["--set", s]
    t0, cpu0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(args, cwd=checkout, capture_output=True, text=True, timeout=timeout)
    wall, cpu1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if proc.returncode:
        raise SystemExit(f"{checkout}: shaderkd distill failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    recs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in recs if r["event"] == "train"]
    steady = [r["img_per_s"] for r in train if r["epoch"] >= 1 and r["step"] < steps]
    evals = [r for r in recs if r["event"] == "eval"]
    return {"wall_s": wall, "cpu_s": cpu, "img_per_s_median": statistics.median(steady), "img_per_s": steady,
            "holdout_agreement": evals[-1].get("holdout_agreement") if evals else None,
            "val_top1": evals[-1].get("val_top1") if evals else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True, help="the other checkout (with its own .venv)")
    ap.add_argument("--new", type=Path, default=REPO)
    ap.add_argument("--recipe", default="cifar10-cpu")
    ap.add_argument("--shards", required=True, help="a shard set both checkouts can read")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--set", dest="sets", action="append", default=[], help="extra recipe override (both sides)")
    ap.add_argument("--new-set", dest="new_sets", action="append", default=[], help="override for the new side only")
    ap.add_argument("--out", type=Path, default=REPO / "bench/results/distill-ab.json")
    args = ap.parse_args()
    results: dict[str, list] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for side, checkout in (("old", args.old), ("new", args.new)) if r % 2 == 0 else (("new", args.new), ("old", args.old)):
                sets = args.sets + (args.new_sets if side == "new" else [])
                res = run_once(checkout.resolve(), args.recipe, args.shards, args.steps, sets,
                               Path(tmp) / f"{side}{r}", timeout=1800)
                results[side].append(res)
                print(f"round {r} {side}: {res['img_per_s_median']:.0f} img/s (median of log intervals), "
                      f"wall {res['wall_s']:.0f} s, CPU {res['cpu_s']:.0f} s, holdout agreement {res['holdout_agreement']}, "
                      f"val top-1 {res['val_top1']}", file=sys.stderr)
    summary = {side: statistics.median(x["img_per_s_median"] for x in runs) for side, runs in results.items()}
    report = {"recipe": args.recipe, "steps": args.steps, "shards": args.shards, "old": str(args.old),
              "new": str(args.new), "sets": args.sets, "new_sets": args.new_sets, "runs": results,
              "median_img_per_s": summary, "speedup": summary["new"] / summary["old"]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({"median_img_per_s": summary, "speedup": report["speedup"]}))


if __name__ == "__main__":
    main()
