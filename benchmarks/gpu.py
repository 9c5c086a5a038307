"""The CUDA path in one short run (< 5 minutes): tokens/s of training through ``rnnlp``'s ``fit``
in fp32, bf16 and fp16 autocast, against a bare PyTorch loop of the same model in fp32.

    python benchmarks/gpu.py            # on a machine with a CUDA GPU
    python benchmarks/gpu.py --steps 50 # shorter
    python benchmarks/gpu.py --device cpu --steps 2 --lm-size 16 --hidden 16  # smoke test of the script itself

Models (synthetic ids, so only speed is measured): the sentiment BiLSTM (learned 100d
embeddings, 1x256 bidirectional, max pool; batch 64 of length 10-50, cuDNN via pad mode's
per-direction nn.LSTM calls and via pack mode) and a word language model at the size of
pytorch/examples' medium setting (embedding 650, 2x650 LSTM, bptt 35, batch 64, 33,278 words,
full softmax). On a machine without CUDA it says so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from _results import RESULTS, Report


@dataclass
class LMBatch:
    ids: torch.Tensor
    targets: torch.Tensor

    def to(self, device):
        return LMBatch(self.ids.to(device, non_blocking=True), self.targets.to(device, non_blocking=True))

    @property
    def num_tokens(self) -> int:
        return self.ids.numel()


def _pin(t: torch.Tensor, device: str) -> torch.Tensor:
    return t.pin_memory() if device == "cuda" else t


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def sentiment_setup(steps: int, mode: str, device: str = "cuda", hidden: int = 256):
    from rnnlp.config.sentiment import SentimentConfig
    from rnnlp.data.batching import collate
    from rnnlp.models.builders import build_classifier
    from rnnlp.tasks.sentiment import loss_fn

    cfg = SentimentConfig()
    cfg.encoder.hidden_size, cfg.encoder.mode = hidden, mode
    vocab = [f"w{i}" for i in range(20000)]
    gen = torch.Generator().manual_seed(0)
    batches = []
    for _ in range(steps):
        lengths = torch.randint(10, 51, (64,), generator=gen)
        seqs = [torch.randint(4, 20000, (int(n),), generator=gen).tolist() for n in lengths]
        batch = collate(seqs, torch.randint(0, 2, (64,), generator=gen).numpy())
        batch.ids, batch.mask, batch.targets = (_pin(t, device) for t in (batch.ids, batch.mask, batch.targets))
        batches.append(batch)
    return (lambda: build_classifier(cfg, vocab, 2)), batches, loss_fn


def lm_setup(steps: int, device: str = "cuda", size: int = 650):
    from rnnlp.models.language_model import LanguageModel

    gen = torch.Generator().manual_seed(0)
    batches = [LMBatch(_pin(torch.randint(0, 33278, (64, 35), generator=gen), device),
                       _pin(torch.randint(0, 33278, (64, 35), generator=gen), device)) for _ in range(steps)]

    def loss_fn(model, batch):
        hidden, _ = model(batch.ids)
        return model.loss(hidden, batch.targets), {}

    return (lambda: LanguageModel(33278, size, size, 2, dropout=0.5)), batches, loss_fn


def through_fit(make_model, batches, loss_fn, precision: str, device: str = "cuda") -> float:
    from rnnlp.config.components import TrainConfig
    from rnnlp.training.fit import fit

    torch.manual_seed(0)
    model = make_model().to(device)
    cfg = TrainConfig(epochs=1, progress=False, precision=precision, clip_norm=0.25, device=device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    fit(model, lambda e: iter(batches[:3]), loss_fn, evaluate=lambda m: {"x": 0.0}, metric="x", cfg=cfg, optimizer=opt)
    _sync(device)
    start = time.perf_counter()
    fit(model, lambda e: iter(batches), loss_fn, evaluate=lambda m: {"x": 0.0}, metric="x", cfg=cfg, optimizer=opt)
    _sync(device)
    return sum(b.num_tokens for b in batches) / (time.perf_counter() - start)


def bare(make_model, batches, loss_fn, device: str = "cuda") -> float:
    torch.manual_seed(0)
    model = make_model().to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def run(items):
        for b in items:
            loss, _ = loss_fn(model, b.to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            opt.step()

    run(batches[:3])
    _sync(device)
    start = time.perf_counter()
    run(batches)
    _sync(device)
    return sum(b.num_tokens for b in batches) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="cpu only checks that the script runs (autocast stays off on CPU)")
    parser.add_argument("--lm-size", type=int, default=650, help="embedding and hidden size of the LM")
    parser.add_argument("--hidden", type=int, default=256, help="hidden size of the sentiment BiLSTM")
    args = parser.parse_args(argv)
    report = Report(__file__, "GPU path: training tokens/s on CUDA", argv)
    dev = args.device
    if dev == "cuda" and not torch.cuda.is_available():
        print("no CUDA device here: benchmarks/gpu.py measures the GPU path; nothing to do")
        return
    device_name = ""
    if dev == "cuda":
        torch.backends.cudnn.benchmark = True
        device_name = f" ({torch.cuda.get_device_name()}, cuDNN {torch.backends.cudnn.version()})"
    setups = {"sentiment BiLSTM (pad mode)": sentiment_setup(args.steps, "pad", dev, args.hidden),
              "sentiment BiLSTM (pack mode)": sentiment_setup(args.steps, "pack", dev, args.hidden),
              f"word LM 2x{args.lm_size} LSTM": lm_setup(args.steps, dev, args.lm_size)}
    rows = ["| model | bare fp32 | fit fp32 | fit bf16 | fit fp16 | fit fp32 / bare |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, (make_model, batches, loss_fn) in setups.items():
        base = bare(make_model, batches, loss_fn, dev)
        rates = [through_fit(make_model, batches, loss_fn, p, dev) for p in ("fp32", "bf16", "fp16")]
        rates_md = " | ".join(f"{r:,.0f}" for r in rates)
        rows.append(f"| {name} | {base:,.0f} | {rates_md} | {rates[0] / base:.3f} |")
    body = "\n".join([f"Device {dev}{device_name}; {args.steps} steps per setting after 3 warm-up batches; tokens/s "
                      "(real tokens for sentiment, all positions for the LM).", "", *rows])
    if dev == "cuda":  # a CPU run only checks that the script works; it is not the GPU figure
        print(report.write(body, RESULTS / "gpu.md"))
    else:
        print(body)


if __name__ == "__main__":
    main(sys.argv[1:])
