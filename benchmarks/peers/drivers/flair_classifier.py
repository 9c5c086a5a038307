"""flair TextClassifier over DocumentRNNEmbeddings (the shared GloVe 50d as gensim vectors) on the
converted SST-2; dev labels at each point. Configuration: flair's text-classification tutorial
("Train a text classifier", DocumentRNNEmbeddings variant): hidden 256, GRU, learning rate 0.1,
mini-batch 32, up to 150 epochs (the budget stops it).

    python drivers/flair_classifier.py --data CACHE --vectors GLOVE --out LOG --seed 0
"""

from __future__ import annotations

from pathlib import Path

from _clock import Marks
from _flair import arguments, gensim_vectors, points_plugin


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    import flair
    from flair.datasets import ClassificationCorpus
    from flair.embeddings import DocumentRNNEmbeddings, WordEmbeddings
    from flair.models import TextClassifier
    from flair.trainers import ModelTrainer

    flair.set_seed(args.seed)
    flair.device = "cpu"
    data = Path(args.data)
    corpus = ClassificationCorpus(data, train_file="train.txt", dev_file="dev.txt", label_type="sentiment",
                                  sample_missing_splits=False)  # no test split: GLUE's is unlabelled
    labels = corpus.make_label_dictionary(label_type="sentiment", add_unk=False)
    document = DocumentRNNEmbeddings([WordEmbeddings(str(gensim_vectors(args.vectors, data)))], hidden_size=256)
    classifier = TextClassifier(document, label_dictionary=labels, label_type="sentiment")
    dev = list(corpus.dev)

    def write(folder: Path) -> dict:
        classifier.predict(dev, mini_batch_size=32, label_name="predicted")
        (folder / "pred.txt").write_text("".join(s.get_label("predicted").value + "\n" for s in dev))
        own = classifier.evaluate(dev, gold_label_type="sentiment", mini_batch_size=32)
        return {"main_score": own.main_score, "name": "flair micro-F1 = accuracy (its own evaluate)"}

    marks = Marks(args.out)
    trainer = ModelTrainer(classifier, corpus)
    trainer.train(str(Path(args.out) / "flair"), learning_rate=0.1, mini_batch_size=32,
                  max_epochs=args.max_epochs, plugins=[points_plugin(marks, write)], save_final_model=False,
                  create_file_logs=False)


if __name__ == "__main__":
    main()
