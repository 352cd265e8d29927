"""The shard format (version 2): the one thing render/ and train/ share (see shards/README.md).

Standard library, numpy and Pillow only. Writing is deterministic: the same samples give the same bytes
(fixed member order, mtime 0, no user names), so a shard set can be re-rendered and compared by hash.
Reading goes through one reader (`read_verified` -> `parse_shard` -> `decode_image`, and the webdataset
stage `ShardReader` built on them), wherever a set is read: a shard's bytes are checked against the
manifest's size and sha256 before any of its samples is handed on, then its tar structure, keys,
records and indices, and every PNG's header before it is decoded. Nothing in a shard is executed or
unpickled: members are decoded as PNG and JSON only.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterable, Iterator

if TYPE_CHECKING:
    import numpy as np

from shards.manifest import (FORMAT, FORMAT_VERSION, MANIFEST, ShardFormatError, check_manifest,  # noqa: F401
                             parse_manifest, read_manifest, write_manifest)

PARTS_DIR = ".parts"
KEY_DIGITS = 9
validate_manifest = check_manifest   # the name render/ and the tests have used


def key_of(index: int) -> str:
    return f"{index:0{KEY_DIGITS}d}"


def shard_name(k: int) -> str:
    return f"shard-{k:06d}.tar"


def shard_ranges(count: int, shard_size: int) -> list[tuple[int, int]]:
    """[(first_index, n)] for every shard of a set of `count` samples."""
    if count <= 0 or shard_size <= 0:
        raise ValueError(f"count ({count}) and shard size ({shard_size}) must be positive")
    return [(a, min(shard_size, count - a)) for a in range(0, count, shard_size)]


# json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False) without building an encoder
# per call: json.dumps builds exactly this JSONEncoder for those arguments and calls its encode.
_RECORD_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)


def dumps_record(record: dict) -> bytes:
    return _RECORD_ENCODER.encode(record).encode()


WRITE_CHUNK = 4 << 20   # bytes of members joined, hashed and written at once


def write_shard(path: Path, samples: Iterable[tuple[int, bytes, dict]]) -> dict:
    """Write (index, png_bytes, record) samples to `path` atomically.

    The tar is written to `<path>.tmp`, flushed to disk and renamed, so a shard either exists
    complete or not at all (a kill -9 leaves only a `.tmp` file, which a resumed run overwrites).
    Returns {"name", "first_index", "count", "sha256", "bytes"}.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    digest = hashlib.sha256()
    first, count, size = None, 0, 0
    with open(tmp, "wb") as raw:
        parts, held = [], 0

        def flush():
            nonlocal size, held
            block = b"".join(parts)
            digest.update(block)
            raw.write(block)
            size += len(block)
            parts.clear()
            held = 0

        last = -1
        for index, png, record in samples:
            if index <= last:
                raise ShardFormatError(f"{path.name}: sample indices must increase ({last} then {index})")
            last = index
            first = index if first is None else first
            key = key_of(index)
            meta = dumps_record(record)
            n_png, n_meta = len(png), len(meta)
            parts += (_ustar_header(key + ".png", n_png), png, _PAD[-n_png % 512],
                      _ustar_header(key + ".json", n_meta), meta, _PAD[-n_meta % 512])
            held += n_png + n_meta
            count += 1
            if held >= WRITE_CHUNK:
                flush()
        # the end of the archive as tarfile writes it: two zero blocks, then zeros to a whole record
        parts.append(bytes(1024 + (-(size + sum(map(len, parts)) + 1024) % tarfile.RECORDSIZE)))
        flush()
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, path)
    return {"name": path.name, "first_index": first, "count": count, "sha256": digest.hexdigest(), "bytes": size}


_PAD = [bytes(n) for n in range(512)]
# The ustar header of a member as tarfile wrote it (mode 0444, uid/gid 0, no user names, mtime 0),
# around its name, size and checksum: bytes 100-124 (mode, uid, gid), 136-148 (mtime), and from 156
# (type "0", no link name, magic "ustar\0" version "00", empty user and group names and prefix).
_HEADER_MODE = b"0000444\x000000000\x000000000\x00"
_HEADER_MTIME = b"00000000000\x00"
_HEADER_TAIL = b"0" + bytes(100) + b"ustar\x0000" + bytes(247)
# the checksum counts its own field as 8 spaces
_HEADER_SUM = sum(_HEADER_MODE) + sum(_HEADER_MTIME) + 8 * ord(" ") + sum(_HEADER_TAIL)


