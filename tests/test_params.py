"""`params.draw_many` gives exactly `params.draw`'s samples (numpy's SeedSequence + Philox + Lemire
integers + doubles, reimplemented over arrays): every shader, time and parameter bit for bit."""
import random

import numpy as np
import pytest

from render import params as P
from render.params import NoUsableShaderError, draw, draw_many


def _names(n):
    return [f"shader{i:05d}" for i in range(n)]


def _compare(seed, indices, attempts, names, excluded):
    got = draw_many(seed, indices, attempts, names, excluded)
    want = [draw(seed, i, a, names, excluded) for i, a in zip(indices, attempts)]
    assert got == want
    # == on floats: also the same bits (no -0.0 / 0.0 or NaN cases here, but say it)
    for g, w in zip(got, want):
        assert np.array_equal(np.array([g.time, *np.ravel(g.params)]).view(np.uint64),
                              np.array([w.time, *np.ravel(w.params)]).view(np.uint64))
    return got


@pytest.mark.parametrize("n_names,excluded_every", [(1, 0), (2, 0), (3, 2), (7, 3), (143, 0), (143, 5),
                                                     (400, 10), (1000, 2), (50, 1)])
def test_draw_many_equals_draw_on_banks_with_and_without_exclusions(n_names, excluded_every):
    names = _names(n_names)
    if excluded_every == 1:  # all but the last two excluded: long runs of redraws
        excluded = frozenset(names[:-2])
    elif excluded_every:
        excluded = frozenset(names[::excluded_every])
    else:
        excluded = frozenset()
    rnd = random.Random(n_names * 31 + excluded_every)
    for seed in (0, 5, rnd.randrange(1 << 32)):
        indices = sorted(rnd.sample(range(10_000_000), 150))
        attempts = [rnd.choice((0, 0, 0, 1, 2, 7, 63)) for _ in indices]
        got = _compare(seed, indices, attempts, names, excluded)
        assert not {s.shader for s in got} & excluded


def test_draw_many_equals_draw_for_wide_seeds_indices_and_attempts():
    """Integers of 2^32 and more have two or more 32-bit words in SeedSequence's entropy."""
    names, excluded = _names(143), frozenset(_names(143)[::4])
    big = [0, 1, (1 << 32) - 1, 1 << 32, (1 << 32) + 1, (1 << 63) + 12345, (1 << 64) - 1]
    for seed in (0, 1 << 31, (1 << 32) - 1, 1 << 32, 1 << 40, (1 << 64) + 5, 1 << 100, 3 ** 90):
        indices = big + [7, 123456]
        attempts = [big[(k * 3) % len(big)] for k in range(len(indices))]
        _compare(seed, indices, attempts, names, excluded)


def test_draw_many_outside_the_array_path_is_draw_itself():
    names = _names(10)
    # an index of 2^64 or more is drawn one by one by `draw`; the others still in the array path
    _compare(3, [5, 1 << 64, (1 << 70) + 3], [0, 1, 2], names, frozenset())
    with pytest.raises(ValueError):       # numpy refuses a negative entropy word: so does draw_many
        draw_many(3, [-1], [0], names, frozenset())
    with pytest.raises(TypeError):
        draw_many(1.5, [0], [0], names, frozenset())
    with pytest.raises(ValueError):
        draw_many(3, [1, 2], [0], names, frozenset())
    with pytest.raises(NoUsableShaderError):
        draw_many(3, [1], [0], names, frozenset(names))
    assert draw_many(3, [], [], names, frozenset()) == []


def test_a_sample_past_its_computed_stream_is_drawn_by_draw():
    """199 of 200 shaders excluded: the array path holds 256 draws a sample, so ~28% of the samples
    run past it and are drawn by `draw`; all still equal."""
    names = _names(200)
    excluded = frozenset(names[1:])
    indices = list(range(300))
    _, _, _, done = P._draw_arrays(9, np.array(indices, np.uint64), np.zeros(300, np.uint64), 200,
                                   np.arange(1, 200))
    assert 0 < (~done).sum() < 300
    got = _compare(9, indices, [0] * 300, names, excluded)
    assert {s.shader for s in got} == {names[0]}


@pytest.mark.parametrize("n", [3 << 30, (1 << 31) + 1, (1 << 32) - 1, 1 << 32])
def test_lemire_rejections_at_bounds_where_they_are_frequent(n):
    """At a bank's size a rejection happens once in ~2^32 / n draws (never seen in the tests above);
    at these bounds a quarter to a half of the draws are rejected. Compared with numpy's own
    `integers`, then the doubles that follow (n = 2^32 takes numpy's unbounded 32-bit path)."""
    seeds = [(11, i, i % 3) for i in range(400)]
    choice, times, params, done = P._draw_arrays(11, np.array([s[1] for s in seeds], np.uint64),
                                                 np.array([s[2] for s in seeds], np.uint64), n,
                                                 np.zeros(0, np.int64))
    rejected = 0
    for j, entropy in enumerate(seeds):
        rng = np.random.Generator(np.random.Philox(np.random.SeedSequence(list(entropy))))
        value = int(rng.integers(n))
        assert done[j] and choice[j] == value
        assert times[j] == np.float32(rng.uniform(0.0, P.TIME_RANGE))
        assert np.array_equal(params[j], rng.random((4, 4)).astype(np.float32))
        # count the samples whose first 32-bit draw was rejected (so the test sees rejections)
        first = np.random.Philox(np.random.SeedSequence(list(entropy))).random_raw() & 0xFFFFFFFF
        rejected += (first * n) & 0xFFFFFFFF < ((1 << 32) - n) % n
    assert rejected > 40 or n >= (1 << 32) - 1


def test_philox_and_seed_keys_equal_numpy():
    rnd = random.Random(1)
    entropy = [[rnd.randrange(1 << 32) for _ in range(length)] for length in (1, 3, 4, 5, 9) for _ in range(20)]
    for words in entropy:
        k0, k1 = P._seed_keys(np.array([words], np.uint32))
        bg = np.random.Philox(np.random.SeedSequence(np.array(words, np.uint32)))
        assert [int(k0[0]), int(k1[0])] == bg.state["state"]["key"].tolist()
        assert P._philox_words(k0, k1, 3)[0].tolist() == bg.random_raw(12).tolist()
