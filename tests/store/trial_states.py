"""A database with trials in every state, built through the use-cases."""

from __future__ import annotations

from pathlib import Path

from tests.service.helpers import PROTOCOL, write_spots
from trial.service.context import Context

# What the trial listing must show for the database below, pinned by hand: name order, the
# number of spots per trial, each state.
LISTED = [("alpha", "registered", 6), ("beta", "draft", 0), ("mid-draft", "draft", 6),
          ("zeta", "randomised", 6)]


def _named(name: str) -> str:
    return PROTOCOL.replace('name = "test-trial"', f'name = "{name}"')


def build_trials(ctx: Context, tmp: Path) -> None:
    """Trials in every state: randomised, registered, a draft with spots, an empty draft."""
    from trial.service.allocation import randomise
    from trial.service.registration import register
    from trial.service.spots import import_spots
    from trial.service.trials import create_trial

    spots = write_spots(tmp)
    for name in ("zeta", "alpha", "beta", "mid-draft"):  # created out of name order
        create_trial(ctx, protocol_text=_named(name), source=f"{name}.toml")
    for name in ("zeta", "alpha", "mid-draft"):
        import_spots(ctx, trial=name, path=spots)
    register(ctx, trial="zeta")
    register(ctx, trial="alpha")
    randomise(ctx, trial="zeta")
