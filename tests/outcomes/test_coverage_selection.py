"""Coverage (a month without records is missing) and which records an outcome counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trial.errors import InputError
from trial.outcomes import (
    MissingMonth,
    coverage,
    missing_months,
    outcome_mask,
    parse_record_map,
    read_policeuk,
    read_records,
)


@pytest.fixture(scope="module")
def city(shared_data: Path) -> pd.DataFrame:
    return read_policeuk([shared_data / "police-uk" / "city-of-london"]).frame


@pytest.fixture(scope="module")
def extract(test_data: Path) -> pd.DataFrame:
    folder = test_data / "outcomes"
    rmap = parse_record_map((folder / "force-extract-map.toml").read_text(), source="map")
    return read_records([folder / "force-extract.csv"], rmap, timezone="Europe/London").frame


def test_city_coverage_and_missing_months(city: pd.DataFrame) -> None:
    cov = coverage(city)
    months = pd.period_range("2018-04", "2020-11", freq="M").strftime("%Y-%m")
    assert cov == {"City of London Police": frozenset(months)}
    assert missing_months(cov, ("2018-04-01", "2020-11-30")) == []
    assert missing_months(cov, ("2018-02-15", "2018-04-30")) == [
        MissingMonth("City of London Police", "2018-02"),
        MissingMonth("City of London Police", "2018-03")]


def test_extract_coverage_counts_excluded_records(extract: pd.DataFrame) -> None:
    cov = coverage(extract)
    assert cov == {"example-force-crimes": frozenset({"2024-01", "2024-07"})}
    missing = missing_months(cov, {"start": "2024-01-08", "end": "2024-07-07"})
    assert [m.month for m in missing] == ["2024-02", "2024-03", "2024-04", "2024-05",
                                          "2024-06"]
    only_cancelled = extract[extract["excluded_reason"].notna()]
    assert coverage(only_cancelled) == {"example-force-crimes": frozenset({"2024-01"})}


def test_outcome_mask_on_police_uk(city: pd.DataFrame) -> None:
    n = len(city)
    assert outcome_mask(city).sum() == n
    assert outcome_mask(city, exclude=["Anti-social behaviour"]).sum() == n - 3_013
    violent = outcome_mask(city, crime_types=["Violence and sexual offences", "Robbery"])
    assert violent.sum() == (city["crime_type"].isin(
        ["Violence and sexual offences", "Robbery"])).sum()
    with pytest.raises(InputError) as err:
        outcome_mask(city, source="public")
    (problem,) = err.value.problems
    assert problem.field == "outcome.source"
    assert "City of London Police" in problem.what and "police.uk" in problem.what


def test_outcome_mask_on_an_extract(extract: pd.DataFrame) -> None:
    ids = extract["crime_id"]

    def chosen(**kw: object) -> list[str]:
        return sorted(ids[outcome_mask(extract, **kw)])  # type: ignore[arg-type]

    # R009 (cancelled) and R013 (transferred) are never counted.
    assert "R009" not in chosen() and "R013" not in chosen() and len(chosen()) == 32
    assert chosen(crime_types=["8N"]) == ["R001", "R008", "R010"]
    assert chosen(crime_types=["8n "]) == ["R001", "R008", "R010"]  # codes matched loosely
    assert chosen(crime_types=["Possession of cannabis"]) == ["R011"]
    assert "R011" not in chosen(source="public")
    assert chosen(source="police") == ["R011"]
    assert len(chosen(crime_types=["crime"])) == 32  # the record type
    assert chosen(crime_types=["105A"], exclude=["R002", "105A"]) == []
    with pytest.raises(InputError, match="must be one of"):
        outcome_mask(extract, source="proactive")
    with pytest.raises(InputError, match="list of names"):
        outcome_mask(extract, crime_types="Robbery")
