"""Render a shard set: check the bank, render the missing shards, write the manifest.

Resumable by construction: a shard is written to a temporary name and renamed when complete, its
record goes to `.parts/`, and every sample follows from (seed, index, attempt). Running the same
command again after a kill renders only what is missing and ends with the same bytes.

A render owns its directory through `.parts/config.json` and holds `.parts/lock` while it runs
(render/outdir.py): it refuses a directory holding a set it did not make (curated, or its `.parts/`
deleted) and a directory another render is writing.
"""
from __future__ import annotations

import json
import logging
import math
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from render.bank import Bank, load_bank
from render.checkcache import record_hang
from render.outdir import LOCK_NAME, ForeignSetError, load_json, output_lock, refuse_foreign_set, save_json
from render.params import NoUsableShaderError
from render.parts import (BANK_INFO, IncompleteSetError, PartError, describe_missing, load_bank_info, merged_checks,
                          merged_exclusions, part_dir, part_range, save_bank_info)
from render.pool import (CheckJob, Checked, Excluded, Frames, FramesJob, Lost, Progress, RenderWorkerError, ShardDone,
                         ShardJob, WorkerPool, worker_count, worker_settings)
from shards import format as fmt

log = logging.getLogger(__name__)
MAX_SHARDS = 10 ** 6  # shard names have six digits (shards/README.md)
MAX_FRAME_PX = 2048  # the side of the largest frame a worker draws (the atlas, render/context.py)


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
    part: tuple[int, int] | None = None     # (I, N): render part I of N of the shards (render/parts.py)
    egl_device: int | tuple[int, ...] | None = None  # several: the workers take them in turn (render/devices.py)
    time_budget: float = 10.0      # seconds without progress before a worker is declared stuck
    max_frame_ms: float = 500.0    # shaders slower than this per frame (at size x supersample) are excluded
    check_frames: int = 2
    batch: int = 16                # frames per draw batch (one heartbeat each)
    max_attempts: int = 64
    keep_static: bool = False      # render shaders whose every check draw looks the same (excluded by default)

    def output_config(self) -> dict:
        """The options that determine the shards' bytes: they go into the manifest and must match on resume."""
        config = {"count": self.count, "size": self.size, "supersample": self.supersample, "seed": self.seed,
                  "shard_size": self.shard_size, "max_frame_ms": self.max_frame_ms, "max_attempts": self.max_attempts}
        # Only when set: the default leaves the config of sets begun before the option existed as it was,
        # so they still resume.
        if self.keep_static:
            config["keep_static"] = True
        return config

    def validate(self) -> None:
        for key in ("count", "shard_size", "batch", "max_attempts", "check_frames"):
            if getattr(self, key) < 1:
                raise RenderConfigError(f"--{key.replace('_', '-')} must be at least 1 (got {getattr(self, key)})")
        validate_options(size=self.size, supersample=self.supersample, time_budget=self.time_budget,
                         max_frame_ms=self.max_frame_ms, seed=self.seed, workers=self.workers,
                         egl_device=self.egl_device)
        if self.count > 10 ** fmt.KEY_DIGITS:
            raise RenderConfigError(f"--count {self.count} exceeds what the shard format numbers "
                                    f"({10 ** fmt.KEY_DIGITS}: sample keys have {fmt.KEY_DIGITS} digits)")
        n = -(-self.count // self.shard_size)
        if n > MAX_SHARDS:
            raise RenderConfigError(f"--count {self.count} in shards of {self.shard_size} makes {n} shards, more than "
                                    f"the format's {MAX_SHARDS} (shard-NNNNNN.tar); pass a larger --shard-size")
        if self.part is not None:
            if self.shards is not None:
                raise RenderConfigError("pass --part or --shards, not both (a part is a range of shards)")
            try:
                part_range(n, *self.part)
            except PartError as exc:
                raise RenderConfigError(str(exc)) from None
        if self.shards is not None:
            a, b = self.shards
            if not (0 <= a < b <= n):
                raise RenderConfigError(f"--shards {a}:{b} is outside the {n} shards of this config (0:{n})")


def validate_options(**options) -> None:
    """Refuse, as RenderConfigError naming the option, values no render, check or sample can work with.

    Known names: size, supersample, frames, per_shader (at least 1; size x supersample at most 2048 px), time_budget
    (positive), max_frame_ms (positive and finite: it goes into the manifest), seed, workers, egl_device
    (0 or more; None allowed; egl_device may also be a tuple of such indices)."""
    def flag(key):
        return "--" + key.replace("_", "-")

    for key in ("size", "supersample", "frames", "per_shader"):
        if key in options and options[key] < 1:
            raise RenderConfigError(f"{flag(key)} must be at least 1 (got {options[key]})")
    if "size" in options and options["size"] * options.get("supersample", 1) > MAX_FRAME_PX:
        raise RenderConfigError(f"size x supersample = {options['size'] * options.get('supersample', 1)} px exceeds "
                                f"{MAX_FRAME_PX}; pass a smaller --size or --supersample")
    for key in ("seed", "workers", "egl_device"):
        values = options.get(key)
        for value in values if isinstance(values, tuple) else (values,):
            if value is not None and value < 0:
                hint = ("; EGL devices are numbered from 0 (leave --egl-device out to use every GPU, or the "
                        "first device)") if key == "egl_device" else ""
                raise RenderConfigError(f"{flag(key)} must be 0 or more (got {value}){hint}")
    if options.get("egl_device") == ():
        raise RenderConfigError("--egl-device needs at least one EGL device index")
    if "time_budget" in options and not options["time_budget"] > 0:
        raise RenderConfigError(f"--time-budget must be positive (got {options['time_budget']:g})")
    if "max_frame_ms" in options and not 0 < options["max_frame_ms"] < math.inf:
        raise RenderConfigError(f"--max-frame-ms must be positive and finite (got {options['max_frame_ms']:g}); "
                                f"every shader takes some time per frame, 500 (the default) suits llvmpipe at 64 px")


def parse_egl_device(text: str) -> int | tuple[int, ...]:
    """`--egl-device`: one EGL device index (all workers use it) or a comma list (the workers take them in turn)."""
    items = [item.strip() for item in text.split(",")]
    try:
        devices = tuple(int(item) for item in items)
    except ValueError:
        raise RenderConfigError(f"--egl-device takes an EGL device index or a comma list of them (0, or 0,2 to "
                                f"spread the workers over devices 0 and 2), not {text!r}; leave it out to spread "
                                f"them over every GPU") from None
    validate_options(egl_device=devices)
    return devices[0] if len(devices) == 1 else devices


def parse_shard_range(text: str) -> tuple[int, int]:
    try:
        a, b = text.split(":")
        return int(a), int(b)
    except ValueError:
        raise RenderConfigError(f"--shards takes A:B (shard indices, B exclusive), not {text!r}") from None


Event = Callable[..., None]


def _noop(*_args, **_kw):
    pass


def check_shaders(pool: WorkerPool, names: list[str], frames: int, max_frame_ms: float,
                  on_event: Event = _noop, bank: Bank | None = None) -> dict[str, dict]:
    """Compile and time each named shader in the pool; a hang kills only the worker it hung in.

    Returns name -> {"status", "detail", "ms"}; status is ok, compile, unsupported, static, slow or hang."""
    results: dict[str, dict] = {}
    for ev in pool.dispatch(deque(CheckJob(name, frames) for name in names)):
        if isinstance(ev, Checked):
            name, status, detail = ev.shader, ev.status, ev.detail
            if status == "ok" and ev.ms is not None and ev.ms > max_frame_ms:
                status, detail = "slow", f"{ev.ms:.2f} ms per frame > {max_frame_ms:g} ms (--max-frame-ms)"
            results[name] = {"status": status, "detail": detail, "ms": ev.ms}
        elif isinstance(ev, Lost):
            name = ev.job.shader
            results[name] = {"status": "hang", "detail": ev.why, "ms": None}
            if bank is not None:   # a hang is cached too, so the next set from this bank skips the watchdog
                record_hang(pool.settings, pool.renderer, frames, bank.by_name()[name].fragment, ev.why)
        else:
            continue
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
    with WorkerPool(worker_count(workers, len(names)), settings, time_budget) as pool:
        for ev in pool.dispatch(deque(FramesJob(name, n, seed) for name in names)):
            if isinstance(ev, Frames):
                name = ev.shader
                results[name] = ({"status": "ok", "images": ev.images} if ev.status == "ok"
                                 else {"status": ev.status, "detail": ev.detail})
            elif isinstance(ev, Lost):
                name = ev.job.shader
                results[name] = {"status": "hang", "detail": ev.why}
            else:
                continue
            on_event("frames", name=name, status=results[name]["status"])
    return results


def render_set(cfg: RenderConfig, on_event: Event = _noop) -> dict:
    """Render the shards of `cfg` that are missing in `cfg.out`; return the manifest written.

    on_event(kind, **info) reports progress: "start", "renderer", "checked", "excluded",
    "progress" (n images), "shard" (a finished shard), "redo".
    """
    cfg.validate()
    bank = load_bank(cfg.bank)
    out = Path(cfg.out)
    refuse_foreign_set(out)
    parts = out / fmt.PARTS_DIR
    parts.mkdir(parents=True, exist_ok=True)
    if cfg.part is None:
        with output_lock(parts / LOCK_NAME):
            return _render_locked(cfg, bank, out, parts, parts, on_event)
    # a part of a job array: the directory's lock shared with the other parts (none beside a whole-set
    # render), its own lock and bookkeeping in .parts/part-I-of-N/
    state = part_dir(parts, *cfg.part)
    state.mkdir(exist_ok=True)
    with output_lock(parts / LOCK_NAME, shared=True), output_lock(state / LOCK_NAME):
        return _render_locked(cfg, bank, out, parts, state, on_event)


def _render_locked(cfg: RenderConfig, bank: Bank, out: Path, parts: Path, state: Path, on_event: Event) -> dict:
    """Render into `out`; `state` holds this render's checks and exclusions (`parts` itself, or a part's folder)."""
    bank_hash = bank.hash
    _pin_config(parts / "config.json", {"bank_hash": bank_hash, **cfg.output_config()})
    save_bank_info(state, bank_info(bank))
    ranges = fmt.shard_ranges(cfg.count, cfg.shard_size)
    a, b = part_range(len(ranges), *cfg.part) if cfg.part else cfg.shards or (0, len(ranges))
    wanted = list(range(a, b))
    # name -> {"reason", "detail"}: every exclusion any part recorded, so the parts render one set
    excluded = merged_exclusions(parts)
    for s in bank.shaders:
        if not s.usable and s.name not in excluded:
            excluded[s.name] = {"reason": "unsupported", "detail": s.unsupported}
    # every finished shard in the directory counts (a split render merged here), not only the wanted ones
    done = {k: p for k in range(len(ranges)) if (p := _done_part(out, k)) is not None}
    _pop_stale(done, excluded, set(wanted))  # used a shader another part excluded since: redone
    todo = [k for k in wanted if k not in done]
    n_samples = sum(ranges[k][1] for k in todo)
    on_event("start", shards=len(wanted), todo=len(todo), images=n_samples, bank=bank, bank_hash=bank_hash)
    settings = worker_settings(cfg.bank, bank_hash, cfg.size, cfg.supersample, cfg.egl_device, cfg.batch)
    renderer = None
    checked = merged_checks(parts)
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
                    checked[info["name"]] = {k: info[k] for k in ("status", "detail", "ms")}
                    if time.monotonic() - last_save > 5:
                        save_json(state / "checked.json", checked)
                        last_save = time.monotonic()

                check_shaders(pool, unchecked, cfg.check_frames, cfg.max_frame_ms, keep, bank=bank)
                save_json(state / "checked.json", checked)
            for name, r in checked.items():
                if r["status"] != "ok" and not (r["status"] == "static" and cfg.keep_static) and name not in excluded:
                    excluded[name] = {"reason": r["status"], "detail": r["detail"]}
                    on_event("excluded", name=name, **excluded[name])
            save_json(state / "excluded.json", excluded)
            _require_usable(cfg, bank, excluded, checked)
            renderer = _render_shards(cfg, pool, ranges, todo, done, excluded, checked, on_event, bank, state, wanted)
    # A shard that used a shader excluded later (a hang found mid-run) is redone, so the set equals
    # one rendered with that exclusion from the start.
    stale = _pop_stale(done, excluded, set(wanted))
    if stale:
        on_event("redo", shards=stale)
        with WorkerPool(worker_count(cfg.workers, len(stale)), settings, cfg.time_budget) as pool:
            _render_shards(cfg, pool, ranges, stale, done, excluded, checked, on_event, bank, state, wanted)
    if cfg.part is not None:  # the last part to finish writes the complete manifest (others a partial one)
        return write_merged_manifest(out, strict=False, renderer=renderer)
    config = load_json(parts / "config.json", None)
    _pop_stale(done, excluded)  # outside --shards A:B: not ours to redo, nor to list
    return _write_manifest(out, config, bank_info(bank), ranges, done, excluded, renderer)


def bank_info(bank: Bank) -> dict:
    """What the manifest says of the bank (also kept in .parts/bank.json, for finalize)."""
    return {"hash": bank.hash, "num_shaders": len(bank), "licences": {s.name: s.licence for s in bank.shaders}}


def _render_shards(cfg, pool, ranges, todo, done, excluded, checked, on_event, bank, state, wanted):
    def job(k: int) -> ShardJob:  # built when sent, so it carries every exclusion known by then
        first, count = ranges[k]
        return ShardJob(shard=k, name=fmt.shard_name(k), first_index=first, count=count, seed=cfg.seed,
                        excluded=tuple(sorted(excluded)), out_dir=cfg.out, max_attempts=cfg.max_attempts)

    queue = deque(todo)
    t0 = time.monotonic()
    announced = False
    for ev in pool.dispatch(queue, job):
        if pool.renderer and not announced:
            on_event("renderer", **pool.renderer)
            announced = True
        if isinstance(ev, Progress):
            on_event("progress", n=ev.n)
        elif isinstance(ev, ShardDone):
            done[ev.part["shard"]] = ev.part
            on_event("shard", **ev.part)
            queue.extend(_pop_stale(done, excluded, set(wanted)))  # rendered while a shader it used was being excluded
        elif isinstance(ev, (Excluded, Lost)):
            reason, detail = (ev.reason, ev.detail) if isinstance(ev, Excluded) else ("hang", ev.why)
            if ev.shader is None:
                raise RenderWorkerError(f"a render worker died before naming a shader ({detail}) while "
                                        f"{ev.job.describe()}; the GL driver crashed: run the same command again "
                                        f"to resume")
            excluded[ev.shader] = {"reason": reason, "detail": detail}
            save_json(state / "excluded.json", excluded)
            on_event("excluded", name=ev.shader, **excluded[ev.shader])
            _require_usable(cfg, bank, excluded, checked)
            queue.appendleft(ev.job.shard)
            queue.extend(_pop_stale(done, {ev.shader}, set(wanted)))
    log.info("rendered %d shards in %.1f s", len(todo), time.monotonic() - t0)
    return pool.renderer


HINTS = {
    "compile": "fix the compile errors `shaderkd bank check BANK` shows",
    "unsupported": "the renderer cannot serve what these need (`shaderkd bank list BANK` says what)",
    "hang": "raise --time-budget, or make the shaders cheaper",
    "static": "pass --keep-static to render shaders that ignore their time and parameters anyway",
}


def _require_usable(cfg: RenderConfig, bank: Bank, excluded: dict, checked: dict) -> None:
    """Raise NoUsableShaderError, with why and what to do, when no shader of the bank is left."""
    if len(bank) and not set(bank.names) <= set(excluded):
        return
    reasons: dict[str, int] = {}
    for name in bank.names:
        reasons[excluded[name]["reason"]] = reasons.get(excluded[name]["reason"], 0) + 1
    hints = dict(HINTS)
    times = [r["ms"] for r in checked.values() if r.get("ms") is not None]
    fastest = f" (the fastest took {min(times):.2f} ms)" if times else ""
    hints["slow"] = f"raise --max-frame-ms above {cfg.max_frame_ms:g}{fastest}"
    why = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
    todo = "; ".join(hints.get(reason, f"see the reasons above ({reason})") for reason in sorted(reasons))
    raise NoUsableShaderError(f"every one of the {len(bank)} shaders of {cfg.bank} is excluded ({why}), so there "
                              f"is nothing to render: {todo}")


def _pop_stale(done: dict, excluded, among: set | None = None) -> list[int]:
    """Remove from `done` the shards (of `among`, default all) that used an excluded shader; return them."""
    stale = [k for k, p in done.items() if set(p["shaders"]) & set(excluded) and (among is None or k in among)]
    for k in stale:
        done.pop(k)
    return stale


def _done_part(out: Path, k: int) -> dict | None:
    name = fmt.shard_name(k)
    part = load_json(out / fmt.PARTS_DIR / (name + ".json"), None)
    path = out / name
    if part is None or not path.is_file() or path.stat().st_size != part["bytes"]:
        return None
    if fmt.sha256_file(path) != part["sha256"]:
        return None
    return part


def _write_manifest(out: Path, config: dict, bank: dict, ranges, done, excluded, renderer) -> dict:
    """Write the manifest of the finished shards `done` (index -> record); `config` is .parts/config.json."""
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
        "config": {k: v for k, v in config.items() if k != "bank_hash"},
        # no bank path: the manifest travels to other machines (format version 2)
        "bank": {"hash": bank["hash"], "num_shaders": bank["num_shaders"],
                 "num_usable": bank["num_shaders"] - len(excluded), "licences": bank["licences"],
                 "excluded": [{"shader": n, **excluded[n]} for n in sorted(excluded)]},
        "renderer": renderer,
        "stats": {"rejected_frames": sum(rejected.values()), "rejected_by_reason": dict(sorted(rejected.items()))},
        "shards": [{key: done[k][key] for key in ("name", "first_index", "count", "sha256", "bytes")} for k in ks],
    }
    fmt.write_manifest(out, manifest)
    return manifest


