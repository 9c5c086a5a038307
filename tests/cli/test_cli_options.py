"""One set of options on every command that loads a model: each command x {--device cpu, --json,
--output (jsonl, csv, tsv), --batch-size, --input as lines, as a table and as stdin} exists and
works, against the Python API's own answers; plus CoNLL input for ``tag``, progress and the
helpers of rnnlp/cli/{inputs,outputs}.py."""

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import rnnlp
from rnnlp.cli import cli
from rnnlp.cli.inputs import read_inputs
from rnnlp.cli.outputs import Sink, finite, in_batches, render
from rnnlp.errors import CheckpointError, ConfigError, DataError

ROOT = Path(__file__).resolve().parents[2]
IMAGES = [str(ROOT / "tests/assets/captioning/images" / name) for name in ("a01.jpg", "a05.png")]

# command: (task, the key holding the input, two inputs, arguments for one input, fixed options,
#           a table holding the inputs beside another column that must not be read)
SPECS = {
    "predict": ("sentiment", "text", ["a fine film", "such a dull movie"], lambda x: [x], [],
                ("label,sentence\n1,{0}\n0,{1}\n", ".csv")),
    "tag": ("tagging", "text", ["John lives in Paris .", "Mary works for Acme ."], lambda x: [x], [],
            ("id\tsentence\n1\t{0}\n2\t{1}\n", ".tsv")),
    "translate": ("translation", "text", ["ein haus .", "ein mann fährt ."], lambda x: [x], [],
                  ('{{"target": "x", "source": "{0}"}}\n{{"target": "y", "source": "{1}"}}\n', ".jsonl")),
    "generate": ("lm", "prompt", ["the", "the king"], lambda x: ["--prompt", x], ["--max-tokens", "4", "--seed", "3"],
                 ("id,prompt\n1,{0}\n2,{1}\n", ".csv")),
    "caption": ("captioning", "image", IMAGES, lambda x: [x], ["--max-tokens", "5"],
                ("caption,image\nx,{0}\ny,{1}\n", ".csv")),
    "recommend": ("recommender", "history", ["i30 i31", "i32 i33 i34"], lambda x: ["--history", x], ["--top-k", "3"],
                  ("user\thistory\nu1\t{0}\nu2\t{1}\n", ".tsv")),
}


# the row a blank line of --input gives, in its place (outputs stay line-aligned with the input);
# generate reads a blank prompt as "start from <bos>", as when no prompt is given
BLANK = {
    "predict": lambda run: {"text": "", "label": None, "probability": None},
    "tag": lambda run: {"text": "", "tokens": [], "tags": []},
    "translate": lambda run: {"text": "", "translation": "", "score": None},
    "generate": lambda run: {"prompt": "", "text": rnnlp.load(run).generate("", 4, seed=3)},
    "caption": lambda run: {"image": "", "caption": ""},
    "recommend": lambda run: {"history": "", "items": [], "scores": [], "unknown": [], "titles": []},
}


def invoke(args, stdin=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=stdin)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def expected(command, run, inputs):
    """What the Python API answers for ``inputs``: the rows the CLI must print, in order."""
    model = rnnlp.load(run)
    if command == "predict":
        return model.predict(inputs)
    if command == "tag":
        return [{"text": text, **row} for text, row in zip(inputs, model.predict(inputs))]
    if command == "translate":
        return [{"text": text, "translation": hyps[0][0], "score": hyps[0][1]}
                for text, hyps in zip(inputs, model.translate_n_best(inputs))]
    if command == "generate":
        return [{"prompt": p, "text": model.generate(p, 4, seed=3)} for p in inputs]
    if command == "caption":
        return [{"image": i, "caption": c} for i, c in zip(inputs, model.caption(inputs, max_tokens=5))]
    rows = model.recommend(inputs, 3)
    return [{"history": h, **row, "titles": [None] * 3} for h, row in zip(inputs, rows)]


@pytest.fixture(scope="module")
def runs(tiny_runs):
    return {command: tiny_runs(spec[0]) for command, spec in SPECS.items()}


@pytest.fixture(scope="module")
def wants(runs):
    """``wants(command)``: ``expected`` for the command's two inputs, as JSON gives it back (once)."""
    found = {}

    def get(command):
        if command not in found:
            found[command] = json.loads(json.dumps(expected(command, runs[command], SPECS[command][2])))
        return found[command]
    return get


def _files(command, tmp_path):
    _, _, inputs, _, _, (table, ext) = SPECS[command]
    lines = tmp_path / "in.txt"
    lines.write_text(f"{inputs[0]}\n\n{inputs[1]}\n", encoding="utf-8")
    tab = tmp_path / f"in{ext}"
    tab.write_text(table.format(*inputs), encoding="utf-8")
    return lines, tab


