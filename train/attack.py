"""Adversarial perturbations for distillation, in [0, 1] pixel space (epsilon in pixel units).

boundary_attack      iterative targeted L-infinity steps on the teacher toward a class other than
                     its prediction; keeps the last image before and the first image after the
                     prediction flips, then bisects between them, so the pair straddles the
                     teacher's decision boundary tightly. Step sizes adapt per image.
discrepancy_attack   projected sign-gradient ascent of KL(teacher || student) inside an epsilon
                     ball from a random start: the hard samples of adversarial distillation.

Images are float (B, C, H, W) in [0, 1]; models map them to logits (B, K). Random draws come from
a CPU torch.Generator so that a run replays exactly from its seed.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from train.losses import kd_kl


TARGETS = ("random", "runner_up", "balanced")


@dataclass
class AttackConfig:
    kind: str = "none"          # "none", "boundary", "discrepancy" or "bold" (train/attack_bold.py)
    share: float = 0.0          # share of every batch replaced by attacked images
    eps: float = 8 / 255        # L-infinity radius in pixel units
    steps: int = 10             # gradient steps
    step_size: float = 2 / 255  # initial step size (boundary: adapted per image)
    target: str = "random"      # boundary: "random" class, the teacher's "runner_up", or "balanced":
                                #   classes drawn inversely to how often the teacher has predicted
                                #   them in the batches so far (rare classes get more boundary pairs)
    refine: int = 4             # boundary: bisection steps between the pair around the flip
    grow: float = 1.25          # boundary: step size factor after a step that gained
    shrink: float = 0.5         # boundary: step size factor after a step that lost
    # -- quality hook (issue 14): the authors' bold-driver attack, train/attack_bold.py (kind "bold"),
    #    which uses grow (x1.1 while not across) and shrink (x0.5 and a step back when too deep)
    confidence: float = 0.9     # bold: a crossing with the teacher's top softmax >= this is too deep
    deeper: bool = False        # bold: also keep a third image per source, from a second attack at the crossing

    def __post_init__(self):
        if self.kind not in ("none", "boundary", "discrepancy", "bold"):
            raise ValueError(f"attack.kind must be 'none', 'boundary', 'discrepancy' or 'bold', not {self.kind!r}")
        if not 0 < self.confidence <= 1 or (self.deeper and self.kind != "bold"):   # quality hook (issue 14)
            raise ValueError(f"attack.confidence must be in (0, 1] (got {self.confidence}) and attack.deeper "
                             f"needs attack.kind = 'bold' (got {self.kind!r})")
        if self.target not in TARGETS:
            raise ValueError(f"attack.target must be one of {', '.join(map(repr, TARGETS))}, not {self.target!r}")
        if not 0 <= self.share <= 1:
            raise ValueError(f"attack.share is a share of the batch in [0, 1], got {self.share}")
        if self.kind != "none" and (self.eps <= 0 or self.steps < 1 or self.step_size <= 0):
            raise ValueError(f"attack: eps ({self.eps}), steps ({self.steps}) and step_size "
                             f"({self.step_size}) must be positive")


@dataclass
class BoundaryPairs:
    before: torch.Tensor   # (B, C, H, W): still the teacher's original class
    after: torch.Tensor    # (B, C, H, W): another class, where flipped; else the last iterate
    flipped: torch.Tensor  # (B,) bool
    original: torch.Tensor  # (B,) the teacher's class on the clean images
    target: torch.Tensor   # (B,) the class each image was pushed toward


@contextmanager
def eval_mode(*models: nn.Module):
    """Evaluate with frozen batch-norm statistics, then restore each model's mode."""
    modes = [m.training for m in models]
    try:
        for m in models:
            m.eval()
        yield
    finally:
        for m, mode in zip(models, modes):
            m.train(mode)


def _project(x_adv: torch.Tensor, x: torch.Tensor, eps: float) -> torch.Tensor:
    return torch.max(torch.min(x_adv, x + eps), x - eps).clamp(0, 1)


def uniforms(gen: torch.Generator | torch.Tensor, n: int, col: int = 0) -> torch.Tensor:
    """n uniforms in [0, 1): drawn from `gen`, or column `col` of uniforms drawn beforehand.

    The attacks take either a torch.Generator or their draws as a tensor (`attack_draws`): a rank of a
    data-parallel run draws for every attacked image of the global batch and attacks only its own
    (train/methods/shader.py), so its images get the draws they would get in one process."""
    if isinstance(gen, torch.Tensor):
        return gen[:, col] if gen.dim() == 2 else gen
    return torch.rand(n, generator=gen)


