"""Render commands of the `shaderkd` CLI: a thin click layer over render.run (never imports torch)."""
from __future__ import annotations

import errno
import json
import sys

import click

from render.bank import BankError, load_bank
from render.cli_bank import bank_list_cmd, bank_stats_cmd
from render.outdir import OutputDirError
from render.params import NoUsableShaderError
from render.pool import RenderWorkerError
from render.parts import IncompleteSetError, PartError, resolve_part
from render.run import (RenderConfig, RenderConfigError, check_shaders, parse_egl_device, parse_shard_range, render_set,
                        sample_frames, validate_options, write_merged_manifest)
from shards.format import ShardFormatError

ERRORS = (PartError, BankError, OutputDirError, RenderConfigError, RenderWorkerError, NoUsableShaderError, ShardFormatError, OSError)


def _first_line(detail: str | None) -> str:
    """The telling line of a driver log: the first one mentioning an error, else the first."""
    lines = [ln.strip() for ln in (detail or "").splitlines() if ln.strip()]
    for ln in lines:
        if "error" in ln.lower() and "compiler failed" not in ln.lower():
            return ln[:200]
    return lines[0][:200] if lines else ""


def _fail(exc: Exception):
    """One paragraph and exit status 1 (click's); a worker's traceback only for a fault that is a bug."""
    message = str(exc)
    if getattr(exc, "unexpected", False) and exc.traceback:  # a bug: the report needs where it happened
        click.echo(f"the render worker's traceback:\n{exc.traceback}", err=True)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        message += "; free some space, then run the same command again (a render resumes where it stopped)"
    elif isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        message += "; choose a path you may write to (or read, for an input)"
    raise click.ClickException(message) from exc


def _interrupted(what: str):
    """Ctrl-C: one line, the conventional exit status 130, and no traceback from the parent or the workers."""
    click.echo(f"\ninterrupted: {what}", err=True)
    sys.exit(130)


@click.command("render")
@click.option("--bank", default="shaders", show_default=True, help="Shader bank: a directory of .glsl files or a .json/.jsonl file.")
@click.option("--out", required=True, help="Output directory of the shard set (e.g. shards/default).")
@click.option("--count", default=50_000, show_default=True, help="Number of images.")
@click.option("--size", default=32, show_default=True, help="Image side in pixels.")
@click.option("--supersample", default=2, show_default=True, help="Render at K x size and box-filter down (anti-aliasing).")
@click.option("--shard-size", default=1000, show_default=True, help="Images per shard.")
@click.option("--seed", default=0, show_default=True, help="Seed: with the index, it fixes every sample.")
@click.option("--workers", default=0, show_default=True, help="Render processes (0 = one per core).")
@click.option("--shards", "shard_range", default=None, help="Render only shards A:B (B exclusive), to split a set across machines.")
@click.option("--part", default=None, help="Render part I/N (0-based) of the shards, or `auto`: this worker's part of a "
                                         "Slurm job array, Kubernetes Indexed Job or RANK/WORLD_SIZE. Then `shaderkd "
                                         "finalize OUT` (or the last part to finish) writes the complete manifest.")
@click.option("--parts", default=None, type=click.IntRange(min=1), help="With --part auto: the number of parts where the "
              "environment does not say it (Kubernetes; or set SHADERKD_PARTS).")
@click.option("--egl-device", default=None, metavar="N[,N...]", help="EGL device index (a GPU), or a comma list (0,2) the workers take in "
                                                 "turn; default: every GPU in turn where EGL lists two or more, else "
                                                 "the first device.")
@click.option("--time-budget", default=10.0, show_default=True, help="Seconds a compile or a batch of 16 frames may take before the worker is killed and the shader excluded.")
@click.option("--max-frame-ms", default=500.0, show_default=True, help="Exclude shaders slower than this per frame (at size x supersample).")
@click.option("--keep-static", is_flag=True, help="Render shaders that draw the same image whatever their time and "
                                                  "parameters (`bank check` reports them as STATIC; excluded by default).")
