"""Every sample's shader, time and parameters follow from (seed, index, attempt) alone.

That is what lets any shard be rendered on its own, on any machine, and a killed run be resumed
with identical output. A shader excluded from the run (compile failure, hang, too slow) is skipped
by drawing again from the same stream, so samples that never picked it keep their values.

`draw` is the definition: numpy's `Generator(Philox(SeedSequence([seed, index, attempt])))`, one
bounded integer per draw of a shader, then `uniform(0, TIME_RANGE)` and `random((4, 4))`.
`draw_many` gives the same samples, bit for bit, for a whole shard at once: it computes numpy's
SeedSequence hash, Philox4x64-10 blocks, Lemire's bounded integers and doubles with numpy array
operations over all samples (a fifth of `draw`'s time per sample, which was mostly the construction of
three numpy objects). tests/test_params.py compares the two over thousands of samples.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
# numpy is imported in the functions that draw: the render's parent imports this module for
# NoUsableShaderError and needs no numpy (~0.1 s of CPU a process).

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


def _check_usable(names, excluded) -> None:
    if len(excluded) >= len(names) and set(names) <= set(excluded):
        raise NoUsableShaderError("every shader of the bank is excluded (see the render report for why)")


def draw(seed: int, index: int, attempt: int, names: list[str], excluded: frozenset[str] | set[str]) -> SampleSpec:
    """The sample `index` (redraw number `attempt`) of a run with `seed` over the sorted bank `names`."""
    import numpy as np

    _check_usable(names, excluded)
    rng = np.random.Generator(np.random.Philox(np.random.SeedSequence([seed, index, attempt])))
    while True:
        name = names[int(rng.integers(len(names)))]
        if name not in excluded:
            break
    # float32 values, stored as the exact doubles the GPU receives.
    t = float(np.float32(rng.uniform(0.0, TIME_RANGE)))
    p = rng.random((NUM_PARAM_VECTORS, 4)).astype(np.float32)
    return SampleSpec(index, attempt, name, t, tuple(tuple(float(x) for x in row) for row in p))


def draw_many(seed: int, indices: list[int], attempts: list[int], names: list[str],
              excluded: frozenset[str] | set[str]) -> list[SampleSpec]:
    """[draw(seed, i, a, names, excluded) for i, a in zip(indices, attempts)], computed for all samples at
    once. Samples outside what the array path covers (an index or attempt outside [0, 2^64), a bank of
    more than 2^32 shaders, a sample that meets more excluded shaders in a row than its stream was
    computed for) are drawn by `draw` itself."""
    import numpy as np

    if len(indices) != len(attempts):
        raise ValueError(f"{len(indices)} indices but {len(attempts)} attempts")
    _check_usable(names, excluded)
    n = len(indices)
    if n == 0:
        return []
    fast = (isinstance(seed, int) and seed >= 0 and len(names) <= 1 << 32
            and all(isinstance(x, int) and 0 <= x < 1 << 64 for x in indices)
            and all(isinstance(x, int) and 0 <= x < 1 << 64 for x in attempts))
    if not fast:
        return [draw(seed, i, a, names, excluded) for i, a in zip(indices, attempts)]
    bad = [j for j, name in enumerate(names) if name in excluded] if excluded else []
    choice, times, params, done = _draw_arrays(seed, np.array(indices, np.uint64), np.array(attempts, np.uint64),
                                               len(names), np.array(bad, np.int64))
    times, params, choice, done = times.tolist(), params.tolist(), choice.tolist(), done.tolist()
    out = []
    for j in range(n):
        if done[j]:
            out.append(SampleSpec(indices[j], attempts[j], names[choice[j]], times[j],
                                  tuple(map(tuple, params[j]))))
        else:
            out.append(draw(seed, indices[j], attempts[j], names, excluded))
    return out


# ---- numpy's SeedSequence (numpy/random/bit_generator.pyx), over many entropy arrays at once ----

_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_POOL_SIZE = 4
_M32 = 0xFFFFFFFF


def _int_words(x: int) -> list[int]:
    """numpy's `_int_to_uint32_array`: the 32-bit words of a non-negative integer, least significant
    first, at least one."""
    words = [x & _M32]
    x >>= 32
    while x:
        words.append(x & _M32)
        x >>= 32
    return words


def _seed_keys(entropy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint32 [N, L] entropy words -> the Philox keys (two uint64 [N]) that
    `Philox(SeedSequence(words))` takes: `SeedSequence.generate_state(2, np.uint64)`."""
    import numpy as np

    n, length = entropy.shape
    hash_const = _INIT_A

    def hashmix(value):
        nonlocal hash_const
        value = value ^ np.uint32(hash_const)
        hash_const = (hash_const * _MULT_A) & _M32
        value = value * np.uint32(hash_const)
        return value ^ (value >> np.uint32(16))

    def mix(x, y):
        r = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
        return r ^ (r >> np.uint32(16))

    zero = np.zeros(n, np.uint32)
    pool = [hashmix(entropy[:, i] if i < length else zero) for i in range(_POOL_SIZE)]
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL_SIZE, length):
        for dst in range(_POOL_SIZE):
            pool[dst] = mix(pool[dst], hashmix(entropy[:, src]))
    hash_const = _INIT_B
    state = []
    for i in range(4):  # generate_state(2, uint64): 4 words from the pool, in order
        value = pool[i % _POOL_SIZE] ^ np.uint32(hash_const)
        hash_const = (hash_const * _MULT_B) & _M32
        value = value * np.uint32(hash_const)
        state.append((value ^ (value >> np.uint32(16))).astype(np.uint64))
    shift = np.uint64(32)
    return state[0] | (state[1] << shift), state[2] | (state[3] << shift)


