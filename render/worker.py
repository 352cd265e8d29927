"""A render worker process: one EGL context, a program cache, and a loop over jobs.

Started with the spawn method by `render.pool`; the parent never imports moderngl. Before every GL
operation the worker announces the shader it is about to compile or draw in its heartbeat (a shared
int64 array: a counter, then the shader's number in the bank), so that the parent can kill a worker
stuck in a hanging shader and know which shader to blame, without a message per draw call.

Jobs (parent -> worker):   ("check", name, n_frames)   compile and time one shader
                           ("shard", job dict)         render one shard and write it
                           ("stop",)
                           ("frames", name, n, seed)   n good frames of one shader
Events (worker -> parent): ("ready", wid, renderer_info, bank_names)
                           ("checked", wid, name, status, detail, ms_per_frame)
                           ("frames", wid, name, "ok", uint8 [n, H, W, 3]) or (..., reason, detail)
                           ("progress", wid, n_images)
                           ("exclude", wid, name, reason, detail)   (then the shard is abandoned)
                           ("shard_done", wid, part_record)
                           ("failed", wid, failure)  see _failure: the exception, for the parent to explain
"""
from __future__ import annotations

import gc
import json
import os
import signal
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from render.bank import load_bank
from render.checkcache import CheckCache, default_dir
from shards import format as fmt

if TYPE_CHECKING:
    import numpy as np

# numpy, render.frames and render.params' draw_many are imported where they are used, in the worker:
# the parent imports this module (for worker_main) and, rendering, needs none of them (~0.1 s of CPU a
# process, bench/NOTES-render.md section 15).

CHECK_SEED = 0x5EED


class BankChanged(Exception):
    """The bank's files changed between the parent's load and this worker's (the parent explains it)."""


class DegenerateFrames(Exception):
    """A sample drew max_attempts degenerate frames in a row (the parent explains it)."""


class ExcludeShader(Exception):
    def __init__(self, name, reason, detail):
        super().__init__(f"{name}: {reason}")
        self.name, self.reason, self.detail = name, reason, detail


class _Channel:
    """Events go over this worker's own pipe: a worker killed mid-send can only break its own channel."""

    def __init__(self, conn):
        self.conn = conn

    def put(self, event) -> None:
        self.conn.send(event)


def worker_main(wid: int, settings: dict, tasks, conn, beat) -> None:
    # Ctrl-C goes to the whole process group: the parent answers it and kills the workers. The pool
    # starts us with SIGINT blocked, so ignoring it before unblocking loses nothing and prints nothing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    events = _Channel(conn)
    # Uninitialised GLSL variables read as zero, as WebGL guarantees: external (Shadertoy, twigl)
    # shaders rely on it, and it makes such reads deterministic. Set here, in the render process
    # only: in a process that also loads torch's triton, this Mesa option made the import segfault.
    os.environ.setdefault("glsl_zero_init", "true")
    if settings["workers"] > 1:
        os.environ.setdefault("LP_NUM_THREADS", "1")
    # numpy is not imported yet (render.worker does not import it): the worker does no linear algebra,
    # so OpenBLAS need not start a thread per core that then polls beside the rasteriser
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        from render.context import GLRenderer

        bank = load_bank(settings["bank_path"])
        if bank.hash != settings["bank_hash"]:
            raise BankChanged(f"the bank at {settings['bank_path']} changed while rendering "
                               f"(hash {bank.hash[:12]} != {settings['bank_hash'][:12]})")
        gl = GLRenderer(settings["size"] * settings["supersample"], settings.get("egl_device"))
        state = _Worker(wid, settings, bank, gl, events, beat)
        # What start-up made (modules, the bank, the GL objects) lives as long as the worker: out of the
        # garbage collector's full passes, which a shard's records otherwise trigger over all of it
        gc.freeze()
        events.put(("ready", wid, gl.info, bank.names))
    except Exception as exc:
        events.put(("failed", wid, _failure(exc, "start")))
        return
    while True:
        msg = tasks.get()
        try:
            if msg[0] == "stop":
                break
            if msg[0] == "check":
                state.check(msg[1], msg[2])
            elif msg[0] == "shard":
                state.shard(msg[1])
            elif msg[0] == "frames":
                state.frames(msg[1], msg[2], msg[3])
        except ExcludeShader as exc:
            events.put(("exclude", wid, exc.name, exc.reason, exc.detail))
        except Exception as exc:
            events.put(("failed", wid, _failure(exc, msg[0])))


def _failure(exc: Exception, stage: str) -> dict:
    """What the parent needs to explain a failure in one paragraph (an exception may not unpickle there)."""
    frame = traceback.extract_tb(exc.__traceback__)[-1:] or [None]
    at = f"{os.path.basename(frame[0].filename)}:{frame[0].lineno} in {frame[0].name}" if frame[0] else ""
    return {"type": type(exc).__name__, "message": str(exc), "stage": stage, "at": at,
            "errno": getattr(exc, "errno", None), "filename": getattr(exc, "filename", None),
            "traceback": traceback.format_exc()}


