"""Use-cases for ad delivery: register target areas, log a delivery row, import platform reports."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, select

from trial.audit import file_sha256
from trial.canonical import canonical_json
from trial.errors import InputError, Problem
from trial.fieldwork.ads import AdDelivery, ad_hours_compliance, check_ad
from trial.fieldwork.batch_flags import micros
from trial.fieldwork.delivery_batch import CheckedDeliveries, Deliveries, check_delivery_batch
from trial.fieldwork.targets import (
    TargetArea,
    TargetReach,
    read_target_areas,
    target_contamination,
)
from trial.geo import BNG, WGS84
from trial.service.context import Act, Context
from trial.service.fieldwork import (
    AD_KIND,
    FieldTrial,
    ImportResult,
    Logged,
    _read_bytes,
    count_flags,
    randomised_trial,
    read_count,
    read_time_arg,
    store_sessions,
)
from trial.service.fieldwork_import import store_imported
from trial.service.trials import find_trial
from trial.store.fieldwork_models import AdTargetArea, FieldSession, SessionImport
from trial.store.session_rows import Same, SessionColumns


@dataclass(frozen=True)
class TargetsResult:
    """What ``ads targets import`` registered, and the contamination it found at once."""

    registered: int
    already_registered: int
    contamination: tuple[TargetReach, ...]

    def as_json(self) -> dict[str, Any]:
        return {"registered": self.registered, "already_registered": self.already_registered,
                "contamination": [reach_json(r) for r in self.contamination]}


def reach_json(r: TargetReach) -> dict[str, Any]:
    return {"platform": r.platform, "account": r.account, "ad_group": r.ad_group,
            "spot_id": r.spot_id, "reached_spot": r.reached_spot, "within": r.within,
            "distance_m": round(r.distance_m, 1), "message": str(r)}


def stored_areas(session: Session, trial_id: int) -> list[AdTargetArea]:
    return sorted(session.exec(select(AdTargetArea).where(AdTargetArea.trial_id == trial_id)),
                  key=lambda a: (a.platform, a.account, a.ad_group))


def target_of(a: AdTargetArea) -> TargetArea:
    """The pure core's target area from a stored row."""
    doc = {"type": "FeatureCollection", "crs": a.crs, "features": [json.loads(a.feature)]}
    (area,) = read_target_areas(doc)
    return area


def contaminated_targets(areas: Sequence[AdTargetArea]) -> frozenset[tuple[str, str, str]]:
    return frozenset((a.platform, a.account, a.ad_group) for a in areas
                     if json.loads(a.reaches))


def import_targets(ctx: Context, *, trial: str | None, path: Path) -> TargetsResult:
    """Register ad target areas from GeoJSON (one ad group per spot and platform).

    A target area reaching a spot, or within the catchment of one, whose arm does not deliver
    ads is contamination: reported at once and stored with the area. Areas already registered
    identically are skipped; a registered ad group or spot cannot be given a different area.
    """
    from trial.service.crimes import trial_shapes

    data = _read_bytes(path)
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="ads targets import", trial=name,
                    entity=f"ad target areas of {name}") as act:
        t, ft = randomised_trial(act.session, name, doing="register ad target areas (arms "
                                                          "decide contamination)")
        areas = read_target_areas(path, spot_ids=set(ft.spot_arms))
        doc = json.loads(data.decode("utf-8"))  # read without error just above
        crs = BNG if "27700" in json.dumps(doc.get("crs", "")) else WGS84
        existing = stored_areas(act.session, ft.trial_id)
        by_key = {(a.platform, a.account, a.ad_group): a for a in existing}
        by_spot = {(a.platform, a.spot_id): a for a in existing}
        problems: list[Problem] = []
        new: list[tuple[TargetArea, str]] = []
        same = 0
        for area in areas:
            feature = canonical_json(doc["features"][area.feature - 1])
            where = f"feature[{area.feature}]"
            old = by_key.get(area.key)
            if old is not None:
                if old.feature == feature and old.crs == crs:
                    same += 1
                else:
                    problems.append(Problem(
                        f"{area.platform} ad group {area.ad_group!r} is already registered "
                        "with another area (areas are kept as registered: give the changed "
                        "targeting a new ad group)", path.name, None, f"{where}.ad_group"))
                continue
            other = by_spot.get((area.platform, area.spot_id))
            if other is not None:
                problems.append(Problem(
                    f"{area.spot_id} already has the {area.platform} ad group "
                    f"{other.ad_group!r} (one ad group per spot)", path.name, None,
                    f"{where}.spot_id"))
                continue
            new.append((area, feature))
        if problems:
            raise InputError(problems)
        spots = {sh.spot_id: sh for sh in trial_shapes(act.session, t)}
        reaches = target_contamination(
            [a for a, _ in new], spots, arms_by_spot=ft.delivers_by_spot,
            buffer_m=float(ft.protocol.catchment.buffer_m))
        rows = []
        for area, feature in new:
            mine = [reach_json(r) for r in reaches if r.platform == area.platform
                    and r.account == area.account and r.ad_group == area.ad_group]
            rows.append(AdTargetArea(
                trial_id=ft.trial_id, platform=area.platform, account=area.account,
                ad_group=area.ad_group, spot_id=area.spot_id, feature=feature, crs=crs,
                reaches=canonical_json(mine), registered_at=act.at, registered_by=act.actor,
                audit_id=act.entry_id))
        act.session.add_all(rows)
        act.written.add_rows("ad_target_area", rows)
        act.written.file_sha256 = file_sha256(data)
        act.written.extra.update({"file": path.name, "registered": len(rows),
                                  "contamination": len(reaches)})
    return TargetsResult(len(rows), same, reaches)


