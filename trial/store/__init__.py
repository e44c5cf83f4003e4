"""Storage: SQLModel tables, engine set-up and Alembic migrations (SQLite or PostgreSQL)."""

# The newest migration; a test checks it equals Alembic's head, so a missing database can be
# recognised as current without importing Alembic on every command.
SCHEMA_HEAD = "0008"
