"""A run directory used safely: one process at a time, checkpoints that survive a kill or a full
disk, and readers that say what is wrong with a damaged file instead of a traceback.

    with RunLock(out):                          # a second process gets RunLockedError: who holds it
        if has_checkpoint(out / "state.pt"):
            state = load_checkpoint(out / "state.pt", device)   # falls back to state.prev.pt
        ...
        save_checkpoint(state, out / "state.pt")   # state.pt stays whole; the one before is kept

A checkpoint is written beside its final name, flushed to disk, and renamed into place; the
checkpoint it replaces is kept as `<name>.prev<suffix>` (a hard link, so no copy), so at every
moment the directory holds a complete `state.pt`, and a `state.pt` damaged later (a truncated
copy, a disk that lied about a write) still leaves the one before it to resume from. The lock is
an advisory `flock` on `<dir>/.lock`: the kernel drops it when its process exits, however it
exits, so a killed run never leaves a stale lock behind.
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import Any, Iterable

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"


class RunDirError(ValueError):
    """The run directory belongs to another run, is in use, or holds damaged files."""


class RunLockedError(RunDirError):
    """Another process is using the run directory."""


class DamagedStateError(RunDirError):
    """No readable checkpoint is left in the run directory."""


# ------------------------------------------------------------------------------------ the lock

class RunLock:
    """An exclusive lock on a run directory (created if absent), held from `acquire()` (or
    `with`) to `release()` or the process's end. The lock file records who holds it."""

    def __init__(self, out: Path | str):
        self.out = Path(out)
        self.path = self.out / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:   # read-only, not a directory, no permission
            raise RunDirError(f"cannot use {self.out} as a run directory: {exc.strerror} ({exc.filename}); "
                              f"choose another --out") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunLockedError(
                f"{self.out} is in use by {holder}. One process at a time may use a run directory: "
                f"wait for that one to end (or stop it), or choose another --out. The lock goes "
                f"with its process, so a killed run never leaves it behind") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "since": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                                 "command": " ".join(sys.argv)}).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode())
        return (f"process {info['pid']} on {info['host']} since {info['since']} "
                f"(`{info['command']}`)")
    except (OSError, ValueError, KeyError, TypeError):   # written this very moment, or by hand
        return "another process (it has not said which yet)"


# ------------------------------------------------------------------------------ checkpoints

def previous(path: Path) -> Path:
    """Where the checkpoint before `path` is kept: state.pt -> state.prev.pt."""
    return path.with_name(f"{path.stem}.prev{path.suffix}")


def has_checkpoint(path: Path) -> bool:
    """True when `path` or the checkpoint kept before it exists (readable or not)."""
    return path.exists() or previous(path).exists()


def save_checkpoint(obj: Any, path: Path) -> None:
    """torch.save `obj` to `path` without ever leaving `path` incomplete: written to
    `<path>.tmp`, flushed to disk, then renamed over `path`; the file it replaces becomes
    `previous(path)`. On failure (disk full, ...) the files already there are untouched and
    RunDirError says what happened."""
    import torch   # here, not at the top: the lock and the readers work without torch's import time
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            _keep_previous(path)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except (OSError, RuntimeError) as exc:   # torch reports a failed write as a RuntimeError
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT) \
            or "No space left" in str(exc)
        kept = [p.name for p in (path, previous(path)) if p.exists()]
        raise RunDirError(
            f"cannot save {path}{': the disk is full' if full else ''} "
            f"({type(exc).__name__}: {exc}). "
            + (f"The checkpoint(s) already there ({', '.join(kept)}) are kept and whole; "
               if kept else "No checkpoint was written yet; ")
            + ("free some space" if full else "fix that") + " and run the same command again to resume") from exc


def _keep_previous(path: Path) -> None:
    prev, staging = previous(path), path.with_name(path.name + ".prev-tmp")
    staging.unlink(missing_ok=True)
    try:
        os.link(path, staging)
    except OSError:   # a file system without hard links
        shutil.copy2(path, staging)
    os.replace(staging, prev)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:   # some file systems refuse fsync on a directory; the rename still happened
        pass
    finally:
        os.close(fd)


