"""Scoring a classifier on labelled real images: top-1/top-5, per-class accuracy, the
confusion matrix and expected calibration error (ECE, 15 equal-width confidence bins).

The model takes images in [0, 1] (a `train.models.Normalized`). Images that differ from the
model's input (size, or grey vs colour) are adapted batch by batch by `train.transform` (the one
card-to-input transform training and curation use too). Every
adaptation is logged and listed under `adapted` in the result, so nobody scores a 28 px digit
set on a 32 px model without being told.
"""
from __future__ import annotations

import logging
from typing import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .datasets import LabeledImages
from .transform import InputError, transform_for

log = logging.getLogger(__name__)

ECE_BINS = 15


class EvaluationError(ValueError):
    """The model and the dataset cannot be scored together."""


def model_channels(model: nn.Module) -> int | None:
    mean = getattr(model, "mean", None)
    return int(mean.numel()) if isinstance(mean, torch.Tensor) else None


def _batches(dataset, batch_size: int, channels, size, device) -> Iterator:
    try:
        yield from _raw_batches(dataset, batch_size, channels, size, device)
    except InputError as exc:
        raise EvaluationError(str(exc)) from exc


def _raw_batches(dataset, batch_size: int, channels, size, device) -> Iterator:
    prep = transform_for(input_size=size, in_channels=channels)
    if isinstance(dataset, LabeledImages) and dataset.stacked:
        for i in range(0, len(dataset), batch_size):
            yield prep(dataset.images[i:i + batch_size].to(device)), dataset.labels[i:i + batch_size].to(device)
        return
    for i in range(0, len(dataset), batch_size):
        items = [dataset[j] for j in range(i, min(i + batch_size, len(dataset)))]
        if size is None and len({tuple(img.shape[-2:]) for img, _ in items}) > 1:
            raise EvaluationError("the images differ in size; give input_size to resize them")
        x = torch.cat([prep(img.to(device)[None]) for img, _ in items])
        yield x, torch.tensor([label for _, label in items], device=device)


def _describe_adaptation(dataset, channels, size) -> list[str]:
    notes = []
    if isinstance(dataset, LabeledImages) and len(dataset):
        shapes = ({tuple(dataset.images.shape[1:])} if dataset.stacked
                  else {tuple(t.shape) for t in dataset.images})
        if channels is not None and any(s[0] != channels for s in shapes):
            notes.append(f"converted {sorted({s[0] for s in shapes})}-channel images to "
                         f"{channels} channel(s)")
        if size is not None and any(s[1:] != (size, size) for s in shapes):
            sizes = sorted({f"{s[2]}x{s[1]}" for s in shapes})
            notes.append(f"resized {', '.join(sizes[:4])} images to the model's {size}x{size}")
    return notes


@torch.no_grad()
def evaluate(model: nn.Module, dataset, *, batch_size: int = 500,
             device: str | torch.device = "cpu", input_size: int | None = None,
             in_channels: int | None = None) -> dict:
    """Score `model` on `dataset` (items `(uint8 or [0, 1] float image, label)`, `.classes`).

    `input_size` (the card's) and `in_channels` (default: the Normalized model's) are what
    the images are adapted to when they differ. Returns {top1, top5, n, per_class (class name
    -> accuracy), per_class_n, confusion (rows: true class, columns: predicted), ece, nll,
    adapted (list of what was done to the images)}."""
    classes = list(dataset.classes)
    k = len(classes)
    if len(dataset) == 0:
        raise EvaluationError("the dataset is empty")
    channels = in_channels or model_channels(model)
    notes = _describe_adaptation(dataset, channels, input_size)
    for note in notes:
        log.warning("evaluation: %s", note)
    model = model.to(device).eval()
    confusion = torch.zeros(k, k, dtype=torch.long)
    top5_correct, nll_sum = 0, 0.0
    conf_sum = torch.zeros(ECE_BINS, dtype=torch.float64)
    acc_sum = torch.zeros(ECE_BINS, dtype=torch.float64)
    bin_n = torch.zeros(ECE_BINS, dtype=torch.float64)
    for x, y in _batches(dataset, batch_size, channels, input_size, device):
        logits = model(x).float()
        if logits.ndim != 2 or logits.shape[1] < k:
            raise EvaluationError(f"the model gives {tuple(logits.shape[1:])} outputs per image "
                                  f"but the dataset has {k} classes")
        if logits.shape[1] > k:
            raise EvaluationError(f"the model has {logits.shape[1]} classes but the dataset "
                                  f"{k}; they must match label for label")
        probs = logits.softmax(1)
        conf, pred = probs.max(1)
        confusion += torch.bincount((y * k + pred).cpu(), minlength=k * k).view(k, k)
        top5_correct += (logits.topk(min(5, k), 1).indices == y[:, None]).any(1).sum().item()
        nll_sum += F.cross_entropy(logits, y, reduction="sum").item()
        bins = (conf * ECE_BINS).long().clamp_(max=ECE_BINS - 1).cpu()
        conf_sum += torch.bincount(bins, conf.double().cpu(), ECE_BINS)
        acc_sum += torch.bincount(bins, (pred == y).double().cpu(), ECE_BINS)
        bin_n += torch.bincount(bins, minlength=ECE_BINS).double()
    n = int(confusion.sum())
    per_class_n = confusion.sum(1)
    per_class = {c: (confusion[i, i].item() / per_class_n[i].item()) if per_class_n[i] else None
                 for i, c in enumerate(classes)}
    ece = ((conf_sum - acc_sum).abs().sum() / n).item()
    return {"top1": confusion.diagonal().sum().item() / n, "top5": top5_correct / n, "n": n,
            "per_class": per_class,
            "per_class_n": {c: int(per_class_n[i]) for i, c in enumerate(classes)},
            "confusion": confusion.tolist(), "ece": ece, "nll": nll_sum / n,
            "classes": classes, "adapted": notes}


def format_report(result: dict, title: str = "") -> str:
    """A table for people: headline numbers, per-class accuracy, the confusion matrix."""
    classes: Sequence[str] = result["classes"]
    lines = [title] if title else []
    lines.append(f"top-1 {100 * result['top1']:.2f}%   top-5 {100 * result['top5']:.2f}%   "
                 f"ECE {100 * result['ece']:.2f}%   NLL {result['nll']:.4f}   "
                 f"n {result['n']}")
    lines += [f"note: {note}" for note in result["adapted"]]
    width = max(8, max(len(c) for c in classes))
    lines.append("")
    lines.append(f"{'class':<{width}}  {'acc':>7}  {'n':>6}")
    for c in classes:
        acc = result["per_class"][c]
        lines.append(f"{c:<{width}}  {'-' if acc is None else f'{100 * acc:6.2f}%':>7}  "
                     f"{result['per_class_n'][c]:>6}")
    if len(classes) <= 20:
        cell = max(5, len(str(max(max(r) for r in result["confusion"]))) + 1)
        lines.append("")
        lines.append("confusion (rows: true, columns: predicted)")
        lines.append(" " * width + "".join(f"{i:>{cell}}" for i in range(len(classes))))
        for c, row in zip(classes, result["confusion"]):
            lines.append(f"{c:<{width}}" + "".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)


__all__ = ["EvaluationError", "evaluate", "format_report"]
