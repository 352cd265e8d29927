"""Render a shard set: check the bank, render the missing shards, write the manifest.

Resumable by construction: a shard is written to a temporary name and renamed when complete, its
record goes to `.parts/`, and every sample follows from (seed, index, attempt). Running the same
command again after a kill renders only what is missing and ends with the same bytes.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from render.bank import Bank, load_bank
from render.checkcache import record_hang
from render.params import NoUsableShaderError
from render.pool import WorkerPool, worker_count, worker_settings
from shards import format as fmt

log = logging.getLogger(__name__)


class RenderConfigError(Exception):
    """Options that cannot work, or an output directory holding a different render."""


@dataclass
class RenderConfig:
    bank: str
    out: str
    count: int = 50_000
    size: int = 32
    supersample: int = 2
    seed: int = 0
    shard_size: int = 1000
    # not part of the output: how the work is done
    workers: int = 0               # 0 = one per core
    shards: tuple[int, int] | None = None   # render only shards [a, b)
    egl_device: int | None = None
    time_budget: float = 10.0      # seconds without progress before a worker is declared stuck
    max_frame_ms: float = 500.0    # shaders slower than this per frame (at size x supersample) are excluded
    check_frames: int = 2
    batch: int = 16                # frames per draw batch (one heartbeat each)
    max_attempts: int = 64

    def output_config(self) -> dict:
        """The options that determine the shards' bytes: they go into the manifest and must match on resume."""
        return {"count": self.count, "size": self.size, "supersample": self.supersample, "seed": self.seed,
                "shard_size": self.shard_size, "max_frame_ms": self.max_frame_ms, "max_attempts": self.max_attempts}

    def validate(self) -> None:
        for key in ("count", "size", "supersample", "shard_size", "batch", "max_attempts", "check_frames"):
            if getattr(self, key) < 1:
                raise RenderConfigError(f"--{key.replace('_', '-')} must be at least 1 (got {getattr(self, key)})")
        if self.size * self.supersample > 2048:
            raise RenderConfigError(f"size x supersample = {self.size * self.supersample} px exceeds 2048")
        if self.time_budget <= 0:
            raise RenderConfigError("--time-budget must be positive")
        n = len(fmt.shard_ranges(self.count, self.shard_size))
        if self.shards is not None:
            a, b = self.shards
            if not (0 <= a < b <= n):
                raise RenderConfigError(f"--shards {a}:{b} is outside the {n} shards of this config (0:{n})")


def parse_shard_range(text: str) -> tuple[int, int]:
    try:
        a, b = text.split(":")
        return int(a), int(b)
    except ValueError:
        raise RenderConfigError(f"--shards takes A:B (shard indices, B exclusive), not {text!r}") from None


Event = Callable[..., None]


def _noop(*_args, **_kw):
    pass


def check_shaders(bank: Bank, pool: WorkerPool, names: list[str], frames: int, max_frame_ms: float,
                  on_event: Event = _noop) -> dict[str, dict]:
    """Compile and time each named shader in the pool; a hang kills only the worker it hung in."""
    results: dict[str, dict] = {}
    todo = list(names)
    while todo or any(s.job for s in pool.slots.values()):
        for wid in pool.idle():
            if not todo:
                break
            pool.submit(wid, ("check", todo.pop(0), frames))
        for ev in pool.poll():
            if ev[0] == "checked":
                _, _, name, status, detail, ms = ev
                if status == "ok" and ms is not None and ms > max_frame_ms:
                    status, detail = "slow", f"{ms:.0f} ms per frame > {max_frame_ms:g} ms"
                results[name] = {"status": status, "detail": detail, "ms": ms}
                on_event("checked", name=name, **results[name])
            elif ev[0] == "lost":
                _, _, job, shader, why = ev
                name = job[1]
                results[name] = {"status": "hang", "detail": why, "ms": None}
                record_hang(pool.settings, pool.renderer, frames, bank.by_name()[name].fragment, why)
                on_event("checked", name=name, **results[name])
    return results