# ---- Philox4x64-10 (numpy/random/src/philox/philox.h, Random123) ----

_PHILOX_M = (0xD2E7470EE14C6C93, 0xCA5A826395121157)
_PHILOX_W = (0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B)


def _mulhi(a: int, b: np.ndarray) -> np.ndarray:
    """The high 64 bits of the 128-bit product a * b (a a constant), from 32-bit halves."""
    import numpy as np

    u32, low = np.uint64(32), np.uint64(_M32)
    a_lo, a_hi = np.uint64(a & _M32), np.uint64(a >> 32)
    b_lo, b_hi = b & low, b >> u32
    lo_lo, hi_lo = b_lo * a_lo, b_hi * a_lo
    cross = (lo_lo >> u32) + (hi_lo & low) + b_lo * a_hi
    return (hi_lo >> u32) + (cross >> u32) + b_hi * a_hi


def _philox_words(k0: np.ndarray, k1: np.ndarray, blocks: int) -> np.ndarray:
    """uint64 [N, 4 * blocks]: the first 4 * blocks outputs of `Philox(key=(k0, k1))` (counter 0, so block
    b is the Philox of counter b + 1: numpy bumps the counter before it computes a block)."""
    import numpy as np

    n = len(k0)
    m0, m1 = (np.uint64(m) for m in _PHILOX_M)
    w0, w1 = (np.uint64(w) for w in _PHILOX_W)
    k0 = np.repeat(k0, blocks)
    k1 = np.repeat(k1, blocks)
    c0 = np.tile(np.arange(1, blocks + 1, dtype=np.uint64), n)
    c1 = c2 = c3 = np.zeros(n * blocks, np.uint64)
    for r in range(10):
        if r:
            k0 = k0 + w0
            k1 = k1 + w1
        hi0, lo0 = _mulhi(_PHILOX_M[0], c0), c0 * m0
        hi1, lo1 = _mulhi(_PHILOX_M[1], c2), c2 * m1
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return np.stack([c0, c1, c2, c3], axis=1).reshape(n, 4 * blocks)


