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


ALLOW_CODE_HELP = ("load TorchScript and torch.export (.pt2) files, which can run any code hidden in "
                   "them with your rights: only for files from people you trust")


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
@click.option("--out", required=True, type=click.Path(file_okay=False), help="run directory (resumes from state.pt)")
@click.option("--epochs", default=30, show_default=True)
@click.option("--batch-size", default=512, show_default=True)
@click.option("--lr", default=0.2, show_default=True, help="peak learning rate")
@click.option("--weight-decay", default=5e-4, show_default=True)
@click.option("--label-smoothing", default=0.0, show_default=True, help="0 for teachers meant for distillation (smoothing erases what KD transfers)")
@click.option("--warmup-epochs", default=1.0, show_default=True)
@click.option("--crop-padding", default=4, show_default=True, help="pad-and-crop shift in px (0: off)")
@click.option("--flip/--no-flip", default=None, help="horizontal flips [default: on for colour images, off for grey]")
@click.option("--seed", default=0, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", type=click.Choice(["auto", "fp32", "bf16"]), default="auto",
              show_default=True, help="auto: bf16 autocast on a GPU, fp32 on a CPU")
@click.option("--init", default=None, help="start from this model's weights (card, run directory or teacher:NAME)")
@click.option("--threads", type=int, default=None, help="CPU threads for torch")
def teacher_train_cmd(arch, data, val, out, epochs, batch_size, lr, weight_decay,
                      label_smoothing, warmup_epochs, crop_padding, flip, seed, device,
                      precision, init, threads):
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
                        precision=precision, init=init, command="shaderkd " + shlex.join(sys.argv[1:]))
    try:
        card_path = train_teacher(cfg)
    except (DatasetError, CheckpointError, TeacherTrainingError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:   # a full disk ends in one paragraph; any other OSError is a bug to see
        from .rundir import disk_full
        if (message := disk_full(exc, out)) is None:
            raise
        raise click.ClickException(message) from exc
    card = json.loads(card_path.read_text())
    click.echo(f"{card_path}: {card['arch']} val top-1 {card['accuracy']['top1']:.4f} "
               f"on {card['accuracy']['split']} (epoch {card['recipe']['best_epoch']}, "
               f"{card['recipe']['train_seconds']:.0f} s)")


@teacher_group.command("list")
def teacher_list_cmd():
    """The bundled teachers (usable as --model teacher:NAME) and their measured accuracy."""
    from .checkpoint import bundled_teachers

    for name, card in bundled_teachers().items():
        acc = card["accuracy"]
        measured = (f"top-1 {100 * acc['top1']:.2f}% on {acc['split']} (n={acc['n']})"
                    if acc else "accuracy not measured")
        click.echo(f"teacher:{name:<10} {card['arch']:<12} {card['in_channels']}x"
                   f"{card['input_size']}x{card['input_size']}  {measured}")


# --------------------------------------------------------------------------------- eval

@click.command("eval")
@click.option("--model", "model_spec", required=True,
              help="teacher:mnist / teacher:cifar10, a card (.json), a run directory, or a "
                   "checkpoint file (.pt/.pth/.th state dict, TorchScript, .pt2 export)")
@click.option("--data", required=True, help="dataset spec, e.g. tar:../shared/data/cifar10-jpeg/val.tar.gz")
@click.option("--arch", default=None, help="architecture of a plain state dict (e.g. resnet20)")
@click.option("--mean", default=None, help="normalisation mean for files without a card, e.g. 0.485,0.456,0.406")
@click.option("--std", default=None, help="normalisation std for files without a card, e.g. 0.229,0.224,0.225")
@click.option("--num-classes", type=int, default=None, help="classes of a file without a card [default: from the weights]")
@click.option("--in-channels", type=int, default=None, help="input channels of a file without a card")
@click.option("--input-size", type=int, default=None, help="input side in px of a file without a card")
@click.option("--batch-size", default=500, show_default=True)
@click.option("--device", default="cpu", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of a table")
@click.option("--allow-code-execution", is_flag=True, help=ALLOW_CODE_HELP)
def eval_cmd(model_spec, data, arch, mean, std, num_classes, in_channels, input_size,
             batch_size, device, as_json, allow_code_execution):
    """Top-1/top-5, per-class accuracy, confusion matrix and calibration error of a model on
    real labelled images."""
    from .checkpoint import CheckpointError, load_model
    from .datasets import DatasetError, align_to_classes, open_dataset
    from .evaluate import EvaluationError, evaluate, format_report

    _setup_logging(False)
    try:
        model, card = load_model(model_spec, arch=arch, mean=_floats(mean), std=_floats(std),
                                 num_classes=num_classes, in_channels=in_channels,
                                 input_size=input_size, device=device,
                                 allow_code_execution=allow_code_execution)
        dataset = align_to_classes(open_dataset(data), card["classes"])
        result = evaluate(model, dataset, batch_size=batch_size, device=device,
                          input_size=card["input_size"], in_channels=card["in_channels"])
    except (CheckpointError, DatasetError, EvaluationError) as exc:
        raise click.ClickException(str(exc)) from exc
    if dataset.label_note:
        result["adapted"].insert(0, dataset.label_note)
    result = {"model": str(model_spec), "arch": card["arch"], "data": data, **result}
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(format_report(result, f"{model_spec} ({card['arch']}) on {data}"))
