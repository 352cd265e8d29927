"""Distillation losses: the KL divergence between softened teacher and student outputs.

All functions take raw logits of shape (B, K) and return a scalar (or (B,) where said).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def kd_kl(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float = 1.0,
          reduction: str = "batchmean") -> torch.Tensor:
    """KL(p_T || p_S) between softmax(teacher/T) and softmax(student/T), times T^2.

    The T^2 factor (Hinton et al. 2015) keeps the gradient's scale independent of T, so a
    temperature sweep does not also sweep the learning rate. reduction: "batchmean" -> scalar,
    "none" -> (B,) per-sample divergences.
    """
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(f"kd_kl: student logits {tuple(student_logits.shape)} and teacher logits "
                         f"{tuple(teacher_logits.shape)} differ; do the two models have the same classes?")
    if temperature <= 0:
        raise ValueError(f"kd_kl: temperature must be positive, got {temperature}")
    log_q = F.log_softmax(student_logits.float() / temperature, dim=1)
    log_p = F.log_softmax(teacher_logits.float() / temperature, dim=1)
    per_sample = (log_p.exp() * (log_p - log_q)).sum(dim=1) * temperature ** 2
    if reduction == "batchmean":
        return per_sample.mean()
    if reduction == "none":
        return per_sample
    raise ValueError(f"kd_kl: reduction must be 'batchmean' or 'none', got {reduction!r}")
