"""Captioning on Flickr8k: the best constant caption, BLEU of a checkpoint, and speed.

    python benchmarks/captioning.py constant                 # best single training caption (dev), its test BLEU
    python benchmarks/captioning.py speed --ckpt RUN/best    # train and caption (beam 3) images/s
    python benchmarks/captioning.py bleu --ckpt RUN/best     # test BLEU-1..4 at beam 1 and 3

The constant-caption search scores every distinct training caption (or ``--sample N`` of
them) on the dev set with an exact re-implementation of sacreBLEU's corpus BLEU-4 for a
constant hypothesis (13a tokens, lowercased, all references): per n-gram g, the clipped
matches over the corpus are Σ_i min(count_h(g), max_ref_count_i(g)), precomputed for counts
1..4, so a candidate costs a few dictionary look-ups. The top candidates are re-scored
with sacrebleu itself. Everything runs on one thread (``torch.set_num_threads(1)``). On a shared machine the wall-clock
rate depends on the other jobs; the rate per second of this process's CPU time does much less.
Each subcommand writes benchmarks/results/captioning_<subcommand>.md.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections import Counter, defaultdict

import numpy as np
from _results import RESULTS, Report

RECIPE = "recipes/captioning/flickr8k_attention.yaml"


def load_cfg():
    from rnnlp.api import make_config
    return make_config("captioning", RECIPE)


def split_refs(cfg, split):
    from rnnlp.data.captions import split_captions
    return {n: [c for c in caps if c.strip()] for n, caps in split_captions(cfg.data, split).items()}


# -- constant caption ------------------------------------------------------------------
def ngrams(tokens, n):
    return Counter(tuple(tokens[i: i + n]) for i in range(len(tokens) - n + 1))


class ConstantBleu:
    """Corpus BLEU-4 of one hypothesis repeated for every image of a reference set."""

    def __init__(self, references: list[list[str]], tokenize):
        self.tokenize, self.count = tokenize, len(references)
        self.clip = [defaultdict(lambda: [0, 0, 0, 0]) for _ in range(4)]  # g -> Σ_i min(c, m_i), c=1..4
        lengths = []
        for refs in references:
            toks = [tokenize(r).split() for r in refs]
            lengths.append([len(t) for t in toks])
            for n in range(1, 5):
                best = Counter()
                for t in toks:
                    best |= ngrams(t, n)
                for g, m in best.items():
                    sums = self.clip[n - 1][g]
                    for c in range(4):
                        sums[c] += min(c + 1, m)
        self.lengths = lengths

    def closest(self, hyp_len: int) -> int:
        # sacrebleu: the reference length closest to the hypothesis length, the shorter on ties
        return sum(min(ls, key=lambda r: (abs(r - hyp_len), r)) for ls in self.lengths)

    def score(self, hyp: str) -> float:
        toks = self.tokenize(hyp).split()
        if len(toks) < 4:
            return 0.0
        logs = 0.0
        for n in range(1, 5):
            hits = sum(self.clip[n - 1][g][min(c, 4) - 1] if g in self.clip[n - 1] else 0
                       for g, c in ngrams(toks, n).items())
            total = self.count * (len(toks) - n + 1)
            if hits == 0:
                return 0.0
            logs += math.log(hits / total) / 4
        c, r = self.count * len(toks), self.closest(len(toks))
        bp = 1.0 if c >= r else math.exp(1 - r / c)
        return 100.0 * bp * math.exp(logs)


def sacre_bleu4(hyps, refs):
    from rnnlp.tasks.captioning import caption_scores
    return caption_scores(hyps, refs)["bleu4"]


def constant(args):
    out = []
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tok13a = Tokenizer13a()
    cfg = load_cfg()
    train, dev, test = (split_refs(cfg, s) for s in ("train", "valid", "test"))
    candidates = sorted({c for caps in train.values() for c in caps})
    searched = "all"
    if args.sample and args.sample < len(candidates):
        rng = np.random.default_rng(0)
        candidates = [candidates[i] for i in rng.choice(len(candidates), args.sample, replace=False)]
        searched = f"a random sample of {args.sample}"
    start = time.perf_counter()
    scorer = ConstantBleu(list(dev.values()), lambda s: tok13a(s.lower()))
    scored = sorted(((scorer.score(c), c) for c in candidates), reverse=True)
    out.append(f"scored {len(candidates)} distinct training captions ({searched}) on {len(dev)} dev images "
               f"in {time.perf_counter() - start:.1f}s")
    dev_refs, test_refs = list(dev.values()), list(test.values())
    for fast, cap in scored[:5]:
        out.append(f"  dev BLEU-4 {fast:6.2f} (sacrebleu {sacre_bleu4([cap] * len(dev_refs), dev_refs):6.2f}) "
                   f"test BLEU-4 {sacre_bleu4([cap] * len(test_refs), test_refs):6.2f}  {cap!r}")
    best = scored[0][1]
    out.append(f"best constant caption {best!r}: test BLEU-4 {sacre_bleu4([best] * len(test_refs), test_refs):.2f}")
    return out


# -- checkpoint ------------------------------------------------------------------------
def bleu(args):
    out = []
    import rnnlp

    model = rnnlp.load(args.ckpt)
    for beam in (1, 3):
        start = time.perf_counter()
        report = model.evaluate(split="test", beam_size=beam)
        out.append(f"beam {beam}: BLEU-1..4 " + " ".join(f"{report[f'bleu{n}']:.2f}" for n in range(1, 5))
                   + f" on {report['count']} test images ({time.perf_counter() - start:.0f}s)")
    return out


def speed(args):
    out = []
    import torch

    import rnnlp
    from rnnlp.tasks.captioning import make_batch, make_loss_fn, random_crop_flip, read_split, open_store

    torch.set_num_threads(1)
    model = rnnlp.load(args.ckpt)
    cfg, p = model.config, model.pipeline
    test = read_split(cfg.data, cfg.image, "test", open_store(cfg.data), args.images)
    # captioning: beam 3, batches of decode.batch_size, from decoded pixels (reading JPEGs excluded)
    for beam in (1, 3):
        start, cpu = time.perf_counter(), time.process_time()
        model._decode(test.images, beam, None, None)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        out.append(f"caption, beam {beam}: {len(test.names) / seconds:7.1f} images/s wall, "
                   f"{len(test.names) / cpu:7.1f} images/s of CPU time ({len(test.names)} images)")
    # training: forward + backward + Adam on batches of train.batch_size images (5 captions each)
    net = model.model.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    loss_fn, rng = make_loss_fn(cfg), np.random.default_rng(0)
    from rnnlp.tasks.captioning import encode_captions
    encode_captions(p, test, cfg.data.max_length)
    b, done, seconds, cpu = cfg.train.batch_size, 0, 0.0, 0.0
    if len(test.names) < b:
        sys.exit(f"captioning.py speed: {len(test.names)} test images is less than one training batch ({b}); "
                 f"raise --images")
    for start in range(0, len(test.names) - b + 1, b):
        pixels = random_crop_flip(test.images[start: start + b], cfg.image.crop, cfg.image.flip, rng)
        batch = make_batch(pixels, test.ids[start: start + b], p.bos_id, p.eos_id)
        t0, c0 = time.perf_counter(), time.process_time()
        loss, _ = loss_fn(net, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seconds, cpu = seconds + time.perf_counter() - t0, cpu + time.process_time() - c0
        done += b
    out.append(f"train: {done / seconds:7.1f} images/s wall, {done / cpu:7.1f} images/s of CPU time "
               f"({done} images, {done * 5} captions, batch {b})")
    return out


def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["constant", "bleu", "speed"])
    parser.add_argument("--ckpt")
    parser.add_argument("--sample", type=int, default=None, help="constant: score only N candidates")
    parser.add_argument("--images", type=int, default=500, help="speed: test images used")
    args = parser.parse_args(argv)
    report = Report(__file__, f"Captioning (Flickr8k): {args.what}", argv)
    os.environ.setdefault("RNNLP_DATA", "../shared/data")
    if args.what != "constant" and not args.ckpt:
        sys.exit("--ckpt is needed")
    out = {"constant": constant, "bleu": bleu, "speed": speed}[args.what](args)
    print(report.write("\n".join(["```", *out, "```"]), RESULTS / f"captioning_{args.what}.md"))


if __name__ == "__main__":
    main(sys.argv[1:])
