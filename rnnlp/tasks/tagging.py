"""Tagging (one tag per token: NER with spans, POS with plain labels): data, loss, evaluation, prediction.

Files are read in their own scheme (``data.scheme``, e.g. IOB1 for CoNLL-2003) and converted to
the model's scheme (``model.scheme``, e.g. BIOES) for training; evaluation scores entities with
seqeval in strict mode in the model's scheme, where gold chunks are exactly conlleval's, and
also reports seqeval's default (conlleval-emulating) mode on the same predictions.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rnnlp.config.tagging import TaggingConfig
from rnnlp.data.batching import BucketBatcher, by_length, epoch_batches, pad
from rnnlp.data.conll import TaggedSentences, convert_all, from_spans, normalize_scheme, read_tagged, to_spans
from rnnlp.errors import DataError
from rnnlp.models.builders import build_tagger
from rnnlp.models.tagger import TagBatch, casing
from rnnlp.tasks import one_or_many
from rnnlp.tasks.common import data_config
from rnnlp.training.distributed import say
from rnnlp.tasks.driver import Restored
from rnnlp.tasks.protocol import Prepared
from rnnlp.text import TextPipeline
from rnnlp.text.words import WordRules, joined_words, whitespace_words
from rnnlp.training.metrics import tag_scores

TASK = "tagging"
EXTRA = "tagging.json"  # checkpoint file with the character vocabulary


# -- data ------------------------------------------------------------------------------
@dataclass
class Encoded:
    """One split as model inputs: per sentence word ids, char ids per word, casing, tag ids."""

    ids: list
    chars: list
    cases: list
    tags: list | None

    @property
    def lengths(self) -> list[int]:
        return [len(s) for s in self.ids]


def pieces(tokens: list, max_length: int) -> list[list]:
    """Cut a long sentence into consecutive pieces of at most ``max_length`` (memory bound)."""
    return [tokens[i: i + max_length] for i in range(0, len(tokens), max_length)] or [[]]


def encode(pipeline: TextPipeline, char_index: dict, sentences: list, tag_ids: list | None,
           max_word_length: int) -> Encoded:
    ids = pipeline.encode_words_batch(sentences)
    chars = [[[char_index.get(c, 1) for c in w[:max_word_length]] or [1] for w in s] for s in sentences]
    cases = [[casing(w) for w in s] for s in sentences]
    return Encoded(ids, chars, cases, tag_ids)


def collate_tags(ex: Encoded, idx) -> TagBatch:
    ids = pad([ex.ids[i] for i in idx])
    lengths = torch.tensor([max(len(ex.ids[i]), 1) for i in idx], dtype=torch.long)
    mask = torch.arange(ids.size(1)).unsqueeze(0) < lengths.unsqueeze(1)
    width = max(len(w) for i in idx for w in ex.chars[i]) if any(ex.chars[i] for i in idx) else 1
    chars = np.zeros((len(idx), ids.size(1), width), dtype=np.int64)
    for row, i in enumerate(idx):
        for t, word in enumerate(ex.chars[i]):
            chars[row, t, : len(word)] = word
    targets = pad([ex.tags[i] for i in idx], -100, ids.size(1)) if ex.tags is not None else None
    return TagBatch(ids, torch.from_numpy(chars), pad([ex.cases[i] for i in idx]), lengths, mask, targets)


def model_tags(data: TaggedSentences, dcfg, scheme: str) -> list:
    """Gold tags of ``data`` in the model's scheme (file scheme converted; 'none' kept as is)."""
    if normalize_scheme(scheme) == "none" or normalize_scheme(dcfg.scheme) == "none":
        return data.tags
    return convert_all(data, dcfg.scheme, scheme, dcfg.invalid)


def split_long(tokens: list, tags: list, max_length: int):
    """Training sentences cut into pieces of at most ``max_length`` tokens."""
    out_tokens, out_tags = [], []
    for tok, tag in zip(tokens, tags):
        for start in range(0, len(tok), max_length):
            out_tokens.append(tok[start: start + max_length])
            out_tags.append(tag[start: start + max_length])
    return out_tokens, out_tags


def tag_set(tags: list, scheme: str) -> list[str]:
    """Sorted tags of the training data; span schemes get every prefix of each type seen."""
    seen = {t for s in tags for t in s}
    scheme = normalize_scheme(scheme)
    if scheme != "none":
        prefixes = {"IOB1": "BI", "BIO": "BI", "BIOES": "BIES"}[scheme]
        seen |= {"O"} | {f"{p}-{t.partition('-')[2]}" for t in seen if t != "O" for p in prefixes}
    return sorted(seen)


