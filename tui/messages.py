"""App-wide messages: what a service call answered, or why it refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class ServiceAnswered(Message):
    """A service call made for ``request`` finished with ``result``."""

    request: str
    result: Any


@dataclass
class ServiceRefused(Message):
    """A service call made for ``request`` was refused; ``problems`` say where and why."""

    request: str
    problems: list[Any]
    message: str


@dataclass
class TrialChanged(Message):
    """Something changed the trial (imported, registered, randomised): views reload."""

    trial: str | None
