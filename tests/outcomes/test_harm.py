"""Harm weights: shipped CCHI category means, user tables by offence code, the 0 rules."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trial.errors import InputError
from trial.outcomes import (
    harm_weights,
    load_harm_table,
    outcome_mask,
    parse_record_map,
    read_policeuk,
    read_records,
)
from trial.outcomes.frame import build_frame


@pytest.fixture(scope="module")
def extract(test_data: Path) -> pd.DataFrame:
    folder = test_data / "outcomes"
    rmap = parse_record_map((folder / "force-extract-map.toml").read_text(), source="map")
    return read_records([folder / "force-extract.csv"], rmap, timezone="Europe/London").frame


def test_shipped_tables_match_the_shared_copies(shared_data: Path) -> None:
    national = load_harm_table("cchi-police-uk")
    assert "5591939d" in national.version and "2026" in national.version
    with (shared_data / "harm" / "cchi-days-by-police-uk-category.csv").open() as fh:
        rows = {r["crime_type"]: float(r["cchi_days"]) for r in csv.DictReader(fh)}
    assert dict(national.by_crime_type) == rows
    assert len(rows) == 13 and national.by_crime_type["Violence and sexual offences"] == 194.21
    city = load_harm_table("cchi-police-uk:City of London Police")
    assert city.name == "cchi-police-uk:City of London"
    assert city.by_crime_type["Burglary"] == 190.7
    met = load_harm_table("cchi-police-uk:metropolitan police")
    assert met.name == "cchi-police-uk:Metropolitan Police"
    with pytest.raises(InputError, match="Avon and Somerset"):
        load_harm_table("cchi-police-uk:Gotham")


def test_city_of_london_harm_total(shared_data: Path) -> None:
    frame = read_policeuk([shared_data / "police-uk" / "city-of-london"]).frame
    table = load_harm_table("cchi-police-uk")
    weights, missing = harm_weights(frame, table)
    counts = Counter(frame["crime_type"])
    expected = sum(n * table.by_crime_type.get(t, 0.0) for t, n in counts.items())
    assert weights.sum() == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(971_571.47, abs=0.01)
    assert missing == []  # anti-social behaviour weighs 0 without being "missing"
    assert (weights[(frame["crime_type"] == "Anti-social behaviour").to_numpy()] == 0).all()


def test_user_table_by_offence_code_then_crime_type(extract: pd.DataFrame,
                                                   test_data: Path) -> None:
    table = load_harm_table(test_data / "outcomes" / "harm-by-offence-code.csv")
    assert table.name == "harm-by-offence-code.csv" and "sha256:" in table.version
    weights, missing = harm_weights(extract, table)
    by_id = dict(zip(extract["crime_id"], weights, strict=True))
    assert by_id["R001"] == 365 and by_id["R002"] == 10
    assert by_id["R004"] == 2  # code 39 has no weight: its crime type's
    assert by_id["R011"] == 0  # 92D weighs 3, but it was found by police
    assert by_id["R005"] == 0 and missing == ["Public fear alarm or distress"]
    # Hand total: 5 x 365 (8N, 34B) + 5 x 10 (105A) + 22 x 2 (theft from the person).
    assert weights.sum() == 1919
    counted = outcome_mask(extract)
    assert weights[counted].sum() == 1919 - 365 - 2  # less the cancelled and transferred


def test_asb_and_old_categories() -> None:
    frame = build_frame({"crime_type": ["Anti-social behaviour", "Violent crime", "Robbery"],
                         "precision": "month"}, 3)
    weights, missing = harm_weights(frame, load_harm_table("cchi-police-uk"))
    assert list(weights) == [0.0, 0.0, 365.0]
    assert missing == ["Violent crime"]


def test_user_table_may_weigh_asb(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("crime_type,cchi_days\nAnti-social behaviour,0.5\nRobbery,365\n")
    frame = build_frame({"crime_type": ["Anti-social behaviour", "Robbery"]}, 2)
    assert list(harm_weights(frame, load_harm_table(path)).weights) == [0.5, 365.0]


def test_user_table_errors_are_listed_by_line(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("offence_code,crime_type,cchi_days\n"
                    "8N,,365\n"
                    "3A,,-1\n"
                    "08-Nov,,365\n"
                    "8n,,10\n"
                    ",,5\n"
                    "105A,,ten\n")
    with pytest.raises(InputError) as err:
        load_harm_table(path)
    assert [(p.line, p.field) for p in err.value.problems] == [
        (3, "cchi_days"), (4, "offence_code"), (5, "offence_code"), (6, None),
        (7, "cchi_days")]
    with pytest.raises(InputError, match="neither a shipped table"):
        load_harm_table(tmp_path / "absent.csv")
    (tmp_path / "h.csv").write_text("code,days\n")
    with pytest.raises(InputError, match="header"):
        load_harm_table(tmp_path / "h.csv")


def test_weights_are_floats_per_record(extract: pd.DataFrame) -> None:
    weights, _ = harm_weights(extract, load_harm_table("cchi-police-uk"))
    assert weights.dtype == np.float64 and len(weights) == len(extract)


def test_shipped_files_match_their_readme() -> None:
    import hashlib
    from importlib import resources

    data = resources.files("trial.outcomes") / "data"
    readme = (data / "README.md").read_text(encoding="utf-8")
    for name in ("cchi-days-by-police-uk-category.csv", "cchi-days-by-force-and-category.csv"):
        digest = hashlib.sha256((data / name).read_bytes()).hexdigest()
        assert digest in readme, name