def sample_frames(bank_path: str, names: list[str], n: int, size: int, supersample: int = 2, *, seed: int = 0,
                  workers: int = 0, time_budget: float = 10.0, egl_device: int | None = None,
                  on_event: Event = _noop) -> dict[str, dict]:
    """Render n good frames of each named shader, with hang protection.

    Returns name -> {"status": "ok", "images": uint8 [n, size, size, 3]} or {"status": reason, "detail": ...}.
    Used by `preview --bank` and `bank stats`.
    """
    bank = load_bank(bank_path)
    settings = worker_settings(bank_path, bank.hash, size, supersample, egl_device)
    results: dict[str, dict] = {}
    todo = list(names)
    workers = worker_count(workers, len(todo))
    with WorkerPool(workers, settings, time_budget) as pool:
        while todo or any(s.job for s in pool.slots.values()):
            for wid in pool.idle():
                if not todo:
                    break
                pool.submit(wid, ("frames", todo.pop(0), n, seed))
            for ev in pool.poll():
                if ev[0] == "frames":
                    name, status = ev[2], ev[3]
                    results[name] = {"status": "ok", "images": ev[4]} if status == "ok" else {"status": status, "detail": ev[4]}
                    on_event("frames", name=name, status=status)
                elif ev[0] == "lost":
                    name = ev[2][1]
                    results[name] = {"status": "hang", "detail": ev[4]}
                    on_event("frames", name=name, status="hang")
    return results


def render_set(cfg: RenderConfig, on_event: Event = _noop) -> dict:
    """Render the shards of `cfg` that are missing in `cfg.out`; return the manifest written.

    on_event(kind, **info) reports progress: "start", "renderer", "checked", "excluded",
    "progress" (n images), "shard" (a finished shard), "redo".
    """
    cfg.validate()
    bank = load_bank(cfg.bank)
    bank_hash = bank.hash
    out = Path(cfg.out)
    parts = out / fmt.PARTS_DIR
    parts.mkdir(parents=True, exist_ok=True)
    _pin_config(parts / "config.json", {"bank_hash": bank_hash, **cfg.output_config()})
    ranges = fmt.shard_ranges(cfg.count, cfg.shard_size)
    a, b = cfg.shards or (0, len(ranges))
    wanted = list(range(a, b))
    excluded = _load_json(parts / "excluded.json", {})  # name -> {"reason", "detail"}
    for s in bank.shaders:
        if not s.usable and s.name not in excluded:
            excluded[s.name] = {"reason": "unsupported", "detail": s.unsupported}
    # every finished shard in the directory counts (a split render merged here), not only the wanted ones
    done = {k: p for k in range(len(ranges)) if (p := _done_part(out, k)) is not None}
    todo = [k for k in wanted if k not in done]
    n_samples = sum(ranges[k][1] for k in todo)
    on_event("start", shards=len(wanted), todo=len(todo), images=n_samples, bank=bank, bank_hash=bank_hash)
    settings = worker_settings(cfg.bank, bank_hash, cfg.size, cfg.supersample, cfg.egl_device, cfg.batch)
    renderer = None
    checked = _load_json(parts / "checked.json", {})
    unchecked = [s.name for s in bank.shaders if s.usable and s.name not in checked]
    # the shader check is one job per shader; without it, no more workers than shards to render
    workers = worker_count(cfg.workers, len(unchecked) or len(todo))
    if todo or unchecked:
        with WorkerPool(workers, settings, cfg.time_budget) as pool:
            if unchecked:
                on_event("checking", n=len(unchecked))
                last_save = time.monotonic()

                def keep(kind, **info):  # persist check results as they come: a kill loses little
                    nonlocal last_save
                    on_event(kind, **info)
                    if kind == "checked":
                        checked[info["name"]] = {k: info[k] for k in ("status", "detail", "ms")}
                        if time.monotonic() - last_save > 5:
                            _save_json(parts / "checked.json", checked)
                            last_save = time.monotonic()

                check_shaders(bank, pool, unchecked, cfg.check_frames, cfg.max_frame_ms, keep)
                _save_json(parts / "checked.json", checked)
            for name, r in checked.items():
                if r["status"] != "ok" and name not in excluded:
                    excluded[name] = {"reason": r["status"], "detail": r["detail"]}
                    on_event("excluded", name=name, **excluded[name])
            _save_json(parts / "excluded.json", excluded)
            renderer = _render_shards(cfg, pool, ranges, todo, done, excluded, on_event, bank.names)
    # A shard that used a shader excluded later (a hang found mid-run) is redone, so the set equals
    # one rendered with that exclusion from the start.
    stale = _pop_stale(done, excluded)
    if stale:
        on_event("redo", shards=stale)
        with WorkerPool(worker_count(cfg.workers, len(stale)), settings, cfg.time_budget) as pool:
            _render_shards(cfg, pool, ranges, stale, done, excluded, on_event, bank.names)
    return _write_manifest(cfg, bank, bank_hash, ranges, done, excluded, renderer)


