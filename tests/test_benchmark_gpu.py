"""benchmarks/gpu.py runs end to end (on CPU, tiny), so the first borrowed GPU is not spent on a bug."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_benchmark_script_runs_on_cpu(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # it imports _results from its folder
    spec = importlib.util.spec_from_file_location("gpu_bench", ROOT / "benchmarks" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = sorted(p.name for p in (ROOT / "benchmarks" / "results").iterdir())
    module.main(["--device", "cpu", "--steps", "2", "--lm-size", "16", "--hidden", "16"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("| sentiment", "| word LM"))]
    assert len(rows) == 3
    for row in rows:
        rates = [float(x.strip().replace(",", "")) for x in row.strip("|").split("|")[1:]]
        assert len(rates) == 5 and all(r > 0 for r in rates)
    # a CPU run checks the script; it must not stand in for the GPU figure
    assert sorted(p.name for p in (ROOT / "benchmarks" / "results").iterdir()) == before
