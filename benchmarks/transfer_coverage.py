"""How well an LM run's vocabulary covers a task's text (issue 19): the share of the task's
tokens that the LM reads as ``<unk>``, and the most frequent of them.

    RNNLP_DATA=../shared/data python benchmarks/transfer_coverage.py RUN [RUN ...] [--table TABLE.tsv[.gz] --column sentence]

A word LM's tokenizer splits the task's text its own way: WikiText-2 writes "doesn 't" where
SST-2 writes "does n't", so the LM never saw "n't", the negation sentiment depends on. With
``encoder.init_vocab=lm`` (recipes/sentiment/sst2_ulmfit.yaml) every such token is ``<unk>``
for the classifier too; with ``encoder.init_vocab=task`` the task's own words are kept and the
LM's rows are copied where the LM has the word. A run continued with ``model.init_vocab=extend``
(recipes/lm/sst2_text_extended.yaml) reads the task's spellings as WikiText's and holds its
words: give both runs to compare them. Writes benchmarks/results/transfer_coverage.md.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import sys
from collections import Counter
from pathlib import Path

from _results import RESULTS, Report

import rnnlp


def read_column(path: Path, column: str) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def coverage(pipeline, texts: list[str]) -> tuple[int, int, Counter]:
    """(tokens, unknown tokens, Counter of the unknown words) of ``texts`` under a word pipeline."""
    tokens, missing = pipeline.unknown_words(texts)
    return tokens, sum(missing.values()), missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", metavar="RUN")
    parser.add_argument("--table", default="sentiment/sst2/train.tsv.gz")
    parser.add_argument("--column", default="sentence")
    args = parser.parse_args(argv)
    path = Path(args.table)
    if not path.is_absolute() and not path.exists():
        path = Path(os.environ.get("RNNLP_DATA", "../shared/data")) / path
    if not path.is_file():
        print(f"error: {path} not found; give the task's table or set RNNLP_DATA", file=sys.stderr)
        return 2
    texts = read_column(path, args.column)
    report = Report(__file__, "LM vocabulary coverage of a task's text (issue 19)", argv)
    parts = [f"Text: `{args.table}` column `{args.column}`.\n"]
    for run in args.runs:
        tokens, unknown, missing = coverage(rnnlp.load(run).pipeline, texts)
        top = ", ".join(f"\"{w}\" {n:,}" for w, n in missing.most_common(15))
        parts.append(f"LM run `{run}`: {tokens:,} tokens, {unknown:,} of them `<unk>` to the LM "
                     f"(**{unknown / max(tokens, 1):.2%}**). Most frequent unknown words: {top or 'none'}\n")
    body = "\n".join(parts)
    print(report.write(body, RESULTS / "transfer_coverage.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
