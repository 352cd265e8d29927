"""Render worker processes with a watchdog: a worker stuck past the time budget is killed and replaced.

Each worker announces the shader it is about to compile or draw: it writes the shader's number and
bumps a counter in a small shared-memory array (its heartbeat; no message, no wake-up of the parent:
a Shadertoy shard makes hundreds of draw calls). If neither the heartbeat nor an event moves within
`time_budget` seconds, the worker is presumed stuck in that shader (an endless loop
on llvmpipe, a driver hang): it is killed with SIGKILL, a fresh worker takes its place, and the
caller is told which job was lost and which shader to blame. A worker that dies on its own
(a driver crash) is handled the same way. Every worker reports over its own pipe, so killing one
mid-message cannot corrupt what the others say (a shared multiprocessing.Queue could be).

The caller hands jobs (`CheckJob`, `FramesJob`, `ShardJob`) to `WorkerPool.dispatch` and reads typed
events back; the worker's wire protocol (tuples, see render/worker.py) stays inside this module. A
worker that fails for a reason that is not a shader's fault (no such EGL device, a full disk) reports
the exception, and the pool raises it here as one `RenderWorkerError` saying what, where and what to do.
"""
from __future__ import annotations

import errno
import logging
import multiprocessing as mp
import os
import re
import signal
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import wait
from typing import Callable, Iterator, Union

from render import devices as egl_devices
from render.params import NoUsableShaderError
from render.worker import worker_main

log = logging.getLogger(__name__)


def worker_settings(bank_path: str, bank_hash: str, size: int, supersample: int,
                    egl_device: int | tuple[int, ...] | None = None, batch: int = 16) -> dict:
    """What every worker of a pool needs: the bank (checked against its hash) and the frame size.
    egl_device: one EGL device index, several (the workers take them in turn), or None (every GPU in turn
    where there are two or more, else the first device; render/devices.py)."""
    return {"bank_path": str(bank_path), "bank_hash": bank_hash, "size": size, "supersample": supersample,
            "egl_device": egl_device, "batch": batch}


def worker_count(requested: int, jobs: int) -> int:
    """`requested` workers (0 = one per core), never more than there are jobs, at least one."""
    return max(1, min(requested or os.cpu_count() or 1, jobs))


class RenderWorkerError(Exception):
    """A worker failed in a way that is not a shader's fault (no GL context, a bug, a full disk).

    `traceback` holds the worker's traceback where there was one; `unexpected` says the failure is a
    fault in shaderkd or the driver (not explained by its cause), whose report needs that traceback."""

    def __init__(self, message: str, traceback: str = "", unexpected: bool = False):
        super().__init__(message)
        self.traceback, self.unexpected = traceback, unexpected


# ---- jobs (runner -> pool) ----

@dataclass(frozen=True)
class CheckJob:
    """Compile one shader and time `frames` frames."""
    shader: str
    frames: int

    def message(self) -> tuple:
        return ("check", self.shader, self.frames)

    def describe(self) -> str:
        return f"checking shader {self.shader}"


@dataclass(frozen=True)
class FramesJob:
    """`n` good frames of one shader."""
    shader: str
    n: int
    seed: int

    def message(self) -> tuple:
        return ("frames", self.shader, self.n, self.seed)

    def describe(self) -> str:
        return f"drawing frames of shader {self.shader}"


@dataclass(frozen=True)
class ShardJob:
    """Render shard number `shard` (samples first_index .. first_index + count - 1) into `out_dir`."""
    shard: int
    name: str
    first_index: int
    count: int
    seed: int
    excluded: tuple[str, ...]
    out_dir: str
    max_attempts: int

    def message(self) -> tuple:
        return ("shard", asdict(self))

    def describe(self) -> str:
        return f"rendering {os.path.join(self.out_dir, self.name)}"


Job = Union[CheckJob, FramesJob, ShardJob]


# ---- events (pool -> runner) ----

@dataclass(frozen=True)
class Checked:
    wid: int
    shader: str
    status: str            # ok, compile, unsupported, static (see render/worker.py)
    detail: str
    ms: float | None       # per frame, when it rendered


@dataclass(frozen=True)
class Frames:
    wid: int
    shader: str
    status: str
    images: object | None  # uint8 [n, H, W, 3] when status is "ok"
    detail: str = ""


@dataclass(frozen=True)
class Progress:
    wid: int
    n: int                 # images accepted since the last report


@dataclass(frozen=True)
class Excluded:
    """A shader failed inside a job (it does not compile); the job was abandoned and must be redone."""
    wid: int
    shader: str
    reason: str
    detail: str
    job: Job


@dataclass(frozen=True)
class ShardDone:
    wid: int
    part: dict             # the shard's record, as written to .parts/


@dataclass(frozen=True)
class Lost:
    """A worker was killed (no progress within the time budget) or died during `job`; `shader` is the
    one it was in (None when it died before naming one)."""
    wid: int
    job: Job
    shader: str | None
    why: str


Event = Union[Checked, Frames, Progress, Excluded, ShardDone, Lost]


