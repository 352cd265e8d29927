"""Distillation recipes: named TOML files in train/recipes/, overridable key by key.

    load_recipe("mnist-lenet5", ["optim.lr=0.05", "augment.randaug_n=0"]) -> Recipe

A recipe names every knob with the paper's word for it (temperature T, epsilon, share of the batch
attacked, ...). `--set section.key=value` takes a TOML value (`0.1`, `true`, `[0.25, 1.0]`,
`"sgd"`); a bare word is read as a string. Unknown keys raise `RecipeError` listing the valid ones.
Paths may use `{shared}` (the ../shared data directory, or $SHADERKD_SHARED) and `{repo}`.
"""
from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from train.attack import AttackConfig
from train.augment import AugmentConfig
from train.methods import METHODS, REAL_METHODS
from train.methods.generators import GeneratorConfig
from train.models import UnknownModelError, check_model_name

REPO = Path(__file__).resolve().parents[1]
RECIPES_DIR = Path(__file__).parent / "recipes"


class RecipeError(ValueError):
    """A recipe file or override is unusable."""


@dataclass
class DataConfig:
    shards: str = "{repo}/shards/default"   # the shard set distilled on
    holdout_shards: int = 1         # last shards held out: teacher-student agreement, best selection (a last
                                    # shard under half the size of the first counts with the one before it)
    holdout_images: int = 2000      # at most this many held-out images are scored
    batch_size: int = 256
    cache_max_mb: float = 2048      # a set up to this size stays on the device after the first pass
    shuffle_buffer: int = 2000      # samples in webdataset's seeded shuffle buffer
    workers: int = 0                # DataLoader processes decoding shards (0: in the loop's process)
    resampled: bool = False         # draw shards with replacement (several processes, huge sets)
    real: str = ""                  # real labelled training images (methods real-kd, supervised)


@dataclass
class OptimConfig:
    optimizer: str = "sgd"          # "sgd" (Nesterov momentum) or "adamw"
    lr: float = 0.1                 # peak learning rate after warm-up
    momentum: float = 0.9
    nesterov: bool = True
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 5e-4      # on conv and linear weights only
    steps: int = 2000               # optimiser steps in the run
    warmup_steps: int = 100         # linear warm-up, then cosine decay
    min_lr_ratio: float = 0.0       # the cosine ends at lr * min_lr_ratio
    schedule: str = "cosine"        # "cosine" (after warm-up), or "step": x gamma at each milestone
    milestones: tuple[int, ...] = ()  # steps at which a "step" schedule multiplies the lr by gamma
    gamma: float = 0.1
    temperature: float = 4.0        # T of the KL loss (scaled by T^2)
    ema_decay: float = 0.0          # EMA of the student's weights (0: off); the EMA is evaluated and saved
    grad_clip: float = 0.0          # clip the gradient norm (0: off)

    def __post_init__(self):
        self.betas = tuple(self.betas)
        self.milestones = tuple(int(m) for m in self.milestones)
        if self.schedule not in ("cosine", "step"):
            raise RecipeError(f"optim.schedule must be 'cosine' or 'step', not {self.schedule!r}")
        if list(self.milestones) != sorted(self.milestones) or any(m < 1 for m in self.milestones):
            raise RecipeError(f"optim.milestones must be increasing positive steps, got {list(self.milestones)}")
        if self.optimizer not in ("sgd", "adamw"):
            raise RecipeError(f"optim.optimizer must be 'sgd' or 'adamw', not {self.optimizer!r}")
        if self.steps < 1 or self.lr <= 0 or self.temperature <= 0:
            raise RecipeError("optim.steps, optim.lr and optim.temperature must be positive")
        if not 0 <= self.ema_decay < 1:
            raise RecipeError(f"optim.ema_decay must be in [0, 1), got {self.ema_decay}")
        if not 0 <= self.warmup_steps <= self.steps:
            raise RecipeError(f"optim.warmup_steps ({self.warmup_steps}) must be within 0..steps ({self.steps})")


@dataclass
class EvalConfig:
    val: str = ""                   # real labelled data for choosing the best checkpoint ("" none)
    test: str = ""                  # real labelled data scored once at the end, never for choosing
    monitor: str = ""               # real labelled data scored at every evaluation, for curves only
    every: int = 500                # evaluate every this many steps (and at the end)
    batch_size: int = 1000
    select: str = "auto"            # the "best" checkpoint: "auto" = highest val top-1 when validation
                                    # data is present, else highest agreement with the teacher on
                                    # held-out shader images; "last" = the student at the end of the
                                    # schedule (the latest evaluation, whatever the scores)

    def __post_init__(self):
        if self.select not in ("auto", "last"):
            raise RecipeError(f"eval.select must be 'auto' or 'last', not {self.select!r}")


@dataclass
class RunConfig:
    device: str = "auto"            # "auto" (cuda when present), "cpu", "cuda", "cuda:1", ...
    log_every: int = 50
    ckpt_every: int = 200           # full state for resuming, every this many steps (and at the end)
    threads: int = 0                # torch CPU threads (0: the cores idle at the start, at least 1; train.loop.set_threads)
    precision: str = "auto"         # "auto": bf16 autocast on a GPU and on CPUs with native bf16 (AVX512-BF16,
                                    # AMX), fp32 elsewhere; or "fp32", "bf16" (versions.json says which ran)

    def __post_init__(self):
        if self.precision not in ("auto", "fp32", "bf16"):
            raise RecipeError(f"run.precision must be 'auto', 'fp32' or 'bf16', not {self.precision!r}")


