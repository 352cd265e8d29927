"""A rank's slice of the global batch, computed alone, is the slice of the batch one process computes:
augmentation (with mixing partners from other slices), and the attack's spread groups."""
import pytest
import torch

from train.augment import AugmentConfig, Augmenter


def _augmenter(**kw):
    cfg = AugmentConfig(mixup=0.5, cutmix=0.3, randaug_n=2, invert=0.2, elastic=0.3, autocontrast=0.2, **kw)
    return Augmenter(cfg, (16, 16), 3)


@pytest.mark.parametrize("crop", ["resized", "pad", "none"])
def test_augmenting_some_positions_alone_gives_those_rows_of_the_whole_batch(crop):
    aug = _augmenter(crop=crop)
    x8 = torch.randint(0, 256, (24, 3, 16, 16), dtype=torch.uint8)
    p = aug.draw(len(x8), x8.shape[-2:], torch.Generator().manual_seed(3))
    whole = aug.apply(x8.float().div(255), p)
    assert p["mixup"].any() and p["cutmix"].any()
    for want in (torch.arange(0, 8), torch.arange(8, 16), torch.tensor([3, 17, 23]), torch.arange(24)):
        part = aug.apply_at(x8, p, want)
        torch.testing.assert_close(part, whole[want], atol=1e-6, rtol=0)


def test_a_slice_does_not_transform_images_it_does_not_need(monkeypatch):
    aug = _augmenter()
    x = torch.rand(32, 3, 16, 16)
    p = aug.draw(32, (16, 16), torch.Generator().manual_seed(0))
    seen = []
    real = Augmenter.transform
    monkeypatch.setattr(Augmenter, "transform", lambda self, xs, q, w=True: seen.append(len(xs)) or real(self, xs, q, w))
    want = torch.arange(0, 8)
    aug.apply_at(x, p, want)
    mixes = (p["mixup"][want] | p["cutmix"][want])
    needed = len(torch.unique(torch.cat([want, p["partner"][want][mixes]])))
    assert seen == [needed] and needed < 32


class _Rank:
    """The part of train.distributed.Group a source uses, without a process group."""

    def __init__(self, rank, world):
        self.rank, self.world = rank, world

    def span(self, n):
        k = n // self.world
        return self.rank * k, (self.rank + 1) * k


def _source(world_fixture, group, **attack):
    import dataclasses

    from conftest import tiny_recipe
    from train.checkpoint import load_model
    from train.methods.shader import ShaderSource
    from train.models import create_model
    from train.methods.source import Context
    from train.shardset import ShardSet
    r = tiny_recipe(world_fixture)
    r.attack = dataclasses.replace(r.attack, **attack)
    teacher, card = load_model(r.teacher)
    src = ShaderSource(ShardSet(r.data.shards), r, Context(teacher.eval(), card, torch.device("cpu"), group=group))
    torch.manual_seed(0)   # the same student for every rank: the discrepancy attack aims at it
    src.prepare(create_model("lenet5_half", 10, 1).eval(), None)
    return src


@pytest.mark.parametrize("attack", [dict(kind="boundary", share=0.5, target="balanced"),
                                    dict(kind="bold", share=0.5, deeper=True, steps=4),
                                    dict(kind="discrepancy", share=0.25)])
@pytest.mark.parametrize("world_size", [2, 4])
def test_ranks_slices_of_the_shader_batch_make_the_one_process_batch(world, attack, world_size):
    xb = torch.randint(0, 256, (32, 1, 16, 16), dtype=torch.uint8)
    freq = torch.tensor([0.3, 0.02] + [0.085] * 8)
    one = _source(world, None, **attack)
    whole, _ = one.make(xb, freq)
    groups, per = one.layout(32)
    assert groups >= world_size   # the attack touches every slice
    parts = [_source(world, _Rank(r, world_size), **attack).make(xb, freq)[0] for r in range(world_size)]
    torch.testing.assert_close(torch.cat(parts), whole, atol=1e-5, rtol=0)
    # and the attack really changed images (the test fails if no rank attacks)
    plain = _source(world, None, kind="none", share=0.0)
    assert (plain.make(xb, freq)[0] - whole).abs().amax() > 1e-3


def test_attacked_groups_spread_over_the_batch(world):
    src = _source(world, None, kind="boundary", share=0.25)
    groups, per = src.layout(32)
    starts = torch.arange(groups) * 32 // groups
    assert (groups, per) == (4, 2) and starts.tolist() == [0, 8, 16, 24]
