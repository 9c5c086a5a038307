"""The results page, benchmarks/results/peers.md, and one PNG per row, read from the logs only:
curve points (median and range over seeds), the peers' own figures, the time-to-quality ratio
both ways, the goals, versions, configs and commands, and why a side has no figure."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import harness
import rows
from _results import ROOT, Report
from rows import ROWS, Row, peer_status, rnnlp_command, seeds_of

def side_curve(name: str, side: str, threads: int, metric: str) -> list:
    return harness.curve([harness.read_points(p, metric) for p in seeds_of(name, side, threads)])


def own_figures(name: str, side: str, threads: int) -> dict:
    """{minute: [(name, the peer's own figure) per seed]} from point.json: the first number its
    driver returned at that point (durations, ``*_s``, aside)."""
    out: dict = {}
    for seed in seeds_of(name, side, threads):
        for path in seed.glob("points/*/point.json"):
            own = json.loads(path.read_text()).get("own")
            own = own if isinstance(own, dict) else {}
            found = next(((k, v) for k, v in own.items() if isinstance(v, (int, float)) and not k.endswith("_s")), None)
            if found is not None:
                out.setdefault(float(path.parent.name), []).append(found)
    return out


def row_section(name: str, row: Row, threads: int, plots: bool) -> list[str]:
    ours = side_curve(name, "rnnlp", threads, row.metric)
    theirs = {p.env: side_curve(name, p.env, threads, row.metric) for p in row.peers}
    measured = sorted({float(p.name) for side in ("rnnlp", *theirs) for seed in seeds_of(name, side, threads)
                       for p in (seed / "points").glob("*")}) or list(row.minutes)  # --minutes of the runs
    lines = [f"## {name}: {row.title}, {threads} thread{'s' if threads > 1 else ''}", "",
             f"- rnnlp: `rnnlp {' '.join(rnnlp_command(row, 'K', threads, Path('RUN'), measured, Path('DATA'))[3:])}`"
             .replace(str(ROOT) + "/", "")]
    for peer in row.peers:
        status = peer_status(peer.env)
        lines.append(f"- {peer.title} (`{peer.env}`): {peer.config}; driver `benchmarks/peers/drivers/{peer.driver}`; "
                     + (f"environment {peer_versions(status, notes=False)}" if status.get("ok")
                        else f"**not run: {status.get('error')}**"))
    lines.append("")
    if not any(seeds_of(name, side, threads) for side in ("rnnlp", *theirs)):
        return lines + [f"Not measured yet: `python benchmarks/peers/run.py {name} --seeds 3 --threads {threads}`", ""]
    head = f"| minute | rnnlp {row.metric} (median, range, seeds) |"
    for peer in row.peers:
        head += f" {peer.env} {row.metric} by rnnlp's metric | {peer.env}'s own figure (median) |"
    lines += [head, "|---|---|" + "---|---|" * len(row.peers)]
    mine = {p[0]: p for p in ours}
    by_minute = {env: {p[0]: p for p in curve} for env, curve in theirs.items()}
    owns = {p.env: own_figures(name, p.env, threads) for p in row.peers}
    for minute in sorted(set(mine).union(*by_minute.values())):
        line = f"| {minute:g} | {cell(mine.get(minute))} |"
        for peer in row.peers:
            own = owns[peer.env].get(minute)
            own = f"{statistics.median(v for _, v in own):.4f} ({own[0][0]})" if own else ""
            line += f" {cell(by_minute[peer.env].get(minute))} | {own} |"
        lines.append(line)
    lines.append("")
    lines += variant_lines(name, row, threads, mine)
    for side in ("rnnlp", *(p.env for p in row.peers)):
        lines += [f"- {side}: {text}" for text in failures(name, side, threads)]
    for peer in row.peers:
        if theirs[peer.env]:
            r = harness.ratios([(p[0], p[1]) for p in ours], [(p[0], p[1]) for p in theirs[peer.env]],
                               row.lower_is_better)
            lines += [f"Against {peer.title}:", "", *ratio_lines(row, r, ours, theirs[peer.env]), ""]
    if plots:
        path = plot(name, row, threads, ours, {p.title: theirs[p.env] for p in row.peers})
        lines += [f"![{name}]({path.relative_to(rows.RESULTS).as_posix()})"]
    return lines + [""]


def variant_lines(name: str, row: Row, threads: int, mine: dict) -> list[str]:
    """Each rnnlp variant with logs (``run.py --variant``), beside the table: its test points and
    both sides' best validation figure from the run's last line; not counted toward the goals."""
    out = []
    for variant, (what, _) in rows.VARIANTS.items():
        side = f"rnnlp-{variant}"
        curve = {p[0]: p for p in side_curve(name, side, threads, row.metric)}
        if not curve:
            continue
        valid = {s: [v for seed in seeds_of(name, s, threads) if (v := best_valid(seed))] for s in ("rnnlp", side)}
        out += [f"Variant `{side}` ({what}; not counted toward the goals, adopted for every row only on validation):",
                "", "| minute | rnnlp | " + side + " |", "|---|---|---|"]
        out += [f"| {m:g} | {cell(mine.get(m))} | {cell(curve[m])} |" for m in sorted(curve)]
        out += ["", "- best validation figure of each run (its last line): " + "; ".join(
            f"{s} {', '.join(valid[s]) or '-'}" for s in valid), ""]
    return out


def best_valid(seed: Path) -> str | None:
    """``best valid NDCG@10 0.0525`` of the run's "done (...)" line in stdout.log, or None."""
    log = seed / "stdout.log"
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    done = next((line for line in reversed(lines) if line.startswith("done (")), "")
    return done.split("): ", 1)[1].strip() if "): " in done else None


def failures(name: str, side: str, threads: int) -> list[str]:
    """Why a side's seed has points without a figure: the scorer's error, its exit code, its last output line."""
    out = []
    for seed in seeds_of(name, side, threads):
        errors = sorted({json.loads(p.read_text()).get("error") for p in seed.glob("points/*/scores.json")} - {None})
        if not errors:
            continue
        record = json.loads((seed / "command.json").read_text()) if (seed / "command.json").is_file() else {}
        log = seed / "stdout.log"
        last = next((line for line in reversed(log.read_text(errors="replace").splitlines()) if line.strip()), "") \
            if log.is_file() else ""
        out.append(f"{seed.name}: {'; '.join(errors)} (exit code {record.get('returncode')}, "
                   f"{record.get('stopped', '?')}; last output line: `{last.strip()[:200]}`)")
    return out


def cell(point) -> str:
    if point is None:
        return "-"
    _, median, low, high, n = point
    return f"**{median:.4f}** ({low:.4f} - {high:.4f}, {n})" if n > 1 else f"**{median:.4f}** (1 seed)"


def ratio_lines(row: Row, r: dict, ours: list, theirs: list) -> list[str]:
    out = []
    if r["peer_best"]:
        m, v = r["peer_best"]
        reached = r.get("rnnlp_reaches_peer_best_at")
        out.append(f"- Peer's best {v:.4f} at {m:g} min; rnnlp reached it at "
                   + (f"{reached:g} min: time-to-quality ratio **{r['peer_over_rnnlp']:.2f}x** (peer minutes / rnnlp "
                      f"minutes)" if reached else "no point: **rnnlp is behind**"))
    if r["rnnlp_best"]:
        m, v = r["rnnlp_best"]
        reached = r.get("peer_reaches_rnnlp_best_at")
        out.append(f"- rnnlp's best {v:.4f} at {m:g} min; the peer reached it at "
                   + (f"{reached:g} min (ratio rnnlp minutes / peer minutes {r['rnnlp_over_peer']:.2f}x)"
                      if reached else "no point"))
    if ours and theirs:
        ahead = harness.ahead_everywhere([(p[0], p[1]) for p in ours], [(p[0], p[1]) for p in theirs],
                                         row.lower_is_better)
        out.append(f"- rnnlp at or above the peer at every shared point: {'yes' if ahead else '**no**'}")
    return out


def peer_versions(status: dict, notes: bool = True) -> str:
    keys = ("flair", "torch", "gensim", "opennmt-py", "OpenNMT-py", "eole", "recbole", "aeon", "numpy")
    versions = status.get("versions", {})
    found = [f"{k} {versions[k]}" for k in keys if k in versions]
    return ", ".join(found) + (f" ({status['notes']})" if notes and status.get("notes") else "")


def plot(name: str, row: Row, threads: int, ours: list, theirs: dict) -> Path:
    """Quality against minutes, every side: the median of the seeds, their range shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, points in (("rnnlp", ours), *theirs.items()):
        if points:
            m = [p[0] for p in points]
            ax.plot(m, [p[1] for p in points], marker="o", label=label)
            ax.fill_between(m, [p[2] for p in points], [p[3] for p in points], alpha=0.25)
    ax.set_xlabel("minutes (wall clock, same machine and threads)")
    ax.set_ylabel(row.metric)
    ax.set_title(f"{name}, {threads} thread{'s' if threads > 1 else ''}: median of seeds, range shaded")
    ax.legend()
    fig.tight_layout()
    path = rows.RESULTS / "peers" / f"{name}_threads{threads}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def write_report(argv: list[str], plots: bool = True) -> Path:
    try:
        import torch  # noqa: F401 - rnnlp's side: its version goes into the header
    except ImportError:
        pass
    report = Report(str(Path(__file__).with_name("run.py")),  # the script to rerun
                    "Side by side with the peers: time-to-quality curves (issue 30)", argv)
    body = [report_intro()]
    setups = [peer_status(p) for p in dict.fromkeys(p.env for r in ROWS.values() for p in r.peers)]
    body += ["## Peers' environments (benchmarks/peers/setup.sh)", "", "| peer | installed | versions / exact error |",
             "|---|---|---|"]
    body += [f"| {s['peer']} | {('yes (kept with its logs)' if s.get('kept') else 'yes') if s.get('ok') else '**no**'} | "
             f"{peer_versions(s) if s.get('ok') else s.get('error', '').replace('|', '/')} |" for s in setups]
    body.append("")
    for name in ROWS:
        for threads in (1, 2):
            if threads == 1 or any(seeds_of(name, side, 2) for side in ("rnnlp", *(p.env for p in ROWS[name].peers))):
                body += row_section(name, ROWS[name], threads, plots)
    body += goals()
    path = rows.RESULTS / "peers.md"
    report.write("\n".join(body), path)
    return path


def goals() -> list[str]:
    """The issue's goals per row and thread count: at or above every peer at every point, and a
    time-to-quality ratio of at least 2x against the strongest peer (best final median)."""
    lines = ["## Goals (issue 30)", "", "| row | threads | strongest peer (its best) | rnnlp at or above every peer at "
             "every point | time-to-quality ratio vs the strongest | both goals |", "|---|---|---|---|---|---|"]
    for name, row in ROWS.items():
        for threads in (1, 2):
            ours = [(p[0], p[1]) for p in side_curve(name, "rnnlp", threads, row.metric)]
            theirs = {p.env: [(q[0], q[1]) for q in side_curve(name, p.env, threads, row.metric)] for p in row.peers}
            theirs = {env: curve for env, curve in theirs.items() if curve}
            if not ours or not theirs:
                continue
            sign = -1 if row.lower_is_better else 1
            strongest = max(theirs, key=lambda env: sign * harness.best_point(theirs[env], row.lower_is_better)[1])
            ahead = all(harness.ahead_everywhere(ours, curve, row.lower_is_better) for curve in theirs.values())
            r = harness.ratios(ours, theirs[strongest], row.lower_is_better)
            ratio = f"{r['peer_over_rnnlp']:.2f}x" if r["peer_over_rnnlp"] else "rnnlp never reaches its best: behind"
            met = ahead and (r["peer_over_rnnlp"] or 0) >= 2
            lines.append(f"| {name} | {threads} | {strongest} ({r['peer_best'][1]:.4f} at {r['peer_best'][0]:g} min) | "
                         f"{'yes' if ahead else '**no**'} | {ratio} | {'met' if met else '**not met**'} |")
    if len(lines) == 4:
        lines.append("| (no row measured on both sides yet) | | | | | |")
    behind = [f"- {name}: {row.behind}" for name, row in ROWS.items() if row.behind and any(
        seeds_of(name, side, t) for side in ("rnnlp", *(p.env for p in row.peers)) for t in (1, 2))]
    return lines + ["", "Where rnnlp is behind, the row's section says at which points; what the peer does that rnnlp "
                        "does not:", "", *(behind or ["- (no row behind)"]), ""]


def report_intro() -> str:
    return ("Both sides on the same machine, data files and splits, thread count and wall clock (minute 0 = the "
            "launch of the side's process); the budget stops a run, the schedule is each side's own. At each "
            "point rnnlp's newest `last/` checkpoint saved before it is scored with the task's `evaluate`; the "
            "peer saves its predictions there (its clock paused) and they are scored by rnnlp's metric code "
            "(`benchmarks/peers/score.py`: seqeval strict, accuracy, perplexity from summed log-probabilities, "
            "sacreBLEU, full-ranking NDCG with seen items excluded); the peer's own figure is beside it. Cells: "
            "median over seeds (range, seeds). Time-to-quality ratio: the minutes the peer needed for its best "
            "figure / the minutes rnnlp needed to reach it (at the fixed points). rnnlp's `last/` saves (every "
            "`train.save_every` steps, optimizer state included) count on its own clock; a peer's clock is paused "
            "while it writes predictions. Each side's untimed warm-up is one import of its packages (the first import "
            "compiles bytecode). Logs: "
            "`benchmarks/logs/peers/<row>/<side>/threads<t>/seed<k>/`.\n")
