"""Importers report problems; they never raise anything else, whatever the file holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trial.fieldwork.forms import read_patrol_csv
from trial.fieldwork.platforms import read_ad_export

HEADERS = {
    "patrol": "spot_id,start,end,officer,officers,purpose",
    "tiktok": "Ad group name,By Day,Cost,Impressions,Reach,Clicks (destination),Currency",
    "snapchat": "Start Time,End Time,Ad Set Name,Amount Spent,Paid Impressions,Swipe Ups",
}
cells = st.sampled_from(["", "-", "<5", "0.28%", "1,234", "12", "-3", "x", "2024-03-31 01:30",
                         "2024-03-01", "2024-03-01 00:00:00 AST", "Total of 2 results", "S1",
                         "GBP", "JPY", "directed", "\"", "1e400", "nan", "inf", "２０"])
rows = st.lists(st.lists(cells, min_size=0, max_size=7).map(",".join), max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(HEADERS)), body=rows)
def test_importers_only_report_problems(kind: str, body: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "in.csv"
        f.write_text("\n".join([HEADERS[kind], *body]) + "\n", encoding="utf-8")
        if kind == "patrol":
            res = read_patrol_csv(f, timezone="Europe/London")
        else:
            res = read_ad_export(f, fmt=kind, account_timezone="UTC", currency="GBP")
        assert res.rows == () or res.problems == ()
        for p in res.problems:
            assert p.source == "in.csv" and (p.line is None or p.line >= 1)
