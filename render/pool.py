"""Render worker processes with a watchdog: a worker stuck past the time budget is killed and replaced.

Each worker announces (`busy`) the shader it is about to compile or draw. If no further event
arrives within `time_budget` seconds, the worker is presumed stuck in that shader (an endless loop
on llvmpipe, a driver hang): it is killed with SIGKILL, a fresh worker takes its place, and the
caller is told which job was lost and which shader to blame. A worker that dies on its own
(a driver crash) is handled the same way.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import time
from dataclasses import dataclass, field

from render.worker import worker_main


class RenderWorkerError(Exception):
    """A worker failed in a way that is not a shader's fault (no GL context, a bug, a full disk)."""


@dataclass
class _Slot:
    proc: mp.Process
    tasks: object
    ready: bool = False
    job: tuple | None = None
    busy_shader: str | None = None
    last_event: float = field(default_factory=time.monotonic)


class WorkerPool:
    def __init__(self, n: int, settings: dict, time_budget: float, start_timeout: float = 120.0):
        self.ctx = mp.get_context("spawn")
        self.settings = {**settings, "workers": n}
        self.time_budget = time_budget
        self.start_timeout = start_timeout
        self.events = self.ctx.Queue()
        self.slots: dict[int, _Slot] = {}
        self._next_id = 0
        self.renderer: dict | None = None
        for _ in range(n):
            self._spawn()

    def _spawn(self) -> int:
        wid = self._next_id
        self._next_id += 1
        tasks = self.ctx.Queue()
        proc = self.ctx.Process(target=worker_main, args=(wid, self.settings, tasks, self.events), daemon=True)
        proc.start()
        self.slots[wid] = _Slot(proc, tasks)
        return wid

    def idle(self) -> list[int]:
        return [w for w, s in self.slots.items() if s.ready and s.job is None]

    def submit(self, wid: int, job: tuple) -> None:
        slot = self.slots[wid]
        slot.job, slot.busy_shader, slot.last_event = job, None, time.monotonic()
        slot.tasks.put(job)

    def poll(self, timeout: float = 0.2):
        """Yield events; `("lost", wid, job, shader, why)` for a worker killed or dead."""
        # wait up to `timeout` for the first event, then drain what is already there without waiting
        wait = timeout
        while True:
            try:
                ev = self.events.get(timeout=wait) if wait > 0 else self.events.get_nowait()
            except queue.Empty:
                break
            wait = 0.0
            wid = ev[1]
            slot = self.slots.get(wid)
            if slot is None:
                continue  # a message from a worker already killed
            slot.last_event = time.monotonic()
            kind = ev[0]
            if kind == "ready":
                slot.ready = True
                self.renderer = ev[2]
            elif kind == "busy":
                slot.busy_shader = ev[2]
            elif kind == "failed":
                self._retire(wid)
                raise RenderWorkerError(f"render worker {wid} failed:\n{ev[2]}")
            if kind == "exclude":
                ev = (*ev, slot.job)  # the job the worker abandoned, so the caller can redo it
            if kind in ("checked", "exclude", "shard_done", "frames"):
                slot.job, slot.busy_shader = None, None
            yield ev
        yield from self._watchdog()

    def _watchdog(self):
        now = time.monotonic()
        for wid, slot in list(self.slots.items()):
            if not slot.proc.is_alive():
                why = f"worker died (exit code {slot.proc.exitcode})"
            elif not slot.ready and now - slot.last_event > self.start_timeout:
                self._retire(wid)
                raise RenderWorkerError(f"render worker {wid} did not start within {self.start_timeout:.0f} s")
            elif slot.job is not None and now - slot.last_event > self.time_budget:
                why = f"no progress for {self.time_budget:g} s (time budget)"
            else:
                continue
            if not slot.ready and slot.job is None:
                self._retire(wid)
                raise RenderWorkerError(f"render worker {wid} died while starting: {why}")
            job, shader = slot.job, slot.busy_shader
            self._retire(wid)
            self._spawn()
            yield ("lost", wid, job, shader, why)

    def _retire(self, wid: int) -> None:
        slot = self.slots.pop(wid)
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(timeout=5)

    def close(self) -> None:
        for wid, slot in list(self.slots.items()):
            if slot.proc.is_alive() and slot.job is None:
                slot.tasks.put(("stop",))
        deadline = time.monotonic() + 5
        for wid in list(self.slots):
            slot = self.slots[wid]
            slot.proc.join(timeout=max(0.0, deadline - time.monotonic()))
            self._retire(wid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
