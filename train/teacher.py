"""Supervised teacher training on real data: the recipe a user runs to remake the teachers the
benchmarks distil (`shaderkd teacher train`).

Recipe: SGD with Nesterov momentum, linear warm-up then cosine decay to zero (per step), no label
smoothing by default (a label-smoothed teacher erases the non-target logits that distillation
transfers: the MNIST student fell from 92.7% to 77.3% with one, train split, same recipe), weight
decay on conv/linear weights only, random pad-and-crop (reflected borders) plus horizontal flips.
It is the `supervised` source of `train.methods` in the one training loop (`train.loop`): the
whole set lives on the device as uint8 and is augmented in batches (`train.augment`); bf16
autocast on a GPU, fp32 on a CPU unless asked for bf16 (on a CPU with AVX512-BF16 it trains
ResNet-20 about twice as fast per core: 716 vs 340 images per CPU-second, measured on this
project's 2-core AMD EPYC; validation is always fp32). The epoch with the best validation top-1 is
kept (`best.safetensors` + `best.json`, a card with the recipe and the measured accuracy);
`state.pt` holds the full state after every epoch so that a killed run resumes where it stopped,
and `metrics.jsonl` the loss, batch accuracy and validation top-1 of every epoch.

Measured (train/teachers/README.md has the commands): LeNet-5, MNIST, 12 epochs, no label
smoothing: 99.35% on the MNIST test split in 98 s; ResNet-20, CIFAR-10 JPEG train split, 40 epochs,
no label smoothing, bf16: 87.82% on the JPEG val split in 2,818 s. One thread of a 2-core AMD EPYC
with another job on the other core. (Both made by the teacher loop this module had before it became
the supervised source: same recipe, but crops by F.pad(reflect) and another data order. The new
loop, LeNet-5-half on MNIST, 3 epochs, seeds 0-2: 97.74% +- 0.15 against the old loop's 95.68% +- 2.2.)
"""
from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch

from shaderkd.machine import cpu_model

from .augment import AugmentConfig, Augmenter
from .checkpoint import load_model, make_card, save_model
from .datasets import LabeledImages, open_dataset
from .loop import Plan, make_trainer, new_state, pick_device, train
from .methods.sources import SupervisedSource
from .models import Normalized, check_model_name, create_model
from .recipe import OptimConfig
from .report import Scorer
from . import distributed
from .rundir import RunLock
from .runstate import RunDirError

log = logging.getLogger(__name__)


class TeacherTrainingError(ValueError):
    """The data or the configuration cannot train a teacher."""


@dataclass
class TeacherConfig:
    arch: str
    data: str                          # dataset spec of the training split
    val: str                           # dataset spec of the validation split (selection)
    out: str                           # run directory
    epochs: int = 30
    batch_size: int = 512
    lr: float = 0.2                    # peak learning rate (after warm-up)
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    label_smoothing: float = 0.0
    warmup_epochs: float = 1.0
    crop_padding: int = 4              # pad-and-crop translation, in px (0: off)
    flip: bool | None = None           # horizontal flips; None: on for colour, off for grey
    seed: int = 0
    device: str = "auto"               # auto: cuda when available
    channels_last: bool = True
    precision: str = "auto"            # auto: bf16 autocast on a GPU, fp32 on a CPU; or fp32, bf16
    init: str | None = None            # start from this model's weights (a card or run dir)
    command: str = ""                  # the command line, recorded in the card
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- training

