"""Scoring during and after a run: held-out agreement with the teacher, real validation, monitor
and test data (`Scorer`), and the final report (report.json, report.md, curves.png).

The best checkpoint is chosen on real validation data when the recipe names some that is present,
else on agreement with the teacher on held-out shader images (methods that read shards), else it is
the last; test data is scored once, at the end.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn

from train.checkpoint import load_model
from train.recipe import Recipe, expand
from train.transform import transform_for


class Scorer:
    """Labelled (or teacher-labelled) images held on the device, prepared for the teacher's input."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None, size: int, channels: int,
                 device: torch.device, batch_size: int):
        prep = transform_for(input_size=size, in_channels=channels)
        chunks = [prep(images[i:i + batch_size].to(device).float() / 255)
                  for i in range(0, len(images), batch_size)]
        self.x = torch.cat(chunks)
        self.labels = labels.to(device) if labels is not None else None
        self.batch_size = batch_size

    @torch.no_grad()
    def predict(self, model: nn.Module, autocast: bool) -> torch.Tensor:
        with torch.autocast(self.x.device.type, dtype=torch.bfloat16, enabled=autocast):
            was = model.training
            model.eval()
            out = torch.cat([model(self.x[i:i + self.batch_size]).argmax(1)
                             for i in range(0, len(self.x), self.batch_size)])
            model.train(was)
        return out

    def top1(self, model: nn.Module, autocast: bool = False) -> float:
        return (self.predict(model, autocast) == self.labels).float().mean().item()


def open_real(spec: str, what: str, size: int, channels: int, device, batch_size: int, notes: list[str],
              classes: list[str]):
    """A Scorer for a dataset spec, or None with the reason appended to notes. Labels of folder/tar
    data are matched to `classes` (the teacher's); an ambiguous match raises DatasetError."""
    if not spec:
        return None
    from train.datasets import DatasetError, align_to_classes, open_dataset
    spec = expand(spec)
    try:
        data = open_dataset(spec)
    except (DatasetError, FileNotFoundError) as exc:
        notes.append(f"{what} data {spec!r} is not available ({exc}); not scored")
        return None
    data = align_to_classes(data, classes)
    if data.label_note:
        notes.append(f"{what} data {spec!r}: {data.label_note}")
    if not data.stacked:
        notes.append(f"{what} data {spec!r} has images of several sizes; not scored")
        return None
    return Scorer(data.images, data.labels, size, channels, device, batch_size)


def selection(ev, val, held) -> tuple[str, str, str | None]:
    """(score_by, selected_by, a note saying why) for eval config `ev` and the scorers present: the
    metric evaluations record as "best", and the one that chooses best.* ("last": the latest)."""
    score_by = "val_top1" if val is not None else "holdout_agreement" if held is not None else "last"
    if ev.select == "last":
        return score_by, "last", "the best checkpoint is the student at the end of the schedule (eval.select = 'last')"
    if score_by == "holdout_agreement":
        return score_by, score_by, ("best checkpoint chosen by agreement with the teacher on held-out shader images "
                                    + ("(no validation data named in the recipe)" if not ev.val else "(validation data absent)"))
    if score_by == "last":
        return score_by, "last", "the best checkpoint is the student at the end of the schedule (no validation data)"
    return score_by, score_by, None


@dataclass
class Scorers:
    """What a distillation run scores its student on, and how it chooses the best one."""
    held: Scorer | None                 # held-out shader images, labelled by the teacher (agreement)
    val: Scorer | None
    monitor: Scorer | None
    score_by: str                       # the metric "best" records
    selected_by: str                    # the metric that chooses best.* ("last": the latest)
    notes: list[str]
    cuda: bool

    @classmethod
    def open(cls, recipe: Recipe, held_images: torch.Tensor | None, teacher, card: dict, device) -> "Scorers":
        ev, cuda, notes = recipe.eval, device.type == "cuda", []
        args = (card["input_size"], card["in_channels"], device, ev.batch_size)
        held = Scorer(held_images, None, *args) if held_images is not None else None
        if held is not None:
            held.labels = held.predict(teacher, cuda)      # agreement = top-1 against the teacher's labels
        val = open_real(ev.val, "validation", *args, notes, card["classes"])
        monitor = open_real(ev.monitor, "monitor", *args, notes, card["classes"])
        score_by, selected_by, why = selection(ev, val, held)
        return cls(held, val, monitor, score_by, selected_by, notes + ([why] if why else []), cuda)

    def evaluate(self, model: nn.Module) -> dict:
        scorers = {"holdout_agreement": self.held, "val_top1": self.val, "monitor_top1": self.monitor}
        return {k: s.top1(model, self.cuda) for k, s in scorers.items() if s is not None}


