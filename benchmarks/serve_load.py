"""Load on a real ``rnnlp serve`` process on 127.0.0.1: dynamic batching against one-at-a-time.

(a) Sentiment: ``--clients`` concurrent clients, each sending one text per request in a loop,
    against the same model served twice, both servers up at once: one at a time
    (``--max-batch 1 --max-wait-ms 0``) and with dynamic batching (``--max-batch 64
    --max-wait-ms 5``). The same ``--warmup`` seconds of load on each side first (not
    measured), then ``--rounds`` alternating rounds of ``--seconds`` each (order ABBA...: the
    machine's load drifts); requests/s, p50/p99 latency and CPU per request are the medians of
    the rounds, errors and requests their sums, and the ratio is of the medians.
(b) Generation: one stream of ``--tokens`` tokens alone, then ``--streams`` concurrent streams
    (continuous batching); total tokens/s of each, their ratio, and p50 time to first token.
(c) With ``--soak SECONDS`` (at least 180), only this: the batched server under the sentiment
    load for that long; its RSS at minute 2 and at the end, and errors. Writes serve_soak.md.

Beside each figure, the server's CPU time per request, split between its event-loop thread
(HTTP, JSON, batching) and its other threads (the model's worker): on a shared machine the
requests/s follow whatever CPU share the server got, CPU time per request does not.

Clients run in this process (threads, keep-alive connections); the server is its own process,
bound to 127.0.0.1 only. Every phase is bounded by its duration. Writes benchmarks/results/serve.md.

    python benchmarks/serve_load.py --sentiment RUN --lm RUN --clients 64 --seconds 20 --warmup 5 --rounds 3 --streams 16
    python benchmarks/serve_load.py --sentiment RUN --soak 600
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


BATCHED = ("--max-batch", "64", "--max-wait-ms", "5")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``rnnlp serve`` in a subprocess on 127.0.0.1 (stopped with SIGTERM on exit)."""

    def __init__(self, runs: list[str], *options: str):
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(SERVER_CODE[0]), "TOKENIZERS_PARALLELISM": "false"}
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

    def cpu_s(self) -> dict:
        """CPU seconds so far of the server's event-loop thread (its main thread) and of the rest."""
        out, tick = {"loop": 0.0, "worker": 0.0}, os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            stat = (task / "stat").read_text()
            user, system = stat[stat.rindex(")") + 2:].split()[11:13]
            out["loop" if task.name == str(self.proc.pid) else "worker"] += (int(user) + int(system)) / tick
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=60)


SERVER_CODE = [ROOT]  # the checkout whose rnnlp the servers run (--server-code: a before/after comparison)


