"""A real ``rnnlp serve`` process on 127.0.0.1: batching equivalence, SIGTERM during a stream and during load."""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

ROOT = Path(__file__).resolve().parents[2]
CKPTS = ROOT / "tests" / "assets" / "checkpoints_v0_1"
README = (ROOT / "README.md").read_text()
SECTION = README[README.index("## Serving"):].split("\n## ")[0]
COMMANDS = [line for block in re.findall(r"```bash\n(.*?)```", SECTION, flags=re.S) for line in block.splitlines()]
IMAGE = sorted((ROOT / "tests" / "assets" / "captioning" / "images").iterdir())[0]  # README's photo.jpg
CLIP = ROOT / "tests" / "assets" / "speech" / "fsdd" / "2_theo_0.wav"  # README's clip.wav
TEXTS = ["a fine film", "dull", "the best movie of the year , truly", "bad", "not good at all", "fun",
         "an utterly boring and long film that never ends", "great acting", "meh", "a gem"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen([sys.executable, "-m", "rnnlp", "serve", *args, "--port", str(port), "--threads", "1"],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)


def get(port: int, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers),
                                timeout=60) as r:
        return r.read().decode()


def wait_up(proc, port: int) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        try:
            get(port, "/health")
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer /health within 90 s")


def readme_serve_args(port: int, trained: dict) -> list[str]:
    """README's `rnnlp serve` line with each run replaced by that task's tiny checkpoint."""
    [line] = [c for c in COMMANDS if c.startswith("rnnlp serve ")]
    args = shlex.split(line)[2:]
    tiny = lambda m: str(trained.get(m.group(1)) or CKPTS / m.group(1))  # noqa: E731
    args = [re.sub(r"runs/(\w+)-<time>", tiny, a) for a in args]
    return [a if a != "8000" else str(port) for a in args]


@pytest.fixture(scope="module")
def server(trained_runs):
    port = free_port()
    proc = start(*readme_serve_args(port, trained_runs), "--max-wait-ms", "200", port=port)
    try:
        wait_up(proc, port)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def curl(line: str, port: int) -> tuple[int, str]:
    """Run a README curl line with urllib (-d: a POST of that body; -H: a header; -F: a multipart form)."""
    args = shlex.split(line)[1:]
    data, headers = args[args.index("-d") + 1].encode() if "-d" in args else None, {}
    headers.update(args[i + 1].split(": ", 1) for i, a in enumerate(args) if a == "-H")
    parts = [args[i + 1] for i, a in enumerate(args) if a == "-F"]
    if parts:
        data, headers["Content-Type"] = multipart(parts)
    [url] = [a for a in args if a.startswith("localhost:")]
    url = "http://" + url.replace("localhost:8000", f"127.0.0.1:{port}")
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=60) as r:
        return r.status, r.read().decode()


def multipart(parts: list[str]) -> tuple[bytes, str]:
    """curl's ``-F name=value`` / ``-F name=@file`` as a multipart/form-data body (README's files: a
    ``.wav`` is CLIP, any other IMAGE)."""
    boundary, body = "rnnlp-test-boundary", b""
    for part in parts:
        name, _, value = part.partition("=")
        disposition = f'form-data; name="{name}"'
        if value.startswith("@"):
            file = CLIP if value.endswith(".wav") else IMAGE
            disposition, content = disposition + f'; filename="{value[1:]}"', file.read_bytes()
        else:
            content = value.encode()
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_readme_curl_examples_run(server):
    _, port = server
    lines = [c for c in COMMANDS if c.startswith("curl ")]
    assert len(lines) >= 8
    for line in lines:
        status, text = curl(line, port)
        assert status == 200, line
        if "/metrics" in line:
            assert "rnnlp_requests_total" in text
        elif '"stream": true' in line:
            assert json.loads(text.strip().splitlines()[-1][6:])["done"]
        elif "/transcribe" in line:
            assert set(json.loads(text)["output"]) == {"text", "notes"}
        else:
            assert "error" not in json.loads(text)


