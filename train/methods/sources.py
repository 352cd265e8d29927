"""The baselines a data-free method is measured against, as sources of the one loop (`train.loop`):

    dfad        images from a generator trained adversarially, one generator step every
                `generator.student_steps` student steps; L1 between logits
    rdskd       images from a generator trained first (`generator.pretrain_steps`), then frozen;
                KL at the recipe's temperature (10 in the authors' code)
    real-kd     real training images (`data.real`), KL to the teacher: the upper bound
    supervised  real training images with their labels, cross-entropy; the teacher is not used
                (teacher training, `train.teacher`, is this source too)

Every source is resumable: `state_dict()` holds its generator, optimiser and noise state; the
real-image order follows from (seed, epoch) alone, so the step count is enough to resume it.
None of them opens a shard: the generator baselines are data-free.
"""
from __future__ import annotations

import logging

import torch
import torch.nn.functional as F

from train.augment import Augmenter
from train.losses import kd_kl
from train.methods import dfad, rdskd
from train.methods.generators import GeneratorConfig, dfad_generator, rdskd_generator
from train.methods.source import Batch, Context, Source, register
from train.recipe import RecipeError, expand
from train.shardset import make_seed

log = logging.getLogger(__name__)


class GeneratorSource(Source):
    """A generator, its Adam optimiser and its noise; subclasses say how it is trained."""
    build = staticmethod(dfad_generator)

    def __init__(self, cfg: GeneratorConfig, ctx: Context, batch_size: int, seed: int, temperature: float):
        card = ctx.card
        self.cfg, self.teacher, self.batch_size, self.temperature = cfg, ctx.teacher, batch_size, temperature
        self.generator = self.build(cfg.nz, card["in_channels"], card["input_size"], card["mean"], card["std"]).to(ctx.device)
        self.optimizer = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.noise = torch.Generator().manual_seed(make_seed(seed, 3))
        self.device, self.group = ctx.device, ctx.group

    def local(self, x: torch.Tensor) -> torch.Tensor:
        """[distributed] This rank's slice of a generated global batch. The generator's work is repeated on
        every rank, so its batch norms see the global batch and the generator stays the same everywhere."""
        return x if self.group is None else self.group.local(x)[0]

    @classmethod
    def from_recipe(cls, recipe, ctx):
        return cls(recipe.generator, ctx, recipe.data.batch_size, recipe.seed, recipe.optim.temperature)

    def state_dict(self):
        return {"generator": self.generator.state_dict(), "optimizer": self.optimizer.state_dict(),
                "noise": self.noise.get_state()}

    def load_state_dict(self, state):
        self.generator.load_state_dict(state["generator"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.noise.set_state(state["noise"])


@register("dfad")
class DFADSource(GeneratorSource):
    """DFAD (Fang et al. 2019): the generator chases the student-teacher discrepancy as the student closes it."""
    trained_on = "DFAD generator images"

    def batches(self, state):
        for step in range(state.step, 2 ** 62):
            self.generator.train()
            yield Batch(self.local(dfad.generate(self.generator, self.batch_size, self.noise, self.device)), None, 0, step, {})

    def loss(self, student_logits, teacher_logits, labels):
        return dfad.discrepancy(student_logits, teacher_logits)

    def after_step(self, step, lr_factor, student):
        if step % self.cfg.student_steps:
            return {}
        for group in self.optimizer.param_groups:
            group["lr"] = self.cfg.lr * lr_factor
        return {"generator_gap": dfad.generator_step(self.teacher, student, self.generator, self.optimizer,
                                                     self.batch_size, self.noise)}


@register("rdskd")
class RDSKDSource(GeneratorSource):
    """RDSKD: the generator is trained first (prepare), then frozen while the student learns from it."""
    trained_on = "RDSKD generator images"
    build = staticmethod(rdskd_generator)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pretrained = self.cfg.pretrain_steps == 0
        self.reference = rdskd.Reference()

    def prepare(self, student, on_progress):
        if self.pretrained:
            return False
        log.info("rdskd: training the generator for %d steps before the student", self.cfg.pretrain_steps)
        self.reference = rdskd.train_generator(
            self.teacher, self.generator, self.optimizer, self.cfg.pretrain_steps, self.batch_size, self.noise,
            self.cfg.refresh_every, on_step=lambda i, terms: on_progress(i + 1, self.cfg.pretrain_steps, terms))
        self.pretrained = True
        return True

    def batches(self, state):
        for step in range(state.step, 2 ** 62):
            yield Batch(self.local(rdskd.generate(self.generator, self.batch_size, self.noise, self.device)), None, 0, step, {})

    def loss(self, student_logits, teacher_logits, labels):
        return rdskd.student_loss(student_logits, teacher_logits, self.temperature)

    def state_dict(self):
        return {**super().state_dict(), "pretrained": self.pretrained,
                "reference": [self.reference.authenticity, self.reference.class_diversity]}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.pretrained = bool(state["pretrained"])
        self.reference = rdskd.Reference(*(float(v) for v in state["reference"]))


class RealImages(Source):
    """Real labelled training images, held on the device as uint8, shuffled per epoch from (seed, epoch)."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, augment: Augmenter, batch_size: int, seed: int,
                 device: torch.device, where: str = "data.real", group=None):
        if len(images) < batch_size:
            raise ValueError(f"{where} holds {len(images)} images, fewer than one batch ({batch_size})")
        self.images, self.labels = images.to(device), labels.to(device)
        self.augment, self.augment_gen = augment, torch.Generator().manual_seed(make_seed(seed, 1))
        self.batch_size, self.seed, self.group = batch_size, seed, group   # [distributed] group: batches are slices
        self.per_epoch = len(images) // batch_size          # the last partial batch is dropped
        self._order: tuple[int, torch.Tensor] | None = None

    @classmethod
    def from_recipe(cls, recipe, ctx):
        from train.datasets import align_to_classes, open_dataset
        spec, name = expand(recipe.data.real), recipe.method
        data = align_to_classes(open_dataset(spec), ctx.card["classes"])
        if not data.stacked:
            raise RecipeError(f"data.real {recipe.data.real!r} has images of several sizes; the {name} method "
                              f"needs one image size")
        if len(data.classes) != len(ctx.card["classes"]):
            raise RecipeError(f"data.real {recipe.data.real!r} has {len(data.classes)} classes but the teacher "
                              f"{len(ctx.card['classes'])}")
        ctx.notes.append(f"method {name}: trained on the {len(data)} real images of {spec}")
        size = ctx.card["input_size"]
        return cls(data.images, data.labels, Augmenter(recipe.augment, (size, size), ctx.card["in_channels"]),
                   recipe.data.batch_size, recipe.seed, ctx.device, group=ctx.group, **cls.options(recipe))

    @staticmethod
    def options(recipe) -> dict:
        """Constructor arguments of the subclass, from the recipe."""
        return {}

    def _permutation(self, epoch: int) -> torch.Tensor:
        if self._order is None or self._order[0] != epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._order = (epoch, torch.randperm(len(self.images), generator=g).to(self.images.device))
        return self._order[1]

    def batches(self, state):
        """From student step state.step on: epoch step // per_epoch, its slice of that epoch's order."""
        for step in range(state.step, 2 ** 62):
            epoch, i = divmod(step, self.per_epoch)
            idx = self._permutation(epoch)[i * self.batch_size:(i + 1) * self.batch_size]
            if self.group is None:
                x = self.images[idx].float().div_(255)
                yield Batch(self.augment(x, self.augment_gen), self.labels[idx], 0, step, {})
                continue
            # [distributed] the global batch's draws; this rank's slice (and its mixing partners) augmented
            p = self.augment.draw(len(idx), self.images.shape[-2:], self.augment_gen)
            lo, hi = self.group.span(len(idx))
            x = self.augment.apply_at(self.images[idx], p, torch.arange(lo, hi))
            yield Batch(x, self.labels[idx[lo:hi]], 0, step, {})

    def state_dict(self):
        return {"augment": self.augment_gen.get_state()}

    def load_state_dict(self, state):
        self.augment_gen.set_state(state["augment"])


@register("real-kd")
class RealKDSource(RealImages):
    """KL to the teacher on real training images: the upper bound of any data-free method."""

    def __init__(self, *args, temperature: float = 4.0, spec: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.temperature, self.trained_on = temperature, f"real images {spec}"

    @staticmethod
    def options(recipe):
        return {"temperature": recipe.optim.temperature, "spec": recipe.data.real}

    def loss(self, student_logits, teacher_logits, labels):
        return kd_kl(student_logits, teacher_logits, self.temperature)


@register("supervised")
class SupervisedSource(RealImages):
    """Cross-entropy on the real labels (optionally smoothed); the teacher is not used."""
    uses_teacher = False

    def __init__(self, *args, label_smoothing: float = 0.0, spec: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.label_smoothing, self.trained_on = label_smoothing, f"the labels of {spec}"

    @staticmethod
    def options(recipe):
        return {"spec": recipe.data.real}

    def loss(self, student_logits, teacher_logits, labels):
        return F.cross_entropy(student_logits.float(), labels, label_smoothing=self.label_smoothing)
