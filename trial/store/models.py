"""The tables of a Spotlight database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Rows written in bulk carry ``audit_id``, the audit entry that wrote them; the entry holds the
# SHA-256 of their canonical content, so an edit with plain SQL is caught by ``audit verify``.


class Trial(SQLModel, table=True):
    __tablename__ = "trial"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column_kwargs={"unique": True}, max_length=100)
    state: str = Field(max_length=20)  # draft | registered | randomised
    title: str | None = Field(default=None, sa_column=Column(Text))
    timezone: str = Field(default="Europe/London", max_length=64)
    protocol_text: str = Field(sa_column=Column(Text, nullable=False))
    protocol_sha256: str = Field(max_length=64)
    spots_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime
    created_by: str = Field(max_length=200)
    registered_at: datetime | None = None
    registered_by: str | None = Field(default=None, max_length=200)
    audit_id: int = Field(index=True)


class Spot(SQLModel, table=True):
    __tablename__ = "spot"
    __table_args__ = (UniqueConstraint("trial_id", "spot_id", name="uq_spot_trial_spot_id"),)

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    spot_id: str = Field(max_length=200)
    name: str = Field(sa_column=Column(Text, nullable=False))
    eligible: bool = True
    exclusion_reason: str | None = Field(default=None, sa_column=Column(Text))
    geometry: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON, as given
    attributes: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    audit_id: int = Field(index=True)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_trial", "trial"),)

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: str = Field(max_length=40)  # UTC, ISO 8601 with Z
    actor: str = Field(max_length=200)
    action: str = Field(max_length=100)
    trial: str | None = Field(default=None, max_length=100)
    entity: str = Field(max_length=200)
    content_sha256: str = Field(max_length=64)
    detail: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The chain's tip, so that removing the newest entries is caught too."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)


class Allocation(SQLModel, table=True):
    """A trial's one allocation: drawn once (or imported), never redrawn."""

    __tablename__ = "allocation"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", sa_column_kwargs={"unique": True})
    method: str = Field(max_length=20)  # a design method, or "external"
    algorithm: str | None = Field(default=None, max_length=60)
    seed: str | None = Field(default=None, max_length=60)  # decimal text: up to 128 bits
    seed_source: str | None = Field(default=None, max_length=20)  # entropy | protocol
    draws_tried: int | None = None
    protocol_sha256: str = Field(max_length=64)
    spots_sha256: str = Field(max_length=64)
    sha256: str = Field(max_length=64)  # of the allocation rows, canonical
    created_at: datetime
    created_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class AllocationRow(SQLModel, table=True):
    __tablename__ = "allocation_row"
    __table_args__ = (UniqueConstraint("trial_id", "spot_id", name="uq_allocation_spot"),)

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    spot_id: str = Field(max_length=200)
    arm: str = Field(max_length=100)
    stratum: str | None = Field(default=None, sa_column=Column(Text))
    set_number: int | None = None
    audit_id: int = Field(index=True)
