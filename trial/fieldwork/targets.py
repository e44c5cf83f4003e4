"""Ad target areas (pin and radius, or postcode-district polygons) and the spots they reach."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trial.errors import InputError, Problem
from trial.fieldwork.ads import PLATFORMS
from trial.fieldwork.dosage import ADS
from trial.geo import BNG, WGS84, SpotShape, to_metric


@dataclass(frozen=True)
class TargetArea:
    """Where one ad group is delivered, and the spot it serves (one ad group per spot)."""

    platform: str
    account: str
    ad_group: str
    spot_id: str
    shape: SpotShape
    feature: int  # position in the GeoJSON, counting from 1

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.platform, self.account, self.ad_group)


@dataclass(frozen=True)
class TargetReach:
    """A target area reaching a spot, or its catchment, of an arm that does not deliver ads."""

    platform: str
    account: str
    ad_group: str
    spot_id: str
    reached_spot: str
    within: str  # "spot" | "catchment"
    distance_m: float

    def __str__(self) -> str:
        where = "the spot" if self.within == "spot" else "the catchment of"
        return (f"{self.platform} ad group {self.ad_group!r} (for {self.spot_id}) reaches "
                f"{where} {self.reached_spot}, whose arm does not deliver ads "
                f"({self.distance_m:.0f} m edge to edge)")


def _crs(doc: Mapping[str, Any]) -> str:
    crs = doc.get("crs")
    if isinstance(crs, Mapping):
        name = str(crs.get("properties", {}).get("name", WGS84))
    else:
        name = str(crs or WGS84)
    return BNG if "27700" in name else WGS84


def read_target_areas(source: str | Path | Mapping[str, Any], *,
                      spot_ids: Collection[str] | None = None) -> tuple[TargetArea, ...]:
    """Read registered target areas from a GeoJSON FeatureCollection.

    Each feature is a ``Point`` with ``properties.radius_m`` (pin and radius) or a ``Polygon``
    / ``MultiPolygon`` (postcode districts), in WGS84 lon/lat unless the collection names
    ``EPSG:27700``; properties ``platform``, ``account`` (may be empty), ``ad_group`` and
    ``spot_id``.

    Args:
        source: a path to the GeoJSON, or the parsed document.
        spot_ids: the trial's spots, to refuse unknown ones (None: not checked).

    Raises:
        InputError: every problem, each naming ``feature[N].field`` (N from 1): unreadable
            JSON, an unknown platform or geometry, a missing or non-positive radius, an ad
            group given twice, or a spot given two ad groups on one platform.
    """
    name = Path(source).name if isinstance(source, str | Path) else "target areas"
    if isinstance(source, str | Path):
        try:
            doc = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(Problem(f"cannot read the GeoJSON: {exc}", name)) from None
    else:
        doc = source
    features = doc.get("features") if isinstance(doc, Mapping) else None
    if not isinstance(features, list):
        raise InputError(Problem("is not a GeoJSON FeatureCollection", name))
    crs = _crs(doc)
    problems: list[Problem] = []
    areas: list[TargetArea] = []
    by_key: dict[tuple[str, str, str], int] = {}
    by_spot: dict[tuple[str, str], int] = {}
    for i, feat in enumerate(features, start=1):
        where = f"feature[{i}]"

        def bad(field: str, what: str, where: str = where) -> None:
            problems.append(Problem(what, name, None, f"{where}.{field}"))

        props = dict(feat.get("properties") or {}) if isinstance(feat, Mapping) else {}
        geom = dict(feat.get("geometry") or {}) if isinstance(feat, Mapping) else {}
        platform = str(props.get("platform", "")).strip().lower()
        account = str(props.get("account") or "").strip()
        ad_group = str(props.get("ad_group") or "").strip()
        spot = str(props.get("spot_id") or "").strip()
        before = len(problems)
        if platform not in PLATFORMS:
            bad("platform", f"unknown platform {platform!r}: use one of {', '.join(PLATFORMS)}")
        if not ad_group:
            bad("ad_group", "is empty: give the ad group's name or ID as the platform shows it")
        if not spot:
            bad("spot_id", "is empty")
        elif spot_ids is not None and spot not in spot_ids:
            bad("spot_id", f"unknown spot {spot!r}")
        shape = _shape(spot, geom, props, crs, bad)
        if len(problems) > before or shape is None:
            continue
        area = TargetArea(platform, account, ad_group, spot, shape, i)
        if area.key in by_key:
            bad("ad_group",
                f"ad group {ad_group!r} is already given in feature[{by_key[area.key]}]")
            continue
        if (platform, spot) in by_spot:
            bad("spot_id", f"{spot} already has a {platform} ad group in "
                           f"feature[{by_spot[(platform, spot)]}] (one ad group per spot)")
            continue
        by_key[area.key] = i
        by_spot[(platform, spot)] = i
        areas.append(area)
    if problems:
        raise InputError(problems)
    return tuple(areas)


def _shape(spot: str, geom: Mapping[str, Any], props: Mapping[str, Any], crs: str,
           bad: Any) -> SpotShape | None:
    import shapely

    kind = geom.get("type")
    coords: Any = geom.get("coordinates")
    try:
        if kind == "Point":
            radius = props.get("radius_m")
            if not isinstance(radius, int | float) or isinstance(radius, bool) or radius <= 0:
                bad("radius_m", "a pin needs radius_m > 0 (metres)")
                return None
            x, y = to_metric([coords[0]], [coords[1]], crs)
            return SpotShape(spot, "circle", center=(float(x[0]), float(y[0])),
                             radius_m=float(radius))
        if kind in ("Polygon", "MultiPolygon"):
            polys = [coords] if kind == "Polygon" else list(coords or [])
            parts = []
            for rings in polys:
                metric = []
                for ring in rings:
                    arr = np.asarray(ring, dtype=np.float64)
                    mx, my = to_metric(arr[:, 0], arr[:, 1], crs)
                    metric.append(np.column_stack([mx, my]))
                parts.append(shapely.Polygon(metric[0], metric[1:]))
            geometry = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
            if not geometry.is_valid or geometry.area <= 0:
                bad("geometry", "the polygon is not valid (self-crossing or empty)")
                return None
            return SpotShape(spot, "polygon", polygon=geometry)
    except (TypeError, ValueError, IndexError, KeyError):
        bad("geometry", f"unreadable {kind} coordinates")
        return None
    bad("geometry", f"unknown geometry {kind!r}: use Point (with radius_m), Polygon or "
                    "MultiPolygon")
    return None


def target_contamination(areas: Collection[TargetArea], spots: Mapping[str, SpotShape], *,
                         arms_by_spot: Mapping[str, Collection[str]],
                         buffer_m: float = 0.0) -> tuple[TargetReach, ...]:
    """Every target area reaching a spot, or within its catchment, whose arm does not deliver ads.

    Reported at registration, before a single impression. Touching counts as reaching (a
    platform does not guarantee location accuracy, so the boundary is taken as reached).

    Args:
        areas: the registered target areas.
        spots: every spot's metric shape.
        arms_by_spot: what each spot's arm delivers.
        buffer_m: ``[catchment].buffer_m``; 0 checks the spots only.

    Returns:
        One :class:`TargetReach` per area and reached spot, nearest first.
    """
    found: list[TargetReach] = []
    for area in areas:
        for spot_id, shape in spots.items():
            if ADS in arms_by_spot.get(spot_id, ()):
                continue
            d = area.shape.distance_to(shape)
            if d <= 0.0:
                within = "spot"
            elif buffer_m > 0 and d <= buffer_m:
                within = "catchment"
            else:
                continue
            found.append(TargetReach(area.platform, area.account, area.ad_group, area.spot_id,
                                     spot_id, within, d))
    return tuple(sorted(found, key=lambda r: (r.platform, r.ad_group, r.distance_m,
                                              r.reached_spot)))


def contaminated_keys(reaches: Collection[TargetReach]) -> frozenset[tuple[str, str, str]]:
    """The (platform, account, ad group) keys of areas that reach a non-ads spot."""
    return frozenset((r.platform, r.account, r.ad_group) for r in reaches)
