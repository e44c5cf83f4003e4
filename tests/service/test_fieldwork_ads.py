"""Ad delivery, target areas, context, closures, plans and fidelity through the service."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.service.test_fieldwork import NOW, patrol, setup_trial
from trial.errors import InputError
from trial.service import audit_trail
from trial.service import fieldwork as fw
from trial.service import fieldwork_ads as fa
from trial.service import fieldwork_report as fr

pytestmark = pytest.mark.storage

CENTRES = {"S01": (53.79560, -1.54080), "S02": (53.79420, -1.54050),
           "S03": (53.79850, -1.54900), "S04": (53.79930, -1.55200),
           "S05": (53.80010, -1.54300), "S06": (53.80020, -1.54700)}


@pytest.fixture
def field(ctx, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "keys" / "spotlight.key"))
    return ctx, setup_trial(ctx, tmp_path)


def pin(platform: str, group: str, spot: str, radius: float, at: str | None = None) -> dict:
    lat, lon = CENTRES[at or spot]
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"platform": platform, "account": "", "ad_group": group,
                           "spot_id": spot, "radius_m": radius}}


def write_targets(tmp: Path, features: list[dict], name: str = "targets.geojson") -> Path:
    p = tmp / name
    p.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                 encoding="utf-8")
    return p


def ad(ctx: Any, spot: str, **kw: Any) -> fw.Logged:
    args = {"platform": "tiktok", "start": "2024-02-02 20:00", "end": "2024-02-02 21:00",
            "impressions": "500", "clicks": "4", "spend": "3.50", **kw}
    return fa.log_ad(ctx, trial=None, spot=spot, **args)


def test_targets_report_contamination_at_once(field, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    d1, d2 = arms["digital"]
    # a 30 m pin on the spot reaches nothing else; a 300 m pin reaches non-ads spots
    f = write_targets(tmp_path, [pin("tiktok", "G1", d1, 30), pin("tiktok", "G2", d2, 300)])
    r = fa.import_targets(ctx, trial=None, path=f)
    doc = r.as_json()
    assert doc["registered"] == 2 and doc["already_registered"] == 0
    reached = {(c["ad_group"], c["reached_spot"]) for c in doc["contamination"]}
    assert reached and {g for g, _ in reached} == {"G2"}
    assert all(s not in arms["digital"] for _, s in reached)
    listed = {t["ad_group"]: t for t in fa.list_targets(ctx, trial=None)}
    assert listed["G1"]["contamination"] == [] and listed["G2"]["contamination"]
    # registering the same file again changes nothing; a changed area is refused
    assert fa.import_targets(ctx, trial=None, path=f).as_json()["already_registered"] == 2
    g = write_targets(tmp_path, [pin("tiktok", "G1", d1, 40)], "changed.geojson")
    with pytest.raises(InputError, match="already registered"):
        fa.import_targets(ctx, trial=None, path=g)
    h = write_targets(tmp_path, [pin("tiktok", "G9", d1, 30)], "second.geojson")
    with pytest.raises(InputError, match="one ad group per spot"):
        fa.import_targets(ctx, trial=None, path=h)
    # every row of a contaminating ad group is flagged; the spot's own ad group is used
    assert ad(ctx, d2).flags == ("contamination",)
    assert ad(ctx, d1).flags == ()
    assert audit_trail.verify(ctx).ok


def test_log_ad_flags(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    d, c = arms["digital"][0], arms["control"][0]
    r = ad(ctx, d, reach="300", video_views="120", theme="violence", message="deterrence")
    assert r.as_json() == {"session_id": r.session_id, "kind": "ad", "flags": []}
    assert ad(ctx, c).flags == ("contamination",)
    # a Tuesday hour: outside the Fri/Sat hours; a daily row cannot show it (unknown)
    assert ad(ctx, d, start="2024-02-06 12:00", end="2024-02-06 13:00").flags == (
        "outside_hours",)
    assert ad(ctx, d, start="2024-02-02", end="2024-02-03").flags == ()
    assert ad(ctx, d, start="2024-05-03 20:00", end="2024-05-03 21:00").flags == (
        "outside_window",)
    rows = fw.list_sessions(ctx, trial=None, kind="ad")
    first = next(x for x in rows if x["session_id"] == r.session_id)
    assert (first["impressions"], first["clicks"], first["reach"], first["spend_gbp"]) == (
        500, 4, 300, 3.5)
    assert first["hours_compliance"] == "yes"
    assert sorted(x["hours_compliance"] for x in rows) == ["no", "unknown", "yes", "yes", "yes"]


@pytest.mark.parametrize(("kw", "field_name"), [
    ({"impressions": "-1"}, "impressions"),
    ({"spend": "-2"}, "spend_gbp"),
    ({"clicks": "600"}, "clicks"),
    ({"reach": "501"}, "reach"),
    ({"end": "2024-02-02 19:00"}, "end"),
    ({"platform": "myspace"}, "platform"),
    ({"spot": "NOPE"}, "spot_id"),
    ({"impressions": "many"}, "impressions"),
    ({"spend": "nan"}, "spend"),
])
def test_log_ad_refusals(field, kw, field_name) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    args = {"spot": arms["digital"][0], **kw}
    with pytest.raises(InputError) as err:
        ad(ctx, **args)
    assert any(p.field == field_name for p in err.value.problems), err.value.problems
    assert fw.list_sessions(ctx, trial=None) == []


ADS_CSV = """spot_id,platform,start,end,impressions,clicks,spend,reach,ad_group
{d},tiktok,2024-02-02 20:00,2024-02-03 04:00,2500,14,11.00,1800,G1
{d},tiktok,2024-02-03 20:00,2024-02-04 04:00,2100,10,9.00,1500,G1
{c},snapchat,2024-02-03 20:00,2024-02-04 04:00,900,2,4.00,,S-C
"""


def test_import_ads_idempotent_and_atomic(field, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    d, c = arms["digital"][0], arms["control"][0]
    f = tmp_path / "ads.csv"
    f.write_text(ADS_CSV.format(d=d, c=c), encoding="utf-8")
    r = fa.import_ads(ctx, trial=None, path=f, fmt="spotlight")
    assert r.as_json() == {"imported": 3, "duplicates": 0, "flagged": {
        "contamination": 1, "outside_window": 0, "outside_hours": 0}}
    again = fa.import_ads(ctx, trial=None, path=f, fmt="spotlight")
    assert (again.imported, again.duplicates) == (0, 3)
    bad = tmp_path / "bad.csv"
    bad.write_text(ADS_CSV.format(d=d, c=c)
                   + f"{d},tiktok,2024-02-09 20:00,2024-02-10 04:00,100,200,1.0,,G1\n"
                   + f"{d},tiktok,2024-02-10 20:00,2024-02-11 04:00,-5,0,1.0,,G1\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as err:
        fa.import_ads(ctx, trial=None, path=bad, fmt="spotlight")
    shown = [str(q) for q in err.value.problems]
    assert any(s.startswith("bad.csv:5: clicks:") for s in shown), shown
    assert any(s.startswith("bad.csv:6: impressions:") for s in shown), shown
    assert len(fw.list_sessions(ctx, trial=None)) == 3


def test_tiktok_export_in_another_currency(field, tmp_path, test_data) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    d1, d2 = arms["digital"]
    f = write_targets(tmp_path, [pin("tiktok", "Spotlight S1 Fri-Sat", d1, 30),
                                 pin("tiktok", "1790000000000000002", d2, 30)])
    fa.import_targets(ctx, trial=None, path=f)
    src = test_data / "ads" / "tiktok-daily.csv"
    with pytest.raises(InputError, match="says EUR"):  # the rows are in GBP
        fa.import_ads(ctx, trial=None, path=src, fmt="tiktok", currency="EUR")
    r = fa.import_ads(ctx, trial=None, path=src, fmt="tiktok")
    assert (r.imported, r.duplicates) == (6, 0)
    assert any("<5" in w or "2" in w for w in r.warnings)
    spots = {s["spot_id"]: s for s in fr.fidelity_report(ctx, trial=None)["spots"]}
    # tiktok-daily.csv: S1 rows 5,200 + 6,100 + 0; S3 rows 3,000 + 3,400 + 310 impressions
    assert spots[d1]["ad_impressions"] == 11300 and spots[d2]["ad_impressions"] == 6710
    assert spots[d1]["ad_spend"] == pytest.approx(38.25)
    assert spots[d1]["ad_reach_lifetime"] is None  # the summary row covers two spots
    hourly = fa.import_ads(ctx, trial=None, path=test_data / "ads" / "tiktok-hourly.csv",
                           fmt="tiktok", currency="EUR", gbp_rate="0.85")
    assert hourly.duplicates == 0 and hourly.imported > 0
    first = min((r for r in fw.list_sessions(ctx, trial=None, kind="ad")
                 if r["currency"] == "EUR"), key=lambda r: r["start_utc"])
    # tiktok-hourly.csv line 2: 2.00 EUR at 20:00 on Friday 1 March
    assert first["spend"] == 2.0 and first["spend_gbp"] == pytest.approx(1.7)
    assert first["start"] == "2024-03-01T20:00+00:00" and first["hours_compliance"] == "yes"


def test_fidelity_shape_numbers_and_cost(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    p1, p2 = arms["physical"]
    d1, _ = arms["digital"]
    c1, _ = arms["control"]
    patrol(ctx, p1, officers="2")                                       # 15 min, 30 officer-min
    patrol(ctx, p1, "2024-02-03 22:00", "2024-02-03 22:12")             # 12 min
    patrol(ctx, c1, "2024-02-03 23:00", "2024-02-03 23:20", officer="PC5")  # contamination
    patrol(ctx, p2, "2024-02-03 21:00", "2024-02-03 21:40", officer="PC6", purpose="bau")
    ad(ctx, d1, impressions="1500", clicks="15", spend="30")
    doc = fr.fidelity_report(ctx, trial=None)
    spot_keys = {"spot_id", "arm", "patrol_visits", "patrol_minutes", "officer_minutes",
                 "bau_minutes", "ad_impressions", "ad_clicks", "ad_spend", "contamination",
                 "received"}
    arm_keys = {"arm", "patrol_visits", "patrol_minutes", "officer_minutes", "ad_impressions",
                "ad_clicks", "ad_spend", "contamination", "cost_gbp"}
    assert all(spot_keys <= set(s) for s in doc["spots"])
    assert all(arm_keys <= set(a) for a in doc["arms"])
    spots = {s["spot_id"]: s for s in doc["spots"]}
    arms_ = {a["arm"]: a for a in doc["arms"]}
    assert (spots[p1]["patrol_visits"], spots[p1]["patrol_minutes"],
            spots[p1]["officer_minutes"]) == (2, 27.0, 42.0)
    assert spots[p2]["bau_minutes"] == 40.0 and spots[p2]["patrol_visits"] == 0
    assert spots[c1]["contamination"] == 1
    # thresholds over 13 weeks: 13 visits and 130 minutes, 1300 impressions
    assert spots[p1]["received"] is False and spots[d1]["received"] is True
    # METHODS.md 11: 42 officer-min / 60 x 40 = 28; ads 30 + 1300 fixed (one ads arm)
    assert arms_["physical"]["cost_gbp"] == pytest.approx(28.0)
    assert arms_["digital"]["cost_gbp"] == pytest.approx(1330.0)
    assert arms_["control"]["cost_gbp"] == pytest.approx(20 / 60 * 40)
    weekly = fr.fidelity_report(ctx, trial=None, by="week")["by_week"]
    assert len(weekly) == 13 and weekly[0]["from"] == "2024-01-08"
    week4 = next(w for w in weekly if w["from"] == "2024-01-29")
    assert sum(a["patrol_visits"] for a in week4["arms"]) == 3
    with ctx.reading() as s:
        by_spot = fr.fidelity_by_spot(s, "test-trial")
    assert by_spot[p1]["patrol_minutes"] == 27.0 and by_spot[d1]["ad_impressions"] == 1500
    assert by_spot[d1]["received"] is True and set(by_spot) == set(spots)


def test_context_and_closures(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    p = arms["physical"][0]
    fr.add_context(ctx, trial=None, spot=p, kind="closure", date_from="2024-04-01",
                   date_to="2024-04-10", text="street works")
    fr.add_context(ctx, trial=None, spot=p, kind="closure", date_from="2024-04-05",
                   date_to="2024-04-06", text="overlapping note")
    fr.add_context(ctx, trial=None, spot=p, kind="incident", date_from="2024-02-02",
                   text="a stabbing nearby")
    with pytest.raises(InputError) as err:
        fr.add_context(ctx, trial=None, spot="NOPE", kind="party", date_from="2024-13-01",
                       text="")
    assert {q.field for q in err.value.problems} == {"spot", "kind", "from", "text"}
    rows = fr.list_context(ctx, trial=None, spot=p)
    assert [r["kind"] for r in rows] == ["incident", "closure", "closure"]
    assert rows[0]["to"] is None
    with ctx.reading() as s:
        closed = fr.closures(s, "test-trial")
    # treatment ends 2024-04-07: 1..7 April = 7 days; no follow-up window in this protocol
    assert closed[p] == {"baseline": 0, "treatment": 7}
    assert closed[arms["control"][0]] == {"baseline": 0, "treatment": 0}
    assert audit_trail.verify(ctx).ok


def test_plan_future_only_reproducible(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    # NOW is Saturday 2024-06-01: plan Fri 7 and Sat 8 June
    a = fr.make_plan(ctx, trial=None, date_from="2024-06-06", date_to="2024-06-08", seed=11)
    b = fr.make_plan(ctx, trial=None, date_from="2024-06-06", date_to="2024-06-08", seed=11)
    assert a.visits == b.visits and a.plan_id != b.plan_id and a.seed == 11
    assert len(a.visits) == 2 * 2 * 2  # 2 nights x 2 patrol spots x 2 visits
    assert {v["spot_id"] for v in a.visits} == set(arms["physical"])
    assert {v["night"] for v in a.visits} == {"2024-06-07", "2024-06-08"}
    assert len(a.dayparts) == 2 * 2 and all(p["daily_budget_gbp"] == 20.0 for p in a.dayparts)
    assert a.csv().splitlines()[0] == "night,day,spot_id,visit,start,end"
    for v in a.visits:  # inside 20:00-04:00 local (BST)
        assert v["start"] >= "20:00" or v["start"] < "04:00"
    with pytest.raises(InputError, match="future"):
        fr.make_plan(ctx, trial=None, date_from="2024-05-30", date_to="2024-06-02")
    drawn = fr.make_plan(ctx, trial=None, date_from="2024-06-07", date_to="2024-06-07")
    assert isinstance(drawn.seed, int)
    assert audit_trail.verify(ctx).ok


def test_now_is_the_context_clock(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    ctx.clock = lambda: datetime(2024, 2, 2, 22, 20, tzinfo=UTC)
    with pytest.raises(InputError, match="future"):
        patrol(ctx, arms["physical"][0])
    assert NOW.year == 2024
