"""Small builders for service tests: a protocol and a spots file."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTOCOLS = ROOT / "protocols"

SPOTS_CSV = """spot_id,name,lat,lon,radius_m,district,baseline_crimes,baseline_harm,baseline_tercile
S01,Call Lane north,53.79560,-1.54080,30,Call Lane,12,340.5,middle
S02,Call Lane south,53.79420,-1.54050,30,Call Lane,20,610.0,high
S03,Park Row,53.79850,-1.54900,30,Park Row,7,120.0,low
S04,Park Square,53.79930,-1.55200,30,Park Row,15,402.2,middle
S05,Headrow east,53.80010,-1.54300,30,The Headrow,25,880.0,high
S06,Headrow west,53.80020,-1.54700,30,The Headrow,5,90.0,low
"""


def protocol_text(name: str = "stratified.toml") -> str:
    return (PROTOCOLS / name).read_text(encoding="utf-8")


def write_spots(tmp: Path, text: str = SPOTS_CSV, name: str = "spots.csv") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p

PROTOCOL = """
[trial]
name = "test-trial"
title = "A small test trial"

[[arm]]
name = "digital"
delivers = ["ads"]
[[arm]]
name = "physical"
delivers = ["patrol"]
[[arm]]
name = "control"
control = true

[design]
method = "stratified"
strata = ["district"]
min_separation_m = 50

[windows]
baseline = { start = "2023-01-01", end = "2023-12-31" }
treatment = { start = "2024-01-08", end = "2024-04-07" }

[catchment]
buffer_m = 100

[[outcome]]
name = "crime"
primary = true
crime_types = "all"

[[hypothesis]]
id = "H1"
outcome = "crime"
compare = ["physical", "control"]
confirmatory = true
"""