def list_targets(ctx: Context, *, trial: str | None) -> list[dict[str, Any]]:
    """The registered target areas with the contamination found at registration."""
    with ctx.reading() as s:
        t = find_trial(s, trial)
        assert t.id is not None
        return [{"platform": a.platform, "account": a.account, "ad_group": a.ad_group,
                 "spot_id": a.spot_id, "geometry": json.loads(a.feature).get("geometry"),
                 "contamination": json.loads(a.reaches),
                 "registered_at": a.registered_at.isoformat(),
                 "registered_by": a.registered_by} for a in stored_areas(s, t.id)]


def _ad_row(act: Act, ft: FieldTrial, d: AdDelivery, flags: Sequence[str], compliance: str, *,
            source: str, import_id: int | None = None, line: int | None = None) -> FieldSession:
    return FieldSession(
        trial_id=ft.trial_id, kind=AD_KIND, spot_id=d.spot_id, start_utc=d.start,
        end_utc=d.end, source=source, flags=canonical_json(list(flags)), notes="",
        import_id=import_id, line=line, platform=d.platform, account=d.account,
        campaign=d.campaign, ad_group=d.ad_group, creative=d.creative, theme=d.theme,
        message=d.message, impressions=d.impressions, clicks=d.clicks, reach=d.reach,
        video_views=d.video_views, spend_gbp=d.spend_gbp, currency=d.currency,
        spend=d.spend if d.spend is not None else d.spend_gbp, hours_compliance=compliance,
        logged_at=act.at, logged_by=act.actor, audit_id=act.entry_id)