def char_vocab(sentences: list) -> list[str]:
    """Characters of the training words, most frequent first, after ``<pad>`` and ``<unk>``."""
    counts: dict = {}
    for sent in sentences:
        for word in sent:
            for c in word:
                counts[c] = counts.get(c, 0) + 1
    return ["<pad>", "<unk>"] + sorted(counts, key=lambda c: (-counts[c], c))


def build_word_pipeline(cfg: TaggingConfig, sentences: list) -> TextPipeline:
    """Words of the training data, plus (``model.vectors_vocab``) every word of the vectors file."""
    from rnnlp.data.readers import resolve_path

    if cfg.text.path:
        return TextPipeline.load(resolve_path(cfg.text.path, cfg.data.root))
    texts = [" ".join(s) for s in sentences]
    if cfg.model.vectors_vocab and cfg.embedding.kind == "pretrained" and cfg.embedding.vectors:
        from rnnlp.embeddings.vectors import load_vectors
        kv = load_vectors(resolve_path(cfg.embedding.vectors, cfg.data.root))
        words = [w for w in kv.index_to_key if w and not any(c.isspace() for c in w)]
        texts += [" ".join(words[i: i + 1000]) for i in range(0, len(words), 1000)]
    return TextPipeline.build(texts, "word", lowercase=cfg.text.lowercase, min_freq=cfg.text.min_freq,
                              max_size=cfg.text.max_size, replace=cfg.text.replace)


# -- evaluation ------------------------------------------------------------------------
def predict_tags(model, pipeline, char_index, sentences: list, tag_names: list, device,
                 max_length: int, max_word_length: int, batch_size: int = 128,
                 scores: bool = False) -> list[list[str]] | tuple[list, list]:
    """Tags of each sentence (lists of tokens); long ones are tagged piece by piece. With
    ``scores``, also each token's probability of its tag (``SequenceTagger.marginals``)."""
    flat, owner = [], []
    for n, sent in enumerate(sentences):
        for piece in (pieces(sent, max_length) if sent else []):
            flat.append(piece)
            owner.append(n)
    ex = encode(pipeline, char_index, flat, None, max_word_length)

    def run(chunk):  # chunk: positions in ``flat``
        batch = collate_tags(ex, np.asarray(chunk)).to(device)
        emissions = model(batch)
        paths = model.decode(emissions, batch.mask)
        marginals = model.marginals(emissions, batch.mask).cpu() if scores else None
        return [([tag_names[t] for t in path], marginals[row, :len(path)].gather(
                    1, torch.tensor(path)[:, None])[:, 0].tolist() if scores else [])
                for row, path in enumerate(paths)]

    found = by_length(model, range(len(flat)), batch_size, run, lengths=[len(s) for s in flat])
    tags: list = [[] for _ in sentences]
    token_probs: list = [[] for _ in sentences]
    for n, (piece_tags, piece_probs) in zip(owner, found):
        tags[n].extend(piece_tags)
        token_probs[n].extend(piece_probs)
    return (tags, token_probs) if scores else tags


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def prepare(cfg: TaggingConfig, resumed, device) -> Prepared:
    """Sentences, tag set, characters, word pipeline and tagger of a run (``Task.prepare``)."""
    if not cfg.data.train:
        raise DataError("give the tagged training file with --train FILE (CoNLL columns, CoNLL-U, "
                        "or json/parquet with token and tag lists), or a recipe with data.train")
    data = read_tagged(cfg.data.train, cfg.data)
    tokens, tags = data.tokens, model_tags(data, cfg.data, cfg.model.scheme)
    if cfg.data.train_limit:
        tokens, tags = tokens[: cfg.data.train_limit], tags[: cfg.data.train_limit]
    tokens, tags = split_long(tokens, tags, cfg.data.max_length)
    names = resumed.ckpt["labels"] if resumed else tag_set(tags, cfg.model.scheme)
    chars = _read_chars(resumed.path) if resumed else char_vocab(tokens)
    pipeline = TextPipeline.from_json(resumed.ckpt["tokenizer_json"]) if resumed else build_word_pipeline(cfg, tokens)
    index = {t: i for i, t in enumerate(names)}
    train_ex = encode(pipeline, _char_index(chars), tokens, [[index[t] for t in s] for s in tags],
                      cfg.data.max_word_length)
    valid = _valid_split(cfg) if cfg.data.valid else (tokens, tags)
    model = build_tagger(cfg, pipeline.vocab(), len(chars), names, with_vectors=resumed is None, log=say)
    batcher = BucketBatcher(train_ex.lengths, cfg.train.batch_size, bucket=cfg.train.bucket, seed=cfg.train.seed)

    batches = epoch_batches(batcher, lambda idx, epoch: collate_tags(train_ex, idx))
    def evaluate(m):
        pred = predict_tags(m, pipeline, _char_index(chars), valid[0], names, device, cfg.data.max_length,
                            cfg.data.max_word_length)
        return tag_scores(valid[1], pred, cfg.model.scheme, names)

    metric = "accuracy" if normalize_scheme(cfg.model.scheme) == "none" else "f1"
    return Prepared(cfg, model, loss_fn, batches, len(batcher), evaluate, metric,
                    f"{len(tokens)} train / {len(valid[0]) if cfg.data.valid else 0} valid sentences, "
                    f"{len(names)} tags ({cfg.model.scheme}), vocab {pipeline.vocab_size}, {len(chars)} chars, "
                    f"head {cfg.model.head}", pipeline, names,
                    {EXTRA: json.dumps({"chars": chars, "data_scheme": normalize_scheme(cfg.data.scheme),
                                        "words": WordRules.learn(tokens).to_dict()}, ensure_ascii=False)},
                    describe=lambda best: f"best dev {metric} {best[metric]:.4f}")


