"""benchmarks/: every results file names the script that wrote it (collect.py refuses others),
BENCHMARKS.md is the concatenation of the committed results files, and runs.py reads run logs."""

import importlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench(monkeypatch):
    """The benchmark modules (they import `_results` from their own folder, as when run as scripts)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return lambda name: importlib.import_module(name)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def test_collect_refuses_a_file_no_script_wrote(bench, tmp_path, capsys):
    collect, results = bench("collect"), bench("_results")
    good = results.FIRST_LINE.format(script="timeseries.py") + "\n# ok\n```\n# output\n```\n"
    _write(tmp_path / "results", "timeseries.md", good)
    text, names = collect.build(tmp_path / "results")
    # a file's headings sit one level under BENCHMARKS.md's title; fenced output is left alone
    assert names == ["timeseries"] and "\n## ok\n```\n# output\n```" in text
    _write(tmp_path / "results", "lm.md", "# Language models\n\n| typed | by hand |\n")
    with pytest.raises(collect.ResultsError, match=r"results/lm.md: the first line does not name"):
        collect.build(tmp_path / "results")
    (tmp_path / "results" / "lm.md").write_text(results.FIRST_LINE.format(script="nothere.py") + "\n")
    with pytest.raises(collect.ResultsError, match=r"names benchmarks/nothere.py, which does not exist"):
        collect.build(tmp_path / "results")
    out = tmp_path / "BENCHMARKS.md"
    assert collect.main(["--results", str(tmp_path / "results"), "--output", str(out)]) == 2
    assert capsys.readouterr().err.startswith("collect.py: benchmarks/results/lm.md: names benchmarks/nothere.py")
    assert not out.exists()
    (tmp_path / "results" / "lm.md").unlink()
    assert collect.main(["--results", str(tmp_path / "results"), "--output", str(out)]) == 0
    assert out.read_text() == text


def test_committed_results_are_generated_and_collected(bench):
    collect = bench("collect")
    files = sorted((ROOT / "benchmarks" / "results").glob("*.md"))
    assert files, "no results files"
    for path in files:  # each names a script that exists and is not the collector itself
        assert collect.check(path) not in ("collect.py", "_results.py")
    text, _ = collect.build(ROOT / "benchmarks" / "results")
    assert (ROOT / "BENCHMARKS.md").read_text() == text, "BENCHMARKS.md is stale: run python benchmarks/collect.py"


def test_report_header_names_its_script_and_the_run(bench, tmp_path):
    results = bench("_results")
    report = results.Report("/x/benchmarks/timeseries.py", "Title", ["--repeats", "5"])
    text = report.write("| a | b |", tmp_path / "out.md")
    lines = text.splitlines()
    assert results.script_named(lines[0]) == "timeseries.py"
    assert lines[1] == "# Title"
    assert "Command: `python benchmarks/timeseries.py --repeats 5`" in text
    assert "Load average (1 min):" in text and "Date: " in text and "CPUs" in text
    assert (tmp_path / "out.md").read_text() == text


def _log(folder: Path, rows, test=None):
    folder.mkdir(parents=True)
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "config.yaml").write_text("train:\n  seed: 3\n  threads: 1\n")
    (folder / "meta.json").write_text(json.dumps({"task": "tagging", "rnnlp_version": "9.9.9"}))
    if test is not None:
        (folder / "test.json").write_text(json.dumps(test))


def test_runs_picks_best_like_fit_and_reads_the_test_score(bench, tmp_path):
    runs = bench("runs")
    rows = [{"epoch": 1, "step": 10, "elapsed_s": 60.0, "loss": 5.0, "f1": 0.80},
            {"epoch": 2, "step": 20, "elapsed_s": 120.0, "loss": 4.0, "f1": 0.85},
            {"epoch": 3, "step": 30, "elapsed_s": 180.0, "loss": 4.5, "f1": 0.85}]
    assert runs.best_row(rows, "f1")["step"] == 20  # ties go to the earlier evaluation, as fit keeps best/
    assert runs.best_row(rows, "-loss")["step"] == 20
    run = next(r for r in runs.RUNS if r.name == "conll2003")
    _log(tmp_path / "conll2003", rows, {"f1": 0.8893, "precision": 0.88})
    s = runs.summary(run, tmp_path / "conll2003")
    assert (s["figure"], s["seed"], s["last"]["step"]) == (0.8893, 3, 30)
    table = runs.table({"conll2003": s})
    assert ("| conll2003 | 9.9.9 | CoNLL-2003 English test (eng.testb) | f1 0.8500 (20, 2) | 0.8893 (test f1) "
            "| 3.0 min |") in table


def test_runs_rewrites_only_the_readme_table(bench, tmp_path):
    runs = bench("runs")
    readme = _write(tmp_path, "README.md", f"intro\n{runs.README_START}\nold\n{runs.README_END}\nrest\n")
    runs.update_readme("| new |", "- x", readme)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("rest\n") and "old" not in text and "| new |" in text
    readme.write_text("no markers\n")
    with pytest.raises(SystemExit, match="lacks the markers"):
        runs.update_readme("| new |", "- x", readme)


def test_readme_table_is_what_runs_py_writes(bench):
    runs = bench("runs")
    table = runs.headline_table()
    assert table.startswith("| task | data | result: median over seeds (range) |")
    assert table in (ROOT / "README.md").read_text(), "README's results table is stale: run python benchmarks/runs.py"


def test_side_by_side_protocols_warm_up_and_alternate(bench):
    calls = []

    def fn(name):
        return lambda *args: calls.append(name) or 0.0

    bench("timeseries").side_by_side(fn("ref"), fn("ours"), repeats=3)
    assert calls == ["ref", "ours"] + ["ref", "ours"] * 3  # one warm-up each, then the same repeats, alternating
    calls.clear()
    runs = bench("sentiment_throughput").rotated_rounds({k: fn(k) for k in "abcd"}, repeats=4, warmup=1)
    assert calls[:4] == list("abcd")  # warm-up
    assert calls[4:] == list("abcd") + list("bcda") + list("cdab") + list("dabc")  # no variant always first
    assert {k: len(v) for k, v in runs.items()} == {k: 4 for k in "abcd"}


def test_runs_shows_lowercased_bleu_beside_the_cased_headline(bench, tmp_path):
    runs = bench("runs")
    run = next(r for r in runs.RUNS if r.name == "multi30k_de_en")
    rows = [{"epoch": 1, "step": 10, "elapsed_s": 60.0, "bleu": 30.0}]
    _log(tmp_path / "m", rows, {"bleu": 31.25, "bleu_lowercase": 33.5})
    table = runs.table({"multi30k_de_en": runs.summary(run, tmp_path / "m")})
    assert "31.2500 (test bleu, lowercased 33.5000)" in table and "cased sacreBLEU" in table


def test_readmes_default_run_is_the_output_default_model_py_wrote(bench):
    """README's first screen quotes benchmarks/results/default_model.md, not typed figures."""
    script = bench("default_model")
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index(script.README_START):readme.index(script.README_END)]
    written = (ROOT / "benchmarks" / "results" / "default_model.md").read_text()
    shown = block[block.index("```text\n") + 8:block.rindex("```")].splitlines()
    output = [line for line in shown if not line.startswith("$ ")]
    assert output and all(line in written for line in output)


