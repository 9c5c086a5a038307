"""OpenNMT-py (or its successor eole, where OpenNMT-py's torch<2.3 cannot be installed): a ``brnn``
encoder and an RNN decoder with global (general) attention, the settings of OpenNMT-py's RNN
defaults / quickstart (2-layer LSTM 500, word vectors 500, dropout 0.3, SGD lr 1.0, batch 64),
on the converted Multi30k de-en (tokenized with a reversible joiner, detokenized before scoring).
Checkpoints every ``--save-steps`` steps; the newest one saved before each point is copied, and
after the last point each copy translates the test source with beam 5; hypotheses go to
``points/<minute>/pred.txt``.

    python drivers/onmt.py --data CACHE --out LOG --seed 0 [--tool onmt|eole]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from _clock import Marks, driver_parser
from _snap import checkpoint_of, train_and_snapshot

JOINER = "\uffed"


def detokenize(line: str) -> str:  # the inverse of benchmarks/peers/convert.py::tokenize
    return line.replace(" " + JOINER, "").replace(JOINER, "")


def onmt_config(data: Path, out: Path, seed: int, threads: int, save_steps: int) -> dict:
    return {"save_data": str(out / "onmt"), "src_vocab": str(out / "vocab.src"), "tgt_vocab": str(out / "vocab.tgt"),
            "overwrite": True, "seed": seed,
            "data": {"corpus_1": {"path_src": str(data / "src-train.txt"), "path_tgt": str(data / "tgt-train.txt")},
                     "valid": {"path_src": str(data / "src-val.txt"), "path_tgt": str(data / "tgt-val.txt")}},
            "encoder_type": "brnn", "decoder_type": "rnn", "rnn_type": "LSTM", "layers": 2, "hidden_size": 500,
            "word_vec_size": 500, "global_attention": "general", "input_feed": 1, "dropout": [0.3],
            "optim": "sgd", "learning_rate": 1.0, "batch_size": 64, "batch_type": "sents", "train_steps": 100000,
            "valid_steps": 1000, "save_checkpoint_steps": save_steps, "keep_checkpoint": -1,
            "save_model": str(out / "model"), "world_size": 1, "gpu_ranks": [], "num_workers": 0,
            "report_every": 100}


def eole_config(data: Path, out: Path, seed: int, threads: int, save_steps: int) -> dict:
    return {"save_data": str(out / "eole"), "src_vocab": str(out / "vocab.src"), "tgt_vocab": str(out / "vocab.tgt"),
            "overwrite": True, "seed": seed,
            "data": {"corpus_1": {"path_src": str(data / "src-train.txt"), "path_tgt": str(data / "tgt-train.txt")},
                     "valid": {"path_src": str(data / "src-val.txt"), "path_tgt": str(data / "tgt-val.txt")}},
            # "custom": eole's "rnn" architecture forces encoder_type rnn, and brnn is the point here
            "model": {"architecture": "custom", "hidden_size": 500, "input_feed": 1,
                      "embeddings": {"word_vec_size": 500},
                      "encoder": {"encoder_type": "brnn", "rnn_type": "LSTM", "layers": 2, "hidden_size": 500},
                      "decoder": {"decoder_type": "rnn", "rnn_type": "LSTM", "layers": 2, "hidden_size": 500,
                                  "global_attention": "general"}},
            "training": {"optim": "sgd", "learning_rate": 1.0, "batch_size": 64, "batch_type": "sents",
                         "train_steps": 100000, "valid_steps": 1000, "save_checkpoint_steps": save_steps,
                         "keep_checkpoint": -1, "model_path": str(out / "model"), "world_size": 1, "gpu_ranks": [],
                         "num_workers": 0, "dropout": [0.3]},
            "report_every": 100}


def main() -> None:
    parser = driver_parser(__doc__)
    parser.add_argument("--tool", choices=["onmt", "eole"], default=None, help="default: what is installed")
    parser.add_argument("--save-steps", type=int, default=100)  # as the row's rnnlp side (save_every 100)
    args = parser.parse_args()
    data, out = Path(args.data), Path(args.out)
    bindir = Path(sys.executable).parent
    tool = args.tool or ("onmt" if (bindir / "onmt_train").exists() else "eole")
    import yaml  # both tools depend on PyYAML

    config = (onmt_config if tool == "onmt" else eole_config)(data, out, args.seed, args.threads, args.save_steps)
    (out / "work").mkdir(parents=True, exist_ok=True)
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    if tool == "onmt":
        vocab = [str(bindir / "onmt_build_vocab"), "-config", str(path), "-n_sample", "-1"]
        train = [str(bindir / "onmt_train"), "-config", str(path)]
        pattern = str(out / "model_step_*.pt")
    else:
        vocab = [str(bindir / "eole"), "build_vocab", "-config", str(path), "-n_sample", "-1"]
        train = [str(bindir / "eole"), "train", "-config", str(path)]
        pattern = str(out / "model" / "step_*")
    subprocess.run(vocab, check=True, stdout=open(out / "vocab.log", "w"), stderr=subprocess.STDOUT)
    marks = Marks(out)
    result = train_and_snapshot(train, pattern, marks, out)
    for minute in marks.minutes:  # translate after training: its time is nobody's training time
        folder = out / "points" / f"{minute:g}"
        ckpt = checkpoint_of(folder)
        if ckpt is None:
            continue
        raw = folder / "hyp.tok.txt"
        if tool == "onmt":
            cmd = [str(bindir / "onmt_translate"), "-model", str(ckpt), "-src", str(data / "src-test.txt"),
                   "-output", str(raw), "-beam_size", "5", "-batch_size", "64"]
        else:
            cmd = [str(bindir / "eole"), "predict", "-model_path", str(ckpt), "-src", str(data / "src-test.txt"),
                   "-output", str(raw), "-beam_size", "5", "-batch_size", "64"]
        subprocess.run(cmd, check=True, stdout=open(folder / "translate.log", "w"), stderr=subprocess.STDOUT)
        lines = raw.read_text(encoding="utf-8").split("\n")[:-1]
        (folder / "pred.txt").write_text("".join(detokenize(l) + "\n" for l in lines), encoding="utf-8")
        shutil.rmtree(ckpt, ignore_errors=True) if ckpt.is_dir() else ckpt.unlink()
    (out / "train_result.json").write_text(json.dumps({**result, "tool": tool}))


if __name__ == "__main__":
    main()
