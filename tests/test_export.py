"""``rnnlp export``: TorchScript and ONNX graphs give the checkpoint's outputs on variable-length input."""

from pathlib import Path

import numpy as np
import pytest
import torch

import rnnlp
from rnnlp.api import train
from rnnlp.cli import main
from rnnlp.data.batching import pad
from rnnlp.errors import ConfigError
from rnnlp.export import export, run_exported

ROOT = Path(__file__).resolve().parents[1]
TINY = str(ROOT / "recipes" / "sentiment" / "tiny.yaml")
FAST = [f"data.train={ROOT / 'rnnlp/data/samples/sst2/train.tsv'}", "data.train_limit=64", "train.threads=1"]  # no dev-set pass
TEXTS = ["a gripping , funny film", "dull", "the film is neither funny nor gripping , and far too long for a comedy",
         "bad and boring", "a truly wonderful , warm movie about a family"]  # lengths differ from the trace example


@pytest.fixture(scope="module")
def sentiment_run(tmp_path_factory):
    return train("sentiment", TINY, [f"train.output={tmp_path_factory.mktemp('s') / 'run'}", *FAST])


def encoded(model, texts):
    ids = model.pipeline.encode_batch(texts, max_length=model.config.data.max_length)
    return pad(ids), torch.tensor([len(s) for s in ids])


def formats():
    yield "torchscript"
    yield pytest.param("onnx", marks=pytest.mark.skipif(
        not _has("onnxruntime") or not _has("onnx"), reason="pip install onnx onnxruntime"))


def _has(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


@pytest.mark.parametrize("format", formats())
def test_exported_classifier_matches_the_checkpoint(sentiment_run, tmp_path, format):
    out = export(sentiment_run, format, tmp_path / "model.bin")
    model = rnnlp.load(sentiment_run)
    ids, lengths = encoded(model, TEXTS)
    assert len(set(lengths.tolist())) == len(TEXTS) and ids.size(1) > 7  # not the trace's shape
    got = run_exported(out, format, (ids, lengths)).numpy()
    expected = model.predict_proba(TEXTS)
    assert got.shape == (5, 2)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    # one sequence alone gives the same row: padding never leaks into a shorter sequence
    alone = run_exported(out, format, encoded(model, TEXTS[1:2])).numpy()
    np.testing.assert_allclose(alone[0], expected[1], atol=1e-5, rtol=0)
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]  # no temp file left


def test_onnx_graph_has_dynamic_batch_and_time(sentiment_run, tmp_path):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    graph = onnx.load(str(export(sentiment_run, "onnx", tmp_path / "m.onnx"))).graph
    dims = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in graph.input}
    assert dims == {"ids": ["batch", "time"], "lengths": ["batch"]}


def test_pack_mode_encoder_exports_as_its_padded_twin(tmp_path):
    run = train("sentiment", TINY, [f"train.output={tmp_path / 'run'}", *FAST, "encoder.mode=pack",
                                    "encoder.num_layers=2", "encoder.cell=gru", "head.pool=last"])
    out = export(run, "torchscript", tmp_path / "m.pt")
    model = rnnlp.load(run)
    got = run_exported(out, "torchscript", encoded(model, TEXTS)).numpy()
    np.testing.assert_allclose(got, model.predict_proba(TEXTS), atol=1e-5, rtol=0)


def test_exported_tagger_gives_the_checkpoint_emissions(tmp_path):
    from rnnlp.tasks.tagging import _char_index, collate_tags, encode

    assets = ROOT / "tests" / "assets" / "tagging"
    run = train("tagging", str(ROOT / "recipes" / "tagging" / "tiny.yaml"), [f"train.output={tmp_path / 'run'}"],
                extra={"data": {"train": str(assets / "train.conll")}})
    out = export(run, "torchscript", tmp_path / "tagger.pt")
    tagger = rnnlp.load(run)
    sentences = [["EU", "rejects", "German", "call"], ["Peter"], ["John", "Smith", "lives", "in", "New", "York", "City", "."]]
    ex = encode(tagger.pipeline, _char_index(tagger.chars), sentences, None, tagger.config.data.max_word_length)
    batch = collate_tags(ex, np.arange(3))
    with torch.no_grad():
        expected = tagger.model(batch)
    got = run_exported(out, "torchscript", (batch.ids, batch.chars, batch.cases, batch.lengths))
    torch.testing.assert_close(got[batch.mask], expected[batch.mask], atol=1e-5, rtol=0)
    assert tagger.model.decode(got, batch.mask) == tagger.model.decode(expected, batch.mask)


def test_cli_export_and_its_errors(sentiment_run, tmp_path, capsys):
    main(["export", str(sentiment_run), "--format", "torchscript", "--output", str(tmp_path / "m.pt")])
    assert "wrote" in capsys.readouterr().out and (tmp_path / "m.pt").is_file()
    with pytest.raises(SystemExit) as exc:
        main(["export", str(sentiment_run), "--format", "pickle", "--output", str(tmp_path / "x")])
    assert exc.value.code == 2 and "pickle" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="unknown export format"):
        export(sentiment_run, "tflite", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_a_graph_with_a_baked_in_shape_is_refused(sentiment_run, tmp_path, monkeypatch):
    """The export check runs the graph on another batch shape: a trace that froze T fails loudly."""
    import rnnlp.nn.rnn as rnn
    from rnnlp.errors import RnnlpError

    def frozen_reverse(x, lengths):
        steps = int(x.shape[1])  # a Python int: the tracer records it as a constant
        pos = torch.arange(steps).expand(x.shape[0], steps)
        rev = lengths.unsqueeze(1) - 1 - pos
        return x.gather(1, torch.where(rev >= 0, rev, pos).unsqueeze(-1).expand_as(x))

    monkeypatch.setattr(rnn, "reverse_padded", frozen_reverse)
    with pytest.raises(RnnlpError, match="another shape"):
        export(sentiment_run, "torchscript", tmp_path / "m.pt")
    assert not list(tmp_path.iterdir())


def test_export_supports_exactly_the_tables_export_tasks():
    from rnnlp.export import SHAPES, TASKS
    from rnnlp.tasks.table import TASKS as TABLE

    assert TASKS == tuple(name for name, entry in TABLE.items() if entry.export) == ("sentiment", "tagging")
    assert {TABLE[t].export for t in TASKS} == set(SHAPES) == {"classifier", "tagger"}
