"""``rnnlp serve RUN [NAME=RUN ...]``: serve checkpoints over HTTP (JSON API, batching, streaming, demo).

Click only at import time; torch, FastAPI and uvicorn are imported inside the command (the
``serve`` extra: ``pip install 'rnnlp[serve]'``).
"""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path

import click

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def named_runs(runs: tuple[str, ...]) -> dict[str, str]:
    """``("runs/sst2", "ner=runs/conll")`` -> ``{"sst2": "runs/sst2", "ner": "runs/conll"}``."""
    from rnnlp.errors import ConfigError

    out: dict[str, str] = {}
    for arg in runs:
        name, sep, path = arg.partition("=")
        if not sep:
            path = arg
            folder = Path(arg).resolve()
            name = folder.parent.name if folder.name in ("best", "last") else folder.name
        if not NAME.match(name):
            raise ConfigError(f"model name {name!r} (from {arg!r}) must be letters, digits, '.', '_' or '-'; "
                              "name it with NAME=RUN")
        if name in out:
            raise ConfigError(f"two models named {name!r}; name one of them with NAME=RUN")
        out[name] = path
    return out


def _stop_while_loading(signum, frame):
    click.echo("stopped (SIGTERM) while loading models", err=True)
    sys.exit(128 + signum)


@click.command()
@click.argument("runs", nargs=-1, required=True, metavar="RUN|NAME=RUN...")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0-65535; 0: any free port).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--max-batch", default=32, show_default=True, type=click.IntRange(1), help="Items per batched call.")
@click.option("--max-wait-ms", default=5.0, show_default=True, type=click.FloatRange(0),
              help="How long a batch waits for more requests.")
