"""Build a TextPipeline JSON from a text column: ``python -m rnnlp.data.build_pipeline DATA OUT``."""

from __future__ import annotations

import argparse

from rnnlp.data.readers import read_table
from rnnlp.text.pipeline import TextPipeline


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", help="csv/tsv/json/parquet file (relative paths also under $RNNLP_DATA)")
    parser.add_argument("output", help="pipeline JSON to write")
    parser.add_argument("--column", default="sentence")
    parser.add_argument("--level", default="word", choices=["word", "char", "bpe"])
    parser.add_argument("--no-lowercase", action="store_true")
    parser.add_argument("--min-freq", type=int, default=1)
    parser.add_argument("--max-size", type=int)
    parser.add_argument("--vocab-size", type=int, default=8000)
    args = parser.parse_args(argv)
    texts = [t for t in read_table(args.data)[args.column] if isinstance(t, str)]
    pipeline = TextPipeline.build(texts, args.level, lowercase=not args.no_lowercase, min_freq=args.min_freq,
                                  max_size=args.max_size, vocab_size=args.vocab_size)
    pipeline.save(args.output)
    print(f"{args.output}: {pipeline.vocab_size} tokens")


if __name__ == "__main__":
    main()
