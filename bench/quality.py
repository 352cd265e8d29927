"""make bench-quality: which distillation method is better, and by how much, on one budget.

Five methods on the same teacher, student and budget: the same number of student updates at the
same batch size (`--steps`, `--batch-size`), 3 seeds each. `--task mnist` (teacher:mnist LeNet-5 ->
LeNet-5-half, scored on the MNIST test split) or `--task cifar10` (teacher:cifar10 ResNet-20 ->
ResNet-8, scored on the ../shared CIFAR-10 JPEG val split):

    shader (ours)       mnist-lenet5 / cifar10-cpu   shader images + augmentation + boundary pairs, KL
    authors' recipe     <task>-authors               the same images, Frank & Davis's augmentation and
                                                     bold-driver attack (only with `--methods authors ...`)
    DFAD                <task>-dfad                  adversarial generator (5 student steps : 1 generator step)
    RDSKD               <task>-rdskd                 generator trained first (`--rdskd-pretrain` steps), KL at T=10
    KD on real images   <task>-real-kd               the real training images, KL: the upper bound
    supervised          <task>-supervised            the real images and labels, no teacher

Each run is an ordinary `shaderkd distill` run directory under `--out` (a finished run is reused, an
interrupted one resumes, one made with a different configuration, e.g. an edited recipe, is moved
to `<dir>.staleN` and run afresh). The scoring split is evaluated at every evaluation for the curves only
(`eval.monitor`): nothing is chosen on it. The table reports its accuracy for the student at the
end of the budget ("final") and for the checkpoint the trainer selects by agreement with the teacher
on held-out shader images ("selected", the same rule for every method), mean and sample std over
seeds; wall time includes RDSKD's generator phase; images/s counts the images the student trained on.

Writes `<results>/quality-<task>.md` (the table), `.csv` (one row per run) and `.png` (accuracy
against wall time).

    .venv/bin/python bench/quality.py [--task mnist] [--steps 300] [--batch-size 128] [--seeds 0 1 2]
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import statistics
from pathlib import Path

import torch

from train.distill import distill, load_run_recipe
from train.plots import read_metrics
from train.recipe import load_recipe, to_dict

REPO = Path(__file__).resolve().parents[1]
METHODS = ("shader", "dfad", "rdskd", "real-kd", "supervised")
EXTRA_METHODS = ("authors",)   # run when named in --methods, not by default
LABELS = {"shader": "shader (ours)", "authors": "shader, the authors' recipe", "dfad": "DFAD", "rdskd": "RDSKD",
          "real-kd": "KD on real {data} (upper bound)", "supervised": "supervised, real labels (no teacher)"}
TASKS = {
    "mnist": {"shader": "mnist-lenet5", "data": "MNIST", "split": "MNIST test", "n": "10,000",
              "score": "mnist:{shared}/data:test", "title": "LeNet-5 -> LeNet-5-half"},
    "cifar10": {"shader": "cifar10-cpu", "data": "CIFAR-10", "split": "CIFAR-10 JPEG val", "n": "5,000",
                "score": "tar:{shared}/data/cifar10-jpeg/val.tar.gz", "title": "ResNet-20 -> ResNet-8"},
}


def recipe_name(task: str, method: str) -> str:
    return TASKS[task]["shader"] if method == "shader" else f"{task}-{method}"
log = logging.getLogger("bench.quality")


def overrides_for(method: str, args) -> list[str]:
    """The budget, made the same for every method: student updates, batch size, evaluation points
    (a checkpoint at each, and at least every 1,000 updates, so that a stopped long run loses little),
    and one selection rule (agreement on held-out shader images: `eval.val` off, the scoring split
    only monitored)."""
    every = max(1, args.steps // args.evals)
    sets = [f"optim.steps={args.steps}", f"data.batch_size={args.batch_size}", f"eval.every={every}",
            f"run.log_every={max(1, every // 2)}", f"run.ckpt_every={min(every, 1000)}", f"run.threads={args.threads}",
            f'eval.monitor="{TASKS[args.task]["score"]}"', 'eval.val=""', 'eval.select="auto"', f'eval.test="{TASKS[args.task]["score"]}"',
            f'data.shards="{args.shards}"']
    if method in ("shader", "authors", "real-kd", "supervised"):   # warm-up: 5% of the run, as in the recipes
        sets.append(f"optim.warmup_steps={args.steps // 20}")
    if method in ("dfad", "rdskd"):   # the authors' step schedules assume their full budget
        sets.append("optim.milestones=[]")
    if method == "rdskd":
        sets.append(f"generator.pretrain_steps={args.rdskd_pretrain}")
    return sets


def run_one(method: str, seed: int, args, tag: str = "", run: bool = True) -> dict | None:
    """One (method, seed) run at the budget of `args`, in `<args.out>/<recipe><tag>-n<steps>-b<batch>-s<seed>`
    (`tag` names a variant, e.g. the shard set of bench/data.py). `run=False`: the row of the run only if it
    has finished with this configuration, else None; nothing is run or moved."""
    name = recipe_name(args.task, method)
    label = LABELS[method].format(data=TASKS[args.task]["data"])
    out = Path(args.out) / f"{name}{tag}-n{args.steps}-b{args.batch_size}-s{seed}"
    recipe = load_recipe(name, overrides_for(method, args) + [f"seed={seed}"])
    same = (out / "config.json").is_file() and to_dict(load_run_recipe(out)) == to_dict(recipe)
    if not run and not (same and (out / "report.json").is_file()):
        return None
    if (out / "config.json").is_file() and not same:   # made with an older recipe: keep it aside, run afresh
        k = 1
        while out.with_name(f"{out.name}.stale{k}").exists():
            k += 1
        log.warning("%s was made with another configuration: moved to %s.stale%d", out, out.name, k)
        out.rename(out.with_name(f"{out.name}.stale{k}"))
    if same and (out / "report.json").is_file():
        log.info("%s seed %d: reusing %s", label, seed, out)
        report = json.loads((out / "report.json").read_text())
    else:
        log.info("%s seed %d: running into %s", label, seed, out)
        report = distill(recipe, out)
    evals = [r for r in read_metrics(out / "metrics.jsonl") if r["event"] == "eval"]
    return {"method": label, "recipe": name, "seed": seed, "steps": recipe.optim.steps,
            "batch_size": recipe.data.batch_size, "final_test_top1": evals[-1]["monitor_top1"],
            "selected_test_top1": report["test"]["student_top1"], "teacher_test_top1": report["test"]["teacher_top1"],
            "selected_step": report["best_step"], "wall_s": report["wall_s"], "images_per_s": report["images_per_s"],
            "run_dir": str(out), "curve": [(r["elapsed_s"], r["monitor_top1"]) for r in evals]}


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def write_table(rows: list[dict], args, path: Path) -> None:
    teacher, task = rows[0]["teacher_test_top1"], TASKS[args.task]
    lines = [f"# Distillation quality on {task['data']}: {task['title']}", "",
             f"Budget: {args.steps} student updates at batch {args.batch_size} for every method "
             f"(RDSKD also trains its generator for {args.rdskd_pretrain} steps first, counted in its wall time); "
             f"seeds {', '.join(map(str, args.seeds))}. Teacher top-1: {teacher:.4f}. "
             f"Test = the {task['n']} {task['split']} images, never used for choosing.", "",
             "| method | recipe | final test top-1 | selected test top-1 | wall time (s) | images/s |",
             "|---|---|---|---|---|---|"]
    for label in dict.fromkeys(r["method"] for r in rows):
        rs = [r for r in rows if r["method"] == label]
        f, s, w, ips = (mean_std([r[k] for r in rs]) for k in ("final_test_top1", "selected_test_top1", "wall_s", "images_per_s"))
        lines.append(f"| {label} | `{rs[0]['recipe']}` | {f[0]:.4f} ± {f[1]:.4f} | {s[0]:.4f} ± {s[1]:.4f} "
                     f"| {w[0]:.0f} ± {w[1]:.0f} | {ips[0]:.0f} |")
    lines += ["", "Mean ± sample std over seeds. *final*: the student after the last update; *selected*: the "
              "checkpoint chosen by agreement with the teacher on held-out shader images (the same rule for "
              "every method). *images/s*: images the student trained on per second of wall time (a generator's "
              "own training images are not counted).", "",
              f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch "
              f"{torch.__version__}, {torch.get_num_threads()} threads; the {len(rows)} runs' wall times sum to "
              f"{sum(r['wall_s'] for r in rows) / 60:.1f} min (loading and final scoring not counted).", "",
              "Command: `" + " ".join(["python bench/quality.py", f"--task {args.task}", f"--steps {args.steps}", f"--batch-size {args.batch_size}",
                                       f"--rdskd-pretrain {args.rdskd_pretrain}", "--seeds", *map(str, args.seeds)]) + "`", ""]
    path.write_text("\n".join(lines))


def write_csv(rows: list[dict], path: Path) -> None:
    keys = [k for k in rows[0] if k != "curve"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in keys})


def plot(rows: list[dict], args, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9.5, 4.5))
    for i, label in enumerate(dict.fromkeys(r["method"] for r in rows)):
        for j, r in enumerate(x for x in rows if x["method"] == label):
            t, acc = zip(*r["curve"])
            ax.plot(t, acc, color=f"C{i}", marker="o", markersize=3, alpha=0.8, label=label if j == 0 else None)
    save_accuracy_plot(fig, ax, path, "wall time (s, log scale)", f"{TASKS[args.task]['split']} top-1",
                       f"{TASKS[args.task]['title']}, {args.steps} student updates at batch {args.batch_size}",
                       loc="upper left", bbox_to_anchor=(1.01, 1.0))


def save_accuracy_plot(fig, ax, path: Path, xlabel: str, ylabel: str, title: str, **legend) -> None:
    """The finish every accuracy plot of the benches shares: log x axis, accuracy from 0 to 1, grid,
    legend (matplotlib's legend keywords), title; written to `path` and closed."""
    import matplotlib.pyplot as plt
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, **legend)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", choices=list(TASKS), default="mnist")
    p.add_argument("--steps", type=int, default=300, help="student updates per run (the budget)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--rdskd-pretrain", type=int, default=150, help="RDSKD generator steps before the student's")
    p.add_argument("--evals", type=int, default=6, help="evaluations per run (points on the curves)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS + EXTRA_METHODS),
                   help="methods to run (authors: the <task>-authors recipe, not run by default)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--shards", default="{repo}/shards/default", help="shader set (`make shards` renders it)")
    p.add_argument("--out", default=str(REPO / "runs" / "bench-quality"))
    p.add_argument("--results", default=str(REPO / "bench" / "results"))
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    rows = [run_one(method, seed, args) for method in args.methods for seed in args.seeds]
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    stem = results / f"quality-{args.task}"
    write_table(rows, args, stem.with_suffix(".md"))
    write_csv(rows, stem.with_suffix(".csv"))
    plot(rows, args, stem.with_suffix(".png"))
    print(stem.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