def load_checkpoint(path: Path, map_location: Any = "cpu", keys: Iterable[str] = ()) -> dict:
    """The newest readable checkpoint: `path`, else `previous(path)` (with a warning saying why).
    Read with weights_only=True; a checkpoint must be a dict holding `keys`. DamagedStateError
    when neither can be used, naming each file's problem and what to do."""
    import torch
    path = Path(path)
    problems = []
    for candidate in (path, previous(path)):
        if not candidate.exists():
            continue
        try:
            state = torch.load(candidate, map_location=map_location, weights_only=True)
        except Exception as exc:  # empty, truncated, not a checkpoint: torch raises many types
            detail = str(exc).split(". ")[0][:120]
            problems.append(f"{candidate.name} is empty, truncated or damaged "
                            f"({type(exc).__name__}{': ' + detail if detail else ''})")
            continue
        missing = [k for k in keys if not isinstance(state, dict) or k not in state]
        if missing:
            problems.append(f"{candidate.name} is not a checkpoint of this run's kind "
                            f"(lacks {', '.join(missing)})")
            continue
        if problems:   # state.pt is damaged: set it aside, so that the next save keeps this one
            damaged = path.with_name(path.name + ".damaged")
            os.replace(path, damaged)
            log.warning("%s (kept as %s); resuming from %s instead", "; ".join(problems),
                        damaged.name, candidate.name)
        return state
    raise DamagedStateError(
        f"cannot resume the run in {path.parent}: " + ("; ".join(problems) or f"{path.name} is absent")
        + f". No readable checkpoint is left: delete {path.name}"
        + (f" and {previous(path).name}" if previous(path).exists() else "")
        + " to start the run over, or choose another --out")


def disk_full(exc: BaseException, out: Path | str) -> str | None:
    """A one-paragraph message when `exc` is a write into run directory `out` that ran out of
    space, else None (for a CLI: writes other than checkpoints, such as metrics.jsonl, fail
    this way)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = exc.filename or out
        return (f"the disk is full while writing {where} ({exc.strerror}). Every checkpoint already written is "
                f"whole (each is written beside its name and renamed into place); free some space "
                f"and run the same command again to resume from the last one")
    return None


# ------------------------------------------------------------------------ tolerant readers

def read_json(path: Path, what: str) -> dict:
    """The JSON object in `path`; RunDirError naming `what` it is when it cannot be read."""
    try:
        data = json.loads(Path(path).read_text())
        if not isinstance(data, dict):
            raise ValueError(f"a JSON object was expected, not {type(data).__name__}")
        return data
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RunDirError(
            f"{path} ({what}) cannot be read: {exc}. It was damaged or edited by hand; restore "
            f"it from a copy, or move the run directory aside and start the run again") from exc


def read_metrics(path: Path) -> list[dict]:
    """The records of a metrics.jsonl. A torn last line (a process killed mid-write) is dropped
    with a warning; a damaged line before it is a RunDirError naming its number."""
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text(errors="replace").split("\n")
    if lines[-1] == "":                    # the usual end: a newline after the last record
        lines.pop()
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("step"), int):
                raise ValueError("not a record with an integer step")
        except ValueError as exc:
            if number == len(lines):
                log.warning("%s: dropping its last line, cut short by an interrupted write (%r)",
                            path, line[:60])
                break
            raise RunDirError(f"{path}, line {number}, is damaged ({exc}): {line[:80]!r}. Delete that "
                              f"line (the curves lose one point) and run again") from exc
        records.append(record)
    return records


def truncate_metrics(path: Path, step: int) -> None:
    """Keep only the records up to `step` (those of the checkpoint a resumed run restarts from),
    rewriting the file whole; a torn last line goes too."""
    path = Path(path)
    if not path.exists():
        return
    keep = [r for r in read_metrics(path) if r["step"] <= step]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in keep))
    os.replace(tmp, path)


__all__ = ["DamagedStateError", "RunDirError", "RunLock", "RunLockedError", "disk_full", "has_checkpoint",
           "load_checkpoint", "previous", "read_json", "read_metrics", "save_checkpoint",
           "truncate_metrics"]
