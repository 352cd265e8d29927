"""A model card -> the model's input: one function, used by training, scoring, curation and `eval`.

    prep = transform_for(card)          # or transform_for(input_size=28, in_channels=1)
    x = prep(images)                    # (B, C, H, W) uint8 or float in [0, 1] -> (B, in_channels, S, S)

Images of another size are resized bilinearly with antialiasing; colour becomes grey through the
ITU-R 601 luma weights (grey becomes colour by repetition); the result is clamped to [0, 1]. The
normalisation (mean, std) is not part of it: a `train.models.Normalized` model does it itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)   # render/stats.py holds its own copy: render/ never imports train/


class InputError(ValueError):
    """The images cannot be turned into the model's input."""


def match_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, channels, H, W): luma for 3 -> 1, repetition for 1 -> 3."""
    c = x.shape[1]
    if c == channels:
        return x
    if c == 3 and channels == 1:
        w = torch.tensor(LUMA, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
        return (x * w).sum(1, keepdim=True)
    if c == 1 and channels == 3:
        return x.expand(-1, 3, -1, -1).contiguous()
    raise InputError(f"cannot turn {c}-channel images into {channels} channels (only 1 <-> 3 are possible)")


@dataclass(frozen=True)
class InputTransform:
    size: int | None          # the model's input side (None: keep the images' size)
    channels: int | None      # the model's input channels (None: keep them)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float().div(255) if x.dtype == torch.uint8 else x
        if self.size is not None and tuple(x.shape[-2:]) != (self.size, self.size):
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False, antialias=True)
        if self.channels is not None:
            x = match_channels(x, self.channels)
        return x.clamp(0, 1)


def transform_for(card: dict | None = None, *, input_size: int | None = None,
                  in_channels: int | None = None) -> InputTransform:
    """The input transform of a model card (keys input_size, in_channels); keyword values override it."""
    card = card or {}
    return InputTransform(input_size if input_size is not None else card.get("input_size"),
                          in_channels if in_channels is not None else card.get("in_channels"))
