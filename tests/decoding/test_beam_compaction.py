"""Batched beam search drops sentences that are done: no more decoder steps are spent on them."""

import math

import torch

from rnnlp.decoding import beam_search


class CountingDecoder:
    """Row state = sentence id. Sentence 0 ends at once (eos almost sure); sentence 1 never does."""

    def __init__(self):
        self.rows_stepped = 0

    def step(self, prev_ids, state):
        self.rows_stepped += len(prev_ids)
        log_probs = torch.full((len(prev_ids), 4), math.log(0.3))
        log_probs[state == 0] = torch.log(torch.tensor([1e-6, 1e-6, 1e-6, 1 - 3e-6]))
        log_probs[state == 1, 3] = math.log(1e-9)  # eos (id 3) practically never
        return log_probs.log_softmax(-1), state

    def reorder_state(self, state, index):
        return state[index]


def test_finished_sentences_leave_the_batch():
    decoder = CountingDecoder()
    out = beam_search(decoder, torch.tensor([0, 1]), bos_id=2, eos_id=3, beam_size=3, max_len=6, batch_size=2)
    assert out[0][0][0] == [] and len(out[1][0][0]) == 6
    # step 1: 2 sentences x 3 beams; steps 2-6: only sentence 1's 3 beams
    assert decoder.rows_stepped == 2 * 3 + 5 * 3
