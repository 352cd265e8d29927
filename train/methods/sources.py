"""What a non-shader method feeds the student each step, behind one small interface the trainer
loop calls (`train.distill`): a batch of images, the loss on the logits, and what happens after
the student's update. The loop itself (optimiser, schedule, EMA, evaluation, checkpoints, resume)
is the same for every method.

    dfad        images from a generator trained adversarially, one generator step every
                `generator.student_steps` student steps; L1 between logits
    rdskd       images from a generator trained first (`generator.pretrain_steps`), then frozen;
                KL at the recipe's temperature (10 in the authors' code)
    real-kd     real training images (`data.real`), KL to the teacher: the upper bound
    supervised  real training images with their labels, cross-entropy; the teacher is not used

Every source is resumable: `state_dict()` holds its generator, optimiser and noise state; the
real-image order follows from (seed, epoch) alone, so the step count is enough to resume it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from train.augment import Augmenter
from train.losses import kd_kl
from train.methods import dfad, rdskd
from train.methods.generators import dfad_generator, rdskd_generator

log = logging.getLogger(__name__)


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


class Source:
    """One method's student batches. Subclasses fill in batch and loss."""
    uses_teacher = True

    def prepare(self, on_progress: Callable[[int, int, dict], None]) -> bool:
        """Work before the first student step; True when it did some (then the trainer checkpoints)."""
        return False

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(images (B, C, H, W) in [0, 1]-pixel space at the teacher's size, labels (B,) or None)."""
        raise NotImplementedError

    def loss(self, student_logits: torch.Tensor, teacher_logits: torch.Tensor | None,
             labels: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError

    def after_step(self, step: int, lr_factor: float, student: nn.Module) -> dict[str, float]:
        """Called after student update number `step` (1-based); returns metrics to log."""
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class GeneratorSource(Source):
    def __init__(self, method: str, cfg: GeneratorConfig, teacher: nn.Module, tcard: dict, batch_size: int,
                 seed_noise: int, device: torch.device, temperature: float):
        size, channels = tcard["input_size"], tcard["in_channels"]
        build = dfad_generator if method == "dfad" else rdskd_generator
        self.method, self.cfg, self.teacher, self.batch_size, self.temperature = method, cfg, teacher, batch_size, temperature
        self.generator = build(cfg.nz, channels, size, tcard["mean"], tcard["std"]).to(device)
        self.optimizer = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.noise = torch.Generator().manual_seed(seed_noise)
        self.device = device
        self.pretrained = method != "rdskd" or cfg.pretrain_steps == 0
        self.reference = rdskd.Reference()

    def prepare(self, on_progress) -> bool:
        if self.pretrained:
            return False
        log.info("rdskd: training the generator for %d steps before the student", self.cfg.pretrain_steps)
        self.reference = rdskd.train_generator(
            self.teacher, self.generator, self.optimizer, self.cfg.pretrain_steps, self.batch_size, self.noise,
            self.cfg.refresh_every, on_step=lambda i, terms: on_progress(i + 1, self.cfg.pretrain_steps, terms))
        self.pretrained = True
        return True

    def batch(self, step):
        if self.method == "dfad":
            self.generator.train()
            return dfad.generate(self.generator, self.batch_size, self.noise, self.device), None
        return rdskd.generate(self.generator, self.batch_size, self.noise, self.device), None

    def loss(self, student_logits, teacher_logits, labels):
        if self.method == "dfad":
            return dfad.discrepancy(student_logits, teacher_logits)
        return rdskd.student_loss(student_logits, teacher_logits, self.temperature)

    def after_step(self, step, lr_factor, student):
        if self.method != "dfad" or step % self.cfg.student_steps:
            return {}
        for group in self.optimizer.param_groups:
            group["lr"] = self.cfg.lr * lr_factor
        gap = dfad.generator_step(self.teacher, student, self.generator, self.optimizer, self.batch_size, self.noise)
        return {"generator_gap": gap}

    def state_dict(self):
        return {"generator": self.generator.state_dict(), "optimizer": self.optimizer.state_dict(),
                "noise": self.noise.get_state(), "pretrained": self.pretrained,
                "reference": [self.reference.authenticity, self.reference.class_diversity]}

    def load_state_dict(self, state):
        self.generator.load_state_dict(state["generator"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.noise.set_state(state["noise"])
        self.pretrained = bool(state["pretrained"])
        self.reference = rdskd.Reference(*(float(v) for v in state["reference"]))


class RealSource(Source):
    """Real labelled training images, held on the device as uint8, shuffled per epoch from (seed, epoch)."""

    def __init__(self, method: str, images: torch.Tensor, labels: torch.Tensor, augment: Augmenter,
                 augment_gen: torch.Generator, batch_size: int, seed: int, device: torch.device, temperature: float):
        if len(images) < batch_size:
            raise ValueError(f"data.real holds {len(images)} images, fewer than one batch ({batch_size})")
        self.method, self.uses_teacher = method, method == "real-kd"
        self.images, self.labels = images.to(device), labels.to(device)
        self.augment, self.augment_gen = augment, augment_gen
        self.batch_size, self.seed, self.temperature = batch_size, seed, temperature
        self.per_epoch = len(images) // batch_size          # the last partial batch is dropped
        self._order: tuple[int, torch.Tensor] | None = None

    def _permutation(self, epoch: int) -> torch.Tensor:
        if self._order is None or self._order[0] != epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._order = (epoch, torch.randperm(len(self.images), generator=g).to(self.images.device))
        return self._order[1]

    def batch(self, step):
        """The batch of student step `step` (0-based): epoch step // per_epoch, its slice of that epoch's order."""
        epoch, i = divmod(step, self.per_epoch)
        idx = self._permutation(epoch)[i * self.batch_size:(i + 1) * self.batch_size]
        x = self.images[idx].float().div_(255)
        return self.augment(x, self.augment_gen), self.labels[idx]

    def loss(self, student_logits, teacher_logits, labels):
        if self.method == "supervised":
            return F.cross_entropy(student_logits.float(), labels)
        return kd_kl(student_logits, teacher_logits, self.temperature)