def request(conn, method: str, path: str, body=None) -> tuple[int, bytes]:
    conn.request(method, path, body=None if body is None else json.dumps(body),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def medians(rounds: list[dict]) -> dict:
    """The median of each figure over the rounds; errors and requests summed; the rounds kept."""
    out = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    out.update(errors=sum(r["errors"] for r in rounds), requests=sum(r["requests"] for r in rounds),
               each=[round(r["requests_s"], 1) for r in rounds])
    return out


def sentiment_load(server: Server, name: str, clients: int, seconds: float) -> dict:
    """Requests/s, latency percentiles (ms), errors of ``clients`` looping clients, and the
    server's CPU ms per request (loop, worker)."""
    before = server.cpu_s()
    out = asyncio.run(_load(server.port, name, clients, seconds))
    after = server.cpu_s()
    return {**out, **{f"cpu_{k}": (after[k] - before[k]) * 1000 / max(out["requests"], 1) for k in after}}


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
            if not status:  # the connection broke: count the error, open another
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
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


def streams(server: Server, name: str, n: int, tokens: int, greedy: bool) -> dict:
    """Tokens/s of ``n`` concurrent streams, their times to first token (s), server CPU s used."""
    first, counts, cpu = [], [], server.cpu_s()

    def stream(k: int):
        conn, start = server.connect(), time.perf_counter()
        body = {"input": "the", "max_tokens": tokens, "stream": True, **({"greedy": True} if greedy else {"seed": k})}
        conn.request("POST", f"/v1/models/{name}/generate", headers={"Content-Type": "application/json"},
                     body=json.dumps(body))
        response, count = conn.getresponse(), 0
        for line in response:
            if line.startswith(b"data: ") and b'"token"' in line:
                if not count:
                    first.append(time.perf_counter() - start)
                count += 1
        counts.append(count)

    start = time.perf_counter()
    run_threads(stream, n)
    seconds, used = time.perf_counter() - start, sum(server.cpu_s().values()) - sum(cpu.values())
    return {"tokens_s": sum(counts) / seconds, "first": first, "tokens": sum(counts), "cpu": used}


def sampler_ms(vocab: int, rows: int) -> float:
    """CPU ms per token of the server's seeded sampler (``choose_rows``: one softmax and
    inverse-CDF search for the batch, one uniform per row from its own generator) over a
    ``vocab``-word distribution, ``rows`` streams at a time, in this process, one thread."""
    import torch

    from rnnlp.decoding import RowSampler, choose_rows

    torch.set_num_threads(1)
    log_probs = torch.log_softmax(torch.randn(rows, vocab), dim=-1)
    samplers = [RowSampler(generator=torch.Generator().manual_seed(k)) for k in range(rows)]
    choose_rows(log_probs, samplers)
    start = time.process_time()
    for _ in range(200):
        choose_rows(log_probs, samplers)
    return (time.process_time() - start) * 1000 / (200 * rows)


def multinomial_ms(vocab: int) -> float:
    """CPU ms per token of the sampler up to 0.2.0, for comparison: one ``torch.multinomial``
    draw per stream with its own generator, in this process, one thread."""
    import torch

    torch.set_num_threads(1)
    probs, generator = torch.softmax(torch.randn(1, vocab), dim=-1), torch.Generator().manual_seed(0)
    torch.multinomial(probs, 1, generator=generator)
    start = time.process_time()
    for _ in range(200):
        torch.multinomial(probs, 1, generator=generator)
    return (time.process_time() - start) * 1000 / 200


def vocab_size(server: Server, name: str) -> int:
    catalog = json.loads(request(server.connect(), "GET", "/v1/models")[1])
    return max(catalog["models"][name]["vocab_sizes"].values())


def generation(server: Server, name: str, n: int, tokens: int, rounds: int, greedy: bool) -> dict:
    """Alternating rounds of one stream and ``n`` concurrent ones on one server (the load drifts
    during a run): median tokens/s, p50 time to first token (ms), server CPU ms per token."""
    runs = {"one": [], "many": []}
    for _ in range(rounds):
        runs["one"].append(streams(server, name, 1, tokens, greedy))
        runs["many"].append(streams(server, name, n, tokens, greedy))
    return {k: {"tokens_s": statistics.median(r["tokens_s"] for r in found),
                "ttft": statistics.median(x for r in found for x in r["first"]) * 1000,
                "cpu_ms": sum(r["cpu"] for r in found) * 1000 / max(sum(r["tokens"] for r in found), 1)}
            for k, found in runs.items()}


def soak(server: Server, name: str, clients: int, seconds: float) -> dict:
    """RSS at minute 2 and at the end of ``seconds`` under the sentiment load, and errors."""
    first = sentiment_load(server, name, clients, 120)
    rss2 = server.rss_mb()
    rest = sentiment_load(server, name, clients, seconds - 120)
    return {"rss2": rss2, "rss_end": server.rss_mb(), "errors": first["errors"] + rest["errors"],
            "requests": first["requests"] + rest["requests"], "requests_s": rest["requests_s"], "p99": rest["p99"]}


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sentiment", default=str(TINY / "sentiment"), help="sentiment run (default: the tiny test checkpoint)")
    p.add_argument("--lm", default=str(TINY / "lm"), help="language-model run (default: the tiny test checkpoint)")
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--seconds", type=float, default=20, help="sentiment: each measured round, per side")
    p.add_argument("--warmup", type=float, default=5, help="sentiment: unmeasured load on each side first")
    p.add_argument("--streams", type=int, default=16)
    p.add_argument("--tokens", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (sentiment: of the two servers; "
                   "generation: of 1 and N streams)")
    p.add_argument("--soak", type=float, default=0, metavar="SECONDS",
                   help="only a soak of the batched sentiment server this long (>= 180)")
    p.add_argument("--threads", type=int, default=1, help="torch threads of the server")
    p.add_argument("--server-code", type=Path, default=ROOT, help="a checkout whose rnnlp the servers run "
                   "(default: this one); with --out, the same load on older code")
    p.add_argument("--out", type=Path, default=None, help="write the page here instead of results/serve.md")
    return p.parse_args(argv)


def measure(args) -> dict:
    runs, threads = [f"sst2={args.sentiment}", f"wiki={args.lm}"], ["--threads", str(args.threads)]
    out = {}
    with Server(runs, "--max-batch", "1", "--max-wait-ms", "0", *threads) as alone, \
            Server(runs, *BATCHED, *threads) as batched:
        sides = {"alone": alone, "batched": batched}
        for server in sides.values():  # the same unmeasured warm-up on both sides
            sentiment_load(server, "sst2", args.clients, args.warmup)
        rounds = {side: [] for side in sides}
        for r in range(args.rounds):  # ABBA...: neither side always runs first
            for side in (list(sides) if r % 2 == 0 else list(sides)[::-1]):
                rounds[side].append(sentiment_load(sides[side], "sst2", args.clients, args.seconds))
        out.update({side: medians(found) for side, found in rounds.items()})
        out["vocab"] = vocab_size(batched, "wiki")
        out["sampler_ms"] = {n: sampler_ms(out["vocab"], n) for n in (1, args.streams)}
        out["multinomial_ms"] = multinomial_ms(out["vocab"])
        for mode in ("sampled", "greedy"):
            out[mode] = generation(batched, "wiki", args.streams, args.tokens, args.rounds, mode == "greedy")
    return out


def shown(path: str) -> str:
    """A run path as the report shows it: relative to the repository when inside it."""
    full = Path(path).resolve()
    return str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else path


def trained(run: str) -> str:
    """How a run was trained, from its own files: steps, time budget, the validation figure."""
    folder = Path(run) / "best" if (Path(run) / "best").is_dir() else Path(run)
    try:
        metrics = json.loads((folder / "metrics.json").read_text())
        budget = re.search(r"time_limit_minutes: *([0-9.]+)", (folder / "config.yaml").read_text())
    except OSError:
        return "no training record"
    quality = {k: metrics[k] for k in ("accuracy", "perplexity") if k in metrics}
    return ", ".join([f"{metrics.get('step')} steps", *([f"a {float(budget.group(1)):g}-minute budget"] if budget else []),
                      *(f"validation {k} {v:.3g}" for k, v in quality.items())])


def _row(label: str, r: dict) -> str:
    used = r["requests_s"] * (r["cpu_loop"] + r["cpu_worker"]) / 1000  # CPU seconds per second
    each = f" ({', '.join(map(str, r['each']))})" if "each" in r else ""
    return (f"| {label} | {r['requests_s']:.1f}{each} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} / "
            f"{r['requests']} | {r['cpu_loop']:.2f} | {r['cpu_worker']:.2f} | {used:.2f} |")


def _ratio(g: dict) -> float:
    return g["many"]["tokens_s"] / g["one"]["tokens_s"]


def _generation_row(label: str, g: dict, n: int) -> str:
    one, many = g["one"], g["many"]
    return (f"| {label} | {one['tokens_s']:.1f} | {many['tokens_s'] / n:.1f} | {many['tokens_s']:.1f} | "
            f"{_ratio(g):.2f}x | {one['ttft']:.1f} | {many['ttft']:.1f} | {one['cpu_ms']:.2f} | {many['cpu_ms']:.2f} |")


def report_text(args, m: dict) -> str:
    a, b = m["alone"], m["batched"]
    lines = [f"Models: sentiment `{shown(args.sentiment)}` ({trained(args.sentiment)}); language model "
             f"`{shown(args.lm)}` ({trained(args.lm)}; throughput does not depend on how well it is trained). "
             f"Server torch threads {args.threads}, bound to 127.0.0.1; clients are asyncio tasks on keep-alive "
             "connections in the benchmark's process.", "",
             f"Sentiment, {args.clients} concurrent clients, one text per request, both servers up at once: "
             f"{args.warmup:g} s of unmeasured load on each, then {args.rounds} alternating rounds of "
             f"{args.seconds:g} s each (ABBA order); medians of the rounds (requests/s of each round in brackets) "
             "(CPU ms: the server's CPU time per request, event-loop thread and model worker; CPUs used: "
             "the share of the machine's CPUs the server got, out of 2):", "",
             "| serving | requests/s | p50 ms | p99 ms | errors / requests | CPU ms loop | CPU ms model | CPUs used |",
             "|---|---:|---:|---:|---:|---:|---:|---:|",
             _row("one at a time (--max-batch 1)", a), _row(f"dynamic batching (--max-batch {BATCHED[1]}, "
                                                            f"{BATCHED[3]} ms)", b), "",
             f"Dynamic batching / one at a time: **{b['requests_s'] / a['requests_s']:.2f}x** requests/s; "
             f"server CPU per request {(a['cpu_loop'] + a['cpu_worker']) / (b['cpu_loop'] + b['cpu_worker']):.2f}x "
             "less.", "",
             f"Generation, {args.tokens} tokens per stream from the prompt \"the\", {args.rounds} alternating "
             f"rounds of 1 stream and {args.streams} concurrent streams (continuous batching) on the batched "
             "server; tokens/s: median of the rounds; CPU ms: the server's CPU time per token:", "",
             f"| decoding | 1 stream tokens/s | each of {args.streams} streams, tokens/s | {args.streams} streams, "
             f"all tokens/s | ratio (all) | p50 first token ms, 1 | p50 first token ms, {args.streams} "
             f"| CPU ms/token, 1 | CPU ms/token, {args.streams} |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
             *(_generation_row(label, m[mode], args.streams) for mode, label in (("sampled", "sampled, a seed per stream"),
                                                                     ("greedy", "greedy"))), "",
             f"{args.streams} streams / 1 stream, sampled: **{_ratio(m['sampled']):.2f}x** tokens/s in all "
             f"(each stream: {m['sampled']['many']['tokens_s'] / args.streams / m['sampled']['one']['tokens_s']:.2f}x "
             f"of a lone stream's rate); greedy: **{_ratio(m['greedy']):.2f}x** in all.", "",
             f"Sampling is batched: every step runs one softmax and one two-level float64 inverse-CDF "
             "search (`searchsorted` over block sums, then within the block) for all the streams' rows, and each stream draws ONE uniform from its "
             "own seeded generator, so a seed still gives the same text whatever else is in the batch, and "
             f"equal to `generate`'s (rnnlp/decoding/sampling.py `choose_rows`). Over the {m['vocab']:,}-word "
             f"vocabulary that costs {m['sampler_ms'][1]:.2f} CPU ms per token for one stream and "
             f"{m['sampler_ms'][args.streams]:.2f} per token with {args.streams} streams (measured in the "
             "benchmark's process). Until 0.2.0 each stream drew with its own `torch.multinomial` call, "
             f"{m['multinomial_ms']:.2f} CPU ms per token here, which batching could not share (the figures "
             "of that sampler: `git log -p benchmarks/results/serve.md`).", "",
             *APPROACHES]
    return "\n".join(lines)


APPROACHES = [
    "Where the time went, and what was changed (py-spy on the server under this load; per-request CPU "
    "as in the table):",
    "- The tiny test model costs almost nothing to run, so batching it saved little (1.83x: `git log -p benchmarks/results/serve.md`): "
    "per-request HTTP work dominated. The SST-2 model's one-text forward is memory-bound (a one-layer "
    "512-unit BiLSTM reads all its weights at every step, even for one row), so a batch of 64 costs about as much as a few "
    "single texts: that, not the HTTP stack, is what dynamic batching wins.",
    "- Starlette's `@app.middleware(\"http\")` (BaseHTTPMiddleware) ran every request through an extra "
    "anyio task group and memory stream: replaced by a plain ASGI middleware (`rnnlp/serve/guard.py`).",
    "- FastAPI's route machinery (dependency solving, two AsyncExitStacks, `jsonable_encoder` over every "
    "output) took about as much event-loop CPU as the model's share of a batch: the verb route is a plain "
    "Starlette route returning a `JSONResponse`.",
    "- The benchmark's 64 client threads fought the server for the 2 CPUs and their GIL waits counted as "
    "server latency: the clients are asyncio tasks in one thread.",
    "- Tried, not kept: uvicorn's httptools parser with uvloop (event-loop CPU per request within the noise "
    "of this shared machine, two more dependencies).",
    "- Left as is: tokenization (a small share of the worker's samples), torch threads (1: the other CPU "
    "runs the event loop), batch padding (a batch is padded to its longest text; these texts are 2 to 9 words).",
]


def soak_text(args, s: dict) -> str:
    return (f"Model: sentiment `{shown(args.sentiment)}`, dynamic batching (--max-batch {BATCHED[1]}, "
            f"{BATCHED[3]} ms), server torch threads {args.threads}, {args.clients} concurrent clients for "
            f"{args.soak:g} s.\n\nRSS {s['rss2']:.1f} MB at minute 2, {s['rss_end']:.1f} MB at the end "
            f"(**{(s['rss_end'] / s['rss2'] - 1) * 100:+.1f}%**); **{s['errors']} errors** in {s['requests']} "
            f"requests; after minute 2: {s['requests_s']:.1f} requests/s, p99 {s['p99']:.1f} ms.")


def main(argv=None) -> None:
    args = parse(argv)
    if args.soak:
        if args.soak < 180:
            raise SystemExit("serve_load.py: --soak must be >= 180 seconds (RSS is compared with minute 2)")
        report = Report(__file__, "Serving soak (rnnlp serve)", argv)
        with Server([f"sst2={args.sentiment}"], *BATCHED, "--threads", str(args.threads)) as server:
            text = soak_text(args, soak(server, "sst2", args.clients, args.soak))
        print(report.write(text, RESULTS / "serve_soak.md"))
        return
    SERVER_CODE[0] = args.server_code.resolve()
    report = Report(__file__, "Serving under load (rnnlp serve)", argv)
    text = report_text(args, measure(args))
    if args.server_code.resolve() != ROOT:
        commit = subprocess.run(["git", "-C", str(args.server_code), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        text = f"Server code: `{args.server_code}` at commit {commit} (the benchmark's own code: this checkout).\n\n" + text
    print(report.write(text, args.out or RESULTS / "serve.md"))


if __name__ == "__main__":
    main(sys.argv[1:])
