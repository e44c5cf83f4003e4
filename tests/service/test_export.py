"""Export: the analysis dataset, results, README and an R script that reproduces the numbers."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.report.demo import saved_demo
from trial.errors import InputError, RefusedError
from trial.report.csvfiles import dataset_csv, safe_cell
from trial.service import audit_trail
from trial.service.export import export_trial


@pytest.fixture(scope="module")
def demo() -> tuple[Any, dict[str, Any]]:
    return saved_demo()


@pytest.fixture(scope="module")
def exported(demo, tmp_path_factory) -> tuple[Path, dict[str, Any]]:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("export") / "out"
    return out, export_trial(demo[0], trial=None, fmt="csv", out=out)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_files_and_their_content(demo, exported) -> None:  # type: ignore[no-untyped-def]
    ctx, doc = demo
    out, r = exported
    assert sorted(f["name"] for f in r["files"]) == [
        "README.txt", "analysis.R", "results.csv", "spots.csv"]
    assert r["results"] == "saved" and r["results_sha256"] == doc["results_sha256"]
    spots = _rows(out / "spots.csv")
    assert len(spots) == 56 and spots[0]["spot_id"] == "LDS-001"
    assert {s["arm"] for s in spots} == {"digital", "physical", "control"}
    # Counts are integers in the file, not 12.0.
    for col in ("public_crime_treatment", "public_crime_baseline_catchment",
                "days_open_treatment"):
        assert all(s[col].isdigit() for s in spots), col
    for col in ("patrol_minutes", "ad_impressions", "received", "stratum",
                "violence_harm_treatment_catchment", "public_crime_follow_up"):
        assert col in spots[0]
    frame = pd.read_csv(out / "spots.csv")
    by_arm = frame.groupby("arm")["public_crime_treatment"].sum()
    consort = doc["consort"]["allocated"]
    assert frame["arm"].value_counts().to_dict() == consort
    assert by_arm["physical"] > 0
    results = _rows(out / "results.csv")
    assert [h["id"] for h in results] == [h["id"] for h in doc["hypotheses"]]
    for row, h in zip(results, doc["hypotheses"], strict=True):
        assert float(row["estimate"]) == h["estimate"]  # written to full precision
        assert float(row["ci_high"]) == h["ci_high"]
        assert (row["compare_a"], row["compare_b"]) == tuple(h["compare"])
        assert row["confirmatory"] == "true"
    assert "per_protocol_n_excluded" in results[0] and "cace_label" in results[0]
    readme = (out / "README.txt").read_text(encoding="utf-8")
    for col in list(spots[0]) + list(results[0]):
        assert f"\n{col} " in readme, col
    assert doc["protocol_sha256"] in readme and doc["results_sha256"] in readme
    assert doc["outcome_lock"] in readme and "PROVISIONAL" not in readme
    assert "spotlight " in readme and "numpy " in readme
    digests = {f["name"]: f["sha256"] for f in r["files"]}
    assert digests["spots.csv"] in readme


def test_export_is_one_audit_entry(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, _ = demo
    before = [e for e in audit_trail.entries(ctx, limit=1000) if e["action"] == "export"]
    export_trial(ctx, trial=None, out=tmp_path / "again")
    after = [e for e in audit_trail.entries(ctx, limit=1000) if e["action"] == "export"]
    assert len(after) == len(before) + 1
    assert after[0]["trial"] == "leeds-nte-demo"
    assert audit_trail.verify(ctx).ok


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_r_script_reproduces_the_estimates(demo, exported, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, doc = demo
    out, _ = exported
    target = tmp_path / "r.csv"
    p = subprocess.run(["Rscript", str(out / "analysis.R"), str(out), str(target)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "physical vs control" in p.stdout
    r_rows = {row["id"]: row for row in _rows(target)}
    confirmatory = [h for h in doc["hypotheses"] if h["confirmatory"]]
    assert set(r_rows) == {h["id"] for h in confirmatory}
    # Includes H3, digital vs physical: two non-reference arms, through coef and vcov.
    assert r_rows["H3"]["contrast"] == "digital vs physical"
    for h in confirmatory:
        for key in ("estimate", "ci_low", "ci_high"):
            assert float(r_rows[h["id"]][key]) == pytest.approx(h[key], rel=1e-6), (h["id"], key)


def test_provisional_when_nothing_is_saved(demo, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from trial.errors import NotFoundError
    from trial.service import analysis

    ctx, doc = demo
    provisional = {k: v for k, v in doc.items() if k != "results_sha256"} | {"saved": False}

    def none_saved(*a: Any, **k: Any) -> Any:
        raise NotFoundError("no saved results")

    monkeypatch.setattr(analysis, "saved_results", none_saved)
    monkeypatch.setattr(analysis, "run_analysis", lambda *a, **k: provisional)
    r = export_trial(ctx, trial=None, out=tmp_path)
    assert r["results"] == "provisional" and r["results_sha256"] is None
    assert "NOT SAVED: PROVISIONAL" in (tmp_path / "README.txt").read_text(encoding="utf-8")


def test_parquet(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("pyarrow")
    r = export_trial(demo[0], trial=None, fmt="parquet", out=tmp_path)
    assert "spots.parquet" in {f["name"] for f in r["files"]}
    frame = pd.read_parquet(tmp_path / "spots.parquet")
    assert len(frame) == 56 and frame["public_crime_treatment"].dtype.kind == "i"
    assert list(frame.columns) == list(pd.read_csv(tmp_path / "spots.csv").columns)


def test_parquet_without_pyarrow_is_refused(demo, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyarrow" else real(name, *a))
    with pytest.raises(RefusedError, match="pip install pyarrow"):
        export_trial(demo[0], trial=None, fmt="parquet", out=tmp_path / "p")
    assert not (tmp_path / "p").exists()
    with pytest.raises(InputError, match="unknown format"):
        export_trial(demo[0], trial=None, fmt="xlsx", out=tmp_path / "x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        export_trial(demo[0], trial=None, out=tmp_path / "file")


def test_cells_cannot_run_as_formulas() -> None:
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    for bad in ("+1+2", "-A1", "@SUM(A1)", "\tx", "\rx", "-1+2"):
        assert safe_cell(bad) == "'" + bad
    assert safe_cell(-0.5) == "-0.5" and safe_cell(-3) == "-3" and safe_cell("-3.25") == "-3.25"
    assert safe_cell(0.1 + 0.2) == "0.30000000000000004"
    assert safe_cell(None) == "" and safe_cell(float("nan")) == "" and safe_cell(True) == "true"
    frame = pd.DataFrame({"spot_id": ["=cmd|' /C calc'!A0", "S2"], "n": [3, -4],
                          "x": [1.5, None], "set": pd.array([1, None], dtype="Int64")})
    text = dataset_csv(frame)
    rows = list(csv.reader(text.splitlines()))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "3", "1.5", "1"]
    assert rows[2] == ["S2", "-4", "", ""]
    assert json.dumps(rows)  # plain strings only
