"""fit(): early stopping, max_steps, evaluation cadence, checkpoint callbacks, Ctrl-C, resume."""

import json
import math
from dataclasses import dataclass

import pytest
import torch

from rnnlp.config.components import TrainConfig
from rnnlp.training.fit import fit
from rnnlp.training.optim import build_optimizer, build_scheduler


@dataclass
class Toy:
    x: torch.Tensor
    y: torch.Tensor

    def to(self, device):
        return self

    @property
    def num_tokens(self):
        return len(self.x)


def data(n_batches=4):
    gen = torch.Generator().manual_seed(0)
    xs = torch.randn(n_batches, 8, 3, generator=gen)
    return [Toy(x, x @ torch.tensor([1.0, -2.0, 0.5])) for x in xs]


def loss_fn(model, batch):
    return torch.nn.functional.mse_loss(model(batch.x)[:, 0], batch.y), {}


def run(cfg, scores=None, save=None, loss=loss_fn, resume=None, model=None):
    torch.manual_seed(0)
    model = model or torch.nn.Linear(3, 1)
    opt = build_optimizer(cfg, model.parameters())
    sched = build_scheduler(cfg, opt, 4)  # 4 steps an epoch
    scores = iter(scores) if scores else None
    evaluate = (lambda m: {"score": next(scores)}) if scores else \
        (lambda m: {"loss": float(sum(loss_fn(m, b)[0] for b in data()))})
    metric = "score" if scores else "-loss"
    result = fit(model, lambda e: iter(data()), loss, evaluate=evaluate, metric=metric, cfg=cfg, optimizer=opt,
                 scheduler=sched, save=save, resume=resume, steps_per_epoch=4)
    return result, model


def test_loss_goes_down_and_history_has_one_row_per_epoch():
    result, _ = run(TrainConfig(epochs=5, lr=0.05, progress=False))
    losses = [row["loss"] for row in result.history]
    assert len(losses) == 5 and losses[-1] < 0.5 * losses[0]
    assert result.stopped == "epochs" and result.steps == 20
    assert result.best["loss"] == min(losses)


def test_early_stopping_after_patience_evaluations():
    result, _ = run(TrainConfig(epochs=10, patience=2, progress=False), scores=[0.5, 0.7, 0.6, 0.65, 0.9])
    assert result.stopped == "early_stop" and len(result.history) == 4
    assert result.best["score"] == 0.7


def test_max_steps_and_eval_every():
    saves = []
    result, _ = run(TrainConfig(epochs=3, eval_every=3, max_steps=7, progress=False),
                    save=lambda kind, metrics, trainer: saves.append((kind, metrics["step"])))
    assert result.stopped == "max_steps" and result.steps == 7
    # every eval_every steps, at each epoch end (step 4), and where max_steps stops the run
    assert [s for s in saves if s[0] == "last"] == [("last", 3), ("last", 4), ("last", 6), ("last", 7)]


def test_ctrl_c_stops_cleanly_after_the_last_complete_save():
    saves, calls = [], {"n": 0}

    def interrupting(model, batch):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return loss_fn(model, batch)

    result, _ = run(TrainConfig(epochs=3, eval_every=2, progress=False), loss=interrupting,
                    save=lambda kind, metrics, trainer: saves.append((kind, metrics["step"])))
    assert result.stopped == "interrupted" and result.steps == 5
    assert saves[-1] == ("last", 4)


def test_resume_matches_an_uninterrupted_run():
    cfg = TrainConfig(epochs=4, lr=0.05, progress=False)
    full, full_model = run(cfg)
    states = {}

    def keep(kind, metrics, trainer):
        if trainer is not None:
            states[metrics["epoch"]] = {**trainer, "optimizer": _copy(trainer["optimizer"]),
                                        "rng_torch": torch.get_rng_state()}

    half_cfg = TrainConfig(epochs=2, lr=0.05, progress=False)
    _, half_model = run(half_cfg, save=keep)
    resumed, resumed_model = run(cfg, resume=states[2], model=_clone(half_model))
    assert resumed.steps == full.steps
    assert torch.allclose(resumed_model.weight, full_model.weight, atol=1e-6)


def _copy(state):
    import copy
    return copy.deepcopy(state)


def _clone(model):
    import copy
    return copy.deepcopy(model)


def test_ema_evaluates_the_average_and_restores_training_weights():
    from rnnlp.training.fit import EMA

    model = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema = EMA(model, decay=0.5)
    for value in (3.0, 5.0):
        with torch.no_grad():
            model.weight.fill_(value)
        ema.update()
    # avg: 1 -> 0.5*1 + 0.5*3 = 2 -> 0.5*2 + 0.5*5 = 3.5
    with ema.swapped(model):
        assert model.weight.tolist() == [[3.5, 3.5]]
    assert model.weight.tolist() == [[5.0, 5.0]]
    result, _ = run(TrainConfig(epochs=3, lr=0.05, ema=0.9, progress=False))
    assert len(result.history) == 3 and result.history[-1]["loss"] < result.history[0]["loss"]