def loss_fn(model, batch: TagBatch):
    """Mean per token (``model.loss``) over ``count`` tokens."""
    return model.loss(model(batch), batch.targets, batch.mask), {"count": int(batch.mask.sum())}


def _char_index(chars: list) -> dict:
    return {c: i for i, c in enumerate(chars)}


def _valid_split(cfg):
    data = read_tagged(cfg.data.valid, cfg.data)
    return data.tokens, model_tags(data, cfg.data, cfg.model.scheme)


def _read_chars(path: Path) -> list:
    return _read_extra(path)["chars"]


def _read_extra(path: Path) -> dict:
    """tagging.json: chars; since 0.2 also the training data's scheme and word rules."""
    from rnnlp.errors import CheckpointError

    try:
        extra = json.loads((Path(path) / EXTRA).read_text(encoding="utf-8"))
        extra["chars"]
        return extra
    except (OSError, ValueError, KeyError, TypeError):
        raise CheckpointError(f"checkpoint {path}: {EXTRA} is missing or corrupt; retrain") from None


# -- prediction ------------------------------------------------------------------------
def _build(config: TaggingConfig, ckpt: dict):
    extra = _read_extra(ckpt["path"])
    vocab = TextPipeline.from_json(ckpt["tokenizer_json"], where=str(ckpt["path"])).vocab()
    model = build_tagger(config, vocab, len(extra["chars"]), ckpt["labels"], with_vectors=False)
    scheme = normalize_scheme(config.model.scheme)
    # checkpoints before 0.2 recorded neither: they answer in the model's scheme, split on spaces
    data_scheme = extra.get("data_scheme", scheme)
    words = WordRules.from_dict(extra["words"]) if "words" in extra else WordRules()
    return model, {"chars": extra["chars"], "scheme": scheme, "words": words,
                   "output_scheme": scheme if "none" in (scheme, data_scheme) else data_scheme}


