"""Translation end to end on the tiny template corpus, and the seq2seq model's invariances."""

from pathlib import Path

import pytest
import sacrebleu
import torch

import rnnlp
from rnnlp.api import make_config, train
from rnnlp.data.batching import collate
from rnnlp.decoding import beam_search, greedy
from rnnlp.errors import ConfigError, DataError
from rnnlp.models.builders import build_seq2seq
from rnnlp.training.metrics import corpus_scores

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "translation" / "tiny.yaml")
ASSETS = ROOT / "tests" / "assets" / "translation"
SENTENCES = ["ein mann fährt ein fahrrad .", "eine frau hält einen hut im park .", "ein hund .",
             "ein kind trägt eine tasche auf der straße .", "ein mädchen sieht ein buch am strand ."]


def tiny(tmp, *overrides, extra=None):
    return train("translation", TINY, [f"data.root={ROOT}", f"train.output={tmp}", *overrides], extra=extra)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The tiny recipe trained long enough (80 steps) to translate the templates."""
    return tiny(tmp_path_factory.mktemp("tr") / "run", "train.max_steps=80", "train.epochs=8", "train.lr=0.03")


@pytest.fixture(scope="module")
def translator(trained):
    return rnnlp.load(trained)


def test_tiny_recipe_trains_saves_reloads_and_translates_identically(tmp_path):
    run = tiny(tmp_path / "run")
    assert (run / "best" / "source_tokenizer.json").is_file() and (run / "last" / "trainer").is_dir()
    rows = (run / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 1 and '"step": 2' in rows[0] and '"bleu"' in rows[0]
    first = rnnlp.load(run).translate(SENTENCES, beam_size=3)
    second = rnnlp.load(run / "best").translate(SENTENCES, beam_size=3)
    assert first == second and len(first) == len(SENTENCES)


def test_training_learns_the_templates(translator):
    out = translator.translate(["ein mann fährt ein fahrrad ."], beam_size=3)[0]
    assert out == "a man rides a bike ."


@pytest.mark.parametrize("beam", [1, 3])
def test_output_does_not_depend_on_batch_size(translator, beam):
    texts = SENTENCES * 2 + ["ein hund sieht einen ball ."]
    alone = [translator.translate([t], beam_size=beam)[0] for t in texts]
    assert translator.translate(texts, beam_size=beam, batch_size=3) == alone
    assert translator.translate(texts, beam_size=beam, batch_size=64) == alone
    assert len(set(alone)) > 3  # the outputs differ from sentence to sentence


@torch.no_grad()
def test_beam_one_equals_greedy(translator):
    model = translator.model
    ids = translator._source_ids(SENTENCES)
    batch = collate(ids)
    state = model.start(model.encode(batch.ids, batch.lengths, batch.mask))
    by_greedy = greedy(model, state, 2, 3, 20, len(ids))
    by_beam = beam_search(model, state, bos_id=2, eos_id=3, beam_size=1, max_len=20, batch_size=len(ids))
    assert [hyps[0][0] for hyps in by_beam] == by_greedy


def _forward(model, ids, width=None):
    batch = collate(ids)
    src = batch.ids if width is None else torch.nn.functional.pad(batch.ids, (0, width - batch.ids.size(1)))
    mask = torch.arange(src.size(1)).unsqueeze(0) < batch.lengths.unsqueeze(1)
    target = torch.tensor([[2, 7, 8, 9, 10]] * len(ids))
    return model(src, batch.lengths, mask, target)


@pytest.mark.parametrize("attention", ["additive", "general", "dot"])
def test_attention_ignores_padding_in_the_full_model(attention):
    cfg = make_config("translation", TINY, [f"decoder.attention={attention}", "decoder.hidden_size=32"])
    torch.manual_seed(0)
    model = build_seq2seq(cfg, [f"s{i}" for i in range(30)], [f"t{i}" for i in range(20)]).eval()
    ids = [[5, 6, 7, 8]]
    alone = _forward(model, ids)
    assert torch.allclose(alone, _forward(model, ids, width=9), atol=1e-6)  # extra padding columns
    in_batch = _forward(model, ids + [[9, 10, 11, 12, 13, 14, 15]])[:1]  # padded to a longer neighbour
    assert torch.allclose(alone, in_batch, atol=1e-6)


@pytest.mark.parametrize("cell,feed,attention", [("gru", False, "general"), ("gru", False, "dot"),
                                                ("gru", False, "additive"), ("lstm", True, "additive")])
def test_parallel_training_path_equals_stepwise_decoding(cell, feed, attention):
    cfg = make_config("translation", TINY, [f"decoder.cell={cell}", f"decoder.input_feed={feed}",
                                            f"decoder.attention={attention}", "decoder.num_layers=2",
                                            "decoder.hidden_size=32"])
    torch.manual_seed(0)
    model = build_seq2seq(cfg, [f"s{i}" for i in range(30)], [f"t{i}" for i in range(20)]).eval()
    batch = collate([[4, 5, 6], [7, 8]])
    target = torch.tensor([[2, 7, 8, 9], [2, 10, 11, 12]])
    logits = model(batch.ids, batch.lengths, batch.mask, target)
    state = model.start(model.encode(batch.ids, batch.lengths, batch.mask))
    steps = []
    for t in range(target.size(1)):
        log_probs, state = model.step(target[:, t], state)
        steps.append(log_probs)
    assert torch.allclose(logits.log_softmax(-1), torch.stack(steps, 1), atol=1e-5)


def test_teacher_forcing_below_one_feeds_predictions():
    cfg = make_config("translation", TINY)
    torch.manual_seed(0)
    model = build_seq2seq(cfg, [f"s{i}" for i in range(30)], [f"t{i}" for i in range(20)]).eval()
    batch = collate([[4, 5, 6]])
    target = torch.tensor([[2, 7, 8, 9, 10, 11]])
    forced = model(batch.ids, batch.lengths, batch.mask, target, teacher_forcing=1.0)
    free = model(batch.ids, batch.lengths, batch.mask, target, teacher_forcing=0.0)
    assert torch.allclose(forced[:, 0], free[:, 0])  # the first input is <bos> either way
    assert not torch.allclose(forced[:, 1:], free[:, 1:])


def test_n_best_and_scores(translator):
    hyps = translator.translate_n_best(SENTENCES[:2], beam_size=4, n_best=3)
    assert [len(h) for h in hyps] == [3, 3]
    for h in hyps:
        scores = [s for _, s in h]
        assert scores == sorted(scores, reverse=True) and all(s <= 0 for s in scores)
    assert hyps[0][0][0] == translator.translate(SENTENCES[:1], beam_size=4)[0]


def test_a_blank_text_is_an_error_naming_its_position_and_n_best_keeps_empty_outputs(translator):
    from rnnlp.errors import InputError

    with pytest.raises(InputError, match=r"^texts\[2\] is an empty text$"):
        translator.translate(["ein hund", SENTENCES[0], "   "], beam_size=2)
    out = translator.translate_n_best(["", SENTENCES[0], "   ", ""], beam_size=2)  # the server's aligned path
    assert len(out) == 4 and out[0] == out[2] == out[3] == [("", 0.0)] and out[1][0][0]


def test_long_source_is_truncated_with_a_one_line_warning(translator, capsys):
    long = " ".join(["ein mann fährt ein fahrrad"] * 20)
    out = translator.translate([long], beam_size=2)
    err = capsys.readouterr().err
    assert len(out) == 1 and err.count("\n") == 1
    assert err.startswith("warning: ") and "1 of 1 sentences are longer than 32 tokens and were truncated" in err


def test_unseen_characters_become_unk(translator):
    ids = translator._source_ids(["ein 漢字 mann ☃"])[0]
    assert translator.source_pipeline.unk_id in ids
    assert isinstance(translator.translate(["ein 漢字 mann ☃"])[0], str)


@pytest.mark.parametrize("beam,n_best", [(0, 1), (-1, 1), (2, 3)])
def test_bad_beam_size(translator, beam, n_best):
    with pytest.raises(ConfigError, match="^beam_size must be|^n_best must be"):
        translator.translate_n_best(SENTENCES[:1], beam_size=beam, n_best=n_best)


def test_mismatched_training_files(tmp_path):
    (tmp_path / "a.de").write_text("eins\nzwei\ndrei\n", encoding="utf-8")
    (tmp_path / "a.en").write_text("one\ntwo\n", encoding="utf-8")
    with pytest.raises(DataError, match="has 3 lines but target .* has 2"):
        tiny(tmp_path / "r", f"data.source={tmp_path / 'a.de'}", f"data.target={tmp_path / 'a.en'}")


def test_bleu_is_cased_sacrebleu_with_lowercased_beside_it():
    hyps = ["a man rides a bike .", "a dog sees the ball ."]
    refs = ["A man rides a bike .", "a dog sees a ball in the park ."]
    report = corpus_scores(hyps, refs)
    assert report["bleu"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
    assert report["bleu_lowercase"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs], lowercase=True).score)
    assert report["bleu"] < report["bleu_lowercase"]  # "a man" against "A man"
    assert report["chrf"] == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs]).score)
    assert "case:mixed" in report["bleu_signature"] and report["bleu_signature"].startswith("nrefs:1")
    assert "case:lc" in report["bleu_lowercase_signature"]
    assert corpus_scores(refs, refs)["bleu"] == pytest.approx(100.0)


def test_evaluate_on_files_and_table(translator):
    by_files = translator.evaluate(source=str(ASSETS / "val.de"), target=str(ASSETS / "val.en"), beam_size=2)
    by_table = translator.evaluate(data=str(ASSETS / "pairs.tsv"), source_column="de", target_column="en",
                                   beam_size="2")
    assert by_files["count"] == 20 and by_files["bleu"] == pytest.approx(by_table["bleu"])
    hyps = translator.translate((ASSETS / "val.de").read_text().splitlines(), beam_size=2)
    refs = (ASSETS / "val.en").read_text().splitlines()
    assert by_files["bleu"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
    assert by_files["bleu_lowercase"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs], lowercase=True).score)
    text = translator.format_report(by_files)
    assert f"BLEU: {by_files['bleu']:.2f} cased, {by_files['bleu_lowercase']:.2f} lowercased" in text
    assert "case:mixed" in text and "case:lc" in text


def test_joint_vocabulary_from_a_table_with_lstm_and_input_feeding(tmp_path):
    extra = {"data": {"source": None, "target": None, "valid_source": None, "valid_target": None,
                      "train": str(ASSETS / "pairs.jsonl"), "source_column": "de", "target_column": "en"}}
    run = tiny(tmp_path / "j", "text.vocab=joint", "decoder.cell=lstm", "encoder.cell=lstm",
               "decoder.input_feed=true", "decoder.attention=additive", "seq2seq.teacher_forcing=0.5",
               "seq2seq.teacher_forcing_final=0.0", "decoder.tie_embeddings=false", extra=extra)
    assert not (run / "best" / "source_tokenizer.json").exists()
    model = rnnlp.load(run)
    assert model.source_pipeline.vocab() == model.target_pipeline.vocab()
    assert len(model.translate(SENTENCES[:2], beam_size=2)) == 2


def test_attention_weights_for_a_plot(translator):
    info = translator.attention(SENTENCES[0])
    weights = info["weights"]
    assert weights.shape == (len(info["target_tokens"]), len(info["source_tokens"]))
    assert weights.sum(1) == pytest.approx(1.0, abs=1e-5)
    assert info["translation"] == translator.translate([SENTENCES[0]], beam_size=1)[0]


@pytest.mark.parametrize("attention", ["additive", "general", "dot"])
def test_rows_in_any_order_read_their_own_sentence(attention):
    """Beam rows come in sentence blocks (one matmul per sentence); any other order copies memory."""
    cfg = make_config("translation", TINY, [f"decoder.attention={attention}", "decoder.hidden_size=32"])
    torch.manual_seed(0)
    model = build_seq2seq(cfg, [f"s{i}" for i in range(30)], [f"t{i}" for i in range(20)]).eval()
    batch = collate([[4, 5, 6], [7, 8], [9, 10, 11, 12]])
    state = model.start(model.encode(batch.ids, batch.lengths, batch.mask))
    prev = torch.tensor([5, 6, 7])
    ref = model.step(prev, state)[0]
    for index in ([2, 0, 1], [0, 0, 1, 1, 2, 2], [1, 1, 0, 2, 2, 2]):
        index = torch.tensor(index)
        out = model.step(prev[index], model.reorder_state(state, index))[0]
        assert torch.allclose(out, ref[index], atol=1e-6)
    att, memory = model.decoder.attention, state["memory"]  # the grouped scores match the module's
    query = torch.randn(3, 32)
    keys = (att.keys(memory.states),) if attention == "additive" else ()
    expected = att(query, memory.states, memory.mask, *keys)[0]
    assert torch.allclose(memory.attend(att, query)[0], expected, atol=1e-6)
