"""Language-model training and generation speed on WikiText-2, side by side (CPU, one thread).

(a) rnnlp at pytorch/examples word_language_model's default config (emb 200, 2x200 LSTM,
    dropout 0.2, bptt 35, batch 20, full softmax, SGD lr 20, clip 0.25), trained through
    rnnlp's own ``fit`` loop, against a bare PyTorch loop of the same model written as in
    that example.
(b) rnnlp's recommended recipe (recipes/lm/wikitext2_lstm.yaml: adaptive softmax, batch 32,
    bptt 70, Adam): tokens/s against (a)'s.
(c) generation with (b)'s model through ``rnnlp.load(...).stream``: tokens/s at batch 1
    and with 16 samples, and the time per token after prompts of 1, 100 and 1000 words.

Protocol: one untimed warm-up chunk of 5 steps per contender, then the three contenders take
turns in chunks of 5 steps until each has trained ``--seconds``, so load from other jobs falls
on all alike. The validation perplexity after that little training is printed as a sanity check
that every contender learns, not as a quality comparison. Writes benchmarks/results/lm.md.

    RNNLP_DATA=../shared/data python benchmarks/lm_throughput.py --seconds 60     # about 5 minutes
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from _results import RESULTS, Report

from rnnlp.config.base import build_config, to_dict
from rnnlp.config.lm import LMConfig
from rnnlp.data.stream import StreamBatcher
from rnnlp.models.builders import build_language_model
from rnnlp.tasks.lm import PREFIX, build_pipeline, carried_loss, encode_stream, num_ids, read_text, stream_nll
from rnnlp.training.carry import Carry
from rnnlp.training.checkpoint import save_checkpoint
from rnnlp.training.fit import fit
from rnnlp.training.optim import build_optimizer

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "lm" / "wikitext2_lstm.yaml"
EXAMPLE = {"model": {"embedding_dim": 200, "hidden_size": 200, "num_layers": 2, "dropout": 0.2,
                     "dropout_input": 0.2, "dropout_hidden": 0.2, "output": "softmax"},
           "data": {"bptt": 35, "random_bptt": False},
           "train": {"batch_size": 20, "optimizer": "sgd", "lr": 20.0, "momentum": 0.0,
                     "clip_norm": 0.25, "schedule": "constant", "progress": False, "epochs": 1}}


# -- (a) the bare loop, as pytorch/examples/word_language_model writes it -------------------
class ExampleRNNModel(nn.Module):
    def __init__(self, ntoken, ninp=200, nhid=200, nlayers=2, dropout=0.2):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        return torch.log_softmax(self.decoder(self.drop(output)).view(-1, self.decoder.out_features), 1), hidden


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data[: nbatch * bsz].view(bsz, -1).t().contiguous()


def bare_steps(model, data, hidden, start, steps, bptt=35, lr=20.0, clip=0.25):
    """``steps`` updates from position ``start``; returns (hidden, next start, tokens)."""
    model.train()
    tokens = 0
    for _ in range(steps):
        if start >= data.size(0) - 1:
            start, hidden = 0, None
        seq_len = min(bptt, data.size(0) - 1 - start)
        inp, target = data[start: start + seq_len], data[start + 1: start + 1 + seq_len].reshape(-1)
        hidden = None if hidden is None else tuple(h.detach() for h in hidden)
        model.zero_grad()
        output, hidden = model(inp, hidden)
        loss = nn.functional.nll_loss(output, target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        start += seq_len
        tokens += target.numel()
    return hidden, start, tokens


# -- rnnlp through its own training loop ------------------------------------------------------
class RnnlpTrainer:
    """rnnlp's model, batches, loss and ``fit`` loop, advanced ``steps`` at a time."""

    def __init__(self, cfg: LMConfig, ids, vocab: int):
        self.cfg = cfg
        self.model = build_language_model(cfg, vocab)
        self.optimizer = build_optimizer(cfg.train, self.model.parameters())
        batcher = StreamBatcher(ids, cfg.train.batch_size, cfg.data.bptt, random_bptt=cfg.data.random_bptt)
        self.stream = itertools.cycle(batcher)  # one long epoch
        self.carry = Carry(PREFIX)
        self.tokens, self.seconds = 0, 0.0

    def steps(self, n: int) -> None:
        self.cfg.train.max_steps = n
        chunk = [next(self.stream) for _ in range(n)]
        start = time.perf_counter()
        fit(self.model, lambda epoch: iter(chunk), carried_loss(self.carry), evaluate=lambda m: {"loss": 0.0},
            metric="-loss", cfg=self.cfg.train, optimizer=self.optimizer)
        self.seconds += time.perf_counter() - start
        self.tokens += sum(b.num_tokens for b in chunk)


def valid_ppl(model, ids) -> float:
    nll, count = stream_nll(model, ids, 10, 35, torch.device("cpu"))
    return math.exp(nll / count)


