"""The tables of fieldwork: sessions, voids, imports, ad target areas, context, patrol plans."""

# Rows are written once and never updated: a void is a row of its own. Times are aware UTC.

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["AdTargetArea", "FieldSession", "PatrolPlan", "SessionImport", "SessionVoid",
           "SpotContext"]


class SessionImport(SQLModel, table=True):
    """One sessions import: its file, format and what became of its rows."""

    __tablename__ = "session_import"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    kind: str = Field(max_length=10)  # patrol | ad
    format: str = Field(max_length=20)  # patrol | form | gps | spotlight | tiktok | snapchat
    file_name: str = Field(sa_column=Column(Text, nullable=False))
    file_sha256: str = Field(max_length=64)
    account_timezone: str | None = Field(default=None, max_length=64)
    currency: str | None = Field(default=None, max_length=8)
    gbp_rate: float | None = None
    counts: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    lifetime_reach: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    imported_at: datetime
    imported_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class FieldSession(SQLModel, table=True):
    """A patrol visit (``kind`` patrol) or one row of ad delivery (``kind`` ad) at one spot."""

    __tablename__ = "field_session"
    __table_args__ = (
        Index("ix_field_session_trial_spot", "trial_id", "spot_id"),
        Index("ix_field_session_trial_officer", "trial_id", "officer"),
        # Lists page through a trial's sessions by start time, all kinds or one kind.
        Index("ix_field_session_trial_start", "trial_id", "start_utc", "id"),
        Index("ix_field_session_trial_kind_start", "trial_id", "kind", "start_utc", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    kind: str = Field(max_length=10)
    spot_id: str = Field(max_length=200)
    start_utc: datetime
    end_utc: datetime
    source: str = Field(max_length=20)  # patrol: manual|gps|bwv|import; ad: manual|import
    flags: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON list
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    import_id: int | None = Field(default=None, foreign_key="session_import.id", index=True)
    line: int | None = None
    # patrol
    officer: str | None = Field(default=None, max_length=200)  # or its keyed hash
    officer_pseudonymised: bool = False
    officers: int | None = None
    purpose: str | None = Field(default=None, max_length=20)
    mode: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    # ad
    platform: str | None = Field(default=None, max_length=20)
    account: str | None = Field(default=None, max_length=200)
    campaign: str | None = Field(default=None, sa_column=Column(Text))
    ad_group: str | None = Field(default=None, max_length=200)
    creative: str | None = Field(default=None, sa_column=Column(Text))
    theme: str | None = Field(default=None, max_length=40)
    message: str | None = Field(default=None, max_length=40)
    impressions: int | None = None
    clicks: int | None = None
    reach: int | None = None
    video_views: int | None = None
    spend_gbp: float | None = None
    currency: str | None = Field(default=None, max_length=8)
    spend: float | None = None  # as the platform reported it, in ``currency``
    hours_compliance: str | None = Field(default=None, max_length=10)  # yes | no | unknown
    logged_at: datetime
    logged_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class SessionVoid(SQLModel, table=True):
    """A session voided with a reason: kept, listed, excluded from dosage."""

    __tablename__ = "session_void"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    session_id: int = Field(foreign_key="field_session.id", sa_column_kwargs={"unique": True})
    reason: str = Field(sa_column=Column(Text, nullable=False))
    voided_at: datetime
    voided_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class AdTargetArea(SQLModel, table=True):
    """Where one ad group is delivered (one ad group per spot and platform)."""

    __tablename__ = "ad_target_area"
    __table_args__ = (
        UniqueConstraint("trial_id", "platform", "account", "ad_group",
                         name="uq_ad_target_area_group"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    platform: str = Field(max_length=20)
    account: str = Field(default="", max_length=200)
    ad_group: str = Field(max_length=200)
    spot_id: str = Field(max_length=200)
    feature: str = Field(sa_column=Column(Text, nullable=False))  # canonical GeoJSON feature
    crs: str = Field(max_length=20)
    reaches: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON list
    registered_at: datetime
    registered_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class SpotContext(SQLModel, table=True):
    """Something that happened at a spot: another intervention, an incident, a closure."""

    __tablename__ = "spot_context"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    spot_id: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # intervention | incident | closure
    date_from: date
    date_to: date | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    added_at: datetime
    added_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)


class PatrolPlan(SQLModel, table=True):
    """A run sheet drawn for future nights, with the seed that reproduces it."""

    __tablename__ = "patrol_plan"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial.id", index=True)
    date_from: date
    date_to: date
    seed: str = Field(max_length=60)  # decimal text
    plan: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    sha256: str = Field(max_length=64)
    created_at: datetime
    created_by: str = Field(max_length=200)
    audit_id: int = Field(index=True)
