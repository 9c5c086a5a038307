"""The one place where a config meets a module: configs in, built torch modules out."""

from __future__ import annotations

import dataclasses
import functools
import sys

from rnnlp.nn.embedding import OneHotEmbedding, TokenEmbedding
from rnnlp.nn.heads import ClassificationHead
from rnnlp.nn.rnn import RNNEncoder


def build_embedding(cfg, vocab: list[str], *, pad_id: int = 0, with_vectors: bool = True, log=None,
                    root: str | None = None):
    """Embedding for ``vocab`` from an ``EmbeddingConfig``.

    With ``kind="pretrained"`` and ``with_vectors`` the rows come from the vectors file, whose
    dimension wins; ``resolve_vectors`` first writes it into (a copy of) the config, so that the
    saved config rebuilds the same shapes at load time, when the weights come from the checkpoint.
    """
    if cfg.kind == "onehot":
        return OneHotEmbedding(len(vocab), padding_idx=pad_id)
    weights = None
    if cfg.kind == "pretrained":
        _require_vectors(cfg)
        if with_vectors:
            weights = pretrained_matrix(cfg, vocab, log=log, root=root)
    dim = int(weights.shape[1]) if weights is not None else cfg.embedding_dim
    return TokenEmbedding(len(vocab), dim, padding_idx=pad_id, weights=weights,
                          freeze=cfg.freeze, dropout=cfg.dropout, word_dropout=cfg.word_dropout)


def _require_vectors(cfg) -> None:
    if not cfg.vectors:
        from rnnlp.errors import ConfigError
        raise ConfigError("embedding.kind=pretrained needs embedding.vectors=PATH "
                          "(a GloVe or word2vec file)")


def resolve_vectors(config):
    """A copy of a task config whose pretrained embeddings carry their vectors' dimension.

    Every field of ``config`` that is a pretrained ``EmbeddingConfig`` gets ``embedding_dim``
    from its vectors file (read once, cached); the input is left as it is.
    """
    from rnnlp.config.components import EmbeddingConfig

    changes = {}
    for f in dataclasses.fields(config):
        ecfg = getattr(config, f.name)
        if isinstance(ecfg, EmbeddingConfig) and ecfg.kind == "pretrained":
            _require_vectors(ecfg)
            from rnnlp.data.readers import resolve_path
            dim = int(_vectors(str(resolve_path(ecfg.vectors, config.data.root))).vector_size)
            changes[f.name] = dataclasses.replace(ecfg, embedding_dim=dim)
    return dataclasses.replace(config, **changes) if changes else config


@functools.lru_cache(maxsize=2)
def _vectors(path: str):
    from rnnlp.embeddings.vectors import load_vectors

    return load_vectors(path)


def extend_pipeline(pipeline, cfg, log=None, root: str | None = None):
    """With ``embedding.extend_vocab``, add the words of the vectors file to a word pipeline."""
    if cfg.kind != "pretrained" or not cfg.extend_vocab:
        return pipeline
    from rnnlp.data.readers import resolve_path

    before = pipeline.vocab_size
    pipeline = pipeline.extended(_vectors(str(resolve_path(cfg.vectors, root))).index_to_key)
    (log or _stderr)(f"vocabulary extended with the vectors' words: {before} -> {pipeline.vocab_size}")
    return pipeline


def pretrained_matrix(cfg, vocab: list[str], log=None, root: str | None = None):
    """Rows of the vectors file for ``vocab``; prints the coverage."""
    from rnnlp.data.readers import resolve_path
    from rnnlp.embeddings.vectors import vectors_matrix

    kv = _vectors(str(resolve_path(cfg.vectors, root)))
    weights, coverage = vectors_matrix(kv, vocab, oov=cfg.oov if cfg.oov != "compose" else "random",
                                       specials=("<pad>",), compose=cfg.oov == "compose")
    (log or _stderr)(f"vectors {cfg.vectors}: {coverage['found']}/{coverage['total']} words found "
                     f"({coverage['rate']:.1%}), {coverage.get('composed', 0)} compounds composed from their parts, "
                            f"dim {weights.shape[1]}")
    return weights


def build_text_pipeline(tcfg, texts: list[str], root: str | None = None):
    """A ``TextPipeline`` from a ``TextConfig``: loaded from ``tcfg.path`` (a prebuilt JSON;
    with ``tcfg.extend``, renormalized and extended by the words of ``texts``), or learned from
    ``texts``."""
    from rnnlp.text import TextPipeline

    if tcfg.path:
        from rnnlp.data.readers import resolve_path
        loaded = TextPipeline.load(resolve_path(tcfg.path, root))
        if not tcfg.extend:
            return loaded
        loaded = loaded.renormalized(tcfg.lowercase, tcfg.replace)
        return loaded.extended(loaded.new_words(texts, tcfg.min_freq))
    return TextPipeline.build(texts, tcfg.level, lowercase=tcfg.lowercase, min_freq=tcfg.min_freq,
                              max_size=tcfg.max_size, vocab_size=tcfg.vocab_size, replace=tcfg.replace)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


