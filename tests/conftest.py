import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SHADERKD_SHARED", ROOT.parent / "shared"))

# Render tests use several processes on a 2-core machine: one raster thread each.
os.environ.setdefault("LP_NUM_THREADS", "1")
# Every test checks shaders afresh: a verdict cached by an earlier run under load ("slow", "hang")
# must not decide a test. The check cache's own tests point it at a temporary directory.
os.environ.setdefault("SHADERKD_CHECK_CACHE", "off")

# Only the test process holds both Mesa (render tests draw in-process) and torch. Both bring an LLVM:
# importing torch's triton after llvmpipe has compiled a shader segfaults, the other order is fine.
# shaderkd itself never mixes them (render/ never imports torch, train/ never imports moderngl).
try:
    import torch._dynamo  # noqa: F401  (loads triton first)
except ImportError:  # a render-only install: no torch at all
    pass


def shared_path(*parts) -> Path:
    """A path inside ../shared, or skip the test saying why."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent (../shared holds the real data; set SHADERKD_SHARED to point elsewhere)")
    return p


SIMPLE = {
    "t_grad": "vec3 shade(vec2 p) { return vec3(0.5 + 0.5 * p.x, 0.5 + 0.5 * p.y, uP0.x); }",
    "t_rings": "vec3 shade(vec2 p) { float r = length(p - (uP0.xy - 0.5)); return ppalette(r * (4.0 + 8.0 * uP0.z) + uTime, uP1, uP2); }",
    "t_noise": "vec3 shade(vec2 p) { return vec3(fbm(p * (2.0 + 6.0 * uP0.x) + uTime, 5), gnoise(p * 9.0), uP1.y); }",
    "t_checker": "vec3 shade(vec2 p) { vec2 q = floor(p * (3.0 + 5.0 * uP0.x)); return mix(uP1.rgb, uP2.rgb, mod(q.x + q.y, 2.0)); }",
}


def write_bank(directory: Path, shaders: dict[str, str], family: str = "test") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "shaders" / "prelude.glsl", directory / "prelude.glsl")
    for name, body in shaders.items():
        (directory / f"{name}.glsl").write_text(
            f"// name: {name}\n// family: {family}\n// licence: MIT (shaderkd project)\n{body}\n")
    return directory


@pytest.fixture
def small_bank(tmp_path) -> Path:
    return write_bank(tmp_path / "bank", SIMPLE)


# ------------------------------------------------------------------ a tiny distillation world (train/)

class Interrupted(Exception):
    """Raised from an on_event callback to simulate a run killed at a given step."""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A 240-image shard set (4 shards) and a small teacher that is not constant on it."""
    import torch

    from test_shardset import write_random_set
    from train.checkpoint import make_card, save_model
    from train.models import Normalized, create_model
    root = tmp_path_factory.mktemp("distill")
    shards = write_random_set(root / "set", count=240, shard_size=60, size=16)
    torch.manual_seed(0)
    net = create_model("lenet5", 10, 1)
    teacher = Normalized(net, [0.5], [0.1])   # a steep normalisation spreads its classes on noise
    card = make_card("lenet5", [str(i) for i in range(10)], in_channels=1, input_size=28, mean=[0.5],
                     std=[0.1], trained_on="random init (test)")
    save_model(root / "teacher", teacher, card)
    return root, shards, root / "teacher.json"


def tiny_recipe(world, **changes):
    """A fast shader recipe on `world`; changes are section__key=value."""
    from train.attack import AttackConfig
    from train.augment import AugmentConfig
    from train.recipe import DataConfig, EvalConfig, OptimConfig, Recipe, RunConfig
    root, shards, teacher = world
    r = Recipe(name="tiny", seed=1, teacher=str(teacher), student="lenet5_half",
               data=DataConfig(shards=str(shards), batch_size=32, holdout_images=60, shuffle_buffer=50),
               augment=AugmentConfig(randaug_n=1, rotate=10, mixup=0.2, cutmix=0.2),
               attack=AttackConfig(kind="boundary", share=0.25, eps=0.1, steps=3, step_size=0.03),
               optim=OptimConfig(steps=14, warmup_steps=2, lr=0.05, ema_decay=0.5),
               eval=EvalConfig(every=4), run=RunConfig(log_every=2, ckpt_every=3, threads=1))
    for k, v in changes.items():
        section, _, key = k.partition("__")
        setattr(getattr(r, section), key, v)
    return r


def metrics(run: Path) -> list[dict]:
    """metrics.jsonl without the keys that differ between identical runs."""
    from train.distill import TIMING_KEYS
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k not in TIMING_KEYS} for r in rows]


@pytest.fixture(scope="module")
def real_folder(tmp_path_factory):
    """A labelled ImageFolder of 28 px grey images, 10 classes of 12, each class a brighter square."""
    from PIL import Image
    root = tmp_path_factory.mktemp("real")
    rng = torch.Generator().manual_seed(0)
    for c in range(10):
        (root / f"c{c}").mkdir()
        for i in range(12):
            img = (torch.rand(28, 28, generator=rng) * 60).to(torch.uint8)
            img[4 + c:14 + c, 6:16] = 120 + 12 * c
            Image.fromarray(img.numpy(), mode="L").save(root / f"c{c}" / f"{i}.png")
    return root


def method_recipe(world, method, real_folder=None, **changes):
    """tiny_recipe with another method (generator sizes cut down, real images from real_folder)."""
    r = tiny_recipe(world, **changes)
    r.method = method
    if real_folder is not None:
        r.data.real = f"folder:{real_folder}"
    if method == "supervised":
        r.augment.mixup = r.augment.cutmix = 0.0
    r.generator.nz, r.generator.student_steps, r.generator.pretrain_steps, r.generator.refresh_every = 8, 2, 3, 2
    r.__post_init__()
    return r


