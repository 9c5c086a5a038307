"""CRF vs softmax head on the same tagging recipe: training time per epoch, decoding speed, F1.

    python benchmarks/tagging.py --recipe recipes/tagging/conll2003_bilstm_crf.yaml \
        [--crf RUN --softmax RUN --data tagging/conll2003/eng.testb]

Training time: both heads train on the same batches from the same initial weights, in
alternating blocks of ``--block`` steps (the machine is shared, so load drifts; alternating
keeps the comparison fair), and the median block time is scaled to a full epoch.
A third model trains with ``CRF.nll`` (logsumexp recursion) instead of the tagger's matmul
forward algorithm, to show what that change buys. Decoding: sentences/s at batch 64 over the
evaluation file (emissions + Viterbi or argmax), median of ``--repeats`` passes after one warm-up
pass, the heads alternating. The forward algorithm alone (``tagger.log_partition`` against
``CRF.log_partition``, forward + backward, B=32, C=17) is timed the same way. With trained run
folders (--crf / --softmax) it also reports their entity F1 on --data. Writes
benchmarks/results/tagging.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch
from _results import RESULTS, Report, alternating

from rnnlp.api import load, make_config
from rnnlp.data.batching import BucketBatcher
from rnnlp.data.conll import read_tagged
from rnnlp.models.builders import build_tagger
from rnnlp.models.tagger import log_partition
from rnnlp.nn.crf import CRF
from rnnlp.tasks import tagging as T
from rnnlp.training.optim import build_optimizer


def prepare(cfg):
    data = T.read_tagged(cfg.data.train, cfg.data)
    tags = T.model_tags(data, cfg.data, cfg.model.scheme)
    tokens, tags = T.split_long(data.tokens, tags, cfg.data.max_length)
    names, chars = T.tag_set(tags, cfg.model.scheme), T.char_vocab(tokens)
    cfg.model.vectors_vocab = False  # timing only: the vocabulary size does not change the step cost
    pipeline = T.build_word_pipeline(cfg, tokens)
    index = {t: i for i, t in enumerate(names)}
    ex = T.encode(pipeline, T._char_index(chars), tokens, [[index[t] for t in s] for s in tags],
                  cfg.data.max_word_length)
    return ex, pipeline, chars, names


def block_times(models, batches, blocks: int, block: int) -> dict:
    times = {name: [] for name in models}
    for b in range(blocks):
        chunk = batches[b * block: (b + 1) * block]
        names = list(models)
        for name in names[b % len(names):] + names[: b % len(names)]:  # rotate who goes first
            model, optimizer = models[name]
            model.train()
            start = time.perf_counter()
            for batch in chunk:
                emissions = model(batch)
                if name == "crf-lse":  # CRF.nll itself: the B×C×C logsumexp forward algorithm
                    loss = model.crf.nll(emissions, batch.targets, batch.mask).sum() / batch.mask.sum()
                else:
                    loss = model.loss(emissions, batch.targets, batch.mask)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                optimizer.step()
            times[name].append((time.perf_counter() - start) / len(chunk))
    return {name: statistics.median(t) for name, t in times.items()}


LOGZ_REPEATS = 25  # milliseconds each: cheap, and a shared machine needs many for a stable median


def decode_speeds(heads: dict, sentences, cfg, repeats: int) -> dict:
    """Sentences/s per head, by :func:`_results.alternating` (warm-up pass, then passes in turn)."""
    def decode(model, pipe, chars, names):
        return lambda: T.predict_tags(model, pipe, T._char_index(chars), sentences, names, torch.device("cpu"),
                                      cfg.data.max_length, cfg.data.max_word_length, batch_size=64)

    median, _ = alternating({head: decode(*args) for head, args in heads.items()}, repeats)
    return {head: len(sentences) / seconds for head, seconds in median.items()}


def log_partition_rows(repeats: int, batch: int = 32, tags: int = 17) -> list[str]:
    """Forward + backward of log Z: the tagger's matmul recursion against CRF.log_partition."""
    torch.manual_seed(0)
    crf, rows = CRF(tags), []
    for length in (8, 20, 40):
        emissions = torch.randn(batch, length, tags, requires_grad=True)
        mask = torch.ones(batch, length, dtype=torch.bool)
        median, _ = alternating({"matmul": lambda: log_partition(crf, emissions, mask).sum().backward(),
                                 "lse": lambda: crf.log_partition(emissions, mask).sum().backward()}, repeats)
        matmul, lse = median["matmul"], median["lse"]
        diff = (log_partition(crf, emissions, mask) - crf.log_partition(emissions, mask)).abs().max().item()
        rows.append(f"| {batch} x {length} x {tags} | {1e3 * matmul:.2f} | {1e3 * lse:.2f} | {lse / matmul:.2f}x | "
                    f"{diff:.1e} |")
    return rows