def build_encoder(cfg, input_size: int) -> RNNEncoder:
    return RNNEncoder(input_size, cfg.hidden_size, cfg.num_layers, cfg.bidirectional,
                      cfg.dropout, cell=cfg.cell, mode=cfg.mode)


def build_classifier(config, vocab: list[str], num_classes: int, *, with_vectors: bool = True, log=None):
    """``SequenceClassifier`` from a ``SentimentConfig``; binary tasks get one sigmoid logit."""
    from rnnlp.models.classifier import SequenceClassifier

    embedding = build_embedding(config.embedding, vocab, with_vectors=with_vectors, log=log,
                                root=config.data.root)
    encoder = build_encoder(config.encoder, embedding.embedding_dim)
    outputs = 1 if num_classes == 2 else num_classes
    head = ClassificationHead(encoder.output_size, outputs, pool=config.head.pool,
                              dropout=config.head.dropout, hidden_size=config.head.hidden_size)
    return SequenceClassifier(embedding, encoder, head)


def build_series_classifier(config, channels: int, num_classes: int):
    """``SeriesClassifier`` from a ``SeriesConfig``: frame projection, encoder, the classifier head."""
    from rnnlp.models.series import SeriesClassifier
    from rnnlp.nn.frames import FrameProjection

    f = config.frames
    frames = FrameProjection(channels, f.size, f.projection, f.kernel, f.stride, f.layers, f.dropout)
    encoder = build_encoder(config.encoder, frames.output_size)
    head = ClassificationHead(encoder.output_size, 1 if num_classes == 2 else num_classes, pool=config.head.pool,
                              dropout=config.head.dropout, hidden_size=config.head.hidden_size)
    return SeriesClassifier(frames, encoder, head, channels)


def build_seq2seq(config, source_vocab: list[str], target_vocab: list[str], *, with_vectors: bool = True,
                  log=None):
    """``Seq2Seq`` from a ``TranslationConfig`` (attention: additive | general | dot)."""
    from rnnlp.models.seq2seq import AttentionDecoder, Bridge, Seq2Seq
    from rnnlp.nn.attention import AdditiveAttention, MultiplicativeAttention

    dcfg = config.decoder
    src_emb, tgt_emb = (build_embedding(cfg, vocab, with_vectors=with_vectors, log=log, root=config.data.root)
                        for cfg, vocab in ((config.source_embedding, source_vocab),
                                           (config.target_embedding, target_vocab)))
    encoder = build_encoder(config.encoder, src_emb.embedding_dim)
    memory = encoder.output_size
    attention = AdditiveAttention(dcfg.hidden_size, memory) if dcfg.attention == "additive" \
        else MultiplicativeAttention(dcfg.hidden_size, memory, score=dcfg.attention)
    decoder = AttentionDecoder(tgt_emb, attention, dcfg.cell, dcfg.hidden_size, memory, len(target_vocab),
                               num_layers=dcfg.num_layers, dropout=dcfg.dropout, input_feed=dcfg.input_feed,
                               output_dropout=dcfg.output_dropout, tie_embeddings=dcfg.tie_embeddings)
    bridge = Bridge(memory, dcfg.hidden_size, dcfg.num_layers, dcfg.cell, enabled=dcfg.bridge)
    return Seq2Seq(src_emb, encoder, bridge, decoder)


def build_language_model(config, vocab_size: int):
    """``LanguageModel`` from an ``LMConfig``; adaptive cutoffs at or past the vocabulary size
    are dropped (a small vocabulary falls back to the full softmax)."""
    from rnnlp.models.language_model import LanguageModel

    m = config.model
    cutoffs = [c for c in m.cutoffs if c < vocab_size - 1] if m.output == "adaptive" else []
    return LanguageModel(vocab_size, m.embedding_dim, m.hidden_size, m.num_layers, m.cell,
                         dropout=m.dropout, dropout_input=m.dropout_input,
                         dropout_hidden=m.dropout_hidden, dropout_embedding=m.dropout_embedding,
                         tie_weights=m.tie_weights, adaptive_cutoffs=cutoffs or None,
                         div_value=m.div_value)


