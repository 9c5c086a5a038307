"""Config keys that moved between versions still load (old checkpoints, old recipes)."""

from rnnlp.config.base import from_dict

def test_moved_time_budget_keys_of_old_checkpoints_still_load():
    from rnnlp.config.lm import LMConfig
    from rnnlp.config.translation import TranslationConfig

    assert from_dict(LMConfig, {"time_limit_minutes": 5}).train.time_limit_minutes == 5
    cfg = from_dict(TranslationConfig, {"seq2seq": {"time_budget_minutes": 7, "label_smoothing": 0.1},
                                        "train": {"lr": 0.5}})
    assert cfg.train.time_limit_minutes == 7 and cfg.train.lr == 0.5 and cfg.seq2seq.label_smoothing == 0.1
    assert from_dict(TranslationConfig, {"seq2seq": {"time_budget_minutes": None}}).train.time_limit_minutes is None