@dataclass
class Recipe:
    name: str = "custom"
    method: str = "shader"            # "shader", "dfad", "rdskd", "real-kd", "supervised" (train.methods)
    seed: int = 0
    teacher: str = "teacher:cifar10"  # a model spec for train.checkpoint.load_model
    student: str = "resnet20"         # an architecture of train.models
    data: DataConfig = field(default_factory=DataConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    attack: AttackConfig = field(default_factory=AttackConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    run: RunConfig = field(default_factory=RunConfig)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)   # dfad, rdskd

    def __post_init__(self):
        try:
            check_model_name(self.student)
        except UnknownModelError as exc:
            raise RecipeError(f"student: {exc}") from None
        if self.method not in METHODS:
            raise RecipeError(f"method must be one of {', '.join(METHODS)}, not {self.method!r}")
        if self.method in REAL_METHODS and not self.data.real:
            raise RecipeError(f"method {self.method!r} trains on real images: name them in data.real "
                              f"(e.g. data.real=\"mnist:{{shared}}/data:train\")")
        if self.method == "supervised" and self.augment.enabled and (self.augment.mixup > 0 or self.augment.cutmix > 0):
            raise RecipeError("method 'supervised' learns the real labels, which mixup and cutmix would make wrong: "
                              "set augment.mixup=0 and augment.cutmix=0")
        if self.method == "rdskd" and self.data.batch_size % 2:
            raise RecipeError(f"method 'rdskd' splits every batch into two noise halves: data.batch_size must be "
                              f"even, got {self.data.batch_size}")


SECTIONS = {f.name: f.default_factory for f in dataclasses.fields(Recipe) if f.default_factory is not dataclasses.MISSING}


def shared_dir() -> Path:
    return Path(os.environ.get("SHADERKD_SHARED") or REPO.parent / "shared")


def expand(path: str) -> str:
    """Fill `{shared}` and `{repo}` in a path or dataset spec."""
    return path.replace("{shared}", str(shared_dir())).replace("{repo}", str(REPO))


def recipe_path(name: str) -> Path:
    p = Path(name)
    if p.suffix == ".toml" and p.is_file():
        return p
    p = RECIPES_DIR / f"{name}.toml"
    if not p.is_file():
        have = sorted(q.stem for q in RECIPES_DIR.glob("*.toml"))
        raise RecipeError(f"no recipe {name!r}: give a .toml path or one of {', '.join(have)}")
    return p


def parse_value(text: str):
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(tree: dict, assignment: str) -> None:
    key, sep, value = assignment.partition("=")
    if not sep or not key.strip():
        raise RecipeError(f"override {assignment!r} must look like key=value (e.g. optim.lr=0.05)")
    *sections, leaf = key.strip().split(".")
    node = tree
    for s in sections:
        node = node.setdefault(s, {})
        if not isinstance(node, dict):
            raise RecipeError(f"override {assignment!r}: {s!r} is a value, not a section")
    node[leaf] = parse_value(value.strip())


def _build(cls, values: dict, where: str):
    known = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)   # the field's declared type decides, not its default's
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise RecipeError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(known)}")
    kwargs = {}
    for k, v in values.items():
        default = known[k].default_factory() if known[k].default_factory is not dataclasses.MISSING else known[k].default
        if dataclasses.is_dataclass(default):
            if not isinstance(v, dict):
                raise RecipeError(f"{where}.{k} is a section; set its keys as {k}.<key>=value")
            kwargs[k] = _build(type(default), v, f"{where}.{k}" if where != "recipe" else k)
            continue
        kind = hints.get(k) if hints.get(k) in (bool, int, float, str) else type(default)
        if kind is bool and not isinstance(v, bool):
            raise RecipeError(f"{where}.{k} must be true or false, got {v!r}")
        if kind in (int, float):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise RecipeError(f"{where}.{k} must be a finite number, got {v!r}")
            if kind is float:
                v = float(v)
            elif isinstance(v, float):
                if not v.is_integer():
                    raise RecipeError(f"{where}.{k} must be an integer, got {v!r}")
                v = int(v)
        if kind is str and not isinstance(v, str):
            raise RecipeError(f"{where}.{k} must be a string, got {v!r}")
        kwargs[k] = v
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as exc:
        raise RecipeError(f"{where}: {exc}") from exc


def load_recipe(name: str, overrides: list[str] | tuple[str, ...] = ()) -> Recipe:
    """The recipe `name` (a file in train/recipes/ or a .toml path) with `section.key=value` overrides."""
    path = recipe_path(name)
    try:
        tree = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"{path}: not valid TOML ({exc})") from exc
    for assignment in overrides:
        apply_override(tree, assignment)
    tree.setdefault("name", path.stem)
    return _build(Recipe, tree, "recipe")


def to_dict(recipe: Recipe) -> dict:
    """The resolved recipe as plain JSON types (tuples become lists)."""
    return dataclasses.asdict(recipe)


def from_dict(tree: dict) -> Recipe:
    return _build(Recipe, tree, "recipe")
