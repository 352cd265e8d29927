"""The training loop every method runs in: distillation (any `train.methods` source) and teacher training.

    batch = next(batches)                # the source: images in [0, 1] at the model's input, labels or None
    out = trainer.step(batch.x, batch.labels, state)      # the one place a step happens
    ... log / evaluate / checkpoint every so many steps

`Trainer.step` is forward (teacher under no_grad, when the source uses one), the source's loss,
backward, clipping, optimiser, schedule, EMA, the source's after_step. It never waits on the device:
everything it returns stays a tensor, and `.item()` happens only at logging, evaluation and
checkpoint intervals.
"""
from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn as nn

from train.curate import relative_entropy
from train.optim import EMA, lr_factor, make_optimizer
from train.runstate import RunDirError, RunState


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RunDirError(f"run.device is {name!r} but no CUDA device is available; use run.device=cpu")
    return dev


def cpu_has_native_bf16() -> bool:
    """True on CPUs with bf16 instructions (AVX512-BF16 or AMX), where bf16 convolutions run about
    twice as fast as fp32 ones; elsewhere bf16 is emulated and slower than fp32."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, p, lambda: False)() for p in probes)


def speed_choices(device: torch.device, precision: str = "auto") -> tuple[bool, torch.memory_format]:
    """(bf16 autocast, memory format) for the models on `device`.

    precision "auto": bf16 on a GPU and on a CPU with native bf16, fp32 elsewhere. channels_last on
    every device: measured on a 2-core AMD EPYC (1 thread, batch 128), the ResNet-20 teacher's forward
    took 182 ms in channels_last against 319 ms contiguous in fp32, and 97 against 113 ms in bf16.
    """
    if precision == "auto":
        bf16 = device.type == "cuda" or (device.type == "cpu" and cpu_has_native_bf16())
    else:
        bf16 = precision == "bf16"
    return bf16, torch.channels_last


def autocast(device: torch.device, enabled: bool):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=enabled)


class Phases:
    """Wall time per phase of the step (fetch, augment, attack, teacher, student, ...), for
    bench/distill_bench.py. Phases nest: each records its own time without that of the phases
    inside it. On a GPU every boundary synchronises, so a phase owns the kernels it launched.
    `NO_PHASES` (every Trainer's and Context's default) times nothing and never synchronises."""

    def __init__(self, device: torch.device):
        self.sync = torch.cuda.synchronize if device.type == "cuda" else None
        self.totals: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self._inner = 0.0          # time of the phases nested in the open one, so far

    def __call__(self, name: str) -> "_Phase":
        return _Phase(self, name)

    def reset(self) -> None:
        self.totals.clear()
        self.counts.clear()


class _Phase:
    __slots__ = ("phases", "name", "t0", "outer", "range")

    def __init__(self, phases: Phases, name: str):
        self.phases, self.name = phases, name

    def __enter__(self):
        p = self.phases
        if p.sync is not None:
            p.sync()
        self.outer, p._inner = p._inner, 0.0
        self.range = torch.profiler.record_function(self.name)   # a named range in a profiler trace
        self.range.__enter__()
        self.t0 = time.perf_counter()

    def __exit__(self, *exc):
        p = self.phases
        if p.sync is not None:
            p.sync()
        dt = time.perf_counter() - self.t0
        self.range.__exit__(None, None, None)
        p.totals[self.name] += dt - p._inner
        p.counts[self.name] += 1
        p._inner = self.outer + dt
        return False


class _NoPhases:
    """Phases switched off: one shared nullcontext, no clock, no synchronisation."""
    _off = nullcontext()

    def __call__(self, name: str):
        return self._off


NO_PHASES = _NoPhases()


@dataclass
class StepOut:
    loss: torch.Tensor             # scalar, detached
    logits: torch.Tensor           # the student's (B, K)
    target: torch.Tensor           # (B,) what batch agreement is measured against: teacher argmax or labels
    extra: dict                    # metrics of the source (tensors or floats), logged at log steps


@dataclass
class Trainer:
    """Everything a step touches. `optim` is the recipe's optimiser section (lr, grad_clip)."""
    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    source: object                 # a train.methods.source.Source
    teacher: nn.Module | None
    optim: object
    device: torch.device
    autocast: bool = False
    memory_format: torch.memory_format = torch.contiguous_format
    ema: EMA | None = None
    phases: Phases | _NoPhases = NO_PHASES
    # [distributed] train.distributed: the process group and the student wrapped in DDP; None in one process
    group: object | None = None
    ddp: nn.Module | None = None

    def evaluated(self) -> nn.Module:
        return self.ema.model if self.ema is not None else self.model

    def step(self, x: torch.Tensor, labels: torch.Tensor | None, state: RunState) -> StepOut:
        ph = self.phases
        x = x.contiguous(memory_format=self.memory_format)
        with ph("teacher"), autocast(self.device, self.autocast), torch.no_grad():
            t_logits = self.teacher(x) if self.source.uses_teacher else None
        with ph("student"):
            with autocast(self.device, self.autocast):
                s_logits = (self.ddp or self.model)(x)   # [distributed] DDP averages the gradients
                loss = self.source.loss(s_logits, t_logits, labels)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
        with ph("optimizer"):
            if self.optim.grad_clip > 0:
                nn.utils.clip_grad_norm_(self.model.parameters(), self.optim.grad_clip)
            self.optimizer.step()
            self.scheduler.step()
        if self.ema is not None:
            with ph("ema"):
                self.ema.update(self.model)
        with ph("bookkeeping"):
            extra = self.source.after_step(state.step + 1, self.scheduler.get_last_lr()[0] / self.optim.lr, self.model)
            state.loss_sum += loss.detach()
            state.loss_n += 1
            if t_logits is not None:
                # scatter_add, not bincount: bincount's output size depends on the data, a host sync on a GPU
                seen = torch.zeros_like(state.class_freq).scatter_add_(0, t_logits.argmax(1), state.class_freq.new_ones(len(x)))
                if self.group is not None:   # [distributed] the histogram of the global batch
                    self.group.sum_(seen)
                state.class_freq.mul_(0.99).add_(seen / seen.sum(), alpha=0.01)
        return StepOut(loss.detach(), s_logits, t_logits.argmax(1) if t_logits is not None else labels, extra)


