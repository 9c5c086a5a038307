"""ULMFiT's fine-tuning options: discriminative LRs per layer group, gradual unfreezing, the
slanted triangular schedule (checked against the paper's formula)."""

import math

import pytest
import torch

import rnnlp.api
from rnnlp.errors import ConfigError
from rnnlp.models.builders import build_classifier
from rnnlp.transfer.finetune import fine_tuning, layer_groups
from rnnlp.training.optim import build_optimizer, build_scheduler

VOCAB = ["<pad>", "<unk>", "good", "bad"]


def classifier(*overrides):
    cfg = rnnlp.api.make_config("sentiment", None, ["encoder.num_layers=2", "embedding.embedding_dim=4",
                                                    "encoder.hidden_size=3", "train.lr=0.01", *overrides])
    return cfg, build_classifier(cfg, VOCAB, 2)


def ids(params):
    return {id(p) for p in params}


def test_layer_groups_of_a_classifier():
    _, model = classifier()
    groups = layer_groups(model)
    enc = model.encoder
    assert [ids(g) for g in groups] == [ids(model.embedding.parameters()),
                                        ids([*enc.fwd[0].parameters(), *enc.bwd[0].parameters()]),
                                        ids([*enc.fwd[1].parameters(), *enc.bwd[1].parameters()]),
                                        ids(model.head.parameters())]


def test_discriminative_lrs_are_in_the_optimizer():
    cfg, model = classifier("train.discriminative=2.6")
    params, _ = fine_tuning(model, cfg.train, lambda epoch: iter(()))
    optimizer = build_optimizer(cfg.train, params)
    lrs = [g["lr"] for g in optimizer.param_groups]
    assert lrs == pytest.approx([0.01 / 2.6 ** 3, 0.01 / 2.6 ** 2, 0.01 / 2.6, 0.01])
    assert ids(optimizer.param_groups[1]["params"]) == ids(layer_groups(model)[1])


def test_unfreezing_follows_the_schedule():
    cfg, model = classifier("train.unfreeze=true", "embedding.freeze=true")
    _, batches = fine_tuning(model, cfg.train, lambda epoch: iter([epoch]))
    groups = layer_groups(model)
    for epoch, trains in enumerate([[3], [2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]):
        assert list(batches(epoch)) == [epoch]
        assert [all(p.requires_grad for p in g) for g in groups] == [i in trains for i in range(4)]
        assert not any(p.requires_grad for p in groups[0])  # frozen by embedding.freeze: stays frozen


def test_unfreezing_by_steps_counts_across_epochs():
    cfg, model = classifier("train.unfreeze=true", "train.unfreeze_every=2")
    _, batches = fine_tuning(model, cfg.train, lambda epoch: iter(range(3)))
    groups, seen = layer_groups(model), []
    for epoch in range(3):
        for _ in batches(epoch):  # the groups as they train on this batch
            seen.append(sum(all(p.requires_grad for p in g) for g in groups))
    assert seen == [1, 1, 2, 2, 3, 3, 4, 4, 4]
    cfg, model = classifier("train.unfreeze_every=2")
    with pytest.raises(ConfigError, match="set train.unfreeze=true"):
        fine_tuning(model, cfg.train, lambda epoch: iter(()))


def test_lm_layer_groups_and_unknown_models():
    lm_cfg = rnnlp.api.make_config("lm", None, ["model.num_layers=3", "model.embedding_dim=4", "model.hidden_size=4"])
    from rnnlp.models.builders import build_language_model
    lm = build_language_model(lm_cfg, 10)
    groups = layer_groups(lm)
    assert len(groups) == 5 and ids(groups[0]) == ids([lm.embedding.weight])
    assert ids(groups[4]) == ids(lm.decoder.parameters())
    with pytest.raises(ConfigError, match="not Linear"):
        layer_groups(torch.nn.Linear(2, 2))


def paper_slanted(t, T, lr_max, cut_frac=0.1, ratio=32):
    """Howard & Ruder (2018), eq. 3."""
    cut = math.floor(T * cut_frac)
    p = t / cut if t < cut else 1 - (t - cut) / (cut * (1 / cut_frac - 1))
    return lr_max * (1 + p * (ratio - 1)) / ratio


def test_slanted_triangular_matches_the_paper():
    cfg = rnnlp.api.make_config("sentiment", None, ["train.schedule=slanted", "train.epochs=2", "train.lr=0.01"])
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=cfg.train.lr)
    scheduler = build_scheduler(cfg.train, optimizer, steps_per_epoch=50)
    got = []
    for _ in range(100):
        got.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert got == pytest.approx([paper_slanted(t, 100, 0.01) for t in range(100)])
    assert max(got) == pytest.approx(0.01) and got.index(max(got)) == 10


def test_tagger_input_group_holds_every_feature_encoder():
    from rnnlp.models.builders import build_tagger

    cfg = rnnlp.api.make_config("tagging", None, ["char_lm.aux_weight=0.5", "char_lm.freeze=false",
                                                  "char_lm.embedding_dim=3", "char_lm.hidden_sizes=[4]",
                                                  "encoder.hidden_size=3", "embedding.embedding_dim=4"])
    tagger = build_tagger(cfg, VOCAB, 6, ["O", "S-PER"])
    groups = layer_groups(tagger)
    inputs = [*tagger.embedding.parameters(), *tagger.chars.parameters(), *tagger.casing.parameters(),
              *tagger.char_lm.parameters()]
    assert len(groups) == 3 and ids(groups[0]) == ids(inputs)
    assert ids(groups[2]) == ids([*tagger.proj.parameters(), *tagger.crf.parameters()])
