"""Pretrained word vectors: detect a file's format, load it with gensim, save it, and turn it
into an embedding matrix for a vocabulary.

Formats (``detect_format`` tells them apart from the first bytes, ``.gz`` included):

* ``"glove"``: text, one ``word v1 ... vD`` row per line, no header (Stanford GloVe).
* ``"word2vec"``: the same rows under a ``"count dim"`` header line (word2vec/fastText ``.vec``).
* ``"word2vec_binary"``: the ``"count dim"`` header, then ``word<space>`` + D float32 per word.
* ``"kv"``: gensim's native ``KeyedVectors.save`` file. It is a pickle, and unpickling runs
  code from the file, so it loads only with ``allow_pickle=True`` (CLI ``--trust-pickle``).

rnnlp writes vectors as word2vec binary (``.bin``) or word2vec text (``.txt``/``.vec``),
chosen by the extension (optionally followed by ``.gz``); see ``save_vectors``.
gensim and numpy are imported inside the functions that need them: importing this module is free.
"""

from __future__ import annotations

import gzip
import os
import tempfile

from rnnlp.errors import VectorsError, choice_error

FORMATS = ("glove", "word2vec", "word2vec_binary", "kv")
_PICKLE_MAGIC = b"\x80"  # pickle protocol >= 2 opcode; gensim saves with protocol 4
_SAVE_EXTENSIONS = {".bin": "word2vec_binary", ".txt": "word2vec", ".vec": "word2vec"}


def _open_binary(path):
    return gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb")


def _check_file(path) -> None:
    if not os.path.exists(path):
        raise VectorsError(f"vectors file {path} does not exist; check the path")
    if os.path.isdir(path):
        raise VectorsError(f"vectors path {path} is a folder; pass the vectors file inside it")


def _floats(tokens) -> bool:
    try:
        [float(t) for t in tokens]
    except ValueError:
        return False
    return True


def _is_header(tokens) -> bool:
    return len(tokens) == 2 and all(t.isdigit() for t in tokens)


def detect_format(path) -> str:
    """The format of the vectors file at ``path``: one of ``FORMATS``.

    A first line of two integers is a word2vec header; the next record tells text (a line of
    ``word`` + ``dim`` floats) from binary. A first line of a word and floats is GloVe.

    Raises:
        VectorsError: the file is missing, empty or in none of these formats.
    """
    _check_file(path)
    try:
        with _open_binary(path) as f:
            # Bounded: binary records have no newlines to stop readline.
            first, second = f.readline(1 << 16), f.readline(1 << 16)
    except (OSError, EOFError) as e:  # e.g. a .gz file that is not gzip
        raise VectorsError(f"cannot read vectors file {path}: {e}; is it damaged?") from None
    if not first.strip():
        raise VectorsError(f"vectors file {path} is empty; pass a file with one vector per line")
    if first.startswith(_PICKLE_MAGIC):
        return "kv"
    head = first.decode("utf-8", errors="replace").split()
    if _is_header(head):
        return "word2vec" if _is_text_row(second) else "word2vec_binary"
    if len(head) >= 2 and _floats(head[1:]):
        return "glove"
    raise VectorsError(
        f"cannot tell the format of vectors file {path}: line 1 is neither a 'count dim' header "
        f"nor a 'word v1 ... vD' row; pass a GloVe or word2vec (text/binary) file"
    )


def _is_text_row(line: bytes) -> bool:
    # Not checking the count against the header's dim: a short first row is then reported
    # as a bad row of a text file rather than misread as binary.
    try:
        tokens = line.decode("utf-8").rstrip().split(" ")
    except UnicodeDecodeError:  # raw float32 bytes are rarely valid UTF-8 numbers
        return False
    return len(tokens) >= 2 and _floats(tokens[1:])


def load_vectors(path, format: str = "auto", limit: int | None = None, allow_pickle: bool = False):
    """Load word vectors from a local file into a ``gensim.models.KeyedVectors``.

    Args:
        path: the file (``.gz`` is decompressed on the fly).
        format: ``"auto"`` or one of ``FORMATS``; an explicit format must agree with
            ``detect_format`` (reading binary as text, or back, would give garbage vectors).
        limit: read only the first ``limit`` vectors (files list frequent words first).
        allow_pickle: allow gensim's native pickle format (``"kv"``); only for trusted files.

    Raises:
        VectorsError: missing or empty file; a ``"kv"`` file without ``allow_pickle``; a row
            whose number of values differs from the first (the message names the line);
            a file not in the given ``format``.
        ConfigError: an unknown ``format``.
    """
    if format != "auto" and format not in FORMATS:
        raise choice_error("vectors format", format, ("auto",) + FORMATS)
    fmt = detect_format(path)
    if format not in ("auto", fmt):
        raise VectorsError(f"vectors file {path} looks like {fmt}, not {format}; "
                           f"pass format='auto' (CLI: --from auto) or the right format")
    if fmt == "kv":
        kv = _load_pickled(path, allow_pickle)
    else:
        kv = _load_word2vec_format(path, fmt, limit)
    if len(kv) == 0:
        raise VectorsError(f"vectors file {path} holds no vectors; pass a non-empty file")
    _require_finite(kv, path)
    return kv


