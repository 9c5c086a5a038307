"""``rnnlp serve``'s arguments: model names, one-line errors, and no FastAPI for other commands."""

import sys

import pytest

from rnnlp.cli import main
from rnnlp.cli.serve import named_runs
from rnnlp.errors import ConfigError


def test_models_are_named_after_their_run_folder_or_explicitly(tmp_path):
    assert named_runs(("runs/sst2", "ner=runs/conll/best", f"{tmp_path}/tagger/best")) == \
        {"sst2": "runs/sst2", "ner": "runs/conll/best", "tagger": f"{tmp_path}/tagger/best"}


@pytest.mark.parametrize("runs,message", [(("a=x", "a=y"), "two models named 'a'"),
                                          (("runs/x", "other/x"), "two models named 'x'"),
                                          (("bad name=x",), "model name 'bad name'")])
def test_bad_names_are_config_errors(runs, message):
    with pytest.raises(ConfigError, match=message):
        named_runs(runs)


def test_a_bad_run_is_one_line_and_exit_code_2(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["serve", str(tmp_path / "missing")])
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2 and err[-1].startswith("error: checkpoint not found")


def test_without_the_serve_extra_it_says_how_to_install(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn -> ImportError
    with pytest.raises(SystemExit) as exc:
        main(["serve", str(tmp_path)])
    assert exc.value.code == 2 and "pip install 'rnnlp[serve]'" in capsys.readouterr().err


