"""``spotlight users``: add, list and a refusal, through the installed console script."""

from __future__ import annotations

from tests.cli.run import run
from tests.service.helpers import PROTOCOL


def test_users_add_list_and_refusal(spotlight_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "t.db"
    proto = tmp_path / "p.toml"
    proto.write_text(PROTOCOL)
    r = run(spotlight_bin, db, "users", "add", "bob", "--role", "coordinator", "--role",
            "researcher", "--json", user="alice")
    assert r.code == 0, r.err
    assert r.json == [{"name": "alice", "roles": ["admin"]},
                      {"name": "bob", "roles": ["coordinator", "researcher"]}]
    r = run(spotlight_bin, db, "users", "list", "--json", user="bob")
    assert r.json == [{"name": "alice", "roles": ["admin"]},
                      {"name": "bob", "roles": ["coordinator", "researcher"]}]
    r = run(spotlight_bin, db, "trial", "create", "--protocol", str(proto), user="alice")
    assert (r.code, r.out) == (1, "")
    assert r.err.strip() == "spotlight: error: not permitted: alice (admin) cannot trial create"
    r = run(spotlight_bin, db, "trial", "list", "--json", user="mallory")
    assert (r.code, r.err.strip()) == (1, "spotlight: error: unknown user: mallory")
    r = run(spotlight_bin, db, "audit", "log", "--json", user="bob")
    assert [(e["actor"], e["action"]) for e in reversed(r.json)] == [
        ("alice", "users add"), ("alice", "permission refused"), ("mallory", "permission refused")]
