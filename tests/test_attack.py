"""Adversarial samples: boundary pairs straddle the teacher's decision boundary inside the ball."""
import pytest
import torch
from torch import nn

from train.attack import AttackConfig, boundary_attack, discrepancy_attack, pick_targets
from train.losses import kd_kl

torch.set_num_threads(1)


def teacher(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                         nn.Linear(128, 10)).eval()


def batch(n=48, seed=1):
    return torch.rand(n, 3, 16, 16, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("target", ["random", "runner_up", "balanced"])
def test_boundary_attack_flips_inside_the_ball(target):
    t, x = teacher(), batch()
    cfg = AttackConfig(kind="boundary", eps=0.25, steps=25, step_size=0.02, target=target, refine=5)
    r = boundary_attack(t, x, cfg, torch.Generator().manual_seed(0))
    f = r.flipped
    assert f.float().mean() > 0.8
    with torch.no_grad():
        assert (t(x).argmax(1) == r.original).all()
        assert (t(r.after[f]).argmax(1) != r.original[f]).all()      # across the boundary
        assert (t(r.before[f]).argmax(1) == r.original[f]).all()     # still on the teacher's side
    for img in (r.before, r.after):
        assert (img - x).abs().max() <= cfg.eps + 1e-6 and img.min() >= 0 and img.max() <= 1
    # bisection: the pair is at most eps / 2^refine apart in every pixel
    assert (r.after[f] - r.before[f]).abs().amax(dim=(1, 2, 3)).max() <= cfg.eps / 2 ** cfg.refine + 1e-6
    assert (r.target != r.original).all()


def test_boundary_attack_is_reproducible_and_bounded_when_nothing_flips():
    t, x = teacher(), batch(16)
    tiny = AttackConfig(kind="boundary", eps=1e-4, steps=3, step_size=1e-4)
    r = boundary_attack(t, x, tiny, torch.Generator().manual_seed(0))
    assert not r.flipped.any() and (r.after - x).abs().max() <= 1e-4 + 1e-7 and torch.equal(r.before, r.after)
    cfg = AttackConfig(kind="boundary", eps=0.2, steps=10, step_size=0.02)
    a = boundary_attack(t, x, cfg, torch.Generator().manual_seed(5))
    b = boundary_attack(t, x, cfg, torch.Generator().manual_seed(5))
    assert torch.equal(a.after, b.after) and torch.equal(a.target, b.target)


def test_attack_leaves_training_mode_and_parameters_alone():
    t = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 14 * 14, 10)).train()
    stats = t[1].running_mean.clone()
    boundary_attack(t, batch(8), AttackConfig(kind="boundary", eps=0.1, steps=3), torch.Generator())
    assert t.training and torch.equal(t[1].running_mean, stats)
    assert all(p.grad is None for p in t.parameters())


def test_discrepancy_attack_raises_the_kl_inside_the_ball():
    t, x = teacher(0), batch(32)
    torch.manual_seed(3)
    s = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 10))
    cfg = AttackConfig(kind="discrepancy", eps=0.05, steps=5, step_size=0.02)
    adv = discrepancy_attack(t, s, x, cfg, torch.Generator().manual_seed(0), temperature=1.0)
    with torch.no_grad():
        assert kd_kl(s(adv), t(adv)) > 1.5 * kd_kl(s(x), t(x))
    assert (adv - x).abs().max() <= cfg.eps + 1e-6 and adv.min() >= 0 and adv.max() <= 1
    again = discrepancy_attack(t, s, x, cfg, torch.Generator().manual_seed(0), temperature=1.0)
    assert torch.equal(adv, again)


def test_targets_are_other_classes():
    logits = torch.randn(100, 5)
    for how in ("random", "runner_up"):
        tgt = pick_targets(logits, how, torch.Generator().manual_seed(0))
        assert (tgt != logits.argmax(1)).all()
    assert (pick_targets(logits, "runner_up", torch.Generator()) == logits.topk(2).indices[:, 1]).all()


def test_balanced_targets_favour_the_classes_the_teacher_rarely_predicts():
    logits = torch.zeros(4000, 5)
    logits[:, 0] = 1.0                                   # the teacher says class 0 for every image
    freq = torch.tensor([0.5, 0.3, 0.15, 0.04, 0.01])    # and has rarely said 3 and 4 so far
    gen = torch.Generator().manual_seed(0)
    tgt = pick_targets(logits, "balanced", gen, freq)
    assert (tgt != 0).all()
    share = torch.bincount(tgt, minlength=5).float() / len(tgt)
    expected = torch.tensor([0, 1 / 0.3, 1 / 0.15, 1 / 0.04, 1 / 0.01])
    assert torch.allclose(share, expected / expected.sum(), atol=0.03)
    again = pick_targets(logits, "balanced", torch.Generator().manual_seed(0), freq)
    assert torch.equal(tgt, again)                       # reproducible from the generator
    uniform = torch.bincount(pick_targets(logits, "balanced", gen), minlength=5)[1:].float() / len(tgt)
    assert (uniform - 0.25).abs().max() < 0.03           # no histogram yet: uniform over the others


def test_bad_config_is_named():
    with pytest.raises(ValueError, match="attack.kind"):
        AttackConfig(kind="pgd")
    with pytest.raises(ValueError, match="attack.target must be one of"):
        AttackConfig(kind="boundary", target="rare")
    with pytest.raises(ValueError, match="share"):
        AttackConfig(kind="boundary", share=1.5)