def _read_money(value: float | str | None, fld: str, problems: list[Problem]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        x = float(str(value).strip().lstrip("£").replace(",", ""))
    except ValueError:
        problems.append(Problem(f"{value!r} is not a number", None, None, fld))
        return None
    if not math.isfinite(x):
        problems.append(Problem(f"{value!r} is not a finite number", None, None, fld))
        return None
    return x


def log_ad(ctx: Context, *, trial: str | None, spot: str, platform: str, start: str, end: str,
           impressions: int | str, clicks: int | str, spend: float | str,
           reach: int | str | None = None, video_views: int | str | None = None,
           campaign: str = "", ad_group: str = "", account: str = "", creative: str = "",
           theme: str | None = None, message: str | None = None) -> Logged:
    """Store one row of ad delivery (spend in GBP) typed in the trial's timezone.

    Refused: negative numbers, clicks or reach above impressions, end not after start, an
    unknown platform, spot, theme or message. Flagged: contamination (the spot's arm does not
    deliver ads, or the ad group's registered area reaches one that does not),
    outside_window, outside_hours. Without ``ad_group`` the spot's registered ad group on
    that platform is used, when there is one.
    """
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="sessions log ad", trial=name, entity=f"ad session at {spot}") as act:
        _, ft = randomised_trial(act.session, name, doing="log sessions (arms decide "
                                                          "contamination)")
        problems: list[Problem] = []
        t0 = read_time_arg(start, ft.tz, "start", problems)
        t1 = read_time_arg(end, ft.tz, "end", problems)
        counts = {f: read_count(v, f, problems) for f, v in
                  (("impressions", impressions), ("clicks", clicks), ("reach", reach),
                   ("video_views", video_views))}
        money = _read_money(spend, "spend", problems)
        for f in ("impressions", "clicks"):
            if counts[f] is None and not any(q.field == f for q in problems):
                problems.append(Problem("is required", None, None, f))
        if money is None and not any(q.field == "spend" for q in problems):
            problems.append(Problem("is required (GBP)", None, None, "spend"))
        if t0 is None or t1 is None:
            raise InputError(problems)
        plat = platform.strip().lower()
        areas = stored_areas(act.session, ft.trial_id)
        group = ad_group.strip()
        if not group:
            mine = [a for a in areas if a.platform == plat and a.spot_id == spot.strip()]
            group = mine[0].ad_group if len(mine) == 1 else ""
        d = AdDelivery(
            spot_id=spot.strip(), platform=plat, start=t0, end=t1,
            impressions=counts["impressions"] or 0, clicks=counts["clicks"] or 0,
            spend_gbp=money or 0.0, reach=counts["reach"], video_views=counts["video_views"],
            account=account.strip(), campaign=campaign.strip(), ad_group=group,
            creative=creative.strip(), theme=(theme or "").strip().lower() or None,
            message=(message or "").strip().lower() or None, spend=money)
        bad = {(p, g) for p, _a, g in contaminated_targets(areas)}
        delivers = ft.delivers_by_spot.get(d.spot_id)
        checked = check_ad(d, spot_known=delivers is not None, arm_delivers=delivers or (),
                           target_contaminated=(d.platform, d.ad_group) in bad,
                           treatment_window=ft.window, hours=ft.ad_hours, tz=ft.tz)
        read = {q.field for q in problems} | {"spend_gbp" for q in problems
                                               if q.field == "spend"}
        found = [*problems, *(q for q in checked.problems if q.field not in read)]
        if found:
            raise InputError(found)
        row = _ad_row(act, ft, d, checked.flags, ad_hours_compliance(d, ft.ad_hours, ft.tz),
                      source="manual")
        (sid,) = store_sessions(act, [row])
        act.written.extra.update({"session_id": sid, "flags": list(checked.flags)})
    return Logged(sid, AD_KIND, checked.flags)


def import_ads(ctx: Context, *, trial: str | None, path: Path, fmt: str = "spotlight",
               account_timezone: str | None = None, currency: str | None = None,
               gbp_rate: float | str | None = None, account: str | None = None) -> ImportResult:
    """Import an ad-platform report (``spotlight``, ``tiktok`` or ``snapchat``).

    Atomic and idempotent: rows already stored, by (platform, account, ad group, spot,
    start), are duplicates, counted before any other check. Days and hours are read in the
    account's time zone (default: the trial's); spend is converted to GBP at ``gbp_rate``.
    """
    from trial.fieldwork.platforms import read_ad_columns

    data = _read_bytes(path)
    problems: list[Problem] = []
    rate = _read_money(gbp_rate, "gbp_rate", problems)
    if problems:
        raise InputError(problems)
    with ctx.reading() as s:
        t, ft = randomised_trial(s, find_trial(s, trial).name,
                                 doing="import ad delivery (arms decide contamination)")
        areas = stored_areas(s, ft.trial_id)
        tz_name = account_timezone or t.timezone
    export = read_ad_columns(path, fmt=fmt, account_timezone=tz_name, currency=currency,
                             gbp_rate=rate, target_areas=[target_of(a) for a in areas],
                             account=account)
    rows = export.rows_or_raise()
    with ctx.action(action="sessions import ad", trial=ft.name,
                    entity=f"ad sessions of {ft.name}") as act:
        _, ft = randomised_trial(act.session, ft.name, doing="import ad delivery")
        keys = stored_ad_keys(act.session, ft.trial_id)
        fresh = [k not in keys for k in zip(rows.platform, rows.account, rows.ad_group,
                                            rows.spot_id, rows.start_us.tolist(), strict=True)]
        kept = [k for k, f in enumerate(fresh) if f]
        new = rows if len(kept) == len(rows) else rows.take(kept)
        new_lines = [export.lines[k] for k in kept]
        duplicates = len(rows) - len(new)
        checked = check_delivery_batch(
            new, lines=new_lines, source=path.name, arms_by_spot=ft.delivers_by_spot,
            contaminated_targets=contaminated_targets(stored_areas(act.session, ft.trial_id)),
            treatment_window=ft.window, hours=ft.ad_hours, tz=ft.tz)
        if checked.problems:
            raise InputError(checked.problems)
        flagged = count_flags(checked.flags)
        batch = SessionImport(
            trial_id=ft.trial_id, kind=AD_KIND, format=fmt, file_name=path.name,
            file_sha256=file_sha256(data), account_timezone=tz_name,
            currency=(currency or "").upper() or None, gbp_rate=rate,
            counts=canonical_json({"imported": len(new), "duplicates": duplicates,
                                   "flagged": flagged}),
            lifetime_reach=canonical_json(dict(export.lifetime_reach)), imported_at=act.at,
            imported_by=act.actor, audit_id=act.entry_id)
        act.session.add(batch)
        act.session.flush()
        ids = store_imported(act, _ad_columns(act, ft, new, new_lines, checked,
                                              import_id=batch.id))
        act.written.add_rows("session_import", [batch])
        act.written.file_sha256 = batch.file_sha256
        act.written.extra.update({"file": path.name, "format": fmt, "imported": len(ids),
                                  "duplicates": duplicates, "flagged": flagged})
    return ImportResult(len(ids), duplicates, flagged, ids, export.warnings)


