"""``rnnlp evaluate``: options are the union of the table's rows, checked against the checkpoint's
task; ``--data-root`` / ``$RNNLP_DATA`` resolves relative path options."""

from dataclasses import replace
from pathlib import Path

import pytest

from rnnlp.cli import main
from rnnlp.cli.evaluate import ROWS, task_options, union_rows
from rnnlp.errors import ConfigError
from rnnlp.tasks.table import TASKS

SST2 = Path(__file__).resolve().parents[2] / "rnnlp" / "data" / "samples" / "sst2"


def test_each_flag_once_and_its_tasks_named():
    flags = [row.flags for row in ROWS]
    assert len(flags) == len(set(flags))
    assert {row.flags for entry in TASKS.values() for row in entry.eval_options} == set(flags)
    helps = {row.flags: row.help for row in ROWS}
    beam_tasks = [name for name, entry in TASKS.items() if any(r.flags == "--beam-size" for r in entry.eval_options)]
    assert {"translation", "captioning"} <= set(beam_tasks)
    assert helps["--beam-size"].startswith(f"({', '.join(beam_tasks)}) Beam size")
    assert helps["--text-column"].startswith("(sentiment) Column holding the text")


def test_a_flag_with_two_meanings_is_refused():
    tasks = dict(TASKS)
    lm = tasks["lm"]
    tasks["lm"] = replace(lm, eval_options=(replace(lm.eval_options[0], key="path"),))
    with pytest.raises(ValueError, match="--data means 'data' for one task and 'path' for lm"):
        union_rows(tasks)


def test_task_options_resolve_paths_and_refuse_other_tasks_options(tmp_path):
    (tmp_path / "dev.tsv").write_text("x")
    got = task_options("sentiment", {"opt_data": "dev.tsv", "opt_text_column": "dev.tsv"}, str(tmp_path))
    assert got == {"data": str(tmp_path / "dev.tsv"), "text_column": "dev.tsv"}
    assert task_options("lm", {"opt_data": "absent.txt"}, str(tmp_path)) == {"data": "absent.txt"}
    with pytest.raises(ConfigError) as exc:
        task_options("sentiment", {"opt_data": "x", "opt_beam_size": "2", "opt_split": "test"}, None)
    assert str(exc.value) == ("--beam-size, --split: not an option of `rnnlp evaluate` for a sentiment "
                              "checkpoint (--beam-size is for translation, captioning, speech checkpoints; --split is "
                              "for captioning, music checkpoints); its options: --data, --format, --text-column, "
                              "--label-column, --batch-size")


def _main(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr().err


def test_data_root_and_rnnlp_data(trained, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    main(["evaluate", str(trained), "--data", "dev.tsv", "--data-root", str(SST2), "--json"])
    with_option = capsys.readouterr().out
    monkeypatch.setenv("RNNLP_DATA", str(SST2))
    main(["evaluate", str(trained), "--data", "dev.tsv", "--json"])
    assert capsys.readouterr().out == with_option and '"accuracy"' in with_option
    code, err = _main(["evaluate", str(trained), "--data", "dev.tsv", "--beam-size", "2"], capsys)
    assert code == 2 and err == ("error: --beam-size: not an option of `rnnlp evaluate` for a sentiment checkpoint "
                                 "(--beam-size is for translation, captioning, speech checkpoints); its options: --data, "
                                 "--format, --text-column, --label-column, --batch-size\n")


def test_output_writes_the_report_and_never_over_the_data(trained, tmp_path, capsys):
    data = SST2 / "dev.tsv"
    main(["evaluate", str(trained), "--data", str(data), "--json"])
    printed = capsys.readouterr().out
    main(["evaluate", str(trained), "--data", str(data), "-o", str(tmp_path / "report.json")])
    out = capsys.readouterr()
    assert out.out == "" and out.err == f"wrote the JSON report to {tmp_path / 'report.json'}\n"
    assert (tmp_path / "report.json").read_text() == printed  # the same JSON as printed, newline included
    main(["evaluate", str(trained), "--data", str(data), "-o", str(tmp_path / "report.txt"), "--quiet"])
    out = capsys.readouterr()
    assert out.out == out.err == "" and "accuracy" in (tmp_path / "report.txt").read_text()
    copy = tmp_path / "dev.tsv"
    copy.write_bytes(data.read_bytes())
    code, err = _main(["evaluate", str(trained), "--data", str(copy), "-o", str(copy)], capsys)
    assert code == 2 and err == (f"error: --output {copy} is the --data {copy}: writing would replace it; choose "
                                 "another --output\n")
    assert copy.read_bytes() == data.read_bytes()


EVAL_DATA = {  # task -> (evaluate keywords under tests/assets, the report key counting what was done, unit)
    "sentiment": ({"data": "sentiment/binary.tsv"}, "count", "example"),
    "tagging": ({"data": "tagging/dev.conll"}, "sentences", "example"),
    "lm": ({"data": "lm/tiny.txt"}, "tokens", "token"),
    "translation": ({"source": "translation/val.de", "target": "translation/val.en"}, "count", "input"),
}


@pytest.mark.parametrize("task", sorted(EVAL_DATA))
def test_evaluation_reports_progress_through_the_shared_loops(task, models, assets):
    """What ``rnnlp evaluate``'s bar counts: every unit the task's inference loop did, once."""
    from rnnlp.data.batching import progress

    options, key, unit = EVAL_DATA[task]
    seen = []
    with progress(lambda n, u: seen.append((n, u))):
        report = models[task].evaluate(**{k: str(assets / v) for k, v in options.items()})
    assert seen and {u for _, u in seen} == {unit}
    assert sum(n for n, _ in seen) == report[key]
    models[task].evaluate(**{k: str(assets / v) for k, v in options.items()})  # outside: nothing reported
    assert sum(n for n, _ in seen) == report[key]


def test_evaluate_shows_a_bar_on_a_terminal_and_none_when_quiet(monkeypatch, capsys):
    import sys

    from rnnlp.cli.evaluate import progress_bar
    from rnnlp.data.batching import advanced

    with progress_bar(True):
        advanced(3, "token")
    assert "evaluating" in capsys.readouterr().err
    with progress_bar(False):
        advanced(3, "token")
    assert capsys.readouterr().err == ""
    assert sys.stderr.isatty() is False  # under pytest: the CLI passes show=False (no bar in pipes and logs)
