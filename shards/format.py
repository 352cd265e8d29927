"""The shard format, version 1: the one thing render/ and train/ share (see shards/README.md).

Standard library and numpy only. Writing is deterministic: the same samples give the same bytes
(fixed member order, mtime 0, no user names), so a shard set can be re-rendered and compared by hash.
Reading never executes or unpickles anything: members are decoded as PNG and JSON only.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

FORMAT = "shaderkd-shards"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PARTS_DIR = ".parts"
KEY_DIGITS = 9


class ShardFormatError(Exception):
    """A shard set, shard or sample does not follow the format."""


def key_of(index: int) -> str:
    return f"{index:0{KEY_DIGITS}d}"


def shard_name(k: int) -> str:
    return f"shard-{k:06d}.tar"


def shard_ranges(count: int, shard_size: int) -> list[tuple[int, int]]:
    """[(first_index, n)] for every shard of a set of `count` samples."""
    if count <= 0 or shard_size <= 0:
        raise ValueError(f"count ({count}) and shard size ({shard_size}) must be positive")
    return [(a, min(shard_size, count - a)) for a in range(0, count, shard_size)]


def dumps_record(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def write_shard(path: Path, samples: Iterable[tuple[int, bytes, dict]]) -> dict:
    """Write (index, png_bytes, record) samples to `path` atomically.

    The tar is written to `<path>.tmp`, flushed to disk and renamed, so a shard either exists
    complete or not at all (a kill -9 leaves only a `.tmp` file, which a resumed run overwrites).
    Returns {"name", "first_index", "count", "sha256", "bytes"}.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    digest = hashlib.sha256()
    first, count = None, 0
    with open(tmp, "wb") as raw:
        hashing = _HashingWriter(raw, digest)
        last = -1
        for index, png, record in samples:
            if index <= last:
                raise ShardFormatError(f"{path.name}: sample indices must increase ({last} then {index})")
            last = index
            first = index if first is None else first
            key = key_of(index)
            meta = dumps_record(record)
            hashing.write(b"".join((_ustar_header(f"{key}.png", len(png)), png, bytes(-len(png) % 512),
                                    _ustar_header(f"{key}.json", len(meta)), meta, bytes(-len(meta) % 512))))
            count += 1
        # the end of the archive as tarfile writes it: two zero blocks, then zeros to a whole record
        hashing.write(bytes(1024 + (-(hashing.size + 1024) % tarfile.RECORDSIZE)))
        raw.flush()
        os.fsync(raw.fileno())
        size = hashing.size
    os.replace(tmp, path)
    return {"name": path.name, "first_index": first, "count": count, "sha256": digest.hexdigest(), "bytes": size}


def _ustar_header(name: str, size: int) -> bytes:
    """The ustar header of a member: the 512 bytes tarfile wrote for it (mode 0444, uid/gid 0, no user
    names, mtime 0), built directly: tarfile's header code took a fifth of a render worker's time per
    image (bench/NOTES-render.md). tests/test_render_speed.py compares the bytes with tarfile's."""
    h = bytearray(512)
    h[0:len(name)] = name.encode("ascii")  # keys are digits: always short ASCII names
    h[100:124] = b"0000444\x000000000\x000000000\x00"  # mode, uid, gid
    h[124:136] = b"%011o\x00" % size
    h[136:148] = b"00000000000\x00"  # mtime 0
    h[148:157] = b"        0"  # checksum field counted as spaces; type: regular file
    h[257:265] = b"ustar\x0000"
    h[148:156] = b"%06o\x00 " % sum(h)
    return bytes(h)


class _HashingWriter(io.RawIOBase):
    """File-like wrapper that hashes what passes through (so a shard is hashed while written)."""

    def __init__(self, raw, digest):
        self.raw, self.digest, self.size = raw, digest, 0

    def writable(self):
        return True

    def tell(self):
        return self.size

    def write(self, b):
        self.digest.update(b)
        self.size += len(b)
        return self.raw.write(b)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Sample:
    index: int
    png: bytes
    record: dict