def stored_ad_keys(session: Session, trial_id: int) -> set[tuple[str, str, str, str, int]]:
    """Keys of the trial's stored ad rows (voided ones too), start in UTC microseconds."""
    f = FieldSession
    got = session.execute(
        core_select(f.platform, f.account, f.ad_group, f.spot_id,  # type: ignore[call-overload]
               f.start_utc).where(f.trial_id == trial_id, f.kind == AD_KIND)).all()
    starts = micros([r[4] for r in got]).tolist()
    return {(r[0] or "", r[1] or "", r[2] or "", r[3], s)
            for r, s in zip(got, starts, strict=True)}


def _ad_columns(act: Act, ft: FieldTrial, rows: Deliveries, lines: list[int],
                checked: CheckedDeliveries, *, import_id: int | None) -> SessionColumns:
    """An import's delivery rows as stored (as :func:`_ad_row` stores one)."""
    shown = {f: canonical_json(list(f)) for f in set(checked.flags)}

    def col(name: str) -> list[Any]:
        values: list[Any] = getattr(rows, name)
        return values

    return SessionColumns(checked.start_us, checked.end_us, {
        "trial_id": Same(ft.trial_id), "kind": Same(AD_KIND), "spot_id": col("spot_id"),
        "source": Same("import"), "flags": [shown[f] for f in checked.flags],
        "notes": Same(""), "import_id": Same(import_id), "line": lines,
        **{c: Same(None) for c in ("officer", "officers", "purpose", "mode", "reason")},
        "officer_pseudonymised": Same(False),
        **{c: col(c) for c in ("platform", "account", "campaign", "ad_group", "creative",
                               "theme", "message", "impressions", "clicks", "reach",
                               "video_views", "spend_gbp", "currency")},
        "spend": [s if s is not None else g for s, g in zip(rows.spend, rows.spend_gbp,
                                                              strict=True)],
        "hours_compliance": list(checked.hours_compliance),
        "logged_at": Same(act.at), "logged_by": Same(act.actor),
        "audit_id": Same(act.entry_id)})


def lifetime_reach(session: Session, trial_id: int) -> dict[str, int]:
    """The platforms' de-duplicated reach per spot, from the newest import that gave one."""
    out: dict[str, int] = {}
    batches = session.exec(select(SessionImport).where(SessionImport.trial_id == trial_id,
                                                       SessionImport.kind == AD_KIND))
    for b in sorted(batches, key=lambda b: (b.imported_at, b.id or 0)):
        out.update({str(k): int(v) for k, v in json.loads(b.lifetime_reach).items()})
    return out

