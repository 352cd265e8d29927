"""The authors' recipe options (issue 14): elastic distortion, inversion, RandAugment n = 4, per-image
mixup weights, the bold-driver attack and its deeper sample, and the recipes that use them."""
import dataclasses

import pytest
import torch
from torch import nn
from torchvision.transforms.v2 import functional as TF

from train.attack import AttackConfig
from train.attack_bold import bold_attack
from train.augment import AugmentConfig, Augmenter
from train.elastic import apply_elastic, blur_matrix, displacement, draw_elastic, kernel_size
from train.recipe import RecipeError, load_recipe

torch.set_num_threads(1)
OFF = dict(crop="none", hflip=0.0, jitter=0.0)   # everything else off: the op under test is alone


def images(n=16, c=3, size=28, seed=0):
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, c, 7, 7, generator=g)
    return nn.functional.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)


# ---------------------------------------------------------------- elastic

@pytest.mark.parametrize("sigma,size", [(5.0, 28), (0.7, 32), (2.0, 17)])
def test_blur_matrix_is_torchvisions_gaussian_blur(sigma, size):
    noise = torch.rand(4, 2, size, size) * 2 - 1
    k = kernel_size(sigma, size)
    m = blur_matrix(size, sigma, k)
    assert torch.allclose(m @ noise @ m.T, TF.gaussian_blur(noise, [k, k], [sigma, sigma]), atol=1e-5)


def test_elastic_matches_torchvision_per_image():
    """Every image gets torchvision's elastic transform with its own field; unflagged ones are untouched."""
    cfg = AugmentConfig(**OFF, elastic=0.5, elastic_alpha=50.0, elastic_sigma=5.0)
    x = images(32)
    p = draw_elastic(cfg, 32, (28, 28), torch.Generator().manual_seed(0))
    assert 0 < p["elastic"].float().mean() < 1
    y = apply_elastic(x, p, cfg)
    disp = displacement(p["elastic_noise"], 50.0, 5.0)
    for i in range(32):
        if p["elastic"][i]:
            ref = TF.elastic(x[i:i + 1], disp[i:i + 1], fill=None)
            assert torch.allclose(y[i:i + 1], ref, atol=1e-5)
            assert (y[i] - x[i]).abs().max() > 1e-3          # it moved something
        else:
            assert torch.equal(y[i], x[i])
    # the fields differ from image to image
    assert len(torch.unique(disp.flatten(1).round(decimals=5), dim=0)) == 32


def test_elastic_in_the_augmenter_replays_and_leaves_other_draws_alone():
    base = AugmentConfig(randaug_n=2, mixup=0.5)
    with_el = dataclasses.replace(base, elastic=1.0)
    x = images(16, size=32)
    a0, a1 = Augmenter(base, (28, 28), 1), Augmenter(with_el, (28, 28), 1)
    p0 = a0.draw(16, (32, 32), torch.Generator().manual_seed(3))
    p1 = a1.draw(16, (32, 32), torch.Generator().manual_seed(3))
    assert "elastic" not in p0 and all(torch.equal(p0[k], p1[k]) for k in p0)   # old runs replay exactly
    y1 = a1(x, torch.Generator().manual_seed(3))
    assert torch.equal(y1, a1(x, torch.Generator().manual_seed(3)))
    assert not torch.equal(y1, a0(x, torch.Generator().manual_seed(3)))
    assert y1.shape == (16, 1, 28, 28) and 0 <= y1.min() and y1.max() <= 1


def test_elastic_bad_settings_are_named():
    with pytest.raises(ValueError, match="augment.elastic is a probability"):
        AugmentConfig(elastic=1.5)
    with pytest.raises(ValueError, match="elastic_sigma"):
        AugmentConfig(elastic=0.5, elastic_sigma=-1)


# ---------------------------------------------------------------- inversion, RandAugment, mixup

