"""rnnlp's data files -> each peer's input format, written once into the cache folder.

Every converter reads the same files rnnlp's recipe reads, with rnnlp's own readers, and
writes what the peer reads; each has a reader back (``read_*``), so the tests round-trip a
small sample through every format. ``cached(folder, fn, ...)`` writes a conversion once and
reuses it (a ``done.json`` stamp names the source files, their sizes and the converter).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

# -- generic ---------------------------------------------------------------------------


def text_lines(path: Path) -> list[str]:
    """The lines of a text file, gzipped or not, without their newline."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def cached(folder: Path, convert, sources: dict, **kwargs) -> Path:
    """``convert(folder, **sources, **kwargs)`` once; later calls with the same sources reuse it."""
    stamp = folder / "done.json"
    want = {"converter": convert.__name__, "kwargs": {k: str(v) for k, v in kwargs.items()},
            "sources": {k: [str(v), Path(v).stat().st_size] for k, v in sources.items()}}
    if stamp.is_file() and json.loads(stamp.read_text()) == want:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    convert(folder, **sources, **kwargs)
    stamp.write_text(json.dumps(want, indent=1))
    return folder


# -- tagging: CoNLL column files (flair's ColumnCorpus), IOB1 -> BIO --------------------
def conll_to_columns(folder: Path, train: Path, dev: Path, test: Path, scheme: str = "IOB1") -> None:
    """train/dev/test.txt with ``token TAB tag`` lines (BIO: flair reads chunks from B-/I-)."""
    from rnnlp.data.conll import convert, read_conll

    for name, path in (("train", train), ("dev", dev), ("test", test)):
        data = read_conll(path, 0, 3)
        tags = [convert(t, scheme, "BIO") for t in data.tags]
        write_columns(folder / f"{name}.txt", data.tokens, tags)


def write_columns(path: Path, tokens: list, *columns: list) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i, sentence in enumerate(tokens):
            for j, token in enumerate(sentence):
                f.write("\t".join([token, *(col[i][j] for col in columns)]) + "\n")
            f.write("\n")


def read_columns(path: Path) -> list[list[list[str]]]:
    """Sentences as lists of rows (token, tag, ...) of a column file."""
    out, rows = [], []
    for line in text_lines(Path(path)):
        if not line.strip():
            if rows:
                out.append(rows)
            rows = []
        else:
            rows.append(line.split("\t"))
    return out + ([rows] if rows else [])


# -- classification: FastText format (flair's ClassificationCorpus) ----------------------
def tsv_to_fasttext(folder: Path, train: Path, dev: Path, text_column: str = "sentence",
                    label_column: str = "label") -> None:
    """train.txt / dev.txt: ``__label__<label> <sentence>`` per line, in file order."""
    for name, path in (("train", train), ("dev", dev)):
        rows = read_tsv(path, text_column, label_column)
        with open(folder / f"{name}.txt", "w", encoding="utf-8") as f:
            f.writelines(f"__label__{label} {text}\n" for text, label in rows)


def read_tsv(path: Path, text_column: str, label_column: str) -> list[tuple[str, str]]:
    lines = text_lines(Path(path))
    header = lines[0].split("\t")
    t, l = header.index(text_column), header.index(label_column)
    return [(cols[t].strip(), cols[l].strip()) for cols in (line.split("\t") for line in lines[1:] if line)]


