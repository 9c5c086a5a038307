"""The layout figures of issue 27: lines of ``rnnlp/``, each task module's size, and the places
that name a task by a string literal outside the task table and the task's own modules.

    python benchmarks/layout.py                   # this checkout
    python benchmarks/layout.py --root /work/before --json out.json

A "place" is a string constant (``ast.Constant``) equal to a task's name, in a module of
``rnnlp/`` other than ``tasks/table.py``, ``tasks/<task>.py`` and ``config/<task>.py`` of that
same task. Lines are physical lines of every ``.py`` file under ``rnnlp/`` (comments and
docstrings included, as ``wc -l`` counts them); ``code_lines`` counts only the lines that hold a
token of code (no blank line, comment or docstring), to tell code from its documentation.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import tokenize
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def task_names(root: Path) -> list[str]:
    """The task table's names, read from its source (the checkout may be another version)."""
    tree = ast.parse((root / "rnnlp/tasks/table.py").read_text())
    names = []
    for node in ast.walk(tree):  # TASKS = {"sentiment": TaskEntry(...), ...}
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if (isinstance(key, ast.Constant) and isinstance(value, ast.Call)
                        and getattr(value.func, "id", "") == "TaskEntry"):
                    names.append(key.value)
    return names


SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def code_lines(source: str) -> int:
    """Lines holding a token of code: blank lines, comments and docstrings (a module's, class's
    or function's first string statement) left out."""
    docs = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docs.update(range(first.lineno, first.end_lineno + 1))
    held = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in SKIP:
            held.update(n for n in range(tok.start[0], tok.end[0] + 1) if n not in docs)
    return len(held)


def figures(root: Path) -> dict:
    pkg = root / "rnnlp"
    files = sorted(p for p in pkg.rglob("*.py") if "__pycache__" not in p.parts)
    lines = {str(p.relative_to(root)): len(p.read_text().splitlines()) for p in files}
    names = task_names(root)
    places: Counter = Counter()
    where = []
    for path in files:
        rel = path.relative_to(pkg).as_posix()
        if rel == "tasks/table.py":
            continue
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and node.value in names:
                if rel in (f"tasks/{node.value}.py", f"config/{node.value}.py"):
                    continue
                places[rel] += 1
                where.append(f"rnnlp/{rel}:{node.lineno}: {source.splitlines()[node.lineno - 1].strip()}")
    code = sum(code_lines(p.read_text()) for p in files)
    return {"lines": sum(lines.values()), "code_lines": code, "files": len(files),
            "task_modules": {n: lines.get(f"rnnlp/tasks/{n}.py") for n in names},
            "task_literals": sum(places.values()), "task_literal_files": len(places),
            "task_literals_by_file": dict(places.most_common()), "task_literal_lines": where}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="a checkout of rnnlp (default: this one)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--list", action="store_true", help="print each place with its line of code")
    args = parser.parse_args(argv)
    out = figures(args.root)
    import datetime
    import subprocess

    head = subprocess.run(["git", "-C", str(args.root), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(args.root), "status", "--porcelain", "rnnlp"], capture_output=True, text=True)
    out = {"command": "python benchmarks/layout.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "checkout_commit": head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else ""),
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), **out}
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    print(f"rnnlp/: {out['lines']} lines in {out['files']} files ({out['code_lines']} lines of code: no blank line, comment or "
          "docstring)")
    print("task modules: " + ", ".join(f"{k} {v}" for k, v in out["task_modules"].items()))
    print(f"task names as string literals outside the table and the task's own modules: {out['task_literals']} "
          f"in {out['task_literal_files']} files")
    for k, v in out["task_literals_by_file"].items():
        print(f"  {v:3d}  {k}")
    if args.list:
        print("\n".join(out["task_literal_lines"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
