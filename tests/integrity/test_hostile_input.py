"""Hostile and broken files through the service layer: each imports or is refused with
FILE:LINE: FIELD problems; never a traceback, never a partial write."""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.helpers import PROTOCOL as DRAFT_PROTOCOL
from trial.errors import InputError, RefusedError
from trial.service.context import Context, open_context

from .workers import HEADER as CRIMES_HEADER
from .workers import TRIAL, setup

# HOSTILE_N=1000 runs a longer, randomised search.
SETTINGS = settings(max_examples=int(os.environ.get("HOSTILE_N", "40")), deadline=None,
                    derandomize=not os.environ.get("HOSTILE_N"),
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

SPOTS = """spot_id,name,lat,lon,radius_m,district,baseline_crimes
S{n}a,Call Lane north,{lat},-1.54080,30,Call Lane,12
S{n}b,Park Row,{lat},-1.55900,30,Park Row,7
"""
SERIAL = itertools.count()
CRIMES = CRIMES_HEADER + (
    "c1,2019-05,City of London Police,City of London Police,-0.089000,51.513300,On or near X,"
    "E01000001,City of London 001A,Burglary,Under investigation,\n"
    "c2,2019-06,City of London Police,City of London Police,-0.082300,51.517800,On or near Y,"
    "E01000001,City of London 001A,Other theft,Under investigation,\n")
PATROLS = ("spot_id,start,end,officer,officers,purpose,mode,source,notes,reason\n"
           "B,2019-05-03 22:00,2019-05-03 22:14,PC101,2,directed,foot,manual,quiet,\n"
           "E,2019-05-03 23:50,2019-05-04 00:05,PC102,1,directed,foot,manual,,\n")

HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,1)", "@HYPERLINK(\"x\")", "-2+3", "NaN", "nan", "inf",
           "-Infinity", "1e309", "", " ", "x" * 70_000, "45302", "12/01/2024", "01/05/2019 22:00",
           "Jan-19", "May-19", "2019-13", "2019-05-32 25:61", "8.1", "8.10", "0.5", "'2019-05",
           "-0.0", "181", "-91", "99999999", "0", "-30", "\x00", "é", "😀", '"', "\"a\"\"b", ",",
           "\t", "Ω≈ç√", "DROP TABLE trial;--"]


def _mutate(text: str, data: st.DataObject) -> bytes:
    """A valid file made hostile: cells replaced, header duplicated, lines cut, re-encoded."""
    lines = text.splitlines()
    cut = data.draw(st.sampled_from(["cells", "dup-header", "drop-column", "truncate", "bytes",
                                     "none"]))
    grid = [ln.split(",") for ln in lines]
    if cut == "cells":
        for _ in range(data.draw(st.integers(1, 4))):
            r = data.draw(st.integers(0, len(grid) - 1))
            c = data.draw(st.integers(0, len(grid[r]) - 1))
            value = data.draw(st.sampled_from(HOSTILE))
            grid[r][c] = f'"{value}"' if "," in value or "\n" in value else value
    elif cut == "dup-header":
        c = data.draw(st.integers(1, len(grid[0]) - 1))
        grid[0][c] = grid[0][0]
    elif cut == "drop-column":
        c = data.draw(st.integers(0, len(grid[0]) - 1))
        grid = [row[:c] + row[c + 1:] for row in grid]
    body = "\n".join(",".join(row) for row in grid) + "\n"
    if data.draw(st.booleans()):
        body = body.replace("\n", "\r\n")
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    raw = body.encode(encoding, errors="replace")
    if cut == "truncate":
        raw = raw[:data.draw(st.integers(0, max(0, len(raw) - 1)))]
    elif cut == "bytes":
        raw = data.draw(st.binary(max_size=400))
    return raw


def _fingerprint(db: Path) -> tuple[int, ...]:
    """Rows in every table that an import could touch, and the audit entries."""
    con = sqlite3.connect(db)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
            "audit_entry", "spot", "crime_record", "crime_import", "field_session",
            "session_import", "trial"))
    finally:
        con.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Context]:
    """A randomised trial (crimes, sessions) and a draft trial (spots) in one SQLite file."""
    db = tmp_path_factory.mktemp("hostile") / "t.db"
    setup(str(db))
    ctx = open_context(str(db), user="tester")
    from trial.service.trials import create_trial

    create_trial(ctx, protocol_text=DRAFT_PROTOCOL, source="p.toml")
    return db, ctx


def _check(db: Path, run: Callable[[], object], source: str) -> None:
    before = _fingerprint(db)
    try:
        run()
    except InputError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.source is not None and Path(p.source).name == source, str(p)
            assert p.line is None or p.line >= 1
            assert str(p).startswith(source)
        assert _fingerprint(db) == before, "a refused file changed the database"
    except RefusedError:
        assert _fingerprint(db) == before
    else:
        assert _fingerprint(db)[0] == before[0] + 1  # one action, one entry


@SETTINGS
@given(data=st.data())
def test_spots_import(world, data) -> None:  # type: ignore[no-untyped-def]
    db, ctx = world
    from trial.service.spots import import_spot_data

    # New ids and places each time (of one width, so draws line up), so that an accepted file
    # is not refused next time as a duplicate or too close.
    n = next(SERIAL) % 1000
    raw = _mutate(SPOTS.format(n=f"{n:04d}", lat=f"{52.0 + n * 0.002:.5f}"), data)
    _check(db, lambda: import_spot_data(ctx, trial="test-trial", data=raw, source="spots.csv"),
           "spots.csv")


@SETTINGS
@given(data=st.data())
def test_crimes_import(world, data, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    db, ctx = world
    from trial.service.crimes import import_crimes

    f = tmp_path_factory.mktemp("c") / "crimes.csv"
    f.write_bytes(_mutate(CRIMES, data))
    _check(db, lambda: import_crimes(ctx, trial=TRIAL, paths=[f]), "crimes.csv")


@SETTINGS
@given(data=st.data())
def test_patrol_import(world, data, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    db, ctx = world
    from trial.service.fieldwork import import_patrols

    f = tmp_path_factory.mktemp("p") / "patrols.csv"
    f.write_bytes(_mutate(PATROLS, data))
    _check(db, lambda: import_patrols(ctx, trial=TRIAL, path=f), "patrols.csv")


@SETTINGS
@given(data=st.data())
def test_protocol_loader(world, data) -> None:  # type: ignore[no-untyped-def]
    db, ctx = world
    from trial.service.trials import create_trial

    lines = DRAFT_PROTOCOL.replace('name = "test-trial"', 'name = "hostile"').splitlines()
    i = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["value", "drop", "duplicate", "truncate"]))
    if how == "value" and "=" in lines[i]:
        key = lines[i].split("=", 1)[0]
        value = data.draw(st.sampled_from(HOSTILE + ["nan", "inf", "-inf", "1e999", "[]",
                                                     "{}", "true", "\"\"\"", "'=cmd|x'"]))
        lines[i] = f"{key}= {value}"
    elif how == "drop":
        del lines[i]
    elif how == "duplicate":
        lines.insert(i, lines[i])
    text = "\n".join(lines)
    if how == "truncate":
        text = text[:data.draw(st.integers(0, len(text)))]
    before = _fingerprint(db)
    try:
        create_trial(ctx, protocol_text=text, source="p.toml")
    except InputError as exc:
        assert exc.problems and all(p.source == "p.toml" for p in exc.problems)
        assert _fingerprint(db) == before
    except RefusedError:
        assert _fingerprint(db) == before
    else:
        from trial.service.trials import delete_trial

        delete_trial(ctx, trial="hostile")
