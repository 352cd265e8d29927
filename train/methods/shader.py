"""The shader method (Frank & Davis): shader shards -> batched augmentation -> a share of the batch
replaced by adversarial images (boundary pairs or KL-discrepancy samples) -> KL(teacher/T || student/T) T^2.

The last `data.holdout_shards` shards are held out (a short last shard with the one before it,
train.shardset.ShardSet.split): agreement with the teacher on them chooses
the best checkpoint when no real validation data is named.
"""
from __future__ import annotations

import torch
from torch import nn

from train.attack import attack_draws, boundary_attack, discrepancy_attack
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
                                  d.shuffle_buffer, d.workers, d.resampled, group=ctx.group)
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
        while True:
            for i, xb in enumerate(self.stream.epoch_batches(epoch, skip=skip), start=skip):
                x, extra = self.make(xb, state.class_freq)
                yield Batch(x, None, epoch, i, extra)
            epoch, skip = epoch + 1, 0

    def layout(self, b: int) -> tuple[int, int]:
        """(groups, images per group) of the attack in a global batch of b: group g takes the images at
        positions floor(g * b / groups) + j, j < per (its source image is the first), so attacked images
        spread evenly over the batch and every rank of a data-parallel run attacks its share."""
        a = self.attack
        per = {"boundary": 2, "bold": 3 if a.deeper else 2, "discrepancy": 1}.get(a.kind, 0)
        groups = self.n_adv // per if per and self.n_adv >= per else 0
        return groups, per

    def make(self, xb: torch.Tensor, class_freq: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """A student batch from the global uint8 batch xb: this rank's slice (the whole batch in one
        process) augmented and attacked, every random number drawn for the whole global batch."""
        ph = self.ctx.phases or NO_PHASES
        b, group = len(xb), self.ctx.group
        lo, hi = (0, b) if group is None else group.span(b)
        with ph("augment"):
            p = self.augment.draw(b, xb.shape[-2:], self.gens["augment"])
        groups, per = self.layout(b)
        draws = attack_draws(self.attack, groups, (self.ctx.card["in_channels"], *self.augment.out_size),
                             self.gens["attack"]) if groups else None
        starts = torch.arange(groups) * b // groups
        mine = ((starts + per > lo) & (starts < hi)).nonzero().flatten()   # groups with an image in the slice
        want = torch.unique(torch.cat([torch.arange(lo, hi), starts[mine]]))
        with ph("augment"):
            if len(want) == b:
                with ph("to_float"):
                    x = xb.float().div_(255).contiguous(memory_format=self.ctx.memory_format)
                x = self.augment.apply(x, p)
            else:
                x = self.augment.apply_at(xb, p, want)
        if not len(mine):
            return x, {}
        row = torch.full((b,), -1, dtype=torch.long)
        row[want] = torch.arange(len(want))
        with ph("attack"):
            made, extra = self._attack(x[row[starts[mine]].to(x.device)], draws[mine], class_freq)   # (g, per, C, H, W)
        out = x[row[lo:hi].to(x.device)]
        pos = (starts[mine].view(-1, 1) + torch.arange(per)).flatten()
        inside = (pos >= lo) & (pos < hi)
        out[(pos[inside] - lo).to(x.device)] = made.flatten(0, 1)[inside.to(x.device)]
        return out, extra

    def _attack(self, src: torch.Tensor, draws: torch.Tensor, class_freq: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """The attacked images of each source image (g, per, C, H, W) and the attack's metrics: the pair
        around the teacher's boundary (boundary, bold), the deeper sample (bold), or the KL-discrepancy
        image (discrepancy); the teacher's class histogram steers balanced targets."""
        a, teacher = self.attack, self.ctx.teacher
        with torch.autocast(self.ctx.device.type, dtype=torch.bfloat16, enabled=self.ctx.autocast):
            if a.kind == "boundary":
                pairs = boundary_attack(teacher, src, a, draws, class_freq)
                return torch.stack([pairs.before, pairs.after], 1), {"flipped": pairs.flipped.float().mean()}
            if a.kind == "bold":   # quality hook (issue 14): the authors' bold-driver attack
                s = bold_attack(teacher, src, a, draws, class_freq)
                made = [s.before, s.after] + ([s.deeper] if a.deeper else [])
                return torch.stack(made, 1), {"flipped": s.flipped.float().mean(), "accepted": s.accepted.float().mean()}
            adv = discrepancy_attack(teacher, self.student, src, a, draws.to(src.device, src.dtype), self.temperature)
            return adv.unsqueeze(1), {}

    def loss(self, student_logits, teacher_logits, labels):
        return kd_kl(student_logits, teacher_logits, self.temperature)

    def holdout(self, limit):
        return self.held_set.load(limit)[1]

    def state_dict(self):
        return {f"gen_{k}": g.get_state() for k, g in self.gens.items()}

    def load_state_dict(self, state):
        for k, g in self.gens.items():
            g.set_state(state[f"gen_{k}"])
