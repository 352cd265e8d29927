"""Supervised teacher training on real data: the recipe a user runs to remake the teachers the
benchmarks distil (`shaderkd teacher train`).

Recipe: SGD with Nesterov momentum, linear warm-up then cosine decay to zero (per step), no label
smoothing by default (a label-smoothed teacher erases the non-target logits that distillation
transfers: the MNIST student fell from 92.7% to 77.3% with one, train split, same recipe), weight decay on conv/linear weights only, random pad-and-crop plus horizontal flips.
The whole set lives on the device as uint8 and is augmented in batches by hand (no per-image
pipeline); bf16 autocast on a GPU, fp32 on a CPU unless asked for bf16 (on a CPU with
AVX512-BF16 it trains ResNet-20 about twice as fast per core: 716 vs 340 images per CPU-second,
measured on this project's 2-core AMD EPYC; validation is always fp32). The epoch with the best validation top-1 is
kept (`best.safetensors` + `best.json`, a card with the recipe and the measured accuracy);
`last.pt` holds the full state after every epoch so that a killed run resumes where it stopped.

Measured (train/teachers/README.md has the commands): LeNet-5, MNIST, 12 epochs, no label
smoothing: 99.35% on the MNIST test split in 98 s; ResNet-20, CIFAR-10 JPEG train split, 40 epochs,
no label smoothing, bf16: 87.82% on the JPEG val split in 2,818 s. One thread of a 2-core AMD EPYC
with another job on the other core.
"""
from __future__ import annotations

import logging
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import make_card, save_model
from .datasets import LabeledImages, open_dataset
from .models import Normalized, check_model_name, create_model
from .rundir import RunLock, has_checkpoint, load_checkpoint, save_checkpoint

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


# ---------------------------------------------------------------------- augmentation

def random_crop(x: torch.Tensor, padding: int, generator: torch.Generator | None = None):
    """(N, C, H, W) float -> same shape: reflect-pad by `padding`, then one random
    H x W window per image."""
    if padding == 0:
        return x
    n, c, h, w = x.shape
    padded = F.pad(x, (padding,) * 4, mode="reflect")
    dy = torch.randint(0, 2 * padding + 1, (n,), device=x.device, generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (n,), device=x.device, generator=generator)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    chan = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, chan, rows, cols]


def random_flip(x: torch.Tensor, generator: torch.Generator | None = None):
    """(N, C, H, W) -> same shape, each image mirrored left-right with probability 1/2."""
    mask = torch.rand(x.shape[0], device=x.device, generator=generator) < 0.5
    return torch.where(mask[:, None, None, None], x.flip(3), x)


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


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor,
             batch_size: int = 1024) -> float:
    """Top-1 of `model` (taking [0, 1] input) on uint8 images already on its device, in fp32
    whatever the training precision, so that it is the figure `shaderkd eval` measures."""
    model.eval()
    correct = 0
    for i in range(0, len(images), batch_size):
        x = images[i:i + batch_size].float().div_(255)
        correct += (model(x).argmax(1) == labels[i:i + batch_size]).sum().item()
    return correct / len(images)


