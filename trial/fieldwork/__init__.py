"""Fieldwork: patrol visits and ad delivery, imports, plans, fidelity and cost (pure core)."""