def _ustar_header(name: str, size: int) -> bytes:
    """The ustar header of a member: the 512 bytes tarfile wrote for it, built from constant pieces:
    tarfile's header code took a fifth of a render worker's time per image (bench/NOTES-render.md).
    tests/test_render_speed.py compares the bytes with tarfile's."""
    raw = name.encode("ascii")  # keys are digits: always short ASCII names
    field = b"%011o\x00" % size
    return b"".join((raw, _PAD[100 - len(raw)], _HEADER_MODE, field, _HEADER_MTIME,
                     b"%06o\x00 " % (_HEADER_SUM + sum(raw) + sum(field)), _HEADER_TAIL))


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------------
# Reading: the one reader. Every reader of a set (training, verify, preview, curate, pull) goes here.

MAX_IMAGE_SIDE = 4096       # a PNG header claiming more is refused before anything is decompressed
MAX_MEMBER_BYTES = {"png": 64 << 20, "json": 1 << 20}   # a member claiming more is refused unread
IN_MEMORY_MAX = 256 << 20   # shards up to this size are read once, into memory; larger ones twice
CHUNK = 1 << 20


@dataclass
class Sample:
    index: int
    png: bytes
    record: dict


def read_verified(f: BinaryIO, entry: dict, where: str, keep: bool = True) -> bytes:
    """All bytes of one shard from an open file, checked against the manifest entry's size and sha256
    (with keep=False the bytes are only checked, and b"" is returned).

    Reads at most one byte more than the manifest promises, so a wrong or hostile file cannot make
    the reader hold more than the shard's size in memory. The whole shard is checked before any of
    its samples is handed on: training never sees a sample of a shard whose bytes are wrong.
    """
    want = entry["bytes"]
    digest, parts, n = hashlib.sha256(), [], 0
    while n <= want:
        block = f.read(min(CHUNK, want + 1 - n))
        if not block:
            break
        digest.update(block)
        if keep:
            parts.append(block)
        n += len(block)
    if n != want:
        found = f"{n} bytes" if n < want else "more bytes"
        raise ShardFormatError(f"{where}: {found}, the manifest says {want}: the shard is truncated or "
                               f"was replaced; {FIX}")
    if digest.hexdigest() != entry["sha256"]:
        raise ShardFormatError(f"{where}: sha256 is {digest.hexdigest()}, the manifest says {entry['sha256']}: "
                               f"the shard is damaged or was replaced; {FIX}")
    return b"".join(parts)


FIX = ("re-render it (`shaderkd render` with the same options) or pull the set again (`shaderkd pull`); "
       "`shaderkd verify` lists every bad shard")


def parse_shard(data: bytes | BinaryIO, entry: dict, where: str) -> Iterator[Sample]:
    """Samples of one shard's bytes (or open file), checked against the format: members `<key>.png` and `<key>.json`
    for consecutive keys from the entry's first_index, each record valid JSON with its own index,
    exactly `count` samples. Members with other extensions are ignored, never interpreted."""
    expected, pending = entry["first_index"], {}
    last = entry["first_index"] + entry["count"]

    def finish(key: str, parts: dict) -> Sample:
        if set(parts) != {"png", "json"}:
            raise ShardFormatError(f"{where}: sample {key} lacks its {'.json' if 'png' in parts else '.png'} member; {FIX}")
        try:
            record = json.loads(parts["json"], parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ShardFormatError(f"{where}: sample {key}: record is not valid JSON ({exc}); {FIX}") from exc
        if not isinstance(record, dict) or record.get("index") != int(key):
            got = record.get("index") if isinstance(record, dict) else record
            raise ShardFormatError(f"{where}: sample {key}: record index {got!r} does not match its key; {FIX}")
        return Sample(int(key), parts["png"], record)

    try:
        fileobj = io.BytesIO(data) if isinstance(data, bytes) else data
        with tarfile.open(fileobj=fileobj, mode="r:") as tar:
            for info in tar:
                if not info.isfile():
                    continue
                key, dot, ext = info.name.partition(".")
                if ext not in ("png", "json"):
                    continue
                if len(key) != KEY_DIGITS or not key.isdigit():
                    raise ShardFormatError(f"{where}: member {info.name!r} is not named <9-digit index>.{ext}; {FIX}")
                if key not in pending:
                    if pending:
                        (k0, p0), = pending.items()
                        yield finish(k0, p0)
                        pending = {}
                    if int(key) != expected or expected >= last:
                        raise ShardFormatError(f"{where}: sample {key} where sample {key_of(expected)} was expected "
                                               f"(the manifest lists {entry['count']} samples from "
                                               f"{entry['first_index']}); {FIX}")
                    expected += 1
                    pending[key] = {}
                if ext in pending[key]:
                    raise ShardFormatError(f"{where}: sample {key} has two .{ext} members; {FIX}")
                if info.size > MAX_MEMBER_BYTES[ext]:
                    raise ShardFormatError(f"{where}: member {info.name} is {info.size} bytes, more than a .{ext} "
                                           f"member may hold ({MAX_MEMBER_BYTES[ext]}); it is not read; {FIX}")
                pending[key][ext] = tar.extractfile(info).read()
    except (tarfile.TarError, EOFError) as exc:
        raise ShardFormatError(f"{where}: not a readable tar ({exc}); the shard is truncated or corrupt; {FIX}") from exc
    if pending:
        (k0, p0), = pending.items()
        yield finish(k0, p0)
    if expected != last:
        raise ShardFormatError(f"{where}: holds {expected - entry['first_index']} samples, the manifest says "
                               f"{entry['count']}; {FIX}")


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid in a record")


def decode_image(png: bytes, where: str, size: int | None = None) -> np.ndarray:
    """PNG bytes -> uint8 (H, W, C), C = 3 (RGB) or 1 (L).

    The header is read first: a file that is not a PNG, or whose size is not the set's (or over
    MAX_IMAGE_SIDE when the set does not say), is refused before any pixel is decompressed, so a
    decompression bomb costs nothing.
    """
    # here, not at the top: only reading needs Pillow and numpy, not a render's parent or its shard writing
    import numpy as np
    from PIL import Image

    try:
        with warnings.catch_warnings():   # the size is checked right here, against the set's
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(png), formats=["PNG"])
        w, h = img.size
        if (size is not None and (w, h) != (size, size)) or max(w, h) > MAX_IMAGE_SIDE:
            want = f"{size}x{size}" if size is not None else f"at most {MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE}"
            raise ShardFormatError(f"{where}: image is {w}x{h}, the set's images are {want}; it is not decoded "
                                   f"(a wrong or hostile shard); {FIX}")
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        arr = np.asarray(img, dtype=np.uint8)
    except ShardFormatError:
        raise
    except Exception as exc:  # Pillow raises many types for bad data (OSError, ValueError, SyntaxError, ...)
        raise ShardFormatError(f"{where}: PNG does not decode ({exc}); {FIX}") from exc
    return arr if arr.ndim == 3 else arr[:, :, None]


