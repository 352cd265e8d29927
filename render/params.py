"""Every sample's shader, time and parameters follow from (seed, index, attempt) alone.

That is what lets any shard be rendered on its own, on any machine, and a killed run be resumed
with identical output. A shader excluded from the run (compile failure, hang, too slow) is skipped
by drawing again from the same stream, so samples that never picked it keep their values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIME_RANGE = 60.0
NUM_PARAM_VECTORS = 4


class NoUsableShaderError(Exception):
    """Every shader of the bank is excluded: there is nothing to render."""


@dataclass(frozen=True)
class SampleSpec:
    index: int
    attempt: int
    shader: str
    time: float
    params: tuple[tuple[float, float, float, float], ...]

    def record(self) -> dict:
        return {"index": self.index, "attempt": self.attempt, "shader": self.shader,
                "time": self.time, "params": [list(v) for v in self.params]}


def draw(seed: int, index: int, attempt: int, names: list[str], excluded: frozenset[str] | set[str]) -> SampleSpec:
    """The sample `index` (redraw number `attempt`) of a run with `seed` over the sorted bank `names`."""
    if len(excluded) >= len(names) and set(names) <= set(excluded):
        raise NoUsableShaderError("every shader of the bank is excluded (see the render report for why)")
    rng = np.random.Generator(np.random.Philox(np.random.SeedSequence([seed, index, attempt])))
    while True:
        name = names[int(rng.integers(len(names)))]
        if name not in excluded:
            break
    # float32 values, stored as the exact doubles the GPU receives.
    t = float(np.float32(rng.uniform(0.0, TIME_RANGE)))
    p = rng.random((NUM_PARAM_VECTORS, 4)).astype(np.float32)
    return SampleSpec(index, attempt, name, t, tuple(tuple(float(x) for x in row) for row in p))
