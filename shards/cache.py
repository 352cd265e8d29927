"""A local cache of remote shards, keyed by content (sha256), never by file name.

    <root>/sha256/ab/abcdef...        one verified shard, named by its sha256
    <root>/sha256/ab/abcdef....<pid>.<random>.part     a download in progress

Two sets that both hold `shard-000000.tar` never serve each other's bytes, and a shard shared by two
sets is fetched once. Several processes on one machine may use one cache at once: each downloads to
its own temporary name and renames into place (atomic; the same content under the same name, so the
last rename wins harmlessly), and eviction holds a lock file. A reader that has a shard open keeps
reading it even when another process evicts it (POSIX unlink semantics).

Size limit: `SHADERKD_CACHE_MB` (default 20480); when the cache grows past it, the least recently
used shards are removed. Root: `SHADERKD_CACHE`, else `$XDG_CACHE_HOME/shaderkd/shards`, else
`~/.cache/shaderkd/shards`.
"""
from __future__ import annotations

import fcntl
import logging
import os
import secrets
import time
from pathlib import Path

from shards.format import LocalShards
from shards.manifest import MANIFEST, parse_manifest, read_manifest
from shards.remote import FetchError, Fetcher, disk_error, file_path, is_url, set_url

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 20480
STALE_PART_S = 24 * 3600      # a .part older than this belongs to a process that died


def default_root() -> Path:
    if os.environ.get("SHADERKD_CACHE"):
        return Path(os.environ["SHADERKD_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shaderkd" / "shards"


def default_max_bytes() -> int:
    text = os.environ.get("SHADERKD_CACHE_MB", str(DEFAULT_MAX_MB))
    try:
        mb = float(text)
    except ValueError:
        raise FetchError(f"SHADERKD_CACHE_MB={text!r} is not a number of megabytes") from None
    if mb <= 0:
        raise FetchError(f"SHADERKD_CACHE_MB={text!r} must be positive")
    return int(mb * 2 ** 20)


class ShardCache:
    def __init__(self, root: Path | str | None = None, max_bytes: int | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.max_bytes = max_bytes if max_bytes is not None else default_max_bytes()

    def path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def get(self, url: str, entry: dict, fetcher: Fetcher) -> Path:
        """The local path of a verified copy of `entry` (fetched from `url` when not cached)."""
        final = self.path(entry["sha256"])
        try:
            if final.stat().st_size == entry["bytes"]:
                os.utime(final)            # the mtime is the "last used" of the LRU
                return final
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise disk_error(final.parent, exc) from None
        if entry["bytes"] > self.max_bytes:
            raise FetchError(f"{url}: {entry['bytes'] / 2**20:.1f} MB does not fit in the shard cache "
                             f"({self.max_bytes / 2**20:.1f} MB, SHADERKD_CACHE_MB); raise the limit or pull the "
                             f"set to a directory (`shaderkd pull`)")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise disk_error(final.parent, exc) from None
        part = final.with_name(f"{final.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
        try:
            fetcher.download(url, part, entry["bytes"], entry["sha256"])
            os.replace(part, final)
        except OSError as exc:
            raise disk_error(part, exc) from None
        finally:
            part.unlink(missing_ok=True)
        try:
            self.evict(keep=final)
        except OSError as exc:
            raise disk_error(self.root, exc) from None
        return final

    def evict(self, keep: Path | None = None) -> int:
        """Remove least recently used shards until the cache is under its limit; return bytes freed."""
        lock = self.root / ".lock"
        freed = 0
        with open(lock, "a") as lf:
            fcntl.flock(lf, fcntl.LOCK_EX)
            files, now = [], time.time()
            for p in (self.root / "sha256").glob("*/*"):
                try:
                    st = p.stat()
                except FileNotFoundError:
                    continue          # evicted or renamed by another process meanwhile
                if p.name.endswith(".part"):
                    if now - st.st_mtime > STALE_PART_S:
                        p.unlink(missing_ok=True)
                    continue
                files.append((st.st_mtime, st.st_size, p))
            total = sum(size for _, size, _ in files)
            for _, size, p in sorted(files):
                if total <= self.max_bytes:
                    break
                if p == keep:
                    continue
                p.unlink(missing_ok=True)
                total -= size
                freed += size
        if freed:
            log.info("shard cache %s: evicted %.1f MB (limit %.1f MB)", self.root, freed / 2**20, self.max_bytes / 2**20)
        return freed


class RemoteShards:
    """Opens the shards of a set at a URL through the cache (the local counterpart is format.LocalShards)."""

    def __init__(self, base_url: str, cache: ShardCache | None = None, fetcher: Fetcher | None = None):
        self.base_url = base_url
        self.cache = cache or ShardCache()
        self.fetcher = fetcher or Fetcher.from_env()

    def where(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def open(self, entry: dict):
        for _ in range(3):   # another process may evict the shard between get() and open()
            try:
                return open(self.cache.get(self.where(entry["name"]), entry, self.fetcher), "rb")
            except FileNotFoundError:
                continue
        raise FetchError(f"{self.where(entry['name'])}: evicted from the shard cache as soon as it was fetched; "
                         f"the cache ({self.cache.root}) is too small for the processes sharing it: raise "
                         f"SHADERKD_CACHE_MB")


def open_set(location, cache: ShardCache | None = None, fetcher: Fetcher | None = None):
    """(manifest, shard source, name) of a set given as a directory or a URL; the manifest is checked."""
    if not is_url(location):
        return read_manifest(location), LocalShards(location), Path(location).name
    base = set_url(location)
    name = base.rsplit("/", 1)[-1]
    if base.startswith("file://"):
        path = file_path(base)
        return read_manifest(path), LocalShards(path), name
    fetcher = fetcher or Fetcher.from_env()
    manifest = parse_manifest(fetcher.get_bytes(f"{base}/{MANIFEST}"), f"{base}/{MANIFEST}")
    return manifest, RemoteShards(base, cache, fetcher), name
