"""police.uk street-level files: the real City of London set, and the ways files go wrong."""

from __future__ import annotations

import csv
import gzip
import hashlib
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from trial.errors import InputError
from trial.outcomes import COLUMNS, RecordRead, coverage, read_policeuk
from trial.outcomes.policeuk import HEADER

ROWS = 22_111  # shared data README: 32 files, 22,111 rows


@pytest.fixture(scope="module")
def city(shared_data: Path) -> Path:
    return shared_data / "police-uk" / "city-of-london"


@pytest.fixture(scope="module")
def city_files(city: Path) -> list[Path]:
    return sorted(city.rglob("*-street.csv"))


@pytest.fixture(scope="module")
def city_read(city: Path) -> RecordRead:
    return read_policeuk([city])


def _independent(files: list[Path]) -> tuple[Counter[tuple[str, str]], dict[str, int]]:
    """Counts per (month, crime type) after de-duplication, with the plain csv module."""
    rows = []
    for f in files:
        with f.open(newline="", encoding="utf-8") as fh:
            rows.extend(csv.DictReader(fh))
    kept: dict[str, dict[str, str]] = {}
    asb = []
    for r in rows:
        if not r["Crime ID"]:
            asb.append(r)
        elif r["Crime ID"] not in kept or (not kept[r["Crime ID"]]["Longitude"]
                                           and r["Longitude"]):
            kept[r["Crime ID"]] = r
    final = list(kept.values()) + asb
    ids = Counter(r["Crime ID"] for r in rows if r["Crime ID"])
    facts = {
        "rows": len(rows),
        "no_location": sum(r["Location"] == "No Location" for r in rows),
        "empty_id": len(asb),
        "repeated_ids": sum(1 for c in ids.values() if c > 1),
        "kept": len(final),
        "kept_unlocated": sum(not r["Longitude"] for r in final),
    }
    return Counter((r["Month"], r["Crime type"]) for r in final), facts


def test_counts_per_month_and_type_match_an_independent_count(
        city_read: RecordRead, city_files: list[Path]) -> None:
    expected, facts = _independent(city_files)
    frame = city_read.frame
    got = Counter(zip(frame["month"], frame["crime_type"], strict=True))
    assert got == expected
    assert len(got) > 32 * 10  # months x types: not a trivially small comparison


def test_duplicates_and_no_location_rows(city_read: RecordRead, city_files: list[Path]) -> None:
    _, facts = _independent(city_files)
    # The shared data README's quirks, recounted here.
    assert facts["rows"] == ROWS
    assert facts["no_location"] == 1_699
    assert facts["empty_id"] == 3_013
    assert facts["repeated_ids"] == 230
    frame = city_read.frame
    assert len(frame) + city_read.duplicates == ROWS
    # 230 ids on 470 rows: 240 rows dropped.
    assert city_read.duplicates == 240
    assert len(frame) == facts["kept"] == 21_871
    assert frame["crime_id"].isna().sum() == 3_013
    assert np.isnan(frame["x"]).sum() == facts["kept_unlocated"] == 1_630
    assert (np.isnan(frame["x"]) == np.isnan(frame["lon"])).all()
    assert frame["record_key"].is_unique


def test_located_copy_is_kept(city_read: RecordRead) -> None:
    frame = city_read.frame
    # 2019-08: this Crime ID has a "No Location" row and a located row.
    crime_id = "018619c3ce28d563186af8ce86954f64881960f6a123d25da7b0da3709ab1559"
    row = frame[frame["crime_id"] == crime_id]
    assert len(row) == 1
    assert row["location"].iat[0] == "On or near Bell Inn Yard"
    assert row["lon"].iat[0] == pytest.approx(-0.084967)


