"""``rnnlp forecast``: forecast a series from a CSV file, or compare the forecasters on a hold-out.

    rnnlp forecast --data series.csv --column y --model ar --horizon 12
    rnnlp forecast compare --data series.csv --column y --horizon 12 --plot out.png
    rnnlp forecast --data sunspots --model gru --horizon 20 train.epochs=50 model.window=12

The RNNs' settings are ``model.*`` and ``train.*`` overrides of ``rnnlp.config.forecast.ForecastConfig``
(checked as ``rnnlp train`` checks its overrides: an unknown key gets a did-you-mean, a value out
of range names its key); the old ``--window``, ``--hidden-size``, ``--epochs``, ``--seed`` and
``--threads`` still work for one release, with a warning.

The classical models come from ``rnnlp.timeseries.compare`` (numpy only); the RNNs (``lstm``,
``gru``) from ``rnnlp.forecast.rnn``, imported - with torch - only when one is asked for, and
handed to the comparison through its ``extra`` hook. ``--data nile`` and ``--data sunspots``
name the bundled sample series (``rnnlp.forecast.data`` reads and checks the CSV;
``rnnlp.plotting`` draws --plot). User mistakes raise ``RnnlpError``s (one line, exit 2).
"""

from __future__ import annotations

import re

import click

MODELS = ("ar", "var", "kalman", "lstm", "gru")
RNNS = ("lstm", "gru")
OVERRIDE = re.compile(r"^[A-Za-z_]+\.[A-Za-z_.]+=")  # section.field=value
# the options that became overrides: flag -> its key (deprecated, gone in 0.5)
DEPRECATED = {"--window": "model.window", "--hidden-size": "model.hidden_size", "--epochs": "train.epochs",
              "--seed": "train.seed", "--threads": "train.threads"}


class OverrideGroup(click.Group):
    """``forecast``: ``section.field=value`` words anywhere on the line are the RNNs' overrides
    (a group cannot take free arguments beside its subcommand's name)."""

    def parse_args(self, ctx, args):
        # an option's value (--data my.series=1.csv) is never an override: every option here takes one
        is_override = [bool(OVERRIDE.match(a)) and not (i and args[i - 1].startswith("-") and "=" not in args[i - 1])
                       for i, a in enumerate(args)]
        ctx.meta["forecast.overrides"] = [a for a, o in zip(args, is_override) if o]
        return super().parse_args(ctx, [a for a, o in zip(args, is_override) if not o])