def make_trainer(model: nn.Module, source, teacher: nn.Module | None, optim, device: torch.device,
                 autocast: bool = False, memory_format=torch.contiguous_format) -> Trainer:
    """A Trainer with the optimiser, schedule and EMA the optimiser config `optim` asks for."""
    optimizer = make_optimizer(model, optim)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, optim))
    ema = EMA(model, optim.ema_decay) if optim.ema_decay > 0 else None
    return Trainer(model, optimizer, scheduler, source, teacher, optim, device, autocast, memory_format, ema)


def new_state(trainer: Trainer, num_classes: int, config: dict | None = None) -> RunState:
    """A RunState at step 0 that saves and restores everything of `trainer`."""
    return RunState(loss_sum=torch.zeros((), device=trainer.device), config=config,
                    class_freq=torch.full((num_classes,), 1 / num_classes, device=trainer.device),
                    parts={"student": trainer.model, "optimizer": trainer.optimizer, "scheduler": trainer.scheduler,
                           "ema": trainer.ema, "source": trainer.source})


@dataclass
class Plan:
    """When things happen, and what an evaluation does with the student."""
    steps: int
    log_every: int
    eval_every: int
    ckpt_every: int
    evaluate: Callable[[nn.Module], dict]           # model -> {metric: value}
    score_by: str                                   # the metric "best" is chosen on
    select_last: bool                               # the best is the latest evaluation, whatever it scores
    save_best: Callable[[nn.Module, dict], None]    # (model, eval values)
    save_last: Callable[[nn.Module], None]
    metrics: Path
    emit: Callable[[dict], None] = field(default=lambda e: None)


def record(plan: Plan, state: RunState, kind: str, **values) -> None:
    """One metrics line ({"event": kind, "step", "epoch", ...}), also passed to plan.emit."""
    rec = {"event": kind, "step": state.step, "epoch": state.epoch, **values}
    with open(plan.metrics, "a") as f:
        f.write(json.dumps(rec) + "\n")
    plan.emit(rec)