def render_cmd(bank, out, count, size, supersample, shard_size, seed, workers, shard_range, part, parts, egl_device,
               time_budget, max_frame_ms, keep_static):
    """Render a shard set from a shader bank (resumable: run it again to finish an interrupted render)."""
    from tqdm import tqdm

    bars: dict = {}  # "render" and "check" progress bars, closed before any message that ends the command

    def on_event(kind, **info):
        if kind == "start":
            click.echo(f"bank {bank}: {len(info['bank'])} shaders, hash {info['bank_hash'][:12]}; "
                       f"{info['todo']} of {info['shards']} shards to render ({info['images']} images)", err=True)
            bars["render"] = tqdm(total=info["images"], unit="img", desc="render", file=sys.stderr,
                                  dynamic_ncols=True, delay=0.5)
        elif kind == "checking":
            bars["check"] = tqdm(total=info["n"], unit="shader", desc="check", file=sys.stderr, dynamic_ncols=True,
                                 leave=False)
        elif kind == "checked" and "check" in bars:
            bars["check"].update(1)
        elif kind == "renderer":
            if "check" in bars:
                bars.pop("check").close()
            click.echo(f"rendering on {info['GL_RENDERER']} ({info['GL_VERSION']})", err=True)
        elif kind == "progress" and "render" in bars:
            bars["render"].update(info["n"])
        elif kind == "excluded":
            detail = _first_line(info.get("detail"))
            click.echo(f"excluded shader {info['name']}: {info['reason']}" + (f": {detail}" if detail else ""), err=True)
        elif kind == "redo":
            click.echo(f"re-rendering {len(info['shards'])} shard(s) that used a shader excluded later", err=True)

    try:
        try:
            cfg = RenderConfig(bank=bank, out=out, count=count, size=size, supersample=supersample, seed=seed,
                               shard_size=shard_size, workers=workers,
                               egl_device=parse_egl_device(egl_device) if egl_device is not None else None,
                               time_budget=time_budget, max_frame_ms=max_frame_ms, keep_static=keep_static,
                               shards=parse_shard_range(shard_range) if shard_range else None,
                               part=resolve_part(part, parts) if part else None)
            if parts is not None and part is None:
                raise PartError("--parts goes with --part auto (it says how many parts the job array has)")
            if cfg.part is not None:
                click.echo(f"part {cfg.part[0]}/{cfg.part[1]} of {out}", err=True)
            manifest = render_set(cfg, on_event)
        finally:
            for bar in bars.values():
                bar.close()
    except ERRORS as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(f"finished shards in {out} are kept; run the same command again to render the rest")
    ex = manifest["bank"]["excluded"]
    click.echo(f"{out}: {manifest['num_samples']} images in {len(manifest['shards'])} shards"
               f"{'' if manifest['complete'] else ' (incomplete set: other shards still to render)'}; "
               f"{len(ex)} shaders excluded, {manifest['stats']['rejected_frames']} degenerate frames redrawn")


@click.command("finalize")
@click.argument("directory")
def finalize_cmd(directory):
    """Write the complete manifest of a set rendered in parts (--part), rendering nothing.

    Refuses, naming them, while shards or parts are missing; the manifest is byte for byte the one a
    single machine rendering the whole set writes."""
    try:
        manifest = write_merged_manifest(directory, strict=True)
    except (IncompleteSetError, *ERRORS) as exc:
        _fail(exc)
    click.echo(f"{directory}: complete, {manifest['num_samples']} images in {len(manifest['shards'])} shards; "
               f"{len(manifest['bank']['excluded'])} shaders excluded")


@click.command("verify")
@click.argument("directory")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--rerender", default=0, show_default=True, help="Also re-render K random shards from the bank and compare them.")
@click.option("--bank", default=None, help="With --rerender: the bank (default: the set's packed bank-sources.tar).")
def verify_cmd(directory, as_json, rerender, bank):
    """Re-hash every shard against the manifest and decode every sample; exit 1 when anything is wrong.

    DIRECTORY may be a URL (the shards go through the shard cache)."""
    from render.verify import verify_set

    report = verify_set(directory)
    again = _rerender(directory, rerender, bank, as_json) if rerender and report.ok else None
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "shards": report.shards_checked, "samples": report.samples_checked,
                               "problems": report.problems, **({"rerender": again} if again else {})}))
    else:
        for line in report.problems:
            click.echo(f"BAD {line}")
        click.echo(f"{directory}: {report.shards_checked} shards, {report.samples_checked} samples checked: "
                   f"{'OK' if report.ok else f'{len(report.problems)} problem(s)'}")
    sys.exit(0 if report.ok and (again is None or again["ok"]) else 1)


def _rerender(directory, k, bank, as_json) -> dict:
    from dataclasses import asdict

    from render.verify import rerender_check

    try:
        r = rerender_check(directory, k, bank)
    except ERRORS as exc:
        _fail(exc)
    if not as_json:
        where = "this renderer" if r.same_renderer else \
            f"another renderer ({r.renderer_here.get('GL_RENDERER')}; the set's: {r.renderer_there.get('GL_RENDERER')})"
        for s in r.shards:
            click.echo(f"RERENDER {s.shard}: " + ("identical bytes" if s.identical else
                       f"{s.differing} of {s.images} images differ (max pixel difference {s.max_abs}/255, mean "
                       f"{s.mean_abs:.3f} over those images)") + f", on {where}")
        if not r.same_renderer and not all(s.identical for s in r.shards):
            click.echo("Pixel differences between GL drivers are expected; identical bytes are only promised on "
                       "the set's renderer.")
    return {"ok": r.ok, "same_renderer": r.same_renderer, "shards": [asdict(s) for s in r.shards]}


