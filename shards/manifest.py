"""The manifest of a shard set: one check, used wherever a manifest is read (see shards/README.md).

`check_manifest` is the only judge of a manifest: `verify`, `distill`, `curate`, `preview`, `pull`
and the remote reader all call it before they follow any name in it. A manifest comes from another
lab as often as from this machine, so nothing in it is trusted: shard names must be plain names of
the set (`shard-NNNNNN.tar`, never `../x` or `/etc/passwd`), listed once, with hashes and sizes of
the right types, counts that add up and agree with the config.

Standard library only.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
from pathlib import Path

FORMAT = "shaderkd-shards"
# 2: `bank.path` (a path on the rendering machine) is gone, `bank.licences` maps every shader to its
#    licence, and a published set lists its extra files (`files`). Version 1 sets are still read.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 << 20     # a manifest of a million shards is ~150 MB... of 100k shards, ~15 MB
SHARD_NAME_RE = re.compile(r"^shard-[0-9]{6,9}\.tar$")
FILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*$")   # no '/', no '..'
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
KINDS = ("render", "curated")


class ShardFormatError(Exception):
    """A shard set, shard or sample does not follow the format."""


MANIFEST_KEYS = {
    "format": str, "format_version": int, "kind": str, "num_samples": int, "complete": bool,
    "config": dict, "bank": dict, "renderer": dict, "stats": dict, "shards": list,
}
SHARD_KEYS = {"name": str, "first_index": int, "count": int, "sha256": str, "bytes": int}
FILE_KEYS = {"name": str, "sha256": str, "bytes": int}


def _is(value, typ) -> bool:
    # bool is an int in Python; a manifest saying "count": true is wrong, not 1
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


def _typename(value) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def _check_entries(entries, keys: dict, field: str, where: str) -> None:
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ShardFormatError(f"{where}: {field}[{i}] should be an object, not {_typename(entry)}")
        for key, typ in keys.items():
            if not _is(entry.get(key), typ):
                raise ShardFormatError(f"{where}: {field}[{i}].{key} missing or not {typ.__name__} "
                                       f"(found {_typename(entry.get(key))})")
        if not SHA256_RE.match(entry["sha256"]):
            raise ShardFormatError(f"{where}: {field}[{i}].sha256 is not 64 lowercase hex digits")
        if entry["bytes"] < 1:
            raise ShardFormatError(f"{where}: {field}[{i}].bytes must be positive (found {entry['bytes']})")


def check_manifest(manifest, where: str = "manifest") -> None:
    """Refuse anything that is not a well-formed manifest; raise ShardFormatError naming the field."""
    if not isinstance(manifest, dict):
        raise ShardFormatError(f"{where}: a manifest is a JSON object, not {_typename(manifest)}")
    for key, typ in MANIFEST_KEYS.items():
        if key not in manifest:
            raise ShardFormatError(f"{where}: missing key '{key}'")
        if not _is(manifest[key], typ):
            raise ShardFormatError(f"{where}: '{key}' should be {typ.__name__}, not {_typename(manifest[key])}")
    if manifest["format"] != FORMAT:
        raise ShardFormatError(f"{where}: format is {manifest['format']!r}, expected {FORMAT!r}")
    version = manifest["format_version"]
    if version > FORMAT_VERSION:
        raise ShardFormatError(f"{where}: format version {version} is newer than this shaderkd understands "
                               f"({FORMAT_VERSION}); upgrade shaderkd")
    if version < 1:
        raise ShardFormatError(f"{where}: format version {version} does not exist (versions start at 1)")
    if manifest["kind"] not in KINDS:
        raise ShardFormatError(f"{where}: kind is {manifest['kind']!r}, expected one of {', '.join(KINDS)}")
    if manifest["num_samples"] < 0:
        raise ShardFormatError(f"{where}: num_samples is negative ({manifest['num_samples']})")

    shards = manifest["shards"]
    _check_entries(shards, SHARD_KEYS, "shards", where)
    seen: set[str] = set()
    end = 0
    for i, s in enumerate(shards):
        if not SHARD_NAME_RE.match(s["name"]):
            raise ShardFormatError(f"{where}: shards[{i}].name {s['name']!r} is not a plain shard name of the set "
                                   f"(shard-NNNNNN.tar); a manifest may not name files outside its set")
        if s["name"] in seen:
            raise ShardFormatError(f"{where}: shard {s['name']} is listed twice")
        seen.add(s["name"])
        if s["count"] < 1 or s["first_index"] < 0:
            raise ShardFormatError(f"{where}: {s['name']}: count must be positive and first_index not negative")
        if s["first_index"] < end:
            raise ShardFormatError(f"{where}: {s['name']}: samples from {s['first_index']} overlap or precede "
                                   f"the previous shard's (which end at {end - 1}); shards are listed in order")
        end = s["first_index"] + s["count"]
    total = sum(s["count"] for s in shards)
    if total != manifest["num_samples"]:
        raise ShardFormatError(f"{where}: num_samples is {manifest['num_samples']} but the shards hold {total}")
    if manifest["complete"] and not shards:
        raise ShardFormatError(f"{where}: says the set is complete but lists no shards")
    _check_against_config(manifest, where)

    if version >= 2:
        if "path" in manifest["bank"]:
            raise ShardFormatError(f"{where}: bank.path is not part of format version 2 (it was the rendering "
                                   f"machine's path)")
        licences = manifest["bank"].get("licences", {})
        if not isinstance(licences, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in licences.items()):
            raise ShardFormatError(f"{where}: bank.licences should map shader names to licence strings")
    files = manifest.get("files", [])
    if not isinstance(files, list):
        raise ShardFormatError(f"{where}: 'files' should be list, not {_typename(files)}")
    _check_entries(files, FILE_KEYS, "files", where)
    for i, f in enumerate(files):
        if not FILE_NAME_RE.match(f["name"]) or f["name"] == MANIFEST or SHARD_NAME_RE.match(f["name"]) \
                or f["name"] in seen:
            raise ShardFormatError(f"{where}: files[{i}].name {f['name']!r} is not a plain file name of the set "
                                   f"(or is listed twice)")
        seen.add(f["name"])


def _check_against_config(manifest: dict, where: str) -> None:
    """Where the config says how many samples and how big a shard is, the shards must be exactly those."""
    config = manifest["config"]
    count, size = config.get("count"), config.get("shard_size")
    if count is None or size is None:
        return
    if not (_is(count, int) and _is(size, int) and count > 0 and size > 0):
        raise ShardFormatError(f"{where}: config.count and config.shard_size must be positive integers "
                               f"(found {count!r}, {size!r})")
    expected = {f"shard-{k:06d}.tar": (a, min(size, count - a)) for k, a in enumerate(range(0, count, size))}
    for s in manifest["shards"]:
        want = expected.get(s["name"])
        if want is None:
            raise ShardFormatError(f"{where}: {s['name']} is not a shard of a set of {count} samples in shards "
                                   f"of {size} ({len(expected)} shards)")
        if (s["first_index"], s["count"]) != want:
            raise ShardFormatError(f"{where}: {s['name']} holds samples {s['first_index']}..+{s['count']}, but "
                                   f"the config puts {want[0]}..+{want[1]} there")
    if manifest["complete"] and len(manifest["shards"]) != len(expected):
        raise ShardFormatError(f"{where}: says the set is complete, but lists {len(manifest['shards'])} of the "
                               f"{len(expected)} shards of its config ({count} samples)")


def parse_manifest(data: bytes, where: str) -> dict:
    """Bytes of a manifest (from a file or a server) -> the checked manifest."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ShardFormatError(f"{where}: {len(data)} bytes is too large for a manifest (limit "
                               f"{MAX_MANIFEST_BYTES}); is this a shard set's manifest.json?")
    try:
        manifest = json.loads(data, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        head = data[:60].decode("utf-8", "replace").strip()
        raise ShardFormatError(f"{where}: not valid JSON ({exc}); it starts with {head!r}. Point at the "
                               f"manifest.json of a shard set") from exc
    check_manifest(manifest, where)
    return manifest


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_manifest(directory: Path | str) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ShardFormatError(f"{path}: no manifest; is {directory} a shard set? Render one with "
                               f"`shaderkd render --out {directory}`")
    return parse_manifest(path.read_bytes(), str(path))


def replace_text(path: Path, text: str) -> None:
    """Write `path` whole by rename, through a temporary name of this writer's own (host, process,
    random token): the parts of a job array on shared storage may write the same file at once."""
    tmp = path.with_name(f"{path.name}.{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_manifest(directory: Path | str, manifest: dict) -> Path:
    check_manifest(manifest)
    path = Path(directory) / MANIFEST
    replace_text(path, dumps_manifest(manifest))
    return path


def dumps_manifest(manifest: dict) -> str:
    return json.dumps(manifest, indent=1, sort_keys=True, allow_nan=False) + "\n"
