"""The project's own bank: breadth, headers, parameter use, and every shader usable on llvmpipe."""
import re
from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import ROOT
from render.bank import load_bank

BANK = ROOT / "shaders"


@pytest.fixture(scope="module")
def bank():
    return load_bank(BANK)


def test_bank_breadth_and_headers(bank):
    families = Counter(s.family for s in bank.shaders)
    assert len(bank) >= 120, f"only {len(bank)} shaders"
    assert len(families) >= 12 and min(families.values()) >= 5, families
    for s in bank.shaders:
        assert s.usable and s.dialect == "shaderkd", s.name
        assert s.licence == "MIT (shaderkd project)", s.name
        assert s.name.startswith(s.family + "_"), s.name
        assert s.origin.endswith(f"{s.family}/{s.name}.glsl"), s.origin


def test_every_shader_reads_all_four_parameter_vectors(bank):
    for s in bank.shaders:
        for k in range(4):
            assert re.search(rf"\buP{k}\b", s.code), f"{s.name} never reads uP{k}"


def test_every_parameter_vector_changes_the_image(bank):
    """Each shader's look depends on each of uP0..uP3 (not only on time)."""
    from render.context import GLRenderer

    gl = GLRenderer(32)
    rng = np.random.default_rng(7)
    dead = []
    for s in bank.shaders:
        prog = gl.compile(s.name, s.fragment)
        base = {f"uP{k}": tuple(rng.random(4)) for k in range(4)} | {"uTime": 3.0}
        variants = [base] + [base | {f"uP{k}": tuple(rng.random(4))} for k in range(4)]
        frames = gl.render(prog, variants)
        for k in range(4):
            if np.abs(frames[k + 1] - frames[0]).max() < 1e-3:
                dead.append(f"{s.name}: uP{k}")
        gl.release(prog)
    assert not dead, dead


@pytest.mark.slow
def test_bank_check_passes_cleanly_at_32_and_128_px():
    from render.cli import bank_group

    res = CliRunner().invoke(bank_group, ["check", str(BANK), "--size", "32", "--size", "128", "--frames", "2"])
    assert res.exit_code == 0, res.output
    assert re.search(r"shaders, 0 problem\(s\)", res.output), res.output
