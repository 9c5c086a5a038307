"""Load on a real ``rnnlp serve`` process on 127.0.0.1: dynamic batching against one-at-a-time.

(a) Sentiment: ``--clients`` concurrent clients, each sending one text per request in a loop for
    ``--seconds``, against the same model served twice in one run: one at a time
    (``--max-batch 1 --max-wait-ms 0``) and with dynamic batching (``--max-batch 64
    --max-wait-ms 5``). Requests/s, p50/p99 latency and errors of each, and their ratio.
(b) Generation: one stream of ``--tokens`` tokens alone, then ``--streams`` concurrent streams
    (continuous batching); total tokens/s of each, their ratio, and p50 time to first token.
(c) With ``--soak-minutes M``: the batched server under the sentiment load for M minutes; its
    RSS at minute 2 and at minute M, and errors.

Clients run in this process (threads, keep-alive connections); the server is its own process,
bound to 127.0.0.1 only. Every phase is bounded by its duration. Writes benchmarks/results/serve.md.

    python benchmarks/serve_load.py --sentiment RUN --lm RUN --clients 64 --seconds 60 --streams 16
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _results import RESULTS, ROOT, Report

TINY = ROOT / "tests" / "assets" / "checkpoints_v0_1"
TEXTS = ["a gripping, funny film", "a dull mess", "the acting is superb but the story drags",
         "not bad at all", "one of the worst films of the year", "charming and warm", "an utter bore",
         "a masterpiece of quiet menace", "it never quite comes together", "funny, sad and true"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``rnnlp serve`` in a subprocess on 127.0.0.1 (stopped with SIGTERM on exit)."""

    def __init__(self, runs: list[str], *options: str):
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
        self.proc = subprocess.Popen([sys.executable, "-m", "rnnlp", "serve", *runs, "--host", "127.0.0.1",
                                      "--port", str(self.port), "--device", "cpu", *options],
                                     cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not self._up():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve_load.py: the server did not start ({' '.join(runs)})")
            time.sleep(0.2)

    def _up(self) -> bool:
        try:
            return request(self.connect(), "GET", "/health")[0] == 200
        except OSError:
            return False

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def request(conn, method: str, path: str, body=None) -> tuple[int, bytes]:
    conn.request(method, path, body=None if body is None else json.dumps(body),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def sentiment_load(server: Server, name: str, clients: int, seconds: float) -> dict:
    """Requests/s, latency percentiles (ms) and errors of ``clients`` looping clients."""
    return asyncio.run(_load(server.port, name, clients, seconds))


async def _load(port: int, name: str, clients: int, seconds: float) -> dict:
    """The clients as asyncio tasks on keep-alive connections in one thread: 64 client threads
    fought the server for the CPU and their GIL waits counted as server latency."""
    stop, results = time.monotonic() + seconds, []

    async def client(k: int):
        latencies, errors, i = [], 0, k
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < stop:
            start = time.perf_counter()
            status = await _post(reader, writer, f"/v1/models/{name}/predict", {"input": TEXTS[i % len(TEXTS)]})
            latencies.append(time.perf_counter() - start)
            errors, i = errors + (status != 200), i + 1
        writer.close()
        results.append((latencies, errors))

    await asyncio.gather(*(client(k) for k in range(clients)))
    ms = sorted(x * 1000 for latencies, _ in results for x in latencies)
    return {"requests_s": len(ms) / seconds, "p50": ms[len(ms) // 2], "p99": ms[int(len(ms) * 0.99)],
            "errors": sum(e for _, e in results), "requests": len(ms)}


async def _post(reader, writer, path: str, body: dict) -> int:
    """One HTTP/1.1 POST on a keep-alive connection; the status (0 when the connection broke)."""
    data = json.dumps(body).encode()
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        await reader.readexactly(int(length.group(1)) if length else 0)
        return int(head.split(b" ", 2)[1])
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return 0


def run_threads(target, n: int) -> None:
    threads = [threading.Thread(target=target, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def streams(server: Server, name: str, n: int, tokens: int) -> dict:
    """Total tokens/s of ``n`` concurrent streams and their p50 time to first token (ms)."""
    first, counts = [], []

    def stream(k: int):
        conn, start = server.connect(), time.perf_counter()
        conn.request("POST", f"/v1/models/{name}/generate", headers={"Content-Type": "application/json"},
                     body=json.dumps({"input": "the", "max_tokens": tokens, "seed": k, "stream": True}))
        response, count = conn.getresponse(), 0
        for line in response:
            if line.startswith(b"data: ") and b'"token"' in line:
                if not count:
                    first.append(time.perf_counter() - start)
                count += 1
        counts.append(count)

    start = time.perf_counter()
    run_threads(stream, n)
    seconds = time.perf_counter() - start
    return {"tokens_s": sum(counts) / seconds, "ttft_p50": statistics.median(first) * 1000, "tokens": sum(counts)}


def soak(server: Server, name: str, clients: int, minutes: float) -> dict:
    """RSS at minute 2 and at the end of ``minutes`` under the sentiment load, and errors."""
    first = sentiment_load(server, name, clients, 120)
    rss2 = server.rss_mb()
    rest = sentiment_load(server, name, clients, (minutes - 2) * 60)
    return {"rss2": rss2, "rss_end": server.rss_mb(), "errors": first["errors"] + rest["errors"],
            "requests": first["requests"] + rest["requests"]}


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sentiment", default=str(TINY / "sentiment"), help="sentiment run (default: the tiny test checkpoint)")
    p.add_argument("--lm", default=str(TINY / "lm"), help="language-model run (default: the tiny test checkpoint)")
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--streams", type=int, default=16)
    p.add_argument("--tokens", type=int, default=100)
    p.add_argument("--soak-minutes", type=float, default=0, help="0: no soak; else >= 3")
    p.add_argument("--threads", type=int, default=1, help="torch threads of the server")
    return p.parse_args(argv)


def measure(args) -> dict:
    runs, threads = [f"sst2={args.sentiment}", f"wiki={args.lm}"], ["--threads", str(args.threads)]
    out = {}
    with Server(runs, "--max-batch", "1", "--max-wait-ms", "0", *threads) as alone:
        out["alone"] = sentiment_load(alone, "sst2", args.clients, args.seconds)
        out["stream1"] = streams(alone, "wiki", 1, args.tokens)
    with Server(runs, "--max-batch", "64", "--max-wait-ms", "5", *threads) as batched:
        out["batched"] = sentiment_load(batched, "sst2", args.clients, args.seconds)
        out["streamN"] = streams(batched, "wiki", args.streams, args.tokens)
        if args.soak_minutes:
            out["soak"] = soak(batched, "sst2", args.clients, args.soak_minutes)
    return out


def shown(path: str) -> str:
    """A run path as the report shows it: relative to the repository when inside it."""
    full = Path(path).resolve()
    return str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else path


def report_text(args, m: dict) -> str:
    a, b = m["alone"], m["batched"]
    rows = [f"| {label} | {r['requests_s']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} / {r['requests']} |"
            for label, r in (("one at a time (--max-batch 1)", a), ("dynamic batching (--max-batch 64, 5 ms)", b))]
    s1, sn = m["stream1"], m["streamN"]
    lines = [f"Models: sentiment `{shown(args.sentiment)}`, language model `{shown(args.lm)}`; server torch threads "
             f"{args.threads}; clients in one process (threads), server bound to 127.0.0.1.", "",
             f"Sentiment, {args.clients} concurrent clients for {args.seconds:g} s each way:", "",
             "| serving | requests/s | p50 ms | p99 ms | errors / requests |", "|---|---:|---:|---:|---:|", *rows, "",
             f"Dynamic batching / one at a time: **{b['requests_s'] / a['requests_s']:.2f}x** requests/s.", "",
             f"Generation, {args.tokens} tokens per stream:", "",
             "| streams | total tokens/s | p50 time to first token (ms) |", "|---|---:|---:|",
             f"| 1 | {s1['tokens_s']:.1f} | {s1['ttft_p50']:.1f} |",
             f"| {args.streams} concurrent (continuous batching) | {sn['tokens_s']:.1f} | {sn['ttft_p50']:.1f} |", "",
             f"{args.streams} streams / 1 stream: **{sn['tokens_s'] / s1['tokens_s']:.2f}x** tokens/s."]
    if "soak" in m:
        s = m["soak"]
        lines += ["", f"Soak, {args.soak_minutes:g} minutes under the sentiment load: RSS {s['rss2']:.1f} MB at "
                      f"minute 2, {s['rss_end']:.1f} MB at the end ({(s['rss_end'] / s['rss2'] - 1) * 100:+.1f}%); "
                      f"{s['errors']} errors in {s['requests']} requests."]
    return "\n".join(lines)


def main(argv=None) -> None:
    args = parse(argv)
    if args.soak_minutes and args.soak_minutes < 3:
        raise SystemExit("serve_load.py: --soak-minutes must be 0 or >= 3 (RSS is compared with minute 2)")
    report = Report(__file__, "Serving under load (rnnlp serve)", argv)
    print(report.write(report_text(args, measure(args)), RESULTS / "serve.md"))


if __name__ == "__main__":
    main(sys.argv[1:])
