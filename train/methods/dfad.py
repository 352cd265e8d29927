"""DFAD (Fang et al. 2019, Data-Free Adversarial Distillation): a generator and the student play a
min-max game on the teacher-student discrepancy.

One iteration of the authors' code: `student_steps` (5) student steps, each on a fresh batch of
generated images, minimising the mean absolute difference between teacher and student logits;
then one generator step maximising the same difference on another fresh batch. The generator is in
train mode throughout (its batch norms use batch statistics), as in the authors' code.

Shapes: noise (B, nz); images (B, C, H, W) in pixel space (`generators.DAFLGenerator`); logits (B, K).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from train.methods.generators import sample_noise


def discrepancy(student_logits: torch.Tensor, teacher_logits: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of the logits, (B, K), (B, K) -> scalar (the MAE of DFAD's paper)."""
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(f"DFAD discrepancy: student logits {tuple(student_logits.shape)} and teacher logits "
                         f"{tuple(teacher_logits.shape)} differ; do the two models have the same classes?")
    return F.l1_loss(student_logits.float(), teacher_logits.float())


@torch.no_grad()
def generate(generator: nn.Module, batch_size: int, noise: torch.Generator, device) -> torch.Tensor:
    """A batch of generated images for a student step (no graph back to the generator)."""
    return generator(sample_noise(batch_size, generator.nz, noise, device))


def generator_step(teacher: nn.Module, student: nn.Module, generator: nn.Module, opt_g: torch.optim.Optimizer,
                   batch_size: int, noise: torch.Generator) -> float:
    """One generator update maximising the discrepancy; returns the discrepancy before the update
    (a 0-d tensor: reading it waits for the device, so the caller does that when it logs).

    Gradients flow through teacher and student into the generator's images but are accumulated
    only into the generator's parameters (the student's .grad is left untouched)."""
    device = next(generator.parameters()).device
    x = generator(sample_noise(batch_size, generator.nz, noise, device))
    gap = discrepancy(student(x), teacher(x))
    opt_g.zero_grad(set_to_none=True)
    (-gap).backward(inputs=list(generator.parameters()))
    opt_g.step()
    return gap.detach()
