"""Spotlight's Textual app."""