def _options(fn):
    """The options both commands share: data, horizon, intervals, RNN training, plot."""
    options = [
        click.option("--data", help="CSV file with a header row, or a bundled sample: nile, sunspots."),
        click.option("--column", "columns", multiple=True,
                     help="Column to forecast (repeat for several; default: the sample's series or the file's last column)."),
        click.option("--horizon", type=int, default=12, show_default=True, help="Steps to forecast (hold-out size for compare)."),
        click.option("--alpha", type=float, default=0.05, show_default=True, help="Intervals cover 1 - alpha."),
        click.option("--window", "window", type=int, hidden=True, help="Deprecated: model.window=N."),
        click.option("--hidden-size", "hidden_size", type=int, hidden=True, help="Deprecated: model.hidden_size=N."),
        click.option("--epochs", "epochs", type=int, hidden=True, help="Deprecated: train.epochs=N."),
        click.option("--seed", "seed", type=int, hidden=True, help="Deprecated: train.seed=N."),
        click.option("--threads", "threads", type=int, hidden=True, help="Deprecated: train.threads=N."),
        click.option("--plot", type=click.Path(dir_okay=False), help="Write a PNG of the series, forecasts and intervals (needs matplotlib)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.group(cls=OverrideGroup, invoke_without_command=True,
             subcommand_metavar="[compare] [OPTIONS] [model.FIELD=VALUE | train.FIELD=VALUE]...")
@_options
@click.option("--model", default="ar", show_default=True, help="ar, var (needs several --column), kalman (local level), lstm or gru.")
@click.pass_context
def forecast(ctx, model, **options):
    """Forecast --horizon steps past the end of a series, with prediction intervals.

    AR orders are chosen by AIC; kalman is a local-level model fitted by maximum likelihood;
    lstm/gru are trained here (see rnnlp.forecast.rnn for the interval scheme). Several
    columns are forecast one by one (ar, kalman), jointly (var, lstm, gru).

    The RNNs' settings are overrides after the options: model.window, model.hidden_size,
    model.num_layers, model.dropout, model.mode, and every train.* key of `rnnlp train`
    (train.epochs=150, train.seed=0, train.threads, train.lr=0.005, train.batch_size=32, ...).
    """
    if ctx.invoked_subcommand is not None:
        if options["data"] or options["columns"] or options["plot"]:
            from rnnlp.errors import ConfigError
            raise ConfigError(f"put the options after the subcommand: rnnlp forecast {ctx.invoked_subcommand} --data ...")
        return
    from rnnlp.timeseries.compare import forecast as model_forecast

    run = _Run(overrides=ctx.meta.get("forecast.overrides", []), **options)
    _check_model(model, run)
    run.series.require_length(10 if model not in RNNS else run.config.model.window + 10, f"--model {model}")
    mean, lower, upper, orders = model_forecast(model, run.values, run.horizon, alpha=run.alpha,
                                                extra=run.extra((model,)))
    order = f" (order {', '.join(map(str, orders))})" if orders else ""
    click.echo(f"# {model}{order} forecast of {', '.join(run.names)} from {run.label} "
               f"({len(run.values)} points), {100 * (1 - run.alpha):g}% intervals")
    click.echo("\t".join(["step"] + [f"{n}{s}" for n in run.names for s in ("", "_lower", "_upper")]))
    for h in range(run.horizon):
        cells = [f"{v:.6g}" for j in range(len(run.names)) for v in (mean[h, j], lower[h, j], upper[h, j])]
        click.echo("\t".join([str(h + 1)] + cells))
    if run.plot:
        run.draw(len(run.values), [(model, mean, lower, upper)], f"{model} forecast")


@forecast.command()
@_options
@click.option("--model", "models", multiple=True, help="Models to compare (repeat; default: ar, kalman, lstm, gru, and var with several columns).")
@click.pass_context
def compare(ctx, models, **options):
    """Fit every model on all but the last --horizon points and score it on them.

    Prints MAE, RMSE, MASE (scaled by the in-sample naive forecast's MAE) and the share of
    hold-out points inside the prediction intervals.
    """
    from rnnlp.timeseries.compare import compare as compare_models

    run = _Run(overrides=ctx.parent.meta.get("forecast.overrides", []), **options)
    models = models or (("ar", "var") if len(run.names) > 1 else ("ar",)) + ("kalman", "lstm", "gru")
    for model in models:
        _check_model(model, run)
    need = max([run.config.model.window + 10 if m in RNNS else 10 for m in models]) + run.horizon
    run.series.require_length(need, "compare with a hold-out of --horizon points")
    rows = _compare_with_progress(compare_models, run, models)
    click.echo(f"# {', '.join(run.names)} from {run.label}: fitted on {len(run.values) - run.horizon} points, "
               f"scored on the last {run.horizon}")
    click.echo(f"{'model':<8}{'order':>8}{'MAE':>12}{'RMSE':>12}{'MASE':>8}  coverage({100 * (1 - run.alpha):g}%)")
    for row in rows:
        order = ",".join(map(str, row["order"])) or "-"
        click.echo(f"{row['model']:<8}{order:>8}{row['mae']:>12.4g}{row['rmse']:>12.4g}{row['mase']:>8.3f}"
                   f"  {row['coverage']:.2f}")
    if run.plot:
        curves = [(r["model"], r["mean"], r["lower"], r["upper"]) for r in rows]
        run.draw(len(run.values) - run.horizon, curves, f"hold-out comparison, last {run.horizon} points")


def _compare_with_progress(compare_models, run: "_Run", models) -> list[dict]:
    """``compare`` one model at a time, saying on stderr which one is fitting (the RNNs train for a while)."""
    import time

    extra, rows = run.extra(models), []
    for i, model in enumerate(models, 1):
        click.echo(f"[{i}/{len(models)}] fitting {model}...", err=True, nl=False)
        start = time.perf_counter()
        rows += compare_models(run.values, run.horizon, models=(model,), alpha=run.alpha, extra=extra,
                               keep_forecasts=bool(run.plot))
        click.echo(f" {time.perf_counter() - start:.1f} s", err=True)
    return rows


def _check_model(model: str, run: "_Run") -> None:
    from rnnlp.errors import ConfigError, choice_error

    if model not in MODELS:
        raise choice_error("model", model, MODELS)
    if model == "var" and len(run.names) < 2:
        raise ConfigError("--model var models several series jointly: give two or more --column options")


MAX_HORIZON = 10_000  # far past any series' memory; larger ones would only fill the screen (or hang)


def _check_numbers(horizon, alpha) -> None:
    """The numeric options, checked before the data is read (one line each, exit 2); the RNNs'
    settings are checked by their config's bounds."""
    from rnnlp.errors import ConfigError

    if not 1 <= horizon <= MAX_HORIZON:
        raise ConfigError(f"--horizon must be between 1 and {MAX_HORIZON:,}, got {horizon}")
    if not 0 < alpha < 1:
        raise ConfigError(f"--alpha must be in (0, 1), got {alpha}")


def rnn_config(overrides, old: dict):
    """The ``ForecastConfig`` of the RNNs: the deprecated flags (each with a one-line warning),
    then the ``section.field=value`` overrides, checked like ``rnnlp train``'s."""
    from rnnlp.config.base import build_config
    from rnnlp.config.forecast import ForecastConfig

    words = []
    for flag, key in DEPRECATED.items():
        value = old.get(flag[2:].replace("-", "_"))
        if value is not None:
            click.echo(f"warning: {flag} is deprecated and goes in 0.5; write {key}={value}", err=True)
            words.append(f"{key}={value}")
    return build_config(ForecastConfig, None, [*words, *overrides])


def _check_rnn_memory(hidden_size: int, columns: int) -> None:
    """An LSTM of model.hidden_size units (4 gate blocks; weights, gradients and Adam's two moments) must fit."""
    from rnnlp.config.memory import available_memory, require_fits

    need = 4 * hidden_size * (hidden_size + columns + 2) * 4 * 4
    require_fits("model.hidden_size", hidden_size, need, available_memory())


class _Run:
    """One command's options and series (read and checked by ``rnnlp.forecast.data``)."""

    def __init__(self, data, columns, horizon, alpha, plot, overrides=(), **old):
        from rnnlp.errors import ConfigError
        from rnnlp.forecast.data import load_series

        if not data:
            raise ConfigError("--data is required: a CSV file or a bundled sample (nile, sunspots)")
        _check_numbers(horizon=horizon, alpha=alpha)
        self.config = rnn_config(overrides, old)
        self.series = load_series(data, columns)
        self.label, self.names, self.values = self.series.label, self.series.names, self.series.values
        if plot:
            from rnnlp.plotting import pyplot

            pyplot("--plot")  # bad data is reported first; then fail before fitting when matplotlib is missing
        self.horizon, self.alpha, self.plot = horizon, alpha, plot
        _check_rnn_memory(self.config.model.hidden_size, len(self.names))

    def extra(self, models) -> dict:
        """The RNN forecasters for the comparison hook (imports torch only when asked for)."""
        if not set(models) & set(RNNS):
            return {}
        from rnnlp.forecast.rnn import compare_forecaster

        return {cell: compare_forecaster(cell, config=self.config) for cell in RNNS}

    def draw(self, start: int, curves, title: str) -> None:
        from rnnlp.forecast.data import time_axis
        from rnnlp.plotting import plot_forecast

        plot_forecast(self.plot, self.values, self.names, time_axis(self.series), start, curves,
                      f"{self.label}: {title}")
        click.echo(f"plot written to {self.plot}")