def _require_finite(kv, path) -> None:
    """A vector holding NaN or infinity would make every model that uses it NaN: refuse it by row."""
    import numpy as np

    finite = np.isfinite(kv.vectors).all(axis=1)
    if not finite.all():
        row = int(np.argmin(finite))
        raise VectorsError(f"vectors file {path}: the vector of {kv.index_to_key[row]!r} (row {row + 1}) holds "
                           f"non-finite values (NaN or infinity), and {int((~finite).sum())} row(s) in all; "
                           "fix or drop those rows")


def _load_pickled(path, allow_pickle: bool):
    if not allow_pickle:
        raise VectorsError(
            f"{path} is in gensim's native format, a pickle that can run code when loaded; "
            f"re-save it with kv.save_word2vec_format(path, binary=True) and load that, or pass "
            f"allow_pickle=True (CLI --trust-pickle) if you trust the file"
        )
    from gensim.models import KeyedVectors

    try:
        loaded = KeyedVectors.load(str(path))
    except Exception as e:  # unpickling can fail in many ways; all mean a bad file
        raise VectorsError(f"cannot load gensim file {path}: {e}") from None
    return getattr(loaded, "wv", loaded)  # a saved Word2Vec/FastText model carries its .wv


def _load_word2vec_format(path, fmt: str, limit: int | None):
    from gensim.models import KeyedVectors

    try:
        return KeyedVectors.load_word2vec_format(
            str(path), binary=fmt == "word2vec_binary", no_header=fmt == "glove", limit=limit
        )
    except (ValueError, EOFError, UnicodeDecodeError, IndexError) as e:
        # gensim's messages ("could not broadcast ...") name neither file nor line: find them.
        if fmt == "word2vec_binary":
            raise VectorsError(
                f"word2vec binary file {path} is truncated or damaged ({e}); re-export it"
            ) from None
        raise VectorsError(_text_problem(path, fmt == "word2vec", limit) or
                           f"cannot read vectors file {path} as {fmt}: {e}") from None


def _text_problem(path, has_header: bool, limit: int | None) -> str | None:
    """The first malformed row of a text vectors file, as a message, or None."""
    with _open_binary(path) as f:
        lines = enumerate(f, start=1)
        # detect_format has checked the header: two integers.
        count, dim = map(int, next(lines)[1].split()) if has_header else (None, None)
        rows = 0
        for line_no, line in lines:
            if limit is not None and rows == limit:
                return None
            problem = _row_problem(line, dim)
            if problem:
                return f"vectors file {path}, line {line_no}: {problem}; fix or drop that row"
            dim = dim if dim is not None else len(line.rstrip().split(b" ")) - 1
            rows += 1
    if has_header and rows < count:
        return (f"vectors file {path} has {rows} rows but its header says {count}; "
                f"fix the header's first number")
    return None


def _row_problem(line: bytes, dim: int | None) -> str | None:
    try:
        tokens = line.decode("utf-8").rstrip().split(" ")
    except UnicodeDecodeError:
        return "not valid UTF-8"
    if len(tokens) < 2:
        return "no values after the word (a blank or one-token line)"
    if dim is not None and len(tokens) - 1 != dim:
        return f"{len(tokens) - 1} values where earlier rows have {dim}"
    if not _floats(tokens[1:]):
        return "a value is not a number (are fields separated by single spaces?)"
    return None


