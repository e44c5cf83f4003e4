"""The one door to the database: use-cases, one transaction and one audit entry per action."""
