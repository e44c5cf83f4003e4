"""Every action of the app, by who does it: the palette, the home keys and help list them."""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, REGISTERED, RANDOMISED = "draft", "registered", "randomised"


@dataclass(frozen=True)
class AppAction:
    """One thing a person can do; offered only while the trial is in one of ``states``."""

    name: str
    title: str
    help: str
    who: str
    key: str = ""
    states: tuple[str, ...] = ()
    needs_trial: bool = True


ACTIONS: tuple[AppAction, ...] = (
    AppAction("create", "Create a trial", "from a protocol file", "coordinator", "n",
              needs_trial=False),
    AppAction("spots", "Import hot spots", "load spots from CSV or GeoJSON (draft only)",
              "coordinator", "i", (DRAFT,)),
    AppAction("register", "Register the trial",
              "see separation and the design check, then freeze protocol and spots",
              "coordinator", "r", (DRAFT,)),
    AppAction("randomise", "Randomise", "draw the allocation, once", "coordinator", "z",
              (REGISTERED,)),
    AppAction("allocation", "Allocation, balance and certificate",
              "the allocation, balance table, certificate; export", "coordinator", "l",
              (RANDOMISED,)),
    AppAction("audit", "Audit trail", "every write, and verify the chain", "coordinator", "a"),
    AppAction("context", "Record context", "closures, other interventions, incidents",
              "coordinator", "x", (RANDOMISED,)),
    AppAction("visit", "Log a visit", "a patrol visit at a spot", "supervisor", "v",
              (RANDOMISED,)),
    AppAction("sessions", "Visits and sessions", "every logged session; void with a reason",
              "supervisor", "s", (RANDOMISED,)),
    AppAction("runsheet", "Tonight's run sheet", "the patrol plan for tonight", "supervisor",
              "t", (RANDOMISED,)),
    AppAction("ads", "Ads and target areas",
              "register target areas, import an ad-platform export", "vendor", "e",
              (RANDOMISED,)),
    AppAction("crimes", "Import crimes", "police.uk files, with progress; coverage per month",
              "researcher", "c", (REGISTERED, RANDOMISED)),
    AppAction("outcomes", "Outcome table", "counts and harm per spot and window", "researcher",
              "o", (REGISTERED, RANDOMISED)),
    AppAction("demand", "Demand profile", "records by hour of the week", "researcher", "d",
              (REGISTERED, RANDOMISED)),
    AppAction("fidelity", "Fidelity per arm", "delivered against plan, with a plot",
              "researcher", "f", (RANDOMISED,)),
    AppAction("analysis", "Run the registered analysis", "hypotheses and a forest plot",
              "researcher", "y", (RANDOMISED,)),
)

BY_NAME = {a.name: a for a in ACTIONS}


def offered(state: str | None) -> list[AppAction]:
    """The actions that make sense for a trial in ``state`` (None: no trial chosen)."""
    return [a for a in ACTIONS
            if (not a.needs_trial or state is not None) and (not a.states or state in a.states)]
