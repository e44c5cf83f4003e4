"""The trial protocol as frozen values, every default of PROTOCOL.md filled in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DELIVERIES = ("patrol", "ads")
METHODS = ("complete", "stratified", "matched", "rerandomise")
CRITERIA = ("max_abs_smd", "mahalanobis")
WINDOW_NAMES = ("baseline", "run_in", "treatment", "follow_up")
# Windows a hypothesis may name: baseline is the covariate and run_in is excluded from outcomes.
OUTCOME_WINDOWS = ("treatment", "follow_up")
SOURCES = ("all", "public", "police")
MEASURES = ("count", "harm")
BETTER = ("lower", "higher")
MODELS = ("negative-binomial", "poisson-robust", "log-linear")
TESTS = ("superiority", "non-inferiority")
ALTERNATIVES = ("two-sided", "less", "greater")
MULTIPLICITY = ("holm", "bonferroni", "fixed-sequence", "none")
INFERENCE = ("model", "randomisation")
# What to do when the registered model fails to converge: fit a named fallback model, or stop.
NONCONVERGENCE = ("poisson-robust", "log-linear", "refuse")
DEFAULT_HARM_WEIGHTS = "cchi-police-uk"



def _empty_map() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class TrialInfo:
    """The ``[trial]`` table."""

    name: str
    title: str | None = None
    timezone: str = "Europe/London"
    registration: str | None = None
    ethics_reference: str | None = None

    @property
    def tzinfo(self) -> ZoneInfo:
        """The trial's timezone; every local time in the trial uses it."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Arm:
    """One ``[[arm]]``; ``ratio`` is reduced by the greatest common divisor of all ratios."""

    name: str
    ratio: int = 1
    delivers: tuple[str, ...] = ()
    control: bool = False
    label: str | None = None
    description: str | None = None
    factors: Mapping[str, int] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class Design:
    """The ``[design]`` table: how spots are allocated to arms."""

    method: str
    strata: tuple[str, ...] = ()
    match_on: str | None = None
    balance_on: tuple[str, ...] = ()
    criterion: str = "max_abs_smd"
    max_abs_smd: float = 0.1
    acceptance: float = 0.1
    max_draws: int = 100000
    min_separation_m: float = 0.0
    seed: int | None = None