def test_frame_columns_and_types(city_read: RecordRead) -> None:
    frame = city_read.frame
    assert tuple(frame.columns) == COLUMNS
    assert set(frame["precision"]) == {"month"}
    assert frame["occurred_from"].isna().all()
    assert str(frame["occurred_from"].dtype) == "datetime64[ns, UTC]"
    assert all(v is None or isinstance(v, str) for v in frame["crime_id"])
    assert frame["offence_code"].isna().all() and frame["how_reported"].isna().all()
    # The City lies around 532,000 E, 181,000 N in British National Grid (a few crimes the
    # City's force recorded lie far away: 4 of 20,241 here).
    located = frame.dropna(subset=["x"])
    inside = located["x"].between(520_000, 545_000) & located["y"].between(170_000, 190_000)
    assert (~inside).sum() == 4
    first = frame.iloc[0]
    assert first["line"] == 2 and first["source_file"].endswith("2018-04-city-of-london-street.csv")
    assert first["month"] == "2018-04"


def test_files_are_listed_with_their_sha256(city_read: RecordRead, city_files: list[Path]) -> None:
    files = city_read.files
    assert len(files) == 32
    assert sum(f.rows for f in files) == ROWS
    by_name = {Path(f.name).name: f for f in files}
    for path in city_files[:3]:
        assert by_name[path.name].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_rereading_gives_identical_keys(city: Path, city_read: RecordRead) -> None:
    again = read_policeuk([city])
    assert list(again.frame["record_key"]) == list(city_read.frame["record_key"])


def test_identical_asb_rows_are_distinct_incidents(city_read: RecordRead) -> None:
    frame = city_read.frame
    asb = frame[frame["crime_id"].isna()]
    content = asb[["month", "lon", "lat", "location", "lsoa_code"]].astype(str)
    assert content.duplicated().sum() > 100  # identical rows exist in the real data
    assert asb["record_key"].is_unique


def test_same_file_twice_and_gzipped_is_all_duplicates(
        city_files: list[Path], tmp_path: Path) -> None:
    src = city_files[0]
    gz = tmp_path / (src.name + ".gz")
    gz.write_bytes(gzip.compress(src.read_bytes()))
    once = read_policeuk([src])
    both = read_policeuk([src, gz])
    assert len(both.frame) == len(once.frame)
    assert both.duplicates == once.files[0].rows
    assert [f.rows for f in both.files] == [once.files[0].rows] * 2


def test_progress_is_reported_per_file(city: Path) -> None:
    calls: list[tuple[int, int]] = []
    read_policeuk([city], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 32) for i in range(1, 33)]


