"""The audit digest of crime records is the SHA-256 of the CSV that pandas' to_csv writes."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trial.store import crime_rows
from trial.store.crime_rows import DIGEST_COLUMNS, records_digest

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference(frame: pd.DataFrame) -> str:
    """The digest as first defined: every column formatted, then one ``to_csv`` of them all."""
    keys = frame["record_key"].astype(object).tolist()
    f = frame.iloc[sorted(range(len(keys)), key=keys.__getitem__)][list(DIGEST_COLUMNS)].copy()
    times = pd.to_datetime(f["occurred_from"], utc=True, errors="coerce", format="mixed")
    f["occurred_from"] = times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")
    for c in ("x", "y"):
        v = pd.to_numeric(f[c], errors="coerce")
        f[c] = v.round(3).map(lambda z: "" if z != z else f"{z:.3f}")
    f["domestic"] = f["domestic"].map(
        lambda v: "" if v is None or v != v else ("1" if bool(v) else "0"))
    for c in DIGEST_COLUMNS:
        if c not in ("occurred_from", "x", "y", "domestic"):
            col = f[c]
            f[c] = col.astype(object).where(col.notna(), "").astype(str)
    body = f.to_csv(index=False, header=False, lineterminator="\n")
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


_TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "a,b", 'say "hi"', "x\ny", "x\ry", " ",
                                               "é", "\u2028", "🙂", "nan", "None"]),
                  st.text(alphabet=st.sampled_from(list(',"\r\n ab\t\'é')), max_size=6))
_NUMBER = st.one_of(st.just(np.nan), st.just(-0.0), st.just(0.0004), st.just(-0.0004),
                    st.floats(-1e6, 1e6, allow_nan=False), st.just(530_000.0005))


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 12))
    keys = draw(st.lists(st.text(alphabet="ab,\"é", min_size=1, max_size=4), min_size=n,
                         max_size=n, unique=True))
    data: dict[str, object] = {"record_key": keys}
    for c in DIGEST_COLUMNS[1:]:
        if c == "occurred_from":
            data[c] = draw(st.lists(st.sampled_from(
                [None, "2024-01-05T10:00:00+00:00", "2024-03-31T01:30:00Z"]), min_size=n,
                max_size=n))
        elif c in ("x", "y"):
            data[c] = draw(st.lists(_NUMBER, min_size=n, max_size=n))
        elif c == "domestic":
            data[c] = draw(st.lists(st.sampled_from([None, True, False, np.nan]), min_size=n,
                                    max_size=n))
        else:
            data[c] = draw(st.lists(_TEXT, min_size=n, max_size=n))
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in data.items()})
    for c in ("x", "y"):
        frame[c] = frame[c].astype(np.float64)
    for c in draw(st.lists(st.sampled_from(["month", "crime_type", "area", "status"]),
                           unique=True)):
        # Readers may hand repetitive text over as categories ("" never a category).
        frame[c] = pd.Categorical(frame[c].where(frame[c] != "", None))
    return frame


@SETTINGS
@given(frame=_frames())
def test_digest_is_the_sha256_of_to_csv(frame: pd.DataFrame) -> None:
    assert records_digest(frame) == _reference(frame)


def test_digest_over_several_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    n = 2_500
    frame = pd.DataFrame({c: pd.Series([None] * n, dtype=object) for c in DIGEST_COLUMNS})
    frame["record_key"] = [f"police-uk:{k:06d}" for k in rng.permutation(n)]
    frame["month"] = pd.Categorical(rng.choice(["2024-01", "2024-02"], size=n))
    frame["x"] = np.round(rng.uniform(400_000, 400_100, size=n), 2)
    frame["y"] = np.where(rng.random(n) < 0.1, np.nan, 300_000.25)
    frame["area"] = rng.choice(["spot", "outside", "a,b"], size=n).astype(object)
    whole = records_digest(frame)
    monkeypatch.setattr(crime_rows, "DIGEST_CHUNK", 300)
    assert records_digest(frame) == whole == _reference(frame)