def test_inversion_probability():
    aug = Augmenter(AugmentConfig(**OFF, invert=0.1), (28, 28), 3)
    x = images(2000, size=28)
    p = aug.draw(2000, (28, 28), torch.Generator().manual_seed(0))
    y = aug.apply(x, p)
    inv = p["invert"]
    assert 0.07 < inv.float().mean() < 0.13
    assert torch.allclose(y[inv], 1 - x[inv]) and torch.equal(y[~inv], x[~inv])


def test_randaugment_four_ops_at_magnitude_14():
    x = images(64, size=32)
    outs = {}
    for n, m in [(0, 14.0), (4, 14.0), (4, 2.0)]:
        aug = Augmenter(AugmentConfig(**OFF, randaug_n=n, randaug_m=m), (32, 32), 3)
        p = aug.draw(64, (32, 32), torch.Generator().manual_seed(1))
        assert n == 0 or p["ra_op"].shape == (64, 4)
        outs[n, m] = aug.apply(x, p)
    assert torch.allclose(outs[0, 14.0], x)
    strong, weak = (outs[4, 14.0] - x).abs().mean(), (outs[4, 2.0] - x).abs().mean()
    assert strong > 2 * weak > 0                   # magnitude 14 changes images far more than 2


def test_mixup_on_every_image_with_its_own_beta_weight():
    aug = Augmenter(AugmentConfig(**OFF, mixup=1.0, mixup_alpha=1.0), (32, 32), 3)
    x = images(256, size=32)
    p = aug.draw(256, (32, 32), torch.Generator().manual_seed(2))
    assert p["mixup"].all() and not p["cutmix"].any()
    lam = p["mixup_lam"]
    assert len(torch.unique(lam)) == 256
    assert abs(lam.mean() - 0.5) < 0.05 and abs(lam.var() - 1 / 12) < 0.02      # Beta(1, 1) = U(0, 1)
    y = aug.apply(x, p)
    ref = lam.view(-1, 1, 1, 1) * x + (1 - lam.view(-1, 1, 1, 1)) * x[p["partner"]]
    assert torch.allclose(y, ref.clamp(0, 1), atol=1e-6)


# ---------------------------------------------------------------- bold-driver attack

def teacher(scale=1.0, seed=0):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                        nn.Linear(128, 10))

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x) * scale
    return Scaled().eval()


def batch(n=48, seed=1):
    return torch.rand(n, 3, 16, 16, generator=torch.Generator().manual_seed(seed))


def bold(**kw):
    base = dict(kind="bold", eps=0.3, steps=30, step_size=0.005, grow=1.1, shrink=0.5, confidence=0.9)
    return AttackConfig(**{**base, **kw})


def test_bold_attack_stops_just_across_with_a_low_confidence():
    t, x = teacher(scale=200.0), batch()    # a steep teacher: most first crossings are confident
    cfg = bold(step_size=0.05, eps=0.5)
    r = bold_attack(t, x, cfg, torch.Generator().manual_seed(0))
    assert r.accepted.float().mean() > 0.7 and (r.target != r.original).all()
    with torch.no_grad():
        conf_after, pred_after = t(r.after).softmax(1).max(1)
        pred_before = t(r.before).argmax(1)
    a = r.accepted
    assert (pred_after[a] != r.original[a]).all() and (pred_before[r.flipped] == r.original[r.flipped]).all()
    assert (conf_after[a] < cfg.confidence).all()
    for img in (r.before, r.after):
        assert (img - x).abs().max() <= cfg.eps + 1e-6 and img.min() >= 0 and img.max() <= 1
    # without the step back (confidence 1: any crossing is accepted) many crossings are confident
    loose = bold_attack(t, x, dataclasses.replace(cfg, confidence=1.0), torch.Generator().manual_seed(0))
    with torch.no_grad():
        conf_loose = t(loose.after).softmax(1).max(1).values
    assert (conf_loose[loose.flipped] >= 0.9).float().mean() > 0.5
    assert r.steps.float().mean() > loose.steps.float().mean()       # stepping back costs steps


