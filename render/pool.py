"""Render worker processes with a watchdog: a worker stuck past the time budget is killed and replaced.

Each worker announces (`busy`) the shader it is about to compile or draw. If no further event
arrives within `time_budget` seconds, the worker is presumed stuck in that shader (an endless loop
on llvmpipe, a driver hang): it is killed with SIGKILL, a fresh worker takes its place, and the
caller is told which job was lost and which shader to blame. A worker that dies on its own
(a driver crash) is handled the same way. Every worker reports over its own pipe, so killing one
mid-message cannot corrupt what the others say (a shared multiprocessing.Queue could be).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import time
from multiprocessing.connection import wait
from dataclasses import dataclass, field

from render.worker import worker_main


def worker_settings(bank_path: str, bank_hash: str, size: int, supersample: int,
                    egl_device: int | None = None, batch: int = 16) -> dict:
    """What every worker of a pool needs: the bank (checked against its hash) and the frame size."""
    return {"bank_path": str(bank_path), "bank_hash": bank_hash, "size": size, "supersample": supersample,
            "egl_device": egl_device, "batch": batch}


def worker_count(requested: int, jobs: int) -> int:
    """`requested` workers (0 = one per core), never more than there are jobs, at least one."""
    return max(1, min(requested or os.cpu_count() or 1, jobs))


class RenderWorkerError(Exception):
    """A worker failed in a way that is not a shader's fault (no GL context, a bug, a full disk)."""


@dataclass
class _Slot:
    proc: mp.Process
    tasks: object
    conn: object
    ready: bool = False
    job: tuple | None = None
    busy_shader: str | None = None
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
        for _ in range(n):
            self._spawn()

    def _spawn(self) -> int:
        wid = self._next_id
        self._next_id += 1
        tasks = self.ctx.Queue()
        receiver, sender = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=worker_main, args=(wid, self.settings, tasks, sender), daemon=True)
        proc.start()
        sender.close()  # the child holds its own copy; EOF here then means the worker is gone
        self.slots[wid] = _Slot(proc, tasks, receiver)
        return wid

    def idle(self) -> list[int]:
        return [w for w, s in self.slots.items() if s.ready and s.job is None]

    def submit(self, wid: int, job: tuple) -> None:
        slot = self.slots[wid]
        slot.job, slot.busy_shader, slot.last_event = job, None, time.monotonic()
        slot.tasks.put(job)

    def poll(self, timeout: float = 0.2):
        """Yield events; `("lost", wid, job, shader, why)` for a worker killed or dead."""
        ready = wait([slot.conn for slot in self.slots.values()], timeout)
        for wid, slot in list(self.slots.items()):
            if slot.conn not in ready:
                continue
            while wid in self.slots and slot.conn.poll():
                try:
                    ev = slot.conn.recv()
                except (EOFError, OSError):
                    break  # the worker died; the watchdog below reports it
                yield from self._handle(wid, slot, ev)
        yield from self._watchdog()

    def _handle(self, wid, slot, ev):
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
        slot.conn.close()

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
