"""The ``rnnlp`` command line: a thin, lazy layer over ``rnnlp.api``.

One module per command group (``rnnlp/cli/<command>.py``); each command turns its options into
one API call. The commands are the core ones listed in ``CORE_COMMANDS`` plus each task's own,
named by its ``commands`` in ``rnnlp.tasks.table.TASKS``, plus a generated command
(``rnnlp/cli/verb.py``) for each table verb that none of those answers; a command module that fails to import
fails ``import rnnlp.cli`` (never a silently missing command). Importing this package imports
click only, so ``rnnlp --help`` answers without torch. User errors (``RnnlpError``) become one
line on stderr and exit code 2; Ctrl-C exits 130.
"""

from __future__ import annotations

import importlib
import sys

import click

from rnnlp.version import __version__
from rnnlp.cli.guard import guard
from rnnlp.tasks.table import TASKS

# "module:attribute" of the commands every install has; task commands come from the table.
CORE_COMMANDS = (
    "rnnlp.cli.train:train",
    "rnnlp.cli.evaluate:evaluate",
    "rnnlp.cli.predict:predict",
    "rnnlp.cli.export:export",
    "rnnlp.cli.forecast:forecast",
    "rnnlp.cli.embeddings:embeddings",
    "rnnlp.cli.serve:serve",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rnnlp")
def cli():
    """rnnlp: strong, fast, honest RNN baselines for text tasks.

    Train with `rnnlp train sentiment`, then `rnnlp predict RUN "some text"`.
    """


def command_paths() -> tuple[str, ...]:
    """Every command's "module:attribute": the core ones, then each task's own, in table order."""
    return CORE_COMMANDS + tuple(path for entry in TASKS.values() for path in entry.commands)


def load_command(path: str) -> click.Command:
    """The click command at ``path`` ("module:attribute"); a missing one raises ImportError naming it."""
    module, _, attribute = path.partition(":")
    try:
        command = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise ImportError(f"rnnlp command {path!r} cannot be loaded: {exc}") from exc
    if not isinstance(command, click.Command):
        raise ImportError(f"rnnlp command {path!r} is a {type(command).__name__}, not a click command")
    return command


def add_commands(group: click.Group, paths) -> None:
    """Add each command to ``group``; two commands of one name is an error, not an override."""
    for path in paths:
        command = load_command(path)
        if command.name in group.commands:
            raise ImportError(f"rnnlp command {path!r}: {command.name!r} is already a command")
        guard(command)  # no output over an input or into a checkpoint (rnnlp/cli/guard.py)
        group.add_command(command)


def add_verbs(group: click.Group, tasks: dict) -> None:
    """A generated command (``rnnlp.cli.verb``) for each task verb that no command answers yet."""
    from rnnlp.cli.verb import verb_command

    for name, found in tasks.items():
        for verb, rows in found.verbs.items():
            if verb not in group.commands:
                command = verb_command(name, verb, rows, found.methods.get(verb, verb))
                guard(command)
                group.add_command(command)


add_commands(cli, command_paths())
add_verbs(cli, TASKS)


def main(argv=None) -> None:
    """Entry point: run the CLI, turning user errors into one line and an exit code."""
    from rnnlp.errors import RnnlpError

    try:
        cli.main(args=argv, prog_name="rnnlp", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # one line, as every user error: what, and where to read more
        command = exc.ctx.command_path if exc.ctx else "rnnlp"
        click.echo(f"error: {exc.format_message()} (see '{command} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RnnlpError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except UnicodeDecodeError as exc:  # an --input file or stdin that is not UTF-8
        click.echo(f"error: the input is not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r} "
                   f"at offset {exc.start}); re-save it as UTF-8", err=True)
        sys.exit(2)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename}", err=True)
        sys.exit(2)
