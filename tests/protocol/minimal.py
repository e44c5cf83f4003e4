"""A minimal valid protocol and helpers to make one-mistake variants of it."""

from __future__ import annotations

import pytest

from trial.errors import InputError, Problem
from trial.protocol import load_protocol

MINIMAL = """\
[trial]
name = "t"

[[arm]]
name = "a"
[[arm]]
name = "b"
control = true

[design]
method = "complete"

[windows]
baseline = { start = "2023-01-01", end = "2023-12-31" }
treatment = { start = "2024-01-08", end = "2024-04-07" }

[[outcome]]
name = "crime"
primary = true
crime_types = "all"

[[hypothesis]]
id = "H1"
outcome = "crime"
compare = ["a", "b"]
confirmatory = true
"""

FACTORIAL = """\
[trial]
name = "f"

[[arm]]
name = "both"
factors = { digital = 1, physical = 1 }
[[arm]]
name = "digital"
factors = { digital = 1, physical = 0 }
[[arm]]
name = "physical"
factors = { digital = 0, physical = 1 }
[[arm]]
name = "control"
factors = { digital = 0, physical = 0 }

[design]
method = "complete"

[windows]
baseline = { start = "2023-01-01", end = "2023-12-31" }
treatment = { start = "2024-01-08", end = "2024-04-07" }

[[outcome]]
name = "crime"
primary = true
crime_types = "all"

[[hypothesis]]
id = "H1"
outcome = "crime"
factor = "digital"
confirmatory = true
"""


def variant(*edits: tuple[str, str], append: str = "", base: str = MINIMAL) -> str:
    """The base text with each (old, new) replacement made once, then ``append`` added."""
    text = base
    for old, new in edits:
        assert text.count(old) == 1, f"edit anchor not unique: {old!r}"
        text = text.replace(old, new)
    return text + append


def after(anchor: str, *lines: str) -> tuple[str, str]:
    """An edit putting ``lines`` right after the unique ``anchor`` line."""
    return anchor, anchor + "".join(line + "\n" for line in lines)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_protocol(text, source="bad.toml")
    assert caught.value.problems, "an InputError must carry at least one problem"
    return caught.value.problems
