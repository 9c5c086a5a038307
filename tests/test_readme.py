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
