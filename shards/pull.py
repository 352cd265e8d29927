"""Mirror a published shard set into a directory: `shaderkd pull URL DIR`.

The manifest is fetched first (and, with `sha256`, checked against the hash the publisher gave),
then checked like every manifest. Each file it lists (the shards, and the files of a published set:
card, Croissant metadata, preview, bank sources) is fetched to `DIR/.pull/<name>.part`, resumed
there after an interruption, checked for size and sha256 while it streams, and renamed to
`DIR/<name>` only when both match. The manifest is written last, byte for byte as fetched: until
then DIR is not a shard set, so an interrupted pull is never mistaken for a complete one, and the
same command finishes it. Files already in place with the right hash are kept.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Callable

from shards.format import sha256_file
from shards.manifest import MANIFEST, parse_manifest
from shards.remote import FetchError, Fetcher, disk_error, set_url

PULL_DIR = ".pull"


def pull(url: str, dest: Path | str, sha256: str | None = None, fetcher: Fetcher | None = None,
         on_event: Callable[..., None] = lambda kind, **info: None) -> dict:
    """Mirror the set at `url` into `dest`; return its manifest. Events: "manifest" (files, bytes),
    "have" (name, bytes) for a file already in place, "fetched" (name, bytes)."""
    fetcher = fetcher or Fetcher()
    base = set_url(url)
    manifest_url = f"{base}/{MANIFEST}"
    data = fetcher.get_bytes(manifest_url)
    if sha256 is not None:
        found = hashlib.sha256(data).hexdigest()
        if found != sha256.strip().lower():
            raise FetchError(f"{manifest_url}: sha256 is {found}, but --sha256 pins {sha256}: this is not the "
                             f"manifest you were given (the set changed, or the URL is wrong); ask the publisher")
    manifest = parse_manifest(data, manifest_url)
    files = manifest["shards"] + manifest.get("files", [])
    dest = Path(dest)
    _check_destination(dest, data, {f["name"] for f in files}, base)
    on_event("manifest", files=len(files), bytes=sum(f["bytes"] for f in files))
    work = dest / PULL_DIR
    try:
        work.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise disk_error(work, exc) from None
    for entry in files:
        final = dest / entry["name"]
        if final.is_file() and final.stat().st_size == entry["bytes"] and sha256_file(final) == entry["sha256"]:
            on_event("have", name=entry["name"], bytes=entry["bytes"])
            continue
        part = work / (entry["name"] + ".part")
        fetcher.download(f"{base}/{entry['name']}", part, entry["bytes"], entry["sha256"])
        try:
            os.replace(part, final)
        except OSError as exc:
            raise disk_error(final, exc) from None
        on_event("fetched", name=entry["name"], bytes=entry["bytes"])
    tmp = dest / (MANIFEST + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, dest / MANIFEST)
    except OSError as exc:
        raise disk_error(dest / MANIFEST, exc) from None
    shutil.rmtree(work, ignore_errors=True)
    return manifest


def _check_destination(dest: Path, data: bytes, names: set[str], base: str) -> None:
    """Pull only into an empty directory, an interrupted pull of this set, or a finished one."""
    if not dest.exists():
        return
    if not dest.is_dir():
        raise FetchError(f"{dest}: exists and is not a directory; choose another destination")
    have = dest / MANIFEST
    if have.exists() and have.read_bytes() != data:
        raise FetchError(f"{dest} already holds a different shard set (its manifest.json differs from "
                         f"{base}'s); choose another directory, or delete that one to replace it")
    strangers = sorted(p.name for p in dest.iterdir() if p.name not in names | {MANIFEST, PULL_DIR})
    if strangers:
        raise FetchError(f"{dest} holds files that are not part of the set at {base} ({', '.join(strangers[:3])}"
                         f"{', ...' if len(strangers) > 3 else ''}); pull into an empty or new directory")
