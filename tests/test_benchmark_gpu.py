"""benchmarks/gpu.py runs end to end (on CPU, tiny), so the first borrowed GPU is not spent on a bug."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_benchmark_script_runs_on_cpu(capsys):
    spec = importlib.util.spec_from_file_location("gpu_bench", ROOT / "benchmarks" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--device", "cpu", "--steps", "2", "--lm-size", "16", "--hidden", "16"])
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.startswith(("sentiment", "word LM"))]
    assert len(rows) == 3
    for row in rows:
        rates = [float(x.replace(",", "")) for x in row.split()[-5:]]
        assert all(r > 0 for r in rates)
