"""Trainer commands, loaded lazily by `shaderkd.cli`: a thin click layer that builds a config
and calls a library function, turning library errors into one-paragraph messages."""
from __future__ import annotations

import json
import logging
import shlex
import sys

import click


def _floats(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of numbers, "
                                 f"e.g. 0.485,0.456,0.406") from None


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)


# ------------------------------------------------------------------------------ teacher

@click.group("teacher")
def teacher_group():
    """Train and inspect teachers on real data."""


@teacher_group.command("train")
@click.option("--arch", required=True, help="architecture (train.models registry), e.g. resnet20")
@click.option("--data", required=True, help="training split, e.g. tar:../shared/data/cifar10-jpeg/train.tar.gz")
@click.option("--val", required=True, help="validation split used to select the best epoch")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="run directory (resumes from last.pt)")
@click.option("--epochs", default=30, show_default=True)
@click.option("--batch-size", default=512, show_default=True)
@click.option("--lr", default=0.2, show_default=True, help="peak learning rate")
@click.option("--weight-decay", default=5e-4, show_default=True)
@click.option("--label-smoothing", default=0.1, show_default=True)
@click.option("--warmup-epochs", default=1.0, show_default=True)
@click.option("--crop-padding", default=4, show_default=True, help="pad-and-crop shift in px (0: off)")
@click.option("--flip/--no-flip", default=None, help="horizontal flips [default: on for colour images, off for grey]")
@click.option("--seed", default=0, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--threads", type=int, default=None, help="CPU threads for torch")
def teacher_train_cmd(arch, data, val, out, epochs, batch_size, lr, weight_decay,
                      label_smoothing, warmup_epochs, crop_padding, flip, seed, device, threads):
    """Supervised training with SGD (Nesterov), warm-up + cosine, flips and crops; keeps the
    epoch with the best validation top-1 as OUT/best.{safetensors,json}."""
    import torch

    from .checkpoint import CheckpointError
    from .datasets import DatasetError
    from .teacher import TeacherConfig, TeacherTrainingError, train_teacher

    _setup_logging(True)
    if threads:
        torch.set_num_threads(threads)
    cfg = TeacherConfig(arch=arch, data=data, val=val, out=out, epochs=epochs,
                        batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                        label_smoothing=label_smoothing, warmup_epochs=warmup_epochs,
                        crop_padding=crop_padding, flip=flip, seed=seed, device=device,
                        command="shaderkd " + shlex.join(sys.argv[1:]))
    try:
        card_path = train_teacher(cfg)
    except (DatasetError, CheckpointError, TeacherTrainingError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    card = json.loads(card_path.read_text())
    click.echo(f"{card_path}: {card['arch']} val top-1 {card['accuracy']['top1']:.4f} "
               f"on {card['accuracy']['split']} (epoch {card['recipe']['best_epoch']}, "
               f"{card['recipe']['train_seconds']:.0f} s)")