def _json_rows(text):
    return [json.loads(line) for line in text.splitlines()]


MODES = ["device-cpu", "json", "batch-size", "input-lines", "input-table", "input-stdin",
         "output-jsonl", "output-csv", "output-tsv"]


@pytest.mark.parametrize("command", SPECS)
@pytest.mark.parametrize("mode", MODES)
def test_every_option_on_every_command(command, mode, runs, wants, tmp_path):
    task, key, inputs, one, fixed, _ = SPECS[command]
    run, (lines, table), want = runs[command], _files(command, tmp_path), wants(command)
    base = [command, run, *fixed, "--json"]
    if mode in ("device-cpu", "json", "batch-size"):
        extra = {"device-cpu": ["--device", "cpu"], "json": [], "batch-size": ["--batch-size", "1"]}[mode]
        got = [_json_rows(invoke([*base, *one(x), *extra]).stdout)[0] for x in inputs]
        assert _rounded(got) == _rounded(want)  # one input at a time: float32 sums may differ in the last bit
    elif mode.startswith("input"):
        source = {"input-lines": lines, "input-table": table, "input-stdin": "-"}[mode]
        result = invoke([*base, "--input", source], stdin=lines.read_text() if source == "-" else None)
        blank = [] if mode == "input-table" else [json.loads(json.dumps(BLANK[command](run)))]
        assert _json_rows(result.stdout) == [want[0], *blank, want[1]]
        assert result.stderr == ""
    else:
        out = tmp_path / f"out.{mode.split('-')[1]}"
        result = invoke([*base, "--input", lines, "--output", out])
        want = [want[0], json.loads(json.dumps(BLANK[command](run))), want[1]]
        assert result.stdout == "" and result.stderr.endswith(f"wrote 3 rows to {out}\n")
        quiet = invoke([*base, "--input", lines, "--output", out, "--quiet"])  # --quiet: no note, same file
        assert quiet.stdout == "" and "wrote" not in quiet.stderr
        columns = list(dict.fromkeys(key for row in want for key in row))  # a blank row's cells are empty
        assert _read_output(out) == [{k: _cell(row.get(k)) for k in columns} for row in want] \
            if out.suffix != ".jsonl" else _json_rows(out.read_text()) == want


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(value, 5) if isinstance(value, float) else value


