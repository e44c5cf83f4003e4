"""The outcome data's command-line contract through the installed console script."""

from __future__ import annotations

from tests.cli.run import run
from tests.service.test_crimes import PROTOCOL, SPOTS


def test_crimes_import_and_outcomes(spotlight_bin, tmp_path, shared_data) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "t.db"
    (tmp_path / "p.toml").write_text(PROTOCOL)
    (tmp_path / "s.csv").write_bytes(SPOTS)
    run(spotlight_bin, db, "trial", "create", "--protocol", str(tmp_path / "p.toml"))
    run(spotlight_bin, db, "spots", "import", str(tmp_path / "s.csv"))
    run(spotlight_bin, db, "protocol", "register")
    folder = shared_data / "police-uk" / "city-of-london" / "2019-04"
    r = run(spotlight_bin, db, "crimes", "import", str(folder), "--json")
    assert r.code == 0, r.err
    doc = r.json
    assert set(doc) == {"imported", "duplicates", "excluded", "unlocatable", "in_spots",
                        "in_catchments", "outside"}
    assert doc["imported"] == sum(doc[k] for k in ("excluded", "unlocatable", "in_spots",
                                                   "in_catchments", "outside"))
    again = run(spotlight_bin, db, "crimes", "import", str(folder), "--json").json
    assert again["imported"] == 0 and again["duplicates"] >= doc["imported"]
    rows = run(spotlight_bin, db, "outcomes", "--json").json
    assert set(rows[0]) == {"spot_id", "arm", "window", "outcome", "count", "harm",
                            "catchment_count", "catchment_harm"}
    r = run(spotlight_bin, db, "crimes", "import", str(tmp_path / "nope.csv"), "--json")
    assert r.code == 1 and r.out == "" and "nope.csv" in r.err
    r = run(spotlight_bin, db, "outcomes", "lock", "--json")
    assert r.code == 0 and len(r.json["sha256"]) == 64
