"""The image generators of the generator-based baselines (DAFL-style, used by DFAD and RDSKD).

Both authors use the same network (Chen et al.'s DAFL generator): a linear layer from the noise
to a (2*ngf, S/4, S/4) map, batch norm, nearest 2x upsampling, conv-BN-LeakyReLU, upsampling,
conv-BN-LeakyReLU, conv to C channels, tanh, and a *non-affine* batch norm. They differ in one
detail that changes training: RDSKD's code builds its two inner batch norms as
`BatchNorm2d(dim, 0.8)`, which sets eps = 0.8 (a DCGAN-tutorial slip: 0.8 was meant as the
momentum); we keep it because that is the generator the RDSKD results come from.

The output space. The final non-affine batch norm makes every channel zero-mean and unit-variance
over the batch: the authors feed that straight to teachers that take *normalised* input. Here
every model takes images in [0, 1] (`train.models.Normalized` subtracts mean and divides by std),
so `forward` returns `bn_out * std + mean` with the teacher's mean and std: the teacher then sees
exactly the normalised tensor the authors' teacher sees. The pixels are not clamped to [0, 1]
(the authors' images leave the data range too, and a clamp would cut the generator's gradient).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn


@dataclass
class GeneratorConfig:
    """The generator of DFAD / RDSKD (recipe section [generator]); batch size is data.batch_size."""
    nz: int = 100                   # noise dimension (authors: 100 MNIST, 256 CIFAR for DFAD)
    lr: float = 1e-3                # Adam; follows the student's schedule factor (DFAD decays both)
    betas: tuple[float, float] = (0.9, 0.999)
    student_steps: int = 5          # DFAD: student steps per generator step
    pretrain_steps: int = 2400      # RDSKD: generator steps before the student's (authors: 20 x 120)
    refresh_every: int = 120        # RDSKD: the loss reference is refreshed once per this many steps

    def __post_init__(self):
        self.betas = tuple(self.betas)
        if self.nz < 1 or self.lr <= 0 or self.student_steps < 1 or self.refresh_every < 1 or self.pretrain_steps < 0:
            raise ValueError("generator.nz, lr, student_steps and refresh_every must be positive and "
                             "generator.pretrain_steps non-negative")


class DAFLGenerator(nn.Module):
    """noise (B, nz) -> images (B, channels, size, size) in pixel space (see the module docstring)."""

    def __init__(self, nz: int, channels: int, size: int, mean: Sequence[float], std: Sequence[float],
                 ngf: int = 64, inner_bn_eps: float = 1e-5):
        super().__init__()
        if size % 4:
            raise ValueError(f"the generator upsamples twice by 2: image size must be a multiple of 4, got {size}")
        if len(mean) != channels or len(std) != channels:
            raise ValueError(f"mean {list(mean)} and std {list(std)} must have one value per channel ({channels})")
        self.nz, self.init_size = nz, size // 4
        self.project = nn.Linear(nz, 2 * ngf * self.init_size ** 2)
        self.bn0 = nn.BatchNorm2d(2 * ngf)
        self.block1 = nn.Sequential(nn.Conv2d(2 * ngf, 2 * ngf, 3, padding=1),
                                    nn.BatchNorm2d(2 * ngf, eps=inner_bn_eps), nn.LeakyReLU(0.2, inplace=True))
        self.block2 = nn.Sequential(nn.Conv2d(2 * ngf, ngf, 3, padding=1),
                                    nn.BatchNorm2d(ngf, eps=inner_bn_eps), nn.LeakyReLU(0.2, inplace=True),
                                    nn.Conv2d(ngf, channels, 3, padding=1), nn.Tanh(),
                                    nn.BatchNorm2d(channels, affine=False))
        shape = (1, channels, 1, 1)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(shape), False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(shape), False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.nz:
            raise ValueError(f"generator noise must have shape (B, {self.nz}), got {tuple(z.shape)}")
        x = self.project(z).view(len(z), -1, self.init_size, self.init_size)
        x = nn.functional.interpolate(self.bn0(x), scale_factor=2)
        x = nn.functional.interpolate(self.block1(x), scale_factor=2)
        return self.block2(x) * self.std + self.mean


def dfad_generator(nz: int, channels: int, size: int, mean: Sequence[float], std: Sequence[float]) -> DAFLGenerator:
    """DFAD's GeneratorA (ngf 64, default batch-norm eps)."""
    return DAFLGenerator(nz, channels, size, mean, std, ngf=64, inner_bn_eps=1e-5)


def rdskd_generator(nz: int, channels: int, size: int, mean: Sequence[float], std: Sequence[float]) -> DAFLGenerator:
    """RDSKD's Generator (dim 128 = 2 * ngf, inner batch norms with eps 0.8 as in the authors' code)."""
    return DAFLGenerator(nz, channels, size, mean, std, ngf=64, inner_bn_eps=0.8)


def sample_noise(batch_size: int, nz: int, gen: torch.Generator, device: torch.device | str) -> torch.Tensor:
    """Standard normal noise (B, nz), drawn on the CPU from `gen` so a run is reproducible on any device."""
    return torch.randn(batch_size, nz, generator=gen).to(device)
