"""RecBole GRU4Rec on the converted Amazon Beauty (atomic .inter file, time = position): RecBole's
leave-one-out ('LS': valid_and_test, time order, by user) and full ranking, i.e. the same split
as rnnlp's. Configuration: RecBole's GRU4Rec defaults (embedding 64, hidden 128, one layer,
dropout 0.3, CE loss over all items, Adam lr 0.001, batch 2048) with MAX_ITEM_LIST_LENGTH 50 as
rnnlp's recipe, up to 300 epochs (the budget stops it). At each point: every test user's top
items (nothing excluded, k + history long) to ``pred.tsv``, and RecBole's own test NDCG@10.

    python drivers/recbole_gru4rec.py --data CACHE --out LOG --seed 0
"""

from __future__ import annotations

import os
from pathlib import Path

from _clock import Marks, driver_parser, finish, threads


def main() -> None:
    parser = driver_parser(__doc__)
    parser.add_argument("--dataset", default="beauty")
    parser.add_argument("--k", type=int, default=20)
    args = parser.parse_args()
    threads(args.threads)
    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.model.sequential_recommender import GRU4Rec
    from recbole.trainer import Trainer
    from recbole.utils import init_seed

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(out)  # RecBole writes log/ and saved/ under the working directory
    config = Config(model="GRU4Rec", dataset=args.dataset, config_dict={
        "data_path": str(Path(args.data).resolve()), "USER_ID_FIELD": "user_id", "ITEM_ID_FIELD": "item_id",
        "TIME_FIELD": "timestamp", "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
        "MAX_ITEM_LIST_LENGTH": 50, "train_neg_sample_args": None, "loss_type": "CE",
        "eval_args": {"split": {"LS": "valid_and_test"}, "order": "TO", "group_by": "user", "mode": "full"},
        "metrics": ["Recall", "NDCG"], "topk": [10, 20], "valid_metric": "NDCG@10", "epochs": 300,
        "seed": args.seed, "reproducibility": True, "use_gpu": False, "device": "cpu", "show_progress": False,
        "checkpoint_dir": str(out / "saved"), "worker": 0})
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    model = GRU4Rec(config, train_data.dataset)
    trainer = Trainer(config, model)
    uid, iid = config["USER_ID_FIELD"], config["ITEM_ID_FIELD"]

    def write(folder: Path) -> dict:
        was = model.training
        model.eval()
        with torch.no_grad(), open(folder / "pred.tsv", "w") as f:
            for interaction, history, _, _ in test_data:
                scores = model.full_sort_predict(interaction).view(len(interaction), -1)
                scores[:, 0] = float("-inf")  # RecBole's padding item
                lengths = interaction["item_length"].tolist()
                top = torch.topk(scores, min(scores.size(1) - 1, args.k + max(lengths) + 1), dim=1).indices
                users = dataset.id2token(uid, interaction[uid])
                for row, user in enumerate(users):
                    items = dataset.id2token(iid, top[row, : args.k + lengths[row] + 1])
                    f.write(f"{user}\t{' '.join(items)}\n")
        own = trainer.evaluate(test_data, load_best_model=False, show_progress=False)
        model.train(was)
        return {"ndcg@10": float(own["ndcg@10"]), "recall@10": float(own["recall@10"]),
                "name": "RecBole's own test NDCG@10 (full ranking, history masked)"}

    marks = Marks(out)
    calculate_loss = model.calculate_loss

    def hooked(interaction):  # once per training batch
        marks.catch_up(write)
        if marks.finished:
            finish()
        return calculate_loss(interaction)

    model.calculate_loss = hooked
    trainer.fit(train_data, valid_data, saved=False, show_progress=False)
    for minute in marks.minutes:  # trained out before a point: the final model there
        if minute not in marks.done:
            marks.record(minute, write)


if __name__ == "__main__":
    main()
