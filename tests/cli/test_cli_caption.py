"""``rnnlp caption`` and captioning through ``rnnlp train`` / ``rnnlp evaluate`` (click.testing on rnnlp.cli.cli)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnnlp.cli import cli, main

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "captioning" / "tiny.yaml")
IMAGES = [str(ROOT / "tests" / "assets" / "captioning" / "images" / n) for n in ("a01.jpg", "a05.png")]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cap") / "run"
    result = CliRunner().invoke(cli, ["train", "captioning", "--recipe", TINY, "--data-root", str(ROOT),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_caption_prints_one_line_per_image(run):
    result = CliRunner().invoke(cli, ["caption", str(run), *IMAGES, "--beam-size", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == IMAGES
    from rnnlp import load
    assert [line.split("\t", 1)[1] for line in lines] == load(run).caption(IMAGES, beam_size=3)
    rows = [json.loads(x) for x in CliRunner().invoke(cli, ["caption", str(run), IMAGES[0], "--json"]).output.splitlines()]
    assert rows[0]["image"] == IMAGES[0] and isinstance(rows[0]["caption"], str)


def test_attention_plot(run, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "att.png"
    result = CliRunner().invoke(cli, ["caption", str(run), IMAGES[1], "--attention-plot", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_evaluate_split_prints_bleu(run):
    result = CliRunner().invoke(cli, ["evaluate", str(run), "--split", "test", "--beam-size", "2"])
    assert result.exit_code == 0, result.output
    assert "BLEU-1..4" in result.output and "beam 2" in result.output


def test_bad_image_is_a_one_line_error(run, tmp_path, capsys):
    bad = tmp_path / "fake.png"
    bad.write_text("hello")
    with pytest.raises(SystemExit) as exc:
        main(["caption", str(run), IMAGES[0], str(bad)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "fake.png" in err and len(err.strip().splitlines()) == 1
    assert CliRunner().invoke(cli, ["caption", str(run)]).exit_code == 2  # no images: usage error
