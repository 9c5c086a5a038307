"""The CLI group: its commands come from the task table (a broken entry fails loudly), every
command answers --help, user errors are one line + exit 2, no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnnlp.cli import CORE_COMMANDS, add_commands, cli, command_paths, main
from rnnlp.tasks.table import TASKS

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "sentiment" / "tiny.yaml")


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,)
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [()] + list(_commands(cli)), ids=lambda p: " ".join(p) or "rnnlp")
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_commands_are_the_core_ones_and_the_tables():
    assert sorted(cli.commands) == ["caption", "embeddings", "evaluate", "export", "forecast", "generate",
                                    "predict", "recommend", "serve", "tag", "train", "transcribe", "translate"]
    assert command_paths() == CORE_COMMANDS + tuple(p for entry in TASKS.values() for p in entry.commands)
    assert list(cli.commands["train"].commands) == list(TASKS)


@pytest.mark.parametrize("path, message", [
    ("rnnlp.cli.nope:nope", "'rnnlp.cli.nope:nope' cannot be loaded: No module named 'rnnlp.cli.nope'"),
    ("rnnlp.cli.tag:nope", "'rnnlp.cli.tag:nope' cannot be loaded: module 'rnnlp.cli.tag' has no attribute 'nope'"),
    ("rnnlp.cli.tag:format_row", "'rnnlp.cli.tag:format_row' is a function, not a click command"),
    ("rnnlp.cli.tag:tag", "'rnnlp.cli.tag:tag': 'tag' is already a command"),
])
def test_a_broken_command_entry_fails_loudly(path, message):
    import click

    group = click.Group()
    with pytest.raises(ImportError) as exc:
        add_commands(group, ["rnnlp.cli.tag:tag", path])
    assert message in str(exc.value)


def test_a_broken_table_entry_fails_the_cli_import():
    code = ("import dataclasses, rnnlp.tasks.table as t\n"
            "t.TASKS['lm'] = dataclasses.replace(t.TASKS['lm'], commands=('rnnlp.cli.generat:generate',))\n"
            "import rnnlp.cli")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1 and "ImportError: rnnlp command 'rnnlp.cli.generat:generate' cannot be loaded" \
        in done.stderr


def run_main(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def test_train_predict_evaluate(trained, capsys, tmp_path):
    main(["predict", str(trained), "a gripping , funny film", "dull"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].split("\t")[2] == "a gripping , funny film"
    texts = tmp_path / "in.txt"
    texts.write_text("good\nbad\n")
    main(["predict", str(trained), "--input", str(texts), "--json"])
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["good", "bad"] and 0.5 <= rows[0]["probability"] <= 1
    main(["evaluate", str(trained), "--data", str(ROOT / "rnnlp/data/samples/sst2/dev.tsv")])
    out = capsys.readouterr().out
    assert "accuracy:" in out and "macro-F1:" in out and "confusion" in out


def test_train_from_cli_with_own_columns(capsys, tmp_path, assets):
    main(["train", "sentiment", "--recipe", TINY, "--train", str(assets / "sentiment/reviews.csv"),
          "--text-column", "review", "--label-column", "stars", "-o", str(tmp_path / "r"), "text.min_freq=1"])
    assert "checkpoint:" in capsys.readouterr().out
    assert (tmp_path / "r" / "best" / "labels.json").read_text().count('"') == 6


@pytest.mark.parametrize("args, message", [
    (["train", "sentiment", "--train", "missing.csv"], "file not found: missing.csv"),
    (["train", "sentiment", "--recipe", "nope.yaml"], "recipe not found: nope.yaml"),
    (["train", "sentiment", "encoder.hidden=3"], "unknown key 'encoder.hidden'"),
    (["train", "sentiment", "train.epochs=many"], "bad type for 'train.epochs'"),
    (["train", "sentiment", "--text-column", "nope"], "column 'nope' not found"),
    (["predict", "no/such/run", "hi"], "checkpoint not found"),
    (["evaluate", "no/such/run", "--data", "x.tsv"], "checkpoint not found"),
])
def test_user_errors_are_one_line(args, message, capsys, tmp_path):
    args = [*args, "-o", str(tmp_path / "o")] if args[0] == "train" else args
    code, out, err = run_main(args, capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_evaluate_bad_column_and_corrupt_checkpoint(trained, capsys, tmp_path):
    code, _, err = run_main(["evaluate", str(trained), "--data", str(ROOT / "rnnlp/data/samples/sst2/dev.tsv"),
                             "--label-column", "stars"], capsys)
    assert code == 2 and "columns found: sentence, label" in err
    import shutil
    broken = tmp_path / "broken"
    shutil.copytree(trained / "best", broken)
    (broken / "model.safetensors").write_bytes(b"garbage")
    code, _, err = run_main(["predict", str(broken), "hi"], capsys)
    assert code == 2 and "model.safetensors does not match its checksum" in err and len(err.strip().splitlines()) == 1


def test_predict_needs_texts(trained, capsys):
    code, _, err = run_main(["predict", str(trained)], capsys)
    assert code == 2 and "give texts to classify" in err


def test_ragged_vectors_file_is_a_one_line_error(capsys, tmp_path, assets):
    ragged = assets / "vectors" / "ragged_glove.txt"
    code, _, err = run_main(["train", "sentiment", "--recipe", TINY, "-o", str(tmp_path / "o"),
                             "embedding.kind=pretrained", f"embedding.vectors={ragged}"], capsys)
    assert code == 2 and "line" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "best").exists()


def test_commands_reach_tasks_only_through_the_api_the_table_and_the_spec():
    import ast

    allowed = {"rnnlp.tasks.table", "rnnlp.tasks.spec"}  # both torch-free declarations
    for path in sorted((ROOT / "rnnlp" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "rnnlp.tasks":
                names = [f"rnnlp.tasks.{alias.name}" for alias in node.names]
            else:
                names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                    [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                assert not name.startswith("rnnlp.tasks") or name in allowed, f"{path.name} imports {name}"


def test_no_command_writes_its_output_over_an_input_or_into_a_checkpoint(tmp_path, run_cli):
    """B136 (predict --input f.csv -o f.csv) and B96 (export -o RUN/best/model.safetensors)."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(Path(__file__).resolve().parents[1] / "assets" / "checkpoints_v0_1" / "sentiment", run / "best")
    data = tmp_path / "f.csv"
    data.write_text("text,other\na fine film,1\n")
    before = data.read_bytes()
    code, _, err = run_cli(["predict", run, "--input", data, "--text-column", "text", "-o", data])
    assert code == 2 and err == (f"error: --output {data} is the --input {data}: writing would replace it; "
                                 "choose another --output\n")
    assert data.read_bytes() == before
    weights = run / "best" / "model.safetensors"
    saved = weights.read_bytes()
    code, _, err = run_cli(["export", run, "--format", "torchscript", "-o", weights])
    assert code == 2 and "lies inside the checkpoint" in err and weights.read_bytes() == saved


