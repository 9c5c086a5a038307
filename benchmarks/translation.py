"""Translation quality and decoding speed of one checkpoint, side by side.

    python benchmarks/translation.py CKPT --source test.de --target test.en [--speed-sentences 200]

Prints, for the same model: greedy vs beam search (BLEU, chrF, sentences/s over the whole test
set, batched), and beam search batched at --batch-size vs one sentence at a time (sentences/s on
the first --speed-sentences sentences, same beam), with the ratios. Every timed setting gets
one warm-up call on a few sentences, then --repeats timed calls, the settings alternating; the
figure is the median. Threads: --threads (1 by default, as on a shared machine). Writes
benchmarks/results/translation.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch
from _results import RESULTS, Report

import rnnlp
from rnnlp.data.parallel import read_parallel_files
from rnnlp.tasks.translation import corpus_scores


def side_by_side(model, sources, settings: dict, repeats: int) -> tuple[dict, dict]:
    """(outputs, sentences/s) per setting: a warm-up call each on 8 sentences, then ``repeats``
    timed calls over ``sources``, the settings alternating; medians."""
    for kwargs in settings.values():
        model.translate(sources[:8], **kwargs)
    times, outputs = {name: [] for name in settings}, {}
    for _ in range(repeats):
        for name, kwargs in settings.items():
            start = time.perf_counter()
            outputs[name] = model.translate(sources, **kwargs)
            times[name].append(time.perf_counter() - start)
    return outputs, {name: len(sources) / statistics.median(t) for name, t in times.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--length-penalty", type=float, default=0.6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--speed-sentences", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    report = Report(__file__, "Translation: decoding quality and speed of one checkpoint", argv)
    torch.set_num_threads(args.threads)
    model = rnnlp.load(args.checkpoint)
    sources, refs = read_parallel_files(args.source, args.target)
    beam = f"beam {args.beam_size}"
    common = dict(length_penalty=args.length_penalty, batch_size=args.batch_size)
    hyps, rates = side_by_side(model, sources, {"greedy": dict(beam_size=1, **common),
                                                beam: dict(beam_size=args.beam_size, **common)}, args.repeats)
    scores = {name: corpus_scores(h, refs) for name, h in hyps.items()}
    subset = sources[: args.speed_sentences]
    out, speed = side_by_side(model, subset, {
        "batched": dict(beam_size=args.beam_size, length_penalty=args.length_penalty, batch_size=args.batch_size),
        "single": dict(beam_size=args.beam_size, length_penalty=args.length_penalty, batch_size=1)}, args.repeats)
    same = sum(a == b for a, b in zip(out["batched"], out["single"]))
    body = [f"Checkpoint `{args.checkpoint}`; {len(sources):,} test sentences, batch {args.batch_size}, "
            f"{args.threads} thread(s); BLEU {scores['greedy']['bleu_signature']}. Speeds: median of "
            f"{args.repeats} calls per setting after a warm-up call, the settings alternating.", "",
            "| decoding | BLEU (cased) | BLEU (lowercased) | chrF | sentences/s |", "|---|---:|---:|---:|---:|",
            *(f"| {n} | {scores[n]['bleu']:.2f} | {scores[n]['bleu_lowercase']:.2f} | {scores[n]['chrf']:.2f} "
              f"| {rates[n]:.1f} |" for n in scores), "",
            f"{beam} on the first {len(subset)} sentences: batch {args.batch_size} {speed['batched']:.1f} sentences/s, "
            f"one at a time {speed['single']:.1f} sentences/s, speed-up **{speed['batched'] / speed['single']:.2f}x**; "
            f"identical outputs {same}/{len(subset)}"]
    print(report.write("\n".join(body), RESULTS / "translation.md"))


if __name__ == "__main__":
    main(sys.argv[1:])
