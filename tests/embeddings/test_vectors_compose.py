import numpy as np
from gensim.models import KeyedVectors

from rnnlp.embeddings.vectors import vectors_matrix


def test_compounds_are_composed_from_their_parts():
    kv = KeyedVectors(2)
    kv.add_vectors(["well", "made", "good"], np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]], dtype=np.float32))
    vocab = ["<pad>", "well-made", "good/bad", "zzz-qqq", "good"]
    matrix, cov = vectors_matrix(kv, vocab, oov="zero", compose=True)
    assert matrix[1].tolist() == [0.5, 0.5]      # mean(well, made)
    assert matrix[2].tolist() == [2.0, 2.0]      # only "good" found
    assert matrix[3].tolist() == [0.0, 0.0]      # no part found: the oov rule
    assert cov == {"found": 1, "total": 4, "rate": 0.25, "composed": 2}
