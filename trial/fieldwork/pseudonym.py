"""Officer identifiers stored as keyed hashes (``[privacy].pseudonymise_officers``)."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(officer: str, key: bytes | str) -> str:
    """The keyed hash of an officer identifier: HMAC-SHA256, as 64 lowercase hex digits.

    The identifier is stripped of surrounding spaces and case-folded first, so ``PC 123`` and
    ``pc 123 `` give the same pseudonym. The key is kept outside the database: without it the
    pseudonym cannot be linked back, and with it the same officer always maps to the same value
    (overlap checks and per-officer counts still work).

    Args:
        officer: the identifier as typed (collar number, payroll number, call sign).
        key: the secret key (bytes, or text encoded as UTF-8); must not be empty.

    Raises:
        ValueError: an empty key (a hash without a secret is trivially reversible).
    """
    secret = key.encode("utf-8") if isinstance(key, str) else key
    if not secret:
        raise ValueError("the pseudonymisation key is empty")
    message = " ".join(officer.split()).casefold().encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
