"""`shaderkd pull` and `shaderkd publish`: sharing shard sets between labs (a thin layer over shards/).

Neither imports torch; `publish` reads the bank through render.bank (no moderngl either).
"""
from __future__ import annotations

import sys

import click

from shards.manifest import ShardFormatError


def _fail(exc: Exception):
    raise click.ClickException(str(exc)) from exc


@click.command("pull")
@click.argument("url")
@click.argument("directory")
@click.option("--sha256", "pin", default=None, help="The manifest's sha256, as the publisher gave it: refuse any other manifest.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to connect, and seconds any single read may wait.")
@click.option("--retries", default=4, show_default=True, help="Further tries of a failed download (resuming it), with back-off.")
@click.option("--backoff", default=1.0, show_default=True, help="Seconds before the first retry; doubled after each.")
def pull_cmd(url, directory, pin, timeout, retries, backoff):
    """Mirror the shard set at URL (http://, https://, file://) into DIRECTORY, checking every file.

    Run the same command again to finish an interrupted pull: finished files are kept, a partial
    one is resumed.
    """
    from tqdm import tqdm

    from shards.pull import pull
    from shards.remote import Fetcher

    bar, counts = None, {"have": 0, "fetched": 0}

    def on_event(kind, **info):
        nonlocal bar
        if kind == "manifest":
            bar = tqdm(total=info["bytes"], unit="B", unit_scale=True, desc="pull", file=sys.stderr,
                       dynamic_ncols=True, delay=0.5)
        elif kind in counts:
            counts[kind] += 1
            bar.update(info["bytes"])

    try:
        fetcher = Fetcher(timeout=timeout, retries=retries, backoff=backoff)
        manifest = pull(url, directory, sha256=pin, fetcher=fetcher, on_event=on_event)
    except (ShardFormatError, ValueError) as exc:
        _fail(exc)
    finally:
        if bar is not None:
            bar.close()
    click.echo(f"{directory}: {manifest['num_samples']} samples in {len(manifest['shards'])} shards "
               f"({counts['fetched']} files fetched, {counts['have']} already in place), every file's sha256 "
               f"checked; `shaderkd verify {directory}` decodes every sample")


def _bank_sources(path: str):
    """Read the bank with render.bank and collect its files for packing."""
    from pathlib import Path

    from render.bank import load_bank
    from shards.publish import BankSources

    bank = load_bank(path)
    root = Path(path)
    if root.is_dir():
        files = [(p.relative_to(root).as_posix(), p.read_bytes()) for p in sorted(root.rglob("*"))
                 if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                            for part in p.relative_to(root).parts)]
    else:
        files = [(root.name, root.read_bytes())]
    return BankSources(hash=bank.hash, licences={s.name: s.licence for s in bank.shaders}, files=files,
                       name=root.name)


def _tool_version() -> dict:
    import subprocess
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    try:
        v = version("shaderkd")
    except PackageNotFoundError:
        v = "?"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                                text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"version": v, "commit": commit}


@click.command("publish")
@click.argument("directory")
@click.option("--bank", default="shaders", show_default=True, help="The bank that rendered the set (its hash must match the manifest's).")
@click.option("--out", default=None, help="Publish into this new directory (shards copied) instead of in place.")
@click.option("--name", default=None, help="The set's name on its card (default: the directory's name).")
@click.option("--url", default=None, help="Where the set will be served (recorded in croissant.json).")
def publish_cmd(directory, bank, out, name, url):
    """Make a shard set ready to share: dataset card, preview, bank sources, Croissant metadata."""
    import io

    from render.bank import BankError
    from render.preview import sheet_from_shards
    from shards.publish import publish

    try:
        sources = _bank_sources(bank)
        buf = io.BytesIO()
        sheet_from_shards(directory, n=64, cell=64).save(buf, format="PNG")
        result = publish(directory, sources, buf.getvalue(), out=out, name=name, url=url, tool=_tool_version())
    except (ShardFormatError, BankError, OSError) as exc:
        _fail(exc)
    for w in result.warnings:
        click.echo(f"WARNING: {w}", err=True)
    click.echo(f"{result.directory}: published (README.md, preview.png, bank-sources.tar, croissant.json).\n"
               f"manifest sha256: {result.manifest_sha256}\n"
               f"Serve the directory over HTTP(S) and give the URL with that hash; the other lab runs:\n"
               f"  shaderkd pull URL DIR --sha256 {result.manifest_sha256}")
