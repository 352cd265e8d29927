"""make bench-budget: held-out accuracy against training budget, for the shader method, real-image KD and DFAD.

Does the gap to real data close with compute, and where does the shader method overtake or trail a
generator? Every method gets the same budgets of student updates at the same batch size (by default
600, 2,400 and 9,600 updates of 128 images on CIFAR-10: a factor of 4 apart, the largest about
`cifar10-cpu`'s 8,900; `--budgets 2225 8900 35600` puts the largest at 4 times it), the same teacher, student and evaluation, and each (method, budget, seed) is
an ordinary `shaderkd distill` run made exactly as `bench/quality.py` makes its runs (its
`run_one`: the budget overrides, warm-up 5% of the run, DFAD's schedule without milestones, the
scoring split monitored but never chosen on). A finished run is reused and an interrupted one resumes
exactly (the trainer's resume), so the whole bench can be stopped and started again at any time and
loses at most one checkpoint interval per run (an evaluation interval, at most 1,000 updates).
`--table-only` runs nothing and writes the table and plot of the runs finished so far.

    .venv/bin/python bench/budget.py [--task cifar10] [--budgets 600 2400 9600] [--seeds 0] [--jobs 2]

`--jobs N` runs N trainings at once in separate processes (on a 2-core CPU, two one-thread runs use
the cores better than one two-thread run). Writes `<results>/budget-<task>.md` (the table),
`.csv` (one row per run) and `.png` (accuracy against the budget, log scale, with the teacher's
accuracy as a line).
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402  (bench/quality.py: the same runs, one budget at a time)
from shaderkd.machine import cpu_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
METHODS = ("shader", "real-kd", "dfad")
log = logging.getLogger("bench.budget")


def run_args(args, steps: int) -> argparse.Namespace:
    """bench/quality.py's arguments for one budget."""
    return argparse.Namespace(task=args.task, steps=steps, batch_size=args.batch_size, evals=args.evals,
                              threads=args.threads, shards=args.shards, out=args.out,
                              rdskd_pretrain=0)


def _one(job: tuple[str, int, int, argparse.Namespace]) -> dict:
    method, steps, seed, args = job
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    row = quality.run_one(method, seed, run_args(args, steps), run=not args.table_only)
    if row is not None:
        row["method_key"] = method
    return row


def plan(args) -> list[tuple[str, int, int]]:
    """(method, budget, seed) of every run, the cheapest first (a stopped bench has whole columns of the
    table), without the budgets `--limit` leaves out."""
    return [(m, n, s) for n in sorted(args.budgets) for s in args.seeds for m in args.methods
            if n <= args.limit.get(m, n)]


def run_all(args) -> list[dict]:
    """The rows of the plan's runs, running what is missing (with `--table-only`: the finished ones)."""
    jobs = [(m, n, s, args) for m, n, s in plan(args)]
    if args.jobs <= 1 or args.table_only:
        rows = [_one(j) for j in jobs]
    else:
        with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
            rows = list(pool.map(_one, jobs))
    return [r for r in rows if r is not None]


def summarise(rows: list[dict]) -> list[dict]:
    """One row per (method, budget): mean and sample std over seeds of the final test top-1."""
    out = []
    for method in dict.fromkeys(r["method_key"] for r in rows):
        for steps in sorted({r["steps"] for r in rows if r["method_key"] == method}):
            rs = [r for r in rows if r["method_key"] == method and r["steps"] == steps]
            acc = [r["final_test_top1"] for r in rs]
            out.append({"method_key": method, "method": rs[0]["method"], "steps": steps,
                        "images": steps * rs[0]["batch_size"], "seeds": len(rs),
                        "mean": statistics.fmean(acc), "std": statistics.stdev(acc) if len(acc) > 1 else 0.0,
                        "teacher": rs[0]["teacher_test_top1"],
                        "wall_s": statistics.fmean(r["wall_s"] for r in rs)})
    return out


def parse_limit(text: str) -> tuple[str, int]:
    """`--limit dfad=9600`: (method, most updates it is run for)."""
    method, _, n = text.partition("=")
    if method not in METHODS or not n.isdigit():
        raise argparse.ArgumentTypeError(f"--limit takes METHOD=UPDATES with METHOD one of {', '.join(METHODS)}, "
                                         f"e.g. dfad=9600; got {text!r}")
    return method, int(n)


