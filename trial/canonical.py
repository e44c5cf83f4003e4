"""Canonical JSON and SHA-256, as PROTOCOL.md defines them for protocols, spots and audit rows."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Serialise with sorted keys, no ASCII escaping and no spaces (PROTOCOL.md)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def canonical_sha256(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``'s UTF-8 bytes."""
    return sha256_hex(canonical_json(value))
