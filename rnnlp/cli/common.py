"""What several commands share: options made from task-table rows, and reading ``--input`` files.

Click only at import time (``rnnlp --help`` never imports torch).
"""

from __future__ import annotations

import functools

import click

from rnnlp.tasks import spec


def dest(key: str) -> str:
    """The click parameter name of a table row's key: ``data.train`` -> ``opt_data__train``."""
    return "opt_" + key.replace(".", "__")


def table_options(rows):
    """Decorator adding one option per task-table ``Option`` row, in the rows' order: a string,
    or for ``count`` rows a whole number in 1..``MAX_COUNTS[flags]`` checked while parsing."""
    def wrap(fn):
        for row in reversed(rows):
            metavar = "PATH" if row.kind == "path" else None
            typed = dict(type=int, callback=in_range(1, MAX_COUNTS.get(row.flags, MAX_BATCH))) \
                if row.kind == "count" else dict(type=click.Path()) if row.kind == "path" else {}
            fn = click.option(row.flags, dest(row.key), default=None, metavar=metavar, help=row.help, **typed)(fn)
        return fn
    return wrap


def collect(options: dict) -> dict:
    """``{"opt_data__train": "x"}`` -> nested ``{"data": {"train": "x"}}`` (unset options dropped)."""
    out: dict = {}
    for name, value in options.items():
        if value is None or not name.startswith("opt_"):
            continue
        *parents, last = name[4:].split("__")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


# -- numbers: checked while parsing, before any model is loaded -----------------------------
MAX_BATCH = 65536
MAX_BEAM = spec.MAX_BEAM
MAX_COUNTS = {"--batch-size": MAX_BATCH, "--beam-size": MAX_BEAM}  # bounds of the table's count rows


def in_range(low=None, high=None, *, above: bool = False, hint: str = ""):
    """A click callback: a number outside ``[low, high]`` (``(low, high]`` with ``above``) is a
    one-line ConfigError naming the option, e.g. ``--top-p must be in (0, 1], got 2.0``."""
    def check(ctx, param, value):
        from rnnlp.errors import ConfigError

        if value is None or _inside(value, low, high, above):
            return value
        raise ConfigError(f"{param.opts[0]} must be {_span(low, high, above)}, got {value}{hint}")
    return check


def _inside(value, low, high, above: bool) -> bool:
    if low is not None and (value <= low if above else value < low):
        return False
    return high is None or value <= high


def _span(low, high, above: bool) -> str:
    if high is None:
        return f"{'>' if above else '>='} {low}"
    return f"in ({low}, {high}]" if above else f"between {low:,} and {high:,}"


def _device(ctx, param, value):
    """auto, cpu, cuda, cuda:N or mps; whether CUDA is there is checked when the model loads."""
    from rnnlp.errors import choice_error

    name = value.strip().lower()
    kind, _, index = name.partition(":")
    if kind not in ("auto", "cpu", "cuda", "mps") or (index and (kind != "cuda" or not index.isdigit())):
        raise choice_error("device", value, ["auto", "cpu", "cuda", "cuda:N"])
    return name


def model_options(batch_help: str, batch_default: int | None = None):
    """Decorator: --device, --batch-size, --json and --quiet, alike on every command that loads a model."""
    def wrap(fn):
        fn = click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")(fn)
        fn = click.option("--json", "as_json", is_flag=True, help="One JSON object per line (never NaN).")(fn)
        fn = click.option("--batch-size", type=int, default=batch_default, show_default=batch_default is not None,
                          callback=in_range(1, MAX_BATCH), help=batch_help)(fn)
        return device_option(fn)
    return wrap


device_option = click.option("--device", default="auto", show_default=True, callback=_device,
                             help="auto (CUDA when available), cpu, cuda or cuda:N; cuda without a GPU is an error.")


def input_options(what: str, formats: str = "lines, csv, tsv, jsonl, parquet", columns=(
        ("--text-column", "text_column", "Table column holding the texts (default: text, sentence, ...)."),)):
    """Decorator: --input FILE, --format, the column options and --output FILE."""
    def wrap(fn):
        fn = click.option("--output", "-o", "output", type=click.Path(), help="Write one row per input here, "
                          "atomically, in input order: .jsonl, .csv, .tsv or .txt (default: stdout).")(fn)
        for flag, name, help in reversed(columns):
            fn = click.option(flag, name, default=None, help=help)(fn)
        fn = click.option("--format", "fmt", default=None,
                          help=f"Format of --input: {formats} (default: from the extension; else lines).")(fn)
        return click.option("--input", "-i", "input_path", metavar="FILE",
                            help=f"Read {what} from FILE ('-': stdin): one a line, or a table's column. "
                                 "Blank lines are skipped.")(fn)
    return wrap


def gather(args, input_path, read, what: str, quiet: bool) -> list:
    """The arguments, then what ``read(input_path)`` found (skipped blanks noted); none is a usage error."""
    values = [a for a in args if a.strip()]
    skipped = len(args) - len(values)
    if input_path:
        found = read(input_path)
        values, skipped = values + found.values, skipped + found.skipped
    if skipped:
        from rnnlp.cli.outputs import note

        note(f"skipped {skipped} blank input{'s' if skipped > 1 else ''}", quiet)
    if not values:
        where = f" ({input_path} has none)" if input_path else ""
        raise click.UsageError(f"give {what} as arguments or with --input FILE{where}")
    return values


# -- a verb's options, made from the verb specification (rnnlp.tasks.spec) ------------------
def spec_options(rows):
    """Decorator: one click option per specification row that the CLI has (``--name-with-dashes``,
    typed, its range in the help, checked while parsing); each old spelling (``aliases``) is a
    hidden option whose use prints a one-line deprecation warning and sets the row's value."""
    rows = [p for p in rows if "cli" in p.where]

    def wrap(fn):
        @functools.wraps(fn)
        def merged(**kwargs):
            for p in rows:
                for i, alias in enumerate(p.aliases):
                    value = kwargs.pop(f"{p.name}__alias{i}")
                    if value not in (None, False, ()):
                        click.echo(f"warning: {p.deprecated(alias)}", err=True)
                        kwargs[p.name] = p.alias_value(value)
            return fn(**kwargs)

        for p in reversed(rows):
            for i, alias in enumerate(p.aliases):
                merged = _option(p, [alias], f"{p.name}__alias{i}", hidden=True, alias=True)(merged)
            merged = _option(p, None, p.name)(merged)
        return merged
    return wrap


def _option(p, flags, name, hidden=False, alias=False):
    if p.kind is bool:
        if alias:
            return click.option(*flags, name, is_flag=True, hidden=True)
        if p.default:  # on unless --no-NAME
            return click.option(f"{p.flag}/--no-{p.flag[2:]}", name, default=True, show_default=True,
                                help=p.described())
        return click.option(p.flag, name, is_flag=True, help=p.described())
    return click.option(*(flags or [p.flag]), name, type=p.kind, multiple=p.many, hidden=hidden,
                        default=None if alias or p.many else p.default,
                        show_default=not alias and p.default is not None, callback=_checked(p),
                        help=p.described())


def _checked(p):
    def check(ctx, param, value):
        from rnnlp.errors import ConfigError

        try:
            return p.check((list(value) or None) if p.many else value, param.opts[0])
        except spec.OptionError as exc:
            raise ConfigError(str(exc)) from None
    return check
