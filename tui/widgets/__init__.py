"""Reusable widgets of the Spotlight app."""