def finish(out: Path, recipe: Recipe, teacher, tcard, device, scorers: Scorers, notes: list[str], best_step: int,
           wall: float, images_seen: int) -> dict:
    """Score the best student once more (and on test data), write report.*, curves.png.

    A test split that is also the monitored or validation one is not decoded a second time."""
    from train.plots import plot_curves
    cuda, held, val, selected_by = device.type == "cuda", scorers.held, scorers.val, scorers.selected_by
    ev = recipe.eval
    opened = {spec: sc for spec, sc in ((ev.monitor, scorers.monitor), (ev.val, val)) if spec and sc is not None}
    best, _ = load_model(out, device=device)
    size, channels = tcard["input_size"], tcard["in_channels"]
    test = opened.get(recipe.eval.test) or open_real(recipe.eval.test, "test", size, channels, device,
                                                              recipe.eval.batch_size, notes, tcard["classes"])
    report = {"recipe": recipe.name, "method": recipe.method, "teacher": recipe.teacher, "student": recipe.student,
              "steps": recipe.optim.steps, "best_step": best_step, "selected_by": selected_by,
              "wall_s": wall, "images_per_s": images_seen / max(wall, 1e-9), "images_seen": images_seen,
              "device": str(device), "notes": notes}
    if held is not None:
        report.update(holdout_agreement=held.top1(best, cuda), holdout_images=len(held.x))
    for split, scorer, spec in (("val", val, recipe.eval.val), ("test", test, recipe.eval.test)):
        if scorer is None:
            continue
        s, t = scorer.top1(best, cuda), scorer.top1(teacher, cuda)
        report[split] = {"data": expand(spec), "n": len(scorer.x), "student_top1": s, "teacher_top1": t,
                         "ratio": s / t if t > 0 else None,
                         "agreement": (scorer.predict(best, cuda) == scorer.predict(teacher, cuda)).float().mean().item()}
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "report.md").write_text(report_markdown(report))
    plot_curves(out / "metrics.jsonl", out / "curves.png")
    return report


def report_markdown(r: dict) -> str:
    lines = [f"# Distillation report: {r['recipe']}", "",
             f"Method {r.get('method', 'shader')}: teacher `{r['teacher']}` -> student `{r['student']}`, "
             f"{r['steps']} steps on {r['device']}; "
             + (f"best checkpoint = the last, step {r['best_step']} (eval.select = 'last')." if r["selected_by"] == "last"
              else f"best checkpoint at step {r['best_step']} (chosen by {r['selected_by']})."), "",
             "| split | n | student top-1 | teacher top-1 | ratio | agreement |", "|---|---|---|---|---|---|"]
    for split in ("val", "test"):
        if split in r:
            s = r[split]
            ratio = f"{s['ratio']:.3f}" if s["ratio"] is not None else "n/a"
            lines.append(f"| {split} | {s['n']} | {s['student_top1']:.4f} | {s['teacher_top1']:.4f} | {ratio} | {s['agreement']:.4f} |")
    if "holdout_agreement" in r:
        lines += ["", f"Agreement with the teacher on {r['holdout_images']} held-out shader images: "
                  f"{r['holdout_agreement']:.4f}"]
    lines += ["", f"Wall time {r['wall_s']:.1f} s, {r['images_per_s']:.0f} images/s ({r['images_seen']} images).", ""]
    lines += [f"- {n}" for n in r["notes"]]
    return "\n".join(lines) + "\n"