def _render_shards(cfg, pool, ranges, todo, done, excluded, on_event, names):
    queue = list(todo)
    t0 = time.monotonic()
    announced = False
    while queue or any(s.job for s in pool.slots.values()):
        if pool.renderer and not announced:
            on_event("renderer", **pool.renderer)
            announced = True
        for wid in pool.idle():
            if not queue:
                break
            k = queue.pop(0)
            first, count = ranges[k]
            pool.submit(wid, ("shard", {"shard": k, "name": fmt.shard_name(k), "first_index": first, "count": count,
                                        "seed": cfg.seed, "excluded": sorted(excluded), "out_dir": cfg.out,
                                        "max_attempts": cfg.max_attempts}))
        for ev in pool.poll():
            kind = ev[0]
            if kind == "progress":
                on_event("progress", n=ev[2])
            elif kind == "shard_done":
                part = ev[2]
                done[part["shard"]] = part
                on_event("shard", **part)
                queue += _pop_stale(done, excluded)  # rendered while a shader it used was being excluded
            elif kind in ("exclude", "lost"):
                if kind == "exclude":
                    _, _, name, reason, detail, job = ev
                else:
                    _, _, job, name, detail = ev
                    reason = "hang"
                if name is None:
                    raise RuntimeError(f"a render worker died before naming a shader ({detail})")
                excluded[name] = {"reason": reason, "detail": detail}
                _save_json(Path(cfg.out) / fmt.PARTS_DIR / "excluded.json", excluded)
                on_event("excluded", name=name, **excluded[name])
                if set(names) <= set(excluded):
                    raise NoUsableShaderError("every shader of the bank is excluded; see the reasons above")
                if job is not None:
                    queue.insert(0, job[1]["shard"])
                queue += _pop_stale(done, {name})
    log.info("rendered %d shards in %.1f s", len(todo), time.monotonic() - t0)
    return pool.renderer


def _pop_stale(done: dict, excluded) -> list[int]:
    """Remove from `done` the shards that used an excluded shader; return their indices to redo."""
    stale = [k for k, p in done.items() if set(p["shaders"]) & set(excluded)]
    for k in stale:
        done.pop(k)
    return stale


def _done_part(out: Path, k: int) -> dict | None:
    name = fmt.shard_name(k)
    part = _load_json(out / fmt.PARTS_DIR / (name + ".json"), None)
    path = out / name
    if part is None or not path.is_file() or path.stat().st_size != part["bytes"]:
        return None
    if fmt.sha256_file(path) != part["sha256"]:
        return None
    return part


def _write_manifest(cfg, bank, bank_hash, ranges, done, excluded, renderer) -> dict:
    ks = sorted(done)
    rejected: dict[str, int] = {}
    for k in ks:
        for reason, n in done[k]["rejected"].items():
            rejected[reason] = rejected.get(reason, 0) + n
    renderers = {json.dumps(done[k]["renderer"], sort_keys=True) for k in ks}
    renderer = json.loads(next(iter(renderers))) if len(renderers) == 1 else {"mixed": sorted(json.loads(r) for r in renderers)} if renderers else (renderer or {})
    manifest = {
        "format": fmt.FORMAT, "format_version": fmt.FORMAT_VERSION, "kind": "render",
        "num_samples": sum(done[k]["count"] for k in ks),
        "complete": len(ks) == len(ranges),
        "config": cfg.output_config(),
        "bank": {"path": cfg.bank, "hash": bank_hash, "num_shaders": len(bank), "num_usable": len(bank) - len(excluded),
                 "excluded": [{"shader": n, **excluded[n]} for n in sorted(excluded)]},
        "renderer": renderer,
        "stats": {"rejected_frames": sum(rejected.values()), "rejected_by_reason": dict(sorted(rejected.items()))},
        "shards": [{key: done[k][key] for key in ("name", "first_index", "count", "sha256", "bytes")} for k in ks],
    }
    fmt.write_manifest(Path(cfg.out), manifest)
    return manifest


def _pin_config(path: Path, config: dict) -> None:
    old = _load_json(path, None)
    if old is None:
        _save_json(path, config)
    elif old != config:
        diff = {k: (old.get(k), config.get(k)) for k in set(old) | set(config) if old.get(k) != config.get(k)}
        raise RenderConfigError(
            f"{path.parent.parent} already holds a render with other settings ({diff}, as (there, now)); "
            f"use another --out, or delete that directory to start over")


def _load_json(path: Path, default):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default
    except ValueError:  # a torn write from a kill: treat as absent, it will be redone
        return default


def _save_json(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, sort_keys=True, indent=1))
    os.replace(tmp, path)
