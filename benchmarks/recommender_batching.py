"""Training throughput of the recommender's two batchings: padded user sequences (what the task
uses) against GRU4Rec's session-parallel mini-batches, same model, loss and items.

    python benchmarks/recommender_batching.py [--data FILE] [--items 4000] [--repeats 3]

Session-parallel: B lanes each read one sequence an item at a time (one GRU step per batch,
the hidden state carried between batches and reset when a lane starts its next sequence);
padded: B whole sequences (pieces of at most 50 steps, length-bucketed, as the task trains) per
batch, one GRU call over all their steps. Both train with the
full softmax cross-entropy on one thread; the figure is training items (targets) per second.
Default data: Amazon Beauty under ../shared/data if present, else the tiny synthetic log.
"""

from __future__ import annotations

import argparse
import sys
from types import SimpleNamespace

from _results import RESULTS, ROOT, Report, alternating

BEAUTY = ROOT.parent / "shared" / "data" / "recommendation" / "amazon_beauty" / "Beauty.txt.gz"
TINY = ROOT / "tests" / "assets" / "recommender" / "log.csv"


def sequences(path):
    from rnnlp.data.interactions import leave_one_out, read_log, user_sequences

    dcfg = SimpleNamespace(format=None, user_column="user", item_column="item", time_column="timestamp", root=None)
    data = user_sequences(read_log(path, dcfg))
    return [s for s in leave_one_out(data).train if len(s) >= 2], data.num_items


def padded(model, opt, seqs, batch_size: int, items: int) -> int:
    """Train as the task does (pieces of at most 50 steps, length-bucketed batches of
    ``batch_size``) until ``items`` targets; returns them."""
    from rnnlp.data.batching import BucketBatcher, collate
    from rnnlp.tasks.recommender import loss_fn

    pieces = [s[max(0, end - 51): end] for s in seqs for end in range(len(s), 1, -50)]
    batcher, done = BucketBatcher([len(p) for p in pieces], batch_size, bucket=True, seed=0), 0
    while done < items:
        for idx in batcher:
            batch = collate([pieces[i][:-1] for i in idx], [pieces[i][1:] for i in idx])
            loss, stats = loss_fn(model, batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            done += stats["count"]
            if done >= items:
                break
    return done


def session_parallel(model, opt, seqs, batch_size: int, items: int) -> int:
    """GRU4Rec's batching: lane i reads its sequence one item per batch; a lane that finishes
    takes the next sequence and its hidden state restarts at zero."""
    import torch
    from torch.nn import functional as F

    lanes = list(range(batch_size))
    pos, nxt, hidden, done = [0] * batch_size, batch_size, None, 0
    while done < items:
        inputs = torch.tensor([seqs[s][p] for s, p in zip(lanes, pos)])
        targets = torch.tensor([seqs[s][p + 1] for s, p in zip(lanes, pos)])
        out, hidden = model.rnn(model.drop(model.items(inputs))[:, None], hidden)
        loss = F.cross_entropy(model.scores(model.drop(out[:, 0])), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        hidden, done = hidden.detach(), done + batch_size
        for lane in range(batch_size):
            pos[lane] += 1
            if pos[lane] + 1 >= len(seqs[lanes[lane]]):  # the lane's sequence is used up: the next one
                lanes[lane], pos[lane], nxt = nxt % len(seqs), 0, nxt + 1
                hidden[:, lane] = 0.0
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(BEAUTY if BEAUTY.is_file() else TINY))
    parser.add_argument("--items", type=int, default=4000, help="training items per timed call")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    report = Report(__file__, "Recommender training throughput: padded user sequences vs session-parallel", argv)

    import torch

    from rnnlp.models.recommender import SequentialRecommender

    torch.set_num_threads(1)
    torch.manual_seed(0)
    seqs, num_items = sequences(args.data)
    models = {name: SequentialRecommender(num_items, 64, 128, dropout=0.2) for name in ("padded", "session")}
    opts = {name: torch.optim.AdamW(m.parameters(), lr=1e-3) for name, m in models.items()}
    fns = {"padded": lambda: padded(models["padded"], opts["padded"], seqs, args.batch_size, args.items),
           "session": lambda: session_parallel(models["session"], opts["session"], seqs, args.batch_size,
                                               args.items)}
    seconds, counts = alternating(fns, args.repeats)
    rate = {name: counts[name] / seconds[name] for name in fns}
    body = "\n".join([
        f"Data: {args.data.replace(str(ROOT.parent) + '/', '../')} ({len(seqs)} training sequences, {num_items} items); "
        f"batch {args.batch_size}, embedding 64, GRU 128, full softmax CE, AdamW, one thread; "
        f"medians of {args.repeats} alternating calls of about {args.items} items each.", "",
        "| batching | training items/s |", "|---|---:|",
        f"| padded user sequences (the task's) | {rate['padded']:,.0f} |",
        f"| session-parallel (GRU4Rec) | {rate['session']:,.0f} |", "",
        f"Padded / session-parallel: x{rate['padded'] / rate['session']:.2f}."])
    print(report.write(body, RESULTS / "recommender_batching.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