def test_predict_says_which_inputs_were_truncated(tmp_path, run_cli):  # B107
    old = Path(__file__).resolve().parents[1] / "assets" / "checkpoints_v0_1" / "sentiment"
    import rnnlp

    limit = rnnlp.load(old).config.data.max_length
    long = " ".join(["good"] * (limit + 7))
    code, out, err = run_cli(["predict", old, "fine", long, "--json"])
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and "truncated" not in rows[0] and rows[1]["truncated"] == 7
    assert err.strip().splitlines()[-1] == ("warning: 1 of 2 inputs were longer than the model reads "
                                            "(data.max_length) and only their beginning was used: input 2")


def test_print_config_dry_run_and_did_you_mean(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tiny = str(ROOT / "recipes" / "sentiment" / "tiny.yaml")
    code, out, _ = run_cli(["train", "sentiment", "--recipe", tiny, "--print-config", "train.epochs=3"])
    assert code == 0 and "\ntrain:\n  epochs: 3\n" in out
    assert "  max_length: 32  # tokens kept per example (longer ones are truncated)" in out
    code, _, err = run_cli(["train", "sentiment", "--recipe", tiny, "--dry-run", "train.threads=1"])
    assert code == 0 and "dry run:" in err and "steps per epoch" in err
    assert list(tmp_path.iterdir()) == []  # nothing written
    code, _, err = run_cli(["train", "sentiment", "train.epohcs=3"])
    assert code == 2 and "did you mean 'train.epochs'?" in err and err.count("\n") == 1


def test_every_visible_option_has_a_help_text():
    import click

    def walk(group, prefix=()):
        for name, cmd in group.commands.items():
            yield prefix + (name,), cmd
            if hasattr(cmd, "commands"):
                yield from walk(cmd, prefix + (name,))

    bare = [(" ".join(path), param.opts[0]) for path, cmd in walk(cli) for param in cmd.params
            if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip()]
    assert bare == []