class LocalShards:
    """Opens the shards of a set in a directory (the remote counterpart is shards.remote.RemoteShards)."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def where(self, name: str) -> str:
        return str(self.directory / name)

    def open(self, entry: dict) -> BinaryIO:
        path = self.directory / entry["name"]
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise ShardFormatError(f"{path}: listed in the manifest but missing; {FIX}") from None


class ShardReader:
    """The shards of one set, read and checked: `samples(entry)`, or as a webdataset stage.

    As a stage it maps {"url": shard name} items (from wds.SimpleShardList / ResampledShards) to
    {"__key__", "__url__", "png", "record"} samples. Picklable, for DataLoader worker processes.
    """

    def __init__(self, manifest: dict, source):
        self.entries = {s["name"]: s for s in manifest["shards"]}
        self.source = source

    def samples(self, entry: dict) -> Iterator[Sample]:
        where = self.source.where(entry["name"])
        with self.source.open(entry) as f:
            if entry["bytes"] <= IN_MEMORY_MAX:
                data = read_verified(f, entry, where)
            else:  # hash it streaming, then parse the same open file (a rename cannot swap it meanwhile)
                read_verified(f, entry, where, keep=False)
                f.seek(0)
                data = f
            yield from parse_shard(data, entry, where)

    def __call__(self, items) -> Iterator[dict]:
        for item in items:
            name = item["url"]
            entry = self.entries.get(name)
            if entry is None:
                raise ShardFormatError(f"{name}: not a shard of this set")
            for s in self.samples(entry):
                yield {"__key__": key_of(s.index), "__url__": self.source.where(name), "png": s.png, "record": s.record}


def iter_shard(path: Path | str, entry: dict | None = None) -> Iterator[Sample]:
    """The samples of one shard file, checked like every read (entry: from the set's manifest)."""
    path = Path(path)
    if entry is None:
        entries = {s["name"]: s for s in read_manifest(path.parent)["shards"]}
        if path.name not in entries:
            raise ShardFormatError(f"{path}: not listed in {path.parent / MANIFEST}")
        entry = entries[path.name]
    source = LocalShards(path.parent)
    return ShardReader({"shards": [entry]}, source).samples(entry)


def shard_paths(directory: Path | str, manifest: dict | None = None) -> list[Path]:
    """The shard files of a local set, in manifest order (names checked by the manifest check)."""
    manifest = manifest or read_manifest(directory)
    return [Path(directory) / s["name"] for s in manifest["shards"]]
