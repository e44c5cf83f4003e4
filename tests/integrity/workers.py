"""Worker processes for the concurrency, crash and backup tests (run with ``python -m``).

Usage: ``python -m tests.integrity.workers COMMAND DB ARGS...``; each prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

TRIAL = "col"
PROTOCOL = """
[trial]
name = "col"
[[arm]]
name = "patrol"
delivers = ["patrol"]
[[arm]]
name = "control"
control = true
[design]
method = "complete"
seed = 20240101
[windows]
baseline = { start = "2018-04-01", end = "2019-03-31" }
treatment = { start = "2019-04-01", end = "2019-12-31" }
[catchment]
buffer_m = 100
[[outcome]]
name = "crime"
primary = true
crime_types = "all"
[[hypothesis]]
id = "H1"
outcome = "crime"
compare = ["patrol", "control"]
confirmatory = true
"""
SPOTS = b"""spot_id,name,lat,lon,radius_m
A,Bank,51.5133,-0.0890,80
B,Liverpool St,51.5178,-0.0823,80
C,Fleet St,51.5140,-0.1060,80
D,Barbican,51.5200,-0.0940,80
E,Moorgate,51.5186,-0.0886,80
F,Aldgate,51.5142,-0.0755,80
"""
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context\n")
TYPES = ("Other theft", "Violence and sexual offences", "Burglary", "Shoplifting")


def crime_file(path: Path, *, rows: int, seed: int, prefix: str) -> Path:
    """A police.uk street file of ``rows`` distinct records around the City of London."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-0.110, -0.074, rows)
    lat = rng.uniform(51.510, 51.522, rows)
    months = rng.integers(1, 13, rows)
    kinds = rng.integers(0, len(TYPES), rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for i in range(rows):
            f.write(f"{prefix}{i:08d},2019-{months[i]:02d},City of London Police,"
                    f"City of London Police,{lon[i]:.6f},{lat[i]:.6f},On or near X,"
                    f"E01000001,City of London 001A,{TYPES[kinds[i]]},Under investigation,\n")
    return path


def patrol_file(path: Path, *, rows: int, seed: int) -> Path:
    """A patrol log of ``rows`` visits, each by its own officer, in the treatment window."""
    rng = np.random.default_rng(seed)
    spots = "ABCDEF"
    start = datetime(2019, 4, 2, 18, 0)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("spot_id,start,end,officer,officers,purpose,mode,source,notes,reason\n")
        for i in range(rows):
            a = start + timedelta(minutes=int(rng.integers(0, 60 * 24 * 200)))
            b = a + timedelta(minutes=int(rng.integers(5, 40)))
            f.write(f"{spots[i % 6]},{a:%Y-%m-%d %H:%M},{b:%Y-%m-%d %H:%M},PC{i:06d},1,"
                    f"directed,foot,manual,note {i},\n")
    return path


def _ctx(db: str, user: str = "tester"):  # type: ignore[no-untyped-def]
    from trial.service.context import open_context

    return open_context(db, user=user)


def setup(db: str) -> dict[str, object]:
    from trial.service.allocation import randomise
    from trial.service.registration import register
    from trial.service.spots import import_spot_data
    from trial.service.trials import create_trial

    ctx = _ctx(db)
    create_trial(ctx, protocol_text=PROTOCOL, source="col.toml")
    import_spot_data(ctx, trial=TRIAL, data=SPOTS, source="spots.csv")
    register(ctx, trial=TRIAL)
    view = randomise(ctx, trial=TRIAL)
    patrol = sorted(r["spot_id"] for r in view.rows if r["arm"] == "patrol")
    return {"patrol_spots": patrol}


def crimes(db: str, path: str) -> dict[str, object]:
    from trial.service.crimes import import_crimes

    r = import_crimes(_ctx(db), trial=TRIAL, paths=[Path(path)])
    return {"imported": r.imported, "duplicates": r.duplicates}


def log(db: str, officer: str, spot: str, n: str) -> dict[str, object]:
    """Log ``n`` visits by one officer, one action each, 30 minutes apart in May 2019."""
    from trial.service.fieldwork import log_patrol

    ctx = _ctx(db)
    start = datetime(2019, 5, 1, 20, 0)
    ids = []
    for i in range(int(n)):
        a = start + timedelta(minutes=30 * i)
        b = a + timedelta(minutes=15)
        r = log_patrol(ctx, trial=TRIAL, spot=spot, start=a.strftime("%Y-%m-%d %H:%M"),
                       end=b.strftime("%Y-%m-%d %H:%M"), officer=officer)
        ids.append(r.session_id)
    return {"logged": len(ids)}


def trials(db: str, prefix: str, n: str, pause: str = "0") -> dict[str, object]:
    """Create ``n`` trials, one action each, ``pause`` seconds apart (a stream of small writes)."""
    from trial.service.trials import create_trial

    ctx = _ctx(db)
    for i in range(int(n)):
        time.sleep(float(pause))
        name = f"{prefix}-{i}"
        create_trial(ctx, protocol_text=PROTOCOL.replace('name = "col"', f'name = "{name}"', 1),
                     source=f"{name}.toml")
    return {"created": int(n)}


def sessions(db: str, path: str) -> dict[str, object]:
    from trial.service.fieldwork import import_patrols

    r = import_patrols(_ctx(db), trial=TRIAL, path=Path(path))
    return {"imported": r.imported, "duplicates": r.duplicates}


COMMANDS = {"setup": setup, "crimes": crimes, "log": log, "trials": trials,
            "sessions": sessions}


def main(argv: list[str]) -> None:
    began = time.perf_counter()
    out = COMMANDS[argv[0]](*argv[1:])  # type: ignore[operator]
    out["seconds"] = round(time.perf_counter() - began, 3)
    out["at"] = datetime.now(UTC).isoformat()
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
