"""The batched encoder-decoder driver: input order, batch independence, attention, limits."""

from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlp.api import make_config
from rnnlp.data.batching import collate
from rnnlp.decoding import Memory, beam_search, decode_batched
from rnnlp.decoding.memory import first_state, reorder_rows
from rnnlp.errors import ConfigError
from rnnlp.models.builders import build_captioner, build_seq2seq

ROOT = Path(__file__).resolve().parents[2]
EOS, WORD = 3, 5


class Countdown:
    """Source b of length n emits WORD n times, then EOS; it attends evenly to its positions."""

    def encode(self, lengths: list[int]) -> Memory:
        mask = torch.arange(max(lengths)).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
        return Memory(torch.zeros(len(lengths), mask.size(1), 1), mask)

    def start(self, memory: Memory) -> dict:
        return first_state(memory, left=torch.tensor(memory.lengths()))

    def step(self, prev_ids, state):
        left = state["left"]
        log_probs = torch.full((len(left), 6), -10.0)
        log_probs[:, WORD] = torch.where(left > 0, 0.0, -5.0)
        log_probs[:, EOS] = torch.where(left > 0, -5.0, 0.0)
        mask = state["memory"].mask[state["source"]].float()
        return log_probs, dict(state, left=left - 1, weights=mask / mask.sum(1, keepdim=True))

    def reorder_state(self, state, index):
        return reorder_rows(state, index)


def test_greedy_ids_limits_and_attention_rows_in_input_order():
    lengths, model = [2, 4, 1], Countdown()
    found = decode_batched(model, 3, lambda chunk: model.encode([lengths[i] for i in chunk]), bos_id=2,
                           eos_id=EOS, max_len=[10, 3, 10], batch_size=2, lengths=lengths, attention=True)
    assert [d.hypotheses for d in found] == [[([WORD] * 2, 0.0)], [([WORD] * 3, 0.0)], [([WORD], 0.0)]]
    # the EOS step is a row too, unless the limit stopped the source first
    assert [d.attention.shape for d in found] == [(3, 2), (3, 4), (2, 1)]
    assert np.allclose(found[1].attention, 0.25) and np.allclose(found[0].attention, 0.5)


def test_beam_search_through_the_driver_and_attention_needs_greedy():
    lengths, model = [2, 4, 1], Countdown()
    encode = lambda chunk: model.encode([lengths[i] for i in chunk])  # noqa: E731
    found = decode_batched(model, 3, encode, bos_id=2, eos_id=EOS, max_len=6, beam_size=2, n_best=2)
    assert [d.hypotheses[0][0] for d in found] == [[WORD] * 2, [WORD] * 4, [WORD]]
    assert all(len(d.hypotheses) == 2 and d.attention is None for d in found)
    with pytest.raises(ConfigError, match="greedy"):
        decode_batched(model, 3, encode, bos_id=2, eos_id=EOS, max_len=6, beam_size=2, attention=True)


def _seq2seq(attention: str):
    cfg = make_config("translation", str(ROOT / "recipes/translation/tiny.yaml"),
                      [f"decoder.attention={attention}", "decoder.cell=lstm", "decoder.input_feed=true"])
    torch.manual_seed(0)
    return build_seq2seq(cfg, [f"s{i}" for i in range(30)], [f"t{i}" for i in range(20)]).eval()


@pytest.mark.parametrize("attention", ["additive", "general"])
def test_seq2seq_output_does_not_depend_on_the_batch(attention):
    model = _seq2seq(attention)
    ids = [[4, 5, 6], [7, 8], [9, 10, 11, 12, 13], [14], [5, 5, 6, 7], [8, 9]]

    def encode(chunk):
        batch = collate([ids[i] for i in chunk])
        return model.encode(batch.ids, batch.lengths, batch.mask)

    for beam, n_best in ((1, 1), (3, 2)):
        run = lambda size, order: decode_batched(  # noqa: E731
            model, len(ids), encode, bos_id=2, eos_id=3, max_len=[2 * len(s) for s in ids], beam_size=beam,
            n_best=n_best, batch_size=size, lengths=order)
        alone, together = run(1, None), run(4, [len(s) for s in ids])
        for a, b in zip(alone, together):
            assert [h for h, _ in a.hypotheses] == [h for h, _ in b.hypotheses]
            assert [s for _, s in a.hypotheses] == pytest.approx([s for _, s in b.hypotheses], abs=1e-5)
        assert all(len(d.hypotheses[0][0]) <= 2 * len(s) for d, s in zip(together, ids))


def test_captioner_beams_equal_beam_search_on_each_image_alone():
    torch.manual_seed(0)
    cfg = make_config("captioning", str(ROOT / "recipes/captioning/tiny.yaml"))
    model = build_captioner(cfg, vocab_size=11).eval()
    grids = torch.randn(5, 9, model.encoder.feature_size)
    found = decode_batched(model, 5, lambda chunk: Memory(grids[chunk]), bos_id=2, eos_id=3, max_len=6,
                           beam_size=3, batch_size=2)
    with torch.no_grad():
        for b, decoded in enumerate(found):
            [alone] = beam_search(model, model.start(Memory(grids[b: b + 1])), bos_id=2, eos_id=3,
                                  beam_size=3, max_len=6)
            assert decoded.hypotheses[0][0] == alone[0][0]
            assert decoded.hypotheses[0][1] == pytest.approx(alone[0][1], abs=1e-5)