def _read_output(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        return list(csv.DictReader(io.StringIO(text)))
    header, *rows = [line.split("\t") for line in text.splitlines()]
    return [dict(zip(header, row)) for row in rows]


def _cell(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else \
        "" if value is None else str(value)


def test_text_output_and_evaluate_options(runs, tmp_path):
    got = invoke(["predict", runs["predict"], "a fine film", "--device", "cpu"]).stdout.split("\t")
    assert got[2] == "a fine film\n" and got[0] in ("negative", "positive")  # the bundled data's label names
    data = tmp_path / "dev.tsv"
    data.write_text("sentence\tlabel\na fine film\t1\ndull\t0\nfun\t1\n")
    report = invoke(["evaluate", runs["predict"], "--data", data, "--json", "--device", "cpu", "--batch-size", "2"])
    assert json.loads(report.stdout)["count"] == 3


def test_tag_reads_conll_token_column(runs, tmp_path):
    conll = tmp_path / "in.conll"
    conll.write_text("-DOCSTART- -X- O O\n\nJohn NNP B-NP B-PER\nlives VBZ B-VP O\n\nParis NNP B-NP B-LOC\n")
    rows = _json_rows(invoke(["tag", runs["tag"], "--input", conll, "--json"]).stdout)
    assert [row["tokens"] for row in rows] == [["John", "lives"], ["Paris"]]
    assert [row["text"] for row in rows] == ["John lives", "Paris"]


def test_series_predict_through_the_same_options(tiny_runs, tmp_path):
    run, data = tiny_runs("series"), ROOT / "rnnlp/data/samples/series/test.tsv"
    whole = _json_rows(invoke(["predict", run, "--input", data, "--json", "--device", "cpu"]).stdout)
    batched = _json_rows(invoke(["predict", run, "--input", data, "--json", "--batch-size", "5"]).stdout)
    assert _rounded(batched) == _rounded(whole) and [row["series"] for row in whole] == list(range(1, len(whole) + 1))
    assert [row["label"] for row in whole] == [row["label"] for row in rnnlp.load(run).predict(
        rnnlp.load(run).read(str(data)).values)]


# -- the helpers -----------------------------------------------------------------------------
def test_a_table_never_reads_its_header_or_label_column(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("stars,comment\n5,great\n1,\n2,awful\n")
    with pytest.raises(DataError, match=r"which column holds the input\? columns found: stars, comment; "
                                        r"name it with --text-column NAME"):
        read_inputs(str(path))
    found = read_inputs(str(path), column="comment")
    assert (found.values, found.skipped) == (["great", "awful"], 1)
    (tmp_path / "r.tsv").write_text("stars\tReview\n5\tgreat\n")
    assert read_inputs(str(tmp_path / "r.tsv")).values == ["great"]  # a usual name, in any case
    with pytest.raises(DataError, match="column 'nope' not found"):
        read_inputs(str(path), column="nope")
    with pytest.raises(ConfigError, match="--text-column is for tables"):
        read_inputs(str(tmp_path / "x.txt"), column="review")
    with pytest.raises(ConfigError, match="choose --format from: lines, csv, tsv, json, jsonl, parquet"):
        read_inputs(str(path), fmt="conll")


def test_render_and_sink(tmp_path, capsys):
    rows = [{"text": "a\tb", "n": 1.5, "labels": ["x", "y"]}, {"text": "c", "extra": None}]
    assert render(rows, "tsv") == 'text\tn\tlabels\textra\na\\tb\t1.5\t["x", "y"]\t\nc\t\t\t\n'
    assert render(rows, "csv") == 'text,n,labels,extra\na\tb,1.5,"[""x"", ""y""]",\nc,,,\n'
    assert Sink(str(tmp_path / "hyp.en"), False).format == "txt"  # any other name: plain text lines
    with pytest.raises(ConfigError, match="is a folder"):
        Sink(str(tmp_path), False)
    with pytest.raises(CheckpointError, match="non-finite number"):
        Sink(None, True).add([{"probability": float("nan")}])
    assert finite({"f1": [float("nan"), 0.5]}) == {"f1": [None, 0.5]}
    sink = Sink(str(tmp_path / "out.jsonl"), True)
    sink.add([{"a": 1}])
    assert not (tmp_path / "out.jsonl").exists()  # written at close, all at once
    sink.close()
    assert (tmp_path / "out.jsonl").read_text() == '{"a": 1}\n'


def test_progress_shows_on_a_terminal_only(monkeypatch, capsys):
    import sys

    chunks = list(in_batches(list(range(10)), 3, lambda chunk: chunk, True))
    assert chunks == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    list(in_batches(list(range(10)), 3, lambda chunk: chunk, True))
    assert "/10 [" in capsys.readouterr().err
    list(in_batches(list(range(10)), 3, lambda chunk: chunk, False))  # --json / --quiet
    assert capsys.readouterr().err == ""


class _Recorder:
    """A loaded model that records the keywords its verb gets (the CLI's wiring, without a model)."""

    def __init__(self, task):
        self.task, self.path, self.calls = task, "fake", []

    def generate(self, prompt, max_tokens, **options):
        self.calls.append({"prompt": prompt, "max_tokens": max_tokens, **options})
        return "done"

    def predict(self, texts, **options):
        self.calls.append({"texts": list(texts), **options})
        return [{"tokens": t.split(), "tags": ["O"] * len(t.split())} for t in texts]


def test_generation_rules_and_tokenize_reach_the_model(monkeypatch):
    fake = _Recorder("lm")
    monkeypatch.setattr(rnnlp.api, "load", lambda path, device="cpu": fake)
    invoke(["generate", "ck", "--prompt", "a", "--json", "--repetition-penalty", "1.3", "--no-repeat-ngram-size", "2",
            "--stop", ".", "--stop", "\n", "--max-tokens", "7"])
    assert fake.calls == [{"prompt": "a", "max_tokens": 7, "seed": None, "num_samples": 1, "temperature": 1.0,
                           "top_k": None, "top_p": 1.0, "greedy": False, "repetition_penalty": 1.3,
                           "no_repeat_ngram_size": 2, "stop": [".", "\n"]}]
    fake.calls.clear()
    invoke(["generate", "ck", "--prompt", "a", "--json", "--beam-size", "2", "--stop", "."])
    assert fake.calls == [{"prompt": "a", "max_tokens": 200, "beam_size": 2, "num_samples": 1,
                           "repetition_penalty": 1.0, "no_repeat_ngram_size": 0, "stop": ["."]}]
    fake = _Recorder("tagging")
    monkeypatch.setattr(rnnlp.api, "load", lambda path, device="cpu": fake)
    invoke(["tag", "ck", "Paris.", "--tokenize", "whitespace", "--json"])
    invoke(["tag", "ck", "Paris.", "--json"])
    assert fake.calls == [{"texts": ["Paris."], "tokenize": "whitespace"}, {"texts": ["Paris."]}]