class Tagger(Restored):
    """A loaded tagging checkpoint: ``tag`` raw texts or tokens, ``evaluate`` a tagged file."""

    task, build = TASK, staticmethod(_build)

    def tag_tokens(self, sentences: list[list[str]], batch_size: int = 128, scores: bool = False):
        """Tags (model scheme) of pre-tokenised sentences; empty sentences get no tags. With
        ``scores``: (tags, each token's probability of its tag)."""
        return predict_tags(self.model, self.pipeline, _char_index(self.chars), sentences, self.labels,
                            self.device, self.config.data.max_length, self.config.data.max_word_length,
                            batch_size, scores)

    def tag(self, texts, tokenize: str | None = "model", batch_size: int = 128) -> dict | list[dict]:
        """Tag one text (or a list): ``{"text", "tokens", "offsets", "tags", "scores"}``, and for
        span schemes ``"spans"`` and ``"entities"``.

        ``tokenize``: "model" splits raw text as the training data was split ("Paris." ->
        "Paris" "." when its punctuation stood alone), "whitespace" on spaces only, None
        takes pre-tokenised input (a list of tokens is one sentence). An item that is a list
        of tokens is always taken as given. ``tags`` are in the training data's scheme (IOB1,
        BIO or BIOES); ``scores`` is each token's probability of its tag (CRF marginal or
        softmax); ``spans`` are ``{"text", "start", "end", "label", "score", "tokens"}`` with
        character offsets into ``text`` (``text[start:end]`` is the span), ``score`` the mean
        of its tokens' scores and ``tokens`` its [first, last + 1] token indices;
        ``entities`` are ``{"type", "token_start", "token_end", "text"}`` over token indices (one
        meaning per key name: ``start``/``end`` are characters, in ``spans`` only).
        Raises InputError for None, a blank text or an empty token list.
        """
        found, single = one_or_many.sentences(texts, tokenize)
        split = [self._words(item, tokenize) for item in found]
        tags, probs = self.tag_tokens([[w for w, _, _ in words] for _, words in split], batch_size, True)
        rows = [self._row(text, words, t, p) for (text, words), t, p in zip(split, tags, probs)]
        return one_or_many.result(rows, single)

    predict = tag  # the HTTP server's and 0.1's name

    def _words(self, item, tokenize) -> tuple[str, list]:
        if not isinstance(item, str):
            return joined_words(list(item))
        return item, (self.words.split_text(item) if tokenize == "model" else whitespace_words(item))

    def _row(self, text: str, words: list, tags: list, probs: list) -> dict:
        tokens = [w for w, _, _ in words]
        row = {"text": text, "tokens": tokens, "offsets": [[s, e] for _, s, e in words], "tags": tags,
               "scores": probs}
        if self.scheme == "none":
            return row
        chunks = to_spans(tags, self.scheme)
        if self.output_scheme != self.scheme:
            row["tags"] = from_spans(chunks, len(tags), self.output_scheme)
        row["spans"] = [{"text": text[words[s][1]: words[e - 1][2]], "start": words[s][1], "end": words[e - 1][2],
                         "label": kind, "score": sum(probs[s:e]) / (e - s), "tokens": [s, e]}
                        for kind, s, e in chunks]
        row["entities"] = [{"type": kind, "token_start": s, "token_end": e, "text": " ".join(tokens[s:e])}
                           for kind, s, e in chunks]  # token indices: never the "start"/"end" of spans
        return row

    def evaluate(self, data: str | None = None, batch_size: int | None = None, **data_options) -> dict:
        """Entity P/R/F1 per type and overall (span schemes) and token accuracy on a tagged file."""
        if not data:
            raise DataError("give the tagged file to evaluate on with --data FILE")
        dcfg = data_config(self.config.data, data_options)
        gold = read_tagged(data, dcfg)
        tags = model_tags(gold, dcfg, self.scheme)
        start = time.perf_counter()
        pred = self.tag_tokens(gold.tokens, batch_size or 128)
        report = tag_scores(tags, pred, self.scheme, self.labels)
        report.update(seconds=time.perf_counter() - start, scheme=self.scheme, data=str(data))
        return report

    @staticmethod
    def format_report(report: dict) -> str:
        lines = [f"sentences: {report['sentences']}, tokens: {report['tokens']}",
                 f"token accuracy: {report['accuracy']:.4f}"]
        if report["unknown_tags"]:
            lines.append("gold tags outside the trained tag set (counted as wrong): "
                         + ", ".join(f"{t}={n}" for t, n in sorted(report["unknown_tags"].items())))
        if "f1" in report:
            lines.append(f"{'type':<10}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
            for name, s in sorted(report["per_type"].items()):
                lines.append(f"{name:<10}{s['precision']:>10.4f}{s['recall']:>10.4f}{s['f1']:>10.4f}{s['support']:>9}")
            lines.append(f"{'overall':<10}{report['precision']:>10.4f}{report['recall']:>10.4f}"
                         f"{report['f1']:>10.4f}{report['support']:>9}")
            lines.append(f"(seqeval strict, {report['scheme']}; seqeval default mode F1 "
                         f"{report['f1_seqeval_default']:.4f})")
        return "\n".join(lines)


Loaded = Tagger