def _pin_config(path: Path, config: dict) -> None:
    old = load_json(path, None)
    if old is None and path.exists() and any(path.parent.parent.glob("shard-*.tar")):
        # the settings that made the shards here are unknown: taking ours could pass them off as ours
        raise ForeignSetError(
            f"{path} is damaged, so this render cannot tell which settings made the shards in {path.parent.parent}; "
            f"delete that directory to start over, or pass another --out")
    if old is None:
        save_json(path, config)
    elif old != config:
        diff = {k: (old.get(k), config.get(k)) for k in set(old) | set(config) if old.get(k) != config.get(k)}
        raise RenderConfigError(
            f"{path.parent.parent} already holds a render with other settings ({diff}, as (there, now)); "
            f"use another --out, or delete that directory to start over")


def write_merged_manifest(out: Path | str, *, strict: bool, renderer: dict | None = None) -> dict:
    """Write the manifest of `out` from every part's shards and exclusions; return it. Renders nothing.

    strict (finalize): raise IncompleteSetError naming the shards and parts missing, damaged, or rendered
    with a shader some part excluded. Otherwise (the end of a part) write a partial manifest of the good
    shards, or the complete one when this part was the last to finish. Parts finishing at once take
    turns (a lock), so the last one sees every shard."""
    out = Path(out)
    parts = out / fmt.PARTS_DIR
    config = load_json(parts / "config.json", None)
    if config is None:
        raise IncompleteSetError(f"{out} holds no render bookkeeping ({parts}/config.json): it is not a "
                                 f"render's output directory, or its .parts/ was not copied with it")
    bank = load_bank_info(parts, config["bank_hash"])
    if bank is None:
        raise IncompleteSetError(f"{parts} does not say what the bank was ({BANK_INFO}, written by renders "
                                 f"since parts exist): run the render command once more without --part to finish {out}")
    ranges = fmt.shard_ranges(config["count"], config["shard_size"])
    with output_lock(parts / "manifest.lock", wait=True):
        excluded = merged_exclusions(parts)
        done = {k: p for k in range(len(ranges)) if (p := _done_part(out, k)) is not None}
        stale = _pop_stale(done, excluded)
        missing = [k for k in range(len(ranges)) if k not in done and k not in stale]
        if strict and (missing or stale):
            problems = []
            if missing:
                problems.append(f"{describe_missing(parts, missing, len(ranges))} are missing or damaged")
            if stale:
                problems.append(f"{describe_missing(parts, stale, len(ranges))} used a shader another part "
                                f"excluded ({', '.join(sorted(excluded))}) and must be rendered again")
            raise IncompleteSetError(
                f"{out} is not complete: {'; '.join(problems)}. Run those parts again (the same render command "
                f"with their --part; a part renders only what it lacks), then finalize again.")
        return _write_manifest(out, config, bank, ranges, done, excluded, renderer)