@dataclass
class _Slot:
    proc: mp.Process
    tasks: object
    conn: object
    ready: bool = False
    job: Job | None = None
    beat: object = None    # shared int64 [count of announced draws and compiles, number of that shader]
    beat_seen: int = 0     # the count when last looked at
    job_beat: int = 0      # the count when the job was handed over
    names: list = field(default_factory=list)  # the bank's shader names, by number (from "ready")
    device: int | None = None  # its EGL device index (None: EGL's first); a replacement gets the same
    last_event: float = field(default_factory=time.monotonic)


class WorkerPool:
    def __init__(self, n: int, settings: dict, time_budget: float, start_timeout: float = 300.0):
        self.ctx = mp.get_context("spawn")
        self.settings = {**settings, "workers": n}
        self.time_budget = time_budget
        self.start_timeout = start_timeout
        self.slots: dict[int, _Slot] = {}
        self._next_id = 0
        self.renderer: dict | None = None
        # one device per worker, round robin; chosen here (not given) when they spread over this machine's GPUs
        self.devices = egl_devices.worker_devices(n, settings.get("egl_device"))
        self.spread = settings.get("egl_device") is None and any(d is not None for d in self.devices)
        for device in self.devices:
            self._spawn(device)

    def _spawn(self, device: int | None) -> int:
        wid = self._next_id
        self._next_id += 1
        tasks = self.ctx.Queue()
        receiver, sender = self.ctx.Pipe(duplex=False)
        beat = self.ctx.RawArray("q", 2)
        settings = {**self.settings, "egl_device": device}
        proc = self.ctx.Process(target=worker_main, args=(wid, settings, tasks, sender, beat), daemon=True)
        # The child inherits a blocked SIGINT and ignores it before unblocking (worker_main): a Ctrl-C
        # reaches the whole process group, and only the parent should answer it (no worker tracebacks).
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            proc.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        sender.close()  # the child holds its own copy; EOF here then means the worker is gone
        self.slots[wid] = _Slot(proc, tasks, receiver, beat=beat, device=device)
        return wid

    def idle(self) -> list[int]:
        return [w for w, s in self.slots.items() if s.ready and s.job is None]

    def busy(self) -> bool:
        return any(s.job is not None for s in self.slots.values())

    def submit(self, wid: int, job: Job) -> None:
        slot = self.slots[wid]
        slot.job, slot.last_event = job, time.monotonic()
        slot.job_beat = slot.beat_seen = slot.beat[0]
        slot.tasks.put(job.message())

    def dispatch(self, queue: deque, make_job: Callable[[object], Job] = lambda job: job) -> Iterator[Event]:
        """Hand the items of `queue` (made into jobs by `make_job` at the moment they are sent) to idle
        workers and yield the events that come back, until the queue is empty and no worker is busy.

        The caller may put items back on the queue while iterating (a shard to redo); building the job
        late lets it see what the caller learnt meanwhile (shaders excluded since)."""
        while queue or self.busy():
            for wid in self.idle():
                if not queue:
                    break
                self.submit(wid, make_job(queue.popleft()))
            yield from self.poll()

    def poll(self, timeout: float = 0.2) -> Iterator[Event]:
        ready = wait([slot.conn for slot in self.slots.values()], timeout)
        for wid, slot in list(self.slots.items()):
            if slot.conn not in ready:
                continue
            while wid in self.slots and slot.conn.poll():
                try:
                    msg = slot.conn.recv()
                except (EOFError, OSError):
                    break  # the worker died; the watchdog below reports it
                event = self._handle(wid, slot, msg)
                if event is not None:
                    yield event
        yield from self._watchdog()

    def _handle(self, wid: int, slot: _Slot, msg: tuple) -> Event | None:
        slot.last_event = time.monotonic()
        kind = msg[0]
        if kind == "ready":
            slot.ready = True
            self.renderer, slot.names = msg[2], msg[3]
            return None
        if kind == "failed":
            job = slot.job
            self._retire(wid)
            if self.spread and msg[2].get("stage") == "start" and msg[2].get("type") != "BankChanged":
                raise RenderWorkerError(f"render worker {wid} could not start on EGL device {slot.device}, one of the "
                                        f"GPUs {egl_devices.gpu_devices()} EGL lists, over which the workers spread when "
                                        f"--egl-device is left out: {msg[2].get('message', '')}; pass --egl-device N "
                                        f"to put every worker on one device", msg[2].get("traceback", ""))
            raise failure_error(wid, msg[2], job, self.settings)
        if kind == "progress":
            return Progress(wid, msg[2])
        job = slot.job
        slot.job = None
        if kind == "checked":
            return Checked(wid, *msg[2:6])
        if kind == "frames":
            name, status, payload = msg[2:5]
            return Frames(wid, name, status, payload, "") if status == "ok" else Frames(wid, name, status, None, payload)
        if kind == "exclude":
            return Excluded(wid, *msg[2:5], job)
        if kind == "shard_done":
            return ShardDone(wid, msg[2])
        raise RenderWorkerError(f"render worker {wid} sent an unknown event {kind!r}; the worker and the "
                                f"parent come from different versions of shaderkd: reinstall it")

    @staticmethod
    def _shader(slot: _Slot) -> str | None:
        """The shader the worker last announced in its current job (None before it named one)."""
        if slot.beat[0] == slot.job_beat:
            return None
        return slot.names[slot.beat[1]]

    def _watchdog(self) -> Iterator[Lost]:
        now = time.monotonic()
        for wid, slot in list(self.slots.items()):
            beat = slot.beat[0]
            if beat != slot.beat_seen:  # it announced a draw or a compile since: progress
                slot.beat_seen, slot.last_event = beat, now
            if not slot.proc.is_alive():
                why = f"worker died (exit code {slot.proc.exitcode})"
            elif not slot.ready and now - slot.last_event > self.start_timeout:
                self._retire(wid)
                raise RenderWorkerError(f"render worker {wid} did not start within {self.start_timeout:.0f} s; "
                                        f"the EGL driver may be stuck: check it with `make setup`")
            elif slot.job is not None and now - slot.last_event > self.time_budget:
                why = f"no progress for {self.time_budget:g} s (time budget)"
            else:
                continue
            if not slot.ready and slot.job is None:
                self._retire(wid)
                raise RenderWorkerError(f"render worker {wid} died while starting ({why}); the EGL driver "
                                        f"crashed: check it with `make setup`")
            job, shader = slot.job, self._shader(slot)
            self._retire(wid)
            self._spawn(slot.device)
            if job is None:  # nothing was lost with it
                log.warning("render worker %d %s while idle; replaced", wid, why)
                continue
            yield Lost(wid, job, shader, why)

    def _retire(self, wid: int) -> None:
        slot = self.slots.pop(wid)
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(timeout=5)
        slot.conn.close()

    def close(self, kill: bool = False) -> None:
        """Stop the workers: idle ones finish cleanly, busy ones get 5 s; with `kill`, all go at once."""
        if not kill:
            for slot in self.slots.values():
                if slot.proc.is_alive() and slot.job is None:
                    slot.tasks.put(("stop",))
            deadline = time.monotonic() + 5
            for slot in self.slots.values():
                slot.proc.join(timeout=max(0.0, deadline - time.monotonic()))
        for wid in list(self.slots):
            self._retire(wid)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        # On an error or Ctrl-C nothing the workers are doing is wanted any more.
        self.close(kill=exc_type is not None)