@click.option("--timeout", "timeout_s", default=30.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Per-request timeout in seconds.")
@click.option("--api-key", envvar="RNNLP_API_KEY", default=None,
              help="Require 'Authorization: Bearer KEY' (or set RNNLP_API_KEY).")
@click.option("--cors-origin", multiple=True, help="Allow this browser origin (CORS is off by default).")
@click.option("--allowed-host", multiple=True, help="Answer requests whose Host header names this host "
              "(repeatable; '*' = any). Default: with a loopback --host, only localhost, 127.0.0.1 and ::1 "
              "(a web page cannot reach the server by DNS rebinding); otherwise any.")
@click.option("--max-items", default=64, show_default=True, type=click.IntRange(1), help="Items per request.")
@click.option("--max-chars", default=10_000, show_default=True, type=click.IntRange(1), help="Characters per text.")
@click.option("--max-tokens", default=512, show_default=True, type=click.IntRange(1),
              help="generate: tokens per prompt; music: frames; caption: words (lowers the verbs' own bound).")
@click.option("--max-beam", default=16, show_default=True, type=click.IntRange(1),
              help="translate/caption/transcribe: beam size and n_best (lowers the verbs' own bound of 100).")
@click.option("--max-k", default=1000, show_default=True, type=click.IntRange(1),
              help="recommend: items per answer, top_k (lowers the verb's own bound of 100,000).")
@click.option("--max-body-bytes", default=10_000_000, show_default=True, type=click.IntRange(1),
              help="Largest request body (bytes, >= 1); a larger one is answered 413.")
@click.option("--max-values", default=100_000, show_default=True, type=click.IntRange(1),
              help="recommend: items per history; series: steps per series.")
@click.option("--max-audio-seconds", default=60.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="transcribe: seconds per wav file.")
@click.option("--max-pixels", default=16_777_216, show_default=True, type=click.IntRange(1),
              help="caption: pixels per image (width x height, read from its header before decoding).")
@click.option("--max-sample-rate", default=192_000, show_default=True, type=click.IntRange(1),
              help="transcribe: the sample rate a wav header may declare.")
@click.option("--max-queue", default=1024, show_default=True, type=click.IntRange(1),
              help="Requests waiting per model; past it a 429 with Retry-After.")
@click.option("--max-connections", default=1000, show_default=True, type=click.IntRange(1),
              help="Open connections; past it new ones get a 503.")
@click.option("--body-timeout", default=10.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Seconds a request body may take to arrive (408 after).")
@click.option("--header-timeout", default=10.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Seconds a connection has to send a request's line and headers (a slow client is cut off).")
@click.option("--grace", default=20.0, show_default=True, type=click.FloatRange(0),
              help="On SIGTERM, seconds to let in-flight requests finish before stopping.")
@click.option("--threads", default=None, type=click.IntRange(1), help="torch CPU threads.")
def serve(runs, host, port, device, max_batch, max_wait_ms, timeout_s, api_key, cors_origin, allowed_host,
          max_items, max_chars, max_tokens, max_beam, max_k, max_body_bytes, max_values, max_audio_seconds, max_pixels, max_sample_rate,
          max_queue, max_connections, body_timeout, header_timeout, grace, threads):
    """Serve checkpoints (run folders) over HTTP: POST /v1/models/NAME/VERB, GET /v1/models, /health,
    /metrics, and a demo page at /. A model is named after its run folder unless NAME=RUN is given."""
    paths = named_runs(runs)
    previous = signal.signal(signal.SIGTERM, _stop_while_loading)
    try:
        uvicorn, create_app, Settings, Limits = _server_modules()
        models = _load(paths, device, threads)
    finally:
        signal.signal(signal.SIGTERM, previous)  # uvicorn's own: finish in-flight requests, then stop
    limits = Limits(max_items=max_items, max_chars=max_chars, max_tokens=max_tokens, max_beam=max_beam, max_k=max_k,
                    max_body_bytes=max_body_bytes,
                    max_values=max_values, max_audio_seconds=max_audio_seconds, max_pixels=max_pixels,
                    max_sample_rate=max_sample_rate, body_seconds=body_timeout)
    settings = Settings(limits, max_batch, max_wait_ms, timeout_s, api_key or None, tuple(cors_origin), max_queue,
                        tuple(allowed_host) or default_hosts(host))
    click.echo(f"serving {', '.join(f'{n} ({m.task})' for n, m in models.items())} on http://{host}:{port}"
               f"{'' if api_key else ' (no API key)'}", err=True)
    _access_log()
    # uvicorn drains on SIGTERM, then raises the signal again under the handler found here: a drained
    # server exits 0 (Kubernetes reads 143 as a crash), after at most --grace seconds
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    from rnnlp.serve.protocol import head_deadline_protocol

    uvicorn.run(create_app(models, settings), host=host, port=port, log_level="warning", access_log=False,
                http=head_deadline_protocol(header_timeout),
                # the models' workers stop after the drain (about a second): the drain gets the rest of --grace
                timeout_graceful_shutdown=max(int(grace) - 2, 1), limit_concurrency=max_connections)


LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


def default_hosts(host: str) -> tuple:
    """The Host headers answered by default: the loopback names for a loopback bind (a page on
    another site that rebinds its DNS name to 127.0.0.1 still sends its own name), else any."""
    return LOOPBACK if host in LOOPBACK else ("*",)


def _access_log() -> None:
    """One JSON line per request on stderr (rnnlp.serve.guard's ``rnnlp.access`` logger)."""
    import logging

    log = logging.getLogger("rnnlp.access")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _server_modules():
    """uvicorn and the app module; a ConfigError saying how to install them when missing."""
    from rnnlp.errors import ConfigError

    try:
        import uvicorn

        from rnnlp.serve.app import Settings, create_app
        from rnnlp.serve.fields import Limits
    except ImportError as exc:
        raise ConfigError(f"rnnlp serve needs FastAPI and uvicorn ({exc.name} is missing): "
                          "pip install 'rnnlp[serve]'") from None
    return uvicorn, create_app, Settings, Limits


def _load(paths: dict, device: str, threads: int | None) -> dict:
    from rnnlp import api

    if threads:
        import torch
        torch.set_num_threads(threads)
    return {name: api.load(path, device=device) for name, path in paths.items()}
