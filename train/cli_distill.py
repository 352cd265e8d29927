"""`shaderkd distill` and `shaderkd curate`: thin click commands over train.distill and train.curate."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from shards.format import ShardFormatError


def _errors():
    """The exceptions that mean bad input (turned into a one-paragraph message and exit code 1)."""
    from train.checkpoint import CheckpointError
    from train.curate import CurationError
    from train.datasets import DatasetError
    from train.distill import RunDirError
    from train.distributed import DistributedError
    from train.models import UnknownModelError
    from train.recipe import RecipeError
    return (RecipeError, RunDirError, ShardFormatError, CheckpointError, DatasetError, UnknownModelError,
            CurationError, DistributedError)


def _logging():
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


# listed from the directory, so the help never lags behind the recipes
_RECIPES = sorted(p.stem for p in (Path(__file__).parent / "recipes").glob("*.toml"))


@click.command("distill")
@click.option("--recipe", "recipe_name", required=True,
              help=f"Recipe name in train/recipes/ ({', '.join(_RECIPES)}) or a .toml path.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a recipe key, e.g. --set optim.lr=0.05 --set attack.kind=none (repeatable).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run directory; running the same command again resumes from its last checkpoint.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@click.option("--allow-code-execution", is_flag=True,
              help="Accept a TorchScript or torch.export (.pt2) teacher, which can run any code hidden in it "
                   "with your rights: only for files from people you trust.")
@click.option("--nproc", default=None, type=click.IntRange(min=1),
              help="Train data-parallel in N processes on this machine (torchrun's launcher; gloo on a CPU, NCCL "
                   "with one GPU each). data.batch_size stays the global batch. Several machines: run "
                   "`torchrun --nnodes ... -m shaderkd distill ...` on each.")
@click.option("--sync-bn/--no-sync-bn", default=True, show_default=True,
              help="With several processes: batch norm statistics over the global batch (the one-process "
                   "result); off: over each process's slice (faster, not the same student).")
def distill_cmd(recipe_name, overrides, out, progress, allow_code_execution, nproc, sync_bn):
    """Distil a teacher into a student on shader shards (resumable)."""
    from tqdm import tqdm

    from train import distributed
    from train.distill import distill
    from train.recipe import load_recipe

    _logging()
    if nproc is not None and not distributed.launched():
        args = ["distill", "--recipe", recipe_name, "--out", str(out), *(f"--set={o}" for o in overrides),
                "--progress" if progress else "--no-progress", "--sync-bn" if sync_bn else "--no-sync-bn",
                *(["--allow-code-execution"] if allow_code_execution else [])]
        try:
            recipe = load_recipe(recipe_name, list(overrides))   # bad input fails here once, not in every rank
            if recipe.data.batch_size % nproc:
                raise distributed.DistributedError(
                    f"data.batch_size {recipe.data.batch_size} is the global batch and must be a multiple of "
                    f"--nproc {nproc} (each process takes an equal slice)")
            status = distributed.launch(nproc, args)
        except _errors() as exc:
            raise click.ClickException(str(exc)) from exc
        if status:
            raise click.ClickException(f"the distributed run failed (exit status {status}; the ranks' messages are "
                                       f"above); the same command resumes from the last checkpoint in {out}")
        return
    main = not distributed.launched() or os.environ.get("RANK") == "0"
    try:
        recipe = load_recipe(recipe_name, list(overrides))
        bar = tqdm(total=recipe.optim.steps, desc=f"distill {recipe.name}", unit="step",
                   disable=not (progress and main), dynamic_ncols=True)

        def on_event(e):
            if e["event"] == "step":
                bar.n = e["step"]
                if e["step"] % 10 == 0 or e["step"] == e["total"]:
                    bar.refresh()
            elif e["event"] == "generator_step":   # RDSKD trains its generator before the student's first step
                bar.set_postfix(generator=f"{e['step']}/{e['total']}", refresh=e["step"] % 10 == 0)
            elif e["event"] == "train":
                bar.set_postfix(loss=f"{e['loss']:.4f}", img_s=f"{e['img_per_s']:.0f}", refresh=False)
            elif e["event"] == "eval":
                metrics = ", ".join(f"{k} {v:.4f}" for k, v in e.items() if k in ("holdout_agreement", "val_top1"))
                bar.write(f"step {e['step']}: {metrics}{' (best)' if e['best'] else ''}")

        try:
            distill(recipe, out, on_event=on_event, allow_code_execution=allow_code_execution, sync_bn=sync_bn)
        finally:
            bar.close()
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:   # a full disk ends in one paragraph; any other OSError is a bug to see
        from train.rundir import disk_full
        if (message := disk_full(exc, out)) is None:
            raise
        raise click.ClickException(message) from exc
    if not main:
        return
    click.echo((out / "report.md").read_text())
    click.echo(f"run directory: {out}")


@click.command("curate")
@click.option("--teacher", default=None, help="Teacher spec: teacher:cifar10, a card .json, a run directory, ...")
@click.option("--recipe", default=None, help="Or the recipe whose teacher curates (e.g. cifar10-cpu): the set made "
              "for the run that recipe will make.")
@click.option("--shards", "shards_dir", required=True, help="Source shard set: a directory or a URL.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Curated set to write.")
@click.option("--per-class", required=True, type=int, help="Images kept per teacher class (at most).")
@click.option("--batch-size", default=500, show_default=True, type=int)
@click.option("--shard-size", default=None, type=int, help="Images per curated shard (default: the source's).")
@click.option("--device", default="auto", show_default=True, help="auto (cuda when present), cpu, cuda, ...")
def curate_cmd(teacher, recipe, shards_dir, out, per_class, batch_size, shard_size, device):
    """Keep the shader images that spread most evenly over the teacher's classes."""
    from tqdm import tqdm

    from train.curate import curate
    from train.loop import pick_device

    _logging()
    if (teacher is None) == (recipe is None):
        raise click.UsageError("give the teacher with --teacher SPEC or --recipe NAME (its teacher), one of the two")
    try:
        if recipe is not None:
            from train.recipe import load_recipe
            teacher = load_recipe(recipe).teacher
        bar = tqdm(desc="teacher labels", unit="img")

        def progress(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            report = curate(teacher, shards_dir, out, per_class, device=pick_device(device),
                            batch_size=batch_size, shard_size=shard_size, progress=progress)
        finally:
            bar.close()
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    width = max(len(c) for c in report["classes"])
    click.echo(f"{'class':<{width}}  {'before':>8}  {'after':>8}")
    for c, b, a in zip(report["classes"], report["histogram_before"], report["histogram_after"]):
        click.echo(f"{c:<{width}}  {b:>8}  {a:>8}")
    click.echo(f"relative entropy (1.0 = uniform): {report['relative_entropy_before']:.3f} before, "
               f"{report['relative_entropy_after']:.3f} after; kept {report['num_kept']} of {report['num_source']} "
               f"images in {out}")