def read_fasttext(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in text_lines(Path(path)):
        label, _, text = line.partition(" ")
        out.append((text, label.removeprefix("__label__")))
    return out


# -- language modelling: word_language_model's data folder --------------------------------
def lm_folder(folder: Path, train: Path, valid: Path, test: Path) -> None:
    """train.txt / valid.txt / test.txt, decompressed, bytes unchanged (its data.Corpus reads them)."""
    for name, path in (("train", train), ("valid", valid), ("test", test)):
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rb") as src:
            (folder / f"{name}.txt").write_bytes(src.read())


# -- translation: OpenNMT's src/tgt text, reversibly tokenized -----------------------------
JOINER = "\uffed"  # pyonmttok's joiner mark: this token was glued to its neighbour
_PIECES = re.compile(r"\w+|[^\w\s]")


def tokenize(line: str) -> str:
    """Words and punctuation split apart; a piece glued to the one before it carries a leading
    joiner, so ``detokenize`` gives the line back exactly (whitespace runs become one space)."""
    out = []
    for word in line.split():
        pieces = _PIECES.findall(word)
        out += [pieces[0]] + [JOINER + p for p in pieces[1:]]
    return " ".join(out)


def detokenize(line: str) -> str:
    return line.replace(" " + JOINER, "").replace(JOINER, "")


def parallel_to_onmt(folder: Path, src_train: Path, tgt_train: Path, src_valid: Path, tgt_valid: Path,
                     src_test: Path) -> None:
    """src-train.txt, tgt-train.txt, src-val.txt, tgt-val.txt, src-test.txt (tokenized)."""
    for name, path in (("src-train", src_train), ("tgt-train", tgt_train), ("src-val", src_valid),
                       ("tgt-val", tgt_valid), ("src-test", src_test)):
        with open(folder / f"{name}.txt", "w", encoding="utf-8") as f:
            f.writelines(tokenize(line) + "\n" for line in text_lines(Path(path)))


# -- recommendation: RecBole's atomic .inter file, GRU4Rec's session TSV -------------------
def read_sequences(path: Path) -> list[tuple[str, list[str]]]:
    """(user, items in time order) per line of a ``user item item ...`` file."""
    out = []
    for line in text_lines(Path(path)):
        if line.strip():
            user, *items = line.split()
            out.append((user, items))
    return out


def sequences_to_recbole(folder: Path, train: Path, name: str = "beauty") -> None:
    """<name>/<name>.inter: ``user_id:token item_id:token timestamp:float``; the timestamp is
    the position in the user's sequence, so RecBole's time order is the file's order."""
    (folder / name).mkdir(exist_ok=True)
    with open(folder / name / f"{name}.inter", "w", encoding="utf-8") as f:
        f.write("user_id:token\titem_id:token\ttimestamp:float\n")
        for user, items in read_sequences(train):
            f.writelines(f"{user}\t{item}\t{t}\n" for t, item in enumerate(items))


def read_recbole(path: Path) -> list[tuple[str, list[str]]]:
    users: dict = {}
    for line in text_lines(Path(path))[1:]:
        user, item, t = line.split("\t")
        users.setdefault(user, []).append((float(t), item))
    return [(u, [i for _, i in sorted(rows)]) for u, rows in users.items()]


def sequences_to_sessions(folder: Path, train: Path) -> None:
    """GRU4Rec's TSV (SessionId, ItemId, Time): train.tsv holds each user's items but the last
    two (leave-one-out, as rnnlp trains), full.tsv everything (histories for scoring)."""
    seqs = read_sequences(train)
    for name, cut in (("train", 2), ("full", 0)):
        with open(folder / f"{name}.tsv", "w", encoding="utf-8") as f:
            f.write("SessionId\tItemId\tTime\n")
            for user, items in seqs:
                kept = items[:-cut] if cut and len(items) >= 3 else items
                f.writelines(f"{user}\t{item}\t{t}\n" for t, item in enumerate(kept))


# -- series: aeon's arrays ------------------------------------------------------------------
def ucr_to_npz(folder: Path, train: Path, test: Path) -> None:
    """train.npz / test.npz with X (N x 1 x T, aeon's layout) and y (int labels)."""
    import numpy as np

    for name, path in (("train", train), ("test", test)):
        data = np.loadtxt(path, delimiter="\t", ndmin=2)
        np.savez(folder / f"{name}.npz", X=data[:, None, 1:], y=data[:, 0].astype(int))
