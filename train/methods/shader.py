"""The shader method (Frank & Davis): shader shards -> batched augmentation -> a share of the batch
replaced by adversarial images (boundary pairs or KL-discrepancy samples) -> KL(teacher/T || student/T) T^2.

The last `data.holdout_shards` shards are held out: agreement with the teacher on them chooses
the best checkpoint when no real validation data is named.
"""
from __future__ import annotations

import torch
from torch import nn

from train.attack import boundary_attack, discrepancy_attack
from train.attack_bold import bold_attack   # quality hook (issue 14)
from train.augment import Augmenter
from train.loop import NO_PHASES
from train.losses import kd_kl
from train.methods.source import Batch, Context, Source, register
from train.recipe import expand
from train.shardset import BatchStream, ShardSet, make_seed


@register("shader")
class ShaderSource(Source):
    def __init__(self, shards: ShardSet, recipe, ctx: Context):
        d, self.attack, self.ctx = recipe.data, recipe.attack, ctx
        self.train_set, self.held_set = shards.split(d.holdout_shards)
        self.trained_on = f"shader set {shards.name}"
        self.stream = BatchStream(self.train_set, d.batch_size, recipe.seed, ctx.device, d.cache_max_mb,
                                  d.shuffle_buffer, d.workers, d.resampled)
        size = ctx.card["input_size"]
        self.augment = Augmenter(recipe.augment, (size, size), ctx.card["in_channels"])
        self.gens = {"augment": torch.Generator().manual_seed(make_seed(recipe.seed, 1)),
                     "attack": torch.Generator().manual_seed(make_seed(recipe.seed, 2))}
        self.n_adv = int(round(self.attack.share * d.batch_size)) if self.attack.kind != "none" else 0
        self.temperature = recipe.optim.temperature
        self.student: nn.Module | None = None

    @classmethod
    def from_recipe(cls, recipe, ctx):
        return cls(ShardSet(expand(recipe.data.shards)), recipe, ctx)

    def prepare(self, student, on_progress):
        self.student = student      # the discrepancy attack aims at the student as it is at each step
        return False

    def batches(self, state):
        epoch, skip = state.epoch, state.batch_in_epoch
        ph = self.ctx.phases or NO_PHASES
        while True:
            for i, xb in enumerate(self.stream.epoch_batches(epoch, skip=skip), start=skip):
                with ph("to_float"):
                    x = xb.float().div_(255).contiguous(memory_format=self.ctx.memory_format)
                with ph("augment"):
                    x = self.augment(x, self.gens["augment"])
                with ph("attack"):
                    x, extra = self._attack(x, state.class_freq)
                yield Batch(x, None, epoch, i, extra)
            epoch, skip = epoch + 1, 0

    def _attack(self, x: torch.Tensor, class_freq: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """Replace the first n_adv images by attacked ones (the teacher's class histogram steers
        balanced boundary targets)."""
        a, teacher = self.attack, self.ctx.teacher
        with torch.autocast(self.ctx.device.type, dtype=torch.bfloat16, enabled=self.ctx.autocast):
            if a.kind == "boundary" and self.n_adv >= 2:
                k = self.n_adv // 2
                pairs = boundary_attack(teacher, x[:k], a, self.gens["attack"], class_freq)
                return torch.cat([pairs.before, pairs.after, x[2 * k:]]), {"flipped": pairs.flipped.float().mean()}
            per = 3 if a.deeper else 2   # quality hook (issue 14): the authors' bold-driver attack
            if a.kind == "bold" and self.n_adv >= per:
                k = self.n_adv // per
                s = bold_attack(teacher, x[:k], a, self.gens["attack"], class_freq)
                return torch.cat([s.images(), x[per * k:]]), {"flipped": s.flipped.float().mean(),
                                                              "accepted": s.accepted.float().mean()}
            if a.kind == "discrepancy" and self.n_adv >= 1:
                adv = discrepancy_attack(teacher, self.student, x[:self.n_adv], a, self.gens["attack"], self.temperature)
                return torch.cat([adv, x[self.n_adv:]]), {}
        return x, {}

    def loss(self, student_logits, teacher_logits, labels):
        return kd_kl(student_logits, teacher_logits, self.temperature)

    def holdout(self, limit):
        return self.held_set.load(limit)[1]

    def state_dict(self):
        return {f"gen_{k}": g.get_state() for k, g in self.gens.items()}

    def load_state_dict(self, state):
        for k, g in self.gens.items():
            g.set_state(state[f"gen_{k}"])
