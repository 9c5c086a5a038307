"""The abuse battery of ``rnnlp serve`` (issue 28): the review's attacks against one server on
127.0.0.1, each recorded with the status it got, the server's peak RSS during it and its effect on
a concurrent ``/health`` probe.

    python benchmarks/serve_abuse.py [--quick]

The server serves the committed tiny checkpoints (sentiment, tagging, translation, lm, captioning)
plus tiny speech and series runs trained for two steps. A prober thread asks ``/health`` every
20 ms during the whole battery; each case's p99 is over the probes that ran while it did. Targets
(the issue's): no 5xx, no request changing another's result, /health p99 under 100 ms, peak RSS
under 2x idle, SIGTERM exit 0 within the grace period with one stalled client. Bounded: every case
sends a fixed amount, only to 127.0.0.1. Writes benchmarks/results/serve_abuse.md.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

from _results import RESULTS, ROOT, Report

CKPTS = ROOT / "tests" / "assets" / "checkpoints_v0_1"
HEAD_TIMEOUT = 3.0       # the battery's server: --header-timeout (10 s by default)
MAX_CONNECTIONS = 1000   # rnnlp serve's default --max-connections (past it uvicorn answers 503 at once)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Probe(threading.Thread):
    """GET /health every 20 ms; (time, latency or None) per probe; RSS of the server sampled too."""

    def __init__(self, port: int, pid: int):
        super().__init__(daemon=True)
        self.port, self.pid, self.samples, self.rss, self.stop = port, pid, [], [], False

    def run(self):
        while not self.stop:
            start = time.perf_counter()
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/health")
                c.getresponse().read()
                c.close()
                latency = time.perf_counter() - start
            except OSError:
                latency = None
            self.samples.append((start, latency))
            self.rss.append((start, rss_mb(self.pid)))
            time.sleep(0.02)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def post(port: int, path: str, body: bytes, content_type="application/json", headers=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", path, body=body, headers={"Content-Type": content_type, **(headers or {})})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


def wav(rate: int, channels: int = 1, frames: int = 100) -> bytes:
    """A 16-bit PCM wav whose header declares ``rate`` (written by hand: any 32-bit rate)."""
    import struct

    data = b"\0\0" * channels * frames
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * channels * 2) % 2**32, channels * 2, 16)
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + struct.pack("<I", len(data)) + data)


def stream_text(port: int, body: dict, out: dict, key: str) -> None:
    """Read one SSE stream to its end: ``out[key]`` = (tokens, error or None)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", "/v1/models/lm/generate", body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = c.getresponse()
    tokens, error = 0, None
    for line in r:
        if line.startswith(b"data: "):
            event = json.loads(line[6:])
            tokens += "token" in event
            error = event.get("error", error)
    out[key] = (tokens, error, r.status)