def iter_shard(path: Path) -> Iterator[Sample]:
    """Yield the samples of one shard in order; raise ShardFormatError naming shard and member."""
    path = Path(path)
    pending: dict[str, dict[str, bytes]] = {}
    order: list[str] = []
    try:
        with tarfile.open(path, mode="r:") as tar:
            for info in tar:
                if not info.isfile():
                    continue
                key, _, ext = info.name.partition(".")
                if ext not in ("png", "json"):
                    continue  # other members are ignored, never interpreted
                f = tar.extractfile(info)
                data = f.read() if f is not None else b""
                if key not in pending:
                    pending[key] = {}
                    order.append(key)
                pending[key][ext] = data
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ShardFormatError(f"{path}: not a readable tar ({exc}); the shard is truncated or corrupt: "
                               f"re-render it (`shaderkd render` with the same options redoes missing shards)") from exc
    for key in order:
        parts = pending[key]
        if set(parts) != {"png", "json"}:
            raise ShardFormatError(f"{path}: sample {key} lacks its {'.json' if 'png' in parts else '.png'} member")
        try:
            record = json.loads(parts["json"])
        except ValueError as exc:
            raise ShardFormatError(f"{path}: sample {key}: record is not valid JSON ({exc})") from exc
        if not key.isdigit() or record.get("index") != int(key):
            raise ShardFormatError(f"{path}: sample {key}: record index {record.get('index')!r} does not match its key")
        yield Sample(int(key), parts["png"], record)


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ShardFormatError(f"{path}: no manifest; is {directory} a shard set? Render one with `shaderkd render --out {directory}`")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise ShardFormatError(f"{path}: not valid JSON ({exc})") from exc
    validate_manifest(manifest, where=str(path))
    return manifest


MANIFEST_KEYS = {
    "format": str, "format_version": int, "kind": str, "num_samples": int, "complete": bool,
    "config": dict, "bank": dict, "renderer": dict, "stats": dict, "shards": list,
}
SHARD_KEYS = {"name": str, "first_index": int, "count": int, "sha256": str, "bytes": int}


def validate_manifest(manifest: dict, where: str = "manifest") -> None:
    """Check the manifest's schema; raise ShardFormatError saying which key is wrong."""
    for key, typ in MANIFEST_KEYS.items():
        if key not in manifest:
            raise ShardFormatError(f"{where}: missing key '{key}'")
        if not isinstance(manifest[key], typ):
            raise ShardFormatError(f"{where}: '{key}' should be {typ.__name__}, not {type(manifest[key]).__name__}")
    if manifest["format"] != FORMAT:
        raise ShardFormatError(f"{where}: format is {manifest['format']!r}, expected {FORMAT!r}")
    if manifest["format_version"] > FORMAT_VERSION:
        raise ShardFormatError(f"{where}: format version {manifest['format_version']} is newer than this "
                               f"shaderkd understands ({FORMAT_VERSION}); upgrade shaderkd")
    for i, shard in enumerate(manifest["shards"]):
        for key, typ in SHARD_KEYS.items():
            if not isinstance(shard.get(key), typ):
                raise ShardFormatError(f"{where}: shards[{i}].{key} missing or not {typ.__name__}")
    total = sum(s["count"] for s in manifest["shards"])
    if total != manifest["num_samples"]:
        raise ShardFormatError(f"{where}: num_samples is {manifest['num_samples']} but the shards hold {total}")


def write_manifest(directory: Path, manifest: dict) -> Path:
    validate_manifest(manifest)
    path = Path(directory) / MANIFEST
    tmp = path.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True, allow_nan=False) + "\n")
    os.replace(tmp, path)
    return path


def shard_paths(directory: Path, manifest: dict | None = None) -> list[Path]:
    """The shard files of a set, in manifest order."""
    manifest = manifest or read_manifest(directory)
    return [Path(directory) / s["name"] for s in manifest["shards"]]
