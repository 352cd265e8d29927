"""Batched augmentation: per-image parameters differ within a batch and replay from the seed."""
import pytest
import torch

from train.augment import RANDAUG_OPS, AugmentConfig, Augmenter, equalize, sample_beta
from train.transform import match_channels

torch.set_num_threads(1)
FULL = AugmentConfig(crop="resized", rotate=20, hflip=0.5, vflip=0.5, jitter=1.0, randaug_n=2, randaug_m=9,
                     mixup=0.3, cutmix=0.3, autocontrast=0.5, gamma=(0.5, 4.0), invert=0.3, binarize=0.3)


def images(n=32, c=3, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, c, 4, 4, generator=g)
    return torch.nn.functional.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)


def test_parameters_differ_per_image_and_replay_from_seed():
    aug = Augmenter(FULL, (28, 28), 1)
    p1 = aug.draw(64, (32, 32), torch.Generator().manual_seed(7))
    p2 = aug.draw(64, (32, 32), torch.Generator().manual_seed(7))
    p3 = aug.draw(64, (32, 32), torch.Generator().manual_seed(8))
    assert p1.keys() == p2.keys() and all(torch.equal(p1[k], p2[k]) for k in p1)
    assert any(not torch.equal(p1[k], p3[k]) for k in p1)
    for key in ("theta", "brightness", "contrast", "saturation", "hue", "mixup_lam", "cutmix_lam", "gamma",
                "binarize_level", "binarize_steepness"):
        flat = p1[key].reshape(64, -1)
        assert len(torch.unique(flat, dim=0)) > 60, key      # (almost) every image its own value
    assert len(torch.unique(p1["ra_op"][:, 0])) > 5          # many different RandAugment ops in one batch
    assert 0 < p1["mixup"].float().mean() < 1 and not (p1["mixup"] & p1["cutmix"]).any()


def test_same_image_comes_out_differently_but_reproducibly():
    x = images(1).expand(16, -1, -1, -1).contiguous()   # sixteen copies of one image
    aug = Augmenter(AugmentConfig(randaug_n=1, rotate=15), (28, 28), 1)
    y1 = aug(x, torch.Generator().manual_seed(3))
    y2 = aug(x, torch.Generator().manual_seed(3))
    assert y1.shape == (16, 1, 28, 28) and torch.equal(y1, y2)
    assert len(torch.unique(y1.flatten(1), dim=0)) == 16
    assert y1.min() >= 0 and y1.max() <= 1


def test_pad_crop_is_an_exact_integer_shift_and_flip_is_exact():
    x = images(8, size=16)
    aug = Augmenter(AugmentConfig(crop="pad", pad=3, hflip=0.5, jitter=0, fill="zeros"), (16, 16), 3)
    p = aug.draw(8, (16, 16), torch.Generator().manual_seed(1))
    y = aug.apply(x, p)
    for i in range(8):
        dx = int(round(p["theta"][i, 0, 2].item() * 8))
        dy = int(round(p["theta"][i, 1, 2].item() * 8))
        flipped = p["theta"][i, 0, 0].item() < 0
        src = x[i].flip(-1) if flipped else x[i]
        dx = -dx if flipped else dx   # the shift is applied in the source frame, before the mirror
        # output pixel (r, c) reads pixel (r + dy, c + dx) of the (flipped) image
        ref = torch.zeros_like(src)
        h = w = 16
        rs, cs = slice(max(0, -dy), min(h, h - dy)), slice(max(0, -dx), min(w, w - dx))
        rs_in, cs_in = slice(rs.start + dy, rs.stop + dy), slice(cs.start + dx, cs.stop + dx)
        ref[:, rs, cs] = src[:, rs_in, cs_in]
        assert torch.allclose(y[i], ref, atol=1e-5), i


def test_disabled_only_resizes_and_converts():
    x = images(4)
    aug = Augmenter(AugmentConfig(enabled=False), (32, 32), 3)
    assert torch.allclose(aug(x, torch.Generator().manual_seed(0)), x, atol=1e-6)
    grey = Augmenter(AugmentConfig(enabled=False), (28, 28), 1)(x, torch.Generator())
    assert grey.shape == (4, 1, 28, 28)


def test_every_randaugment_op_runs_and_stays_in_range():
    x = images(len(RANDAUG_OPS) * 2)
    aug = Augmenter(AugmentConfig(crop="none", hflip=0, jitter=0, randaug_n=1, randaug_m=30), (32, 32), 3)
    ops = torch.arange(len(RANDAUG_OPS)).repeat(2).view(-1, 1)
    y = aug._randaug_layer(x, ops[:, 0], torch.ones(len(ops)))
    assert y.min() >= 0 and y.max() <= 1
    changed = (y - x).abs().flatten(1).amax(1) > 1e-3
    assert not changed[0] and changed[1:len(RANDAUG_OPS)].all()  # identity leaves the image alone


def test_tone_ops():
    x = images(64) * 0.5 + 0.25                           # mid-grey, low contrast
    aug = Augmenter(AugmentConfig(crop="none", hflip=0, jitter=0, autocontrast=1.0, gamma=(3.0, 3.0),
                                  invert=0.5, binarize=0.0), (32, 32), 1)
    p = aug.draw(64, (32, 32), torch.Generator().manual_seed(0))
    y = aug.apply(x, p)
    lo, hi = y.flatten(1).amin(1), y.flatten(1).amax(1)
    inv = p["invert"]
    assert 0.2 < inv.float().mean() < 0.8
    # stretched to [0, 1], then cubed (darker), then inverted for some images
    assert torch.allclose(lo[~inv], torch.zeros(1), atol=1e-5) and torch.allclose(hi[~inv], torch.ones(1), atol=1e-5)
    assert (y[~inv].mean() < 0.35) and (y[inv].mean() > 0.65)
    b = Augmenter(AugmentConfig(crop="none", hflip=0, jitter=0, binarize=1.0), (32, 32), 1)(x, torch.Generator())
    assert ((b < 0.1) | (b > 0.9)).float().mean() > ((x < 0.1) | (x > 0.9)).float().mean()


def test_channels_and_equalize():
    x = images(2)
    g = match_channels(x, 1)
    assert torch.allclose(g[:, 0], 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])
    assert match_channels(g, 3).shape == (2, 3, 32, 32)
    with pytest.raises(ValueError, match="channels"):
        match_channels(torch.zeros(1, 2, 4, 4), 3)
    e = equalize(x * 0.2 + 0.4)                        # a low-contrast image spreads to the full range
    assert e.amax().item() == pytest.approx(1.0) and e.amin().item() < 0.05


def test_beta_sampler_moments():
    s = sample_beta(0.5, 20000, torch.Generator().manual_seed(0))
    assert s.mean().item() == pytest.approx(0.5, abs=0.02)
    assert s.var().item() == pytest.approx(0.125, abs=0.01)      # ab / ((a+b)^2 (a+b+1))


def test_bad_config_is_named():
    with pytest.raises(ValueError, match="augment.crop"):
        AugmentConfig(crop="random")
    with pytest.raises(ValueError, match="hflip"):
        AugmentConfig(hflip=2)
