"""Data-free distillation: recipe -> source -> loop -> report (Frank & Davis; baselines DFAD, RDSKD).

One run directory holds everything a run is:

    config.json   the resolved recipe          versions.json  python, torch, ..., device
    seed          the run's seed               metrics.jsonl  one JSON object per log / eval
    state.pt      full state for resuming      last.*, best.* the student (safetensors + card)
    curves.png    the curves                   report.json, report.md  the final figures

The method (recipe key `method`) is a source of student batches (`train.methods`: shader, dfad,
rdskd, real-kd, supervised); the loop (`train.loop`) is the same for all. Resume: running the same
recipe into the same directory continues from state.pt; every random draw is restored, so the
metrics equal an uninterrupted run's on the same machine.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

import torch

from train import distributed
from train.checkpoint import load_model, make_card, save_model
from train.loop import (Plan, cpu_has_native_bf16, make_trainer, new_state, pick_device, record, set_threads,
                        speed_choices, train)
from train.methods.source import Context, source_class
from train.models import Normalized, create_model
from train.recipe import Recipe, expand
from train.report import Scorers, finish
from train.rundir import RunLock
from train.runstate import RunDirError, has_checkpoint, load_run_recipe, prepare_run_dir, seed_everything, versions  # noqa: F401

log = logging.getLogger(__name__)
TIMING_KEYS = ("img_per_s", "elapsed_s")   # the metrics that differ between identical runs


def distill(recipe: Recipe, out: Path | str, on_event: Callable[[dict], None] | None = None,
            allow_code_execution: bool = False, sync_bn: bool = True) -> dict:
    """Run (or resume) a distillation into `out`, which no other process may use meanwhile
    (train.rundir.RunLock); returns the final report (also report.json).

    on_event receives {"event": "step", "step", "total"} after every step and every metrics record
    ({"event": "train"|"eval"|"generator", ...}) as it is written. allow_code_execution lets the teacher
    be a TorchScript or torch.export file (they can run code when loaded).

    Under torchrun (train.distributed) every rank calls this; rank 0 alone holds the lock, writes the
    directory and returns the report, the others return {}. sync_bn: SyncBatchNorm in the student
    when distributed (off: each rank's batch norms see only its slice)."""
    group = distributed.setup(pick_device(recipe.run.device), recipe.data.batch_size)   # None in one process
    try:
        if group is not None and not group.main:
            return _distill(recipe, Path(out), on_event, allow_code_execution, group, sync_bn)
        with RunLock(out):
            return _distill(recipe, Path(out), on_event, allow_code_execution, group, sync_bn)
    finally:
        distributed.teardown(group)


def _resumed_threads(out: Path, recipe: Recipe) -> int:
    """The thread count a resumed run with run.threads = 0 chose when it began (versions.json), so that it
    continues with the same float reduction order (exact resume) whatever the load is now; 0 otherwise."""
    path = out / "versions.json"
    if recipe.run.threads or not has_checkpoint(out / "state.pt") or not path.is_file():
        return 0
    try:
        return max(0, int(json.loads(path.read_text()).get("torch_threads") or 0))
    except (OSError, ValueError, TypeError, AttributeError):   # being rewritten by rank 0, or damaged: choose anew
        return 0


def _distill(recipe: Recipe, out: Path, on_event, allow_code_execution: bool, group=None, sync_bn=True) -> dict:
    out, ev, o, d = Path(out), recipe.eval, recipe.optim, recipe.data
    main = group is None or group.main   # [distributed] rank 0 alone writes the run directory
    if main:
        prepare_run_dir(out, recipe)
    device = pick_device(recipe.run.device)
    device = group.device(device) if group is not None else device
    threads = set_threads(recipe.run.threads or _resumed_threads(out, recipe), device)
    bf16, fmt = speed_choices(device, recipe.run.precision)   # bf16 autocast and memory format (train.loop)
    if main:
        (out / "versions.json").write_text(json.dumps({**versions(device), "precision": "bf16 autocast" if bf16 else "fp32",
                                                       "cpu_native_bf16": cpu_has_native_bf16(), "torch_threads": threads,
                                                       "memory_format": str(fmt).removeprefix("torch.")}, indent=1) + "\n")
    seed_everything(recipe.seed)
    teacher, tcard = load_model(expand(recipe.teacher), device=device, allow_code_execution=allow_code_execution)
    size, channels, classes = tcard["input_size"], tcard["in_channels"], tcard["classes"]
    student = Normalized(create_model(recipe.student, len(classes), channels), tcard["mean"], tcard["std"]).to(device)
    student = distributed.sync_batchnorm(student, group, sync_bn, device)
    teacher, student = teacher.eval().requires_grad_(False).to(memory_format=fmt), student.to(memory_format=fmt)
    ctx = Context(teacher, tcard, device, fmt, bf16, group=group)
    source = source_class(recipe.method).from_recipe(recipe, ctx)

    scorers = Scorers.open(recipe, source.holdout(d.holdout_images), teacher, tcard, device)   # shards only

    def card(split: str, acc: dict | None) -> dict:
        how = f"distilled from {recipe.teacher} on" if source.uses_teacher else "trained from scratch on"
        return make_card(recipe.student, classes, in_channels=channels, input_size=size, mean=tcard["mean"],
                         std=tcard["std"], trained_on=f"{how} {source.trained_on}", accuracy=acc,
                         recipe={"recipe": recipe.name, "run_dir": str(out), "step": state.step, "split": split})

    def save_best(model, values: dict) -> None:
        val = scorers.val
        acc = {"top1": values["val_top1"], "split": expand(ev.val), "n": len(val.x)} if val is not None else None
        save_model(out / "best", model, card("best", acc))

    trainer = make_trainer(student, source, teacher, o, device, bf16, fmt)
    if group is not None:
        trainer.group, trainer.ddp = group, group.wrap(student, device)
        group.barrier()   # rank 0 has prepared the directory: now every rank may read state.pt
    state = new_state(trainer, len(classes))
    plan = Plan(o.steps, recipe.run.log_every, ev.every, recipe.run.ckpt_every, scorers.evaluate, scorers.score_by,
                scorers.selected_by == "last", save_best, lambda m: save_model(out / "last", m, card("last", None)),
                out / "metrics.jsonl", on_event or (lambda e: None))
    if state.resume(out, device, writes=main):
        log.info("resuming %s at step %d (epoch %d, batch %d)", out, state.step, state.epoch, state.batch_in_epoch)

    def on_generator_step(i: int, n: int, terms: dict) -> None:
        plan.emit({"event": "generator_step", "step": i, "total": n})
        if main and (i % recipe.run.log_every == 0 or i == n):
            record(plan, state, "generator", generator_step=i, **terms)

    if source.prepare(student, on_generator_step) and main:   # RDSKD: the generator phase, checkpointed
        state.save(out / "state.pt")
    train(trainer, state, plan, out / "state.pt")
    if not main:
        return {}
    return finish(out, recipe, teacher, tcard, device, scorers, scorers.notes + ctx.notes, state.best_step,
                  state.wall(), state.images_seen)
