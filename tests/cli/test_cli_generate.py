"""`rnnlp generate`, `rnnlp train lm` and `rnnlp evaluate` for language models, through the CLI."""

from pathlib import Path

import pytest
from click.testing import CliRunner

import rnnlp
from rnnlp.cli import cli, main

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "lm" / "tiny.yaml")
TEXT = ROOT / "tests" / "assets" / "lm" / "tiny.txt"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli_lm")
    (folder / "train.txt").write_text(TEXT.read_text()[:3000])
    (folder / "valid.txt").write_text(TEXT.read_text()[3000:])
    result = CliRunner().invoke(cli, ["train", "lm", "--recipe", TINY, "--train", str(folder / "train.txt"),
                                      "--valid", str(folder / "valid.txt"), "--tokenizer", "word",
                                      "-o", str(folder / "run")])
    assert result.exit_code == 0, result.output
    return folder / "run"


def test_generate_streams_the_same_text_as_the_api(run):
    args = ["generate", str(run), "--prompt", "The king said", "--max-tokens", "15", "--temperature", "0.8",
            "--top-k", "40", "--top-p", "0.95", "--seed", "1"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert first.output == CliRunner().invoke(cli, args).output  # same seed, same text
    expected = rnnlp.load(run).generate("The king said", 15, temperature=0.8, top_k=40, top_p=0.95, seed=1)
    assert first.output == expected + "\n"


def test_several_samples_greedy_and_beam(run):
    out = CliRunner().invoke(cli, ["generate", str(run), "--num-samples", "3", "--seed", "2",
                                   "--max-tokens", "5"]).output
    assert [line for line in out.splitlines() if line.startswith("--- sample")] == \
        ["--- sample 1 ---", "--- sample 2 ---", "--- sample 3 ---"]
    greedy = CliRunner().invoke(cli, ["generate", str(run), "--prompt", "the", "--greedy",
                                      "--max-tokens", "6"])
    beam = CliRunner().invoke(cli, ["generate", str(run), "--prompt", "the", "--beam-size", "1",
                                    "--max-tokens", "6"])
    assert greedy.exit_code == beam.exit_code == 0 and greedy.output == beam.output
    positional = CliRunner().invoke(cli, ["generate", str(run), "the", "--greedy", "--max-tokens", "6"])
    assert positional.exit_code == 0 and positional.output == greedy.output  # --prompt is the argument's alias


def test_evaluate_prints_perplexity(run, capsys):
    main(["evaluate", str(run), "--data", str(TEXT)])
    out = capsys.readouterr().out
    assert "perplexity:" in out and "tokens:" in out


def run_main(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


@pytest.mark.parametrize("options, message", [
    (["--top-p", "0"], "--top-p must be in (0, 1], got 0.0"),
    (["--top-p", "1.2"], "--top-p must be in (0, 1], got 1.2"),
    (["--temperature", "0"], "use greedy"),
    (["--max-tokens", "0"], "--max-tokens must be between 1 and 100,000, got 0"),
    (["--max-tokens", "1000000000"], "--max-tokens must be between 1 and 100,000, got 1000000000"),
    (["--top-k", "0"], "--top-k must be >= 1, got 0"),
    (["--num-samples", "0"], "--num-samples must be between 1 and 10,000, got 0"),
    (["--beam-size", "0"], "--beam-size must be between 1 and 100, got 0"),
    (["--batch-size", "-2"], "--batch-size must be between 1 and 65,536, got -2"),
    (["--temperature", "-1"], "--temperature must be in [0.01, 100], got -1.0"),
    (["--max-tokens", "many"], "'many' is not a valid integer"),
    (["--beam-size", "2", "--num-samples", "3"], "--num-samples must be <= --beam-size"),
])
def test_bad_options_are_one_line_errors(run, capsys, options, message):
    code, out, err = run_main(["generate", str(run), "--prompt", "the", *options], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_checkpoint_of_another_task_is_named(tmp_path, capsys):
    sentiment = rnnlp.api.train("sentiment", str(ROOT / "recipes/sentiment/tiny.yaml"),
                                [f"train.output={tmp_path / 's'}"])
    code, _, err = run_main(["generate", str(sentiment), "--prompt", "hi"], capsys)
    assert code == 2 and "holds a sentiment model" in err and "needs a lm checkpoint" in err


def test_unknown_prompt_warns_and_empty_prompt_starts_from_bos(run, capsys):
    main(["generate", str(run), "--prompt", "zzzz qqqq", "--max-tokens", "3", "--seed", "0"])
    out = capsys.readouterr()
    assert "unknown to the model" in out.err and out.out.strip()
    main(["generate", str(run), "--max-tokens", "3", "--seed", "0"])
    assert capsys.readouterr().out.strip()


def test_train_without_text_is_an_error(capsys):
    code, _, err = run_main(["train", "lm", "--tokenizer", "char"], capsys)
    assert code == 2 and "--train FILE" in err
