"""A streamed shard set split over the ranks of a data-parallel run (gloo, 2 processes, CPU): no sample
read twice in an epoch, the same number of batches on every rank whatever the shards' sizes (no rank left
waiting at a collective, webdataset issue #188), every rank holding the same gathered global batch."""
import os
import socket
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

sys.path.insert(0, str(Path(__file__).parent))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank(rank, world, port, directory, out, resampled):
    import torch.distributed as dist

    from train.distributed import Group
    from train.shardset import BatchStream, ShardSet
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        stream = BatchStream(ShardSet(directory), 8, seed=5, cache_max_mb=0, shuffle_buffer=20,
                             resampled=resampled, group=Group(rank, world, rank))
        epochs = [[b.clone() for b in stream.epoch_batches(e)] for e in range(2)]
        resumed = [b.clone() for b in stream.epoch_batches(1, skip=3)]
        torch.save({"epochs": epochs, "resumed": resumed}, out / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def _run(tmp_path, directory, resampled=False):
    out = tmp_path / ("resampled" if resampled else "split")
    out.mkdir()
    mp.start_processes(_rank, args=(2, _free_port(), str(directory), out, resampled), nprocs=2, start_method="spawn")
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(2)]


@pytest.fixture(scope="module")
def uneven_set(tmp_path_factory):
    from test_shardset import write_random_set
    return write_random_set(tmp_path_factory.mktemp("stream") / "set", count=250, shard_size=60, size=8)   # 60 x4 + 10


def test_a_streamed_set_is_split_over_ranks_with_equal_batches(uneven_set, tmp_path):
    from train.shardset import ShardSet
    ranks = _run(tmp_path, uneven_set)
    _, images = ShardSet(uneven_set).load()
    index = {bytes(img.numpy()): i for i, img in enumerate(images)}
    assert len(index) == len(images)
    for e in range(2):
        a, b = ranks[0]["epochs"][e], ranks[1]["epochs"][e]
        assert len(a) == len(b) > 0                                    # same count on every rank
        assert all(torch.equal(x, y) and len(x) == 8 for x, y in zip(a, b))   # the same gathered batch
        seen = [[index[bytes(img.numpy())] for batch in a for img in batch[r * 4:(r + 1) * 4]] for r in range(2)]
        assert len(set(seen[0])) == len(seen[0]) and len(set(seen[1])) == len(seen[1])
        assert not set(seen[0]) & set(seen[1])                       # no sample read by both ranks
        # the count is the least any rank's shards allow (60 x 4 + 10 images: one rank may hold 70), 4 per slice
        least = min(sum(s["count"] for s in ShardSet(uneven_set).rank_shards(e, 5, r, 2)) for r in range(2))
        assert len(a) == least // 4 and least < 125
    assert [len(ranks[0]["epochs"][e]) for e in range(2)] != [] and ranks[0]["epochs"][0][0].shape == (8, 3, 8, 8)
    # a resumed epoch continues with the same batches
    assert all(torch.equal(x, y) for x, y in zip(ranks[0]["resumed"], ranks[0]["epochs"][1][3:]))
    assert len(ranks[0]["resumed"]) == len(ranks[0]["epochs"][1]) - 3


def test_a_set_with_fewer_shards_than_ranks_is_refused_clearly(tmp_path):
    from test_shardset import write_random_set
    from train.distributed import Group
    from train.shardset import BatchStream, ShardFormatError, ShardSet
    d = write_random_set(tmp_path / "one", count=40, shard_size=60, size=8)
    with pytest.raises(ShardFormatError, match="1 shard.*cannot be shared by 2 processes.*--shard-size"):
        BatchStream(ShardSet(d), 8, seed=0, cache_max_mb=0, group=Group(0, 2, 0))
    # held in memory, every rank reads the whole set: no split, no refusal
    assert BatchStream(ShardSet(d), 8, seed=0, group=Group(0, 2, 0)).group is None
