"""Load the R reference numbers in tests/data/oracles (written by make-oracles.R)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ORACLES = Path(__file__).resolve().parent.parent / "data" / "oracles"


def oracle(name: str) -> dict[str, Any]:
    with open(ORACLES / name, encoding="utf-8") as handle:
        result: dict[str, Any] = json.load(handle)
    return result
