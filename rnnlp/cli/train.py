"""``rnnlp train TASK``: one subcommand per task of ``rnnlp.tasks.table.TASKS``.

    rnnlp train sentiment --recipe recipes/sentiment/sst2_bilstm.yaml --train X train.epochs=3

Each task's subcommand has the shared options (``--recipe``, ``--data-root``, ``--output``,
``--resume``, ``--overwrite`` and the table's ``SHARED_TRAIN_OPTIONS``) plus its own ``train_options`` rows, so
``rnnlp train tagging --help`` shows tagging's options only. An option that belongs to another
task is a one-line ConfigError naming the option and the task. Click only at import time.
"""

from __future__ import annotations

import click

from rnnlp.cli.common import collect, table_options
from rnnlp.tasks.table import SHARED_TRAIN_OPTIONS, TASKS


class TaskGroup(click.Group):
    """The ``train`` group: tasks in table order; an unknown task lists the known ones."""

    def list_commands(self, ctx):
        return list(self.commands)

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:  # `rnnlp train --recipe R sentiment`: options go after the task
            raise click.UsageError(f"{exc.option_name}: give the task first, then its options: "
                                   f"rnnlp train TASK {exc.option_name} ...", ctx) from None

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            raise click.UsageError(f"unknown task {args[0]!r}; choose one of: {', '.join(self.commands)}", ctx)
        return super().resolve_command(ctx, args)


class TaskCommand(click.Command):
    """A task's ``train`` subcommand: another task's option is a ConfigError naming both."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            owners = [name for name, entry in TASKS.items()
                      if any(exc.option_name == row.flags for row in entry.train_options)]
            if not owners:
                raise
            from rnnlp.errors import ConfigError

            raise ConfigError(f"{exc.option_name} is an option of `rnnlp train {'/'.join(owners)}`, not of "
                              f"`rnnlp train {self.name}` (see rnnlp train {self.name} --help)") from None


@click.group(cls=TaskGroup, subcommand_metavar="TASK [OPTIONS] [SECTION.FIELD=VALUE]...",
             short_help=f"Train a task: {', '.join(TASKS)}.")
def train():
    """Train one of the tasks below; `rnnlp train TASK --help` lists its data options.

    Every config field can be overridden as SECTION.FIELD=VALUE after the options.
    """


def task_command(name: str, entry) -> click.Command:
    """The ``rnnlp train <name>`` command, its options from the task table."""

    @click.command(name, cls=TaskCommand, short_help=entry.summary)
    @click.argument("overrides", nargs=-1, metavar="[SECTION.FIELD=VALUE]...")
    @click.option("--recipe", type=click.Path(dir_okay=False), help="YAML recipe (see recipes/).")
    @table_options(entry.train_options + SHARED_TRAIN_OPTIONS)
    @click.option("--data-root", envvar="RNNLP_DATA", help="Folder that relative data paths are under "
                  "(default: $RNNLP_DATA).")
    @click.option("--output", "-o", help=f"Run folder (default: runs/{name}-<time>).")
    @click.option("--resume", type=click.Path(file_okay=False), help="Continue the run in this folder.")
    @click.option("--overwrite", is_flag=True, help="Replace the run already in --output (kept until the "
                  "new run saves its first checkpoint).")
    @click.option("--print-config", is_flag=True, help="Print the whole resolved config as YAML (each key with "
                  "its help) and exit.")
    @click.option("--dry-run", is_flag=True, help="Build the data, tokenizer and model, print the banner and the "
                  "planned steps, and stop before the first step (nothing is written).")
    def command(overrides, recipe, data_root, output, resume, overwrite, print_config, dry_run, **options):
        from rnnlp import api

        extra = collect(options)
        if data_root:
            extra.setdefault("data", {})["root"] = data_root
        if output:
            extra.setdefault("train", {})["output"] = output
        if print_config:
            from rnnlp.config.base import commented_yaml

            return click.echo(commented_yaml(api.make_config(name, recipe, overrides, extra)))
        api.train(name, recipe, overrides, extra=extra, resume=resume, overwrite=overwrite, dry_run=dry_run)

    command.help = f"{entry.summary}\n\nTrain {name}; every config field can be overridden as SECTION.FIELD=VALUE."
    return command


for _name, _entry in TASKS.items():
    train.add_command(task_command(_name, _entry))
