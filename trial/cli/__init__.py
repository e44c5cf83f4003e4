"""The ``spotlight`` command line: parse what was typed, call a use-case, show its result."""

from trial.cli.root import main

__all__ = ["main"]
