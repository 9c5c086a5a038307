"""CRF vs softmax head on the same tagging recipe: training time per epoch, decoding speed, F1.

    python benchmarks/tagging.py --recipe recipes/tagging/conll2003_bilstm_crf.yaml \
        [--crf RUN --softmax RUN --data tagging/conll2003/eng.testb]

Training time: both heads train on the same batches from the same initial weights, in
alternating blocks of ``--block`` steps (the machine is shared, so load drifts; alternating
keeps the comparison fair), and the median block time is scaled to a full epoch.
A third model trains with ``CRF.nll`` (logsumexp recursion) instead of the tagger's matmul
forward algorithm, to show what that change buys. Decoding: sentences/s at batch 64 over the evaluation file (emissions + Viterbi or argmax).
With trained run folders (--crf / --softmax) it also prints their entity F1 on --data.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from rnnlp.api import load, make_config
from rnnlp.data.batching import BucketBatcher
from rnnlp.data.conll import read_tagged
from rnnlp.models.builders import build_tagger
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


def decode_speed(model, pipeline, chars, names, sentences, cfg, repeats: int = 2) -> float:
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        T.predict_tags(model, pipeline, T._char_index(chars), sentences, names, torch.device("cpu"),
                       cfg.data.max_length, cfg.data.max_word_length, batch_size=64)
        best = max(best, len(sentences) / (time.perf_counter() - start))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--data", default="tagging/conll2003/eng.testb")
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--block", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--crf", help="trained run folder (head crf)")
    ap.add_argument("--softmax", help="trained run folder (head softmax)")
    args = ap.parse_args()
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
    step = block_times(models, batches, args.blocks, args.block)
    epoch = {h: s * len(batcher) for h, s in step.items()}
    evaluation = read_tagged(args.data, cfg.data)
    print(f"recipe {args.recipe}; {len(batcher)} steps/epoch at batch {cfg.train.batch_size}; "
          f"threads {args.threads}; median of {args.blocks} alternating blocks of {args.block} steps")
    print(f"{'head':<9}{'s/epoch':>9}{'decode sent/s (b=64)':>22}{'F1 strict':>11}{'F1 default':>12}")
    rows = {}
    print(f"{'crf-lse':<9}{epoch['crf-lse']:>9.1f}   (training only: loss by CRF.nll, logsumexp recursion)")
    for head in ("crf", "softmax"):
        model = models[head][0]
        run = getattr(args, head)
        f1 = f1d = float("nan")
        if run:
            loaded = load(run)
            model, pipe, chs, nms = loaded.model, loaded.pipeline, loaded.chars, loaded.labels
            report = loaded.evaluate(args.data)
            f1, f1d = report["f1"], report["f1_seqeval_default"]
        else:
            pipe, chs, nms = pipeline, chars, names
        speed = decode_speed(model, pipe, chs, nms, evaluation.tokens, cfg)
        rows[head] = speed
        print(f"{head:<9}{epoch[head]:>9.1f}{speed:>22.0f}{f1:>11.4f}{f1d:>12.4f}")
    print(f"CRF/softmax training time per epoch: {epoch['crf'] / epoch['softmax']:.2f}x "
          f"(with CRF.nll: {epoch['crf-lse'] / epoch['softmax']:.2f}x); "
          f"decoding speed softmax/CRF: {rows['softmax'] / rows['crf']:.2f}x")


if __name__ == "__main__":
    main()
