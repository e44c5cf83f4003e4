"""The permission matrix in the README is the one the code enforces."""

from __future__ import annotations

from pathlib import Path

from trial.permissions import PERMISSIONS, ROLES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_matrix_matches_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Roles and permissions", 1)[1]
    header = "| action | " + " | ".join(ROLES) + " |"
    assert header in section
    rows = section.split(header, 1)[1].strip().splitlines()[1:]
    documented: dict[str, frozenset[str]] = {}
    for row in rows:
        if not row.startswith("| `"):
            break
        cells = [c.strip() for c in row.strip("|").split("|")]
        documented[cells[0].strip("`")] = frozenset(
            r for r, c in zip(ROLES, cells[1:], strict=True) if c == "yes")
    assert documented == PERMISSIONS
