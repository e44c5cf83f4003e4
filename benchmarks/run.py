"""``python -m benchmarks.run``: every workload beside its peer, written to BENCHMARKS.md.

Each measurement runs in a process of its own (``benchmarks.measure``); each round runs
Spotlight and then its peer, so both meet the same machine load, and ratios are taken round by
round (the median of the paired ratios). Nothing in the output is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import workloads
from benchmarks.generate import SCALES, SEED, generate
from benchmarks.workloads import build_base, copy_database

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BIN = Path(sys.executable).parent


@dataclass
class Row:
    """One line of the table, with what went into it."""

    workload: str
    spotlight: str
    peer: str
    target: str
    ours_s: float | None = None
    peer_s: float | None = None
    ratio: float | None = None
    ratio_text: str = ""
    memory_mb: float | None = None
    met: bool | None = None
    rounds: int = 0
    notes: list[str] = field(default_factory=list)


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def child(args: list[str], *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``benchmarks.measure`` once and return what it printed."""
    done = subprocess.run([PY, "-m", "benchmarks.measure", *args], cwd=ROOT, check=False,
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.measure {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def median(values: list[float]) -> float:
    return float(statistics.median(values))


class Bench:
    """A whole run: data, databases, rounds, rows."""

    def __init__(self, scale: str, runs: int, work: Path, peer_redraws: int) -> None:
        self.scale = SCALES[scale]
        self.runs = runs
        self.work = work
        self.data = work / scale
        self.peer_redraws = peer_redraws
        self.rows: list[Row] = []
        self.raw: dict[str, Any] = {}
        self.profiles: dict[str, str] = {}
        self.profile_paths: dict[str, Path] = {}
        self.profile = True

    def rounds(self, budget_s: float, *, at_least: int = 1) -> Any:
        """Round numbers: ``runs`` of them, fewer once a workload has used its time budget.

        The whole run has to fit in about 15 minutes on two cores; a workload whose single
        round takes minutes gets fewer rounds, and the notes say how many it had.
        """
        start = time.perf_counter()
        for r in range(max(self.runs, at_least)):
            if r >= at_least and time.perf_counter() - start > budget_s:
                return
            yield r

    def common(self, workload: str, side: str, *extra: str) -> list[str]:
        return [workload, side, "--data", str(self.data), "--scale", self.scale.name,
                "--work", str(self.work / "rounds"), *extra]

    # ------------------------------------------------------------ workloads

    def crimes(self) -> Row:
        row = Row("crime import: parse, validate, assign to spots and catchments, store "
                  f"({self.scale.records:,} records, {len(self.ds.crime_files)} files)",
                  "`import_crimes`", "`pandas.read_csv` + raw `sqlite3` `executemany`",
                  "<= 2x the floors added; peak memory < 1.5 GB")
        ours, csv, ins, ratios = [], [], [], []
        for r in self.rounds(300, at_least=2):
            o = child(self.common("crimes", "spotlight", "--base", str(self.base),
                                  *self.profiled("crimes", r)))
            c = child(self.common("crimes", "read_csv"))
            i = child(self.common("crimes", "insert"))
            ours.append(o)
            csv.append(c)
            ins.append(i)
            ratios.append(o["seconds"] / (c["seconds"] + i["seconds"]))
            log(f"crimes round {r + 1}: spotlight {o['seconds']:.1f}s, read_csv "
                f"{c['seconds']:.1f}s, insert {i['seconds']:.1f}s")
        self.raw["crimes"] = {"spotlight": ours, "read_csv": csv, "insert": ins}
        copy_database(self.work / "rounds" / "crimes.db", self.work / "crimes-kept.db")
        row.ours_s = median([o["seconds"] for o in ours])
        row.rounds = len(ours)
        floors = median([c["seconds"] for c in csv]) + median([i["seconds"] for i in ins])
        row.peer_s = floors
        row.ratio = median(ratios)
        row.memory_mb = max(o["peak_rss_mb"] for o in ours)
        row.ratio_text = f"{row.ratio:.2f}x the floors"
        row.met = row.ratio <= 2.0 and row.memory_mb < 1536
        info = ours[-1]["info"]
        row.notes.append(
            f"floors: read_csv {median([c['seconds'] for c in csv]):.1f} s + executemany "
            f"{median([i['seconds'] for i in ins]):.1f} s; stored {info['imported']:,} "
            f"({info['in_spots']:,} in spots, {info['in_catchments']:,} in catchments, "
            f"{info['unlocatable']:,} unlocatable)")
        return row

    def assign(self) -> Row:
        row = Row(f"spatial assignment alone ({self.scale.spots:,} spots and catchments, "
                  "metric CRS)", "`to_metric` + `assign`",
                  "geopandas `to_crs` + `sjoin` (spot areas, then catchment rings)",
                  ">= 5x faster, same assignment")
        ours, peer, ratios = [], [], []
        for r in self.rounds(120):
            o = child(self.common("assign", "spotlight"))
            p = child(self.common("assign", "geopandas"))
            ours.append(o)
            peer.append(p)
            ratios.append(p["seconds"] / o["seconds"])
            log(f"assign round {r + 1}: spotlight {o['seconds']:.2f}s, geopandas "
                f"{p['seconds']:.2f}s")
        self.raw["assign"] = {"spotlight": ours, "geopandas": peer}
        row.ours_s = median([o["seconds"] for o in ours])
        row.rounds = len(ours)
        row.peer_s = median([p["seconds"] for p in peer])
        row.ratio = median(ratios)
        row.memory_mb = max(o["peak_rss_mb"] for o in ours)
        row.ratio_text = f"{row.ratio:.1f}x faster"
        same = all(p["info"]["real_differences"] == 0 for p in peer)
        info = peer[-1]["info"]
        row.met = row.ratio >= 5.0 and same
        points = ours[-1]["info"]["points"]
        row.notes.append(
            f"of Spotlight's time, projecting to the metric CRS took "
            f"{median([o['info']['to_metric_s'] for o in ours]):.2f} s and the assignment "
            f"{median([o['info']['assign_s'] for o in ours]):.2f} s (medians)")
        if info["identical"]:
            row.notes.append(f"identical assignment of all {points:,} located points")
        else:
            row.notes.append(
                f"same assignment: {points - info['differ']:,} of {points:,} points identical; "
                f"the {info['differ']} others lie within {info['max_edge_gap_m']:.3f} m of a "
                "circle's edge, where geopandas' 64-gon buffer differs from the exact circle "
                f"({info['real_differences']} farther than 0.5 m)")
        return row

    def sessions(self) -> Row:
        n = self.scale.sessions
        row = Row(f"session import, validated and stored ({n // 2:,} patrol visits + "
                  f"{n - n // 2:,} ad rows)", "`import_patrols` + `import_ads`",
                  "raw `sqlite3` `executemany` of the same rows", "<= 3x the floor")
        ours, peer, ratios = [], [], []
        kept = self.work / "crimes-kept.db"
        base = kept if kept.exists() else self.base
        for r in self.rounds(150):
            o = child(self.common("sessions", "spotlight", "--base", str(base),
                                  *self.profiled("sessions", r)))
            p = child(self.common("sessions", "insert"))
            ours.append(o)
            peer.append(p)
            ratios.append(o["seconds"] / p["seconds"])
            log(f"sessions round {r + 1}: spotlight {o['seconds']:.2f}s, insert "
                f"{p['seconds']:.2f}s")
        self.raw["sessions"] = {"spotlight": ours, "insert": peer}
        copy_database(self.work / "rounds" / "sessions.db", self.scale_db)
        row.ours_s = median([o["seconds"] for o in ours])
        row.rounds = len(ours)
        row.peer_s = median([p["seconds"] for p in peer])
        row.ratio = median(ratios)
        row.memory_mb = max(o["peak_rss_mb"] for o in ours)
        row.ratio_text = f"{row.ratio:.2f}x the floor"
        row.met = row.ratio <= 3.0
        info = ours[-1]["info"]
        row.notes.append(f"stored {info['patrols']:,} patrol visits and {info['ads']:,} ad "
                         "sessions per round")
        return row

    def inference(self) -> Row:
        redraws = 10_000 if self.scale.name == "full" else 500
        k = min(self.peer_redraws, redraws)
        row = Row(f"randomisation inference, {redraws:,} re-draws, 300 spots, three arms, "
                  "stratified, negative binomial", "`randomisation_test`",
                  "statsmodels `NegativeBinomial` fit per re-draw",
                  ">= 20x faster, same observed estimate to 1e-6")
        ours, peer, ratios = [], [], []
        for r in self.rounds(150):
            o = child(self.common("inference", "spotlight", "--redraws", str(redraws)))
            p = child(self.common("inference", "statsmodels", "--redraws", str(redraws),
                                  "--peer-redraws", str(k)))
            scaled = p["seconds"] * (redraws + 1) / (k + 1)
            ours.append(o)
            peer.append(p)
            ratios.append(scaled / o["seconds"])
            log(f"inference round {r + 1}: spotlight {o['seconds']:.2f}s, statsmodels "
                f"{p['seconds']:.2f}s for {k} re-draws")
        self.raw["inference"] = {"spotlight": ours, "statsmodels": peer}
        row.ours_s = median([o["seconds"] for o in ours])
        row.rounds = len(ours)
        row.peer_s = median([p["seconds"] * (redraws + 1) / (k + 1) for p in peer])
        row.ratio = median(ratios)
        row.memory_mb = max(o["peak_rss_mb"] for o in ours)
        row.ratio_text = f"{row.ratio:.1f}x faster"
        d_ours = ours[-1]["info"]["d_observed"]
        d_peer = peer[-1]["info"]["d_observed"]
        gap = abs(d_ours - d_peer)
        head = min(len(peer[-1]["info"]["d_star_head"]), len(ours[-1]["info"]["d_star_head"]))
        star_gap = max(abs(a - b) for a, b in zip(ours[-1]["info"]["d_star_head"][:head],
                                                   peer[-1]["info"]["d_star_head"][:head],
                                                   strict=True))
        row.met = row.ratio >= 20.0 and gap <= 1e-6
        row.notes.append(
            f"observed log rate ratio {d_ours:.10f} (statsmodels {d_peer:.10f}, difference "
            f"{gap:.1e}); on the first {head:,} re-draws the largest difference in d* is "
            f"{star_gap:.1e}")
        if k < redraws:
            row.notes.append(
                f"statsmodels timed on the observed fit plus the first {k:,} of the same "
                f"re-draws each round and scaled to {redraws + 1:,} fits (one fit per "
                "re-draw costs the same throughout); the full loop would take about "
                f"{row.peer_s:.0f} s a round")
        return row

    def rerandomise(self) -> Row:
        limit = workloads.max_abs_smd(self.ds)
        row = Row(f"rerandomisation to max abs SMD {limit:g} on three covariates, "
                  f"{self.scale.spots:,} spots, three arms", "`allocate` (rerandomise design)",
                  "loop of complete draws, balance computed in pandas",
                  ">= 10x faster")
        ours, peer, ratios = [], [], []
        for r in self.rounds(90, at_least=5):
            o = child(self.common("rerandomise", "spotlight", "--seed", str(SEED + r)))
            draws = int(o["info"]["draws_tried"])
            p = child(self.common("rerandomise", "pandas", "--seed", str(SEED + r),
                                  "--draws", str(draws)))
            ours.append(o)
            peer.append(p)
            ratios.append(p["seconds"] / o["seconds"])
            log(f"rerandomise round {r + 1}: spotlight {o['seconds']:.2f}s ({draws} draws), "
                f"pandas {p['seconds']:.2f}s")
        self.raw["rerandomise"] = {"spotlight": ours, "pandas": peer}
        row.ours_s = median([o["seconds"] for o in ours])
        row.rounds = len(ours)
        row.peer_s = median([p["seconds"] for p in peer])
        row.ratio = median(ratios)
        row.memory_mb = max(o["peak_rss_mb"] for o in ours)
        row.ratio_text = f"{row.ratio:.1f}x faster"
        row.met = row.ratio >= 10.0
        tried = [int(o["info"]["draws_tried"]) for o in ours]
        most = max(range(len(tried)), key=tried.__getitem__)
        row.notes.append(
            f"per candidate draw in the round with the most draws ({tried[most]}): Spotlight "
            f"{ours[most]['seconds'] / tried[most] * 1000:.2f} ms, pandas "
            f"{peer[most]['seconds'] / tried[most] * 1000:.2f} ms; ratio in that round "
            f"{ratios[most]:.1f}x")
        row.notes.append(f"{len(ours)} seeds; draws until the rule held: "
                         f"{', '.join(map(str, tried))}; the peer makes the same number of "
                         "draws in each round")
        return row

    def cli(self) -> list[Row]:
        spotlight = str(BIN / "spotlight")
        commands = {
            "pass": [PY, "-c", "pass"],
            "help": [spotlight, "--help"],
            "list": [spotlight, "--db", str(self.scale_db), "trial", "list"],
        }
        times: dict[str, list[float]] = {k: [] for k in commands}
        runs = max(10, self.runs)
        env = {**os.environ, "SPOTLIGHT_USER": "bench"}
        for _ in range(runs):
            for name, cmd in commands.items():
                start = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=self.work)
                times[name].append(time.perf_counter() - start)
        self.raw["cli"] = times
        floor = median(times["pass"])
        rows = []
        for name, label in (("help", "`spotlight --help`"),
                            ("list", "`spotlight trial list` (scale database)")):
            ratios = [t - f for t, f in zip(times[name], times["pass"], strict=True)]
            row = Row(f"command-line start-up: {label}", label, "`python -c pass`",
                      "< 0.5 s above the floor")
            row.ours_s = median(times[name])
            row.rounds = runs
            row.peer_s = floor
            row.ratio = median(ratios)
            row.ratio_text = f"+{row.ratio:.2f} s"
            row.met = row.ratio < 0.5
            row.notes.append(f"{runs} runs each, interleaved")
            rows.append(row)
        log(f"cli: pass {floor:.3f}s, help {rows[0].ours_s:.3f}s, list {rows[1].ours_s:.3f}s")
        return rows

    def app(self) -> list[Row]:
        firsts: list[float] = []
        results: list[dict[str, Any]] = []
        for _ in self.rounds(120):
            start = time.perf_counter()
            proc = subprocess.Popen([PY, "-m", "benchmarks.app_timing", str(self.scale_db)],
                                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env={**os.environ, "SPOTLIGHT_USER": "bench"})
            assert proc.stdout is not None
            first = None
            for line in proc.stdout:
                if line.startswith("first-screen") and first is None:
                    first = time.perf_counter() - start
                elif line.startswith("{"):
                    results.append(json.loads(line))
            proc.wait()
            if proc.returncode != 0 or first is None:
                err = proc.stderr.read() if proc.stderr else ""
                raise RuntimeError(f"app timing failed:\n{err[-3000:]}")
            firsts.append(first)
            worst_ms = results[-1]["max_step_seconds"]
            log(f"app: first screen {first:.2f}s, worst frame "
                f"{'-' if worst_ms is None else f'{worst_ms * 1000:.0f} ms'}")
        self.raw["app"] = {"first_screen": firsts, "scroll": results}
        one = Row("app start to first screen (scale database)", "Pilot-driven", "none",
                  "< 1 s")
        one.ours_s = median(firsts)
        one.rounds = len(firsts)
        one.ratio_text = f"{one.ours_s:.2f} s"
        one.met = one.ours_s < 1.0
        one.notes.append("process start to the home screen listing the trials, headless "
                         f"({len(firsts)} runs)")
        loaded = [r for r in results if r["max_step_seconds"] is not None]
        n = self.scale.sessions
        two = Row(f"scroll {n:,} sessions (sessions screen)", "Pilot-driven", "none",
                  "no frame over 100 ms")
        two.rounds = len(results)
        if not loaded:
            two.ratio_text = "did not load"
            two.met = False
            two.notes.append(f"the sessions screen had not shown the sessions after "
                             f"{results[-1]['load_limit']:.0f} s, in every round")
            return [one, two]
        worst = max(r["max_step_seconds"] for r in loaded)
        last = loaded[-1]
        two.ours_s = worst
        two.ratio_text = f"worst {worst * 1000:.0f} ms"
        two.met = worst <= 0.1
        keys = ", ".join(f"{k} x{v['n']} (worst {v['max'] * 1000:.0f} ms, median "
                         f"{v['median'] * 1000:.0f} ms)" for k, v in last["by_key"].items())
        two.notes.append(
            f"sessions screen (all kinds): loaded in {last['load_seconds']:.2f} s; steps: "
            f"{keys}; last row reached {last['last_row_reached']:,}. A frame is the "
            "longest stretch the app's event loop was busy during a step (key press until "
            "processed and refreshed), measured by a task waking every 2 ms")
        return [one, two]

    # ------------------------------------------------------------ the whole run

    def prepare(self) -> None:
        start = time.perf_counter()
        self.ds = generate(self.scale, self.data)
        self.raw["generate_seconds"] = time.perf_counter() - start
        log(f"data ready in {self.raw['generate_seconds']:.1f}s")
        self.base = build_base(self.ds, self.work / "base.db")
        self.scale_db = self.work / "scale.db"
        log("base database ready")

    def profiled(self, workload: str, round_: int) -> list[str]:
        """Profile the first round's Spotlight side (pyinstrument samples every 10 ms, a cost
        of about 1%); the summaries go at the end of BENCHMARKS.md."""
        if not self.profile or round_ != 0:
            return []
        path = self.work / f"profile-{workload}.txt"
        self.profile_paths[workload] = path
        return ["--profile", str(path)]


def summarise_profile(text: str, *, limit: int = 28) -> str:
    """The top of a pyinstrument text report, frames under 2% of the total left out."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    body = [ln for ln in lines if not ln.lstrip().startswith(("_", "/", "Recorded", "Program"))]
    total = None
    kept = []
    for ln in body:
        parts = ln.replace("|-", " ").replace("`-", " ").replace("|", " ").split()
        try:
            seconds = float(parts[0])
        except (ValueError, IndexError):
            continue
        total = total or seconds
        if seconds >= 0.02 * total:
            kept.append(ln)
    return "\n".join(kept[:limit])


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for ln in Path("/proc/meminfo").read_text().splitlines():
            if ln.startswith("MemTotal"):
                mem = f"{int(ln.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    import numpy
    import pandas
    import sqlalchemy

    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "numpy": numpy.__version__,
            "pandas": pandas.__version__, "sqlalchemy": sqlalchemy.__version__,
            "sqlite": __import__("sqlite3").sqlite_version,
            "load": os.getloadavg() if hasattr(os, "getloadavg") else None}


def fmt_s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"


def write_markdown(path: Path, bench: Bench, rows: list[Row], started: float,
                   before: dict[str, Any], note: str) -> None:
    after = machine()
    elapsed = time.perf_counter() - started
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python -m benchmarks.run`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {elapsed / 60:.1f} minutes; every number "
        "below comes from that run. Scale "
        f"`{bench.scale.name}`: {bench.scale.records:,} police.uk records in "
        f"{bench.scale.months} monthly files over a 24 km x 24 km city, "
        f"{bench.scale.spots:,} hot spots with 100 m catchments, {bench.scale.sessions:,} patrol "
        f"and ad sessions, generated with seed {SEED} (`benchmarks/generate.py`).",
        "",
        "Each measurement runs in a fresh process; each round runs Spotlight and then its "
        "peer, so both meet the same machine load. Times are medians over the rounds; the "
        "ratio is the median of the per-round ratios; memory is the peak resident set of "
        "Spotlight's process (set-up included).",
        "",
        "| workload | Spotlight | peer | rounds | Spotlight time | peer time | ratio "
        "| peak memory | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        mem = f"{r.memory_mb:,.0f} MB" if r.memory_mb is not None else "-"
        met = "yes" if r.met else "**no**"
        lines.append(f"| {r.workload} | {r.spotlight} | {r.peer} | {r.rounds} | "
                     f"{fmt_s(r.ours_s)} | "
                     f"{fmt_s(r.peer_s)} | {r.ratio_text} | {mem} | {r.target} | {met} |")
    lines += ["", "## Notes per row", ""]
    for r in rows:
        for n in r.notes:
            lines.append(f"- {r.workload.split(' (')[0]}: {n}.")
    lines += ["", "## Machine", ""]
    lines.append(f"- CPU: {before['cpu']}, {before['cores']} cores; memory {before['memory']}; "
                 f"{before['os']}")
    lines.append(f"- Python {before['python']}, numpy {before['numpy']}, pandas "
                 f"{before['pandas']}, SQLAlchemy {before['sqlalchemy']}, SQLite "
                 f"{before['sqlite']}")
    if before["load"] is not None:
        lines.append(f"- load average (1, 5, 15 min) at the start "
                     f"{', '.join(f'{x:.1f}' for x in before['load'])}; at the end "
                     f"{', '.join(f'{x:.1f}' for x in after['load'])} (other work shared the "
                     "machine: absolute times vary with it, paired ratios much less)")
    missed = [r for r in rows if not r.met]
    lines += ["", "## Targets missed, and what bounds them", ""]
    if not missed:
        lines.append("Every target was met in this run.")
    else:
        for r in missed:
            mem = f", peak memory {r.memory_mb:,.0f} MB" if r.memory_mb is not None else ""
            lines.append(f"- {r.workload}: {r.ratio_text}{mem}, against a target of "
                         f"{r.target}.")
        if note:
            lines += ["", note]
    for name, text in bench.profiles.items():
        lines += ["", f"### Profile: {name} (pyinstrument, the first round's Spotlight side, "
                  "frames of 2% or more of the total)", "", "```", summarise_profile(text),
                  "```"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (bench.work / "raw.json").write_text(json.dumps(bench.raw, indent=1), encoding="utf-8")


BOUNDS = {
    "crime import": (
        "crime import: the largest part is SQLite's own insert of every record (31 columns, a "
        "unique key and three indexes), which the floor pays too; then the audit digest of "
        "every stored record (CSV lines joined directly, each coordinate formatted once), then "
        "reading the files one at a time with the repetitive text as categories. Peak memory "
        "is the record frame of every file plus one insert chunk."),
    "spatial assignment": (
        "spatial assignment: each distinct coordinate pair is projected and placed once "
        "(police.uk points are snapped to a limited set of map points); what remains is "
        "loading pyproj and building the transformation, which the peer pays too."),
    "rerandomisation": (
        "rerandomisation: per batch of 64 candidates the Fisher-Yates swaps take most of the "
        "time (raw PCG64 outputs are taken in blocks; the swap loop is Python over numpy "
        "rows); compiled swaps are the next step, and must keep the documented stream."),
    "session import": (
        "session import: rows are read column by column, checked as arrays and stored by "
        "executemany with a bulk audit digest; above the floor remain the readers (Python's "
        "csv module, for exact line numbers and quoting), the two digests and the checks."),
    "app start": (
        "app start: importing Textual and drawing the home screen; the trials come from a "
        "read-only catalogue and the service layer (SQLAlchemy, SQLModel) opens behind the "
        "first screen."),
    "command-line start-up": (
        "command-line start-up: `trial list` reads a SQLite database through the read-only "
        "catalogue (no SQLAlchemy); other commands import the service layer (SQLAlchemy, "
        "SQLModel with pydantic), which `python -X importtime` shows as most of the margin."),
    "scroll": (
        "scrolling: the sessions screen holds one page, fetched by one statement in a worker; "
        "a step that changes page replaces the DataTable's rows on the event loop, and a "
        "worker thread holding the interpreter lock (the home overview, a page fetch) delays "
        "the frame it overlaps."),
}


def closing(rows: list[Row]) -> str:
    """What bounds each missed row (from the profiles taken while building this suite)."""
    notes = [text for key, text in BOUNDS.items()
             if any(not r.met and r.workload.lower().startswith(key) for r in rows)]
    return "\n".join(f"- {n}" for n in notes)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run")
    p.add_argument("--scale", choices=sorted(SCALES), default="full")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out")
    p.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    p.add_argument("--peer-redraws", type=int, default=1_000)
    p.add_argument("--only", nargs="*", default=None,
                   help="workloads to run (crimes assign sessions inference rerandomise cli "
                        "app); the others are left out of the file")
    p.add_argument("--no-profile", action="store_true")
    a = p.parse_args(argv)
    started = time.perf_counter()
    before = machine()
    bench = Bench(a.scale, a.runs, a.work, a.peer_redraws)
    bench.profile = not a.no_profile
    bench.prepare()
    wanted = a.only or ["crimes", "assign", "sessions", "inference", "rerandomise", "cli", "app"]
    rows: list[Row] = []
    for name in ("crimes", "assign", "sessions", "inference", "rerandomise"):
        if name in wanted:
            rows.append(getattr(bench, name)())
    if "cli" in wanted or "app" in wanted:
        if not bench.scale_db.exists():
            copy_database(bench.base, bench.scale_db)
    if "cli" in wanted:
        rows += bench.cli()
    if "app" in wanted:
        rows += bench.app()
    for name, path in bench.profile_paths.items():
        if path.exists():
            bench.profiles[name] = path.read_text(encoding="utf-8")
    write_markdown(a.out, bench, rows, started, before, closing(rows))
    log(f"wrote {a.out} in {(time.perf_counter() - started) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
