"""Every full recipe runs a few steps on the real data in ../shared/data (skipped where it is absent).

Each run starts in an empty working folder with ``$RNNLP_DATA`` pointing at the shared data, as
a user would run it; only the number of steps, the examples used and the evaluation size are cut
(so each takes seconds), never the recipe's data files or tokenizer. WikiText-2's model is made
narrow too: its whole 217k-token dev set is evaluated at the end, and there is no limit for it.
"""

from pathlib import Path

import pytest
import yaml

from rnnlp.api import train

ROOT = Path(__file__).resolve().parents[2]
FAST = ["train.max_steps=2", "train.threads=1", "train.progress=false", "train.eval_every=null",
        "train.time_limit_minutes=null"]
# recipe -> the overrides that keep it to seconds (data read and evaluated)
CUTS = {
    "sentiment/sst2_bilstm.yaml": ["data.train_limit=256"],
    "sentiment/sst2_learned.yaml": ["data.train_limit=256"],
    "sentiment/sst2_onehot.yaml": ["data.train_limit=256"],
    "tagging/conll2003_bilstm_crf.yaml": ["data.train_limit=64"],
    "tagging/ud_lines_upos.yaml": ["data.train_limit=64"],
    "lm/tinyshakespeare_char.yaml": ["data.train_limit=20000"],
    "lm/wikitext2_lstm.yaml": ["data.train_limit=20000", "model.hidden_size=64", "model.embedding_dim=64"],
    "translation/multi30k_de_en.yaml": ["data.train_limit=2000", "data.valid_limit=16"],
    "translation/multi30k_en_de.yaml": ["data.train_limit=2000", "data.valid_limit=16"],
    "captioning/flickr8k_attention.yaml": ["data.train_limit=16", "data.valid_limit=8"],
    "recommender/ml100k_gru.yaml": ["data.train_limit=5000"],
    "recommender/beauty_gru.yaml": ["data.train_limit=5000"],
    "series/ecg5000.yaml": [],  # 500 beats: read whole, 2 steps
    "speech/fsdd_digits.yaml": [],  # 3,000 short recordings: read whole, 2 steps
    # step one / step two of LM transfer, here without the LM runs they start from (each recipe
    # trains alone too: the ablation's "no transfer" rows); tests/transfer runs both steps on tiny data
    "lm/wikitext2_transfer.yaml": ["data.train_limit=20000", "model.hidden_size=64", "model.embedding_dim=64"],
    "lm/sst2_text.yaml": ["data.train_limit=20000"],
    "lm/sst2_text_extended.yaml": ["data.train_limit=20000"],
    "lm/wikitext2_char_fwd.yaml": ["data.train_limit=20000", "model.hidden_size=64"],
    "lm/wikitext2_char_bwd.yaml": ["data.train_limit=20000", "model.hidden_size=64"],
    "sentiment/sst2_ulmfit.yaml": ["data.train_limit=256"],
    "tagging/conll2003_char_lm.yaml": ["data.train_limit=64"],
    "music/jsb_lstm.yaml": ["data.train_limit=16"],  # the whole valid split is evaluated (4,602 frames)
    "music/jsb_nade.yaml": ["data.train_limit=16"],
    "music/nottingham_lstm.yaml": ["data.train_limit=16"],
    "music/nottingham_nade.yaml": ["data.train_limit=16"],
}
# Recipes whose data a committed script derives from the shared data rather than reading it:
# fsdd_connected reads the connected-digit corpus of benchmarks/speech_strings.py (182 MB, not
# in ../shared/data); tests/recipes/test_recipes_anywhere.py runs it on stand-in files.
DERIVED = {"speech/fsdd_connected.yaml"}
FULL = sorted(p.relative_to(ROOT / "recipes").as_posix() for p in (ROOT / "recipes").rglob("*.yaml")
              if p.name != "tiny.yaml" and p.relative_to(ROOT / "recipes").as_posix() not in DERIVED)


def test_every_full_recipe_is_cut_here():
    assert sorted(CUTS) == FULL


@pytest.mark.requires_shared
@pytest.mark.parametrize("name", FULL)
def test_a_full_recipe_runs_on_the_shared_data(name, tmp_path, monkeypatch, shared_data):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RNNLP_DATA", str(shared_data))
    recipe = ROOT / "recipes" / name
    task = yaml.safe_load(recipe.read_text())["task"]
    train(task, str(recipe), [*FAST, *CUTS[name], "train.output=run"])
    saved = yaml.safe_load((tmp_path / "run" / "best" / "config.yaml").read_text())
    assert saved["data"]["root"] == str(shared_data)
    assert all(Path(v).is_absolute() for v in saved["data"].values() if isinstance(v, str) and "/" in v)
