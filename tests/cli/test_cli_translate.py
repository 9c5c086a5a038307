"""``rnnlp translate`` / ``train translation`` / ``evaluate`` through click's CliRunner on rnnlp.cli.cli."""

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import rnnlp
from rnnlp.cli import cli, main
from rnnlp.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets" / "translation"
TINY = str(ROOT / "recipes" / "translation" / "tiny.yaml")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    result = invoke("train", "translation", "--recipe", TINY, "--source", ASSETS / "train.de", "--target",
                    ASSETS / "train.en", "--valid-source", ASSETS / "val.de", "--valid-target", ASSETS / "val.en",
                    "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_translate_arguments(run):
    result = invoke("translate", run, "ein mann fährt ein fahrrad .", "eine frau hält einen hut .")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == rnnlp.load(run).translate(
        ["ein mann fährt ein fahrrad .", "eine frau hält einen hut ."])


def test_translate_file_keeps_blank_lines_in_place(run, tmp_path):  # B75: outputs stay line-aligned
    src = tmp_path / "in.de"
    src.write_text("ein mann fährt ein fahrrad .\n\nein hund sieht einen ball .\n\n", encoding="utf-8")
    out = tmp_path / "out.en"  # any other extension than jsonl/csv/tsv: plain text, one line per input
    result = invoke("translate", run, "--input", src, "--output", out, "--beam-size", 3, "--length-penalty", 0.6)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 4 rows to {out}\n"
    first, second = rnnlp.load(run).translate(["ein mann fährt ein fahrrad .", "ein hund sieht einen ball ."],
                                              beam_size=3, length_penalty=0.6)
    assert out.read_text(encoding="utf-8").split("\n") == [first, "", second, "", ""]


def test_n_best(run):
    result = invoke("translate", run, "ein kind trägt ein buch .", "--beam-size", 5, "--n-best", 3)
    assert result.exit_code == 0, result.output
    lines = result.output.split("\n")
    assert lines[3] == "" and all("\t" in line for line in lines[:3])
    scores = [float(line.split("\t")[0]) for line in lines[:3]]
    assert scores == sorted(scores, reverse=True)


def test_beam_size_zero_is_a_one_line_error(run, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["translate", str(run), "ein hund .", "--beam-size", "0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err == "error: --beam-size must be between 1 and 100, got 0\n"


def test_evaluate_prints_bleu_signature_and_chrf(run):
    result = invoke("evaluate", run, "--source", ASSETS / "val.de", "--target", ASSETS / "val.en", "--beam-size", 2)
    assert result.exit_code == 0, result.output
    assert "BLEU:" in result.output and "nrefs:1|case:lc|eff:no|tok:13a" in result.output
    assert "chrF:" in result.output


def test_attention_plot(run, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "attn.png"
    result = invoke("translate", run, "ein mann fährt ein fahrrad .", "--attention-plot", png)
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_attention_plot_without_matplotlib(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ModuleNotFoundError
    result = invoke("translate", run, "ein hund .", "--attention-plot", tmp_path / "a.png")
    assert isinstance(result.exception, ConfigError) and "pip install 'rnnlp[plot]'" in str(result.exception)
    assert not (tmp_path / "a.png").exists()


def test_sentiment_checkpoint_is_refused(tmp_path):
    sentiment = rnnlp.api.train("sentiment", str(ROOT / "recipes/sentiment/tiny.yaml"),
                                [f"train.output={tmp_path / 's'}"])
    result = invoke("translate", sentiment, "ein hund .")
    assert "holds a sentiment model; `rnnlp translate` needs a translation checkpoint" in str(result.exception)