# -- (c) generation -------------------------------------------------------------------------------
def generation(trainer: RnnlpTrainer, pipeline, text: str, tokens: int) -> list[str]:
    import rnnlp

    folder = Path(tempfile.mkdtemp()) / "ckpt"
    save_checkpoint(folder, model=trainer.model, config=to_dict(trainer.cfg), task="lm", pipeline=pipeline)
    lm = rnnlp.load(folder)
    words = text.split()
    rows = []
    for prompt_words, samples in ((1, 1), (100, 1), (1000, 1), (1, 16), (1000, 16)):
        prompt = " ".join(words[1000: 1000 + prompt_words])
        start = time.perf_counter()
        stream = lm.stream(prompt, tokens, seed=0, num_samples=samples, top_k=40)
        next(stream)  # reads the prompt, then one step
        first = time.perf_counter()
        steps = 1 + sum(1 for _ in stream)
        end = time.perf_counter()
        per_token = (end - first) / (steps - 1)
        rows.append(f"| {prompt_words} | {samples} | {first - start:.3f} | {1000 * per_token:.2f} | "
                    f"{samples / per_token:,.0f} |")
    return rows


class BareTrainer:
    """The pytorch/examples loop, advanced ``steps`` at a time, with its own clock."""

    def __init__(self, ids, vocab: int):
        self.model, self.data = ExampleRNNModel(vocab), batchify(ids, 20)
        self.hidden, self.start, self.tokens, self.seconds = None, 0, 0, 0.0

    def steps(self, n: int) -> None:
        t0 = time.perf_counter()
        self.hidden, self.start, tokens = bare_steps(self.model, self.data, self.hidden, self.start, n)
        self.seconds += time.perf_counter() - t0
        self.tokens += tokens


def take_turns(contenders: list, seconds: float, chunk: int = 5) -> None:
    """One untimed warm-up chunk each, then chunks in turn until every contender has ``seconds``."""
    for c in contenders:
        c.steps(chunk)
        c.tokens, c.seconds = 0, 0.0
    while any(c.seconds < seconds for c in contenders):
        for c in contenders:
            if c.seconds < seconds:
                c.steps(chunk)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="training time of each contender")
    parser.add_argument("--valid-tokens", type=int, default=20000)
    parser.add_argument("--gen-tokens", type=int, default=500)
    args = parser.parse_args(argv)
    report = Report(__file__, "Language-model training and generation speed (WikiText-2, one thread)", argv)
    torch.set_num_threads(1)
    root = os.environ.get("RNNLP_DATA", str(ROOT.parent / "shared" / "data"))
    cfg_b = build_config(LMConfig, RECIPE, [f"data.root={root}", "train.progress=false", "train.eval_every=null"])
    text = read_text(cfg_b.data.train, root)
    pipeline = build_pipeline(cfg_b, text)
    ids = encode_stream(pipeline, text, True)
    valid = encode_stream(pipeline, read_text(cfg_b.data.valid, root), True)[: args.valid_tokens]
    vocab = num_ids(pipeline)

    torch.manual_seed(0)
    cfg_a = build_config(LMConfig, None, extra={**EXAMPLE, "text": {"lowercase": False}})
    bare, rnnlp_a, rnnlp_b = BareTrainer(ids, vocab), RnnlpTrainer(cfg_a, ids, vocab), RnnlpTrainer(cfg_b, ids, vocab)
    take_turns([bare, rnnlp_a, rnnlp_b], args.seconds)
    bare_rate, a_rate, b_rate = (c.tokens / c.seconds for c in (bare, rnnlp_a, rnnlp_b))
    body = [f"WikiText-2: {len(ids):,} train tokens, vocabulary {vocab:,}; one thread. One warm-up chunk of 5 "
            f"steps each, then the three contenders in turns of 5 steps until each had trained {args.seconds:.0f} s.",
            "", f"| contender | train s | tokens | tokens/s | ratio | valid ppl after {args.seconds:.0f} s "
            f"(first {len(valid):,} valid tokens; a sanity check, not a quality comparison) |", "|---|---:|---:|---:|---|---:|",
            f"| bare PyTorch loop, example config | {bare.seconds:.0f} | {bare.tokens:,} | {bare_rate:,.0f} | 1.00 | - |",
            f"| (a) rnnlp `fit`, example config | {rnnlp_a.seconds:.0f} | {rnnlp_a.tokens:,} | {a_rate:,.0f} | "
            f"{a_rate / bare_rate:.3f} x bare | {valid_ppl(rnnlp_a.model, valid):,.1f} |",
            f"| (b) rnnlp `fit`, wikitext2_lstm recipe | {rnnlp_b.seconds:.0f} | {rnnlp_b.tokens:,} | {b_rate:,.0f} | "
            f"{b_rate / a_rate:.2f} x (a) | {valid_ppl(rnnlp_b.model, valid):,.1f} |", "",
            f"Generation with (b)'s model through `rnnlp.load(...).stream`, {args.gen_tokens} tokens, top-k 40:", "",
            "| prompt words | samples | prompt + first step s | ms per step | tokens/s |", "|---:|---:|---:|---:|---:|",
            *generation(rnnlp_b, pipeline, text, args.gen_tokens)]
    print(report.write("\n".join(body), RESULTS / "lm.md"))


if __name__ == "__main__":
    main(sys.argv[1:])