def idle_cores(sample_s: float = 0.3) -> float | None:
    """How many of the machine's cores are idle now (idle and iowait time over `sample_s`, from
    /proc/stat; a virtual machine's stolen time counts as busy); None without /proc/stat."""
    def read() -> tuple[int, int]:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return v[3] + v[4], sum(v)
    try:
        idle0, total0 = read()
        time.sleep(sample_s)
        idle1, total1 = read()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return None
    return (idle1 - idle0) / (total1 - total0) * (os.cpu_count() or 1)


def set_threads(threads: int, device: torch.device) -> int:
    """Set torch's CPU threads and return how many. 0 (auto) on a CPU run: the cores idle at the start,
    shared by this machine's processes of a data-parallel run, at least 1 (all cores but one where idle
    time cannot be read). Threads on busy cores spin against the work already there: on a 2-core machine
    running other jobs, 2 threads ran 17x slower than 1, while on an idle one 2 threads ran cifar10-cpu
    1.6x faster than 1 (README, Training speed)."""
    if not threads and device.type == "cpu":
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        idle = idle_cores()
        free = usable - 1 if idle is None else min(usable, int(idle + 0.3))
        threads = max(1, free // max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1"))))
    if threads:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def train(trainer: Trainer, state: RunState, plan: Plan, state_path: Path) -> None:
    """Run `trainer` from `state` to plan.steps, logging, evaluating and checkpointing on the way."""
    t_mark, images_mark = time.perf_counter(), 0   # throughput since the last log/eval/save
    trainer.model.train()
    batches = trainer.source.batches(state)
    group = trainer.group   # [distributed] every rank's source draws for the global batch and makes its slice
    main = group is None or group.main   # [distributed] rank 0 alone logs, evaluates and checkpoints
    while state.step < plan.steps:
        with trainer.phases("fetch"):   # the source's own phases (augment, attack, ...) are timed apart
            batch = next(batches)
        out = trainer.step(batch.x, batch.labels, state)   # [distributed] batch: this rank's slice
        images = len(batch.x) * (1 if group is None else group.world)
        state.step, state.epoch, state.batch_in_epoch = state.step + 1, batch.epoch, batch.index + 1
        state.images_seen, images_mark = state.images_seen + images, images_mark + images
        plan.emit({"event": "step", "step": state.step, "total": plan.steps})
        done = state.step >= plan.steps
        log_now = state.step % plan.log_every == 0 or done
        if log_now:
            agreement = (out.logits.argmax(1) == out.target).float().mean()
        if log_now and group is not None:
            group.mean_(state.loss_sum)   # [distributed] the global batch's loss, as one process logs it
            group.mean_(agreement)        # and its agreement (equal slices: the mean of the slices' means)
            if not main:
                state.loss_sum.zero_()
                state.loss_n = 0
        if main and log_now:
            now = time.perf_counter()
            extra = {k: float(v) for k, v in {**batch.extra, **out.extra}.items()}
            record(plan, state, "train", loss=float(state.loss_sum) / state.loss_n, lr=trainer.scheduler.get_last_lr()[0],
                   batch_agreement=agreement.item(),
                   img_per_s=images_mark / max(now - t_mark, 1e-9),
                   class_balance=relative_entropy(state.class_freq.cpu().numpy()), elapsed_s=state.wall(), **extra)
            state.loss_sum.zero_()
            state.loss_n, t_mark, images_mark = 0, now, 0
        if main and (state.step % plan.eval_every == 0 or done):
            model = trainer.evaluated()
            values = plan.evaluate(model)
            score = values.get(plan.score_by, state.best)
            is_best = plan.select_last or score > state.best
            if is_best:
                state.best, state.best_step = score, state.step
                plan.save_best(model, values)
            record(plan, state, "eval", best=is_best, elapsed_s=state.wall(), **values)
            t_mark, images_mark = time.perf_counter(), 0
        if main and (state.step % plan.ckpt_every == 0 or done):
            plan.save_last(trainer.evaluated())
            state.save(state_path)
            t_mark, images_mark = time.perf_counter(), 0
