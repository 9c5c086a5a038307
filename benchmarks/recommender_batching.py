"""Training throughput of the recommender's two batchings, through the task's own code
(``rnnlp.tasks.recommender.training_batches``): padded user sequences against GRU4Rec's
session-parallel lanes, same model, loss, optimizer and data; then the full-ranking
evaluation time of all users.

    python benchmarks/recommender_batching.py [--data FILE] [--items 4000] [--repeats 3]

Padded: B whole sequences (pieces of at most ``max_length`` steps, length-bucketed) per batch,
one GRU call over all their steps. Session-parallel: B lanes, each reading its sequence one item
per batch, the hidden state carried between batches. The figure is training items (targets) per
second, one thread, full softmax cross-entropy, AdamW; medians of alternating timed calls.
Default data: Amazon Beauty under ../shared/data if present, else the tiny synthetic log.
"""

from __future__ import annotations

import argparse
import sys
import time

from _results import RESULTS, ROOT, Report, alternating

BEAUTY = ROOT.parent / "shared" / "data" / "recommendation" / "amazon_beauty" / "Beauty.txt.gz"
TINY = ROOT / "tests" / "assets" / "recommender" / "log.csv"
SETUPS = {  # name -> (batching, batch size, label)
    "padded": ("padded", 128, "padded user sequences, 128 per batch"),
    "lanes": ("session_parallel", 128, "session-parallel (GRU4Rec), 128 lanes"),
    "lanes_wide": ("session_parallel", 1024, "session-parallel, 1024 lanes (about the padded batch's items)"),
}


def config(path: str, batching: str, batch_size: int):
    from rnnlp.config.recommender import RecommenderConfig

    cfg = RecommenderConfig()
    cfg.data.train, cfg.data.batching, cfg.train.batch_size = path, batching, batch_size
    cfg.data.format = "sequences" if path.endswith((".txt", ".txt.gz")) else None
    cfg.model.embedding_dim, cfg.model.hidden_size, cfg.model.dropout = 64, 128, 0.3
    return cfg


def trainer(cfg, split, data, items: int):
    """A function that trains ``items`` targets (continuing where the last call stopped) and
    returns how many it trained, and the model."""
    import torch

    from rnnlp.models.recommender import build_recommender
    from rnnlp.tasks.recommender import training_batches

    loss, batches, _, _, _ = training_batches(cfg, split, data, torch.device("cpu"), None)
    model = build_recommender(cfg, data.num_items).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    stream = (b for epoch in range(10 ** 6) for b in batches(epoch))

    def run() -> int:
        done = 0
        while done < items:
            value, stats = loss(model, next(stream))
            opt.zero_grad()
            value.backward()
            opt.step()
            done += stats["count"]
        return done
    return run, model


def evaluation_seconds(model, split, max_length: int) -> tuple[float, int]:
    """Seconds to rank every item for every test user (history excluded), and the user count."""
    from rnnlp.tasks.recommender import model_scores, rank_all

    histories, targets = split.test
    start = time.perf_counter()
    rank_all(model_scores(model, histories, max_length, "cpu"), histories, targets, unmasked=False)
    return time.perf_counter() - start, len(targets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(BEAUTY if BEAUTY.is_file() else TINY))
    parser.add_argument("--items", type=int, default=4000, help="training items per timed call")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    report = Report(__file__, "Recommender training throughput: padded user sequences vs session-parallel", argv)

    import torch

    from rnnlp.tasks.recommender import load_split

    torch.set_num_threads(1)
    torch.manual_seed(0)
    data, split = load_split(config(args.data, "padded", 128).data)
    runs = {name: trainer(config(args.data, b, size), split, data, args.items) for name, (b, size, _) in SETUPS.items()}
    seconds, counts = alternating({name: run for name, (run, _) in runs.items()}, args.repeats)
    rate = {name: counts[name] / seconds[name] for name in SETUPS}
    eval_s, users = evaluation_seconds(runs["padded"][1].eval(), split, 50)
    fastest = max(rate, key=rate.get)
    lines = [f"Data: {args.data.replace(str(ROOT.parent) + '/', '../')} ({len(split.train)} training sequences, "
             f"{data.num_items} items); embedding 64, GRU 128, full softmax CE, AdamW, one thread; medians of "
             f"{args.repeats} alternating calls of about {args.items} training items each.", "",
             "| batching | training items/s |", "|---|---:|"]
    lines += [f"| {label} | {rate[name]:,.0f} |" for name, (_, _, label) in SETUPS.items()]
    lines += ["", f"Session-parallel (128 lanes) / padded: x{rate['lanes'] / rate['padded']:.2f}; fastest: "
              f"{SETUPS[fastest][2]}.", "",
              f"Full-ranking evaluation of all {users} test users (every item scored, history excluded, "
              f"one thread): {eval_s:.1f} s."]
    print(report.write("\n".join(lines), RESULTS / "recommender_batching.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
