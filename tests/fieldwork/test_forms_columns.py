"""The column reader of patrol logs reads every file as the row-by-row reader did."""

from __future__ import annotations

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fieldwork import reference_forms
from trial.fieldwork.forms import FormMap, _read
from trial.fieldwork.times import LocalTimeError, read_time

LONDON = ZoneInfo("Europe/London")
HEADER = "spot_id,start,end,officer,officers,purpose,mode,source,notes,reason"
TIMES = ["2024-03-31 01:30", "2024-10-27 01:30", "2024-10-27T01:30+01:00", "2024-02-02 22:10",
         "2024-02-02T22:10:05Z", "2024-02-30 10:00", "2024-1-5 9:05", "2024-02-02 24:00",
         "2024-02-02 23:59:60", "2024-02-02", "20240202T2210", "x", "", "２０２４-02-02 10:00",
         "2024-02-02 22:10 +05:30", "2024-02-02t22:10", "02/02/2024 22:10"]
cells = st.sampled_from(["", " ", "S1", "PC1", "0", "2", "x", "directed", "override", "BAU",
                         "walk", "foot", "gps", "\"a,b\"", "why"])
times = st.sampled_from(TIMES)
rows = st.lists(st.tuples(cells, times, times, cells, cells, cells, cells, cells, cells, cells)
                .map(",".join), max_size=8)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=rows, mapped=st.booleans())
def test_column_reader_equals_the_row_reader(body: list[str], mapped: bool) -> None:
    fmap = FormMap.from_dict({"columns": {f: f for f in HEADER.split(",")},
                              "times": {"formats": ["%d/%m/%Y %H:%M"], "next_day_end": True},
                              "values": {"purpose": {"BAU": "bau"}},
                              "defaults": {"mode": "cycle"}}) if mapped else None
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "log.csv"
        f.write_text("\n".join([HEADER, *body]) + "\n", encoding="utf-8")
        assert _read(f, LONDON, fmap) == reference_forms._read(f, LONDON, fmap)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.sampled_from(TIMES), st.from_regex(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?",
    fullmatch=True)))
def test_read_time_reads_as_before(text: str) -> None:
    def outcome(fn) -> object:  # type: ignore[no-untyped-def]
        try:
            return fn(text)
        except LocalTimeError as exc:
            return str(exc)

    assert outcome(read_time) == outcome(reference_forms.read_time)
