"""Curation: keep the shader images that spread most evenly over the teacher's classes.

    curate("teacher:cifar10", "shards/default", "shards/curated", per_class=1000)

The teacher labels every image of the source set (resized and converted to its input on the
device); for every class the `per_class` images the teacher is most confident about are kept, so a
class the teacher rarely sees in shaders keeps all of its images and an over-represented one is
cut down. The curated set is written in the shard format (kind "curated"; each record keeps the
source record and adds `source`, `teacher_label`, `teacher_confidence`), PNG bytes copied
unchanged. The report gives the class histogram and its relative entropy H(p) / log K
(1.0 = uniform) before and after.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from shards.format import FORMAT, FORMAT_VERSION, MANIFEST, ShardFormatError, shard_name, write_manifest, write_shard
from train.checkpoint import load_model
from train.shardset import ShardSet
from train.transform import transform_for

log = logging.getLogger(__name__)


class CurationError(ValueError):
    """The curation cannot be done as asked."""


def relative_entropy(histogram) -> float:
    """Entropy of the normalised histogram divided by log K: 1.0 when uniform, 0.0 when one class."""
    h = np.asarray(histogram, dtype=np.float64)
    if len(h) < 2 or h.sum() == 0:
        return 0.0
    p = h[h > 0] / h.sum()
    return float(-(p * np.log(p)).sum() / math.log(len(h)))


@torch.no_grad()
def label_set(teacher, shardset: ShardSet, size: int, channels: int, device, batch_size: int = 500,
              progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indices, teacher labels, teacher confidences) for every sample, in manifest order."""
    prep = transform_for(input_size=size, in_channels=channels)
    idx, labels, conf, done = [], [], [], 0
    for i, arr in shardset.pipeline(0, 0, shuffle_buffer=0, batch=batch_size):
        x = prep(torch.from_numpy(arr).to(device).permute(0, 3, 1, 2).float() / 255)
        p = teacher(x).float().softmax(1)
        c, y = p.max(1)
        idx.append(i)
        labels.append(y.cpu().numpy())
        conf.append(c.cpu().numpy())
        done += len(i)
        if progress:
            progress(done, shardset.num_samples)
    return np.concatenate(idx), np.concatenate(labels), np.concatenate(conf)


def select_balanced(labels: np.ndarray, confidence: np.ndarray, num_classes: int, per_class: int) -> np.ndarray:
    """Positions to keep: per class, the `per_class` most confident (ties: lower position first)."""
    keep = []
    for c in range(num_classes):
        pos = np.flatnonzero(labels == c)
        order = np.lexsort((pos, -confidence[pos]))
        keep.append(pos[order[:per_class]])
    return np.sort(np.concatenate(keep))


def curate(teacher_spec: str, shards_dir: Path | str, out_dir: Path | str, per_class: int, *,
           device: str | torch.device = "cpu", batch_size: int = 500, shard_size: int | None = None,
           progress: Callable[[int, int], None] | None = None) -> dict:
    """Write the curated set to out_dir and return the report (histograms, entropies, counts)."""
    if per_class < 1:
        raise CurationError(f"--per-class must be positive, got {per_class}")
    src, out = str(shards_dir), Path(out_dir)
    if "://" not in src and out.resolve() == Path(src).resolve():
        raise CurationError(f"the curated set cannot overwrite its source {src}; choose another --out")
    if (out / MANIFEST).exists():
        raise CurationError(f"{out} already holds a shard set; choose an empty --out or delete it")
    shardset = ShardSet(src)
    teacher, card = load_model(teacher_spec, device=device)
    k = card["num_classes"]
    indices, labels, conf = label_set(teacher, shardset, card["input_size"], card["in_channels"], device,
                                      batch_size, progress)
    before = np.bincount(labels, minlength=k)
    keep = select_balanced(labels, conf, k, per_class)
    after = np.bincount(labels[keep], minlength=k)
    chosen = {int(indices[p]): (int(labels[p]), float(conf[p])) for p in keep}
    shard_size = shard_size or shardset.manifest["config"].get("shard_size", 1000)

    out.mkdir(parents=True, exist_ok=True)
    entries, pending, new = [], [], 0
    for sample in shardset.samples():
        if sample.index not in chosen:
            continue
        label, confidence = chosen[sample.index]
        record = {**sample.record, "index": new, "source": {"set": shardset.name, "index": sample.index},
                  "teacher_label": label, "teacher_confidence": confidence}
        pending.append((new, sample.png, record))
        new += 1
        if len(pending) == shard_size:
            entries.append(write_shard(out / shard_name(len(entries)), pending))
            pending = []
    if pending:
        entries.append(write_shard(out / shard_name(len(entries)), pending))
    if new != len(keep):
        raise ShardFormatError(f"{src}: {len(keep)} samples chosen but {new} found on the second pass; "
                               f"the set changed while it was curated")
    report = {"source": str(src), "teacher": teacher_spec, "classes": card["classes"], "per_class": per_class,
              "num_source": int(len(labels)), "num_kept": int(new),
              "histogram_before": before.tolist(), "histogram_after": after.tolist(),
              "relative_entropy_before": relative_entropy(before), "relative_entropy_after": relative_entropy(after),
              "mean_confidence_kept": float(conf[keep].mean()) if len(keep) else 0.0}
    m = shardset.manifest
    write_manifest(out, {
        "format": FORMAT, "format_version": FORMAT_VERSION, "kind": "curated", "num_samples": new,
        "complete": True,
        "config": {"count": new, "shard_size": shard_size, "size": m["config"].get("size"), "source": shardset.name,
                   "source_config": m["config"], "teacher": teacher_spec, "per_class": per_class,
                   "rule": "per class, the most confident images of the teacher"},
        "bank": {k: v for k, v in m["bank"].items() if k != "path"}, "renderer": m["renderer"], "stats": report, "shards": entries})
    log.info("curated %s -> %s: %d of %d images, relative entropy %.3f -> %.3f", src, out, new, len(labels),
             report["relative_entropy_before"], report["relative_entropy_after"])
    return report
