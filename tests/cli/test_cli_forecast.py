"""`rnnlp forecast` and `rnnlp forecast compare` on the bundled samples; user errors are one
line and exit 2; --plot writes a PNG; the classical path never imports torch."""

import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rnnlp.cli import cli, main

RNN = ["train.epochs=2", "model.window=8", "model.hidden_size=4", "train.threads=1"]


def invoke(*args):
    result = CliRunner().invoke(cli, ["forecast", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout.strip().splitlines()  # stderr: progress lines


def rows(lines):
    return np.array([[float(x) for x in line.split("\t")] for line in lines[2:]])


def test_forecast_kalman_and_ar_on_nile():
    lines = invoke("--data", "nile", "--model", "kalman", "--horizon", "3")
    assert lines[0].startswith("# kalman forecast of flow from nile (100 points), 95% intervals")
    assert lines[1].split("\t") == ["step", "flow", "flow_lower", "flow_upper"]
    table = rows(lines)
    np.testing.assert_allclose(table[:, 1], 798.367, atol=0.01)  # local level on the Nile (statsmodels: 798.37)
    assert np.all(np.diff(table[:, 3] - table[:, 2]) > 0)
    ar = rows(invoke("--data", "nile", "--column", "flow", "--horizon", "12"))
    assert ar.shape == (12, 4) and ar[:, 0].tolist() == list(range(1, 13))
    assert np.all((ar[:, 2] < ar[:, 1]) & (ar[:, 1] < ar[:, 3]))


def test_forecast_lstm_on_sunspots():
    lines = invoke("--data", "sunspots", "--model", "lstm", "--horizon", "4", *RNN)
    assert lines[0].startswith("# lstm forecast of sunactivity from sunspots (309 points)")
    table = rows(lines)
    assert table.shape == (4, 4) and np.all(np.diff(table[:, 3] - table[:, 2]) > 0)


def test_compare_prints_every_model():
    lines = invoke("compare", "--data", "nile", "--horizon", "12", *RNN)
    assert lines[0] == "# flow from nile: fitted on 88 points, scored on the last 12"
    assert [line.split()[0] for line in lines[2:]] == ["ar", "kalman", "lstm", "gru"]
    for line in lines[2:]:
        mae, rmse, mase, coverage = map(float, line.split()[-4:])
        assert 0 < mae <= rmse and mase > 0 and 0 <= coverage <= 1


def test_compare_several_columns_adds_var(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(80)
    path = tmp_path / "two.csv"
    path.write_text("t,a,b\n" + "".join(f"{i},{np.sin(i / 3) + rng.normal(0, .1):.4f},{np.cos(i / 3):.4f}\n" for i in t))
    lines = invoke("compare", "--data", str(path), "--column", "a", "--column", "b", "--horizon", "6",
                   "--model", "ar", "--model", "var", "--model", "gru", *RNN)
    assert [line.split()[0] for line in lines[2:]] == ["ar", "var", "gru"]
    var = invoke("--data", str(path), "--column", "a", "--column", "b", "--model", "var", "--horizon", "2")
    assert var[1].split("\t") == ["step", "a", "a_lower", "a_upper", "b", "b_lower", "b_upper"]


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "cmp.png"
    lines = invoke("compare", "--data", "nile", "--horizon", "5", "--model", "ar", "--model", "kalman",
                   "--plot", str(out))
    assert lines[-1] == f"plot written to {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    invoke("--data", "nile", "--horizon", "3", "--plot", str(tmp_path / "fc.png"))
    assert (tmp_path / "fc.png").stat().st_size > 10_000


def test_plot_without_matplotlib_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    code, err = run_main(["forecast", "--data", "nile", "--plot", str(tmp_path / "x.png")], capsys)
    assert code == 2 and err == "error: --plot needs matplotlib: pip install 'rnnlp[plot]'"


def run_main(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code, capsys.readouterr().err.strip()


def _csv(tmp_path, values):
    path = tmp_path / "s.csv"
    path.write_text("t,y\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    return str(path)


@pytest.mark.parametrize("case, args, message", [
    ("column", ["--data", "nile", "--column", "y"], "column 'y' not in .*nile.csv; columns found: year, flow"),
    ("nan", ["--column", "y"], r"column 'y' of s.csv has missing or NaN values at data row\(s\) 4"),
    ("inf", ["--column", "y"], r"column 'y' of s.csv has infinite values at data row\(s\) 6"),
    ("short", ["--column", "y"], "series has 8 points but --model ar needs at least 10"),
    ("short-rnn", ["--model", "gru"], r"series has 30 points but --model gru needs at least 34 \(try a smaller"),
    ("short-compare", ["compare", "--horizon", "12"], "series has 30 points but compare .* needs at least 46"),
    ("horizon", ["--data", "nile", "--horizon", "0"], "--horizon must be between 1 and 10,000, got 0"),
    ("model", ["--data", "nile", "--model", "arima"], "unknown model 'arima'; choose one of: ar, var, kalman, lstm, gru"),
    ("var", ["--data", "nile", "--model", "var"], "--model var models several series jointly"),
    ("missing", ["--data", "nope.csv"], "series file not found: nope.csv"),
    ("no-data", [], "--data is required"),
    ("latin1", ["--column", "y"], r"s.csv is not UTF-8 text \(invalid byte at offset 7\)"),
    ("order", ["--data", "nile", "compare"], "put the options after the subcommand"),
])
def test_bad_input_is_one_line_and_exit_2(case, args, message, tmp_path, capsys):
    values = {"nan": [1, 2, 3, "", 5] * 4, "inf": [1, 2, 3, 4, 5, "inf"] * 4, "short": range(8)}.get(case, range(30))
    if "--data" not in args and case != "no-data":
        args = (["compare"] if args[:1] == ["compare"] else []) + ["--data", _csv(tmp_path, values)] \
            + [a for a in args if a != "compare"]
    if case == "latin1":
        Path(args[args.index("--data") + 1]).write_bytes("t,y\n0,1\xe9\n".encode("latin-1"))
    code, err = run_main(["forecast", *args], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert __import__("re").search(message, err), err




def test_old_rnn_flags_are_deprecated_aliases_of_the_overrides():
    """--epochs/--seed/... still work for one release: a one-line warning each, and the same
    forecast as the override spelling."""
    old = ["--epochs", "2", "--window", "8", "--hidden-size", "4", "--threads", "1", "--seed", "3"]
    new = ["train.epochs=2", "model.window=8", "model.hidden_size=4", "train.threads=1", "train.seed=3"]
    args = ["forecast", "--data", "nile", "--model", "gru", "--horizon", "3"]
    result = CliRunner().invoke(cli, [*args, *old])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {flag} is deprecated and goes in 0.5; write {key}={value}"
        for flag, key, value in (("--window", "model.window", 8), ("--hidden-size", "model.hidden_size", 4),
                                 ("--epochs", "train.epochs", 2), ("--seed", "train.seed", 3),
                                 ("--threads", "train.threads", 1))]
    assert result.stdout.strip().splitlines() == invoke(*args[1:], *new)


def test_an_option_value_shaped_like_an_override_stays_the_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my.series=1.csv").write_text("t,y\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
    lines = invoke("--data", "my.series=1.csv", "--model", "ar", "--horizon", "2", "train.epochs=3")
    assert lines[0].startswith("# ar (order") and "from my.series=1.csv (40 points)" in lines[0]
