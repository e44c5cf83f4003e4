"""Build the demonstration trial through the same use-cases a person would run."""

from __future__ import annotations

from importlib.resources import files

import numpy as np

from trial.demo.crimes import add_demo_crimes
from trial.demo.fieldwork import add_demo_fieldwork
from trial.demo.spots import demo_spots_csv
from trial.service.allocation import randomise
from trial.service.context import Context
from trial.service.registration import register
from trial.service.spots import import_spot_data
from trial.service.trials import create_trial, list_trials

DEMO_SEED = 20240108


def demo_protocol_text() -> str:
    return files("trial.demo").joinpath("protocol.toml").read_text(encoding="utf-8")


def build_demo(ctx: Context) -> str:
    """Create, fill, register and randomise the demo trial, and log some fieldwork (an
    existing demo is kept)."""
    text = demo_protocol_text()
    summary = [t for t in list_trials(ctx) if t.trial == "leeds-nte-demo"]
    if summary:
        return summary[0].trial
    rng = np.random.default_rng(DEMO_SEED)
    name = create_trial(ctx, protocol_text=text, source="demo-protocol.toml").trial
    import_spot_data(ctx, trial=name, data=demo_spots_csv(rng).encode(),
                     source="demo-spots.csv")
    register(ctx, trial=name)
    randomise(ctx, trial=name)
    add_demo_crimes(ctx, name, rng)
    add_demo_fieldwork(ctx, name, np.random.default_rng(DEMO_SEED + 1))
    return name
