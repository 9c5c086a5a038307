"""``rnnlp tag`` and tagging through ``rnnlp train`` / ``rnnlp evaluate`` (click.testing on rnnlp.cli.cli)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnnlp.cli import cli, main

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "tagging" / "tiny.yaml")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    assets = ROOT / "tests" / "assets" / "tagging"
    out = tmp_path_factory.mktemp("tag") / "run"
    result = CliRunner().invoke(cli, ["train", "tagging", "--recipe", TINY, "--train", str(assets / "train.conll"),
                                      "--valid", str(assets / "dev.conll"), "--format", "conll",
                                      "--token-column", "0", "--tag-column", "3", "--scheme", "IOB1",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_tag_prints_tokens_tags_and_entities(run):
    result = CliRunner().invoke(cli, ["tag", str(run), "John Smith lives in Paris ."])
    assert result.exit_code == 0, result.output
    first, *entity_lines = result.output.splitlines()
    pairs = [p.rsplit("/", 1) for p in first.split()]
    assert [w for w, _ in pairs] == ["John", "Smith", "lives", "in", "Paris", "."]
    assert all(t == "O" or t[:2] in ("B-", "I-", "E-", "S-") for _, t in pairs)
    assert all(line.split(": ", 1)[0] in ("PER", "LOC", "ORG", "MISC") for line in entity_lines)


def test_tag_json_and_input_file(run, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("John Smith lives in Paris .\n\nMary works for Acme .\n")
    result = CliRunner().invoke(cli, ["tag", str(run), "--input", str(src), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [len(r["tags"]) for r in rows] == [6, 0, 5] and result.stderr == ""  # the blank line keeps its place
    assert set(rows[0]) == {"text", "tokens", "offsets", "tags", "scores", "spans", "entities"}
    assert rows[1] == {"text": "", "tokens": [], "tags": []} and rows[2]["text"] == "Mary works for Acme ."


def test_evaluate_command_prints_entity_scores(run, assets):
    result = CliRunner().invoke(cli, ["evaluate", str(run), "--data", str(assets / "tagging/dev.conll"),
                                      "--scheme", "IOB1"])
    assert result.exit_code == 0, result.output
    assert "overall" in result.output and "S-DATE=1" in result.output


def test_user_errors_are_one_line(run, assets, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", str(run), "--data", str(assets / "tagging/bad_columns.conll")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "bad_columns.conll:3" in err and len(err.strip().splitlines()) == 1
    assert CliRunner().invoke(cli, ["tag", str(run)]).exit_code == 2  # no sentences: usage error
