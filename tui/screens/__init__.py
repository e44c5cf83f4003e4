"""Screens of the Spotlight app."""
