"""One manifest check and one shard reader, everywhere: hostile manifests and damaged shards.

Every malicious or damaged file is built here, in the test, from a good set.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from render.verify import verify_set
from shards import format as fmt
from shards.manifest import MANIFEST, check_manifest, parse_manifest, read_manifest
from test_shardset import write_random_set
from train.shardset import BatchStream, ShardSet

torch.set_num_threads(1)
H = "a" * 64


def good_manifest() -> dict:
    return {"format": fmt.FORMAT, "format_version": 2, "kind": "render", "num_samples": 5, "complete": True,
            "config": {"count": 5, "shard_size": 3, "size": 8}, "bank": {"hash": "x", "licences": {"a": "MIT"}},
            "renderer": {}, "stats": {},
            "shards": [{"name": "shard-000000.tar", "first_index": 0, "count": 3, "sha256": H, "bytes": 10},
                       {"name": "shard-000001.tar", "first_index": 3, "count": 2, "sha256": H, "bytes": 10}]}


def _with(path: str, value):
    m = good_manifest()
    keys = path.split(".")
    target = m
    for k in keys[:-1]:
        target = target[int(k)] if isinstance(target, list) else target[k]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return m


BAD_MANIFESTS = {
    "parent dir": (_with("shards.0.name", "../shard-000000.tar"), "not a plain shard name"),
    "absolute": (_with("shards.0.name", "/etc/passwd"), "not a plain shard name"),
    "subdir": (_with("shards.1.name", "x/shard-000001.tar"), "not a plain shard name"),
    "duplicate": (_with("shards.1", {**good_manifest()["shards"][0], "first_index": 3, "count": 2}), "listed twice"),
    "empty complete": ({**good_manifest(), "shards": [], "num_samples": 0, "config": {}}, "lists no shards"),
    "count vs config": ({**good_manifest(), "shards": good_manifest()["shards"][:1], "num_samples": 3},
                        "complete, but lists 1 of the 2"),
    "shard vs config": (_with("config.shard_size", 2), "the config puts"),
    "version 0": (_with("format_version", 0), "does not exist"),
    "version newer": (_with("format_version", 3), "newer"),
    "version str": (_with("format_version", "2"), "'format_version' should be int"),
    "shards not list": (_with("shards", {"a": 1}), "'shards' should be list"),
    "shard not object": (_with("shards.0", "shard-000000.tar"), r"shards\[0\] should be an object"),
    "count bool": (_with("shards.1.count", True), r"shards\[1\].count missing or not int"),
    "count str": (_with("shards.0.count", "3"), r"shards\[0\].count"),
    "bytes missing": (_with("shards.0.bytes", KeyError), r"shards\[0\].bytes"),
    "sha not hex": (_with("shards.0.sha256", "z" * 64), "64 lowercase hex"),
    "overlap": (_with("shards.1.first_index", 2), "overlap"),
    "num_samples": (_with("num_samples", 6), "num_samples is 6"),
    "complete not bool": (_with("complete", 1), "'complete' should be bool"),
    "bank path in v2": (_with("bank.path", "/home/lab/shaders"), "bank.path"),
    "not an object": ([1, 2], "JSON object"),
    "files escape": ({**good_manifest(), "files": [{"name": "../README.md", "sha256": H, "bytes": 1}]},
                     "not a plain file name"),
}


def test_good_manifest_passes():
    check_manifest(good_manifest())
    v1 = good_manifest()
    v1["format_version"], v1["bank"] = 1, {"path": "/home/lab/shaders", "hash": "x"}
    check_manifest(v1)          # version 1 sets (with their bank path) are still read


@pytest.mark.parametrize("name", sorted(BAD_MANIFESTS))
def test_bad_manifest_is_refused(name):
    manifest, message = BAD_MANIFESTS[name]
    with pytest.raises(fmt.ShardFormatError, match=message):
        check_manifest(copy.deepcopy(manifest), where="m.json")


def test_manifest_that_is_not_json_names_what_it_found():
    with pytest.raises(fmt.ShardFormatError, match="not valid JSON.*<!doctype html>"):
        parse_manifest(b"<!doctype html><html>login</html>", "https://x/manifest.json")
    with pytest.raises(fmt.ShardFormatError, match="not valid JSON"):
        parse_manifest(json.dumps(good_manifest()).replace("10", "NaN").encode(), "m")


def _rewrite(directory: Path, change) -> None:
    m = json.loads((directory / MANIFEST).read_text())
    change(m)
    (directory / MANIFEST).write_text(json.dumps(m))


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside/shard-000000.tar"])
def test_verify_and_training_never_follow_a_name_out_of_the_set(tmp_path, name):
    d = write_random_set(tmp_path / "set", count=10, shard_size=5, size=8)
    _rewrite(d, lambda m: m["shards"][0].update(name=name))
    report = verify_set(d)
    assert not report.ok and report.shards_checked == 0 and "not a plain shard name" in report.problems[0]
    with pytest.raises(fmt.ShardFormatError, match="not a plain shard name"):
        ShardSet(d)


def test_version_1_set_is_still_read(tmp_path):
    d = write_random_set(tmp_path / "set", count=10, shard_size=5, size=8)
    _rewrite(d, lambda m: m.update(format_version=1, bank={"path": "/elsewhere", "hash": "test"}))
    assert ShardSet(d).load()[1].shape == (10, 3, 8, 8)
    assert verify_set(d).ok


# ---------------------------------------------------------------------------------------------------
# Damaged shards: found before a sample of the bad shard reaches training, in both modes.

def _tar_offsets(data: bytes) -> list[int]:
    """Header offsets of the members of a plain tar."""
    offsets, pos = [], 0
    while pos + 512 <= len(data) and data[pos:pos + 512] != b"\0" * 512:
        offsets.append(pos)
        size = int(data[pos + 124:pos + 136].rstrip(b"\0 ") or b"0", 8)
        pos += 512 + (size + 511) // 512 * 512
    return offsets


def truncate_mid_member(data: bytes) -> bytes:
    third = _tar_offsets(data)[2]
    return data[:third + 512 + 40]          # inside the data of the second sample's PNG


def truncate_at_member(data: bytes) -> bytes:
    return data[:_tar_offsets(data)[4]]     # a clean cut after two samples: tar itself sees no error


def corrupt_header(data: bytes) -> bytes:
    third = _tar_offsets(data)[2]
    b = bytearray(data)
    b[third + 1:third + 20] = b"\xff" * 19      # name and checksum no longer agree
    return bytes(b)


def png_bomb(side: int = 12000) -> bytes:
    """A PNG whose header claims side x side RGB pixels (432 MB decoded, under the size at which Pillow
    itself refuses): a decompression bomb."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = zlib.compress(b"\0" * (1 + 3 * side) * 64, 9)   # a few rows; the decoder would want all
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def damaged_set(tmp_path: Path, damage: str, match_manifest: bool) -> tuple[Path, np.ndarray]:
    """A 60-image set (3 shards of 20) whose shard 1 is damaged; with match_manifest, the manifest is
    rewritten to the damaged bytes (a hostile or buggy publisher), so only the format checks can
    catch it. Returns the set and the original images of shard 1 (which must never be trained on)."""
    d = write_random_set(tmp_path / damage, count=60, shard_size=20, size=8)
    bad = d / fmt.shard_name(1)
    _, originals = ShardSet(d).split(2)[1].split(1)[0].load()
    if damage == "bomb":
        samples = [(s.index, png_bomb() if s.index == 25 else s.png, s.record) for s in fmt.iter_shard(bad)]
        fmt.write_shard(bad, samples)
        match_manifest = True        # a bomb is only dangerous when its hash is the published one
    else:
        bad.write_bytes({"truncate": truncate_mid_member, "truncate-at-member": truncate_at_member,
                         "header": corrupt_header}[damage](bad.read_bytes()))
    if match_manifest:
        data = bad.read_bytes()
        _rewrite(d, lambda m: m["shards"][1].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data)))
    return d, originals.numpy()


