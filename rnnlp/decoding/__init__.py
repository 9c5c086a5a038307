"""Decoding written once for every generator: greedy, sampling, batched beam search.

A model plugs in by offering ``step(prev_ids, state)`` and ``reorder_state(state, index)``
(the ``Decoder`` protocol, see ``rnnlp.decoding.protocol``). An encoder-decoder adds
``encode(inputs...) -> Memory`` and ``start(memory) -> state`` (``rnnlp.decoding.memory``);
``decode_batched`` (``rnnlp.decoding.batch``) then decodes its sources in batches, for
translation and captioning alike. ``constraints`` adds HF's repetition penalty and
no-repeat n-grams to any decoder, and ``stop`` cuts text at stop strings.
"""

from rnnlp.decoding.batch import Decoded, decode_batched
from rnnlp.decoding.beam import beam_search, gnmt_length_penalty
from rnnlp.decoding.constraints import Constrained, constrained_chooser
from rnnlp.decoding.memory import EncoderDecoder, Memory
from rnnlp.decoding.protocol import Decoder, index_state
from rnnlp.decoding.sampling import (
    RowSampler,
    choose_rows,
    filter_top_k,
    filter_top_p,
    greedy,
    inverse_cdf,
    sample,
    sample_chooser,
    stream_greedy,
    stream_sample,
)
from rnnlp.decoding.stop import StopStrings

__all__ = [
    "Constrained",
    "Decoded",
    "Decoder",
    "EncoderDecoder",
    "Memory",
    "RowSampler",
    "StopStrings",
    "beam_search",
    "choose_rows",
    "constrained_chooser",
    "decode_batched",
    "filter_top_k",
    "filter_top_p",
    "gnmt_length_penalty",
    "greedy",
    "index_state",
    "inverse_cdf",
    "sample",
    "sample_chooser",
    "stream_greedy",
    "stream_sample",
]
