"""Fieldwork targets from the protocol: dosage, GPS dwell rules, fidelity thresholds and costs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trial.fieldwork.times import Hours

PATROL = "patrol"
ADS = "ads"


@dataclass(frozen=True)
class PatrolDosage:
    """``[dosage].patrol``: directed visits per night, their length, spacing and hours."""

    visits_per_day: int
    visit_minutes: int
    min_gap_minutes: int
    hours: Hours

    @classmethod
    def from_toml(cls, table: Mapping[str, Any]) -> PatrolDosage:
        return cls(int(table.get("visits_per_day", 1)), int(table.get("visit_minutes", 15)),
                   int(table.get("min_gap_minutes", 0)), Hours.from_toml(table))


@dataclass(frozen=True)
class AdDosage:
    """``[dosage].ads``: dayparts (hours), audience ages and the daily budget per spot."""

    hours: Hours
    daily_budget_gbp: float | None = None
    age_min: int | None = None
    age_max: int | None = None

    @classmethod
    def from_toml(cls, table: Mapping[str, Any]) -> AdDosage:
        budget = table.get("daily_budget_gbp")
        return cls(Hours.from_toml(table), None if budget is None else float(budget),
                   table.get("age_min"), table.get("age_max"))


@dataclass(frozen=True)
class GpsRules:
    """``[dosage].gps``: how pings become visits (defaults 120 s, 120 s, 10 km/h)."""

    max_gap_s: float = 120.0
    min_stay_s: float = 120.0
    max_speed_kmh: float = 10.0

    @classmethod
    def from_toml(cls, table: Mapping[str, Any] | None) -> GpsRules:
        t = table or {}
        return cls(float(t.get("max_gap_s", 120)), float(t.get("min_stay_s", 120)),
                   float(t.get("max_speed_kmh", 10)))


@dataclass(frozen=True)
class FidelityThresholds:
    """``[fidelity]``: what counts as having received the arm, per week (None: no threshold)."""

    min_visits_per_week: float | None = None
    min_minutes_per_week: float | None = None
    min_impressions_per_week: float | None = None

    @classmethod
    def from_toml(cls, table: Mapping[str, Any] | None) -> FidelityThresholds:
        t = table or {}
        patrol = t.get(PATROL, {})
        ads = t.get(ADS, {})

        def num(tab: Mapping[str, Any], key: str) -> float | None:
            v = tab.get(key)
            return None if v is None else float(v)

        return cls(num(patrol, "min_visits_per_week"), num(patrol, "min_minutes_per_week"),
                   num(ads, "min_impressions_per_week"))


@dataclass(frozen=True)
class CostRates:
    """``[costs]``: officer hour (None: no patrol cost) and fixed costs by what is delivered."""

    officer_hour_gbp: float | None = None
    fixed_gbp: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, table: Mapping[str, Any] | None) -> CostRates:
        t = table or {}
        hour = t.get("officer_hour_gbp")
        return cls(None if hour is None else float(hour),
                   {str(k): float(v) for k, v in dict(t.get("fixed_gbp", {})).items()})
