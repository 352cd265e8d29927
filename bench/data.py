"""make bench-data: which shader data makes the best student (issue 14, part 2).

Three banks, each with and without teacher-balanced curation, one budget, several seeds:

    bank        the project's bank (shaders/, 143 shaders in 16 families)
    shadertoy   the 1,733 permissive Shadertoy shaders of ../shared (those the renderer cannot run are
                excluded at render time and named in the set's manifest)
    mixed       one directory bank holding both (a sample draws a shader uniformly, so it is mostly
                Shadertoy images: the table gives the project bank's share)

Every uncurated set is `--count` images (seed 0, the `make shards` settings). Its curated twin is
drawn from a pool of `--pool` images of the same bank (seed 1): `shaderkd curate` keeps, per teacher
class, the `--per-class` images the teacher is most confident about (Frank & Davis select a
class-balanced 50,000 from a larger pool the same way), so a class the teacher rarely sees in
shaders keeps all it has. A curated set depends on the teacher, so there is one per task.

Each (set, seed) is the task's shader recipe (`mnist-lenet5` / `cifar10-cpu`) run exactly as
`bench/quality.py` runs it (same budget overrides, selection rule and scoring split; finished runs
reused, interrupted ones resumed). For each set the table also gives what a user can check before
training: its size, the teacher's class balance on its raw images (relative entropy of the
histogram of the teacher's top-1, 1.0 = uniform), the diversity figure of `shaderkd bank stats`
(render/stats.py: mean pairwise distance of colour, edge-direction and scale histograms) on its first
`--diversity-sample` images, at the set's own size, and how many shaders the render excluded.

    .venv/bin/python bench/data.py --task mnist [--steps 2000] [--seeds 0 1 2] [--jobs 2]

Writes `<results>/data-<task>.md` (the table), `.csv` (one row per run), `.json` (the set facts)
and `.png` (accuracy per set, one dot a seed).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402  (bench/quality.py: the same runs, one shard set at a time)
from render.bank import load_bank  # noqa: E402
from render.stats import descriptors, diversity  # noqa: E402  (numpy only: no GL here)
from shaderkd.machine import cpu_model  # noqa: E402
from train.curate import curate, label_set, relative_entropy  # noqa: E402
from train.checkpoint import load_model  # noqa: E402
from train.recipe import expand, load_recipe  # noqa: E402
from train.shardset import ShardSet  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BANKS = {"bank": "{repo}/shaders", "shadertoy": "{shared}/data/shadertoy-permissive/shaders.jsonl", "mixed": None}
MARKERS = {"bank": "o", "shadertoy": "s", "mixed": "^"}
LABELS = {"bank": "project bank", "shadertoy": "Shadertoy", "mixed": "mixed (bank + Shadertoy)"}
log = logging.getLogger("bench.data")


def mixed_bank(work: Path) -> Path:
    """A directory bank: the project's shaders (families and prelude) and the Shadertoy collection."""
    d = work / "banks" / "mixed"
    src, corpus = REPO / "shaders", Path(expand(BANKS["shadertoy"]))
    want = {p.relative_to(src): p for p in src.rglob("*") if p.is_file()} | {Path(corpus.name): corpus}
    stale = not d.is_dir() or any(not (d / rel).is_file() or (d / rel).read_bytes() != p.read_bytes()
                                  for rel, p in want.items())
    if stale:
        shutil.rmtree(d, ignore_errors=True)
        for rel, p in want.items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, d / rel)
    return d


def bank_path(bank: str, work: Path) -> str:
    return str(mixed_bank(work)) if bank == "mixed" else expand(BANKS[bank])


def render(bank: str, out: Path, count: int, seed: int, args) -> None:
    """`shaderkd render` (a finished set is left as it is, an interrupted one finished)."""
    cmd = [sys.executable, "-m", "shaderkd.cli", "render", "--bank", bank_path(bank, Path(args.work)),
           "--out", str(out), "--count", str(count), "--seed", str(seed), "--size", "32", "--supersample", "2",
           "--workers", str(args.render_workers)]
    if (out / "manifest.json").is_file():
        m = json.loads((out / "manifest.json").read_text())
        cfg = m.get("config", {})
        if m.get("complete") and (cfg.get("count"), cfg.get("seed"), cfg.get("size"), cfg.get("supersample")) == (count, seed, 32, 2):
            log.info("%s: complete, reused", out)
            return   # otherwise the renderer finishes it, or says why it cannot (another set is there)
    log.info("rendering %s", " ".join(cmd))
    subprocess.run(cmd, check=True, cwd=REPO)


def curated(bank: str, teacher: str, args) -> Path:
    """The curated twin of `bank` for `teacher`, made from the bank's pool (reused when already made)."""
    sets = Path(args.work) / "sets"
    pool, out = sets / f"{bank}-pool", sets / f"{bank}-curated-{args.task}"
    manifest = out / "manifest.json"
    if manifest.is_file():
        cfg = json.loads(manifest.read_text())["config"]
        if (cfg.get("teacher"), cfg.get("per_class")) == (teacher, args.per_class):
            return out
        shutil.rmtree(out)
    elif out.exists():   # an interrupted curation: no manifest, start again
        shutil.rmtree(out)
    render(bank, pool, args.pool, 1, args)
    curate(teacher, pool, out, args.per_class)
    return out


