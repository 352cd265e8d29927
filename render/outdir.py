"""The output directory of a render: who made the set in it, who is writing it, and the bookkeeping
in `.parts/` that lets a killed render resume.

A render owns a directory through `.parts/config.json`, written before its first shard, and holds
`.parts/lock` while it runs. Everything else in `.parts/` is written whole (by rename) and, when it
is not what a render writes, treated as absent and redone.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from shards import format as fmt
from shards.manifest import replace_text

log = logging.getLogger(__name__)


class OutputDirError(Exception):
    """The output directory cannot be rendered into as it is."""


class ForeignSetError(OutputDirError):
    """The output directory holds a shard set this render did not make (curated, or its .parts/ gone)."""


class OutputBusyError(OutputDirError):
    """Another process is rendering into the same output directory."""


LOCK_NAME = "lock"


def refuse_foreign_set(out: Path) -> None:
    """Raise ForeignSetError when `out` holds a shard set whose render bookkeeping is not there.

    A render owns a directory through `.parts/config.json`, written before its first shard. Without
    it, a manifest or shard files belong to someone else (`curate`, or a render whose `.parts/` was
    deleted once complete): rendering there would replace the manifest, overwrite some shards and
    orphan the rest, and `verify` would then call the mixture good."""
    manifest_path = out / fmt.MANIFEST
    owned = (out / fmt.PARTS_DIR / "config.json").is_file()
    n_files = len(list(out.glob("shard-*.tar")))
    if not manifest_path.exists() and (owned or not n_files):
        return
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = None
    ours = isinstance(manifest, dict) and manifest.get("format") == fmt.FORMAT
    if ours:
        listed = manifest.get("shards")
        size = f"{manifest.get('num_samples')} samples in {len(listed) if isinstance(listed, list) else '?'} shards"
        if manifest.get("kind") != "render":
            kind = manifest.get("kind")
            raise ForeignSetError(
                f"{out} holds a {kind if isinstance(kind, str) else 'non-render'} shard set ({size}"
                f"{', made by `shaderkd curate`' if kind == 'curated' else ''}); rendering there would overwrite "
                f"its manifest and shards. Render into another --out (for example {out.name}-render).")
    if owned:
        return  # our own render's directory (a manifest we cannot read is rewritten at the end)
    if ours:
        what = f"a {'complete' if manifest.get('complete') is True else 'partial'} render ({size})"
    elif manifest_path.exists():
        what = "a manifest.json that is not a shaderkd shard set's" + (f" and {n_files} shard file(s)" if n_files else "")
    else:
        what = f"{n_files} shard file(s) and no manifest"
    raise ForeignSetError(
        f"{out} holds {what} but not the bookkeeping of the render that made it ({out / fmt.PARTS_DIR}/config.json), "
        f"so this render cannot tell which shards are its own and would overwrite some of them. If the set is "
        f"complete it needs no render (`shaderkd verify {out}` checks it); to finish a split render, copy its "
        f".parts/ directory here too; to render it again, delete {out} or pass another --out.")


@contextmanager
def output_lock(path: Path, shared: bool = False, wait: bool = False):
    """Hold an exclusive lock on `path` (in `.parts/`) for the duration: one render per directory.

    An flock: the kernel releases it when the holder exits, kill -9 included, so it is never stale.
    The file says who holds it, for the message a second render prints. shared: the parts of a job
    array hold the directory's lock together (render/parts.py); wait: block instead of refusing."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    f = os.fdopen(fd, "r+")
    try:
        fcntl.flock(f, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        holder = f.read().strip()
        f.close()
        try:
            info = json.loads(holder)
            who = f"pid {info['pid']} on {info['host']}, started {info['since']}: {info['command']}"
        except (ValueError, KeyError, TypeError):
            who = "it has not yet written who it is"
        raise OutputBusyError(
            f"{path.parent.parent} is being rendered by another process ({who}); two renders into one "
            f"directory would overwrite each other's shards. Wait for it to finish (or stop it), then run the "
            f"same command again, or pass another --out.") from None
    try:
        f.seek(0)
        f.truncate()
        f.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                            "command": " ".join(sys.argv)}) + "\n")
        f.flush()
        yield
    finally:
        f.close()  # releases the lock; the file stays, so a waiting render never locks a deleted inode


# What each bookkeeping file in .parts/ must hold to be used: a record, or a record of records with these keys.
PART_KEYS = {"name": str, "shard": int, "first_index": int, "count": int, "sha256": str, "bytes": int,
             "shaders": list, "rejected": dict, "renderer": dict}
ENTRY_KEYS = {"excluded.json": ("reason", "detail"), "checked.json": ("status", "detail", "ms")}


def load_json(path: Path, default):
    """A bookkeeping file of .parts/, or `default` when it is absent or not what a render writes.

    Anything unusable is treated as absent and redone: a file emptied by a crash before the disk
    caught up, or edited by hand. (Render writes these files whole, by rename.)"""
    try:
        obj = json.loads(path.read_text())
    except FileNotFoundError:
        return default
    except (ValueError, UnicodeDecodeError):
        obj = None
    entry_keys = ENTRY_KEYS.get(path.name)
    if path.name == "config.json":
        ok = isinstance(obj, dict) and isinstance(obj.get("bank_hash"), str)
    elif entry_keys is not None:
        ok = isinstance(obj, dict) and all(isinstance(v, dict) and all(k in v for k in entry_keys) for v in obj.values())
    else:  # a finished shard's record
        ok = isinstance(obj, dict) and all(isinstance(obj.get(k), t) for k, t in PART_KEYS.items())
    if not ok:
        log.warning("%s is not what a render writes; treated as absent (what it recorded is redone)", path)
        return default
    return obj


def save_json(path: Path, obj) -> None:
    """Write `path` whole by rename (several parts of a job array may write the same file at once)."""
    replace_text(path, json.dumps(obj, sort_keys=True, indent=1))
