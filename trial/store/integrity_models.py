"""The tables of blinding: each trial's arm masks and its unblinding."""

# Rows are written once and never updated: the mask is drawn with the allocation, and an
# unblinding is a row of its own.

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["ArmMask", "Unblinding"]


class ArmMask(SQLModel, table=True):
    """The masked label (A, B, C, ...) an arm is shown under to blinded readers."""

    __tablename__ = "arm_mask"
    __table_args__ = (UniqueConstraint("trial_id", "arm", name="uq_arm_mask_arm"),)

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    arm: str = Field(max_length=100)
    label: str = Field(max_length=20)
    source: str = Field(max_length=20)  # entropy
    audit_id: int = Field(index=True)


class Unblinding(SQLModel, table=True):
    """A coordinator's unblinding of a trial, after its results were saved."""

    __tablename__ = "unblinding"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", sa_column_kwargs={"unique": True})
    reason: str = Field(sa_column=Column(Text, nullable=False))
    results_sha256: str = Field(max_length=64)  # the saved results it followed
    unblinded_at: datetime
    unblinded_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)
