"""The memory estimate from a config: recurrent layers counted exactly as torch builds them,
vocabularies at their smallest, and a refusal that names the field."""

import pytest
import torch

from rnnlp.api import make_config
from rnnlp.config.memory import check_memory, parameter_counts, size, training_bytes
from rnnlp.errors import ConfigError


@pytest.mark.parametrize("cell, layers, bidirectional", [("lstm", 2, True), ("gru", 1, False), ("rnn", 3, True)])
def test_recurrent_counts_equal_torch(cell, layers, bidirectional):
    cfg = make_config("sentiment", overrides=[f"encoder.cell={cell}", f"encoder.num_layers={layers}",
                                              f"encoder.bidirectional={bidirectional}", "encoder.hidden_size=24",
                                              "embedding.embedding_dim=10"])
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](
        10, 24, num_layers=layers, bidirectional=bidirectional)
    counts = parameter_counts(cfg)
    assert counts["encoder.hidden_size"] == sum(p.numel() for p in module.parameters())
    assert counts["embedding.embedding_dim"] == 4 * 10  # the four special tokens at least


def test_training_bytes_count_weights_gradients_and_optimizer_state():
    cfg = make_config("sentiment")
    params = sum(parameter_counts(cfg).values())
    assert training_bytes(cfg) == params * 4 * 4  # AdamW: weights, gradients, two moments
    sgd = make_config("sentiment", overrides=["train.optimizer=sgd", "train.ema=0.999"])
    assert training_bytes(sgd) == params * 4 * 4  # SGD momentum + the EMA copy


def test_a_config_too_big_names_the_largest_size():
    cfg = make_config("translation", overrides=["decoder.hidden_size=300000"])
    with pytest.raises(ConfigError, match=r"^decoder.hidden_size=300000 needs at least .* but this machine has "
                                          r"1.0 GiB available; lower decoder.hidden_size$"):
        check_memory(cfg, 2**30)
    check_memory(make_config("translation"), 2**30)  # the default fits
    check_memory(cfg, None)  # unknown memory: no refusal


def test_size_is_for_people():
    assert [size(n) for n in (512, 1536, 3 * 2**30, 2**70)] == ["512.0 B", "1.5 KiB", "3.0 GiB", "1024.0 EiB"]
