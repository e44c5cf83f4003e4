"""Officer pseudonyms: keyed HMAC-SHA256."""

from __future__ import annotations

import pytest

from trial.fieldwork.pseudonym import pseudonymise


def test_matches_the_rfc_4231_vector_and_is_stable() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
    assert pseudonymise("what do ya want for nothing?", b"Jefe") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    assert pseudonymise("PC 123", "k") == pseudonymise(" pc  123 ", b"k")
    assert len(pseudonymise("PC 123", "k")) == 64


def test_depends_on_the_key_and_the_officer() -> None:
    assert pseudonymise("PC 123", "k1") != pseudonymise("PC 123", "k2")
    assert pseudonymise("PC 123", "k1") != pseudonymise("PC 124", "k1")
    assert "123" not in pseudonymise("PC 123", "k1")
    with pytest.raises(ValueError, match="empty"):
        pseudonymise("PC 123", "")
