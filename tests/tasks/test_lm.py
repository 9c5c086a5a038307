"""The lm task end to end on tiny text: train, save, reload, generate, evaluate; the model."""

import math
from pathlib import Path

import pytest
import torch

import rnnlp
from rnnlp.api import train
from rnnlp.data.stream import encode_stream
from rnnlp.errors import ConfigError
from rnnlp.models.language_model import LanguageModel

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "lm" / "tiny.yaml")
TEXT = ROOT / "tests" / "assets" / "lm" / "tiny.txt"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return train("lm", TINY, [f"train.output={tmp_path_factory.mktemp('lm') / 'run'}",
                              f"data.train={TEXT}"])


def test_tiny_recipe_trains_saves_reloads_and_generates_identically(run):
    assert (run / "best" / "model.safetensors").is_file() and (run / "last" / "trainer").is_dir()
    rows = (run / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 1 and '"step": 2' in rows[0] and '"perplexity"' in rows[0]
    a, b = rnnlp.load(run), rnnlp.load(run / "best")
    first = a.generate("First Citizen", 12, seed=1, temperature=0.8, top_k=40, top_p=0.95)
    assert first == b.generate("First Citizen", 12, seed=1, temperature=0.8, top_k=40, top_p=0.95)
    assert first != a.generate("First Citizen", 12, seed=2, temperature=0.8, top_k=40, top_p=0.95)
    assert len(first.split()) == 12 - first.count("\n")  # word level: one word (or newline) a token
    pieces = list(a.stream("First Citizen", 12, seed=1, temperature=0.8, top_k=40, top_p=0.95))
    assert len(pieces) == 12 and "".join(p[0] for p in pieces) == first


def test_samples_greedy_and_beam(run):
    model = rnnlp.load(run)
    samples = model.generate("the", 8, seed=0, num_samples=3)
    assert isinstance(samples, list) and len(samples) == 3
    assert model.generate("the", 8, greedy=True) == model.generate("the", 8, greedy=True)
    beams = model.generate("the", 5, beam_size=3, num_samples=2)
    assert len(beams) == 2 and beams[0] != beams[1]
    # beam size 1 is greedy decoding
    assert model.generate("the", 6, beam_size=1) == model.generate("the", 6, greedy=True)


def test_evaluate_reports_perplexity_of_every_token(run):
    model = rnnlp.load(run)
    report = model.evaluate(str(TEXT))
    words = sum(len(line.split()) + 1 for line in TEXT.read_text().splitlines())  # + <eos> each
    assert report["tokens"] == words
    assert report["perplexity"] == pytest.approx(math.exp(report["loss"]))
    assert "perplexity:" in model.format_report(report) and "bits_per_char" not in report


def test_char_level_with_valid_file_reports_bits_per_char(tmp_path):
    text = TEXT.read_text()
    (tmp_path / "train.txt").write_text(text[:3000])
    (tmp_path / "valid.txt").write_text(text[3000:])
    run = train("lm", TINY, [f"train.output={tmp_path / 'run'}", "text.level=char", "model.output=adaptive",
                             "model.tie_weights=false"],
                extra={"data": {"train": str(tmp_path / "train.txt"), "valid": str(tmp_path / "valid.txt")}})
    model = rnnlp.load(run)
    assert model.model.adaptive is None  # cutoffs beyond a char vocabulary: full softmax
    report = model.evaluate(str(tmp_path / "valid.txt"))
    assert report["tokens"] == len(text[3000:])  # every character, newlines included
    assert report["bits_per_char"] == pytest.approx(report["loss"] / math.log(2))
    out = model.generate("First", 30, seed=4)
    assert len(out) == 30  # one character a token


def test_time_limit_stops_training(tmp_path):
    run = train("lm", TINY, [f"train.output={tmp_path / 'run'}", f"data.train={TEXT}",
                             "train.max_steps=null", "train.epochs=3", "train.time_limit_minutes=1e-9"])
    rows = (run / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 1 and '"step": 1,' in rows[0]


@pytest.mark.parametrize("kwargs", [{"tie_weights": True}, {"adaptive_cutoffs": [10, 30], "div_value": 2.0},
                                    {"cell": "gru", "num_layers": 3}])
def test_step_by_step_equals_one_pass_and_state_is_carried(kwargs):
    torch.manual_seed(0)
    model = LanguageModel(50, 8, 12, **{"num_layers": 2, **kwargs}).eval()
    ids = torch.randint(0, 50, (3, 9))
    hidden, _ = model(ids)
    whole = model.log_probs(hidden.reshape(-1, hidden.size(-1))).reshape(3, 9, 50)
    state, steps = None, []
    for t in range(9):
        log_probs, state = model.step(ids[:, t], state)
        steps.append(log_probs)
    assert torch.allclose(torch.stack(steps, 1), whole, atol=1e-5)
    assert torch.allclose(whole.exp().sum(-1), torch.ones(3, 9), atol=1e-4)
    targets = torch.cat([ids[:, 1:], torch.full((3, 1), -100)], 1)
    loss = model.loss(hidden, targets)
    assert torch.allclose(loss, -whole[:, :-1].gather(2, ids[:, 1:, None]).mean(), atol=1e-5)


def test_weight_tying_shares_the_embedding_and_checks_options():
    tied = LanguageModel(40, 8, 16, 2, tie_weights=True)
    assert tied.decoder is None and tied.layers[-1].hidden_size == 8  # top layer sized to the embedding
    names = dict(tied.named_parameters())
    assert "embedding.weight" in names and not any(n.startswith("decoder") for n in names)
    with pytest.raises(ConfigError, match="tie_weights"):
        LanguageModel(40, 8, 16, tie_weights=True, adaptive_cutoffs=[10])
    with pytest.raises(ConfigError, match="cutoffs"):
        LanguageModel(40, 8, 16, adaptive_cutoffs=[30, 10])


@pytest.mark.parametrize("kwargs, message", [
    ({"top_p": 0.0}, "^top_p must be in"), ({"top_p": 1.5}, "^top_p must be in"),
    ({"temperature": 0.0}, "use greedy"), ({"temperature": -1.0}, "use greedy"),
    ({"max_tokens": 0}, "^max_tokens must be between 1 and"), ({"top_k": 0}, "^top_k must be >= 1")])
def test_bad_generation_options(run, kwargs, message):
    model = rnnlp.load(run)
    options = {"max_tokens": 5, **kwargs}
    with pytest.raises(ConfigError, match=message):
        model.generate("the", **options)


def test_empty_and_unknown_prompts(run, capsys):
    model = rnnlp.load(run)
    assert len(model.generate("", 5, seed=0).split()) == 5 - model.generate("", 5, seed=0).count("\n")
    capsys.readouterr()
    model.generate("qwertyuiop zxcvb", 3, seed=0)
    assert "unknown to the model" in capsys.readouterr().err
    model.generate("the", 3, seed=0)
    assert "unknown" not in capsys.readouterr().err


def test_corpus_with_literal_unk_tokens(tmp_path, capsys):
    # WikiText writes rare words as "<unk>"; the tokenizer then gives <unk> an id other than 1
    lines = TEXT.read_text().splitlines()[:60]
    (tmp_path / "w.txt").write_text("\n".join(line + " <unk> ," for line in lines) + "\n")
    run = train("lm", TINY, [f"train.output={tmp_path / 'run'}", f"data.train={tmp_path / 'w.txt'}"])
    model = rnnlp.load(run)
    capsys.readouterr()
    model.generate("qqqq zzzz", 3, seed=0)
    assert "unknown to the model" in capsys.readouterr().err
    assert model.evaluate(str(tmp_path / "w.txt"))["tokens"] == sum(len(x.split()) + 3 for x in lines)


def test_stop_strings_cut_the_text_and_the_stream_adds_up_to_it(run):
    model = rnnlp.load(run)
    full = model.generate("the", 20, greedy=True)
    word = full.split()[3]
    cut = model.generate("the", 20, greedy=True, stop=[word, "zzz-never"])
    assert cut == full[: full.index(word)] and word not in cut
    pieces = list(model.stream("the", 20, greedy=True, stop=word))
    assert "".join(p[0] for p in pieces) == cut and len(pieces) < 20  # stopped early
    assert model.generate("the", 6, beam_size=2, stop=word) == model.generate("the", 6, beam_size=2).split(word)[0]


def test_no_repeat_ngram_size_and_repetition_penalty_change_what_is_generated(run):
    model = rnnlp.load(run)
    ids = lambda text: encode_stream(model.pipeline, text, True).tolist()[:-1]  # noqa: E731 (<eos> = newline)
    plain = model.generate("the", 30, greedy=True)
    pairs = lambda seq: list(zip(seq, seq[1:]))  # noqa: E731
    assert len(set(pairs(ids("the" + plain)))) < len(pairs(ids("the" + plain)))  # greedy loops
    for options in ({"greedy": True}, {"seed": 3}, {"beam_size": 2}):
        text = model.generate("the", 30, no_repeat_ngram_size=2, **options)
        assert len(set(pairs(ids("the" + text)))) == len(pairs(ids("the" + text))), options
    assert model.generate("the", 30, greedy=True, repetition_penalty=3.0) != plain


def test_a_list_of_prompts_gives_a_list_and_bad_arguments_are_one_line_errors(run):
    from rnnlp.errors import InputError

    model = rnnlp.load(run)
    one = model.generate("the", 5, seed=4)
    assert model.generate(["the", ""], 5, seed=4) == [one, model.generate("", 5, seed=4)]
    with pytest.raises(InputError, match=r"^prompt is None; give one item or a list of them$"):
        model.generate(None)
    with pytest.raises(InputError, match=r"^prompt\[1\] is None$"):
        model.generate(["the", None])
    with pytest.raises(ConfigError, match=r"^repetition_penalty must be"):
        model.generate("the", repetition_penalty=0)
    with pytest.raises(ConfigError, match=r"^no_repeat_ngram_size"):
        list(model.stream("the", no_repeat_ngram_size=-2))
    with pytest.raises(ConfigError, match=r"^stop must be"):
        model.generate("the", beam_size=2, stop=[""])
