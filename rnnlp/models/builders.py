"""The one place where a config meets a module: configs in, built torch modules out."""

from __future__ import annotations

import sys

from rnnlp.nn.embedding import OneHotEmbedding, TokenEmbedding
from rnnlp.nn.heads import ClassificationHead
from rnnlp.nn.rnn import RNNEncoder


def build_embedding(cfg, vocab: list[str], *, pad_id: int = 0, with_vectors: bool = True, log=None,
                    root: str | None = None):
    """Embedding for ``vocab`` from an ``EmbeddingConfig``.

    With ``kind="pretrained"`` and ``with_vectors`` the vectors file is read and
    ``cfg.embedding_dim`` is set to its dimension (the resolved config then rebuilds the same
    shapes at load time, when the weights come from the checkpoint instead of the file).
    """
    if cfg.kind == "onehot":
        return OneHotEmbedding(len(vocab), padding_idx=pad_id)
    weights = None
    if cfg.kind == "pretrained":
        if not cfg.vectors:
            from rnnlp.errors import ConfigError
            raise ConfigError("embedding.kind=pretrained needs embedding.vectors=PATH "
                              "(a GloVe or word2vec file)")
        if with_vectors:
            weights = pretrained_matrix(cfg, vocab, log=log, root=root)
            cfg.embedding_dim = int(weights.shape[1])
    return TokenEmbedding(len(vocab), cfg.embedding_dim, padding_idx=pad_id, weights=weights,
                          freeze=cfg.freeze, dropout=cfg.dropout)


def pretrained_matrix(cfg, vocab: list[str], log=None, root: str | None = None):
    """Rows of the vectors file for ``vocab``; prints the coverage."""
    from rnnlp.data.readers import resolve_path
    from rnnlp.nn.vectors import load_vectors, vectors_matrix

    kv = load_vectors(resolve_path(cfg.vectors, root))
    weights, coverage = vectors_matrix(kv, vocab, oov=cfg.oov, specials=("<pad>",))
    (log or _stderr)(f"vectors {cfg.vectors}: {coverage['found']}/{coverage['total']} words found "
                     f"({coverage['rate']:.1%}), dim {weights.shape[1]}")
    return weights


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
