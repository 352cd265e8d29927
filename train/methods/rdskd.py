"""RDSKD (Han et al. 2021, Robustness and Diversity Seeking Data-Free Knowledge Distillation).

Two phases, as in the authors' code: first the generator is trained against the fixed teacher
alone; then it is frozen (eval mode: its batch norms use their running statistics) and the
student is distilled on its images with KL at temperature T = 10, scaled by T^2.

The generator's loss, per batch of B images generated from two independent noise halves:

    authenticity     a = CE(teacher logits, their own argmax)            (low: confident images)
    class diversity  c = sum_k pbar_k log pbar_k, pbar = mean softmax    (low: classes balanced)
    sample diversity d = 1 / (||x2 - x1|| / ||softmax(t2) - softmax(t1)||)  (low: images far apart
                         for the change they cause in the teacher's output)
    loss = exp(a - a_prev) + exp(c - c_prev) + d

`a_prev` and `c_prev` are the terms as they were at a recent step (the authors refresh them at the
second iteration of every 120-iteration epoch; they start at 0): the exponential damps increases
against that reference. Image distances are measured on normalised images (x / std), the space the
authors' generator outputs to.

Shapes: noise (B, nz), B even; images (B, C, H, W) in pixel space; logits (B, K).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from train.losses import kd_kl
from train.methods.generators import sample_noise

TINY = 1e-20   # the authors' guard against a zero image distance


def authenticity(teacher_logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the teacher's logits (B, K) against their own argmax -> scalar."""
    return F.cross_entropy(teacher_logits.float(), teacher_logits.argmax(1))


def class_diversity(teacher_logits: torch.Tensor) -> torch.Tensor:
    """Negative entropy of the batch-mean softmax, (B, K) -> scalar in [-log K, 0]; -log K = uniform."""
    pbar = F.softmax(teacher_logits.float(), dim=1).mean(0)
    return (pbar * torch.log(pbar.clamp_min(1e-30))).sum()


def sample_diversity(x1: torch.Tensor, x2: torch.Tensor, t1: torch.Tensor, t2: torch.Tensor,
                     image_std: torch.Tensor | float = 1.0) -> torch.Tensor:
    """Inverse of (image distance / teacher-output distance) between two halves of a batch.

    x1, x2: (B/2, C, H, W) pixel-space images; t1, t2: (B/2, K) teacher logits; image_std: the
    per-channel std (1, C, 1, 1) that maps pixel differences to normalised ones. -> scalar."""
    image_gap = torch.norm((x2 - x1) / image_std)
    output_gap = torch.norm(F.softmax(t2.float(), 1) - F.softmax(t1.float(), 1))
    return 1 / (image_gap / output_gap + TINY)


@dataclass
class Reference:
    """The previous authenticity and class-diversity values the exponentials are taken against."""
    authenticity: float = 0.0
    class_diversity: float = 0.0


def generator_loss(images: torch.Tensor, teacher_logits: torch.Tensor, ref: Reference,
                   image_std: torch.Tensor | float = 1.0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The RDSKD generator loss on a batch whose first and second halves are the two noise halves.

    images (B, C, H, W), teacher_logits (B, K) -> (scalar loss, {"authenticity", "class_diversity",
    "sample_diversity"} scalars)."""
    half = len(images) // 2
    if half < 1 or len(images) != 2 * half:
        raise ValueError(f"RDSKD needs an even batch of at least 2 images (two noise halves), got {len(images)}")
    terms = {"authenticity": authenticity(teacher_logits), "class_diversity": class_diversity(teacher_logits),
             "sample_diversity": sample_diversity(images[:half], images[half:], teacher_logits[:half],
                                                  teacher_logits[half:], image_std)}
    loss = (torch.exp(terms["authenticity"] - ref.authenticity) + torch.exp(terms["class_diversity"] - ref.class_diversity)
            + terms["sample_diversity"])
    return loss, terms


def generator_step(teacher: nn.Module, generator: nn.Module, opt_g: torch.optim.Optimizer, batch_size: int,
                   noise: torch.Generator, ref: Reference) -> dict[str, float]:
    """One generator update (generator in train mode); returns the loss and its terms before the update."""
    generator.train()
    device = next(generator.parameters()).device
    z = torch.cat([sample_noise(batch_size // 2, generator.nz, noise, device),
                   sample_noise(batch_size // 2, generator.nz, noise, device)])
    x = generator(z)
    loss, terms = generator_loss(x, teacher(x), ref, generator.std)
    opt_g.zero_grad(set_to_none=True)
    loss.backward(inputs=list(generator.parameters()))
    opt_g.step()
    return {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}}


def train_generator(teacher: nn.Module, generator: nn.Module, opt_g: torch.optim.Optimizer, steps: int,
                    batch_size: int, noise: torch.Generator, refresh_every: int = 120,
                    on_step=None) -> Reference:
    """The generator phase: `steps` generator updates; the reference is refreshed from the terms of
    every step whose index is 1 modulo `refresh_every` (the authors' second iteration of an epoch).

    on_step(i, terms) is called after every step. Returns the final reference."""
    ref = Reference()
    for i in range(steps):
        terms = generator_step(teacher, generator, opt_g, batch_size, noise, ref)
        if i % refresh_every == 1 % refresh_every:
            ref = Reference(terms["authenticity"], terms["class_diversity"])
        if on_step is not None:
            on_step(i, terms)
    return ref


@torch.no_grad()
def generate(generator: nn.Module, batch_size: int, noise: torch.Generator, device) -> torch.Tensor:
    """Images from the frozen generator (eval mode: running batch-norm statistics, as the authors)."""
    generator.eval()
    return generator(sample_noise(batch_size, generator.nz, noise, device))


def student_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float = 10.0) -> torch.Tensor:
    """KL(softmax(t/T) || softmax(s/T)) * T^2, (B, K), (B, K) -> scalar (the authors' kdloss)."""
    return kd_kl(student_logits, teacher_logits, temperature)
