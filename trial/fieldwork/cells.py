"""Reading the cells and headers of ad-platform exports as the platforms write them."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# "<5": platforms hide small counts. Read as 2, the whole-number middle of the hidden 1..4 (a
# zero is shown as 0), and counted so that the import can say how many cells were estimated.
SUPPRESSED_VALUE = 2
_SUPPRESSED = re.compile(r"^<\s*(\d+)$")
_SUMMARY = re.compile(r"^\s*(?:grand\s+)?totals?\b|^\s*全\s*\d+\s*件", re.IGNORECASE)
_NOT_APPLICABLE = {"-", "--", "—", "n/a", "na"}
_CURRENCY_MARKS = "£$€¥￥₩"


class CellError(ValueError):
    """A cell that is not what its column needs."""


def normalise_header(text: str) -> str:
    """Lower case, full-width brackets made ASCII, spaces collapsed, a byte-order mark removed."""
    t = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    return " ".join(t.strip().lower().split())


@dataclass(frozen=True)
class Columns:
    """Where each field sits in a header, found through its aliases (first alias present wins)."""

    index: Mapping[str, int]
    header: Mapping[str, str]  # field -> the header as written

    @classmethod
    def find(cls, header: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> Columns:
        where = {normalise_header(h): i for i, h in enumerate(header)}
        index: dict[str, int] = {}
        shown: dict[str, str] = {}
        for field, names in aliases.items():
            for name in names:
                if name in where:
                    index[field] = where[name]
                    shown[field] = header[where[name]].strip()
                    break
        return cls(index, shown)

    def __contains__(self, field: object) -> bool:
        return field in self.index

    def get(self, record: Sequence[str], field: str) -> str:
        i = self.index.get(field)
        if i is None or i >= len(record):
            return ""
        return record[i].strip()


def is_summary(record: Sequence[str]) -> bool:
    """A totals row (``Total of 3 results``, ``全2件の結果``, ``Total``) in the first cells."""
    for cell in record[:3]:
        if cell.strip() and cell.strip() not in _NOT_APPLICABLE:
            return bool(_SUMMARY.match(cell))
    return False


@dataclass
class CellReader:
    """Reads numbers, counting the hidden small counts it had to estimate."""

    suppressed: int = 0

    def number(self, text: str, *, missing: float | None = None) -> float | None:
        """A number from ``1,234``, ``£12.50``, ``0.28%`` (as 0.0028), ``-`` or empty (as
        ``missing``), ``<5`` (as :data:`SUPPRESSED_VALUE`).

        Raises:
            CellError: anything else.
        """
        t = text.strip()
        if not t or t.lower() in _NOT_APPLICABLE:
            return missing
        m = _SUPPRESSED.match(t)
        if m:
            self.suppressed += 1
            return float(min(SUPPRESSED_VALUE, int(m.group(1)) - 1))
        scale = 1.0
        if t.endswith("%"):
            t, scale = t[:-1], 0.01
        t = t.strip(_CURRENCY_MARKS).replace(",", "").replace(" ", "")
        try:
            value = float(t) * scale
        except ValueError:
            raise CellError(f"{text.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise CellError(f"{text.strip()!r} is not a finite number")
        return value

    def count(self, text: str, *, missing: int | None = None) -> int | None:
        """A whole number (as :meth:`number`); ``12.0`` is accepted, ``12.5`` is not.

        Raises:
            CellError: not a whole number.
        """
        value = self.number(text, missing=None if missing is None else float(missing))
        if value is None:
            return None
        if value != int(value):
            raise CellError(f"{text.strip()!r} is not a whole number")
        return int(value)
