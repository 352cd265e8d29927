"""Reading shard sets: order replays from (seed, epoch), the resident cache matches the stream."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from shards.format import FORMAT, FORMAT_VERSION, ShardFormatError, shard_name, shard_ranges, write_manifest, write_shard
from train.shardset import BatchStream, ShardSet, make_seed

torch.set_num_threads(1)


def write_random_set(directory: Path, count: int, shard_size: int, size: int = 16, seed: int = 0,
                     mode: str = "RGB") -> Path:
    """A shard set of `count` smooth random images (blurred noise), written with shards.format."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    entries = []
    for k, (first, n) in enumerate(shard_ranges(count, shard_size)):
        samples = []
        for i in range(first, first + n):
            low = rng.random((4, 4, 3))
            img = Image.fromarray((low * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR)
            if mode == "L":
                img = img.convert("L")
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            samples.append((i, buf.getvalue(), {"index": i, "shader": f"s{i % 7}", "family": "noise", "size": size}))
        entries.append(write_shard(directory / shard_name(k), samples))
    write_manifest(directory, {
        "format": FORMAT, "format_version": FORMAT_VERSION, "kind": "render", "num_samples": count,
        "complete": True, "config": {"count": count, "size": size, "shard_size": shard_size, "seed": seed},
        "bank": {"hash": "test"}, "renderer": {}, "stats": {}, "shards": entries})
    return directory


@pytest.fixture
def shard_set(tmp_path):
    return ShardSet(write_random_set(tmp_path / "set", count=100, shard_size=20, size=8))


def _all(stream, epoch, skip=0):
    return torch.stack(list(stream.epoch_batches(epoch, skip)))


def test_holdout_split_and_shape(shard_set):
    train, held = shard_set.split(1)
    assert (train.num_samples, held.num_samples) == (80, 20)
    assert shard_set.image_shape == (3, 8, 8)
    idx, imgs = held.load()
    assert idx.tolist() == list(range(80, 100)) and imgs.shape == (20, 3, 8, 8) and imgs.dtype == torch.uint8
    with pytest.raises(ShardFormatError, match="hold out"):
        shard_set.split(5)


@pytest.mark.parametrize("count, held_out", [(102, 22), (109, 29)])
def test_a_short_last_shard_is_held_out_with_the_one_before(tmp_path, count, held_out):
    # 102 = 5 x 20 + 2: agreement on two images alone moves in steps of 50%; 9 of 20 is still under half
    s = ShardSet(write_random_set(tmp_path / "set", count=count, shard_size=20, size=4))
    train, held = s.split(1)
    assert held.num_samples == held_out and train.num_samples + held.num_samples == count
    assert held.load()[0].tolist() == list(range(count - held_out, count))


def test_a_last_shard_of_half_a_shard_or_more_is_held_out_alone(tmp_path):
    s = ShardSet(write_random_set(tmp_path / "set", count=90, shard_size=20, size=4))
    assert [part.num_samples for part in s.split(1)] == [80, 10]
    two = ShardSet(write_random_set(tmp_path / "two", count=21, shard_size=20, size=4))
    assert [part.num_samples for part in two.split(1)] == [20, 1]    # nothing to merge with: the split stays


@pytest.mark.parametrize("cache_mb", [0, 64])
def test_epochs_replay_from_seed_and_skip(shard_set, cache_mb):
    s1 = BatchStream(shard_set, batch_size=16, seed=3, cache_max_mb=cache_mb, shuffle_buffer=30)
    s2 = BatchStream(shard_set, batch_size=16, seed=3, cache_max_mb=cache_mb, shuffle_buffer=30)
    e0, e1 = _all(s1, 0), _all(s1, 1)
    assert e0.shape == (6, 16, 3, 8, 8)              # 100 // 16 full batches
    assert not torch.equal(e0, e1)                   # re-seeded every epoch
    # a fresh stream (a resumed run) resuming inside epoch 1 sees exactly the same batches
    assert torch.equal(_all(s2, 1, skip=2), e1[2:])
    assert torch.equal(_all(s2, 0, skip=4), e0[4:])
    assert s1.resident == (cache_mb > 0)
    if cache_mb:
        assert s1.cached
        _, every = shard_set.load()
        # the cache holds each image exactly once, at its index
        assert torch.equal(s1.cache, every)


def test_other_seed_other_order(shard_set):
    a = _all(BatchStream(shard_set, 16, seed=0, cache_max_mb=0), 0)
    b = _all(BatchStream(shard_set, 16, seed=1, cache_max_mb=0), 0)
    assert not torch.equal(a, b)


def test_resampled_gives_nominal_epoch(shard_set):
    s = BatchStream(shard_set, batch_size=16, seed=0, resampled=True, shuffle_buffer=10)
    assert not s.resident and _all(s, 0).shape[0] == s.batches_per_epoch


def test_greyscale_set(tmp_path):
    s = ShardSet(write_random_set(tmp_path / "grey", count=10, shard_size=5, size=8, mode="L"))
    assert s.image_shape == (1, 8, 8)


def test_missing_shard_is_named(tmp_path):
    d = write_random_set(tmp_path / "set", count=10, shard_size=5, size=8)
    (d / shard_name(1)).unlink()
    with pytest.raises(ShardFormatError, match="shard-000001.tar"):
        ShardSet(d)


def test_make_seed_is_stable():
    assert make_seed(1, 2) == make_seed(1, 2) != make_seed(2, 1)


def test_worker_processes_give_every_image_once_and_replay(shard_set):
    """Two DataLoader processes decoding shards: epoch 0 still covers the set, and replays."""
    a = BatchStream(shard_set, batch_size=10, seed=0, cache_max_mb=64, shuffle_buffer=10, workers=2)
    e0 = _all(a, 0)
    assert e0.shape[0] == 10 and a.cached
    _, every = shard_set.load()
    assert sorted(map(bytes, e0.flatten(0, 1).flatten(1).numpy())) == sorted(map(bytes, every.flatten(1).numpy()))
    b = BatchStream(shard_set, batch_size=10, seed=0, cache_max_mb=64, shuffle_buffer=10, workers=2)
    assert torch.equal(_all(b, 0), e0)
