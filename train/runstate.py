"""The run directory and the state a run resumes from.

`RunState` is everything resume needs, saved and restored as one object (`state.pt`): the counters
of the loop, the running loss and class histogram, every global random generator, and the state
dicts of the live objects it was given (model, optimiser, schedule, EMA, source). A source keeps its
own generators (augmentation, attack, noise) in its state dict.
"""
from __future__ import annotations

import json
import os
import platform
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from train.recipe import Recipe, from_dict, to_dict
from train.rundir import (RunDirError, has_checkpoint, load_checkpoint, read_json,  # noqa: F401
                          save_checkpoint, truncate_metrics)


def rng_state() -> dict:
    np_state = np.random.get_state()
    state = {"python": random.getstate(), "torch": torch.get_rng_state(),
             "numpy": {"keys": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                       "has_gauss": int(np_state[3]), "cached": float(np_state[4])}}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


@dataclass
class RunState:
    """Where a run stands. `parts` are the live objects whose state_dict() is saved with it."""
    step: int = 0
    epoch: int = 0                 # of the shader stream (other sources count steps only)
    batch_in_epoch: int = 0
    best: float = -1.0
    best_step: int = 0
    elapsed: float = 0.0           # seconds of training before this process took over
    images_seen: int = 0
    loss_n: int = 0                # steps summed into loss_sum since the last log
    loss_sum: torch.Tensor | float = 0.0
    class_freq: torch.Tensor | None = None   # the teacher's running class histogram (~100-step memory)
    config: dict | None = None     # what the run must match to be resumed (teacher training)
    saved_elapsed: float = 0.0     # the training seconds state.pt holds (at the last save or load)
    parts: dict = field(default_factory=dict, repr=False)
    started: float = field(default_factory=time.perf_counter, repr=False)

    COUNTERS = ("step", "epoch", "batch_in_epoch", "best", "best_step", "images_seen", "loss_n", "config")

    def wall(self) -> float:
        """Training seconds so far, over every process that worked on the run."""
        return self.elapsed + time.perf_counter() - self.started

    def save(self, path: Path) -> None:
        state = {k: getattr(self, k) for k in self.COUNTERS}
        self.saved_elapsed = self.wall()
        state.update(elapsed=self.saved_elapsed, loss_sum=float(self.loss_sum), class_freq=self.class_freq,
                     rng=rng_state(), **{k: p.state_dict() if p is not None else None for k, p in self.parts.items()})
        save_checkpoint(state, path)   # fsynced, renamed; the one before kept as state.prev.pt

    def load(self, path: Path, device: torch.device) -> None:
        """Restore everything from `path`; raises RunDirError when it was saved with another `config`."""
        state = load_checkpoint(path, device, keys=("step", "rng"))   # falls back to state.prev.pt
        if state.get("config") != self.config:
            raise RunDirError(f"{path} is from another run ({state.get('config')}, not {self.config}); "
                              f"use a new --out")
        for k in self.COUNTERS + ("elapsed",):
            setattr(self, k, state.get(k))
        self.saved_elapsed = self.elapsed
        self.loss_sum = torch.tensor(state["loss_sum"], device=device)
        if state.get("class_freq") is not None:
            self.class_freq = state["class_freq"].to(device)
        for k, p in self.parts.items():
            if p is not None:
                p.load_state_dict(state[k])
        set_rng_state(state["rng"])
        self.started = time.perf_counter()

    def resume(self, out: Path, device: torch.device, writes: bool = True) -> bool:
        """Continue from out/state.pt when there is one (metrics after it are dropped); else start
        afresh (the metrics of a run killed before its first checkpoint go). True when resuming.

        writes=False: only load (the ranks of a distributed run other than 0, which owns the directory)."""
        metrics = out / "metrics.jsonl"
        if has_checkpoint(out / "state.pt"):
            self.load(out / "state.pt", device)
            if writes:
                truncate_metrics(metrics, self.step)
            return True
        if writes:
            metrics.unlink(missing_ok=True)
        return False


# ------------------------------------------------------------------ the run directory

def versions(device: torch.device) -> dict:
    import torchvision
    import webdataset

    import shaderkd
    return {"python": platform.python_version(), "torch": torch.__version__,
            "torchvision": torchvision.__version__, "numpy": np.__version__,
            "webdataset": getattr(webdataset, "__version__", "?"), "shaderkd": shaderkd.__version__,
            "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "device": str(device),
            "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"}


def prepare_run_dir(out: Path, recipe: Recipe) -> bool:
    """Write config/seed for a new run or check them for a resumed one; True when resuming.

    A directory without a checkpoint (a run that failed or was killed before its first one) has
    nothing to resume and is started afresh, whatever its config.json says.
    """
    out.mkdir(parents=True, exist_ok=True)
    config = to_dict(recipe)
    cfg_path = out / "config.json"
    if cfg_path.exists() and has_checkpoint(out / "state.pt"):
        # through from_dict: keys added to the recipe schema since the run began take their defaults
        old = json.loads(json.dumps(to_dict(from_dict(read_json(cfg_path, "the run's recipe")))))
        new = json.loads(json.dumps(config))
        if old != new:
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            raise RunDirError(f"{out} holds a run with another configuration (differs in: {', '.join(diff)}); "
                              f"resume it with the same recipe and --set values, or choose a new --out")
        return True
    cfg_path.write_text(json.dumps(config, indent=1) + "\n")
    (out / "seed").write_text(f"{recipe.seed}\n")
    return False


def load_run_recipe(out: Path | str) -> Recipe:
    """The recipe a run directory was started with (to resume it without naming the recipe)."""
    path = Path(out) / "config.json"
    if not path.is_file():
        raise RunDirError(f"{out}: no config.json; is it a distillation run directory?")
    return from_dict(read_json(path, "the run's recipe"))
