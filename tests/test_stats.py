"""The bank's diversity measure: descriptors and statistics on images made here, then a bank end to end."""
import json
from pathlib import Path

import numpy as np
import pytest

from render import stats as S
from render.bank import Bank, Shader

FIXTURES = Path(__file__).parent / "fixtures" / "banks"
H = 64
Y, X = np.mgrid[0:H, 0:H] / H


def _img(f):
    return (np.clip(f, 0, 1) * 255).astype(np.uint8)


def _waves(phase=0.0, k=12.0):
    return _img(np.stack([0.5 + 0.5 * np.sin(k * X + 5 * Y + phase + i) for i in range(3)], -1))


def _solid(rgb):
    return np.broadcast_to(np.array(rgb, np.uint8), (H, H, 3)).copy()


def _stripes(period, vertical=False):
    s = (np.sin(2 * np.pi * (X if vertical else Y) * H / period) > 0).astype(float)
    return _img(np.repeat(s[..., None], 3, -1))


def _dist(a, b):
    return float(S.pairwise_distances(S.descriptors(np.stack([a, b])))[0, 1])


def test_distance_is_zero_for_the_same_image_and_bounded():
    rng = np.random.default_rng(0)
    images = np.stack([_waves(), _solid((255, 0, 0)), _stripes(8), rng.integers(0, 256, (H, H, 3), np.uint8)])
    d = S.pairwise_distances(S.descriptors(images))
    assert np.allclose(np.diag(d), 0.0, atol=1e-6)
    assert (d <= 1.0 + 1e-6).all() and (d[~np.eye(4, dtype=bool)] > 0.3).all()


def test_each_block_sees_what_it_should():
    # Colour only: two flat colours share no histogram bin, and neither has edges or spectrum.
    assert _dist(_solid((255, 0, 0)), _solid((0, 0, 255))) == pytest.approx(np.sqrt(1 / 3), abs=1e-6)
    # Orientation only: same colours and frequencies, edges at right angles.
    assert _dist(_stripes(8), _stripes(8, vertical=True)) == pytest.approx(np.sqrt(1 / 3), abs=1e-3)
    # Frequency (and little else): the same stripes, coarse versus fine.
    assert _dist(_stripes(32), _stripes(4)) > 0.3


def test_small_changes_stay_below_the_near_duplicate_threshold():
    base = _waves()
    assert _dist(base, np.roll(base, 2, axis=1)) < 0.05
    noisy = np.clip(base.astype(int) + np.random.default_rng(1).integers(-3, 4, base.shape), 0, 255).astype(np.uint8)
    assert _dist(base, noisy) < 0.05
    assert _dist(base, _waves(k=40.0)) > 0.05


def test_diversity_counts_duplicates_and_separates_within_from_between():
    same = S.descriptors(np.stack([_waves()] * 4))
    d = S.diversity(same, np.zeros(4, np.int64))
    assert d["diversity"] == pytest.approx(0.0, abs=1e-6) and d["near_duplicates"] == 1.0
    assert d["between_shader"] is None
    images = np.stack([_waves(0.0), _waves(0.3), _solid((10, 200, 30)), _stripes(6, True)])
    d = S.diversity(S.descriptors(images), np.array([0, 0, 1, 2]))
    assert d["near_duplicates"] == pytest.approx(1 / 6)
    assert d["within_shader"] < 0.05 < d["between_shader"]
    assert S.diversity(S.descriptors(images[:1]))["diversity"] is None


def test_pixel_statistics():
    checker = _img(np.repeat(((np.arange(H)[:, None] + np.arange(H)[None]) % 2)[..., None].astype(float), 3, -1))
    ramp = _img(np.repeat(X[..., None], 3, -1))
    st = S.pixel_stats(np.stack([_solid((128, 128, 128)), _solid((255, 0, 0)), checker, ramp]))
    assert st["colourfulness"][0] == pytest.approx(0.0, abs=1e-6)
    assert st["colourfulness"][1] == pytest.approx(0.3 * np.sqrt(1.25), abs=1e-5)   # red: only the mean term
    assert st["std"][0] == pytest.approx(0.0, abs=1e-6) and st["std"][2] == pytest.approx(0.5, abs=1e-3)
    assert st["edge_density"][0] == 0.0 and st["edge_density"][2] == 1.0 and st["edge_density"][3] == 0.0
    assert st["hf_energy"][2] > 0.9 > 0.05 > st["hf_energy"][3]


def test_descriptors_refuse_float_images():
    with pytest.raises(ValueError, match="uint8 images"):
        S.descriptors(np.zeros((2, 8, 8, 3), np.float32))


def _shader(name, family, usable=True):
    return Shader(name=name, family=family, licence="MIT", dialect="shaderkd", origin=name, code=name,
                  fragment="x" if usable else "", unsupported="" if usable else "needs a texture")


def test_summarise_groups_by_family_and_counts_statuses():
    bank = Bank("mem", (_shader("a1", "a"), _shader("a2", "a"), _shader("b1", "b"), _shader("b2", "b", False)))
    results = {"a1": {"status": "ok", "ms": 1.0, "images": np.stack([_waves(0.0), _waves(0.1)])},
               "a2": {"status": "ok", "ms": 3.0, "images": np.stack([_stripes(4), _stripes(4, True)])},
               "b1": {"status": "hang", "ms": None, "detail": "no progress for 10 s"},
               "b2": {"status": "unsupported", "ms": None, "detail": "needs a texture"}}
    report = S.summarise(bank, results, S.StatsConfig())
    a, b, total = report["families"]["a"], report["families"]["b"], report["overall"]
    assert (a["shaders"], a["ok"], a["images"], a["ms_per_frame_median"]) == (2, 2, 4, 2.0)
    assert (b["shaders"], b["ok"], b["diversity"]) == (2, 0, None)
    assert total["status"] == {"hang": 1, "ok": 2, "unsupported": 1}
    assert total["diversity"] == pytest.approx(a["diversity"])
    assert set(report["problems"]) == {"b1", "b2"}
    json.dumps(report)   # serialisable as it is (no NaN, no arrays)
    table = S.format_table(report)
    assert table.splitlines()[0].split()[:3] == ["family", "shaders", "ok"]
    assert "hang 1, ok 2, unsupported 1" in table


@pytest.mark.slow
def test_bank_stats_on_fixture_bank_reports_every_outcome(tmp_path):
    pytest.importorskip("moderngl")
    cfg = S.StatsConfig(size=32, per_shader=3, workers=1, timing_frames=1)
    report, results = S.bank_stats(str(FIXTURES / "glsl"), cfg)
    assert report["overall"]["status"] == {"compile": 1, "ok": 6, "unsupported": 1}
    assert results["st_shadertoy_broken"]["status"] == "compile"
    assert all(r["images"].shape == (3, 32, 32, 3) for r in results.values() if r["status"] == "ok")
    assert 0.1 < report["overall"]["diversity"] < 1.0
    assert report["families"]["twigl"]["ok"] == 5 and report["overall"]["ms_per_frame_median"] > 0
    sheet = S.contact_sheet(results, cell=32)
    assert sheet.width == 8 * (32 + 2) + 2        # 6 shaders: one row of 8 columns
    both = S.side_by_side([sheet, sheet], [S.headline(report), "b\nc"])
    assert both.width == 2 * sheet.width + 3 * 8 and "diversity" in S.headline(report)
    assert "fixtures/banks/glsl" in S.format_comparison([report, report]).splitlines()[2]