def batch_counts(port: int, model: str) -> tuple[float, float]:
    """(items, model calls) so far: the sum and count of the model's batch-size histogram."""
    lines = get(port, "/metrics").splitlines()
    found = [float(x.split()[-1]) for kind in ("sum", "count") for x in lines
             if x.startswith(f'rnnlp_batch_size_{kind}{{model="{model}"')]
    return tuple(found) if found else (0.0, 0.0)


def test_it_binds_loopback_and_batches_concurrent_requests_to_the_unbatched_results(server, models):
    proc, port = server
    assert json.loads(get(port, "/health"))["models"] == ["sst2", "ner", "wiki", "cap", "shop", "ecg", "asr"]
    before = batch_counts(port, "sst2")
    with ThreadPoolExecutor(len(TEXTS)) as pool:
        found = list(pool.map(lambda t: json.loads(get(port, "/v1/models/sst2/predict", {"input": t})), TEXTS))
    for text, row in zip(TEXTS, found):
        [alone] = models["sentiment"].predict([text])
        assert row["output"]["label"] == alone["label"]
        assert np.allclose(list(row["output"]["probabilities"].values()), list(alone["probabilities"].values()),
                           atol=1e-5, rtol=0)
    items, calls = batch_counts(port, "sst2")
    assert items - before[0] == len(TEXTS) and calls - before[1] < len(TEXTS)  # fewer model calls than requests
    other = socket.gethostbyname(socket.gethostname())
    if not other.startswith("127."):  # 127.0.0.1 only: this machine's other address does not answer
        with pytest.raises(OSError):
            socket.create_connection((other, port), timeout=2).close()


def test_sigterm_lets_an_in_flight_stream_finish_then_stops(server, models):
    proc, port = server
    body = json.dumps({"input": "the", "max_tokens": 200, "seed": 5, "stream": True}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models/wiki/generate", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        first = response.readline()
        assert first.startswith(b"data: ")
        proc.send_signal(signal.SIGTERM)
        rest = response.read().decode()
    done = json.loads([x for x in rest.splitlines() if x.startswith("data: ")][-1][6:])
    assert done == {"done": True, "text": models["lm"].generate("the", 200, seed=5)}
    assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Traceback" not in proc.stderr.read()


def wait_for_sigterm_handler(proc) -> None:
    """Until the process catches SIGTERM (Linux: the SigCgt mask in /proc/PID/status)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        caught = int(next(x for x in status.splitlines() if x.startswith("SigCgt:")).split()[1], 16)
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.005)
    raise AssertionError("the server never installed its SIGTERM handler")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_sigterm_while_loading_stops_without_a_traceback():
    proc = start(*[f"m{i}={CKPTS / 'sentiment'}" for i in range(8)], port=free_port())
    wait_for_sigterm_handler(proc)  # installed before the models (and torch) load
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    err = proc.stderr.read()
    assert "stopped (SIGTERM) while loading models" in err and "Traceback" not in err


def test_a_slow_request_head_is_cut_off_and_a_foreign_host_refused():
    """Slowloris: a connection that has not sent its whole request head within --header-timeout is
    closed (a complete request on another connection is answered meanwhile); a loopback server
    refuses a Host header that is not a loopback name (DNS rebinding)."""
    port = free_port()
    proc = start(f"sst2={CKPTS / 'sentiment'}", "--header-timeout", "1", port=port)
    try:
        wait_up(proc, port)
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the head never ends
        assert get(port, "/health")  # others are answered meanwhile
        slow.settimeout(5)
        start_wait = time.monotonic()
        assert slow.recv(1024) == b""  # closed by the server
        assert time.monotonic() - start_wait < 3
        slow.close()
        with socket.create_connection(("127.0.0.1", port)) as rebound:
            rebound.sendall(b"GET /v1/models HTTP/1.1\r\nHost: attacker.example:8000\r\nConnection: close\r\n\r\n")
            rebound.settimeout(5)
            assert rebound.recv(1024).startswith(b"HTTP/1.1 400")
    finally:
        proc.kill()
        proc.wait()