DAMAGES = [("truncate", False, "bytes, the manifest says"), ("truncate", True, "not a readable tar"),
           ("truncate-at-member", False, "bytes, the manifest says"),
           ("truncate-at-member", True, "holds 2 samples, the manifest says 20"),
           ("header", False, "sha256 is [0-9a-f]{64}, the manifest says"),
           ("header", True, "holds 1 samples, the manifest says 20"),
           ("bomb", True, "image is 12000x12000, the set's images are 8x8")]


@pytest.mark.parametrize("damage,match_manifest,message", DAMAGES)
@pytest.mark.parametrize("cache_mb", [0, 64], ids=["streamed", "resident"])
def test_damaged_shard_stops_training_before_its_samples(tmp_path, damage, match_manifest, message, cache_mb):
    d, originals = damaged_set(tmp_path, damage, match_manifest)
    stream = BatchStream(ShardSet(d), batch_size=4, seed=0, cache_max_mb=cache_mb, shuffle_buffer=8)
    seen = []
    with pytest.raises(fmt.ShardFormatError, match=message) as err:
        for epoch in range(2):
            for batch in stream.epoch_batches(epoch):
                seen.append(batch.numpy())
    assert "shard-000001.tar" in str(err.value)
    bad = {img.tobytes() for img in originals}
    assert not any(img.tobytes() in bad for b in seen for img in b), "trained on a sample of the damaged shard"


