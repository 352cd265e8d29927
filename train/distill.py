"""Data-free distillation: shader shards in, student out (Frank & Davis; baselines DFAD, RDSKD).

One run directory holds everything a run is:

    config.json   the resolved recipe          versions.json  python, torch, ..., device
    seed          the run's seed               metrics.jsonl  one JSON object per log / eval
    state.pt      full state for resuming      last.*, best.* the student (safetensors + card)
    curves.png    the curves                   report.json, report.md  the final figures

The loop, per step: a uint8 batch from the shards -> floats on the device -> batched augmentation
(per-image parameters) -> a share of the batch replaced by adversarial images (boundary pairs or
KL-discrepancy samples) -> KL(teacher/T || student/T) * T^2 -> optimiser, schedule, EMA.

Other methods (recipe key `method`: dfad, rdskd, real-kd, supervised) replace the shader batch and
the loss through `train.methods.sources`; everything else (run directory, schedule, evaluation,
checkpoints, resume, report) is the same loop.

The best checkpoint is chosen on real validation data when the recipe names some that is present,
else on agreement with the teacher on held-out shader images; test data is scored once, at the end.
Resume: running the same recipe into the same directory continues from state.pt; every random
draw (python, numpy, torch, augmentation, attack, data order) is restored, so the metrics equal an
uninterrupted run's on the same machine.
"""
from __future__ import annotations

import copy
import json
import logging
import math
import os
import platform
import random
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn as nn

from train.attack import boundary_attack, discrepancy_attack
from train.augment import AugmentConfig, Augmenter
from train.checkpoint import load_model, make_card, save_model
from train.curate import relative_entropy
from train.losses import kd_kl
from train.methods import GENERATOR_METHODS
from train.methods.sources import GeneratorSource, RealSource
from train.models import Normalized, create_model
from train.recipe import Recipe, expand, from_dict, to_dict
from train.rundir import (RunDirError, RunLock, has_checkpoint, load_checkpoint, read_json, save_checkpoint,
                          truncate_metrics)
from train.shardset import BatchStream, ShardSet, make_seed

log = logging.getLogger(__name__)
TIMING_KEYS = ("img_per_s", "elapsed_s")   # the metrics that differ between identical runs


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RunDirError(f"run.device is {name!r} but no CUDA device is available; use run.device=cpu")
    return dev


def versions(device: torch.device) -> dict:
    import torchvision
    import webdataset

    import shaderkd
    return {"python": platform.python_version(), "torch": torch.__version__,
            "torchvision": torchvision.__version__, "numpy": np.__version__,
            "webdataset": getattr(webdataset, "__version__", "?"), "shaderkd": shaderkd.__version__,
            "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "device": str(device),
            "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"}


# ------------------------------------------------------------------ optimiser, schedule, EMA

def make_optimizer(model: nn.Module, cfg) -> torch.optim.Optimizer:
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov)
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas)


def lr_factor(step: int, cfg) -> float:
    """Linear warm-up to 1, then cosine down to cfg.min_lr_ratio at cfg.steps (or, for the "step"
    schedule, x cfg.gamma at every milestone passed)."""
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    if cfg.schedule == "step":
        return cfg.gamma ** sum(step >= m for m in cfg.milestones)
    progress = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


class EMA:
    """Exponential moving average of a model's parameters (buffers are copied)."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay, self.model = decay, copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.lerp_(p.detach(), 1 - self.decay)
        for e, b in zip(self.model.buffers(), model.buffers()):
            e.copy_(b)


# ------------------------------------------------------------------ evaluation

class Scorer:
    """Labelled (or teacher-labelled) images held on the device, prepared for the teacher's input."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None, size: int, channels: int,
                 device: torch.device, batch_size: int):
        prep = Augmenter(AugmentConfig(enabled=False), (size, size), channels)
        chunks = [prep.prepare(images[i:i + batch_size].to(device).float() / 255)
                  for i in range(0, len(images), batch_size)]
        self.x = torch.cat(chunks)
        self.labels = labels.to(device) if labels is not None else None
        self.batch_size = batch_size

    @torch.no_grad()
    def predict(self, model: nn.Module, autocast: bool) -> torch.Tensor:
        with _autocast(self.x.device, autocast):
            was = model.training
            model.eval()
            out = torch.cat([model(self.x[i:i + self.batch_size]).argmax(1)
                             for i in range(0, len(self.x), self.batch_size)])
            model.train(was)
        return out

    def top1(self, model: nn.Module, autocast: bool = False) -> float:
        return (self.predict(model, autocast) == self.labels).float().mean().item()