def _param_groups(net: nn.Module, weight_decay: float):
    decay = [p for p in net.parameters() if p.ndim > 1]
    no_decay = [p for p in net.parameters() if p.ndim <= 1]
    return [{"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0}]


def _schedule(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def _machine(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (torch {torch.__version__})"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"CPU {cpu}, {torch.get_num_threads()} torch threads of {os.cpu_count()} cores "
            f"(torch {torch.__version__})")


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def train_teacher(cfg: TeacherConfig, on_epoch: Callable[[dict], None] | None = None) -> Path:
    """Train `cfg.arch` on `cfg.data`, select on `cfg.val`; return the best card's path.
    `on_epoch` receives {epoch, epochs, loss, train_acc, val_acc, best, seconds} each epoch.
    No other process may use `cfg.out` meanwhile (train.rundir.RunLock)."""
    check_model_name(cfg.arch)   # before any data is decoded
    with RunLock(cfg.out):
        return _train_teacher(cfg, on_epoch)


def _train_teacher(cfg: TeacherConfig, on_epoch: Callable[[dict], None] | None = None) -> Path:
    device = _device(cfg.device)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    train_set, val_set = open_dataset(cfg.data), open_dataset(cfg.val)
    _check_pair(train_set, val_set)
    x_train = train_set.images.to(device)
    y_train = train_set.labels.to(device)
    x_val, y_val = val_set.images.to(device), val_set.labels.to(device)
    n, c, h, w = x_train.shape
    flip = cfg.flip if cfg.flip is not None else c == 3
    mean, std = channel_stats(x_train)

    model = Normalized(create_model(cfg.arch, len(train_set.classes), c), mean, std).to(device)
    if cfg.init:
        model, mean, std, init_card = _initial(cfg, train_set, model)
    else:
        init_card = None
    memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    optimizer = torch.optim.SGD(_param_groups(model.net, cfg.weight_decay), lr=cfg.lr,
                                momentum=cfg.momentum, nesterov=cfg.nesterov)
    steps_per_epoch = n // cfg.batch_size           # drop the ragged last batch
    if steps_per_epoch == 0:
        raise TeacherTrainingError(f"{cfg.data}: {n} images is fewer than one batch of "
                                   f"{cfg.batch_size}; lower --batch-size")
    total = steps_per_epoch * cfg.epochs
    warmup = max(1, round(cfg.warmup_epochs * steps_per_epoch))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: _schedule(s, total, warmup))
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    if cfg.precision not in ("auto", "fp32", "bf16"):
        raise TeacherTrainingError(f"precision must be auto, fp32 or bf16, not {cfg.precision!r}")
    autocast = cfg.precision == "bf16" or (cfg.precision == "auto" and device.type == "cuda")
    generator = torch.Generator(device=device).manual_seed(cfg.seed)

    start_epoch, best, best_epoch, elapsed = 0, -1.0, -1, 0.0
    last = out / "last.pt"
    if has_checkpoint(last):
        state = load_checkpoint(last, device, keys=("model", "optimizer", "epoch", "config"))
        if state["config"]["arch"] != cfg.arch or state["config"]["epochs"] != cfg.epochs:
            raise TeacherTrainingError(f"{last} is from another run ({state['config']['arch']}, "
                                       f"{state['config']['epochs']} epochs); use a new --out")
        model.net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"].cpu())
        start_epoch, best, best_epoch = state["epoch"], state["best"], state["best_epoch"]
        elapsed = state["elapsed"]
        log.info("resuming %s at epoch %d (best val %.4f)", last, start_epoch, best)

    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, device=device, generator=generator)
        loss_sum, correct, seen = torch.zeros((), device=device), torch.zeros((), device=device), 0
        for step in range(steps_per_epoch):
            idx = perm[step * cfg.batch_size:(step + 1) * cfg.batch_size]
            x = x_train[idx].float().div_(255)
            x = random_crop(x, cfg.crop_padding, generator)
            if flip:
                x = random_flip(x, generator)
            x = x.contiguous(memory_format=memory_format)
            y = y_train[idx]
            with torch.autocast(device.type, torch.bfloat16, enabled=autocast):
                logits = model(x)
                loss = criterion(logits.float(), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.detach() * len(y)
            correct += (logits.argmax(1) == y).sum()
            seen += len(y)
        val_acc = accuracy(model, x_val, y_val)
        seconds = time.perf_counter() - t0
        elapsed += seconds
        if val_acc > best:
            best, best_epoch = val_acc, epoch + 1
            save_model(out / "best", model, _card(cfg, train_set, val_set, mean, std, flip,
                                                  best, best_epoch, epoch + 1, elapsed, device,
                                                  autocast, init_card))
        save_checkpoint({"model": model.net.state_dict(), "optimizer": optimizer.state_dict(),
                         "scheduler": scheduler.state_dict(), "generator": generator.get_state(),
                         "epoch": epoch + 1, "best": best, "best_epoch": best_epoch,
                         "elapsed": elapsed, "config": asdict(cfg)}, last)
        stats = {"epoch": epoch + 1, "epochs": cfg.epochs, "loss": (loss_sum / seen).item(),
                 "train_acc": (correct / seen).item(), "val_acc": val_acc, "best": best,
                 "seconds": seconds, "lr": scheduler.get_last_lr()[0]}
        log.info("epoch %(epoch)d/%(epochs)d loss %(loss).4f train %(train_acc).4f "
                 "val %(val_acc).4f best %(best).4f (%(seconds).0f s)", stats)
        if on_epoch is not None:
            on_epoch(stats)

    # The final card records the whole run's time even when the best epoch came earlier.
    from .checkpoint import load_model
    best_model, _ = load_model(out / "best.json", device=device)
    card = _card(cfg, train_set, val_set, mean, std, flip, best, best_epoch, cfg.epochs,
                 elapsed, device, autocast, init_card)
    return save_model(out / "best", best_model, card)


def _initial(cfg: TeacherConfig, train_set: LabeledImages, fresh: Normalized):
    """(model, mean, std, card) of `cfg.init`, checked against the run: it keeps its own
    normalisation."""
    from .checkpoint import load_model
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


__all__ = ["TeacherConfig", "TeacherTrainingError", "accuracy", "channel_stats",
           "random_crop", "random_flip", "train_teacher"]
