"""Hidasi's official GRU4Rec in PyTorch (GRU4Rec_PyTorch_Official), read from the user's checkout
(GRU4REC_PATH), on the converted Amazon Beauty: each user one session, trained on all items but
the last two (train.tsv, leave-one-out as rnnlp trains). Configuration: the ``GRU4Rec`` class
defaults (no parameter file of the repository is for Beauty), device cpu; ``--params
"k=v,k=v"`` sets others as its run.py does (``GRU4Rec.set_params``).

Its ``fit`` runs unmodified; the only addition is a hook on ``IndexedAdagradM.step`` (once per
batch): at a point, every test user's history (all items but the last, items it never trained
on skipped, as its evaluation.py skips them) runs through the model, and the top items (nothing
excluded, k + history long) go to ``pred.tsv``. Points after its last epoch get the final model.

    python drivers/gru4rec_official.py --path GRU4REC_PATH --data CACHE --out LOG --seed 0
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from _clock import Marks, finish, threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", required=True, help="the checkout holding gru4rec_pytorch.py")
    parser.add_argument("--data", required=True, help="folder with train.tsv and full.tsv (convert.py)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("PEERS_THREADS", "1")))
    parser.add_argument("--params", default="loss=cross-entropy", help="GRU4Rec parameters, k=v,k=v")
    parser.add_argument("--k", type=int, default=20)
    args = parser.parse_args()
    threads(args.threads)
    import numpy as np
    import pandas as pd
    import torch

    sys.path.insert(0, args.path)
    import gru4rec_pytorch as official

    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    train = pd.read_csv(Path(args.data) / "train.tsv", sep="\t", dtype={"SessionId": str, "ItemId": str})
    full = pd.read_csv(Path(args.data) / "full.tsv", sep="\t", dtype={"SessionId": str, "ItemId": str})
    histories = {u: g.sort_values("Time")["ItemId"].tolist()[:-1] for u, g in full.groupby("SessionId")
                 if len(g) >= 3}
    gru = official.GRU4Rec(device=torch.device("cpu"))
    gru.set_params(**dict(p.split("=", 1) for p in args.params.split(",") if p))

    def write(folder: Path) -> dict:
        model, itemidmap = gru.model, gru.data_iterator.itemidmap
        names = itemidmap.index.values
        model.eval()
        with torch.no_grad(), open(folder / "pred.tsv", "w") as f:
            users = list(histories)
            for start in range(0, len(users), 512):
                batch = users[start:start + 512]
                scores = history_scores(model, gru.layers, [histories[u] for u in batch], itemidmap, torch)
                lengths = [len(histories[u]) for u in batch]
                top = torch.topk(scores, min(scores.size(1), args.k + max(lengths) + 1), dim=1).indices.numpy()
                for row, user in enumerate(batch):
                    f.write(f"{user}\t{' '.join(names[top[row, : args.k + lengths[row] + 1]])}\n")
        model.train()
        return {"name": "no own figure at points (its evaluation.py scores next-item recall/MRR within sessions)"}

    marks = Marks(args.out)
    step = official.IndexedAdagradM.step

    def hooked(self, *a, **k):
        marks.catch_up(write)
        if marks.finished:
            finish()
        return step(self, *a, **k)

    official.IndexedAdagradM.step = hooked
    gru.fit(train)
    for minute in marks.minutes:  # trained out before a point: the final model there
        if minute not in marks.done:
            marks.record(minute, write)


def history_scores(model, layers: list, histories: list, itemidmap, torch):
    """B x n_items scores after each history, right-aligned (a user's state starts at zero and
    only moves on its own items; items the model never saw are skipped). Uses the model's
    ``forward`` and ``score_items`` only (both in every version of gru4rec_pytorch.py)."""
    known = [[int(itemidmap[i]) for i in h if i in itemidmap.index] for h in histories]
    longest = max(len(h) for h in known) if known else 0
    H = [torch.zeros((len(known), size)) for size in layers]
    for t in range(longest):
        active = torch.tensor([t >= longest - len(h) for h in known])
        items = torch.tensor([h[t - (longest - len(h))] if a else 0 for h, a in zip(known, active.tolist())])
        old = [h.clone() for h in H]
        # its own forward (as its evaluation.py steps it), scoring only the batch's items: the full
        # scores are needed once, after the last step
        model.forward(items, H, items, training=False)
        for i in range(len(H)):
            H[i] = torch.where(active[:, None], H[i], old[i])
    return model.score_items(H[-1], model.Wy.weight, model.By.weight)


if __name__ == "__main__":
    main()
