"""Readers never raise anything but InputError, whatever bytes they are given."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trial.errors import InputError
from trial.outcomes import load_harm_table, parse_record_map, read_policeuk, read_records
from trial.outcomes.policeuk import HEADER

MAP = parse_record_map("""
name = "p"
crs = "EPSG:27700"
[columns]
id = "id"
committed_from = "t"
x = "x"
y = "y"
offence_code = "code"
how_reported = "how"
[how_reported]
public = ["999"]
police = ["pro"]
""", source="p.toml")

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

_FIELD = st.one_of(
    st.sampled_from(["", "2020-05", "2020-13", "-0.09", "51.5", "91", "Robbery", "No Location",
                     "Anti-social behaviour", "x", "1e400", "nan", '"a,b"', '"q""q"',
                     "31/03/2024 01:30", "05/01/2024 21:30", "2024-10-27T01:30:00+01:00",
                     "530000", "0", "8N", "08-Nov", "1.05E+02", "999", "pro"]),
    st.text(alphabet=st.sampled_from(list(',"\r\n-.0123456789aEZ:/ +')), max_size=8),
)


def _rows(header: str, width: int) -> st.SearchStrategy[bytes]:
    """A header, then rows that mostly have the right number of fields."""
    row = st.lists(_FIELD, min_size=width - 1, max_size=width + 1).map(",".join)
    return st.builds(lambda rows, tail: (header + "\n" + "\n".join(rows) + tail).encode(),
                     st.lists(row, max_size=6), st.sampled_from(["", "\n", "\r\n", "\n\n"]))


_police_uk = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda b: (",".join(HEADER) + "\n").encode() + b, st.binary(max_size=200)),
    _rows(",".join(HEADER), len(HEADER)),
)
_records = st.one_of(st.binary(max_size=400), _rows("id,t,x,y,code,how", 6))


def _write(folder: str, data: bytes, name: str) -> Path:
    path = Path(folder) / name
    path.write_bytes(data)
    return path


@SETTINGS
@given(_police_uk)
def test_police_uk_reader_raises_only_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name in ("x-street.csv", "x-street.csv.gz"):
            try:
                read_policeuk([_write(folder, data, name)])
            except InputError:
                pass


@SETTINGS
@given(_records)
def test_records_reader_raises_only_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        try:
            read_records([_write(folder, data, "e.csv")], MAP, timezone="Europe/London")
        except InputError:
            pass


@SETTINGS
@given(st.one_of(st.binary(max_size=300), st.builds(
    lambda t: ("offence_code,crime_type,cchi_days\n" + t).encode(),
    st.text(alphabet=st.sampled_from(list(',"\n0123456789.-abE+')), max_size=200))))
def test_harm_table_loader_raises_only_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        try:
            load_harm_table(_write(folder, data, "w.csv"))
        except InputError:
            pass


@SETTINGS
@given(st.text(max_size=300))
def test_record_map_parser_raises_only_input_error(text: str) -> None:
    try:
        parse_record_map(text, source="m.toml")
    except InputError:
        pass
