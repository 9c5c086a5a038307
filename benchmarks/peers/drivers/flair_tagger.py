"""flair SequenceTagger (BiLSTM-CRF) on the converted CoNLL-2003 columns, with the shared GloVe
50d as gensim vectors plus flair's character embeddings; predictions of the test file at each
point. The configuration is flair's NER tutorial (docs: "Train a sequence tagger"): hidden 256,
CRF, SGD lr 0.1 annealed on plateau, mini-batch 32, up to 150 epochs (the budget stops it).

    python drivers/flair_tagger.py --data CACHE --vectors GLOVE --out LOG --seed 0
"""

from __future__ import annotations

from pathlib import Path

from _clock import Marks
from _flair import arguments, char_dictionary, gensim_vectors, points_plugin


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    import flair
    from flair.datasets import ColumnCorpus
    from flair.embeddings import CharacterEmbeddings, StackedEmbeddings, WordEmbeddings
    from flair.models import SequenceTagger
    from flair.trainers import ModelTrainer

    flair.set_seed(args.seed)
    flair.device = "cpu"
    data = Path(args.data)
    corpus = ColumnCorpus(data, {0: "text", 1: "ner"}, train_file="train.txt", dev_file="dev.txt",
                          test_file="test.txt")
    tags = corpus.make_label_dictionary(label_type="ner", add_unk=False)
    embeddings = StackedEmbeddings([WordEmbeddings(str(gensim_vectors(args.vectors, data))),
                                    CharacterEmbeddings(path_to_char_dict=str(char_dictionary(corpus, data)))])
    tagger = SequenceTagger(hidden_size=256, embeddings=embeddings, tag_dictionary=tags, tag_type="ner",
                            use_crf=True)
    test = list(corpus.test)

    def write(folder: Path) -> dict:
        tagger.predict(test, mini_batch_size=32, label_name="predicted")
        with open(folder / "pred.tsv", "w", encoding="utf-8") as f:
            for sentence in test:
                gold, pred = bio(sentence, "ner"), bio(sentence, "predicted")
                f.writelines(f"{t.text}\t{g}\t{p}\n" for t, g, p in zip(sentence, gold, pred))
                f.write("\n")
        own = tagger.evaluate(test, gold_label_type="ner", mini_batch_size=32)
        return {"main_score": own.main_score, "name": "flair micro-F1 (its own evaluate)"}

    marks = Marks(args.out)
    trainer = ModelTrainer(tagger, corpus)
    trainer.train(str(Path(args.out) / "flair"), learning_rate=0.1, mini_batch_size=32,
                  max_epochs=args.max_epochs, plugins=[points_plugin(marks, write)], save_final_model=False,
                  create_file_logs=False)


def bio(sentence, label_type: str) -> list[str]:
    """BIO tags of a sentence's spans of ``label_type``."""
    tags = ["O"] * len(sentence)
    for span in sentence.get_spans(label_type):
        for k, token in enumerate(span.tokens):
            tags[token.idx - 1] = ("B-" if k == 0 else "I-") + span.get_label(label_type).value
    return tags


if __name__ == "__main__":
    main()
