"""The Shadertoy corpus of ../shared through the ordinary loaders: code nobody here wrote.

Measured on llvmpipe (Mesa 22.3.6): all 1,733 load and are usable (the corpus was chosen for having
no inputs), and 1,729 compile; the 4 that do not rely on ANGLE leniencies (`#elseif`) or on Shadertoy
extras (`st_assert`). The thresholds below leave room for other drivers.
"""
import collections
import random

import numpy as np
import pytest

from conftest import shared_path
from render import dialects
from render.bank import load_bank

pytestmark = pytest.mark.shared
CORPUS = ("data", "shadertoy-permissive", "shaders.jsonl")


@pytest.fixture(scope="module")
def corpus():
    return load_bank(shared_path(*CORPUS))


def test_corpus_loads_with_names_licences_and_reasons(corpus):
    assert len(corpus) == 1733
    assert all(s.name.startswith("st_") and s.dialect == "shadertoy" for s in corpus.shaders)
    assert collections.Counter(s.licence for s in corpus.shaders).keys() <= {"MIT", "CC0/public-domain"}
    usable = [s for s in corpus.shaders if s.usable]
    reasons = collections.Counter(s.unsupported for s in corpus.shaders if not s.usable)
    assert len(usable) / len(corpus) >= 0.98, reasons.most_common(5)
    assert all(r for r in reasons)   # every skipped shader says why
    # Licence headers travel with the compiled source.
    first = corpus.shaders[0]
    head = next(line for line in first.code.splitlines() if line.strip())
    assert head in first.fragment


def test_corpus_hash_is_stable_and_covers_every_source(corpus):
    again = load_bank(shared_path(*CORPUS))
    assert again.hash == corpus.hash
    changed = [s if s is not corpus.shaders[7] else dialects.shadertoy_shader(s.name, s.code + "\n//", s.origin, s.licence)
               for s in corpus.shaders]
    from render.bank import bank_hash
    assert bank_hash(changed) != corpus.hash


@pytest.mark.slow
def test_a_sample_of_the_corpus_compiles_and_draws(corpus):
    pytest.importorskip("moderngl")
    from render.context import GLRenderer, ShaderCompileError

    sample = random.Random(0).sample([s for s in corpus.shaders if s.usable], 100)
    gl = GLRenderer(8)
    failures, drawn = {}, 0
    try:
        for s in sample:
            try:
                prog = gl.compile(s.name, s.fragment)
            except ShaderCompileError as exc:
                failures[s.name] = exc.log
                continue
            if drawn < 10:   # a few draws at 8 px: no crash, finite output of the right shape
                frames = gl.render(prog, [{"uTime": 1.0, "uP0": (0.5, 0.5, 0.5, 0.5)}])
                assert frames.shape == (1, 8, 8, 3) and np.isfinite(frames).any()
                drawn += 1
            gl.release(prog)
    finally:
        gl.close()
    assert (100 - len(failures)) / 100 >= 0.95, {k: v[:200] for k, v in failures.items()}
    assert all("error" in log.lower() for log in failures.values())
