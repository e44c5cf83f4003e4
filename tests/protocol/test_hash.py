"""The canonical protocol hash is exactly PROTOCOL.md's."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.protocol.minimal import MINIMAL
from trial.errors import InputError
from trial.protocol import load_protocol, protocol_sha256

SMALL = """\
# a comment the hash ignores
[trial]
name = "x"
title = "Café patrols"
[design]
max_draws = 20
acceptance = 20.0
[windows]
baseline = { start = 2023-01-01, end = "2023-12-31" }
hours = { start = 20:00:00 }
[[arm]]
name = "a"
ratio = 3
"""


def test_small_protocol_hash_is_computed_as_protocol_md_says() -> None:
    as_json = {
        "arm": [{"name": "a", "ratio": 3}],
        "design": {"acceptance": 20.0, "max_draws": 20},
        "trial": {"name": "x", "title": "Café patrols"},
        "windows": {"baseline": {"end": "2023-12-31", "start": "2023-01-01"},
                    "hours": {"start": "20:00:00"}},
    }
    serialised = json.dumps(as_json, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert '"acceptance":20.0,"max_draws":20' in serialised
    assert "Café" in serialised
    expected = hashlib.sha256(serialised.encode("utf-8")).hexdigest()
    assert protocol_sha256(SMALL) == expected
    assert serialised == (
        '{"arm":[{"name":"a","ratio":3}],"design":{"acceptance":20.0,"max_draws":20},'
        '"trial":{"name":"x","title":"Café patrols"},"windows":{"baseline":{"end":"2023-12-31",'
        '"start":"2023-01-01"},"hours":{"start":"20:00:00"}}}')
    # coreutils: printf '%s' '<the JSON line above>' | sha256sum
    assert expected == "3a1171087805596ad67c50f87c829397f7d6d68dc8ce13fe8c238cf084b59262"


def test_comments_whitespace_and_key_order_do_not_change_the_hash() -> None:
    reordered = """\
[[arm]]
ratio   =   3      # reordered, spaced out and commented
name="a"

[windows]
hours = {start=20:00:00}
baseline = {end = "2023-12-31", start = 2023-01-01}

[trial]
title = "Café patrols"
name = "x"
[design]
acceptance = 20.0
max_draws = 20
"""
    assert protocol_sha256(reordered) == protocol_sha256(SMALL)


def test_dotted_keys_and_tables_hash_alike() -> None:
    assert protocol_sha256('[trial]\nname = "x"\n') == protocol_sha256('trial.name = "x"\n')


@pytest.mark.parametrize(("old", "new"), [
    ("max_draws = 20", "max_draws = 20.0"),  # 20 and 20.0 differ
    ("acceptance = 20.0", "acceptance = 20"),
    ('name = "x"', 'name = "y"'),
    ("ratio = 3", "ratio = 4"),
])
def test_a_value_change_changes_the_hash(old: str, new: str) -> None:
    assert SMALL.count(old) == 1
    assert protocol_sha256(SMALL.replace(old, new)) != protocol_sha256(SMALL)


def test_a_toml_date_hashes_as_its_iso_string() -> None:
    # PROTOCOL.md: dates become their ISO 8601 strings, so the two spellings are one protocol
    assert protocol_sha256(SMALL.replace("start = 2023-01-01", 'start = "2023-01-01"')) == (
        protocol_sha256(SMALL))


def test_defaults_are_not_filled_in_before_hashing() -> None:
    explicit = MINIMAL.replace('name = "t"\n', 'name = "t"\ntimezone = "Europe/London"\n')
    assert load_protocol(explicit).trial == load_protocol(MINIMAL).trial
    assert protocol_sha256(explicit) != protocol_sha256(MINIMAL)


def test_loaded_protocol_carries_its_hash_text_and_parsed_document() -> None:
    p = load_protocol(MINIMAL)
    assert p.sha256 == protocol_sha256(MINIMAL)
    assert p.text == MINIMAL
    assert p.raw["trial"] == {"name": "t"}


def test_offset_date_times_hash_as_their_iso_strings() -> None:
    text = "stamp = 2024-01-08T20:00:00+01:00\n"
    serialised = '{"stamp":"2024-01-08T20:00:00+01:00"}'
    assert protocol_sha256(text) == hashlib.sha256(serialised.encode()).hexdigest()


def test_hash_of_bad_toml_or_nan_is_an_input_error() -> None:
    with pytest.raises(InputError):
        protocol_sha256("[trial\n")
    with pytest.raises(InputError):
        protocol_sha256("x = nan\n")
