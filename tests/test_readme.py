"""README's code runs: python blocks are executed; every `rnnlp` command line in a bash block parses."""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("code", blocks("python"), ids=lambda c: c.splitlines()[0][:40])
def test_python_blocks_run(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "recipes").symlink_to(ROOT / "recipes")
    exec(compile(code, "README.md", "exec"), {})


def test_bash_commands_exist():
    from rnnlp.cli import cli

    commands = [line.strip() for block in blocks("bash") for line in block.splitlines()
                if "rnnlp " in line and not line.strip().startswith("#")]
    assert commands
    for line in commands:
        args = shlex.split(line[line.index("rnnlp ") + len("rnnlp "):])
        # --help last: click parses every option name before it (a renamed option fails here)
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, (line, result.output)


def test_install_command_matches_ci():
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -e ".[dev]"' in README and 'pip install --quiet -e ".[dev]"' in ci
    assert "python -m pytest -q tests" in README and "python -m pytest -q tests" in ci


def _block_after(marker: str) -> list[str]:
    """The command lines of the first bash block after ``marker`` in README."""
    rest = README[README.index(marker):]
    return [line for line in re.search(r"```bash\n(.*?)```", rest, flags=re.S).group(1).splitlines()
            if line.strip() and not line.startswith("#")]


def test_a_newcomers_first_three_commands_work_verbatim(tmp_path):
    """README's main job (`rnnlp train sentiment`, shortened by an override) in a folder shaped like
    a fresh clone, then README's next commands exactly as printed."""
    import os
    import subprocess
    import sys

    main_job = _block_after("## The main job")
    following = _block_after("<!-- newcomer: next commands")
    assert main_job == ["rnnlp train sentiment"] and len(following) >= 2
    (tmp_path / "rnnlp").symlink_to(ROOT / "rnnlp")  # the clone's package and its bundled data
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "OMP_NUM_THREADS": "1"}
    short = ["train.max_steps=20", "train.threads=1", "train.progress=false"]
    for n, line in enumerate(main_job + following):
        args = shlex.split(line)
        assert args[0] == "rnnlp"
        proc = subprocess.run([sys.executable, "-m", "rnnlp", *args[1:], *(short if n == 0 else [])],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
        assert proc.returncode == 0, (line, proc.stderr[-2000:])
        if args[1] == "predict":
            assert len(proc.stdout.strip().splitlines()) == 2, proc.stdout


def test_verb_option_table_is_the_specification():
    from rnnlp.tasks.table import markdown

    text = README
    start = text.index("<!-- verb options:")
    block = text[text.index("\n", start) + 1: text.index("<!-- end of verb options -->")]
    assert block.strip() == markdown(), "README's verb options are stale: paste `python -m rnnlp.tasks.table`"
