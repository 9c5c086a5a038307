"""BPTT stream batching: contiguous rows, every token a target exactly once per epoch."""

import pytest
import torch

from rnnlp.data.stream import StreamBatcher, stream_rows
from rnnlp.errors import ConfigError, DataError


def _targets_and_inputs(batcher):
    targets, pairs = [], []
    for batch in batcher:
        assert batch.ids.shape == batch.targets.shape == batch.mask.shape
        assert batch.num_tokens == int(batch.mask.sum())
        real = batch.targets[batch.mask]
        targets += real.tolist()
        pairs += list(zip(batch.ids[batch.mask].tolist(), real.tolist()))
    return targets, pairs


@pytest.mark.parametrize("n, batch_size, bptt, random_bptt", [
    (1000, 7, 13, False), (1000, 7, 13, True), (101, 4, 25, False), (57, 56, 3, False), (500, 1, 40, True)])
def test_every_token_is_a_target_exactly_once_per_epoch(n, batch_size, bptt, random_bptt):
    ids = torch.arange(n)  # each token its own id, so counting ids counts positions
    batcher = StreamBatcher(ids, batch_size, bptt, random_bptt=random_bptt, seed=3)
    for epoch in range(2):
        batcher.set_epoch(epoch)
        targets, pairs = _targets_and_inputs(batcher)
        assert sorted(targets) == list(range(1, n))  # all but the first token, once each
        assert all(target == inp + 1 for inp, target in pairs)  # input is the token before


def test_rows_are_contiguous_and_batches_continue_them():
    rows, lengths = stream_rows(torch.arange(11), 3)  # 10 targets over 3 rows: 4, 3, 3
    assert lengths.tolist() == [4, 3, 3]
    assert rows.tolist() == [[0, 1, 2, 3, 4], [4, 5, 6, 7, 0], [7, 8, 9, 10, 0]]
    batches = list(StreamBatcher(torch.arange(11), 3, 2))
    assert [b.ids.tolist() for b in batches] == [[[0, 1], [4, 5], [7, 8]], [[2, 3], [6, 7], [9, 10]]]
    assert batches[1].targets.tolist() == [[3, 4], [7, -100], [10, -100]]
    assert batches[1].lengths.tolist() == [2, 1, 1]


def test_random_bptt_varies_with_epoch_and_repeats_with_seed():
    ids = torch.arange(5000)
    a = StreamBatcher(ids, 4, 30, random_bptt=True, seed=1)
    spans0 = a.spans()
    assert spans0 == StreamBatcher(ids, 4, 30, random_bptt=True, seed=1).spans()
    assert all(end - start >= 5 for start, end in spans0[:-1])
    assert len({end - start for start, end in spans0}) > 3
    a.set_epoch(1)
    assert a.spans() != spans0
    assert StreamBatcher(ids, 4, 30).spans() == [(s, min(s + 30, 1250)) for s in range(0, 1250, 30)]


def test_too_little_text_and_bad_bptt_are_errors():
    with pytest.raises(DataError, match="too few"):
        StreamBatcher(torch.arange(4), 8, 5)
    with pytest.raises(ConfigError, match="bptt"):
        StreamBatcher(torch.arange(40), 2, 0)
