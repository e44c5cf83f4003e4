"""Checks across a set of hot spots: unique ids and areas that do not overlap."""

from __future__ import annotations

from collections.abc import Sequence

from trial.errors import Problem
from trial.spots_base import CandidateSpot, Place
from trial.spots_separation import overlapping_across, overlapping_pairs


def _area_field(place: Place) -> str | None:
    return None if place.feature is None else place.field("geometry")


def collection_problems(ids: Sequence[tuple[str, Place]], spots: Sequence[CandidateSpot],
                        places: Sequence[Place], *, source: str) -> list[Problem]:
    """Duplicate spot_ids and overlapping eligible spots within one file.

    Args:
        ids: every non-empty spot_id read and where, including rows with other problems.
        spots: the spots read without problems, and ``places`` where each was.
        source: the file's name, for the problems.

    Overlap is checked among eligible spots only: an excluded candidate is never allocated, and
    a spot is often excluded precisely because it overlaps a better one.
    """
    problems: list[Problem] = []
    first: dict[str, Place] = {}
    for spot_id, place in ids:
        if spot_id in first:
            problems.append(Problem(
                f"duplicate spot_id {spot_id!r} (first at {first[spot_id]}); "
                "each spot needs its own id", source, place.line, place.field("spot_id")))
        else:
            first[spot_id] = place
    eligible = [k for k, s in enumerate(spots) if s.eligible]
    for a, b in overlapping_pairs([spots[k] for k in eligible]):
        ia, ib = eligible[a], eligible[b]
        problems.append(Problem(
            f"spots {spots[ia].spot_id!r} ({places[ia]}) and {spots[ib].spot_id!r} "
            f"({places[ib]}) overlap; eligible spots must not share any area",
            source, places[ib].line, _area_field(places[ib])))
    return problems


def appended_problems(new: Sequence[CandidateSpot], existing: Sequence[CandidateSpot], *,
                      source: str) -> list[Problem]:
    """Problems in adding ``new`` spots to a trial that already holds ``existing`` ones."""
    problems: list[Problem] = []
    have = {s.spot_id for s in existing}
    for spot in new:
        if spot.spot_id in have:
            problems.append(Problem(
                f"spot_id {spot.spot_id!r} is already in the trial; give a new id",
                source, None, "spot_id"))
    new_eligible = [s for s in new if s.eligible]
    old_eligible = [s for s in existing if s.eligible]
    for i, j in overlapping_across(new_eligible, old_eligible):
        problems.append(Problem(
            f"spot {new_eligible[i].spot_id!r} overlaps spot {old_eligible[j].spot_id!r} "
            "already in the trial; eligible spots must not share any area",
            source, None, None))
    return problems
