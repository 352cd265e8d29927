"""The `shaderkd` console script: a thin root group that loads each command lazily.

Render commands live in `render.cli` and never import torch; trainer commands live in
`train.cli` and never import moderngl. Loading lazily keeps `shaderkd render ...` working
on a render-only install (`pip install shaderkd[render]`) where torch is absent.
"""
from __future__ import annotations

import importlib
import sys

import click

# command name -> "module:attribute"
COMMANDS = {
    "render": "render.cli:render_cmd",
    "verify": "render.cli:verify_cmd",
    "finalize": "render.cli:finalize_cmd",
    "preview": "render.cli:preview_cmd",
    "bank": "render.cli:bank_group",
    "eval": "train.cli:eval_cmd",
    "teacher": "train.cli:teacher_group",
    "distill": "train.cli_distill:distill_cmd",
    "curate": "train.cli_distill:curate_cmd",
    "pull": "shaderkd.cli_share:pull_cmd",
    "publish": "shaderkd.cli_share:publish_cmd",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:  # e.g. torch missing on a render-only install
            extra = "train" if module_name.startswith("train") else "render"
            raise click.ClickException(
                f"`shaderkd {name}` needs the '{extra}' dependencies, which are not installed "
                f"({exc}). Install them with `uv sync --all-extras` or `pip install 'shaderkd[{extra}]'`."
            ) from exc
        return getattr(module, attr)

    def invoke(self, ctx):
        # A Ctrl-C that no command answered itself (e.g. while a command's modules load): one line and
        # the conventional status 130, as the commands do, not click's "Aborted!" and status 1
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            sys.exit(130)


@click.group(cls=LazyGroup)
@click.version_option(package_name="shaderkd")
def main():
    """shaderkd: data-free knowledge distillation with procedural shader images."""


if __name__ == "__main__":
    main()
