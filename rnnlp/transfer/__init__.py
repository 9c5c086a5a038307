"""Transfer from language models (ULMFiT, Howard & Ruder 2018).

- ``lm_runs``: read an ``rnnlp train lm`` run and check it fits (task, tokenizer level).
- ``shapes``: before a model is built, a config takes the LM's shape where asked
  (``encoder.shape_from_lm``, the LM continued by ``model.init_from``) and the LM's tokenizer.
- ``weights``: after it is built, the LM's embedding rows (mapped word by word) and recurrent
  layers are copied into it, and the coverage is printed.
- ``finetune``: discriminative learning rates, the slanted triangular schedule and gradual
  unfreezing over the layer groups of a classifier, tagger or language model.

The driver calls ``resolve`` before ``Task.prepare`` and ``initialise`` after it, so task
modules know nothing of transfer.
"""

from rnnlp.transfer.shapes import resolve
from rnnlp.transfer.weights import initialise

__all__ = ["resolve", "initialise"]
