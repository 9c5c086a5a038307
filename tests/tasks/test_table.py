"""The task table is the one place a task is named: other layers branch on the facts of its
entries (item kind, export shape, transfer), never on a task's name."""

from __future__ import annotations

import ast
from pathlib import Path

from rnnlp.tasks.table import ITEMS, TASKS, tasks_with

PKG = Path(__file__).resolve().parents[2] / "rnnlp"
# the same word in another sense, each with why: (module, word) -> reason
OTHER_SENSE = {
    ("transfer/lm_runs.py", "lm"): "LM transfer reads a language-model checkpoint: its source is that task",
    ("transfer/shapes.py", "lm"): "encoder/model.init_vocab's value 'lm' (the LM's tokenizer)",
    ("transfer/weights.py", "lm"): "model.init_vocab's value 'lm'",
    ("serve/app.py", "series"): "the item kind 'series'",
    ("cli/predict.py", "series"): "the item kind 'series', and the output column naming a series' number",
}


def _branches(tree):
    """String constants compared with something (==, !=, in): the shape of a name branch."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                elts = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                yield from (e for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str))


def test_no_module_outside_a_task_branches_on_its_name():
    found = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        if rel == "tasks/table.py":
            continue
        for const in _branches(ast.parse(path.read_text())):
            name = const.value
            if name in TASKS and rel not in (f"tasks/{name}.py", f"config/{name}.py") \
                    and (rel, name) not in OTHER_SENSE:
                found.append(f"rnnlp/{rel}:{const.lineno} compares with the task name {name!r}")
    assert not found, "\n".join(found)


def test_the_check_finds_a_name_branch():
    tree = ast.parse('if model.task == "lm":\n    pass\nif task in ("sentiment", "tagging"):\n    pass\n')
    assert [c.value for c in _branches(tree)] == ["lm", "sentiment", "tagging"]


def test_every_entry_names_known_facts():
    from rnnlp.export import SHAPES

    for name, entry in TASKS.items():
        assert entry.item in ITEMS, name
        assert entry.export in ("", *SHAPES), name
        assert entry.transfer in ("", "encoder", "continue"), name


def test_tasks_with_a_verb_and_item_kind():
    assert tasks_with("predict", ("text",)) == ["sentiment"]
    assert tasks_with("generate") == ["lm", "music"]
    assert tasks_with("generate", ("piece",)) == ["music"]
    assert tasks_with("shout") == []
