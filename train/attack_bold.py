"""The authors' boundary attack (Frank & Davis): targeted L-infinity sign steps with a per-image
"bold driver" step size, and up to three images kept per source image.

Per image, toward a target class (a random class other than the teacher's prediction, or as
`attack.target` says):

    not across the teacher's boundary yet      step on, and the step size grows (x attack.grow, 1.1)
    across, teacher's top softmax < confidence  stop: keep this image ("after") and the one before it
    across, top softmax >= confidence (0.9)     too deep: step back to the last image on the original
                                                side, shrink the step (x attack.shrink, 0.5), try again

With `attack.deeper`, a second attack of the same kind starts at every image that crossed, toward
a random class other than the one it now has, and its first image across is kept as well
("deeper": past a second boundary, near where three classes meet). Every image stays within
attack.eps (L-inf) of where its attack started and in [0, 1].

One teacher forward and backward per step and image still searching; a too-deep image re-steps
from its cached gradient, without another backward. Images are float (B, C, H, W) in [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from train.attack import AttackConfig, _project, eval_mode, pick_targets


@dataclass
class BoldSamples:
    before: torch.Tensor     # (B, C, H, W) the last image on the teacher's original side
    after: torch.Tensor      # (B, C, H, W) the first accepted image across (else the last iterate)
    flipped: torch.Tensor    # (B,) bool: crossed at all
    accepted: torch.Tensor   # (B,) bool: crossed with the teacher's top softmax below cfg.confidence
    original: torch.Tensor   # (B,) the teacher's class at the start
    target: torch.Tensor     # (B,) the class each image was pushed toward
    steps: torch.Tensor      # (B,) steps taken (attack effort per image)
    deeper: torch.Tensor | None = None          # (B, C, H, W) with cfg.deeper: from the second attack
    deeper_flipped: torch.Tensor | None = None  # (B,) bool: the second attack crossed too

    def images(self) -> torch.Tensor:
        """before, after (and deeper) stacked along the batch: (2B or 3B, C, H, W)."""
        parts = [self.before, self.after] + ([self.deeper] if self.deeper is not None else [])
        return torch.cat(parts)


def _bold(teacher: nn.Module, x: torch.Tensor, original: torch.Tensor, target: torch.Tensor,
          cfg: AttackConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """One bold-driver attack from x: (before, after, flipped, accepted, steps)."""
    b = len(x)
    dev = x.device
    alpha = torch.full((b,), cfg.step_size, device=dev)
    cur, prev = x.clone(), x.clone()
    g_prev = torch.zeros_like(x)             # the gradient's sign at prev, for a step back
    before, after = x.clone(), x.clone()
    flipped = torch.zeros(b, dtype=torch.bool, device=dev)
    done = torch.zeros(b, dtype=torch.bool, device=dev)
    steps = torch.zeros(b, dtype=torch.long, device=dev)
    for it in range(cfg.steps + 1):
        active = (~done).nonzero().flatten()
        if len(active) == 0:
            break
        xa = cur[active].detach().requires_grad_(True)
        out = teacher(xa).float()
        conf, pred = out.detach().softmax(1).max(1)
        across = pred != original[active]
        deep = across & (conf >= cfg.confidence)
        hit = active[across]
        before[hit], after[hit], flipped[hit] = prev[hit], cur[hit], True
        done[active[across & ~deep]] = True
        if it == cfg.steps:
            break
        loss = F.cross_entropy(out, target[active], reduction="sum")
        grad, = torch.autograd.grad(loss, xa)
        on = active[~across]                  # still on the original side: step on, bolder
        if it > 0:
            alpha[on] = (alpha[on] * cfg.grow).clamp(max=cfg.eps)
        prev[on], g_prev[on] = cur[on], grad[~across].sign()
        back = active[deep]                   # too deep: back to prev, half the step
        alpha[back] = alpha[back] * cfg.shrink
        move = torch.cat([on, back])
        cur[move] = _project(prev[move] - alpha[move].view(-1, 1, 1, 1) * g_prev[move], x[move], cfg.eps)
        steps[move] += 1
    stuck = ~flipped
    before[stuck], after[stuck] = cur[stuck], cur[stuck]
    return before.detach(), after.detach(), flipped, done & flipped, steps


def bold_attack(teacher: nn.Module, x: torch.Tensor, cfg: AttackConfig, gen: torch.Generator | torch.Tensor,
                class_freq: torch.Tensor | None = None) -> BoldSamples:
    """The bold-driver attack on the teacher from x (B, C, H, W); see the module docstring.
    gen: a torch.Generator, or the images' draws (B, 2) from train.attack.attack_draws."""
    if not isinstance(gen, torch.Tensor):
        gen = torch.rand(len(x), 2, generator=gen)
    with eval_mode(teacher):
        with torch.no_grad():
            logits = teacher(x).float()
        original = logits.argmax(1)
        target = pick_targets(logits, cfg.target, gen, class_freq)
        before, after, flipped, accepted, steps = _bold(teacher, x, original, target, cfg)
        out = BoldSamples(before, after, flipped, accepted, original, target, steps)
        if cfg.deeper:
            deeper, deeper_flipped = after.clone(), torch.zeros_like(flipped)
            idx = flipped.nonzero().flatten()
            if len(idx):
                start = after[idx]
                with torch.no_grad():
                    logits2 = teacher(start).float()
                # a new class other than the one the crossing now has; "balanced" would steer it too
                target2 = pick_targets(logits2, "random", gen[idx.cpu()], col=1)
                _, after2, flipped2, _, _ = _bold(teacher, start, logits2.argmax(1), target2, cfg)
                deeper[idx], deeper_flipped[idx] = after2, flipped2
            out.deeper, out.deeper_flipped = deeper, deeper_flipped
    return out