def _write(path: Path, rows: list[list[str]], header: tuple[str, ...] | list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _row(**kw: str) -> list[str]:
    base = {"Crime ID": "abc", "Month": "2020-01", "Reported by": "City of London Police",
            "Falls within": "City of London Police", "Longitude": "-0.09",
            "Latitude": "51.51", "Location": "On or near Cheapside", "LSOA code": "E01000001",
            "LSOA name": "City of London 001A", "Crime type": "Robbery",
            "Last outcome category": "", "Context": ""}
    base.update(kw)
    return [base[h] for h in HEADER]


def test_every_bad_row_is_listed_by_file_and_line(tmp_path: Path) -> None:
    rows = [_row(), _row(Month="2020-13"), _row(), _row(Latitude="north"),
            _row(**{"Crime type": "Theft"}), _row(Longitude="")]
    path = _write(tmp_path / "2020-01-city-of-london-street.csv", rows)
    with pytest.raises(InputError) as err:
        read_policeuk([path])
    where = [(p.source, p.line, p.field) for p in err.value.problems]
    name = path.name
    assert where == [(name, 3, "Month"), (name, 5, "Latitude"), (name, 6, "Crime type"),
                     (name, 7, "Longitude")]


def test_wrong_field_counts_are_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "bad-street.csv"
    lines = [",".join(HEADER), ",".join(_row()), ",".join(_row()[:-1]), ",".join(_row()),
             ",".join(_row() + ["x"])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_policeuk([path])
    assert [(p.line, "11 fields" in p.what or "13 fields" in p.what)
            for p in err.value.problems] == [(3, True), (5, True)]


def test_header_mismatch_names_expected_and_found(tmp_path: Path) -> None:
    header = list(HEADER)
    header[4] = "Lon"
    path = _write(tmp_path / "x-street.csv", [_row()], header)
    with pytest.raises(InputError) as err:
        read_policeuk([path])
    (problem,) = err.value.problems
    assert problem.line == 1
    assert "Longitude" in problem.what and "Lon," in problem.what
    assert "missing: Longitude" in problem.what


def test_older_categories_several_forces_and_btp(tmp_path: Path) -> None:
    force = _write(tmp_path / "2012-05-city-of-london-street.csv",
                   [_row(Month="2012-05", **{"Crime type": "Violent crime"}),
                    _row(**{"Crime ID": "", "Month": "2012-05",
                            "Crime type": "Public disorder and weapons"})])
    btp = _write(tmp_path / "2012-05-btp-street.csv",
                 [_row(**{"Crime ID": "b1", "Month": "2012-05",
                          "Falls within": "British Transport Police",
                          "Reported by": "British Transport Police"})])
    (tmp_path / "2012-05-city-of-london-outcomes.csv").write_text("Crime ID,Month\n")
    read = read_policeuk([tmp_path])
    assert len(read.files) == 2  # the outcomes file is not a street file
    assert coverage(read.frame) == {"British Transport Police": frozenset({"2012-05"}),
                                    "City of London Police": frozenset({"2012-05"})}
    assert set(read.frame["crime_type"]) == {"Violent crime", "Public disorder and weapons",
                                             "Robbery"}
    assert btp.exists() and force.exists()


def test_missing_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_policeuk([tmp_path / "nope.csv", tmp_path / "nope2.csv"])
    assert len(err.value.problems) == 2


def test_bad_rows_in_two_files_are_reported_together(
        tmp_path: Path, city_files: list[Path]) -> None:
    a = _write(tmp_path / "a-street.csv", [_row(Month="May")])
    b = _write(tmp_path / "b-street.csv", [_row(), _row(Latitude="99")])
    shutil.copy(city_files[0], tmp_path / "good-street.csv")
    with pytest.raises(InputError) as err:
        read_policeuk([a, b, tmp_path / "good-street.csv"])
    assert [(p.source, p.line) for p in err.value.problems] == [(a.name, 2), (b.name, 3)]


def test_a_file_that_cannot_be_split_hides_the_row_checks_of_every_file(tmp_path: Path) -> None:
    # Rows are checked only when every file splits into rows: a bad value in the first file
    # is not listed beside the second file's wrong field count.
    a = _write(tmp_path / "a-street.csv", [_row(Month="May")])
    b = tmp_path / "b-street.csv"
    b.write_text(",".join(HEADER) + "\n" + ",".join(_row()[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_policeuk([a, b])
    assert [(p.source, p.line) for p in err.value.problems] == [(b.name, 2)]


def test_bad_values_past_the_listing_limit_are_counted_over_files(tmp_path: Path) -> None:
    a = _write(tmp_path / "a-street.csv", [_row(Month="May")] * 150)
    b = _write(tmp_path / "b-street.csv", [_row(Latitude="99")] * 100)
    with pytest.raises(InputError) as err:
        read_policeuk([b, a])
    problems = err.value.problems
    assert len(problems) == 201
    # Listed in the order the files were given, then by line.
    assert [p.source for p in problems[:200]] == [b.name] * 100 + [a.name] * 100
    assert problems[100].line == 2 and problems[199].line == 101
    assert problems[-1].what == "and 50 more bad values"


def test_repetitive_text_is_categorical_with_missing_values_empty(
        city_read: RecordRead) -> None:
    frame = city_read.frame
    for column in ("month", "crime_type", "location", "lsoa_code", "falls_within",
                   "reported_by", "last_outcome", "source_file"):
        assert str(frame[column].dtype) == "category", column
        assert all(isinstance(v, str) and v for v in frame[column].cat.categories)
    # "Last outcome category" is empty for anti-social behaviour: missing, never "".
    asb = frame["crime_type"] == "Anti-social behaviour"
    assert frame.loc[asb, "last_outcome"].isna().all()
    assert frame.loc[~asb, "last_outcome"].notna().sum() > 10_000
    assert frame["source_file"].nunique() == 32
