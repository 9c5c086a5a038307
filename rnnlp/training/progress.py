"""Progress output: a tqdm bar per epoch (loss, accuracy, tokens/s, ETA) and one line per evaluation."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, epochs: int, steps_per_epoch: int | None, enabled: bool = True):
        self.epochs, self.total, self.enabled = epochs, steps_per_epoch, enabled
        self.bar = None
        self.loss_sum = self.loss_n = self.correct = self.count = self.tokens = 0
        self.t0 = time.perf_counter()

    def start_epoch(self, epoch: int, done: int = 0) -> None:
        self.loss_sum = self.loss_n = self.correct = self.count = self.tokens = 0
        self.t0 = time.perf_counter()
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, desc=f"epoch {epoch + 1}/{self.epochs}", unit="batch",
                            file=sys.stderr, dynamic_ncols=True, mininterval=0.5, leave=True, initial=done)

    def update(self, loss: float, stats: dict, tokens: int) -> None:
        self.loss_sum += loss
        self.loss_n += 1
        if "correct" in stats:  # accuracy only where the task counts hits (not LM, speech, recommender)
            self.correct += stats["correct"]
            self.count += stats.get("count", 0)
        self.tokens += tokens
        if self.bar is not None:
            self.bar.update(1)
            if self.loss_n % 10 == 0:
                self.bar.set_postfix_str(self._postfix(), refresh=False)

    def _postfix(self) -> str:
        rate = self.tokens / max(time.perf_counter() - self.t0, 1e-9)
        acc = f" acc={self.correct / self.count:.3f}" if self.count else ""
        return f"loss={self.mean_loss():.4f}{acc} tok/s={rate:,.0f}"

    def mean_loss(self) -> float:
        return round(self.loss_sum / self.loss_n, 5) if self.loss_n else float("nan")

    def end_epoch(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(self._postfix())
            self.bar.close()
            self.bar = None

    def report(self, row: dict, key: str, improved: bool) -> None:
        if not self.enabled:
            return
        shown = ", ".join(f"{k}={_number(v)}" for k, v in row.items() if k not in ("elapsed_s",))
        print(f"  eval: {shown}{'  (best)' if improved else ''}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _number(value) -> str:
    """Readable: 4 significant decimals for scores, whole numbers for rates and counts."""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4f}"
    return str(value)
