"""Prometheus text-format metrics: requests, errors, latency and batch-size histograms per model.

Written by hand (the format is a few lines) so the server needs no client library. Updated from
the event loop only, so no locking.
"""

from __future__ import annotations

from collections import defaultdict

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Histogram:
    def __init__(self, buckets):
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.total, self.sum = 0, 0.0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1
        self.total += 1
        self.sum += value


def _labels(pairs: dict) -> str:
    escaped = {k: str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for k, v in pairs.items()}
    return "{" + ",".join(f'{k}="{v}"' for k, v in escaped.items()) + "}"


class Metrics:
    """rnnlp_requests_total{model,verb,code}, rnnlp_request_seconds{model,verb},
    rnnlp_batch_size{model,verb} (items per model call), rnnlp_stream_tokens_total{model}."""

    def __init__(self):
        self.requests: dict[tuple, int] = defaultdict(int)
        self.latency: dict[tuple, Histogram] = {}
        self.batches: dict[tuple, Histogram] = {}
        self.tokens: dict[str, int] = defaultdict(int)

    def request(self, model: str, verb: str, code: int, seconds: float) -> None:
        self.requests[(model, verb, code)] += 1
        self.latency.setdefault((model, verb), Histogram(LATENCY_BUCKETS)).observe(seconds)

    def batch(self, model: str, verb: str, size: int) -> None:
        self.batches.setdefault((model, verb), Histogram(BATCH_BUCKETS)).observe(size)

    def text(self) -> str:
        lines = ["# HELP rnnlp_requests_total Requests by model, verb and HTTP status.",
                 "# TYPE rnnlp_requests_total counter"]
        lines += [f"rnnlp_requests_total{_labels({'model': m, 'verb': v, 'code': c})} {n}"
                  for (m, v, c), n in sorted(self.requests.items())]
        lines += _histogram("rnnlp_request_seconds", "Request latency in seconds.", self.latency)
        lines += _histogram("rnnlp_batch_size", "Items per batched model call.", self.batches)
        lines += ["# HELP rnnlp_stream_tokens_total Tokens sent by streaming generation.",
                  "# TYPE rnnlp_stream_tokens_total counter"]
        lines += [f"rnnlp_stream_tokens_total{_labels({'model': m})} {n}" for m, n in sorted(self.tokens.items())]
        return "\n".join(lines) + "\n"


def _histogram(name: str, help: str, series: dict) -> list[str]:
    lines = [f"# HELP {name} {help}", f"# TYPE {name} histogram"]
    for (model, verb), h in sorted(series.items()):
        base = {"model": model, "verb": verb}
        lines += [f"{name}_bucket{_labels({**base, 'le': bound})} {n}" for bound, n in zip(h.buckets, h.counts)]
        lines += [f"{name}_bucket{_labels({**base, 'le': '+Inf'})} {h.total}",
                  f"{name}_sum{_labels(base)} {h.sum:.6f}", f"{name}_count{_labels(base)} {h.total}"]
    return lines