_DOUBLES = 1 + NUM_PARAM_VECTORS * 4  # 64-bit words a sample takes after its shader: time, parameters


def _draw_arrays(seed: int, indices: np.ndarray, attempts: np.ndarray, n_names: int,
                 excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For uint64 indices and attempts [N] and a bank of n_names shaders of which the positions
    `excluded` (int64) are excluded: (shader position int64 [N], time float32 [N], parameters float32
    [N, 4, 4], done bool [N]); where done is False the sample met more rejections in a row than its
    stream was computed for (its other values are then meaningless)."""
    import numpy as np

    u32, low = np.uint64(32), np.uint64(_M32)
    n = len(indices)
    seed_words = _int_words(seed)
    k0, k1 = np.empty(n, np.uint64), np.empty(n, np.uint64)
    # SeedSequence's entropy is the words of seed, index and attempt; an index or attempt of 2^32 or
    # more has two words, so samples are hashed in groups of one entropy length
    wide_i, wide_a = indices >> u32 != 0, attempts >> u32 != 0
    for wi in (False, True):
        for wa in (False, True):
            sel = np.flatnonzero((wide_i == wi) & (wide_a == wa))
            if len(sel) == 0:
                continue
            cols = [np.full(len(sel), w, np.uint32) for w in seed_words]
            for values, wide in ((indices[sel], wi), (attempts[sel], wa)):
                cols.append((values & low).astype(np.uint32))
                if wide:
                    cols.append((values >> u32).astype(np.uint32))
            k0[sel], k1[sel] = _seed_keys(np.stack(cols, axis=1))
    # 32-bit draws of a shader come from the 64-bit outputs, low half then high half; a bank of
    # one shader draws nothing (numpy returns the only value). The stream is made long enough that a
    # sample is redrawn (an excluded shader, a Lemire rejection) more times in a row than it holds
    # with probability below ~1e-6 (`draw` does those); a bank with no exclusion has room for 5.
    rng_excl = n_names
    draws = 0
    if n_names > 1:
        threshold = ((1 << 32) - n_names) % n_names
        bad = 1.0 - (1.0 - len(excluded) / n_names) * (1.0 - threshold / (1 << 32))  # a draw is redrawn
        draws = 1 if bad < 1e-6 else min(256, math.ceil(math.log(1e-6) / math.log(bad)))
    blocks = -(-((draws + 1) // 2 + _DOUBLES) // 4)
    words = _philox_words(k0, k1, blocks)
    if n_names > 1:
        draws = 2 * (4 * blocks - _DOUBLES)  # as many as the stream has room for
        halves = words[:, :draws // 2]
        u = np.empty((n, draws), np.uint64)
        u[:, 0::2] = halves & low
        u[:, 1::2] = halves >> u32
        # Lemire's bounded integers (numpy's buffered_bounded_lemire_uint32, the path `integers` takes
        # for a bound below 2^32): m = u * bound, rejected while m's low word < (2^32 - bound) % bound
        m = u * np.uint64(rng_excl)
        ok = (m & low) >= np.uint64(threshold)
        values = (m >> u32).astype(np.int64)
        if len(excluded):
            ok &= ~np.isin(values, excluded)
        done = ok.any(axis=1)
        first = ok.argmax(axis=1)
        choice = values[np.arange(n), first]
        start = (first + 2) // 2  # 64-bit words the first+1 32-bit draws took
    else:
        done = np.ones(n, bool)
        choice = np.zeros(n, np.int64)
        start = np.zeros(n, np.int64)
    taken = np.take_along_axis(words, start[:, None] + np.arange(_DOUBLES), axis=1)
    doubles = (taken >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)  # next_double
    times = (0.0 + TIME_RANGE * doubles[:, 0]).astype(np.float32)   # random_uniform: low + range * d
    params = doubles[:, 1:].astype(np.float32).reshape(n, NUM_PARAM_VECTORS, 4)
    return choice, times, params, done
