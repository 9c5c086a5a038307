"""The embeddings workbench: train, inspect, evaluate, trim and convert word vectors.

Every function takes or returns a ``gensim.models.KeyedVectors``. File formats and safe
loading are those of ``rnnlp.embeddings.vectors`` (word2vec binary ``.bin`` or text ``.txt`` out;
gensim's pickle format only with ``allow_pickle=True``). gensim is imported inside the
functions, so importing this package costs nothing.
"""

from rnnlp.embeddings.evaluation import evaluate
from rnnlp.embeddings.files import convert, load, save, trim
from rnnlp.embeddings.query import analogy, neighbors
from rnnlp.embeddings.training import train

__all__ = ["analogy", "convert", "evaluate", "load", "neighbors", "save", "train", "trim"]
