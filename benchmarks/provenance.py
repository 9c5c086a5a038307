"""Provenance audit: what each committed run log records about the run that wrote it.

    python benchmarks/provenance.py

Issue 25 asks every ``meta.json`` to record the rnnlp version and git commit (with a dirty flag),
the torch and numpy versions, the threads, the load, the date and the command. Runs since
2026-12-05 write all of them (``rnnlp.training.provenance``); older logs hold some or none. This
script reads every run folder under ``benchmarks/logs/`` (a folder with a ``meta.json``) and the
files beside it that may carry a field (``test.json``, ``command.json``, ``config.yaml``,
``load.txt``), and writes ``benchmarks/results/provenance.md``: how many folders are complete,
and for each incomplete one what it lacks and which results pages cite it, so that a figure from
such a log is read knowing what it cannot show. Nothing is filled in after the fact.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from _results import RESULTS, ROOT, Report

LOGS = ROOT / "benchmarks" / "logs"
FIELDS = ("rnnlp_version", "commit", "dirty", "torch_version", "numpy_version", "threads", "load", "date", "command")


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def recorded(folder: Path) -> dict:
    """The provenance fields a run folder records, from meta.json's ``provenance`` first, then
    the older places: meta.json's own fields, test.json, command.json, config.yaml, load.txt."""
    meta = _json(folder / "meta.json")
    prov = dict(meta.get("provenance") or {})
    test, command = _json(folder / "test.json"), _json(folder / "command.json")
    fallbacks = {
        "rnnlp_version": meta.get("rnnlp_version"),
        "torch_version": meta.get("torch_version"),
        "date": meta.get("created") or command.get("started"),
        "threads": test.get("threads") or command.get("threads"),
        "load": test.get("load_start") if "load_start" in test else command.get("load_start"),
        "command": test.get("command") or command.get("command"),
        "commit": test.get("commit"),
    }
    if fallbacks["threads"] is None and (folder / "config.yaml").is_file():
        try:
            fallbacks["threads"] = (yaml.safe_load((folder / "config.yaml").read_text()) or {}).get("train", {}).get("threads")
        except yaml.YAMLError:
            pass
    if fallbacks["load"] is None and (folder / "load.txt").is_file():
        fallbacks["load"] = "load.txt"
    for key, value in fallbacks.items():
        if prov.get(key) is None and value is not None:
            prov[key] = value
    return {k: prov.get(k) for k in FIELDS if prov.get(k) is not None}


def citing(rel: str, pages: dict[str, str]) -> list[str]:
    """The results pages that name the log folder ``rel``: its path under logs/, or a part of it
    with an underscore in its name (``transfer/sst2_1k_none/seed0``: ``sst2_1k_none``) as a word."""
    patterns = [re.escape(f"logs/{rel}")]
    patterns += [rf"(?<![\w-]){re.escape(part)}(?![\w-])" for part in rel.split("/") if "_" in part]
    found = re.compile("|".join(patterns))
    return sorted(name for name, text in pages.items() if found.search(text))


def audit() -> list[dict]:
    pages = {p.relative_to(ROOT).as_posix(): p.read_text(errors="replace")
             for p in [*RESULTS.rglob("*.md"), ROOT / "README.md", ROOT / "BENCHMARKS.md"] if p.is_file()}
    rows = []
    for meta in sorted(LOGS.rglob("meta.json")):
        folder = meta.parent
        rel = folder.relative_to(LOGS).as_posix()
        got = recorded(folder)
        rows.append({"folder": rel, "missing": [f for f in FIELDS if f not in got],
                     "date": str(got.get("date", ""))[:10], "cited_by": citing(rel, pages)})
    return rows


def main() -> int:
    report = Report(__file__, "Provenance of the committed run logs")
    rows = audit()
    complete = [r for r in rows if not r["missing"]]
    lines = [f"Fields checked: {', '.join(FIELDS)} (meta.json's `provenance`, else meta.json, test.json, "
             "command.json, config.yaml's train.threads, load.txt). Nothing is filled in after the fact.", "",
             f"**{len(complete)} of {len(rows)} run folders record every field.** The others were written before "
             "rnnlp recorded provenance (2026-12-05); a figure from one of them cannot show what it lacks. The "
             "headline table (`benchmarks/results/headlines.md`) and README's results are read only from complete "
             "logs.", "",
             "| log folder (under benchmarks/logs/) | date | missing | cited by |", "|---|---|---|---|"]
    for row in rows:
        if row["missing"]:
            lines.append(f"| {row['folder']} | {row['date'] or '?'} | {', '.join(row['missing'])} | "
                         f"{', '.join(row['cited_by']) or '(no results page)'} |")
    report.write("\n".join(lines), RESULTS / "provenance.md")
    print(RESULTS / "provenance.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