@click.command("preview")
@click.argument("directory", required=False)
@click.option("--bank", default=None, help="Draw a sheet straight from a bank (one row per shader) instead of a shard set.")
@click.option("--out", required=True, help="Output PNG.")
@click.option("-n", "count", default=64, show_default=True, help="Images from a shard set.")
@click.option("--per-shader", default=8, show_default=True, help="Images per shader (with --bank).")
@click.option("--size", default=64, show_default=True, help="Render size with --bank.")
@click.option("--cell", default=64, show_default=True, help="Pixels per image on the sheet.")
@click.option("--workers", default=0, show_default=True)
def preview_cmd(directory, bank, out, count, per_shader, size, cell, workers):
    """Draw a contact sheet of a shard set (DIRECTORY) or of a bank (--bank PATH)."""
    from render.preview import sheet_from_frames, sheet_from_shards

    if (directory is None) == (bank is None):
        raise click.UsageError("give either a shard-set DIRECTORY or --bank PATH")
    try:
        if bank:
            validate_options(size=size, supersample=2, per_shader=per_shader, workers=workers)
        if directory:
            sheet = sheet_from_shards(directory, n=count, cell=cell)
        else:
            b = load_bank(bank)
            results = sample_frames(bank, [s.name for s in b.shaders if s.usable], per_shader, size, workers=workers)
            sheet = sheet_from_frames(results, per_shader, cell)
    except ERRORS as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted("no sheet written")
    sheet.save(out)
    click.echo(f"wrote {out} ({sheet.width}x{sheet.height})")


@click.group("bank")
def bank_group():
    """Inspect a shader bank: check, list, stats."""


@bank_group.command("check")
@click.argument("path")
@click.option("--size", "sizes", multiple=True, type=int, default=(32, 128), show_default=True, help="Image sizes to check (repeatable).")
@click.option("--supersample", default=2, show_default=True)
@click.option("--frames", default=4, show_default=True, help="Frames timed per shader and size.")
@click.option("--time-budget", default=10.0, show_default=True)
@click.option("--max-frame-ms", default=500.0, show_default=True)
@click.option("--workers", default=0, show_default=True)
@click.option("--allow-failures", is_flag=True, help="Exit 0 even when some shaders are unusable (for external banks).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per shader and size.")
def bank_check_cmd(path, sizes, supersample, frames, time_budget, max_frame_ms, workers, allow_failures, as_json):
    """Compile and time every shader of a bank; exit 1 if any is unusable (unless --allow-failures)."""
    from render.pool import WorkerPool, worker_count, worker_settings

    try:
        for size in sizes:
            validate_options(size=size, supersample=supersample, frames=frames, time_budget=time_budget,
                             max_frame_ms=max_frame_ms, workers=workers)
        bank = load_bank(path)
        bad = 0
        for s in bank.shaders:
            if not s.usable:
                bad += 1
                _report(as_json, s.name, None, "unsupported", s.unsupported, None)
        usable = [s.name for s in bank.shaders if s.usable]
        for size in sizes:
            settings = worker_settings(path, bank.hash, size, supersample)
            with WorkerPool(worker_count(workers, len(usable)), settings, time_budget) as pool:
                results = check_shaders(pool, usable, frames, max_frame_ms)
            ms = []
            for name in usable:
                r = results[name]
                if r["status"] != "ok":
                    bad += 1
                else:
                    ms.append(r["ms"])
                _report(as_json, name, size, r["status"], r["detail"], r["ms"])
            if ms and not as_json:
                ms.sort()
                click.echo(f"-- {size} px (x{supersample}): {len(ms)}/{len(usable)} usable; ms per frame: "
                           f"median {ms[len(ms) // 2]:.2f}, max {ms[-1]:.2f}")
    except ERRORS as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted("the check stopped before every shader was tried")
    if not as_json:
        click.echo(f"{path}: {len(bank)} shaders, {bad} problem(s)")
    sys.exit(1 if bad and not allow_failures else 0)


def _report(as_json, name, size, status, detail, ms):
    if as_json:
        click.echo(json.dumps({"shader": name, "size": size, "status": status, "detail": detail, "ms": ms}))
    elif status != "ok" or detail:
        click.echo(f"{status.upper():11s} {name} @ {size}px: {_first_line(detail)}")


bank_group.add_command(bank_list_cmd, "list")
bank_group.add_command(bank_stats_cmd, "stats")
