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


class CrimeImport(SQLModel, table=True):
    """One ``crimes import`` call: its files (name, SHA-256, rows) and what became of them."""

    __tablename__ = "crime_import"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    format: str = Field(max_length=20)
    files: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON list
    counts: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON object
    imported_at: datetime
    imported_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class CrimeRecord(SQLModel, table=True):
    """A crime or event record, kept with where it was assigned (never silently dropped)."""

    __tablename__ = "crime_record"
    __table_args__ = (
        UniqueConstraint("trial_id", "record_key", name="uq_crime_record_key"),
        Index("ix_crime_record_trial_area", "trial_id", "area", "spot_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id")
    import_id: int = Field(foreign_key="crime_import.id", index=True)
    record_key: str = Field(sa_column=Column(Text, nullable=False))
    source_format: str = Field(max_length=20)
    crime_id: str | None = Field(default=None, sa_column=Column(Text))
    month: str = Field(max_length=7)
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    precision: str = Field(max_length=10)
    crime_type: str | None = Field(default=None, sa_column=Column(Text))
    offence_code: str | None = Field(default=None, max_length=20)
    record_type: str | None = Field(default=None, sa_column=Column(Text))
    how_reported: str | None = Field(default=None, max_length=20)
    domestic: bool | None = None
    status: str | None = Field(default=None, max_length=60)
    excluded_reason: str | None = Field(default=None, sa_column=Column(Text))
    lon: float | None = None
    lat: float | None = None
    x: float | None = None
    y: float | None = None
    default_location: bool = False
    location: str | None = Field(default=None, sa_column=Column(Text))
    lsoa_code: str | None = Field(default=None, max_length=20)
    falls_within: str | None = Field(default=None, sa_column=Column(Text))
    last_outcome: str | None = Field(default=None, sa_column=Column(Text))
    source_file: str = Field(sa_column=Column(Text, nullable=False))
    line: int
    area: str = Field(max_length=20)  # spot | catchment | outside | unlocatable | excluded
    spot_id: str | None = Field(default=None, max_length=200)
    distance_m: float | None = None
    audit_id: int = Field(index=True)


class OutcomeLock(SQLModel, table=True):
    """The outcome data frozen before analysis: the stored records' hash at that moment."""

    __tablename__ = "outcome_lock"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    sha256: str = Field(max_length=64)
    records: int
    locked_at: datetime
    locked_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class ProtocolAmendment(SQLModel, table=True):
    """A change after registration: the new text and hash beside the registered ones."""

    __tablename__ = "protocol_amendment"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    version: int  # 1 for the first amendment
    protocol_text: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    previous_sha256: str = Field(max_length=64)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    amended_at: datetime
    amended_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class AnalysisResult(SQLModel, table=True):
    """Saved results (``analyse --save``): what reports, exports and unblinding refer to."""

    __tablename__ = "analysis_result"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    sha256: str = Field(max_length=64)  # of the canonical results document
    protocol_sha256: str = Field(max_length=64)
    outcome_lock_id: int | None = Field(default=None, foreign_key="outcome_lock.id")
    results: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    saved_at: datetime
    saved_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)
from trial.store.fieldwork_models import *  # noqa: E402,F401,F403
from trial.store.integrity_models import *  # noqa: E402,F401,F403
from trial.store.users_models import *  # noqa: E402,F401,F403