@dataclass(frozen=True)
class Window:
    """A named period of whole local dates, both ends inclusive."""

    name: str
    start: dt.date
    end: dt.date

    @property
    def n_days(self) -> int:
        """Number of dates in the window."""
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        """Whether a local date falls in the window (ends inclusive)."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Hours:
    """``windows.hours``: the local hours every outcome is restricted to.

    A period starts on each listed day at ``start``; an ``end`` before ``start`` runs past
    midnight into the next day. Both ends are inside.
    """

    days: tuple[str, ...]
    start: dt.time
    end: dt.time

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    @property
    def weekdays(self) -> frozenset[int]:
        """The listed days as ``datetime.weekday()`` numbers (Monday is 0)."""
        return frozenset(DAYS.index(d) for d in self.days)

    def contains(self, moment: dt.datetime) -> bool:
        """Whether a naive local date-time falls inside one of the periods."""
        t = moment.time()
        day = moment.weekday()
        if not self.crosses_midnight:
            return day in self.weekdays and self.start <= t <= self.end
        yesterday = (day - 1) % 7
        return (day in self.weekdays and t >= self.start) or (
            yesterday in self.weekdays and t <= self.end
        )


@dataclass(frozen=True)
class Windows:
    """The ``[windows]`` table."""

    baseline: Window
    treatment: Window
    run_in: Window | None = None
    follow_up: Window | None = None
    hours: Hours | None = None

    def get(self, name: str) -> Window | None:
        """The window of that name, or None when it is not defined (``hours`` is not a window)."""
        if name not in WINDOW_NAMES:
            return None
        window: Window | None = getattr(self, name)
        return window

    @property
    def defined(self) -> tuple[Window, ...]:
        """The defined windows in time order: baseline, run_in, treatment, follow_up."""
        return tuple(w for w in (self.get(n) for n in WINDOW_NAMES) if w is not None)


@dataclass(frozen=True)
class Catchment:
    """The ``[catchment]`` table; a zero buffer means no displacement analysis."""

    buffer_m: float = 0.0


@dataclass(frozen=True)
class PatrolDosage:
    """``dosage.patrol``: patrol targets; None means no target on that measure."""

    visits_per_day: int | None = None
    visit_minutes: float | None = None
    min_gap_minutes: float | None = None
    days: tuple[str, ...] | None = None
    start: dt.time | None = None
    end: dt.time | None = None


@dataclass(frozen=True)
class AdsDosage:
    """``dosage.ads``: ad-delivery targets; None means no target on that measure."""

    days: tuple[str, ...] | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    age_min: int | None = None
    age_max: int | None = None
    daily_budget_gbp: float | None = None


@dataclass(frozen=True)
class GpsRules:
    """``dosage.gps``: how GPS pings become patrol visits."""

    max_gap_s: float = 120.0
    min_stay_s: float = 120.0
    max_speed_kmh: float = 10.0


@dataclass(frozen=True)
class Dosage:
    """The ``[dosage]`` table; patrol and ads are None when no targets are set."""

    patrol: PatrolDosage | None = None
    ads: AdsDosage | None = None
    gps: GpsRules = field(default_factory=GpsRules)


@dataclass(frozen=True)
class PatrolFidelity:
    """``fidelity.patrol``: the weekly minimum for a spot to count as patrolled."""

    min_visits_per_week: int | None = None
    min_minutes_per_week: float | None = None


@dataclass(frozen=True)
class AdsFidelity:
    """``fidelity.ads``: the weekly minimum for a spot to count as having received ads."""

    min_impressions_per_week: int | None = None


@dataclass(frozen=True)
class Fidelity:
    """The ``[fidelity]`` table; None: every allocated spot counts as having received its arm."""

    patrol: PatrolFidelity | None = None
    ads: AdsFidelity | None = None


@dataclass(frozen=True)
class Costs:
    """The ``[costs]`` table; ``fixed_gbp`` is keyed by what is delivered."""

    officer_hour_gbp: float | None = None
    fixed_gbp: Mapping[str, float] = field(default_factory=_empty_map, hash=False)


@dataclass(frozen=True)
class Privacy:
    """The ``[privacy]`` table."""

    pseudonymise_officers: bool = False


@dataclass(frozen=True)
class Outcome:
    """One ``[[outcome]]``; ``model`` is resolved (analysis.model for counts, else
    poisson-robust) when the file does not give one."""

    name: str
    crime_types: Literal["all"] | tuple[str, ...]
    primary: bool = False
    exclude: tuple[str, ...] = ()
    source: str = "all"
    measure: str = "count"
    better: str = "lower"
    harm_weights: str = DEFAULT_HARM_WEIGHTS
    model: str = "negative-binomial"

    @property
    def all_crime_types(self) -> bool:
        return self.crime_types == "all"


@dataclass(frozen=True)
class Hypothesis:
    """One ``[[hypothesis]]``: either ``compare`` (a relative to b) or a ``factor``'s main effect.

    For non-inferiority ``alternative`` holds the one-sided direction the test implies: "less"
    when the outcome's better is lower (the ratio must be credibly below ``margin``), "greater"
    when it is higher.
    """

    id: str
    outcome: str
    compare: tuple[str, str] | None = None
    factor: str | None = None
    test: str = "superiority"
    alternative: str = "two-sided"
    margin: float | None = None
    confirmatory: bool = False
    window: str = "treatment"


@dataclass(frozen=True)
class Subgroup:
    """One ``[[subgroup]]``: a pre-specified interaction with a spot attribute."""

    name: str
    attribute: str


@dataclass(frozen=True)
class Analysis:
    """The ``[analysis]`` table."""

    model: str = "negative-binomial"
    adjust_baseline: bool = True
    design_effects: bool = True
    interaction: bool = False
    alpha: float = 0.05
    multiplicity: str = "holm"
    randomisation_inference: int = 0
    ri_seed: int | None = None
    inference: str = "model"
    nonconvergence: str = "poisson-robust"
    per_protocol: bool = False
    blinded: bool = False


@dataclass(frozen=True)
class Protocol:
    """A validated trial protocol, with its original text, canonical hash and parsed TOML."""

    trial: TrialInfo
    arms: tuple[Arm, ...]
    design: Design
    windows: Windows
    outcomes: tuple[Outcome, ...]
    hypotheses: tuple[Hypothesis, ...]
    catchment: Catchment = field(default_factory=Catchment)
    dosage: Dosage = field(default_factory=Dosage)
    fidelity: Fidelity = field(default_factory=Fidelity)
    costs: Costs = field(default_factory=Costs)
    privacy: Privacy = field(default_factory=Privacy)
    subgroups: tuple[Subgroup, ...] = ()
    analysis: Analysis = field(default_factory=Analysis)
    text: str = field(default="", repr=False)
    sha256: str = ""
    raw: Mapping[str, Any] = field(default_factory=_empty_map, repr=False, hash=False,
                                   compare=False)

    @property
    def arm_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.arms)

    @property
    def control_arm(self) -> Arm:
        """The arm with ``control = true``, else the first arm."""
        return next((a for a in self.arms if a.control), self.arms[0])

    def arm(self, name: str) -> Arm:
        """The arm of that name; KeyError when there is none."""
        for a in self.arms:
            if a.name == name:
                return a
        raise KeyError(f"no arm named {name!r}; arms: {', '.join(self.arm_names)}")

    def arms_delivering(self, what: str) -> tuple[Arm, ...]:
        """The arms whose ``delivers`` includes ``what`` ("patrol" or "ads"), in file order."""
        if what not in DELIVERIES:
            raise ValueError(f"what must be one of {DELIVERIES}, not {what!r}")
        return tuple(a for a in self.arms if what in a.delivers)

    @property
    def primary_outcome(self) -> Outcome:
        return next(o for o in self.outcomes if o.primary)

    def outcome(self, name: str) -> Outcome:
        """The outcome of that name; KeyError when there is none."""
        for o in self.outcomes:
            if o.name == name:
                return o
        names = ", ".join(o.name for o in self.outcomes)
        raise KeyError(f"no outcome named {name!r}; outcomes: {names}")

    @property
    def confirmatory_hypotheses(self) -> tuple[Hypothesis, ...]:
        """The confirmatory hypotheses in file order (the order fixed-sequence testing uses)."""
        return tuple(h for h in self.hypotheses if h.confirmatory)

    @property
    def factors(self) -> tuple[str, ...]:
        """Factor names in the order the first arm declares them; empty when not factorial."""
        first = self.arms[0].factors
        return tuple(first) if first else ()

    @property
    def is_factorial(self) -> bool:
        return bool(self.factors)
