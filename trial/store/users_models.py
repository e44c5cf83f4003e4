"""The tables of users' roles and of each trial's data-protection record."""

# Rows are written once and never updated: a revoked role is a row of its own, and a changed
# data-protection record is a new row (the newest is the one in force).

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

__all__ = ["DataProtection", "UserRoleChange"]


class UserRoleChange(SQLModel, table=True):
    """One role granted to or revoked from one user (a database login on PostgreSQL)."""

    __tablename__ = "user_role_change"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    role: str = Field(max_length=20)
    change: str = Field(max_length=10)  # grant | revoke
    changed_at: datetime
    changed_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class DataProtection(SQLModel, table=True):
    """A trial's data-protection basis, DPIA, data-sharing agreement and retention date."""

    __tablename__ = "data_protection"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    basis: str = Field(sa_column=Column(Text, nullable=False))
    dpia_reference: str = Field(sa_column=Column(Text, nullable=False))
    sharing_agreement: str = Field(sa_column=Column(Text, nullable=False))
    retain_until: date
    set_at: datetime
    set_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)