def cases(port: int, big: bool) -> list:
    """(name, what it sends, function -> list of statuses)."""
    j = lambda path, body: post(port, path, json.dumps(body).encode())[0]  # noqa: E731

    def two_streams():
        out = {}
        good = threading.Thread(target=stream_text, args=(port, {"input": "the", "max_tokens": 300, "seed": 1,
                                                                  "stream": True}, out, "good"))
        good.start()
        time.sleep(0.2)
        bad = post(port, "/v1/models/lm/generate", b'{"input": "the", "temperature": NaN, "stream": true}')[0]
        tiny = j("/v1/models/lm/generate", {"input": "the", "temperature": 1e-38, "stream": True})
        good.join()
        tokens, error, status = out["good"]
        return [bad, tiny, status], f"the other stream: {tokens} of 300 tokens, error {error}"

    def surrogates():
        body = b'"\\ud800 x"'
        return [post(port, f"/v1/models/{p}", b'{"input": ' + body + b"}")[0]
                for p in ("sentiment/predict", "tagging/tag", "translation/translate", "lm/generate")], ""

    def slow_heads(n=500 if big else 100):
        """Slowloris: request heads that never end; the server cuts each off after --header-timeout."""
        heads = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            heads.append(s)
        status = j("/v1/models/sentiment/predict", {"input": "a fine film"})  # a normal client meanwhile
        time.sleep(HEAD_TIMEOUT + 1.5)
        cut = 0
        for s in heads:
            s.settimeout(0.01)
            try:
                cut += s.recv(1) == b""
            except OSError:
                pass
            s.close()
        return [status], f"{n} request heads that never end: {cut} cut off by the server after {HEAD_TIMEOUT:g} s"

    def held_open(n=900 if big else 200):
        held = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1000\r\n\r\n{")
            held.append(s)
        time.sleep(5)
        status = j("/v1/models/sentiment/predict", {"input": "a fine film"})  # a normal client meanwhile
        for s in held:
            s.close()
        return [status], (f"{n} partial bodies held open for 5 s (the server admits {MAX_CONNECTIONS}); the status is a "
                          "normal request's meanwhile")

    def abandoned(n=200 if big else 50):
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100000\r\n\r\n{\"input\": \"")
            s.close()
        time.sleep(1)
        metrics = http.client.HTTPConnection("127.0.0.1", port)
        metrics.request("GET", "/metrics")
        text = metrics.getresponse().read().decode()
        fives = sum(int(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                    if line.startswith("rnnlp_requests_total") and 'code="5' in line)
        return ["-"], f"{n} uploads abandoned (no client left to answer); 5xx counted in /metrics: {fives}"

    def unknown_names(n=5000 if big else 500):
        statuses = {post(port, f"/v1/models/random{i}/predict", b"{}")[0] for i in range(n)}
        c = http.client.HTTPConnection("127.0.0.1", port)
        c.request("GET", "/metrics")
        size = len(c.getresponse().read())
        return sorted(statuses), f"{n} names; /metrics is {size / 1024:.1f} KB"

    def series_body():
        body = json.dumps({"input": [0.5] * (1_200_000 if big else 300_000)}).encode()
        return [post(port, "/v1/models/series/predict", body)[0]], f"{len(body) / 1e6:.1f} MB"

    def images():
        one = base64.b64encode(png(13000, 13000) if big else png(8000, 8000)).decode()
        return [j("/v1/models/captioning/caption", {"inputs": [one] * 3})], "three images of 169 M pixels"

    return [
        ("two streams, one with temperature NaN and 1e-38", two_streams),
        ("temperature 1e-300", lambda: ([j("/v1/models/lm/generate", {"input": "the", "temperature": 1e-300})], "")),
        ("a 5,000-digit integer", lambda: ([post(port, "/v1/models/lm/generate",
                                                 b'{"input": "the", "max_tokens": 1' + b"0" * 5000 + b"}")[0]], "")),
        ("JSON nested 100,000 deep", lambda: ([post(port, "/v1/models/sentiment/predict", b"[" * 100_000)[0]], "")),
        ("a lone surrogate, four text verbs", surrogates),
        ("a 20k x 20k PNG", lambda: ([j("/v1/models/captioning/caption",
                                        {"input": base64.b64encode(png(20000, 20000)).decode()})], "")),
        ("three 13000 x 13000 PNGs in one request", images),
        ("a wav declaring 1,000,003 Hz", lambda: ([j("/v1/models/speech/transcribe",
                                                      {"input": base64.b64encode(wav(1_000_003)).decode()})], "")),
        ("a wav declaring 4,294,967,291 Hz", lambda: ([j("/v1/models/speech/transcribe",
                                                          {"input": base64.b64encode(wav(4_294_967_291)).decode()})], "")),
        ("a large series body", series_body),
        ("text/plain from another page", lambda: ([post(port, "/v1/models/sentiment/predict", b'{"input": "x"}',
                                                        "text/plain")[0]], "")),
        ("a disallowed Origin", lambda: ([post(port, "/v1/models/sentiment/predict", b'{"input": "x"}',
                                               headers={"Origin": "https://evil.example"})[0]], "")),
        ("random model names", unknown_names),
        ("abandoned uploads", abandoned),
        ("slow clients holding bodies open", held_open),
        ("slow request heads (slowloris)", slow_heads),
    ]


def sigterm(proc, port: int) -> tuple[int | None, float]:
    """SIGTERM with one client stalled mid-body: (exit status, seconds to exit)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000\r\n\r\n{")
    start = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = None
    s.close()
    return code, time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller bodies and counts")
    args = parser.parse_args(argv)
    report = Report(__file__, "rnnlp serve: the abuse battery", argv)
    import rnnlp

    tmp = Path(tempfile.mkdtemp(prefix="rnnlp-abuse-"))
    runs = {task: rnnlp.api.train(task, str(ROOT / "recipes" / task / "tiny.yaml"), [
        f"train.output={tmp / task}", "train.threads=1", "train.max_steps=2", "train.epochs=1", "train.progress=false"])
        for task in ("speech", "series")}
    port = free_port()
    names = [f"{n}={CKPTS / n}" for n in ("sentiment", "tagging", "translation", "lm", "captioning")]
    names += [f"{t}={r}" for t, r in runs.items()]
    proc = subprocess.Popen([sys.executable, "-m", "rnnlp", "serve", *names, "--port", str(port), "--threads", "1",
                             "--grace", "10", "--header-timeout", str(HEAD_TIMEOUT)], stderr=subprocess.DEVNULL, env={**os.environ, "OMP_NUM_THREADS": "1"})
    for _ in range(600):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/health/ready")
            break
        except OSError:
            time.sleep(0.1)
    time.sleep(2)
    idle = rss_mb(proc.pid)
    probe = Probe(port, proc.pid)
    probe.start()
    rows = []
    for name, case in cases(port, not args.quick):
        start = time.perf_counter()
        try:
            statuses, note = case()
        except Exception as exc:  # noqa: BLE001 - a case that breaks the client is a finding too
            statuses, note = ["client error"], f"{type(exc).__name__}: {exc}"
        end = time.perf_counter()
        time.sleep(0.3)
        lat = [l for t, l in probe.samples if start <= t <= end + 0.3]
        ok = [x for x in lat if x is not None]
        p99 = sorted(ok)[max(int(len(ok) * 0.99) - 1, 0)] * 1000 if ok else float("nan")
        peak = max((r for t, r in probe.rss if start <= t <= end + 0.3), default=rss_mb(proc.pid))
        rows.append((name, statuses, note, p99, len(lat) - len(ok), peak))
    probe.stop = True
    probe.join()
    code, seconds = sigterm(proc, port)
    fives = sum(1 for r in rows for s in r[1] if isinstance(s, int) and s >= 500)
    lines = [f"Server: the committed tiny checkpoints and two-step speech and series runs, one thread, idle RSS "
             f"{idle:.0f} MB. `/health` probed every 20 ms throughout.", "",
             "| case | statuses | note | /health p99 (ms) | failed probes | peak RSS (MB) |",
             "|---|---|---|---:|---:|---:|"]
    lines += [f"| {n} | {', '.join(map(str, s))} | {note} | {p:.1f} | {f} | {r:.0f} |" for n, s, note, p, f, r in rows]
    worst = max((r[3] for r in rows if r[3] == r[3]), default=float("nan"))
    peak = max(r[5] for r in rows)
    lines += ["", f"Targets: 5xx responses {fives} (goal 0); worst /health p99 {worst:.1f} ms (goal < 100); peak RSS "
              f"{peak:.0f} MB = {peak / max(idle, 1):.2f}x idle (goal < 2x); SIGTERM with a stalled client: exit "
              f"{code} after {seconds:.1f} s (goal 0 within the 10 s grace)."]
    print(report.write("\n".join(lines), RESULTS / "serve_abuse.md"))


if __name__ == "__main__":
    main()
