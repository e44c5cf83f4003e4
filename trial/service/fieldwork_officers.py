"""The pseudonymisation key file, officer pseudonyms, and showing identifiers to key holders."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from pathlib import Path

from trial.errors import Problem, RefusedError
from trial.fieldwork.pseudonym import pseudonymise
from trial.store.db import is_sqlite, sqlite_path

KEY_ENV = "SPOTLIGHT_KEY_FILE"
KEY_NAME = "spotlight.key"
# Identifiers the key holder has typed, by pseudonym: beside the key, never in the database.
DIRECTORY_SUFFIX = ".officers"


def key_path(db_url: str) -> Path:
    """``SPOTLIGHT_KEY_FILE``, else ``spotlight.key`` beside a SQLite database, else in the
    working directory (PostgreSQL)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    if is_sqlite(db_url):
        db = sqlite_path(db_url)
        if db is not None:
            return db.parent / KEY_NAME
    return Path.cwd() / KEY_NAME


def read_key(path: Path) -> bytes | None:
    """The key in ``path``, or None when there is no key file."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RefusedError(f"cannot read the pseudonymisation key {path}: {exc.strerror}") \
            from None
    if not text:
        raise RefusedError(f"the pseudonymisation key file {path} is empty: restore it from "
                           "its backup (a new key would give every officer a new pseudonym)")
    return text.encode("utf-8")


def ensure_key(path: Path) -> bytes:
    """The key in ``path``, created owner-only (a random 256-bit key) on first need."""
    key = read_key(path)
    if key is not None:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        made = read_key(path)
        assert made is not None
        return made
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(32) + "\n")
    made = read_key(path)
    assert made is not None
    return made


class Officers:
    """Officer identifiers as stored: plain, or keyed hashes when the trial pseudonymises."""

    def __init__(self, db_url: str, *, pseudonymise_officers: bool) -> None:
        self.enabled = pseudonymise_officers
        self.path = key_path(db_url)
        self._key: bytes | None = None
        self._typed: dict[str, str] = {}

    def stored(self, officer: str) -> str:
        """The identifier as stored (the pseudonym when pseudonymising; creates the key)."""
        if not self.enabled:
            return officer.strip()
        if self._key is None:
            self._key = ensure_key(self.path)
        p = pseudonymise(officer, self._key)
        self._typed.setdefault(p, " ".join(officer.split()))
        return p

    def shown(self, problems: list[Problem]) -> list[Problem]:
        """Problems with the pseudonyms typed in this action shown as typed (to the typist)."""
        out = []
        for q in problems:
            what = q.what
            for p, o in self._typed.items():
                what = what.replace(p, o)
            out.append(dataclasses.replace(q, what=what))
        return out

    def remember(self) -> None:
        """Add the identifiers typed in this action to the key holder's directory."""
        if not self._typed:
            return
        known = directory(self.path)
        new = {p: o for p, o in self._typed.items() if p not in known}
        if not new:
            return
        target = Path(str(self.path) + DIRECTORY_SUFFIX)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            for p, o in sorted(new.items()):
                f.write(json.dumps({"pseudonym": p, "officer": o}) + "\n")


def directory(key_file: Path) -> dict[str, str]:
    """Pseudonym -> identifier for the identifiers typed with this key (empty without it)."""
    if read_key(key_file) is None:
        return {}
    out: dict[str, str] = {}
    try:
        lines = Path(str(key_file) + DIRECTORY_SUFFIX).read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            entry = json.loads(line)
            out[str(entry["pseudonym"])] = str(entry["officer"])
        except (ValueError, KeyError, TypeError):
            continue
    return out


def searched_officer(db_url: str, officer: str, *, pseudonymised: bool) -> str:
    """The stored officer value a search for ``officer`` must match (its pseudonym when the
    trial pseudonymises officers).

    Raises:
        RefusedError: officers are pseudonymised and the key is not on this machine: only its
            holders can search by officer.
    """
    if not pseudonymised:
        return officer.strip()
    if read_key(key_path(db_url)) is None:
        raise RefusedError("officers are pseudonymised and the key is not here "
                           f"({key_path(db_url)}): only its holders can search by officer")
    return Officers(db_url, pseudonymise_officers=True).stored(officer)