def set_facts(name: str, path: Path, teacher: str, args) -> dict:
    """What a user sees of a set before training on it (cached in <work>/facts, per set and teacher)."""
    cache = Path(args.work) / "facts" / f"{name}-{args.task}-{args.diversity_sample}.json"
    raw = (path / "manifest.json").read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if cache.is_file() and json.loads(cache.read_text()).get("manifest_sha256") == digest:
        return json.loads(cache.read_text())
    manifest = json.loads(raw)
    shardset = ShardSet(path)
    model, card = load_model(teacher)
    _, labels, conf = label_set(model, shardset, card["input_size"], card["in_channels"], "cpu")
    hist = np.bincount(labels, minlength=card["num_classes"])
    _, images = shardset.load(args.diversity_sample)
    div = diversity(descriptors(images.permute(0, 2, 3, 1).numpy()))
    project = set(load_bank(REPO / "shaders").names)
    shaders = [s.record.get("shader") for s in shardset.samples()]
    source = manifest["config"].get("source_config", manifest["config"])
    bank = manifest["bank"]
    facts = {"set": name, "path": str(path), "images": shardset.num_samples, "kind": manifest.get("kind", "render"),
             "teacher_histogram": hist.tolist(), "teacher_balance": relative_entropy(hist),
             "teacher_confidence": float(conf.mean()), "diversity": div["diversity"],
             "near_duplicates": div["near_duplicates"], "distinct_shaders": len(set(shaders)),
             "project_share": sum(s in project for s in shaders) / len(shaders),
             "bank_shaders": bank.get("num_shaders"), "excluded": len(bank.get("excluded", [])),
             "seed": source.get("seed"), "rendered": source.get("count"), "manifest_sha256": digest}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(facts, indent=1))
    return facts


def prepare(args) -> dict[str, Path]:
    """Render (and curate) every set the runs need; {set name: directory}."""
    teacher = load_recipe(quality.recipe_name(args.task, "shader")).teacher
    sets, work = {}, Path(args.work) / "sets"
    for bank in args.banks:
        render(bank, work / bank, args.count, 0, args)
        sets[bank] = work / bank
        if args.curated:
            sets[f"{bank}-curated"] = curated(bank, teacher, args)
    return sets


def _one(job) -> dict:
    name, path, seed, args = job
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    ns = argparse.Namespace(task=args.task, steps=args.steps, batch_size=args.batch_size, evals=args.evals,
                            threads=args.threads, shards=str(path), out=args.out, rdskd_pretrain=0)
    row = quality.run_one("shader", seed, ns, tag=f"-{name}")
    row["set"] = name
    return row


def run_all(sets: dict[str, Path], args) -> list[dict]:
    jobs = [(name, path, seed, args) for seed in args.seeds for name, path in sets.items()]
    if args.jobs <= 1:
        return [_one(j) for j in jobs]
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_one, jobs))


def label(name: str) -> str:
    bank, _, cur = name.partition("-")
    return LABELS[bank] + (", curated" if cur else "")


def write_table(rows: list[dict], facts: dict[str, dict], args, path: Path) -> None:
    task = quality.TASKS[args.task]
    teacher = rows[0]["teacher_test_top1"]
    lines = [f"# Which shader data makes the best student: {task['data']}, {task['title']}", "",
             f"Recipe `{quality.recipe_name(args.task, 'shader')}` at {args.steps} student updates of {args.batch_size} "
             f"images, seeds {', '.join(map(str, args.seeds))}; {task['split']} top-1 ({task['n']} images, never "
             f"used for choosing) of the student after the last update, mean ± sample std over seeds; teacher "
             f"{teacher:.4f}. Curated: from a {args.pool:,}-image pool of the same bank, at most "
             f"{args.per_class:,} images per teacher class (the most confident).", "",
             "| set | images | teacher balance | teacher confidence | diversity | project-bank share | shaders used (excluded) | final top-1 | selected top-1 | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---|---|---:|"]
    for name in dict.fromkeys(r["set"] for r in rows):
        rs, f = [r for r in rows if r["set"] == name], facts[name]
        fin, sel = (quality.mean_std([r[k] for r in rs]) for k in ("final_test_top1", "selected_test_top1"))
        lines.append(f"| {label(name)} | {f['images']:,} | {f['teacher_balance']:.3f} | {f['teacher_confidence']:.3f} "
                     f"| {f['diversity']:.3f} | {f['project_share']:.2f} | {f['distinct_shaders']} ({f['excluded']}) "
                     f"| {fin[0]:.4f} ± {fin[1]:.4f} | {sel[0]:.4f} ± {sel[1]:.4f} | {fin[0] / teacher:.3f} |")
    lines += ["", "*teacher balance*: H(p) / log K of the teacher's top-1 histogram on the set's raw images "
              "(1.0: every class equally often). *teacher confidence*: its mean top-1 softmax. *diversity*: "
              f"`shaderkd bank stats`'s figure (render/stats.py) over the first {args.diversity_sample:,} images "
              "of the set at 32 px (comparable between rows, not with `bank stats` at 64 px). *shaders used*: "
              "distinct shaders in the set; excluded: shaders of the bank the renderer excluded (the set's "
              "manifest names each with its reason). *selected*: the checkpoint chosen by agreement with the "
              "teacher on held-out shader images.", "",
              f"Machine: {cpu_model()}, {os.cpu_count()} cores, torch {torch.__version__}, {args.threads} torch "
              f"thread(s) per run, {args.jobs} run(s) at a time; mean wall time of a run "
              f"{statistics.fmean(r['wall_s'] for r in rows):.0f} s.", "",
              "Command: `" + " ".join(["python bench/data.py", f"--task {args.task}", f"--steps {args.steps}",
                                       f"--batch-size {args.batch_size}", f"--count {args.count}", f"--pool {args.pool}",
                                       f"--per-class {args.per_class}", "--seeds", *map(str, args.seeds)]) + "`", ""]
    path.write_text("\n".join(lines))


