"""Force extracts read through a record map (fixture: tests/data/outcomes/force-extract.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trial.errors import InputError
from trial.outcomes import (
    COLUMNS,
    PILE_MIN_RECORDS,
    RecordMap,
    RecordRead,
    default_location_piles,
    parse_record_map,
    read_records,
)

TZ = "Europe/London"


@pytest.fixture(scope="module")
def folder(test_data: Path) -> Path:
    return test_data / "outcomes"


@pytest.fixture(scope="module")
def record_map(folder: Path) -> RecordMap:
    path = folder / "force-extract-map.toml"
    return parse_record_map(path.read_text(encoding="utf-8"), source=path.name)


@pytest.fixture(scope="module")
def extract(folder: Path, record_map: RecordMap) -> RecordRead:
    return read_records([folder / "force-extract.csv"], record_map, timezone=TZ)


def _row(frame: pd.DataFrame, crime_id: str) -> pd.Series:
    rows = frame[frame["crime_id"] == crime_id]
    assert len(rows) == 1
    return rows.iloc[0]


def test_rows_duplicates_and_columns(extract: RecordRead) -> None:
    frame = extract.frame
    assert tuple(frame.columns) == COLUMNS
    assert extract.files[0].rows == 35
    assert extract.duplicates == 1 and len(frame) == 34
    assert set(frame["source_format"]) == {"records"}
    assert set(frame["precision"]) == {"time"}
    assert set(frame["falls_within"]) == {"example-force-crimes"}
    # The duplicate R001 (line 16, no location) lost to the located copy on line 2.
    r001 = _row(frame, "R001")
    assert r001["line"] == 2 and r001["x"] == 530010.0
    assert r001["record_key"] == "records:example-force-crimes:R001"
    # Unmapped columns (names, free text) never enter the frame.
    flat = [str(v) for v in frame.to_numpy().ravel()]
    assert not any("Example" in v or "argued" in v for v in flat)


def test_times_are_local_and_stored_in_utc(extract: RecordRead) -> None:
    frame = extract.frame
    r001 = _row(frame, "R001")  # January: GMT, local = UTC
    assert r001["occurred_from"] == pd.Timestamp("2024-01-05 21:30", tz="UTC")
    assert r001["occurred_to"] == pd.Timestamp("2024-01-05 21:45", tz="UTC")
    r014 = _row(frame, "R014")  # 1 July 21:30 BST is 20:30 UTC
    assert r014["occurred_from"] == pd.Timestamp("2024-07-01 20:30", tz="UTC")
    assert r014["month"] == "2024-07"
    assert pd.isna(r014["occurred_to"])
    assert str(frame["occurred_from"].dtype) == "datetime64[ns, UTC]"


def test_codes_flags_status_and_locations(extract: RecordRead) -> None:
    frame = extract.frame
    assert _row(frame, "R002")["offence_code"] == "105A"
    assert all(isinstance(c, str) for c in frame["offence_code"])
    assert _row(frame, "R011")["how_reported"] == "police"
    assert _row(frame, "R004")["how_reported"] == "public"  # "Online"
    assert _row(frame, "R010")["domestic"] is True
    assert _row(frame, "R001")["domestic"] is False
    assert _row(frame, "R014")["domestic"] is None  # left blank
    assert _row(frame, "R009")["status"] == "cancelled"
    assert _row(frame, "R009")["excluded_reason"] == "cancelled"
    assert _row(frame, "R013")["excluded_reason"] == "transferred"
    assert frame["excluded_reason"].notna().sum() == 2
    r012 = _row(frame, "R012")
    assert np.isnan(r012["x"]) and np.isnan(r012["lon"])
    # BNG (530010, 180010) is near Waterloo: about -0.128, 51.504.
    assert _row(frame, "R001")["lon"] == pytest.approx(-0.1282, abs=1e-3)
    assert _row(frame, "R001")["lat"] == pytest.approx(51.5041, abs=1e-3)
    assert set(frame["record_type"]) == {"crime"}


def test_default_location_pile_is_flagged_and_still_counted(extract: RecordRead) -> None:
    frame = extract.frame
    flagged = frame[frame["default_location"]]
    assert len(flagged) == PILE_MIN_RECORDS == 20
    assert set(zip(flagged["x"], flagged["y"], strict=True)) == {(532000.0, 181000.0)}
    piles = default_location_piles(frame)
    assert piles.to_dict("records") == [{"falls_within": "example-force-crimes",
                                         "x": 532000.0, "y": 181000.0, "records": 20}]
    # Four records share (530000, 180000): not a pile.
    assert not frame.loc[frame["x"] == 530000.0, "default_location"].any()


def test_mangled_codes_and_impossible_times_are_refused_by_line(
        folder: Path, record_map: RecordMap) -> None:
    with pytest.raises(InputError) as err:
        read_records([folder / "force-extract-mangled.csv"], record_map, timezone=TZ)
    got = [(p.source, p.line, p.field) for p in err.value.problems]
    name = "force-extract-mangled.csv"
    assert got == [(name, 3, "HO_CODE"), (name, 5, "HO_CODE"), (name, 6, "COMMITTED_FROM"),
                   (name, 7, "COMMITTED_FROM"), (name, 7, "HOW_REPORTED")]
    text = [p.what for p in err.value.problems]
    assert "08-Nov" in text[0] and "date" in text[0]
    assert "1.05E+02" in text[1] and "scientific" in text[1]
    assert "does not exist" in text[2] and "happens twice" in text[3]
    assert "Walk-in" in text[4]


def test_unknown_timezone_is_refused(folder: Path, record_map: RecordMap) -> None:
    with pytest.raises(InputError, match="timezone"):
        read_records([folder / "force-extract.csv"], record_map, timezone="Europe/Londn")


def test_missing_mapped_column_names_found_columns(tmp_path: Path,
                                                   record_map: RecordMap) -> None:
    path = tmp_path / "x.csv"
    path.write_text("CRIME_REF,EASTING\nA,1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_records([path], record_map, timezone=TZ)
    (problem,) = err.value.problems
    assert problem.line == 1 and "COMMITTED_FROM" in problem.what and "EASTING" in problem.what


MAP_WGS84 = """
name = "calls"
crs = "EPSG:4326"
record_type = "Call for service"
[columns]
id = "ref"
occurred_at = "when"
x = "lon"
y = "lat"
"""


def test_wgs84_calls_with_offsets_and_constant_record_type(tmp_path: Path) -> None:
    rmap = parse_record_map(MAP_WGS84, source="calls.toml")
    path = tmp_path / "calls.csv"
    path.write_text("ref,when,lon,lat\n"
                    "c1,2024-03-31T01:30:00+00:00,-0.1,51.5\n"  # a local gap, but with offset
                    "c2,2024-06-01 10:00,,\n"
                    "c3,2024-06-01 11:00,0,0\n", encoding="utf-8")
    frame = read_records([path], rmap, timezone=TZ).frame
    assert list(frame["occurred_from"]) == [pd.Timestamp("2024-03-31 01:30", tz="UTC"),
                                            pd.Timestamp("2024-06-01 09:00", tz="UTC"),
                                            pd.Timestamp("2024-06-01 10:00", tz="UTC")]
    assert list(frame["crime_type"]) == ["Call for service"] * 3
    assert list(frame["record_type"]) == ["Call for service"] * 3
    assert frame["x"].notna().tolist() == [True, False, False]  # (0, 0) is no location
    assert frame["how_reported"].isna().all()


def test_record_map_problems_are_all_reported() -> None:
    text = """
    name = ""
    crs = "EPSG:3857"
    colour = "blue"
    [columns]
    id = "ref"
    x = "e"
    how_reported = "src"
    [status]
    cancelled = "C"
    """
    with pytest.raises(InputError) as err:
        parse_record_map(text, source="m.toml")
    fields = {p.field for p in err.value.problems}
    assert {"name", "crs", "colour", "columns.y", "columns.committed_from", "how_reported",
            "status", "status.cancelled"} <= fields
    assert all(p.source == "m.toml" for p in err.value.problems)


def test_invalid_toml_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not valid TOML"):
        parse_record_map("name = ", source="m.toml")