def test_transfer_coverage_counts_the_words_an_lm_reads_as_unknown(bench):
    from rnnlp.text.pipeline import TextPipeline

    pipeline = TextPipeline.build(["it does n't work", "it is good"], "word")
    tokens, unknown, missing = bench("transfer_coverage").coverage(pipeline, ["It doesn 't WORK", "good good"])
    assert (tokens, unknown) == (6, 2) and missing == {"doesn": 1, "'t": 1}  # lowercased like the LM's text


def test_serve_load_compare_reads_serve_loads_tables_and_judges_by_each_sides_spread(bench, tmp_path, capsys):
    compare = bench("serve_load_compare")
    logs = ROOT / "benchmarks" / "logs" / "serve_load"
    figures = compare.read_figures(logs / "after_2.md")
    assert figures["sentiment, batched: requests/s"] == 1032.5
    assert figures["generation, sampled: 1 stream tokens/s"] == 546.6
    assert figures["generation, greedy: CPU ms/token, 16 streams"] == 0.26
    out = tmp_path / "compare.md"
    compare.main(["--before", str(logs / "before_791fe5a_2.md"), str(logs / "before_791fe5a_3.md"),
                  "--after", str(logs / "after_2.md"), str(logs / "after_3.md"), "--out", str(out)])
    row = next(line for line in out.read_text().splitlines() if line.startswith("| sentiment, batched: requests/s"))
    # before 1007.9, 1126.4 (median 1067.15); after 1032.5, 1079.5 (1056): inside the spread
    assert row == "| sentiment, batched: requests/s | 1067.15 (1007.9 - 1126.4) | 1056 (1032.5 - 1079.5) | 0.99 | no |"
    (tmp_path / "bad.md").write_text("# not a serve_load file\n")
    with pytest.raises(SystemExit, match="has no 'dynamic batching' row"):
        compare.read_figures(tmp_path / "bad.md")


def test_provenance_audit_finds_what_a_log_lacks_and_every_headline_log_is_complete(bench, tmp_path):
    provenance = bench("provenance")
    old = tmp_path / "old"
    _write(old, "meta.json", json.dumps({"created": "2026-11-30T00:00:00Z", "torch_version": "2.13.0"}))
    _write(old, "config.yaml", "train:\n  threads: 1\n")
    got = provenance.recorded(old)
    assert got == {"torch_version": "2.13.0", "threads": 1, "date": "2026-11-30T00:00:00Z"}
    assert provenance.citing("transfer/sst2_1k_none/seed0", {"a.md": "runs/sst2_1k_none", "b.md": "sst2_1k_none_x"}) \
        == ["a.md"]
    for meta in (ROOT / "benchmarks" / "logs" / "headlines").rglob("meta.json"):  # what the table is read from
        missing = [f for f in provenance.FIELDS if f not in provenance.recorded(meta.parent)]
        assert not missing, f"{meta}: no {missing}"
