"""Who may do what: the roles and the permission matrix every action is checked against."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

COORDINATOR = "coordinator"
SUPERVISOR = "supervisor"
VENDOR = "vendor"
RESEARCHER = "researcher"
ADMIN = "admin"
ROLES: tuple[str, ...] = (COORDINATOR, SUPERVISOR, VENDOR, RESEARCHER, ADMIN)
READ = "read"

# Plain reads (list, show, verify, log) are one entry, "read"; writes and audited reads (export,
# report, backup) are named one by one. Nobody may change an allocation once drawn, so no
# action here does.
PERMISSIONS: dict[str, frozenset[str]] = {
    # The trial, its protocol and spots, and the allocation.
    "trial create": frozenset({COORDINATOR}),
    "trial delete": frozenset({COORDINATOR}),
    "trial set-data-protection": frozenset({COORDINATOR, ADMIN}),
    "protocol replace": frozenset({COORDINATOR}),
    "protocol register": frozenset({COORDINATOR}),
    "protocol amend": frozenset({COORDINATOR}),
    "spots import": frozenset({COORDINATOR}),
    "spots remove": frozenset({COORDINATOR}),
    "randomise": frozenset({COORDINATOR}),
    "allocation import": frozenset({COORDINATOR}),
    "context add": frozenset({COORDINATOR}),
    "plan": frozenset({COORDINATOR, SUPERVISOR}),
    "unblind": frozenset({COORDINATOR}),
    # Fieldwork: patrols by supervisors, ad delivery by vendors.
    "sessions log patrol": frozenset({SUPERVISOR}),
    "sessions import patrol": frozenset({SUPERVISOR}),
    "sessions import-pings": frozenset({SUPERVISOR}),
    "sessions void": frozenset({SUPERVISOR}),
    "ads targets import": frozenset({VENDOR}),
    "sessions log ad": frozenset({VENDOR}),
    "sessions import ad": frozenset({VENDOR}),
    # Outcomes and analysis.
    "crimes import": frozenset({RESEARCHER}),
    "outcomes lock": frozenset({RESEARCHER}),
    "analyse save": frozenset({RESEARCHER}),
    "export": frozenset({RESEARCHER}),
    "report": frozenset({RESEARCHER}),
    # Every user may read (list, show, verify the audit trail); only names that are not users
    # are refused.
    READ: frozenset(ROLES),
    # Upkeep.
    "users add": frozenset({ADMIN}),
    "users revoke": frozenset({ADMIN}),
    "purge": frozenset({ADMIN}),
    "db backup": frozenset(ROLES),
    "db restore": frozenset({ADMIN}),
    "db grant": frozenset({ADMIN}),
}

# Written by Spotlight itself, never refused: the record of a refusal, and the record a restored
# database gets of its restoring (checked as "db restore" in the database it replaced).
UNCHECKED: frozenset[str] = frozenset({"permission refused", "db restored"})


@dataclass(frozen=True)
class Decision:
    """Whether an actor may take an action, and the message when not."""

    allowed: bool
    message: str = ""


def roles_for(action: str) -> frozenset[str]:
    """The roles allowed to take ``action``.

    Raises:
        KeyError: the action is not in the matrix (a programming error: every action is listed).
    """
    return PERMISSIONS[action]


def decide(actor: str, roles: Iterable[str] | None, action: str) -> Decision:
    """Decide whether ``actor`` holding ``roles`` may take ``action``.

    Args:
        actor: the acting name.
        roles: the roles the actor holds; ``None`` when the actor is not a user.
        action: an action name from :data:`PERMISSIONS`.

    Returns:
        ``Decision(True)``, or ``Decision(False, message)`` with the message a person sees:
        ``unknown user: NAME`` or ``not permitted: NAME (role+role) cannot ACTION``.
    """
    if action in UNCHECKED:
        return Decision(True)
    if roles is None:
        return Decision(False, f"unknown user: {actor}")
    held = sorted(set(roles), key=role_order)
    if set(held) & roles_for(action):
        return Decision(True)
    label = "+".join(held) if held else "no roles"
    return Decision(False, f"not permitted: {actor} ({label}) cannot {action}")


def role_order(role: str) -> tuple[int, str]:
    return (ROLES.index(role) if role in ROLES else len(ROLES), role)


def matrix_rows() -> list[tuple[str, list[str]]]:
    """The matrix as (action, roles in the canonical order), actions sorted: for docs and help."""
    return [(a, sorted(r, key=role_order)) for a, r in sorted(PERMISSIONS.items())]
