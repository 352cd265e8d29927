"""Reading shard sets (shards/README.md) with webdataset, and a device-resident cache.

A `ShardSet` is a manifest plus a list of its shards (a whole set, or the part of one left after
holding shards out). `BatchStream` turns it into batches of uint8 images on the device:

  epoch e, streamed   shards in an order shuffled with seed (seed, e), samples through a seeded
                      shuffle buffer, decoded from PNG; resampled mode draws shards with
                      replacement (for several processes, each with its own shard stream)
  epoch e, resident   once a whole pass has been seen and the set fits under `cache_max_mb`, the
                      images live on the device as one uint8 tensor and an epoch is a permutation
                      drawn with seed (seed, e)

Either way the batches of epoch e depend only on (seed, e), so a run resumed at batch j of epoch e
replays exactly: `epoch_batches(e, skip=j)`. Images travel as uint8 and become floats on the device.

Shards are read by the one reader of shards/format.py (a webdataset stage in place of webdataset's
tar reader): each shard's size and sha256 are checked against the manifest before any of its
samples enters the shuffle buffer, so training stops on a bad shard before it trains on it. A set
may be a directory or a URL (remote shards come through the content-keyed cache, shards/cache.py).
"""
from __future__ import annotations

import bisect
import logging
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import webdataset as wds

from shards.cache import open_set
from shards.format import LocalShards, Sample, ShardFormatError, ShardReader, decode_image

log = logging.getLogger(__name__)


def make_seed(*parts: int) -> int:
    """A 63-bit seed from integers, stable across processes and Python versions (no hash())."""
    s = 0x9E3779B97F4A7C15
    for p in parts:
        s = (s * 6364136223846793005 + int(p) + 1442695040888963407) % (1 << 64)
    return s >> 1


def decode_sample(sample: dict, size: int | None = None) -> tuple[int, np.ndarray]:
    """A sample of the shard reader {'__key__', '__url__', 'png', 'record'} -> (index, uint8 (H, W, C))."""
    where = f"{sample['__url__']}: sample {sample['__key__']}"
    return int(sample["__key__"]), decode_image(sample["png"], where, size)


class _Decode:
    """decode_sample with the set's image size, picklable for DataLoader workers."""

    def __init__(self, size: int | None):
        self.size = size

    def __call__(self, sample: dict) -> tuple[int, np.ndarray]:
        return decode_sample(sample, self.size)