def _autocast(device: torch.device, enabled: bool):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=enabled and device.type == "cuda")


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


# ------------------------------------------------------------------ state (resume)

def _rng_state(gens: dict[str, torch.Generator]) -> dict:
    np_state = np.random.get_state()
    state = {"python": random.getstate(), "torch": torch.get_rng_state(),
             "numpy": {"keys": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                       "has_gauss": int(np_state[3]), "cached": float(np_state[4])},
             **{f"gen_{k}": g.get_state() for k, g in gens.items()}}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict, gens: dict[str, torch.Generator]) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    for k, g in gens.items():
        g.set_state(state[f"gen_{k}"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def prepare_run_dir(out: Path, recipe: Recipe) -> bool:
    """Write config/seed for a new run or check them for a resumed one; True when resuming.

    A directory without a checkpoint (a run that failed or was killed before its first one) has
    nothing to resume and is started afresh, whatever its config.json says.
    """
    out.mkdir(parents=True, exist_ok=True)
    config = to_dict(recipe)
    cfg_path = out / "config.json"
    if cfg_path.exists() and has_checkpoint(out / "state.pt"):
        # through from_dict: keys added to the recipe schema since the run began take their defaults
        old = json.loads(json.dumps(to_dict(from_dict(read_json(cfg_path, "the run's recipe")))))
        new = json.loads(json.dumps(config))
        if old != new:
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            raise RunDirError(f"{out} holds a run with another configuration (differs in: {', '.join(diff)}); "
                              f"resume it with the same recipe and --set values, or choose a new --out")
        return True
    cfg_path.write_text(json.dumps(config, indent=1) + "\n")
    (out / "seed").write_text(f"{recipe.seed}\n")
    return False


# ------------------------------------------------------------------ the run

def distill(recipe: Recipe, out: Path | str, on_event: Callable[[dict], None] | None = None,
            allow_code_execution: bool = False) -> dict:
    """Run (or resume) a distillation into `out`, which no other process may use meanwhile
    (train.rundir.RunLock); see _distill."""
    with RunLock(out):
        return _distill(recipe, out, on_event, allow_code_execution)


def _distill(recipe: Recipe, out: Path | str, on_event: Callable[[dict], None] | None = None,
             allow_code_execution: bool = False) -> dict:
    """Run (or resume) a distillation into `out`; returns the final report (also report.json).

    on_event receives {"event": "step", "step", "total"} after every step and every metrics record
    ({"event": "train"|"eval", ...}) as it is written. allow_code_execution lets the teacher be a
    TorchScript or torch.export file (train.checkpoint.load_model; they can run code when loaded).
    """
    out = Path(out)
    emit = on_event or (lambda e: None)
    resuming = prepare_run_dir(out, recipe)
    device = pick_device(recipe.run.device)
    if recipe.run.threads:
        torch.set_num_threads(recipe.run.threads)
    elif device.type == "cpu":
        # Leave a core free: with every core busy elsewhere, torch's CPU threads spin against each
        # other (measured here: 2 threads on a shared 2-core machine ran 17x slower than 1).
        torch.set_num_threads(max(1, (os.cpu_count() or 1) - 1))
    (out / "versions.json").write_text(json.dumps(versions(device), indent=1) + "\n")
    cuda = device.type == "cuda"
    seed, o, ev = recipe.seed, recipe.optim, recipe.eval
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)

    # -- models
    teacher, tcard = load_model(expand(recipe.teacher), device=device, allow_code_execution=allow_code_execution)
    teacher.eval().requires_grad_(False)
    size, channels, classes = tcard["input_size"], tcard["in_channels"], tcard["classes"]
    student = Normalized(create_model(recipe.student, len(classes), channels), tcard["mean"], tcard["std"]).to(device)
    if cuda:
        teacher, student = teacher.to(memory_format=torch.channels_last), student.to(memory_format=torch.channels_last)
    optimizer = make_optimizer(student, o)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, o))
    ema = EMA(student, o.ema_decay) if o.ema_decay > 0 else None

    # -- data
    shards = ShardSet(expand(recipe.data.shards))
    train_set, held_set = shards.split(recipe.data.holdout_shards)
    d = recipe.data
    shader = recipe.method == "shader"
    stream = BatchStream(train_set, d.batch_size, seed, device, d.cache_max_mb, d.shuffle_buffer, d.workers,
                         d.resampled) if shader else None
    _, held_images = held_set.load(d.holdout_images)
    held = Scorer(held_images, None, size, channels, device, ev.batch_size)
    held.labels = held.predict(teacher, cuda)          # agreement = top-1 against the teacher's labels
    notes: list[str] = []
    val = open_real(ev.val, "validation", size, channels, device, ev.batch_size, notes, classes)
    monitor = open_real(ev.monitor, "monitor", size, channels, device, ev.batch_size, notes, classes)
    score_by = "val_top1" if val is not None else "holdout_agreement"   # what "best" records and cards carry
    selected_by = "last" if ev.select == "last" else score_by
    if selected_by == "last":
        notes.append("the best checkpoint is the student at the end of the schedule (eval.select = 'last')")
    elif selected_by == "holdout_agreement":
        notes.append("best checkpoint chosen by agreement with the teacher on held-out shader images "
                     + ("(no validation data named in the recipe)" if not ev.val else "(validation data absent)"))
    augment = Augmenter(recipe.augment, (size, size), channels)
    gens = {"augment": torch.Generator().manual_seed(make_seed(seed, 1)),
            "attack": torch.Generator().manual_seed(make_seed(seed, 2))}
    source = make_source(recipe, teacher, tcard, augment, gens["augment"], device, notes)

    # -- state
    step, epoch, batch_in_epoch, best, best_step = 0, 0, 0, -1.0, 0
    elapsed, images_seen, loss_sum, loss_n = 0.0, 0, 0.0, 0
    metrics_path = out / "metrics.jsonl"
    if resuming:
        st = load_checkpoint(out / "state.pt", device, keys=("student", "optimizer", "step", "rng"))
        student.load_state_dict(st["student"])
        optimizer.load_state_dict(st["optimizer"])
        scheduler.load_state_dict(st["scheduler"])
        if ema is not None:
            ema.model.load_state_dict(st["ema"])
        step, epoch, batch_in_epoch = st["step"], st["epoch"], st["batch_in_epoch"]
        best, best_step, elapsed, images_seen = st["best"], st["best_step"], st["elapsed"], st["images_seen"]
        loss_sum, loss_n = st["loss_sum"], st["loss_n"]
        _set_rng_state(st["rng"], gens)
        if source is not None:
            source.load_state_dict(st["source"])
        truncate_metrics(metrics_path, step)
        log.info("resuming %s at step %d (epoch %d, batch %d)", out, step, epoch, batch_in_epoch)
    elif metrics_path.exists():
        metrics_path.unlink()   # a run killed before its first checkpoint starts over

    def record(kind: str, **values) -> None:
        rec = {"event": kind, "step": step, "epoch": epoch, **values}
        with open(metrics_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        emit(rec)

    def card_for(model_split: str, acc: dict | None) -> dict:
        trained_on = {"shader": f"shader set {shards.name}", "dfad": "DFAD generator images",
                      "rdskd": "RDSKD generator images", "real-kd": f"real images {d.real}"}.get(recipe.method)
        return make_card(recipe.student, classes, in_channels=channels, input_size=size, mean=tcard["mean"],
                         std=tcard["std"], trained_on=(f"distilled from {recipe.teacher} on {trained_on}" if trained_on
                                                       else f"trained from scratch on the labels of {d.real}"),
                         accuracy=acc, recipe={"recipe": recipe.name, "run_dir": str(out), "step": step,
                                               "split": model_split})

    evaluated = lambda: ema.model if ema is not None else student  # noqa: E731
    total, bsz = o.steps, d.batch_size
    n_adv = int(round(recipe.attack.share * bsz)) if recipe.attack.kind != "none" and shader else 0
    t_run, elapsed_at_start = time.perf_counter(), elapsed
    loss_acc = torch.tensor(loss_sum, device=device)  # summed since the last log (restored on resume)
    # the teacher's class histogram over the batches the student saw (running, ~100-step memory):
    # steers target = "balanced" boundary attacks and is logged as its relative entropy
    class_freq = torch.full((len(classes),), 1.0 / len(classes), device=device)
    if resuming and st.get("class_freq") is not None:
        class_freq = st["class_freq"].to(device)

    def save_state() -> None:
        save_checkpoint({"student": student.state_dict(), "optimizer": optimizer.state_dict(),
                      "scheduler": scheduler.state_dict(),
                      "ema": ema.model.state_dict() if ema is not None else None,
                      "step": step, "epoch": epoch, "batch_in_epoch": batch_in_epoch, "best": best,
                      "best_step": best_step, "images_seen": images_seen,
                      "elapsed": elapsed_at_start + time.perf_counter() - t_run,
                      "loss_sum": loss_acc.item(), "loss_n": loss_n,
                      "rng": _rng_state(gens), "source": source.state_dict() if source is not None else None,
                      "class_freq": class_freq},
                     out / "state.pt")

    def on_generator_step(i: int, n: int, terms: dict) -> None:
        emit({"event": "generator_step", "step": i, "total": n})
        if i % recipe.run.log_every == 0 or i == n:
            record("generator", generator_step=i, **terms)

    if source is not None and source.prepare(on_generator_step):   # RDSKD: the generator phase, checkpointed
        save_state()
    t_mark, images_mark = time.perf_counter(), 0   # throughput of the loop since the last log/eval/save
    student.train()
    while step < total:
        for xb in (stream.epoch_batches(epoch, skip=batch_in_epoch) if shader else [None] * (total - step)):
            extra, labels = {}, None
            if shader:
                x = xb.float().div_(255)
            else:
                x, labels = source.batch(step)        # generated or real images, in [0, 1] at the teacher's size
            if cuda:
                x = x.contiguous(memory_format=torch.channels_last)
            if shader:
                x = augment(x, gens["augment"])
            with _autocast(device, cuda):
                if recipe.attack.kind == "boundary" and n_adv >= 2:
                    k = n_adv // 2
                    pairs = boundary_attack(teacher, x[:k], recipe.attack, gens["attack"], class_freq)
                    x = torch.cat([pairs.before, pairs.after, x[2 * k:]])
                    extra["flipped"] = pairs.flipped.float().mean().item()
                elif recipe.attack.kind == "discrepancy" and n_adv >= 1:
                    adv = discrepancy_attack(teacher, student, x[:n_adv], recipe.attack, gens["attack"], o.temperature)
                    x = torch.cat([adv, x[n_adv:]])
                with torch.no_grad():
                    t_logits = teacher(x) if shader or source.uses_teacher else None
                s_logits = student(x)
                loss = kd_kl(s_logits, t_logits, o.temperature) if shader else source.loss(s_logits, t_logits, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if o.grad_clip > 0:
                nn.utils.clip_grad_norm_(student.parameters(), o.grad_clip)
            optimizer.step()
            scheduler.step()
            if ema is not None:
                ema.update(student)
            if not shader:
                extra.update(source.after_step(step + 1, scheduler.get_last_lr()[0] / o.lr, student))
            loss_acc += loss.detach()
            if t_logits is not None:
                seen = torch.bincount(t_logits.argmax(1), minlength=len(classes)).float()
                class_freq.mul_(0.99).add_(seen / seen.sum(), alpha=0.01)
            loss_n += 1
            step, batch_in_epoch = step + 1, batch_in_epoch + 1
            images_seen, images_mark = images_seen + len(x), images_mark + len(x)
            emit({"event": "step", "step": step, "total": total})
            done = step >= total
            if step % recipe.run.log_every == 0 or done:
                now = time.perf_counter()
                target = t_logits.argmax(1) if t_logits is not None else labels   # supervised: batch accuracy
                record("train", loss=loss_acc.item() / loss_n, lr=scheduler.get_last_lr()[0],
                       batch_agreement=(s_logits.argmax(1) == target).float().mean().item(),
                       img_per_s=images_mark / max(now - t_mark, 1e-9),
                       class_balance=relative_entropy(class_freq.cpu().numpy()),
                       elapsed_s=elapsed_at_start + now - t_run, **extra)
                loss_acc.zero_()
                loss_n, t_mark, images_mark = 0, now, 0
            if step % ev.every == 0 or done:
                model = evaluated()
                values = {"holdout_agreement": held.top1(model, cuda)}
                if val is not None:
                    values["val_top1"] = val.top1(model, cuda)
                if monitor is not None:
                    values["monitor_top1"] = monitor.top1(model, cuda)
                score = values[score_by]
                is_best = score > best or selected_by == "last"
                if is_best:
                    best, best_step = score, step
                    acc = {"top1": values["val_top1"], "split": expand(ev.val), "n": len(val.x)} if val is not None else None
                    save_model(out / "best", model, card_for("best", acc))
                record("eval", best=is_best, elapsed_s=elapsed_at_start + time.perf_counter() - t_run, **values)
                t_mark, images_mark = time.perf_counter(), 0
            if step % recipe.run.ckpt_every == 0 or done:
                save_model(out / "last", evaluated(), card_for("last", None))
                save_state()
                t_mark, images_mark = time.perf_counter(), 0
            if done:
                break
        else:
            epoch, batch_in_epoch = epoch + 1, 0
    wall = elapsed_at_start + time.perf_counter() - t_run
    reuse = {spec: scorer for spec, scorer in ((ev.monitor, monitor), (ev.val, val)) if spec and scorer is not None}
    return finish(out, recipe, teacher, tcard, device, held, val, notes, selected_by, best_step, wall, images_seen,
                  opened=reuse)


def finish(out: Path, recipe: Recipe, teacher, tcard, device, held: Scorer, val, notes, selected_by,
           best_step: int, wall: float, images_seen: int, opened: dict | None = None) -> dict:
    """Score the best student once more (and on test data), write report.*, curves.png.

    opened maps dataset specs already loaded in the run (monitor, val) to their Scorer, so a test
    split that is also the monitored one is not decoded twice."""
    from train.plots import plot_curves
    cuda = device.type == "cuda"
    best, _ = load_model(out, device=device)
    size, channels = tcard["input_size"], tcard["in_channels"]
    test = (opened or {}).get(recipe.eval.test) or open_real(recipe.eval.test, "test", size, channels, device,
                                                              recipe.eval.batch_size, notes,
                                                              tcard["classes"])
    report = {"recipe": recipe.name, "method": recipe.method, "teacher": recipe.teacher, "student": recipe.student,
              "steps": recipe.optim.steps, "best_step": best_step, "selected_by": selected_by,
              "holdout_agreement": held.top1(best, cuda), "holdout_images": len(held.x),
              "wall_s": wall, "images_per_s": images_seen / max(wall, 1e-9), "images_seen": images_seen,
              "device": str(device), "notes": notes}
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
    lines += ["", f"Agreement with the teacher on {r['holdout_images']} held-out shader images: "
              f"{r['holdout_agreement']:.4f}", "",
              f"Wall time {r['wall_s']:.1f} s, {r['images_per_s']:.0f} images/s ({r['images_seen']} images).", ""]
    lines += [f"- {n}" for n in r["notes"]]
    return "\n".join(lines) + "\n"


def make_source(recipe: Recipe, teacher: nn.Module, tcard: dict, augment: Augmenter, augment_gen: torch.Generator,
                device: torch.device, notes: list[str]):
    """The student batches of a method other than "shader" (train.methods.sources), or None."""
    if recipe.method in GENERATOR_METHODS:
        return GeneratorSource(recipe.method, recipe.generator, teacher, tcard, recipe.data.batch_size,
                               make_seed(recipe.seed, 3), device, recipe.optim.temperature)
    if recipe.method in ("real-kd", "supervised"):
        from train.datasets import align_to_classes, open_dataset
        data = align_to_classes(open_dataset(expand(recipe.data.real)), tcard["classes"])
        if not data.stacked:
            raise RunDirError(f"data.real {recipe.data.real!r} has images of several sizes; the {recipe.method} "
                              f"method needs one image size")
        if len(data.classes) != len(tcard["classes"]):
            raise RunDirError(f"data.real {recipe.data.real!r} has {len(data.classes)} classes but the teacher "
                              f"{len(tcard['classes'])}")
        notes.append(f"method {recipe.method}: trained on the {len(data)} real images of {expand(recipe.data.real)}")
        return RealSource(recipe.method, data.images, data.labels, augment, augment_gen, recipe.data.batch_size,
                          recipe.seed, device, recipe.optim.temperature)
    return None


def load_run_recipe(out: Path | str) -> Recipe:
    """The recipe a run directory was started with (to resume it without naming the recipe)."""
    path = Path(out) / "config.json"
    if not path.is_file():
        raise RunDirError(f"{out}: no config.json; is it a distillation run directory?")
    return from_dict(read_json(path, "the run's recipe"))