def write_table(rows: list[dict], summary: list[dict], args, path: Path) -> None:
    task = quality.TASKS[args.task]
    teacher = rows[0]["teacher_test_top1"]
    budgets = sorted(set(args.budgets))
    head = " | ".join(f"{n:,} x {args.batch_size}" for n in budgets)
    lines = [f"# Accuracy against budget on {task['data']}: {task['title']}", "",
             f"Final {task['split']} top-1 ({task['n']} images, never used for choosing) of the student after "
             f"the last update, " + (f"mean ± sample std over seeds {', '.join(map(str, args.seeds))}" if len(args.seeds) > 1
             else f"seed {args.seeds[0]} (one seed: no spread)") + "; in brackets the "
             f"ratio to the teacher ({teacher:.4f}). Budget: student updates x batch size, the same for "
             f"every method.", "",
             f"| method | {head} |", "|---|" + "---|" * len(budgets)]
    for key in dict.fromkeys(s["method_key"] for s in summary):
        cells = []
        for n in budgets:
            s = next((x for x in summary if x["method_key"] == key and x["steps"] == n), None)
            seeds = "" if s is None or s["seeds"] == len(args.seeds) else f", {s['seeds']} seed(s)"
            spread = f" ± {s['std']:.4f}" if s is not None and s["seeds"] > 1 else ""   # no spread from one seed
            cells.append(("not run" if n > args.limit.get(key, n) else "-") if s is None else
                         f"{s['mean']:.4f}{spread} ({s['mean'] / teacher:.2f}), {s['wall_s']:.0f} s{seeds}")
        label = next(s["method"] for s in summary if s["method_key"] == key)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    limits = ", ".join(f"{quality.LABELS[m].format(data=task['data'])} only up to {n:,} updates" for m, n in args.limit.items())
    done = {(r["method_key"], r["steps"], r["seed"]) for r in rows}
    unfinished = [f"{quality.LABELS[m].format(data=task['data'])} {n:,} seed {s}" for m, n, s in plan(args)
                  if (m, n, s) not in done]
    lines += ["", *([f"`--limit` (for time): {limits}; \"not run\" beyond.", ""] if limits else []),
              *([f"Not finished when this table was written (`--table-only`): {'; '.join(unfinished)}.", ""]
                if unfinished else []),
              "Wall time: one run's training, mean over seeds (loading and final scoring not counted), as long as "
              "it took with what shared the CPU while it ran" + ("" if args.table_only else
                                                                  f" ({args.jobs} run(s) at a time)") + ".", "",
              f"Machine: {cpu_model()}, {os.cpu_count()} cores, torch {torch.__version__}, "
              f"{args.threads or 'default'} torch thread(s) per run.", "",
              "Command: `" + " ".join(["python bench/budget.py", f"--task {args.task}", "--budgets",
                                       *map(str, budgets), f"--batch-size {args.batch_size}", "--seeds",
                                       *map(str, args.seeds), "--methods", *args.methods,
                                       *(f"--limit {m}={n}" for m, n in args.limit.items())]) + "`", ""]
    path.write_text("\n".join(lines))


def plot(rows: list[dict], summary: list[dict], args, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, method in enumerate(dict.fromkeys(s["method"] for s in summary)):
        ss = [s for s in summary if s["method"] == method]
        x = [s["images"] for s in ss]
        ax.errorbar(x, [s["mean"] for s in ss], yerr=[s["std"] for s in ss], color=f"C{i}", marker="o",
                    capsize=3, label=method)
        seeds = [r for r in rows if r["method"] == method]   # every seed, faint
        ax.scatter([r["steps"] * r["batch_size"] for r in seeds], [r["final_test_top1"] for r in seeds],
                   color=f"C{i}", alpha=0.3, s=12)
    ax.axhline(rows[0]["teacher_test_top1"], color="k", linestyle="--", linewidth=1, label="teacher")
    task = quality.TASKS[args.task]
    quality.save_accuracy_plot(fig, ax, path, "training budget: images the student trained on (log scale)",
                               f"{task['split']} top-1", f"{task['title']}: accuracy against budget", loc="lower right")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", choices=list(quality.TASKS), default="cifar10")
    p.add_argument("--budgets", type=int, nargs="+", default=[600, 2400, 9600], help="student updates per run")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--evals", type=int, default=4, help="evaluations per run")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    p.add_argument("--limit", type=parse_limit, action="append", default=[], metavar="METHOD=UPDATES",
                   help="run METHOD only at budgets up to UPDATES (repeatable; e.g. dfad=9600: DFAD's step costs "
                        "about 5 times the shader method's)")
    p.add_argument("--table-only", action="store_true",
                   help="run nothing: the table and plot of the runs that have finished (a bench still running, or "
                        "one stopped for the day); a missing run is '-', fewer seeds than asked are said")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads per run (0: torch's default)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="runs at a time")
    p.add_argument("--shards", default="{repo}/shards/default", help="shader set (`make shards` renders it)")
    p.add_argument("--out", default=str(REPO / "runs" / "bench-budget"))
    p.add_argument("--results", default=str(REPO / "bench" / "results"))
    args = p.parse_args(argv)
    args.limit = dict(args.limit)
    if min(args.budgets) < args.evals:
        p.error(f"--budgets: every budget needs at least --evals ({args.evals}) updates")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    rows = run_all(args)
    if not rows:
        sys.exit(f"bench/budget.py: no finished run under {args.out} for this plan; run it without --table-only")
    summary = summarise(rows)
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    stem = results / f"budget-{args.task}"
    write_table(rows, summary, args, stem.with_suffix(".md"))
    quality.write_csv(rows, stem.with_suffix(".csv"))
    plot(rows, summary, args, stem.with_suffix(".png"))
    print(stem.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