# ---- a worker's failure, as one paragraph ----

def failure_error(wid: int, failure: dict, job: Job | None, settings: dict) -> Exception:
    """The exception to raise for a worker's report {type, message, errno, filename, stage, traceback}."""
    tb = failure.get("traceback", "")
    log.debug("render worker %d failed:\n%s", wid, tb)
    kind, message, code = failure.get("type", "Exception"), failure.get("message", ""), failure.get("errno")
    where = job.describe() if job is not None else "starting"
    if failure.get("stage") == "start":
        m = re.search(r"requested device index (\d+), but found (\d+) devices", message)
        if m:
            found = int(m.group(2))
            choice = ("this machine has no EGL device" if not found else "pass --egl-device 0" if found == 1
                      else f"pass --egl-device 0 to {found - 1}")
            return RenderWorkerError(f"--egl-device {m.group(1)}: there is no such EGL device ({found} found); "
                                     f"{choice}, or leave --egl-device out (every GPU in turn where EGL lists "
                                     f"two or more, else the first device)", tb)
        if kind == "BankChanged":
            return RenderWorkerError(f"{message}; leave the bank's files alone while a render runs, then run the "
                                     f"same command again (a render pins the bank it started with)", tb)
        return RenderWorkerError(f"render worker {wid} could not start: {message}", tb)
    if kind == "DegenerateFrames":
        return RenderWorkerError(f"{message} while {where}: the bank makes too few usable images. `shaderkd bank "
                                 f"check BANK` shows how many test frames of each shader are degenerate: fix or remove "
                                 f"the shaders that mostly draw flat or NaN images, then run the same command again", tb)
    if kind == "NoUsableShaderError":
        return NoUsableShaderError(message)
    if code in (errno.ENOSPC, errno.EDQUOT):
        target = f" ({failure['filename']})" if failure.get("filename") else ""
        return RenderWorkerError(f"no space left on the disk (or over quota) while {where}{target}: free some space "
                                 f"or pass another --out, then run the same command again; finished shards are "
                                 f"kept and only the missing ones are rendered", tb)
    if code is not None:
        return RenderWorkerError(f"render worker {wid} could not write while {where}: {message}; check that the "
                                 f"--out directory is writable, then run the same command again (finished shards "
                                 f"are kept)", tb)
    return RenderWorkerError(f"render worker {wid} failed while {where}: {kind}: {message} "
                             f"({failure.get('at') or 'no location'}); this is a fault in shaderkd or in the GL "
                             f"driver, not in your options: please report it with the worker's traceback", tb,
                             unexpected=True)