@pytest.mark.parametrize("damage,match_manifest,message", DAMAGES)
def test_verify_names_the_damaged_shard(tmp_path, damage, match_manifest, message):
    d, _ = damaged_set(tmp_path, damage, match_manifest)
    report = verify_set(d)
    assert not report.ok
    assert all(p.startswith("shard-000001.tar") for p in report.problems), report.problems
    assert any(re.search(message, p) for p in report.problems), report.problems


def test_every_reader_applies_the_same_checks(tmp_path):
    """iter_shard (used by tests and tools), the training stream and verify all refuse a bad shard."""
    d, _ = damaged_set(tmp_path, "header", True)
    with pytest.raises(fmt.ShardFormatError, match="holds 1 samples"):
        list(fmt.iter_shard(d / fmt.shard_name(1)))
    with pytest.raises(fmt.ShardFormatError, match="holds 1 samples"):
        ShardSet(d).load()
    from render.preview import sheet_from_shards
    with pytest.raises(fmt.ShardFormatError, match="holds 1 samples"):
        sheet_from_shards(d, n=60)


def test_a_record_that_is_not_its_key_is_refused(tmp_path):
    d = write_random_set(tmp_path / "set", count=10, shard_size=5, size=8)
    path = d / fmt.shard_name(0)
    samples = [(s.index, s.png, {**s.record, "index": 99} if s.index == 2 else s.record) for s in fmt.iter_shard(path)]
    entry = fmt.write_shard(path, samples)
    _rewrite(d, lambda m: m["shards"][0].update(sha256=entry["sha256"], bytes=entry["bytes"]))
    with pytest.raises(fmt.ShardFormatError, match="record index 99 does not match its key"):
        ShardSet(d).load()
    assert read_manifest(d)["shards"][0]["sha256"] == entry["sha256"]


@pytest.mark.slow
def test_distill_on_a_damaged_shard_writes_no_checkpoint(tmp_path):
    from train.checkpoint import make_card, save_model
    from train.distill import distill
    from train.models import Normalized, create_model
    from train.recipe import DataConfig, EvalConfig, OptimConfig, Recipe, RunConfig

    d, _ = damaged_set(tmp_path, "truncate", False)
    torch.manual_seed(0)
    teacher = Normalized(create_model("lenet5", 10, 1), [0.5], [0.1])
    save_model(tmp_path / "teacher", teacher, make_card("lenet5", [str(i) for i in range(10)], in_channels=1,
                                                        input_size=28, mean=[0.5], std=[0.1], trained_on="test"))
    recipe = Recipe(name="tiny", seed=1, teacher=str(tmp_path / "teacher.json"), student="lenet5_half",
                    data=DataConfig(shards=str(d), batch_size=8, holdout_images=20, shuffle_buffer=10,
                                    holdout_shards=1),
                    optim=OptimConfig(steps=12, warmup_steps=1, lr=0.05), eval=EvalConfig(every=100),
                    run=RunConfig(log_every=2, ckpt_every=1))
    with pytest.raises(fmt.ShardFormatError, match="shard-000001.tar"):
        distill(recipe, tmp_path / "run")
    state = tmp_path / "run" / "state.pt"
    if state.exists():   # checkpoints written before the bad shard was reached hold only shard 0's images
        assert torch.load(state, weights_only=True)["images_seen"] <= 20


@pytest.mark.parametrize("damage,match_manifest,message", DAMAGES)
def test_large_shards_are_checked_the_same_way(tmp_path, monkeypatch, damage, match_manifest, message):
    """Shards over IN_MEMORY_MAX are hashed streaming, then parsed from the same open file."""
    monkeypatch.setattr(fmt, "IN_MEMORY_MAX", 0)
    d, _ = damaged_set(tmp_path, damage, match_manifest)
    with pytest.raises(fmt.ShardFormatError, match=message):
        ShardSet(d).load()
    good = write_random_set(tmp_path / "good", count=30, shard_size=10, size=8)
    assert ShardSet(good).load()[1].shape == (30, 3, 8, 8)


@pytest.mark.parametrize("record,message", [
    (b"[" * 100_000 + b"]" * 100_000, "record is not valid JSON"),
    (b'{"index": 3, "pad": "' + b"x" * (2 << 20) + b'"}', "more than a .json member may hold"),
])
def test_hostile_records_are_refused(tmp_path, record, message):
    import io
    import tarfile

    d = write_random_set(tmp_path / "set", count=5, shard_size=5, size=8)
    path = d / fmt.shard_name(0)
    buf = io.BytesIO()
    with tarfile.open(path) as src, tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as out:
        for info in src:
            data = src.extractfile(info).read()
            if info.name == "000000003.json":
                data, info.size = record, len(record)
            out.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())
    _rewrite(d, lambda m: m["shards"][0].update(sha256=hashlib.sha256(buf.getvalue()).hexdigest(),
                                                bytes=len(buf.getvalue())))
    with pytest.raises(fmt.ShardFormatError, match=message):
        ShardSet(d).load()