def plot(rows: list[dict], facts: dict[str, dict], args, path: Path) -> None:
    """Left: every seed's accuracy per set. Right: mean accuracy against the teacher's class balance on
    the set and against its diversity (the two figures a user can compute before training)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["set"] for r in rows))
    short = {n: label(n).replace(" (bank + Shadertoy)", "") for n in names}
    colour = {n: "C1" if "curated" in n else "C0" for n in names}
    teacher = rows[0]["teacher_test_top1"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), gridspec_kw={"width_ratios": [2, 1, 1]}, sharey=True)
    ax = axes[0]
    for i, name in enumerate(names):
        acc = [r["final_test_top1"] for r in rows if r["set"] == name]
        ax.scatter([i] * len(acc), acc, color=colour[name], zorder=3)
        ax.hlines(statistics.fmean(acc), i - 0.25, i + 0.25, color="k")
    ax.set_xticks(range(len(names)), [short[n].replace(", ", ",\n") for n in names], fontsize=8)
    ax.set_ylabel(f"{quality.TASKS[args.task]['split']} top-1")
    ax.set_title(f"{quality.TASKS[args.task]['title']} (teacher {teacher:.4f}): {args.steps} updates x "
                 f"{args.batch_size}, one dot a seed", fontsize=10)
    for ax, key, xlabel in ((axes[1], "teacher_balance", "teacher's class balance on the set (1 = uniform)"),
                            (axes[2], "diversity", "diversity of the set (render/stats.py)")):
        for name in names:
            m, sd = quality.mean_std([r["final_test_top1"] for r in rows if r["set"] == name])
            ax.errorbar(facts[name][key], m, yerr=sd, color=colour[name], marker=MARKERS[name.split("-")[0]],
                        capsize=3, markersize=7, alpha=0.85, label=short[name])
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_title("mean ± std over seeds", fontsize=10)
    for ax in axes:   # no teacher line: it would squeeze the sets' differences into a band
        ax.grid(alpha=0.3)
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", choices=list(quality.TASKS), default="mnist")
    p.add_argument("--steps", type=int, default=2000, help="student updates per run (the budget)")
    p.add_argument("--batch-size", type=int, default=None, help="default: the recipe's")
    p.add_argument("--evals", type=int, default=4)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--banks", nargs="+", default=list(BANKS), choices=list(BANKS))
    p.add_argument("--no-curated", dest="curated", action="store_false", help="skip the curated sets")
    p.add_argument("--count", type=int, default=50000, help="images of every uncurated set")
    p.add_argument("--pool", type=int, default=150000, help="images rendered to curate from")
    p.add_argument("--per-class", type=int, default=5000, help="curated images kept per teacher class, at most")
    p.add_argument("--diversity-sample", type=int, default=2000)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads per run")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="trainings at a time")
    p.add_argument("--render-workers", type=int, default=0)
    p.add_argument("--work", default=str(REPO / "runs" / "bench-data"), help="banks and sets are made here")
    p.add_argument("--out", default=None, help="run directories (default: <work>/runs)")
    p.add_argument("--results", default=str(REPO / "bench" / "results"))
    args = p.parse_args(argv)
    args.out = args.out or str(Path(args.work) / "runs")
    if args.batch_size is None:
        args.batch_size = load_recipe(quality.recipe_name(args.task, "shader")).data.batch_size
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    sets = prepare(args)
    teacher = load_recipe(quality.recipe_name(args.task, "shader")).teacher
    facts = {name: set_facts(name, path, teacher, args) for name, path in sets.items()}
    rows = run_all(sets, args)
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    stem = results / f"data-{args.task}"
    write_table(rows, facts, args, stem.with_suffix(".md"))
    quality.write_csv(rows, stem.with_suffix(".csv"))
    stem.with_suffix(".json").write_text(json.dumps(facts, indent=1))
    plot(rows, facts, args, stem.with_suffix(".png"))
    print(stem.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
