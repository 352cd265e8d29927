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
