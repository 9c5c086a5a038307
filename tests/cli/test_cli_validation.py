"""Numbers and devices checked up front: each bad value is one line, exit 2, no traceback, no run
folder; the issue's handled cases (vectors that barely cover a benchmark) print a note instead."""

from pathlib import Path

import pytest
import torch


ROOT = Path(__file__).resolve().parents[2]
TINY = ["--recipe", str(ROOT / "recipes/sentiment/tiny.yaml"), "train.threads=1", "data.train_limit=32"]
SENTIMENT = ["train", "sentiment", *TINY]


ROWS = [  # (id, argv after the command, the error line starts with)
    ("seed-negative", [*SENTIMENT, "train.seed=-5"], "error: 'train.seed' must be between 0 and 4294967295, got -5"),
    ("seed-too-big", [*SENTIMENT, "train.seed=99999999999"], "error: 'train.seed' must be between 0 and"),
    ("hidden-huge", [*SENTIMENT, "encoder.hidden_size=1000000000"],
     "error: encoder.hidden_size=1000000000 needs at least 111.0 EiB for the parameters"),
    ("embedding-huge", [*SENTIMENT, "embedding.embedding_dim=1000000000"],
     "error: embedding.embedding_dim=1000000000 needs at least"),
    ("embedding-zero", [*SENTIMENT, "embedding.embedding_dim=0"],
     "error: 'embedding.embedding_dim' must be greater than 0, got 0"),
    ("head-negative", [*SENTIMENT, "head.hidden_size=-3"], "error: 'head.hidden_size' must be 0 or more, got -3"),
    ("lr-nan", [*SENTIMENT, "train.lr=.nan"], "error: 'train.lr' must be a finite number, got nan"),
    ("patience-zero", [*SENTIMENT, "train.patience=0"], "error: 'train.patience' must be greater than 0"),
    ("device-unknown", [*SENTIMENT, "--device", "gpu"], "error: unknown device 'gpu'; choose one of: auto, cpu, cuda"),
    ("lm-hidden-huge", ["train", "lm", "--recipe", str(ROOT / "recipes/lm/tiny.yaml"),
                        "model.hidden_size=1000000000"], "error: model.hidden_size=1000000000 needs at least"),
    ("translation-decoder-negative", ["train", "translation", "--recipe", str(ROOT / "recipes/translation/tiny.yaml"),
                                      "decoder.hidden_size=-1"], "error: 'decoder.hidden_size' must be greater than 0"),
    ("tagging-char-kernel-zero", ["train", "tagging", "model.char_kernel=0"],
     "error: 'model.char_kernel' must be greater than 0"),
    ("forecast-horizon-huge", ["forecast", "--data", "nile", "--horizon", "1000000000"],
     "error: --horizon must be between 1 and 10,000, got 1000000000"),
    ("forecast-hidden-huge", ["forecast", "--data", "nile", "--model", "lstm", "model.hidden_size=100000000"],
     "error: model.hidden_size=100000000 needs at least"),
    ("forecast-seed-negative", ["forecast", "--data", "nile", "train.seed=-1"],
     "error: 'train.seed' must be between 0 and"),
    ("forecast-compare-window-0", ["forecast", "compare", "--data", "nile", "model.window=0"],
     "error: 'model.window' must be greater than 0, got 0"),
    ("forecast-compare-epochs-0", ["forecast", "compare", "--data", "nile", "train.epochs=0"],
     "error: 'train.epochs' must be greater than 0, got 0"),
    ("forecast-unknown-key", ["forecast", "--data", "nile", "model.windw=3"],
     "error: unknown key 'model.windw'; did you mean 'model.window'?"),
]


@pytest.mark.parametrize("argv, expected", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_numbers_are_one_line_and_leave_nothing(argv, expected, tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    extra = ["-o", tmp_path / "run"] if argv[0] == "train" else []
    code, out, err = run_cli([*argv, *extra])
    assert code == 2 and out == "" and err.startswith(expected) and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir())  # no run folder, no runs/


def test_cuda_asked_for_without_cuda_is_an_error_not_the_cpu(tmp_path, run_cli, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, out, err = run_cli([*SENTIMENT, "--device", "cuda", "-o", tmp_path / "run"])
    assert (code, out) == (2, "")
    assert err == "error: device 'cuda' asked for, but no CUDA device is available; use --device cpu\n"
    assert not (tmp_path / "run").exists()


def test_device_option_beats_the_recipe_and_cpu_is_honoured_beside_a_gpu(tmp_path, monkeypatch):
    """A recipe's train.device: cuda loses to --device cpu, and cpu stays cpu where CUDA exists."""
    from rnnlp.api import make_config
    from rnnlp.tasks.common import session

    recipe = tmp_path / "gpu.yaml"
    recipe.write_text((ROOT / "recipes/sentiment/tiny.yaml").read_text() + "  device: cuda\n")
    cfg = make_config("sentiment", str(recipe), extra={"train": {"device": "cpu"}})
    assert cfg.train.device == "cpu"
    assert make_config("sentiment", str(recipe)).train.device == "cuda"
    assert make_config("sentiment").train.device == "auto"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with session(cfg.train) as device:
        assert device == torch.device("cpu")


def test_allocator_failures_become_one_line():
    """What check_memory's lower bound lets through still fails in one line, not torch's 50."""
    from rnnlp.api import make_config
    from rnnlp.errors import ConfigError
    from rnnlp.tasks.common import allocation_guard

    cfg = make_config("sentiment")
    with pytest.raises(ConfigError, match=r"^the model does not fit in memory on cpu \(an allocation of 3.6 TiB "
                                          r"failed; the config's parameters alone need at least 3.6 MiB\)"):
        with allocation_guard(cfg, torch.device("cpu")):
            torch.empty(10**12)  # 4 TB: refused by the allocator at once
    with pytest.raises(RuntimeError, match="negative dimension"):  # other errors pass through
        with allocation_guard(cfg, torch.device("cpu")):
            torch.empty(-1)


def test_embeddings_evaluate_on_vectors_that_barely_cover_the_benchmarks(tmp_path, run_cli):
    vectors = tmp_path / "few.txt"
    vectors.write_text("3 4\ncat 0.1 0.2 0.3 0.4\ndog 0.2 0.1 0.3 0.5\ntiger 0.3 0.3 0.1 0.1\n")
    code, out, err = run_cli(["embeddings", "evaluate", vectors])
    assert code == 0 and "Traceback" not in err
    assert out.splitlines()[1:] == [
        "wordsim353   spearman      n/a   99.4%    353",
        "simlex999    spearman      n/a   99.9%    999",
        "analogy      accuracy      n/a  100.0%  19544",
        "note: wordsim353: 2 of its 353 items have all their words in the vectors: too few to score",
        "note: simlex999: 1 of its 999 items have all their words in the vectors: too few to score",
        "note: analogy: 0 of its 19544 items have all their words in the vectors: too few to score"]


def test_forecast_compare_says_which_model_is_fitting(run_cli):
    code, out, err = run_cli(["forecast", "compare", "--data", "nile", "--model", "ar", "--model", "kalman"])
    assert code == 0 and out.splitlines()[2].startswith("ar ")
    lines = err.splitlines()
    assert [line.split("...")[0] for line in lines] == ["[1/2] fitting ar", "[2/2] fitting kalman"]
    assert all(line.endswith(" s") for line in lines)
