"""Results of the shader check kept on disk, so a second set from the same bank skips the check.

The check (compile, warm up, time a few frames; `render.worker`) costs seconds to minutes per bank and
gives the same answer for the same source on the same renderer at the same frame size: its result is
stored under a key of (sha256 of the compiled source, the renderer's identity, frame size in pixels
and supersampling, number of timed frames). Each entry is one small JSON file written by rename, so the workers of one
or several runs can share the directory without locks (two writers of a key write the same thing).
A hang is found by the parent, which kills the worker: it stores it (`record_hang`).

Where: $SHADERKD_CHECK_CACHE, else $XDG_CACHE_HOME/shaderkd/checks, else ~/.cache/shaderkd/checks.
SHADERKD_CHECK_CACHE=off turns it off. Deleting the directory is always safe.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
VERSION = 1  # bump when the check itself changes meaning


def default_dir() -> Path | None:
    env = os.environ.get("SHADERKD_CHECK_CACHE")
    if env:
        return None if env.lower() == "off" else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "shaderkd" / "checks"


class CheckCache:
    def __init__(self, directory: Path | None, renderer: dict, frame_px: int, supersample: int, frames: int):
        self.directory = directory
        self.ident = json.dumps({"v": VERSION, "renderer": renderer, "frame_px": frame_px,
                                 "supersample": supersample, "frames": frames}, sort_keys=True)

    def _path(self, fragment: str) -> Path:
        key = hashlib.sha256((self.ident + "\0" + fragment).encode()).hexdigest()
        return self.directory / key[:2] / f"{key}.json"

    def get(self, fragment: str) -> dict | None:
        """{"status", "detail", "ms"} stored for this source, or None."""
        if self.directory is None:
            return None
        try:
            entry = json.loads(self._path(fragment).read_text())
        except (OSError, ValueError):  # absent, or torn by a crash: check again
            return None
        if not isinstance(entry, dict) or set(entry) != {"status", "detail", "ms"}:
            return None
        return entry

    def put(self, fragment: str, status: str, detail: str, ms: float | None) -> None:
        if self.directory is None:
            return
        path = self._path(fragment)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"status": status, "detail": detail, "ms": ms}))
            os.replace(tmp, path)
        except OSError as exc:  # a read-only or full cache only costs the next run a check
            log.warning("check cache %s not written: %s", self.directory, exc)


def record_hang(settings: dict, renderer: dict | None, frames: int, fragment: str, detail: str) -> None:
    """Store a check that hung (the parent's watchdog killed its worker), so a later set skips it too."""
    if renderer is not None:
        k = settings["supersample"]
        CheckCache(default_dir(), renderer, settings["size"] * k, k, frames).put(fragment, "hang", detail, None)