class _Worker:
    def __init__(self, wid, settings, bank, gl, events, beat=None):
        self.wid, self.settings, self.gl, self.events = wid, settings, gl, events
        self.shaders = bank.by_name()
        self.names = bank.names
        self.number = {name: i for i, name in enumerate(bank.names)}
        self.beat = beat if beat is not None else [0, 0]  # read by nobody when run in-process
        self.programs: dict[str, object] = {}
        self.batch = settings["batch"]
        self.cache_dir = default_dir()
        self.caches: dict[int, CheckCache] = {}

    def program(self, name: str):
        prog = self.programs.get(name)
        if prog is None:
            from render.context import ShaderCompileError

            shader = self.shaders[name]
            if not shader.usable:
                raise ExcludeShader(name, "unsupported", shader.unsupported)
            self._busy(name)
            try:
                prog = self.gl.compile(name, shader.fragment)
            except ShaderCompileError as exc:
                raise ExcludeShader(name, "compile", exc.log) from None
            self.programs[name] = prog
        return prog

    def draw_frames(self, name: str, uniforms: list[dict]) -> np.ndarray:
        return self.draw_groups([(name, uniforms)])[0]

    def draw_groups(self, groups: list[tuple[str, list[dict]]]) -> list[np.ndarray]:
        """Frames of several shaders in as few atlases as fit: one draw per shader and `batch` tiles,
        each announced (`_busy`) and waited for, one read-back per atlas."""
        programs = [(self.program(name), uniforms) for name, uniforms in groups]
        return self.gl.render_groups(programs, before_draw=self._busy, max_tiles=self.batch)

    def _busy(self, name: str) -> None:
        """Announce the shader about to be compiled or drawn: its number, then the count (the parent
        reads the count first; an int64 store is atomic on the machines Mesa runs on)."""
        self.beat[1] = self.number[name]
        self.beat[0] += 1

    def check(self, name: str, n_frames: int) -> None:
        """Compile, warm up (llvmpipe compiles on first draw), then time n_frames frames; or the
        result stored for this source, renderer and size (`render.checkcache`)."""
        import numpy as np

        from render import frames as F
        from render.params import draw_many

        shader = self.shaders[name]
        cache = self.caches.get(n_frames)
        if cache is None:
            cache = self.caches[n_frames] = CheckCache(self.cache_dir, self.gl.info, self.gl.frame_px,
                                                         self.settings["supersample"], n_frames)
        hit = cache.get(shader.fragment) if shader.usable else None
        if hit is not None:
            self.events.put(("checked", self.wid, name, hit["status"], hit["detail"], hit["ms"]))
            return
        try:
            specs = draw_many(CHECK_SEED, list(range(n_frames + 1)), [0] * (n_frames + 1), [name], set())
            uniforms = [_uniforms(s) for s in specs]
            warm = self.draw_frames(name, uniforms[:1])
            t0 = time.perf_counter()
            frames = self.draw_frames(name, uniforms[1:])
            ms = 1000.0 * (time.perf_counter() - t0) / n_frames
            images, reasons = F.finish(np.concatenate([warm, frames]), self.settings["supersample"])
            if _all_alike(images):  # a suspect: only suspects pay for the draws that make sure
                probes = [_uniforms(s) for s in draw_many(CHECK_SEED, list(range(n_frames + 1, n_frames + 1 + STATIC_PROBES)),
                                                          [0] * STATIC_PROBES, [name], set())]
                images = np.concatenate([images, F.finish(self.draw_frames(name, probes), self.settings["supersample"])[0]])
            if _all_alike(images):  # as deterministic as the rest, so cached too (bench/NOTES-render.md, section 11)
                detail = (f"the same image for all {len(images)} test draws of time and parameters: it ignores them "
                          f"(or the driver cut its loop short)")
                cache.put(shader.fragment, "static", detail, ms)
                self.events.put(("checked", self.wid, name, "static", detail, ms))
                return
            bad = sum(1 for r in reasons[1:] if r)
            detail = f"{bad}/{n_frames} test frames degenerate" if bad else ""
            cache.put(shader.fragment, "ok", detail, ms)
            self.events.put(("checked", self.wid, name, "ok", detail, ms))
        except ExcludeShader as exc:
            if exc.reason == "compile":
                cache.put(shader.fragment, exc.reason, exc.detail, None)
            self.events.put(("checked", self.wid, name, exc.reason, exc.detail, None))

    def frames(self, name: str, n: int, seed: int) -> None:
        """n good frames of one shader (degenerate draws skipped, up to 4n tries), as uint8 images."""
        import numpy as np

        from render import frames as F
        from render.params import draw_many

        try:
            specs = draw_many(seed, list(range(4 * n)), [0] * (4 * n), [name], set())
            images = []
            for start in range(0, len(specs), n):
                chunk = specs[start:start + n]
                imgs, reasons = F.finish(self.draw_frames(name, [_uniforms(s) for s in chunk]), self.settings["supersample"])
                images += [im for im, r in zip(imgs, reasons) if not r]
                if len(images) >= n:
                    break
            arr = np.stack(images[:n]) if images else np.zeros((0, self.settings["size"], self.settings["size"], 3), np.uint8)
            self.events.put(("frames", self.wid, name, "ok", arr))
        except ExcludeShader as exc:
            self.events.put(("frames", self.wid, name, exc.reason, exc.detail))

    def shard(self, job: dict) -> None:
        from render import frames as F
        from render.params import draw_many

        t0 = time.perf_counter()
        seed, excluded = job["seed"], frozenset(job["excluded"])
        size, k = self.settings["size"], self.settings["supersample"]
        first, count = job["first_index"], job["count"]
        attempts = {i: 0 for i in range(first, first + count)}
        done: dict[int, tuple[bytes, dict]] = {}
        rejected: dict[str, int] = defaultdict(int)
        pending = list(attempts)
        families = {name: shader.family for name, shader in self.shaders.items()}
        while pending:
            by_shader: dict[str, list] = defaultdict(list)
            for spec in draw_many(seed, pending, [attempts[i] for i in pending], self.names, excluded):
                by_shader[spec.shader].append(spec)
            pending = []
            names = sorted(by_shader)
            # the atlases' tiles are the groups' frames in order: specs in the same order
            order = [spec for name in names for spec in by_shader[name]]
            groups = [(self.program(name), _table(by_shader[name])) for name in names]
            tile = 0
            for atlas in self.gl.draw_atlases(groups, before_draw=self._busy, max_tiles=self.batch):
                specs = order[tile:tile + atlas.n]
                tile += atlas.n
                images, reasons = F.finish_atlas(atlas.pixels, atlas.n, self.gl.frame_px, k)
                good = []
                for j, (spec, reason) in enumerate(zip(specs, reasons)):
                    if reason:
                        rejected[reason] += 1
                        attempts[spec.index] += 1
                        if attempts[spec.index] >= job["max_attempts"]:
                            raise DegenerateFrames(f"sample {spec.index} drew {job['max_attempts']} degenerate (flat or NaN) "
                                                   f"frames in a row")
                        pending.append(spec.index)
                    else:
                        good.append(j)
                pngs = F.encode_pngs(images[good] if len(good) < len(specs) else images)
                for j, png in zip(good, pngs):
                    spec = specs[j]
                    record = spec.record()
                    record.update(family=families[spec.shader], bank_hash=self.settings["bank_hash"], seed=seed,
                                  size=size, supersample=k)
                    done[spec.index] = (png, record)
                if good:
                    self.events.put(("progress", self.wid, len(good)))
        out = Path(job["out_dir"])
        entry = fmt.write_shard(out / job["name"], ((i, *done[i]) for i in sorted(done)))
        used = sorted({r["shader"] for _, r in done.values()})
        part = {**entry, "shard": job["shard"], "shaders": used,
                "rejected": dict(sorted(rejected.items())), "renderer": self.gl.info,
                "per_tile_shaders": [n for n in used if n in self.gl.fallbacks],
                "seconds": round(time.perf_counter() - t0, 3)}
        part_path = out / fmt.PARTS_DIR / (job["name"] + ".json")
        tmp = part_path.with_name(part_path.name + ".tmp")
        tmp.write_text(json.dumps(part, sort_keys=True))
        os.replace(tmp, part_path)
        self.events.put(("shard_done", self.wid, part))


# Two draws of a shader with other time and parameters differing by at most this (of 255) in every
# pixel count as the same image: a shader whose every test draw looks alike ignores its inputs.
STATIC_TOLERANCE = 2
# Further draws of a shader whose check draws all looked alike, before calling it static: a Shadertoy
# shader that reacts only to a pressed mouse (a third of the draws) passes 3 draws unseen 30% of the
# time, 19 draws 0.05% of the time.
STATIC_PROBES = 16


def _all_alike(images: np.ndarray) -> bool:
    """uint8 [n, H, W, 3] with n >= 2: is every image within STATIC_TOLERANCE of the first?"""
    import numpy as np

    diff = np.abs(images.astype(np.int16) - images[:1].astype(np.int16))
    return len(images) >= 2 and int(diff.max()) <= STATIC_TOLERANCE


def _table(specs) -> np.ndarray:
    """The sample table (`render.context.uniform_table`) of specs: their time and parameter vectors."""
    import numpy as np

    return np.array([((s.time, 0.0, 0.0, 0.0),) + s.params for s in specs], np.float32)


def _uniforms(spec) -> dict:
    u = {"uTime": spec.time}
    for j, v in enumerate(spec.params):
        u[f"uP{j}"] = v
    return u