def test_time_limit_stops_after_the_step_that_crosses_it_then_evaluates():
    saved = []
    result, _ = run(TrainConfig(epochs=5, progress=False, time_limit_minutes=1e-9),
                    save=lambda kind, metrics, trainer: saved.append(kind))
    assert result.stopped == "time_limit" and result.steps == 1
    assert len(result.history) == 1 and "best" in saved and "last" in saved


def test_the_schedule_is_a_function_of_the_step_alone_never_of_the_clock():
    """A spent time budget leaves the LR where the step puts it (it only stops the run)."""
    from rnnlp.training.optim import Clock

    cfg = TrainConfig(lr=1.0, schedule="cosine", time_limit_minutes=1.0)
    clock = Clock(1.0)
    clock.resume(600.0)  # 10 of the 1 minute used: the old code annealed to 0 here
    opt = build_optimizer(cfg, torch.nn.Linear(1, 1).parameters())
    build_scheduler(cfg, opt, 1000)
    assert opt.param_groups[0]["lr"] == 1.0


def test_schedule_steps_sets_the_length_of_the_decay_apart_from_the_stop():
    """train.schedule_steps=8 with max_steps=2: the cosine is halfway down after 4 of 8 steps, as
    in the run of 8 steps that the clock stopped at step 2 (its reproduction)."""
    cfg = TrainConfig(lr=1.0, schedule="cosine", epochs=1, max_steps=2, schedule_steps=8)
    opt = build_optimizer(cfg, torch.nn.Linear(1, 1).parameters())
    sched = build_scheduler(cfg, opt, 100)
    for _ in range(4):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5, abs=1e-12)


def test_an_eval_every_step_at_the_end_of_an_epoch_is_not_repeated():
    result, _ = run(TrainConfig(epochs=2, eval_every=2, progress=False))  # 4 steps an epoch
    assert [row["step"] for row in result.history] == [2, 4, 6, 8]


@pytest.mark.parametrize("schedule, last_lr", [("linear", 0.0), ("cosine", 0.0), ("constant", 1.0)])
def test_the_schedule_ends_at_max_steps(schedule, last_lr):
    """10 epochs of 4 steps, capped at 6 steps: the decay reaches its floor at step 6, not 40."""
    cfg = TrainConfig(lr=1.0, schedule=schedule, epochs=10, max_steps=6, progress=False)
    assert run(cfg)[0].steps == 6
    opt = build_optimizer(cfg, torch.nn.Linear(1, 1).parameters())
    sched = build_scheduler(cfg, opt, 4)
    seen = []
    for _ in range(6):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(last_lr, abs=1e-12)
    if schedule == "linear":
        assert seen == pytest.approx([1.0, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6])


def test_fit_uses_the_clock_it_is_given_to_stop():
    """A spent budget stops fit after one step; the LR is the schedule's at that step."""
    from rnnlp.training.optim import Clock

    clock = Clock(1.0)
    clock.resume(120.0)  # 2 of the 1 minute used already
    cfg = TrainConfig(epochs=3, time_limit_minutes=1.0, progress=False, schedule="linear")
    model = torch.nn.Linear(3, 1)
    opt = build_optimizer(cfg, model.parameters())
    sched = build_scheduler(cfg, opt, 4)
    assert opt.param_groups[0]["lr"] == cfg.lr  # the steps decide: step 0 of 12
    result = fit(model, lambda e: iter(data()), loss_fn, evaluate=lambda m: {"x": 0.0}, metric="x", cfg=cfg,
                 optimizer=opt, scheduler=sched, clock=clock)
    assert result.stopped == "time_limit" and result.steps == 1
    assert opt.param_groups[0]["lr"] == pytest.approx(cfg.lr * 11 / 12)


def test_a_loss_far_above_its_start_is_a_warning_and_a_non_finite_one_an_error(tmp_path, capsys):
    """Divergence (100x the first step's loss) is noted once, on stderr and in the log; NaN stops."""
    from rnnlp.errors import TrainingError

    losses = iter([1.0, 2.0, 500.0, 800.0] + [1.0] * 100)

    def growing(model, batch):
        loss, stats = loss_fn(model, batch)
        return loss * 0 + next(losses), stats

    log = tmp_path / "metrics.jsonl"
    model = torch.nn.Linear(3, 1)
    cfg = TrainConfig(epochs=1, progress=False)
    opt = build_optimizer(cfg, model.parameters())
    result = fit(model, lambda e: iter(data()), growing, evaluate=lambda m: {"x": 0.0}, metric="x", cfg=cfg,
                 optimizer=opt, log_path=log)
    assert result.warning == ("the training loss 500 at step 3 is over 100x the first step's 1: the run may be "
                              "diverging (lower train.lr)")
    assert capsys.readouterr().err.count("warning: the training loss") == 1
    assert json.loads(log.read_text().splitlines()[0]) == {"step": 3, "warning": result.warning}
    nan = iter([1.0, float("nan")])
    with pytest.raises(TrainingError, match=r"^the training loss is nan at step 2: the run diverged"):
        fit(model, lambda e: iter(data()), lambda m, b: (loss_fn(m, b)[0] * 0 + next(nan), {}),
            evaluate=lambda m: {"x": 0.0}, metric="x", cfg=cfg, optimizer=opt)
