"""export, report and power through the console script."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.cli.run import run
from tests.report.demo import saved_demo
from trial.demo.build import demo_protocol_text
from trial.demo.spots import demo_spots_csv


def test_export_and_report(spotlight_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, doc = saved_demo()
    db = ctx.engine.url.database
    r = run(spotlight_bin, db, "export", "--out", str(tmp_path / "x"), "--json")
    assert r.code == 0, r.err
    assert r.json["results_sha256"] == doc["results_sha256"]
    assert (tmp_path / "x" / "analysis.R").exists()
    r = run(spotlight_bin, db, "export", "--out", str(tmp_path / "y"), "--format", "xlsx")
    assert r.code == 1 and r.out == "" and "unknown format" in r.err
    r = run(spotlight_bin, db, "report", "--out", str(tmp_path / "r.html"))
    assert r.code == 0, r.err
    assert "<section id=\"effect\">" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_power(spotlight_bin, tmp_path: Path) -> None:
    protocol = tmp_path / "p.toml"
    protocol.write_text(demo_protocol_text(), encoding="utf-8")
    spots = tmp_path / "s.csv"
    spots.write_text(demo_spots_csv(np.random.default_rng(20240108)), encoding="utf-8")
    r = run(spotlight_bin, tmp_path / "unused.db", "power", "--protocol", str(protocol),
            "--spots", str(spots), "--sims", "20", "--seed", "1", "--json")
    assert r.code == 0, r.err
    doc = r.json
    assert doc["sims"] == 20 and doc["seed"] == 1 and doc["theta"] > 0
    assert [h["id"] for h in doc["hypotheses"]] == ["H1", "H2", "H3"]
    assert {"id", "power", "zhu_lakkis_n_per_arm", "mdr_80"} <= set(doc["hypotheses"][0])
    r = run(spotlight_bin, tmp_path / "unused.db", "power", "--protocol", str(protocol),
            "--spots", str(spots), "--sims", "lots")
    assert r.code == 1 and "--sims" in r.err and r.out == ""
