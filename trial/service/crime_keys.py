"""Crime references stored as keyed hashes (``crimes import --hash-ids``).

A force's crime reference can be looked up in its own systems, so it is personal data in a
trial database. With ``--hash-ids`` the reference is stored as HMAC-SHA256 under a key held by
the force, outside the database: the file named by ``SPOTLIGHT_CRIME_KEY_FILE``, else
``spotlight-crime.key`` beside the SQLite database (in the working directory for PostgreSQL),
created owner-only on first use exactly as the officer pseudonym key is. The same reference
always gives the same hash, so records already stored are still recognised as duplicates; keep
using the flag (and the key) for every import of the trial.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from trial.fieldwork.pseudonym import pseudonymise
from trial.service.fieldwork_officers import ensure_key
from trial.store.db import is_sqlite, sqlite_path

KEY_ENV = "SPOTLIGHT_CRIME_KEY_FILE"
KEY_NAME = "spotlight-crime.key"


def crime_key_path(db_url: str) -> Path:
    """``SPOTLIGHT_CRIME_KEY_FILE``, else beside a SQLite database, else the working
    directory."""
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    if is_sqlite(db_url):
        db = sqlite_path(db_url)
        if db is not None:
            return db.parent / KEY_NAME
    return Path.cwd() / KEY_NAME


def hash_reference(reference: str, key: bytes) -> str:
    """The stored form of one reference: HMAC-SHA256 (hex) of it, spaces and case folded."""
    return pseudonymise(reference, key)


def hash_crime_ids(frame: Any, key: bytes) -> Any:
    """The record frame with ``crime_id`` hashed, and the ``record_key`` built from it too.

    Records without a reference (police.uk anti-social behaviour) keep their keys, which hold
    no reference.
    """
    out = frame.copy()
    ids = out["crime_id"].astype(object)
    keys = out["record_key"].astype(object)
    cache: dict[str, str] = {}
    new_ids, new_keys = [], []
    for cid, rk in zip(ids, keys, strict=True):
        if not isinstance(cid, str) or not cid:
            new_ids.append(cid)
            new_keys.append(rk)
            continue
        h = cache.get(cid)
        if h is None:
            h = cache[cid] = hash_reference(cid, key)
        new_ids.append(h)
        text = str(rk)
        new_keys.append(text[: len(text) - len(cid)] + h if text.endswith(cid)
                        else "hmac:" + hash_reference(text, key))
    out["crime_id"] = new_ids
    out["record_key"] = new_keys
    return out


def crime_key(db_url: str) -> bytes:
    """The force's key (created owner-only when there is none yet)."""
    return ensure_key(crime_key_path(db_url))
