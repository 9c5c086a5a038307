"""Translation quality and decoding speed of one checkpoint, side by side.

    python benchmarks/translation.py CKPT --source test.de --target test.en [--speed-sentences 200]

Prints, for the same model: greedy vs beam search (BLEU, chrF, sentences/s over the whole test
set, batched), and beam search batched at --batch-size vs one sentence at a time (sentences/s on
the first --speed-sentences sentences, same beam), with the ratios. Threads: --threads (1 by
default, as on a shared machine).
"""

from __future__ import annotations

import argparse
import time

import torch

import rnnlp
from rnnlp.data.parallel import read_parallel_files
from rnnlp.tasks.translation import corpus_scores


def timed(model, sources, **kwargs):
    start = time.perf_counter()
    hyps = model.translate(sources, **kwargs)
    return hyps, len(sources) / (time.perf_counter() - start)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--length-penalty", type=float, default=0.6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--speed-sentences", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = rnnlp.load(args.checkpoint)
    sources, refs = read_parallel_files(args.source, args.target)
    lc = model.config.text.target.lowercase
    rows = []
    for name, beam in (("greedy", 1), (f"beam {args.beam_size}", args.beam_size)):
        hyps, rate = timed(model, sources, beam_size=beam, length_penalty=args.length_penalty,
                           batch_size=args.batch_size)
        scores = corpus_scores(hyps, refs, lc)
        rows.append((name, scores["bleu"], scores["chrf"], rate))
        signature = scores["bleu_signature"]
    print(f"{len(sources)} sentences, batch {args.batch_size}, {args.threads} thread(s); {signature}")
    print(f"{'decoding':<10} {'BLEU':>6} {'chrF':>6} {'sent/s':>8}")
    for name, bleu, chrf, rate in rows:
        print(f"{name:<10} {bleu:6.2f} {chrf:6.2f} {rate:8.1f}")
    print(f"beam/greedy: BLEU {rows[1][1] - rows[0][1]:+.2f}, speed x{rows[1][3] / rows[0][3]:.2f}")

    subset = sources[: args.speed_sentences]
    batched, fast = timed(model, subset, beam_size=args.beam_size, batch_size=args.batch_size)
    single, slow = timed(model, subset, beam_size=args.beam_size, batch_size=1)
    same = sum(a == b for a, b in zip(batched, single))
    print(f"beam {args.beam_size} on {len(subset)} sentences: batch {args.batch_size} {fast:.1f} sent/s, "
          f"one at a time {slow:.1f} sent/s, speed-up x{fast / slow:.1f}; identical outputs {same}/{len(subset)}")


if __name__ == "__main__":
    main()
