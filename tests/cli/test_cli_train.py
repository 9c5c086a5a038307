"""``rnnlp train TASK``: one subcommand per task of the table, with exactly its options."""

import pytest
from click.testing import CliRunner

from rnnlp.cli import cli, main
from rnnlp.tasks.table import SHARED_TRAIN_OPTIONS, TASKS

COMMON = {"--recipe", "--data-root", "--output", "--resume", "--overwrite", "--print-config", "--dry-run"}


def _flags(command) -> set:
    return {opt for param in command.params for opt in param.opts if opt.startswith("--")}


@pytest.mark.parametrize("task", TASKS)
def test_each_task_has_exactly_its_table_options(task):
    rows = TASKS[task].train_options + SHARED_TRAIN_OPTIONS
    assert len({row.flags for row in rows}) == len(rows), "a flag twice in one task"
    command = cli.commands["train"].commands[task]
    assert _flags(command) == {row.flags for row in rows} | COMMON
    help_text = CliRunner().invoke(cli, ["train", task, "--help"]).output
    assert TASKS[task].summary in help_text


def _run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr().err


def test_an_option_of_another_task_is_one_line_naming_both(capsys):
    code, err = _run(["train", "tagging", "--source", "x.de"], capsys)
    assert code == 2 and err == ("error: --source is an option of `rnnlp train translation`, not of "
                                 "`rnnlp train tagging` (see rnnlp train tagging --help)\n")
    code, err = _run(["train", "lm", "--train", "x", "--valid-source", "y"], capsys)
    assert code == 2 and "--valid-source is an option of `rnnlp train translation`, not of `rnnlp train lm`" in err
    code, err = _run(["train", "sentiment", "--images", "x"], capsys)
    assert code == 2 and "`rnnlp train captioning`, not of `rnnlp train sentiment`" in err


def test_unknown_task_and_unknown_option(capsys):
    code, err = _run(["train", "summarization"], capsys)
    from rnnlp.tasks.table import TASKS

    assert code == 2 and err == ("error: unknown task 'summarization'; choose one of: "
                                 + ", ".join(TASKS) + " (see 'rnnlp train --help')\n")
    assert list(TASKS)[:5] == ["sentiment", "tagging", "lm", "translation", "captioning"]
    code, err = _run(["train", "--recipe", "r.yaml", "sentiment"], capsys)
    assert code == 2 and err == ("error: --recipe: give the task first, then its options: "
                                 "rnnlp train TASK --recipe ... (see 'rnnlp train --help')\n")
    code, err = _run(["train", "sentiment", "--trian", "x"], capsys)
    assert code == 2 and "No such option '--trian'. Did you mean '--train'?" in err


def test_options_become_the_nested_extra_config(monkeypatch):
    from rnnlp import api

    calls = []
    monkeypatch.setattr(api, "train", lambda *args, **kwargs: calls.append((args, kwargs)))
    result = CliRunner().invoke(cli, ["train", "tagging", "--recipe", "r.yaml", "--train", "a.conll",
                                      "--tag-column", "3", "--device", "cpu", "-o", "out", "--data-root", "d",
                                      "train.epochs=2", "data.lower=true"])
    assert result.exit_code == 0, result.output
    assert calls == [(("tagging", "r.yaml", ("train.epochs=2", "data.lower=true")),
                      {"extra": {"data": {"train": "a.conll", "tag_column": "3", "root": "d"},
                                 "train": {"device": "cpu", "output": "out"}}, "resume": None, "overwrite": False, "dry_run": False})]


def test_data_root_comes_from_the_environment(monkeypatch):
    from rnnlp import api

    calls = []
    monkeypatch.setattr(api, "train", lambda *args, **kwargs: calls.append(kwargs["extra"]))
    monkeypatch.setenv("RNNLP_DATA", "/data")
    assert CliRunner().invoke(cli, ["train", "lm"]).exit_code == 0
    assert calls == [{"data": {"root": "/data"}}]