def save_vectors(kv, path, format: str | None = None, allow_pickle: bool = False) -> None:
    """Write ``kv`` to ``path`` atomically (a temp file in the same folder, then ``os.replace``).

    Args:
        format: one of ``FORMATS``; None chooses by extension: ``.bin`` word2vec binary,
            ``.txt``/``.vec`` word2vec text, each optionally followed by ``.gz``.
        allow_pickle: needed for ``"kv"`` (gensim's pickle format), which rnnlp then refuses
            to read back unless told to trust it.

    Raises:
        VectorsError: no format given and the extension is none of the above.
    """
    fmt = format or _format_from_extension(path)
    if fmt not in FORMATS:
        raise choice_error("vectors format", fmt, FORMATS)
    if fmt == "kv" and not allow_pickle:
        raise VectorsError(
            f"writing {path} as 'kv' makes a pickle file; use .bin or .txt, or allow_pickle=True"
        )
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(path)
    # Keep the full extension on the temp name: gensim picks compression (.gz) by extension.
    suffix = name[name.find("."):] if "." in name else ""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        _write(kv, tmp, fmt)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp files are 0600; give the file the usual mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _format_from_extension(path) -> str:
    stem = str(path)[:-3] if str(path).endswith(".gz") else str(path)
    ext = os.path.splitext(stem)[1].lower()
    if ext not in _SAVE_EXTENSIONS:
        raise VectorsError(
            f"cannot choose a vectors format for {path} from its extension {ext or '(none)'}; "
            f"name it .bin (word2vec binary) or .txt (word2vec text)"
        )
    return _SAVE_EXTENSIONS[ext]


def _write(kv, path: str, fmt: str) -> None:
    if fmt == "kv":
        kv.save(path, separately=[])  # one file: no .npy side files to move atomically
    else:
        kv.save_word2vec_format(
            path, binary=fmt == "word2vec_binary", write_header=fmt != "glove"
        )


def vectors_matrix(kv, vocab: list[str], *, oov: str = "random", lowercase_fallback: bool = True,
                   specials=("<pad>",), seed: int = 0, compose: bool = False):
    """An embedding matrix whose row i is the vector of ``vocab[i]``.

    A word missing from ``kv`` is tried lowercased (``lowercase_fallback``). Rows of words
    still missing ("OOV") are drawn from N(0, s²), s the std of all found values (``oov=
    "random"``, seeded by ``seed``), or are zero (``oov="zero"``). Tokens in ``specials`` are
    not looked up: their rows are zero (a zero ``<pad>`` row is what ``padding_idx`` expects).
    With ``compose``, a missing compound such as ``well-made`` or ``and/or`` gets the mean of the
    vectors of its parts that are found (counted in ``coverage["composed"]``).

    Returns:
        (matrix, coverage): float32 array V×D, and ``{"found": n, "total": m, "rate": n/m}``
        where ``total`` counts the vocab entries that are not specials.

    Raises:
        ConfigError: an unknown ``oov``.
    """
    import numpy as np

    if oov not in ("random", "zero"):
        raise choice_error("oov init", oov, ("random", "zero"))
    rows = _lookup_rows(kv.key_to_index, vocab, lowercase_fallback, set(specials))
    is_special = np.array([w in specials for w in vocab], dtype=bool)
    found = rows >= 0
    matrix = np.zeros((len(vocab), kv.vector_size), dtype=np.float32)
    matrix[found] = kv.vectors[rows[found]]  # one gather: no per-word Python loop over kv
    missing = ~found & ~is_special
    if oov == "random" and missing.any():
        std = float(matrix[found].std()) if found.any() else float(kv.vectors.std())
        rng = np.random.default_rng(seed)
        matrix[missing] = rng.normal(0.0, std, (int(missing.sum()), kv.vector_size))
    total = int((~is_special).sum())
    n_found = int(found.sum())
    coverage = {"found": n_found, "total": total, "rate": n_found / total if total else 0.0}
    if compose:
        coverage["composed"] = _compose(kv, vocab, matrix, missing)
    return matrix, coverage


def _compose(kv, vocab, matrix, missing) -> int:
    """Fill missing compound words (``a-b``, ``a/b``) with the mean of their found parts."""
    import re

    import numpy as np

    count = 0
    for i in np.flatnonzero(missing):
        parts = [p for p in re.split(r"[-/]", vocab[i].lower()) if p in kv.key_to_index]
        if parts and ("-" in vocab[i] or "/" in vocab[i]):
            matrix[i] = np.mean([kv[p] for p in parts], axis=0)
            count += 1
    return count


def _lookup_rows(key_to_index: dict, vocab, lowercase_fallback: bool, specials: set):
    """Row of each vocab word in kv (-1 when missing or a special)."""
    import numpy as np

    def row(word):
        if word in specials:
            return -1
        index = key_to_index.get(word)
        if index is None and lowercase_fallback:
            index = key_to_index.get(word.lower())
        return -1 if index is None else index

    return np.fromiter((row(w) for w in vocab), dtype=np.int64, count=len(vocab))
