"""Tagged sentences: CoNLL column files, CoNLL-U, token/tag tables, and tag-scheme conversion.

Every reader returns ``TaggedSentences`` (parallel lists of token lists and tag lists, plus the
line each sentence starts on, for messages). Malformed lines are a ``DataError`` naming the
file and the line.

Schemes (tags are ``O`` or ``P-TYPE``):

- ``IOB1`` (CoNLL-2003 as shipped): I-X opens or continues a chunk; B-X only starts a chunk
  right after a chunk of the same type.
- ``BIO`` (= IOB2): every chunk starts with B-X, continues with I-X.
- ``BIOES`` (= IOBES): B-X I-X... E-X for chunks of two or more tokens, S-X for one token.
- ``none``: plain labels (POS), no conversion.

Conversion goes through spans. An invalid tag sequence (I-X after O in BIO, a dangling E-X in
BIOES, a chunk that does not end...) is handled by ``invalid``: ``"repair"`` applies the
conlleval rule (a continuation tag that continues nothing starts a new chunk of its type;
a chunk ends where the next tag does not continue it), ``"error"`` raises a ``DataError``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

from rnnlp.errors import DataError, choice_error

SCHEMES = ("IOB1", "BIO", "BIOES", "none")
_ALIASES = {"IOB2": "BIO", "IOBES": "BIOES", "NONE": "none"}


@dataclass
class TaggedSentences:
    tokens: list = field(default_factory=list)   # list of token lists
    tags: list = field(default_factory=list)     # list of tag lists (same lengths)
    lines: list = field(default_factory=list)    # 1-based line where each sentence starts
    path: str = ""

    def __len__(self) -> int:
        return len(self.tokens)

    def add(self, tokens, tags, line) -> None:
        self.tokens.append(list(tokens))
        self.tags.append(list(tags))
        self.lines.append(line)


# -- readers ---------------------------------------------------------------------------
def _open_text(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    return opener(path, "rt", encoding="utf-8")


def _lines(path: Path):
    """``(lineno, line)`` of a UTF-8 text file; undecodable bytes become a one-line DataError."""
    try:
        with _open_text(path) as f:
            yield from enumerate(f, 1)
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"cannot read {path} as UTF-8 text: {exc}; re-save it as UTF-8") from None


def _local(path, root) -> Path:
    from rnnlp.data.readers import local_file

    return local_file(path, root, "tagged file")


def _column(value, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, str) and not value.lstrip("-").isdigit():
        raise DataError(f"CoNLL columns are numbers (0 = first, -1 = last), got {value!r}")
    return int(value)


def read_conll(path, token_column=0, tag_column=-1, root: str | None = None) -> TaggedSentences:
    """Whitespace-separated columns, one token per line, blank lines between sentences.

    ``-DOCSTART-`` lines are skipped. Every token line must have as many columns as the first.
    """
    local = _local(path, root)
    tok_col, tag_col = _column(token_column, 0), _column(tag_column, -1)
    out, tokens, tags, start, width = TaggedSentences(path=str(local)), [], [], 0, None
    for lineno, line in _lines(local):
        cols = line.split()
        if not cols or cols[0] == "-DOCSTART-":
            if tokens:
                out.add(tokens, tags, start)
            tokens, tags = [], []
            continue
        if width is None:
            width = len(cols)
            for c in (tok_col, tag_col):
                if not -width <= c < width:
                    raise DataError(f"{local}:{lineno}: column {c} does not exist, the line has "
                                    f"{width} columns; check --token-column / --tag-column")
        if len(cols) != width:
            raise DataError(f"{local}:{lineno}: expected {width} columns (as on the first "
                            f"token line), found {len(cols)}")
        if not tokens:
            start = lineno
        tokens.append(cols[tok_col])
        tags.append(cols[tag_col])
    if tokens:
        out.add(tokens, tags, start)
    return out


CONLLU_FIELDS = {"upos": 3, "xpos": 4}


def read_conllu(path, tag_field: str = "upos", root: str | None = None) -> TaggedSentences:
    """CoNLL-U: 10 tab-separated fields; multiword (``n-m``) and empty (``n.m``) lines skipped."""
    if tag_field not in CONLLU_FIELDS:
        raise choice_error("CoNLL-U tag field", tag_field, CONLLU_FIELDS)
    local, col = _local(path, root), CONLLU_FIELDS[tag_field]
    out, tokens, tags, start = TaggedSentences(path=str(local)), [], [], 0
    for lineno, line in _lines(local):
        line = line.rstrip("\n")
        if not line.strip():
            if tokens:
                out.add(tokens, tags, start)
            tokens, tags = [], []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise DataError(f"{local}:{lineno}: expected 10 tab-separated CoNLL-U fields, "
                            f"found {len(cols)}")
        if "-" in cols[0] or "." in cols[0]:
            continue
        if not tokens:
            start = lineno
        tokens.append(cols[1])
        tags.append(cols[col])
    if tokens:
        out.add(tokens, tags, start)
    return out


def read_tagged_table(path, format: str | None = None, token_column=None, tag_column=None,
                      root: str | None = None) -> TaggedSentences:
    """json/jsonl/parquet rows with a token list and a tag list (through ``datasets``)."""
    from rnnlp.data.readers import read_table, require_columns

    tok_name = "tokens" if token_column is None else str(token_column)
    tag_name = "tags" if tag_column is None else str(tag_column)
    ds = read_table(path, format, root)
    require_columns(ds, path, tok_name, tag_name)
    out = TaggedSentences(path=str(path))
    for row, (tokens, tags) in enumerate(zip(ds[tok_name], ds[tag_name]), 1):
        if not isinstance(tokens, list) or not isinstance(tags, list):
            raise DataError(f"{path}: row {row}: '{tok_name}' and '{tag_name}' must be lists")
        if len(tokens) != len(tags):
            raise DataError(f"{path}: row {row}: {len(tokens)} tokens but {len(tags)} tags")
        if tokens:
            out.add([str(t) for t in tokens], [str(t) for t in tags], row)
    return out


def detect_tagged_format(path, format: str | None) -> str:
    if format:
        return format
    name = str(path).lower().removesuffix(".gz")
    if name.endswith(".conllu"):
        return "conllu"
    if name.endswith((".json", ".jsonl", ".parquet")):
        return "json" if ".json" in name else "parquet"
    return "conll"


def read_tagged(path, dcfg) -> TaggedSentences:
    """Read a tagged file as configured by a ``TaggingDataConfig`` (or any object with its fields)."""
    fmt = detect_tagged_format(path, dcfg.format)
    if fmt == "conll":
        data = read_conll(path, dcfg.token_column, dcfg.tag_column, dcfg.root)
    elif fmt == "conllu":
        data = read_conllu(path, dcfg.tag_field, dcfg.root)
    elif fmt in ("json", "parquet"):
        data = read_tagged_table(path, fmt, dcfg.token_column, dcfg.tag_column, dcfg.root)
    else:
        raise choice_error("tagged data format", fmt, ["conll", "conllu", "json", "parquet"])
    if not len(data):
        raise DataError(f"{path}: no sentences found; check --format and the columns")
    return data


# -- schemes ---------------------------------------------------------------------------
def normalize_scheme(scheme: str) -> str:
    name = _ALIASES.get(scheme.upper(), scheme.upper()) if scheme.lower() != "none" else "none"
    if name not in SCHEMES:
        raise choice_error("tagging scheme", scheme, SCHEMES)
    return name


def split_tag(tag: str) -> tuple[str, str]:
    """``"B-PER"`` -> ``("B", "PER")``; ``"O"`` -> ``("O", "")``; raises ValueError otherwise."""
    if tag == "O":
        return "O", ""
    prefix, dash, kind = tag.partition("-")
    if not dash or not kind or prefix not in ("B", "I", "E", "S"):
        raise ValueError(tag)
    return prefix, kind


def to_spans(tags, scheme: str, invalid: str = "repair", where: str = "") -> list[tuple[str, int, int]]:
    """Chunks of one tag sequence as ``(type, start, end)`` with ``end`` exclusive.

    Raises:
        DataError: a tag that is not ``O``/``P-TYPE`` of the scheme, or (``invalid="error"``)
            an invalid sequence.
    """
    scheme = normalize_scheme(scheme)
    prefixes = "BIES" if scheme == "BIOES" else "BI"
    spans, kind, start = [], None, 0
    for i, tag in enumerate(tags):
        prefix, typ = _parse(tag, prefixes, scheme, i, where)
        if _invalid(scheme, prefix, typ, kind) and invalid == "error":
            raise DataError(f"{where}invalid {scheme} sequence: {tag!r} at token {i + 1} follows "
                            f"{tags[i - 1] if i else 'the sentence start'!r}; fix the data or use "
                            "data.invalid=repair")
        continues = prefix in ("I", "E") and kind == typ
        if kind is not None and not continues:  # close the open chunk
            spans.append((kind, start, i))
            kind = None
        if prefix != "O" and not continues:  # conlleval: a stray I-X/E-X opens a chunk too
            kind, start = typ, i
        if prefix in ("E", "S"):
            spans.append((kind, start, i + 1))
            kind = None
    if kind is not None:
        if scheme == "BIOES" and invalid == "error":
            raise DataError(f"{where}invalid BIOES sequence: the chunk at token {start + 1} never ends")
        spans.append((kind, start, len(tags)))
    return spans


def _parse(tag, prefixes, scheme, i, where):
    try:
        prefix, typ = split_tag(tag)
    except ValueError:
        prefix, typ = "?", ""
    if prefix != "O" and prefix not in prefixes:
        raise DataError(f"{where}tag {tag!r} at token {i + 1} is not a {scheme} tag (O or "
                        f"{'/'.join(prefixes)}-TYPE); check data.scheme and the tag column")
    return prefix, typ


def _invalid(scheme, prefix, typ, kind) -> bool:
    """Does ``prefix-typ`` break ``scheme`` after a chunk of type ``kind`` (None: no chunk)?"""
    if scheme == "IOB1":
        return prefix == "B" and kind != typ
    if scheme == "BIO":
        return prefix == "I" and kind != typ
    if prefix in ("I", "E"):
        return kind != typ
    return kind is not None  # O, B or S while a chunk waits for its E


def from_spans(spans, length: int, scheme: str) -> list[str]:
    """The tag sequence of ``length`` tokens holding non-overlapping ``spans`` in ``scheme``."""
    scheme = normalize_scheme(scheme)
    tags = ["O"] * length
    prev_end, prev_kind = -1, None
    for kind, start, end in sorted(spans, key=lambda s: s[1]):
        for i in range(start, end):
            tags[i] = f"I-{kind}"
        if scheme == "BIO":
            tags[start] = f"B-{kind}"
        elif scheme == "IOB1" and prev_end == start and prev_kind == kind:
            tags[start] = f"B-{kind}"
        elif scheme == "BIOES":
            if end - start == 1:
                tags[start] = f"S-{kind}"
            else:
                tags[start], tags[end - 1] = f"B-{kind}", f"E-{kind}"
        prev_end, prev_kind = end, kind
    return tags


def convert(tags, source: str, target: str, invalid: str = "repair", where: str = "") -> list[str]:
    """Tags of one sentence from scheme ``source`` to ``target`` (``none`` on either side: as is)."""
    source, target = normalize_scheme(source), normalize_scheme(target)
    if source == "none" or target == "none":
        return list(tags)
    return from_spans(to_spans(tags, source, invalid, where), len(tags), target)


def convert_all(data: TaggedSentences, source: str, target: str, invalid: str = "repair") -> list:
    """Converted tag lists of every sentence; errors name the file and the sentence's line."""
    return [convert(tags, source, target, invalid, where=f"{data.path}:{line}: ")
            for tags, line in zip(data.tags, data.lines)]


def entities(tokens, tags, scheme: str) -> list[dict]:
    """``[{"type", "start", "end", "text"}]`` of a tagged sentence (invalid tags repaired)."""
    return [{"type": k, "start": s, "end": e, "text": " ".join(tokens[s:e])}
            for k, s, e in to_spans(tags, scheme, "repair")]


__all__ = ["TaggedSentences", "read_conll", "read_conllu", "read_tagged_table", "read_tagged",
           "to_spans", "from_spans", "convert", "convert_all", "entities", "normalize_scheme",
           "SCHEMES"]