def build_tagger(config, vocab: list[str], num_chars: int, tag_names: list[str], *,
                 with_vectors: bool = True, log=None):
    """``SequenceTagger`` from a ``TaggingConfig``; the CRF forbids transitions the scheme forbids."""
    from torch import nn

    from rnnlp.models.tagger import CASES, SequenceTagger
    from rnnlp.nn.char_encoder import build_char_encoder
    from rnnlp.nn.crf import CRF, allowed_transitions

    m = config.model
    embedding = build_embedding(config.embedding, vocab, with_vectors=with_vectors, log=log,
                                root=config.data.root)
    chars = build_char_encoder(m.char, num_chars, m.char_dim, m.char_hidden, m.char_kernel)
    casing = nn.Embedding(len(CASES), m.casing_dim, padding_idx=0) if m.casing else None
    char_lm = build_char_lm_features(config.char_lm, num_chars)
    size = embedding.embedding_dim + (chars.output_size if chars else 0) + (m.casing_dim if m.casing else 0) \
        + (char_lm.output_size if char_lm else 0)
    encoder = build_encoder(config.encoder, size)
    crf = None
    if m.head == "crf":
        rules = allowed_transitions(tag_names, m.scheme) if m.scheme.lower() != "none" else ()
        crf = CRF(len(tag_names), *rules)
    return SequenceTagger(embedding, encoder, len(tag_names), chars=chars, casing=casing, crf=crf,
                          dropout=m.dropout, word_dropout=m.word_dropout, char_lm=char_lm)


def build_char_lm_features(cfg, num_chars: int):
    """``CharLMFeatures`` from a ``CharLMConfig``: LMs shaped like its runs (their weights are
    copied in by ``rnnlp.transfer``), or fresh co-trained ones over the tagger's own characters
    (``aux_weight``); None without either."""
    import torch

    from rnnlp.nn.char_lm import CharLM, CharLMFeatures

    if not cfg.forward and not cfg.aux_weight:
        return None
    cotrained = not cfg.forward
    vocab = num_chars + 2 if cotrained else cfg.vocab_size  # co-trained: the tagger's ids, start, space

    def lm():
        made = CharLM(vocab, cfg.embedding_dim, cfg.hidden_sizes, cfg.cell, num_chars, predict=cotrained)
        if cotrained:
            made.lookup.copy_(torch.arange(num_chars + 2))
        return made

    return CharLMFeatures(lm(), lm() if cfg.backward or cotrained else None, freeze=cfg.freeze,
                          aux_weight=cfg.aux_weight)


def build_captioner(config, vocab_size: int, pad_id: int = 0, *, pretrained: bool = True):
    """``ImageCaptioner`` from a ``CaptioningConfig``: small CNN or torchvision backbone
    (``pretrained=False``: without ``encoder.weights``, when a checkpoint holds them)."""
    from rnnlp.models.captioner import ImageCaptioner
    from rnnlp.nn.image_encoder import SmallCNN, TorchvisionBackbone

    e, d = config.encoder, config.decoder
    if e.backbone == "small":
        encoder = SmallCNN(tuple(e.channels), e.convs_per_stage, e.dropout)
    else:
        encoder = TorchvisionBackbone(e.backbone, e.weights if pretrained else None, e.dropout)
    if e.freeze:
        encoder.requires_grad_(False)
    return ImageCaptioner(encoder, vocab_size, d.embedding_dim, d.hidden_size, d.attention_size,
                          dropout=d.dropout, gate=d.gate, pad_id=pad_id)


def build_ctc_recognizer(config, num_labels: int):
    """``CTCRecognizer`` from a ``SpeechConfig``: frame projection over log-mel bands, encoder, CTC output."""
    from rnnlp.models.speech import CTCRecognizer
    from rnnlp.nn.frames import FrameProjection

    f, n_mels = config.frames, config.features.n_mels
    frames = FrameProjection(n_mels, f.size, f.projection, f.kernel, f.stride, f.layers, f.dropout)
    return CTCRecognizer(frames, build_encoder(config.encoder, frames.output_size), num_labels, n_mels)


def build_music_model(config, keys: int = 88):
    """``MusicModel`` from a ``MusicConfig``: LSTM/GRU over frames, then ``model.output``'s head
    (bernoulli: independent keys; nade: keys low to high within the frame)."""
    from rnnlp.errors import choice_error
    from rnnlp.models.music import MusicModel
    from rnnlp.nn.keys import BernoulliKeys, NADEKeys

    m = config.model
    heads = {"bernoulli": lambda: BernoulliKeys(m.hidden_size, keys),
             "nade": lambda: NADEKeys(m.hidden_size, keys, m.nade_hidden_size)}
    if m.output not in heads:
        raise choice_error("model.output", m.output, heads)
    return MusicModel(m.cell, keys, m.hidden_size, m.num_layers, heads[m.output](),
                      dropout=m.dropout, input_dropout=m.input_dropout)