def trained_f1(args) -> dict:
    """Entity F1 (strict, seqeval default) of the trained runs given, on --data."""
    out = {}
    for head in ("crf", "softmax"):
        if getattr(args, head):
            report = load(getattr(args, head)).evaluate(args.data)
            out[head] = (report["f1"], report["f1_seqeval_default"])
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--data", default="tagging/conll2003/eng.testb")
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--block", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3, help="decoding passes and log Z timings per side")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--crf", help="trained run folder (head crf)")
    ap.add_argument("--softmax", help="trained run folder (head softmax)")
    args = ap.parse_args(argv)
    report = Report(__file__, "Tagging: CRF vs softmax head", argv)
    torch.set_num_threads(args.threads)
    cfg = make_config("tagging", args.recipe)
    ex, pipeline, chars, names = prepare(cfg)
    batcher = BucketBatcher(ex.lengths, cfg.train.batch_size, seed=0)
    batches = [T.collate_tags(ex, idx) for idx in list(batcher)[: args.blocks * args.block]]
    models = {}
    for name, head in (("crf", "crf"), ("softmax", "softmax"), ("crf-lse", "crf")):
        cfg.model.head = head
        torch.manual_seed(0)
        model = build_tagger(cfg, pipeline.vocab(), len(chars), names, log=lambda m: None)
        models[name] = (model, build_optimizer(cfg.train, model.parameters()))
    epoch = {h: s * len(batcher) for h, s in block_times(models, batches, args.blocks, args.block).items()}
    sentences = read_tagged(args.data, cfg.data).tokens
    speeds = decode_speeds({h: (models[h][0], pipeline, chars, names) for h in ("crf", "softmax")}, sentences, cfg,
                           args.repeats)
    f1 = trained_f1(args)
    body = [f"Recipe `{args.recipe}` ({'untrained weights: speed only' if not f1 else 'speed of untrained copies'}); "
            f"{len(batcher)} steps/epoch at batch {cfg.train.batch_size}; {args.threads} thread(s). Training: median "
            f"of {args.blocks} blocks of {args.block} steps, the three models taking turns (who goes first rotates), "
            f"scaled to an epoch. Decoding: {len(sentences):,} sentences of `{args.data}` at batch 64, median of "
            f"{args.repeats} passes after a warm-up pass.", "",
            "| head | s/epoch | decode sentences/s | test F1 strict | test F1 seqeval default |",
            "|---|---:|---:|---:|---:|"]
    for head in ("crf", "softmax", "crf-lse"):
        strict, default = (f"{x:.4f}" for x in f1[head]) if head in f1 else ("-", "-")
        speed = f"{speeds[head]:,.0f}" if head in speeds else "(training only: loss by `CRF.nll`)"
        body.append(f"| {head} | {epoch[head]:.1f} | {speed} | {strict} | {default} |")
    body += ["", f"- CRF / softmax training time per epoch: **{epoch['crf'] / epoch['softmax']:.2f}x** (goal <= 1.5x); "
             f"with the loss by `CRF.nll`: {epoch['crf-lse'] / epoch['softmax']:.2f}x",
             f"- decoding speed softmax / CRF: {speeds['softmax'] / speeds['crf']:.2f}x", "",
             f"The forward algorithm alone, forward + backward (median of {LOGZ_REPEATS} calls each after a warm-up "
             "call, the two alternating):", "",
             "| B x T x C | `tagger.log_partition` ms | `CRF.log_partition` ms | ratio | max \\|d log Z\\| |",
             "|---|---:|---:|---:|---:|", *log_partition_rows(LOGZ_REPEATS)]
    print(report.write("\n".join(body), RESULTS / "tagging.md"))


if __name__ == "__main__":
    main(sys.argv[1:])
