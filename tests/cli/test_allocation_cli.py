"""The allocation's command-line contract through the installed console script."""

from __future__ import annotations

import sqlite3

from tests.cli.run import run
from tests.service.helpers import PROTOCOL, write_spots


def test_randomise_contract(spotlight_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "t.db"
    (tmp_path / "p.toml").write_text(PROTOCOL)
    run(spotlight_bin, db, "trial", "create", "--protocol", str(tmp_path / "p.toml"))
    run(spotlight_bin, db, "spots", "import", str(write_spots(tmp_path)))
    r = run(spotlight_bin, db, "randomise", "--json")
    assert r.code == 1 and r.out == "" and "draft" in r.err
    run(spotlight_bin, db, "protocol", "register")
    r = run(spotlight_bin, db, "randomise", "--check", "--json")
    assert r.code == 0 and r.json["total_allocations"] > 1
    r = run(spotlight_bin, db, "randomise", "--json")
    assert r.code == 0, r.err
    doc = r.json
    assert doc["seed_source"] == "entropy" and doc["seed"] >= 0
    assert len(doc["allocation"]) == 6
    assert set(doc["allocation"][0]) == {"spot_id", "arm", "stratum", "set"}
    assert set(doc["balance"][0]) == {"covariate", "arm_a", "arm_b", "mean_a", "mean_b",
                                      "sd_a", "sd_b", "smd"}
    r2 = run(spotlight_bin, db, "randomise", "--json")
    assert r2.code == 1 and r2.out == "" and "already randomised" in r2.err
    assert run(spotlight_bin, db, "allocation", "show", "--json").json == doc
    out = tmp_path / "field.csv"
    assert run(spotlight_bin, db, "allocation", "export", "--out", str(out)).code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "spot_id,name,arm,stratum,set" and len(lines) == 7
    cert = run(spotlight_bin, db, "allocation", "certificate", "--json").json
    assert cert["seed"] == doc["seed"] and len(cert["allocation_sha256"]) == 64
    assert run(spotlight_bin, db, "allocation", "verify").code == 0
    con = sqlite3.connect(db)
    con.execute("UPDATE allocation_row SET arm = CASE arm WHEN 'control' THEN 'digital' "
                "ELSE 'control' END WHERE spot_id = 'S04'")
    con.commit()
    con.close()
    r = run(spotlight_bin, db, "allocation", "verify")
    assert r.code == 1 and "S04" in r.err
    assert run(spotlight_bin, db, "audit", "verify").code == 1