def channel_stats(images: torch.Tensor, chunk: int = 4096) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of uint8 images (N, C, H, W), in [0, 1] units."""
    total = torch.zeros(images.shape[1], dtype=torch.float64)
    total_sq = torch.zeros_like(total)
    for i in range(0, len(images), chunk):
        x = images[i:i + chunk].to(torch.float64) / 255
        total += x.sum((0, 2, 3)).cpu()
        total_sq += (x * x).sum((0, 2, 3)).cpu()
    count = images.shape[0] * images.shape[2] * images.shape[3]
    mean = total / count
    std = (total_sq / count - mean ** 2).clamp_min(1e-12).sqrt()
    return mean.tolist(), std.tolist()


def _machine(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (torch {torch.__version__})"
    return (f"CPU {cpu_model()}, {torch.get_num_threads()} torch threads of {os.cpu_count()} cores "
            f"(torch {torch.__version__})")


def augmentation(cfg: TeacherConfig, channels: int) -> AugmentConfig:
    """Pad-and-crop by cfg.crop_padding px with reflected borders, flips: nothing else."""
    flip = cfg.flip if cfg.flip is not None else channels == 3
    return AugmentConfig(crop="pad" if cfg.crop_padding else "none", pad=cfg.crop_padding, fill="reflection",
                         hflip=0.5 if flip else 0.0, jitter=0.0)


def exact_top1(scorer: Scorer, model) -> float:
    """Top-1 as correct / n in float64 (the figure the card has always carried)."""
    return (scorer.predict(model, False) == scorer.labels).sum().item() / len(scorer.labels)


def train_teacher(cfg: TeacherConfig, on_event: Callable[[dict], None] | None = None) -> Path:
    """Train `cfg.arch` on `cfg.data`, select on `cfg.val`; return the best card's path.

    on_event receives what the loop emits: {"event": "step", "step", "total"} after every step, and
    every metrics record ({"event": "train"|"eval", ...}, one each per epoch) as it is written.
    No other process may use `cfg.out` meanwhile (train.rundir.RunLock)."""
    check_model_name(cfg.arch)   # before any data is decoded
    # [distributed] under torchrun: every rank trains, rank 0 alone holds the lock and writes (train/distributed.py)
    group = distributed.setup(pick_device(cfg.device), cfg.batch_size)
    try:
        if group is not None and not group.main:
            return _train_teacher(cfg, on_event, group)
        with RunLock(cfg.out):
            return _train_teacher(cfg, on_event, group)
    finally:
        distributed.teardown(group)


def _train_teacher(cfg: TeacherConfig, on_event: Callable[[dict], None] | None = None, group=None) -> Path:
    main = group is None or group.main   # [distributed]
    device = pick_device(cfg.device)
    device = group.device(device) if group is not None else device
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    if main:
        out.mkdir(parents=True, exist_ok=True)
    train_set, val_set = open_dataset(cfg.data), open_dataset(cfg.val)
    _check_pair(train_set, val_set)
    n, c, h, w = train_set.images.shape
    aug = augmentation(cfg, c)
    mean, std = channel_stats(train_set.images)
    model = Normalized(create_model(cfg.arch, len(train_set.classes), c), mean, std).to(device)
    model, mean, std, init_card = _initial(cfg, train_set, model) if cfg.init else (model, mean, std, None)
    fmt = torch.channels_last if cfg.channels_last else torch.contiguous_format
    model = distributed.sync_batchnorm(model.to(memory_format=fmt), group, True, device)   # [distributed]
    per_epoch = n // cfg.batch_size           # the ragged last batch is dropped
    if per_epoch == 0:
        raise TeacherTrainingError(f"{cfg.data}: {n} images is fewer than one batch of "
                                   f"{cfg.batch_size}; lower --batch-size")
    if cfg.precision not in ("auto", "fp32", "bf16"):
        raise TeacherTrainingError(f"precision must be auto, fp32 or bf16, not {cfg.precision!r}")
    autocast = cfg.precision == "bf16" or (cfg.precision == "auto" and device.type == "cuda")
    o = OptimConfig(optimizer="sgd", lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov,
                    weight_decay=cfg.weight_decay, steps=per_epoch * cfg.epochs,
                    warmup_steps=min(per_epoch * cfg.epochs, max(1, round(cfg.warmup_epochs * per_epoch))))
    source = SupervisedSource(train_set.images, train_set.labels, Augmenter(aug, (h, w), c), cfg.batch_size, cfg.seed,
                              device, where=cfg.data, label_smoothing=cfg.label_smoothing, spec=cfg.data,
                              group=group)
    trainer = make_trainer(model, source, None, o, device, autocast, fmt)
    if group is not None:   # [distributed]
        trainer.group, trainer.ddp = group, group.wrap(model, device)
        group.barrier()
    val = Scorer(val_set.images, val_set.labels, h, c, device, 1024)   # fp32: the figure `shaderkd eval` gives
    state = new_state(trainer, len(train_set.classes), config={"arch": cfg.arch, "epochs": cfg.epochs})

    def card(seconds: float) -> dict:
        return _card(cfg, train_set, val_set, mean, std, aug.hflip > 0, state.best, state.best_step // per_epoch,
                     state.step // per_epoch, seconds, device, autocast, init_card)

    def emit(e: dict) -> None:
        if e["event"] == "eval":
            log.info("epoch %d/%d: val top-1 %.4f%s", e["step"] // per_epoch, cfg.epochs, e["val_top1"],
                     " (best)" if e["best"] else "")
        if on_event is not None:
            on_event(e)

    plan = Plan(o.steps, per_epoch, per_epoch, per_epoch, lambda m: {"val_top1": exact_top1(val, m)}, "val_top1", False,
                lambda m, values: save_model(out / "best", m, card(state.wall())),
                lambda m: save_model(out / "last", m, {**card(state.wall()), "accuracy": None}),
                out / "metrics.jsonl", emit)
    try:
        if state.resume(out, device, writes=main):
            log.info("resuming %s at epoch %d (best val %.4f)", out, state.step // per_epoch, state.best)
    except RunDirError as exc:
        raise TeacherTrainingError(str(exc)) from exc
    train(trainer, state, plan, out / "state.pt")
    if not main:
        return out / "best.json"
    # The final card records the whole run's time even when the best epoch came earlier.
    best_model, _ = load_model(out / "best.json", device=device)
    return save_model(out / "best", best_model, card(state.saved_elapsed))


def _initial(cfg: TeacherConfig, train_set: LabeledImages, fresh: Normalized):
    """(model, mean, std, card) of `cfg.init`, checked against the run: it keeps its own
    normalisation."""
    model, card = load_model(cfg.init, device=fresh.mean.device)
    if card["arch"] != cfg.arch or card["classes"] != train_set.classes \
            or card["in_channels"] != train_set.channels:
        raise TeacherTrainingError(
            f"--init {cfg.init} is a {card['arch']} for {card['in_channels']}-channel "
            f"{card['classes']}, but this run trains a {cfg.arch} for {train_set.channels}-channel "
            f"{train_set.classes}")
    return model.train(), card["mean"], card["std"], card


def _total_seconds(recipe: dict) -> float:
    return recipe.get("total_train_seconds", recipe.get("train_seconds", 0.0))


def _check_pair(train_set: LabeledImages, val_set: LabeledImages) -> None:
    for name, ds in (("training", train_set), ("validation", val_set)):
        if not ds.stacked:
            raise TeacherTrainingError(f"{ds.source}: the {name} images differ in size; "
                                       f"teacher training needs one size (resize them first)")
    if train_set.classes != val_set.classes:
        raise TeacherTrainingError(f"{train_set.source} and {val_set.source} have different "
                                   f"classes: {train_set.classes} vs {val_set.classes}")
    if train_set.images.shape[1:] != val_set.images.shape[1:]:
        raise TeacherTrainingError(f"training images are {tuple(train_set.images.shape[1:])} "
                                   f"but validation images {tuple(val_set.images.shape[1:])}")


def _card(cfg, train_set, val_set, mean, std, flip, best, best_epoch, epochs_run, elapsed,
          device, autocast, init_card=None) -> dict:
    recipe = {k: v for k, v in asdict(cfg).items() if k not in ("command", "extra", "out")}
    recipe.update(cfg.extra)
    recipe.update({"command": cfg.command, "flip": flip, "optimizer": "SGD",
                   "schedule": "linear warm-up, cosine to zero (per step)",
                   "precision": "bf16 autocast" if autocast else "fp32",
                   "best_epoch": best_epoch, "epochs_run": epochs_run,
                   "train_seconds": round(elapsed, 1), "machine": _machine(device)})
    recipe["total_train_seconds"] = recipe["train_seconds"]
    if init_card is not None:   # the card carries the whole lineage of a fine-tuned teacher
        recipe["init_from"] = {"accuracy": init_card["accuracy"], "recipe": init_card["recipe"]}
        recipe["total_train_seconds"] = round(
            elapsed + _total_seconds(init_card["recipe"] or {}), 1)
    _, c, h, _ = train_set.images.shape
    return make_card(cfg.arch, train_set.classes, in_channels=c, input_size=h, mean=mean,
                     std=std, trained_on=f"{train_set.source} ({len(train_set)} images)",
                     accuracy={"top1": best, "split": val_set.source, "n": len(val_set)},
                     recipe=recipe)


__all__ = ["TeacherConfig", "TeacherTrainingError", "channel_stats", "train_teacher"]