def test_bold_step_grows_while_not_across():
    t, x = teacher(), batch()
    slow = bold_attack(t, x, bold(grow=1.0, steps=60), torch.Generator().manual_seed(0))
    fast = bold_attack(t, x, bold(grow=1.1, steps=60), torch.Generator().manual_seed(0))
    both = slow.flipped & fast.flipped
    assert both.float().mean() > 0.5
    assert fast.steps[both].float().mean() < 0.8 * slow.steps[both].float().mean()


def test_bold_deeper_sample_crosses_a_second_boundary():
    t, x = teacher(scale=5.0), batch()
    cfg = bold(deeper=True)
    r = bold_attack(t, x, cfg, torch.Generator().manual_seed(0))
    assert r.deeper is not None and r.images().shape == (3 * len(x), *x.shape[1:])
    d = r.flipped & r.deeper_flipped
    assert d.float().mean() > 0.5
    with torch.no_grad():
        c_after, c_deep = t(r.after).argmax(1), t(r.deeper).argmax(1)
    assert (c_deep[d] != c_after[d]).all()                          # past a second boundary
    assert ((r.deeper - r.after).abs().amax(dim=(1, 2, 3)) <= cfg.eps + 1e-6).all()
    # reproducible from the generator
    r2 = bold_attack(t, x, cfg, torch.Generator().manual_seed(0))
    assert torch.equal(r.images(), r2.images())
    assert bold_attack(t, x, bold(), torch.Generator().manual_seed(0)).deeper is None


def test_bold_attack_leaves_the_teacher_alone():
    t = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 14 * 14, 10)).train()
    stats = t[1].running_mean.clone()
    bold_attack(t, batch(8), bold(steps=3, deeper=True), torch.Generator())
    assert t.training and torch.equal(t[1].running_mean, stats) and all(p.grad is None for p in t.parameters())


# ---------------------------------------------------------------- recipes

def test_authors_recipes_set_the_authors_options():
    for name in ("mnist-authors", "cifar10-authors"):
        r = load_recipe(name)
        a, o = r.augment, r.optim
        assert (a.randaug_n, a.randaug_m, a.elastic, a.elastic_alpha, a.elastic_sigma, a.invert) == (4, 14.0, 0.5, 50.0, 5.0, 0.1)
        assert (a.mixup, a.mixup_alpha, a.cutmix) == (1.0, 1.0, 0.0)
        assert (r.attack.kind, r.attack.grow, r.attack.shrink, r.attack.confidence, r.attack.deeper) == ("bold", 1.1, 0.5, 0.9, True)
        assert (o.temperature, o.weight_decay, o.momentum, o.nesterov, o.min_lr_ratio) == (5.0, 1e-4, 0.9, False, 1e-5)


def test_bad_bold_settings_are_named():
    with pytest.raises(RecipeError, match="attack.deeper needs attack.kind = 'bold'"):
        load_recipe("mnist-lenet5", ["attack.deeper=true"])
    with pytest.raises(RecipeError, match="attack.confidence must be in"):
        load_recipe("mnist-authors", ["attack.confidence=1.5"])


def test_a_run_with_the_authors_options_resumes_exactly(world, tmp_path):
    """Elastic draws and the bold attack (with its deeper sample) replay from the run's generators."""
    from conftest import Interrupted, metrics, tiny_recipe
    from train.distill import distill
    changes = dict(augment__elastic=0.5, augment__randaug_n=4, augment__randaug_m=14.0, augment__mixup=1.0,
                   augment__cutmix=0.0, attack__kind="bold", attack__deeper=True, attack__share=0.375,
                   attack__grow=1.1, attack__steps=4)
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    distill(tiny_recipe(world, **changes), straight)

    def kill_at_step_8(event):
        if event["event"] == "step" and event["step"] == 8:
            raise Interrupted

    with pytest.raises(Interrupted):
        distill(tiny_recipe(world, **changes), resumed, on_event=kill_at_step_8)
    distill(tiny_recipe(world, **changes), resumed)
    rows = metrics(straight)
    assert rows == metrics(resumed)
    assert any("accepted" in r for r in rows if r["event"] == "train")   # the bold attack ran