def collate(samples: list[tuple[int, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    shapes = {a.shape for _, a in samples}
    if len(shapes) != 1:
        raise ShardFormatError(f"images of different shapes in one set: {sorted(shapes)}; a shard set must "
                               f"hold one image size and mode")
    return np.array([i for i, _ in samples], dtype=np.int64), np.stack([a for _, a in samples])


class ShardSet:
    """A shard set's manifest and (a subset of) its shards, in manifest order.

    `location` is a directory or a URL (http://, https://, file://): remote shards are fetched through
    the content-keyed cache (shards/cache.py). Either way every shard is read by the one reader of
    shards/format.py, which checks its size and sha256 against the manifest before any of its
    samples reaches training.
    """

    def __init__(self, location: Path | str, shards: list[dict] | None = None, manifest: dict | None = None,
                 source=None, name: str | None = None):
        self.location = str(location)
        if manifest is None:
            manifest, source, name = open_set(self.location)
        self.manifest, self.source = manifest, source
        self.name = name or Path(self.location).name
        self.directory = source.directory if isinstance(source, LocalShards) else None
        if not self.manifest["complete"]:
            log.warning("%s: manifest says the set is incomplete; using the %d shards it lists",
                        self.location, len(self.manifest["shards"]))
        self.shards = list(self.manifest["shards"] if shards is None else shards)
        if not self.shards:
            raise ShardFormatError(f"{self.location}: no shards selected; render more samples")
        if self.directory is not None:
            for s in self.shards:
                if not (self.directory / s["name"]).is_file():
                    raise ShardFormatError(f"{self.directory / s['name']}: listed in the manifest but missing; "
                                           f"re-render the set (`shaderkd render` redoes missing shards)")
        self.reader = ShardReader(self.manifest, self.source)
        self.size = self.manifest["config"].get("size")
        self.num_samples = sum(s["count"] for s in self.shards)
        self._starts = [s["first_index"] for s in self.shards]
        self._offsets = np.cumsum([0] + [s["count"] for s in self.shards]).tolist()
        self._shape: tuple[int, int, int] | None = None

    def split(self, holdout_shards: int) -> tuple["ShardSet", "ShardSet"]:
        """(train, held out): the last `holdout_shards` shards are held out. A last shard holding less
        than half of the first (the remainder of a count that is not a multiple of the shard size, e.g. a
        curated set's 8 images) is held out together with the shard before it: agreement on a handful of
        images moves in steps of 1/8 and would choose the best checkpoint by noise."""
        if not 0 < holdout_shards < len(self.shards):
            raise ShardFormatError(f"{self.location}: cannot hold out {holdout_shards} of {len(self.shards)} "
                                   f"shards; render a set with more shards (smaller --shard-size) or change "
                                   f"data.holdout_shards")
        cut = len(self.shards) - holdout_shards
        if 2 * self.shards[-1]["count"] < self.shards[0]["count"] and cut > 1:
            cut -= 1
        return (ShardSet(self.location, self.shards[:cut], self.manifest, self.source, self.name),
                ShardSet(self.location, self.shards[cut:], self.manifest, self.source, self.name))

    def samples(self) -> Iterator[Sample]:
        """Every sample of the selected shards, in manifest order, checked (shards/format.py)."""
        for entry in self.shards:
            yield from self.reader.samples(entry)

    def position(self, index: int) -> int:
        """The position 0..num_samples-1 of a global sample index within this subset."""
        k = bisect.bisect_right(self._starts, index) - 1
        if k < 0 or index - self._starts[k] >= self.shards[k]["count"]:
            raise ShardFormatError(f"{self.location}: sample index {index} is outside the selected shards")
        return self._offsets[k] + index - self._starts[k]

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of the set's images, from its first sample."""
        if self._shape is None:
            _, arr = next(iter(self.pipeline(0, 0, shuffle_buffer=0)))
            self._shape = (arr.shape[2], arr.shape[0], arr.shape[1])
        return self._shape

    def rank_shards(self, epoch: int, seed: int, rank: int, world: int) -> list[dict]:
        """[distributed] The shards rank `rank` of `world` streams in `epoch`: every world-th shard of the
        set's order shuffled with (seed, epoch), so no shard is read twice in an epoch."""
        if len(self.shards) < world:
            raise ShardFormatError(f"{self.location}: {len(self.shards)} shard(s) cannot be shared by {world} "
                                   f"processes streaming the set; render it with a smaller --shard-size, or let "
                                   f"every process hold it in memory (raise data.cache_max_mb)")
        order = torch.randperm(len(self.shards), generator=torch.Generator().manual_seed(make_seed(seed, epoch, 2)))
        return [self.shards[i] for i in order[rank::world].tolist()]

    def pipeline(self, epoch: int, seed: int, shuffle_buffer: int = 1000, resampled: bool = False,
                 batch: int = 0, shards: list[dict] | None = None, rank: int = 0) -> wds.DataPipeline:
        """A webdataset pipeline over this set: (index, HWC uint8) samples, or collated batches.

        Shard order is shuffled with (seed, epoch) unless shuffle_buffer == 0 (manifest order, for
        loading); resampled draws shards with replacement forever. DataLoader workers each get their
        own shards. `shards` (a rank's share, `rank_shards`) is read in the order given; `rank` seeds a
        rank's own resampling and shuffle buffer.
        """
        urls = [s["name"] for s in (self.shards if shards is None else shards)]
        if resampled:
            source = wds.ResampledShards(urls, seed=make_seed(seed, epoch, *([rank] if rank else [])) % (1 << 31),
                                         deterministic=True)
        elif shards is not None:
            source = wds.SimpleShardList(urls)
        else:
            source = wds.SimpleShardList(urls, seed=make_seed(seed, epoch) if shuffle_buffer else None)
        stages = [source, wds.split_by_worker, self.reader]
        if shuffle_buffer > 1:
            stages.append(wds.shuffle(shuffle_buffer, initial=shuffle_buffer,
                                      seed=make_seed(seed, epoch, 1, *([rank] if rank else []))))
        stages.append(wds.map(_Decode(self.size)))
        if batch:
            stages.append(wds.batched(batch, collation_fn=collate, partial=True))
        return wds.DataPipeline(*stages)

    def load(self, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(indices (N,), images uint8 (N, C, H, W)) of the first `limit` samples, in order."""
        idx, imgs, n = [], [], 0
        for i, a in self.pipeline(0, 0, shuffle_buffer=0, batch=512):
            idx.append(i)
            imgs.append(a)
            n += len(i)
            if limit is not None and n >= limit:
                break
        indices = torch.from_numpy(np.concatenate(idx)[:limit])
        images = torch.from_numpy(np.concatenate(imgs)[:limit]).permute(0, 3, 1, 2).contiguous()
        return indices, images


class BatchStream:
    """Full batches of uint8 images (B, C, H, W) on `device`; every epoch replays from (seed, epoch).

    [distributed] With a `group` (train.distributed.Group), a set held in memory is read whole by every
    rank (each needs all of it; the batches are one process's). A streamed set is split: each rank
    streams its own shards (`ShardSet.rank_shards`) into batches of B / world, every rank makes the same
    number of them (the least any rank's shards allow, so no rank waits at a collective for one that ran
    out: webdataset issue #188), and the ranks' batches are gathered into the global batch B.
    """

    def __init__(self, shardset: ShardSet, batch_size: int, seed: int, device: torch.device | str = "cpu",
                 cache_max_mb: float = 2048, shuffle_buffer: int = 1000, workers: int = 0,
                 resampled: bool = False, group=None):
        if batch_size > shardset.num_samples:
            raise ValueError(f"batch size {batch_size} exceeds the {shardset.num_samples} training images "
                             f"of {shardset.location}; render more or lower the batch size")
        self.set, self.batch_size, self.seed = shardset, batch_size, seed
        self.device = torch.device(device)
        self.shuffle_buffer, self.workers, self.resampled = shuffle_buffer, workers, resampled
        c, h, w = shardset.image_shape
        nbytes = shardset.num_samples * c * h * w
        self.resident = not resampled and nbytes <= cache_max_mb * 2 ** 20
        self.group = group if group is not None and not self.resident else None   # streamed and split
        self.cache: torch.Tensor | None = None
        self._filled: torch.Tensor | None = None
        if self.resident:
            self.cache = torch.zeros((shardset.num_samples, c, h, w), dtype=torch.uint8, device=self.device)
            self._filled = torch.zeros(shardset.num_samples, dtype=torch.bool)
        if self.group is not None and not resampled:
            shardset.rank_shards(0, seed, 0, self.group.world)   # refuses a set with fewer shards than ranks
        log.info("%s: %d images, %.1f MB as uint8: %s", shardset.location, shardset.num_samples, nbytes / 2 ** 20,
                 "held on the device after the first pass" if self.resident else
                 "streamed every epoch" + (f", split over {self.group.world} processes" if self.group else ""))

    @property
    def batches_per_epoch(self) -> int:
        return self.set.num_samples // self.batch_size

    def local_batches(self, epoch: int) -> int:
        """[distributed] Batches of B / world every rank makes in `epoch` of a split stream."""
        if self.resampled:
            return self.batches_per_epoch
        g, b = self.group, self.batch_size // self.group.world
        return min(sum(s["count"] for s in self.set.rank_shards(epoch, self.seed, r, g.world)) for r in range(g.world)) // b

    @property
    def cached(self) -> bool:
        return self._filled is not None and bool(self._filled.all())

    def _stream(self, epoch: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if self.group is not None:   # [distributed] this rank's shards
            g = self.group
            shards = None if self.resampled else self.set.rank_shards(epoch, self.seed, g.rank, g.world)
            pipe = self.set.pipeline(epoch, self.seed, self.shuffle_buffer, self.resampled, batch=256,
                                     shards=shards or self.set.shards, rank=g.rank + 1)
        else:
            pipe = self.set.pipeline(epoch, self.seed, self.shuffle_buffer, self.resampled, batch=256)
        if self.workers > 0:
            return iter(torch.utils.data.DataLoader(pipe, batch_size=None, num_workers=self.workers))
        return iter(pipe)

    def _keep(self, idx, imgs: torch.Tensor) -> None:
        pos = torch.tensor([self.set.position(int(i)) for i in idx], dtype=torch.long)
        self.cache[pos.to(self.device)] = imgs
        self._filled[pos] = True

    def epoch_batches(self, epoch: int, skip: int = 0) -> Iterator[torch.Tensor]:
        """The batches of `epoch` from batch `skip` on (the earlier ones are drawn and dropped).

        Epoch 0 is always the streamed first pass (filling the cache), so its batches do not depend
        on whether the cache happens to be full already.
        """
        n, b = self.batches_per_epoch, self.batch_size
        if self.group is not None:   # [distributed] a split stream: local batches, gathered
            n, b = self.local_batches(epoch), b // self.group.world
        if self.resident and not self.cached and epoch > 0:
            self._fill()  # resumed past the first pass: rebuild the cache in manifest order
        if epoch > 0 and self.cached:
            gen = torch.Generator().manual_seed(make_seed(self.seed, epoch))
            perm = torch.randperm(self.set.num_samples, generator=gen).to(self.device)
            for j in range(skip, n):
                yield self.cache[perm[j * b:(j + 1) * b]]
            return
        pending, have, j = [], 0, 0
        for idx, arr in self._stream(epoch):
            imgs = torch.as_tensor(np.asarray(arr)).to(self.device, non_blocking=True).permute(0, 3, 1, 2)
            if self.resident:
                self._keep(np.asarray(idx), imgs)
            pending.append(imgs)
            have += len(imgs)
            while have >= b and j < n:
                chunk = torch.cat(pending)
                batch, rest = chunk[:b], chunk[b:]
                pending, have = ([rest] if len(rest) else []), len(rest)
                if j >= skip:
                    yield batch.contiguous() if self.group is None else self.group.gather(batch.contiguous())
                j += 1
            if j >= n and (self.resampled or not self.resident):
                return

    def _fill(self) -> None:
        for idx, arr in self.set.pipeline(0, 0, shuffle_buffer=0, batch=512):
            self._keep(idx, torch.as_tensor(arr).to(self.device).permute(0, 3, 1, 2))
        if not self.cached:
            raise ShardFormatError(f"{self.set.location}: the shards hold fewer samples than the manifest says")
