"""`shaderkd bank list` and `shaderkd bank stats`: thin click commands over render.bank and render.stats."""
from __future__ import annotations

import json

import click

from render.bank import BankError, load_bank


def _fail(exc: Exception):
    raise click.ClickException(str(exc)) from exc


@click.command("list")
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per shader.")
def bank_list_cmd(path, as_json):
    """List the shaders of a bank (a directory, .glsl, .json or .jsonl) and whether each is usable."""
    try:
        bank = load_bank(path)
    except (BankError, OSError) as exc:
        _fail(exc)
    for s in bank.shaders:
        if as_json:
            click.echo(json.dumps({"name": s.name, "family": s.family, "licence": s.licence, "source": s.origin,
                                   "dialect": s.dialect, "usable": s.usable, "reason": s.unsupported}))
        else:
            click.echo(f"{s.name:32s} {s.family:14s} {s.dialect:14s} "
                       f"{'usable' if s.usable else 'UNSUPPORTED: ' + s.unsupported[:100]}")
    if not as_json:
        usable = sum(s.usable for s in bank.shaders)
        click.echo(f"{path}: {len(bank)} shaders, {usable} usable, {len(bank) - usable} unsupported; "
                   f"bank hash {bank.hash[:12]}", err=True)


@click.command("stats")
@click.argument("paths", nargs=-1, required=True)
@click.option("--size", default=64, show_default=True, help="Image side in pixels.")
@click.option("--per-shader", default=8, show_default=True, help="Random draws (time, parameters) per shader.")
@click.option("--supersample", default=1, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--limit", default=None, type=int, help="Measure a seeded random subset of this many shaders per bank.")
@click.option("--workers", default=0, show_default=True, help="Render processes (0 = one per core).")
@click.option("--time-budget", default=10.0, show_default=True, help="Seconds before a stuck shader is killed.")
@click.option("--max-frame-ms", default=500.0, show_default=True, help="Leave out shaders slower than this.")
@click.option("--dup-threshold", default=0.05, show_default=True, help="Distance under which two images count as near-duplicates.")
@click.option("--sheet", default=None, help="Also write a contact sheet PNG (one image from each of 64 random shaders; "
                                            "with several banks, their sheets side by side under their figures).")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON: one object per line per bank.")
def bank_stats_cmd(paths, size, per_shader, supersample, seed, limit, workers, time_budget, max_frame_ms,
                   dup_threshold, sheet, as_json):
    """Render a sample of every shader of each bank in PATHS and report, per family and overall: count,
    render cost, pixel statistics and a diversity figure comparable across banks (see render/stats.py).
    With several banks, a last table puts their overall figures side by side."""
    from render.params import NoUsableShaderError
    from render.pool import RenderWorkerError
    from render.run import RenderConfigError, validate_options
    from render.stats import (StatsConfig, bank_stats, contact_sheet, format_comparison, format_table, headline,
                              side_by_side)

    cfg = StatsConfig(size=size, per_shader=per_shader, supersample=supersample, seed=seed, workers=workers,
                      time_budget=time_budget, max_frame_ms=max_frame_ms, limit=limit, dup_threshold=dup_threshold)

    def on_event(kind, **info):
        if kind == "start":
            click.echo(f"measuring {info['shaders']} shaders ({info['usable']} usable), "
                       f"bank hash {info['bank_hash'][:12]}", err=True)
        elif kind == "checked" and info.get("status") != "ok":
            lines = (info.get("detail") or "").strip().splitlines()
            first = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else "")
            click.echo(f"{info['status']:>8s} {info['name']}: {first.strip()[:150]}", err=True)

    reports, sheets = [], []
    try:
        validate_options(size=size, supersample=supersample, per_shader=per_shader, time_budget=time_budget,
                         max_frame_ms=max_frame_ms, seed=seed, workers=workers)
        if limit is not None and limit < 1:
            raise RenderConfigError(f"--limit must be at least 1 (got {limit}); leave it out to measure every shader")
        if not 0 < dup_threshold <= 1:
            raise RenderConfigError(f"--dup-threshold must lie in (0, 1] (got {dup_threshold:g}): it is a distance "
                                    f"between images, which lies in [0, 1]")
        for path in paths:
            click.echo(f"{path}:", err=True)
            report, results = bank_stats(path, cfg, on_event)
            reports.append(report)
            if sheet:
                sheets.append(contact_sheet(results, seed=seed))
            if as_json:
                click.echo(json.dumps(report, sort_keys=True))
            else:
                click.echo(f"== {path}\n{format_table(report)}\n")
        if sheet:
            image = sheets[0] if len(sheets) == 1 else side_by_side(sheets, [headline(r) for r in reports])
            image.save(sheet)
            click.echo(f"wrote {sheet}", err=True)
    except (BankError, RenderConfigError, RenderWorkerError, NoUsableShaderError, OSError) as exc:
        _fail(exc)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: no report written", err=True)
        raise SystemExit(130) from None
    if len(reports) > 1 and not as_json:
        click.echo(format_comparison(reports))