def attack_draws(cfg: AttackConfig, n: int, shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    """Every random number the attack `cfg.kind` uses on n source images (CPU): two uniforms per image
    (the target class; the deeper sample's second target) for boundary and bold attacks, the random
    start (n, *shape) in [0, 1) for the discrepancy attack."""
    if cfg.kind == "discrepancy":
        return torch.rand((n, *shape), generator=gen)
    return torch.rand(n, 2, generator=gen)


def pick_targets(logits: torch.Tensor, how: str, gen: torch.Generator | torch.Tensor,
                 class_freq: torch.Tensor | None = None, col: int = 0) -> torch.Tensor:
    """A class other than the argmax for every row of logits (B, K), from one uniform per row
    (`uniforms(gen, B, col)`) by inverse CDF, on the logits' device (no host synchronisation).

    "random" takes the other classes with equal probability; "balanced" draws class c with
    probability proportional to 1 / class_freq[c] (the share of the teacher's predictions that fell on c
    so far; uniform when None), never the row's own class; "runner_up" is the teacher's second class.
    """
    b, k = logits.shape
    if k < 2:
        raise ValueError("a boundary attack needs at least two classes")
    pred = logits.argmax(1)
    if how == "runner_up":
        return logits.topk(2, dim=1).indices[:, 1]
    u = uniforms(gen, b, col).to(logits.device, torch.float32)
    if how == "balanced":
        freq = torch.ones(k, device=logits.device) if class_freq is None else class_freq.detach().float()
        w = (1.0 / freq.clamp(min=1e-3)).to(logits.device).expand(b, k).clone()
        w.scatter_(1, pred.view(-1, 1), 0.0)
        cdf = w.cumsum(1)
        pick = torch.searchsorted(cdf, (u * cdf[:, -1]).view(-1, 1), right=True).view(-1).clamp(max=k - 1)
        # u * total rounds to total only for u within float precision of 1: never the row's own class
        return torch.where(pick == pred, (pred + 1) % k, pick)
    offset = 1 + (u * (k - 1)).long().clamp(max=k - 2)
    return (pred + offset) % k


def boundary_attack(teacher: nn.Module, x: torch.Tensor, cfg: AttackConfig, gen: torch.Generator | torch.Tensor,
                    class_freq: torch.Tensor | None = None) -> BoundaryPairs:
    """Targeted iterative L-inf attack on the teacher that stops each image where its class flips.

    gen: a torch.Generator, or the images' draws from `attack_draws`.

    class_freq (K,) is the teacher's running class histogram, used by target = "balanced".

    Per image the step size grows by cfg.grow after a step that lowered the targeted cross-entropy
    and shrinks by cfg.shrink after one that did not (an overshoot), within (0, eps].
    """
    with eval_mode(teacher):
        # the first iterate is x itself: its forward gives the original classes and the targets too
        b = len(x)
        active = torch.arange(b, device=x.device)
        xa = x.detach().requires_grad_(True)
        out = teacher(xa).float()
        original = out.argmax(1)
        target = pick_targets(out.detach(), cfg.target, gen, class_freq)
        cur, prev = x.clone(), x.clone()
        before, after = x.clone(), x.clone()
        flipped = torch.zeros(b, dtype=torch.bool, device=x.device)
        alpha = torch.full((b,), cfg.step_size, device=x.device)
        last_loss = torch.full((b,), float("inf"), device=x.device)
        for step in range(cfg.steps + 1):
            if step > 0:
                active = (~flipped).nonzero().flatten()
                if len(active) == 0:
                    break
                with torch.set_grad_enabled(step < cfg.steps):   # the last iterate is only classified
                    xa = cur[active].detach().requires_grad_(step < cfg.steps)
                    out = teacher(xa).float()
            pred = out.argmax(1)
            now = pred != original[active]
            if now.any():  # the first iterate on the other side: keep it and its predecessor
                hit = active[now]
                before[hit], after[hit] = prev[hit], cur[hit]
                flipped[hit] = True
            if step == cfg.steps:
                break
            loss = F.cross_entropy(out, target[active], reduction="none")
            grad, = torch.autograd.grad(loss.sum(), xa)
            gained = loss.detach() < last_loss[active]
            a = alpha[active]
            a = torch.where(gained, (a * cfg.grow).clamp(max=cfg.eps), a * cfg.shrink)
            alpha[active], last_loss[active] = a, loss.detach()
            keep = active[~now]
            prev[keep] = cur[keep]
            moved = _project(xa.detach() - a.view(-1, 1, 1, 1) * grad.sign(), x[active], cfg.eps)
            cur[keep] = moved[~now]
        stuck = ~flipped
        before[stuck], after[stuck] = cur[stuck], cur[stuck]
        # bisection: both ends stay in the ball (it is convex), the invariant pred(before) == original
        # and pred(after) != original holds throughout
        hit = flipped.nonzero().flatten()
        with torch.no_grad():
            for _ in range(cfg.refine if len(hit) else 0):
                mid = (before[hit] + after[hit]) / 2
                same = teacher(mid).argmax(1) == original[hit]
                before[hit[same]] = mid[same]
                after[hit[~same]] = mid[~same]
    return BoundaryPairs(before.detach(), after.detach(), flipped, original, target)


def discrepancy_attack(teacher: nn.Module, student: nn.Module, x: torch.Tensor, cfg: AttackConfig,
                       gen: torch.Generator | torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Images within eps of x (L-inf) that maximise KL(teacher || student); returns (B, C, H, W).
    gen: a torch.Generator, or the random starts from `attack_draws` (uniforms shaped like x)."""
    with eval_mode(teacher, student):
        u = gen if isinstance(gen, torch.Tensor) else torch.rand(x.shape, generator=gen)
        start = (u * 2 - 1).to(x.device, x.dtype) * cfg.eps
        x_adv = _project(x + start, x, cfg.eps)
        for _ in range(cfg.steps):
            xa = x_adv.detach().requires_grad_(True)
            loss = kd_kl(student(xa), teacher(xa), temperature)
            grad, = torch.autograd.grad(loss, xa)
            x_adv = _project(xa.detach() + cfg.step_size * grad.sign(), x, cfg.eps)
    return x_adv.detach()
