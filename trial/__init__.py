"""Spotlight: randomised trials of hot-spot policing."""

__version__ = "0.1.0"
