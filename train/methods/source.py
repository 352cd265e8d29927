"""What a method feeds the student, behind one interface the loop (`train.loop`) calls, and the
registry of methods by name.

    source = source_class(recipe.method).from_recipe(recipe, context)
    source.prepare(student, on_progress)       # work before the first step (RDSKD's generator phase)
    for batch in source.batches(state): ...    # resumable: starts where the RunState stands
    loss = source.loss(student_logits, teacher_logits, batch.labels)
    metrics = source.after_step(step, lr_factor, student)

A source owns its random generators (augmentation, attack, noise) and saves them in state_dict().
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, NamedTuple

import torch
from torch import nn


class Batch(NamedTuple):
    x: torch.Tensor                    # (B, C, H, W) float in [0, 1] at the model's input size
    labels: torch.Tensor | None        # (B,) for sources with labels
    epoch: int                         # where the batch sits in its source (what RunState records)
    index: int
    extra: dict                        # metrics of producing it (e.g. the attack's flip rate), tensors


@dataclass
class Context:
    """What every source may need from the run, besides the recipe."""
    teacher: nn.Module | None
    card: dict                          # the teacher's card: input_size, in_channels, classes, mean, std
    device: torch.device
    memory_format: torch.memory_format = torch.contiguous_format
    autocast: bool = False
    notes: list[str] = field(default_factory=list)   # said in the report
    phases: object = None               # a train.loop.Phases timing the source's work (None: untimed)
    group: object = None                # [distributed] a train.distributed.Group: batches are this rank's slice


class Source:
    """One method's student batches and loss."""
    uses_teacher = True                 # the loop runs the teacher on every batch
    trained_on = ""                     # for the card: "distilled from T on <this>" / "trained on <this>"

    @classmethod
    def from_recipe(cls, recipe, ctx: Context) -> "Source":
        raise NotImplementedError

    def prepare(self, student: nn.Module, on_progress: Callable[[int, int, dict], None]) -> bool:
        """Work before the first student step; True when it did some (then the trainer checkpoints)."""
        return False

    def batches(self, state) -> Iterator[Batch]:
        """Batches from where `state` (a train.runstate.RunState) stands; drawn lazily, one per step.
        In a data-parallel run (Context.group), each rank's batch is its slice of the global batch, with
        every random number drawn for the global batch (train/distributed.py)."""
        raise NotImplementedError

    def loss(self, student_logits: torch.Tensor, teacher_logits: torch.Tensor | None,
             labels: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError

    def after_step(self, step: int, lr_factor: float, student: nn.Module) -> dict:
        """Called after student update number `step` (1-based); returns metrics to log."""
        return {}

    def holdout(self, limit: int) -> torch.Tensor | None:
        """Held-out uint8 images (N, C, H, W) to measure agreement with the teacher on, or None."""
        return None

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


SOURCES: dict[str, type[Source]] = {}   # filled by @register in train.methods.shader and .sources


def register(name: str):
    def add(cls):
        SOURCES[name] = cls
        return cls
    return add


def source_class(name: str) -> type[Source]:
    """The source registered as `name` (a recipe's method)."""
    import train.methods.shader  # noqa: F401  (they register themselves; imported here, not at the top,
    import train.methods.sources  # noqa: F401  because they import train.recipe, which imports train.methods)
    return SOURCES[name]
