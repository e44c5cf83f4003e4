"""Reading candidate hot spots from CSV: circles in WGS84 and BNG, WKT polygons, attributes."""

from __future__ import annotations

from pathlib import Path

import pytest

from trial.errors import InputError
from trial.spots import CandidateSpot, normalise_crs, parse_spots, read_spots


def test_leeds_fixture_reads_twelve_circles_in_wgs84(test_data: Path) -> None:
    spots = read_spots(test_data / "spots" / "leeds-spots.csv")
    assert len(spots) == 12
    first = spots[0]
    assert first.spot_id == "LDS-01"
    assert first.name == "Briggate north"
    assert first.eligible is True and first.exclusion_reason is None
    assert first.geometry == {"type": "Circle", "crs": "EPSG:4326",
                              "center": [-1.5418, 53.7989], "radius_m": 60}
    assert first.attributes == {"district": "Central", "baseline_crimes": 41,
                                "baseline_harm": 412.5, "baseline_tercile": 3}
    excluded = [s for s in spots if not s.eligible]
    assert [s.spot_id for s in excluded] == ["LDS-07"]
    assert excluded[0].exclusion_reason == "market redevelopment closes the area during the trial"
    # Leeds city centre lies near BNG (430000, 433500).
    cx, cy = first.shape.center  # type: ignore[misc]
    assert 429_000 < cx < 431_000 and 433_000 < cy < 435_000
    assert first.shape.radius_m == 60.0


def test_bng_circles_keep_easting_northing_as_given() -> None:
    text = ("spot_id,name,easting,northing,radius_m\n"
            "A,Alpha,430000,433000,25\n"
            "B,Beta,430500.5,433000,30.5\n")
    a, b = parse_spots(text, source="s.csv")
    assert a.geometry == {"type": "Circle", "crs": "EPSG:27700", "center": [430000, 433000],
                          "radius_m": 25}
    assert isinstance(a.geometry["center"][0], int)
    assert b.geometry["center"] == [430500.5, 433000]
    assert isinstance(b.geometry["radius_m"], float)
    assert a.shape.center == (430000.0, 433000.0)
    assert a.attributes == {}


def test_wgs84_centre_is_lon_lat_and_projects_to_the_right_place() -> None:
    # Leeds Town Hall, about 53.80003 N 1.54914 W, is near BNG (429800, 433760).
    text = "spot_id,name,lat,lon,radius_m\nT,Town Hall,53.80003,-1.54914,40\n"
    (spot,) = parse_spots(text, source="s.csv")
    assert spot.geometry["center"] == [-1.54914, 53.80003]
    cx, cy = spot.shape.center  # type: ignore[misc]
    assert abs(cx - 429_800) < 300 and abs(cy - 433_760) < 300


def test_wkt_polygons_in_bng_with_rings_as_written() -> None:
    text = ('spot_id,name,geometry,district\n'
            'P1,Square,"POLYGON ((430000 433000, 430100 433000, 430100 433100, 430000 433100, '
            '430000 433000))",North\n'
            'P2,With hole,"POLYGON ((430300 433000, 430400.5 433000, 430400.5 433100, '
            '430300 433000), (430350 433010, 430390 433010, 430390 433050, 430350 433010))",\n')
    p1, p2 = parse_spots(text, source="s.csv", crs="bng")
    assert p1.geometry == {
        "type": "Polygon", "crs": "EPSG:27700",
        "coordinates": [[[430000, 433000], [430100, 433000], [430100, 433100],
                         [430000, 433100], [430000, 433000]]]}
    assert all(isinstance(v, int) for pos in p1.geometry["coordinates"][0] for v in pos)
    assert p2.geometry["coordinates"][0][1] == [430400.5, 433000]
    assert len(p2.geometry["coordinates"]) == 2
    assert p1.shape.kind == "polygon" and p1.shape.polygon.area == pytest.approx(10_000.0)
    assert p2.attributes == {"district": None}


def test_wkt_polygons_default_to_wgs84() -> None:
    text = ('spot_id,name,geometry\n'
            'P,Park Square,"POLYGON((-1.5520 53.7985,-1.5505 53.7985,-1.5505 53.7993,'
            '-1.5520 53.7993,-1.5520 53.7985))"\n')
    (p,) = parse_spots(text, source="s.csv")
    assert p.geometry["crs"] == "EPSG:4326"
    # About 0.0015 deg of lon (99 m) by 0.0008 deg of lat (89 m) at 53.8 N.
    assert p.shape.polygon.area == pytest.approx(99 * 89, rel=0.03)


def test_attribute_typing() -> None:
    text = ("spot_id,name,lat,lon,radius_m,count,rate,empty,word,code,signed,sci,mixed\n"
            "A,Alpha,53.79,-1.55,50,12,0.25,,Central,007,-3,1e3,12a\n")
    (spot,) = parse_spots(text, source="s.csv")
    assert spot.attributes == {"count": 12, "rate": 0.25, "empty": None, "word": "Central",
                               "code": "007", "signed": -3, "sci": 1000.0, "mixed": "12a"}
    assert type(spot.attributes["count"]) is int
    assert type(spot.attributes["sci"]) is float


def test_bom_crlf_case_and_blank_lines() -> None:
    text = ("\ufeffSpot_ID,Name,LAT,Lon,Radius_m,Eligible,Exclusion_Reason,District\r\n"
            "A,Alpha,53.79,-1.55,50,YES,,North\r\n"
            "\r\n"
            "B,Beta,53.795,-1.55,50,No,closed for works,South\r\n"
            ",,,,,,,\r\n")
    a, b = parse_spots(text, source="s.csv")
    assert (a.spot_id, a.eligible, a.attributes) == ("A", True, {"District": "North"})
    assert (b.eligible, b.exclusion_reason) == (False, "closed for works")


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("False", False), ("yes", True), ("NO", False), ("1", True), ("0", False),
    ("", True),
])
def test_eligible_spellings(text: str, expected: bool) -> None:
    reason = "" if expected else "reason"
    csv_text = ("spot_id,name,lat,lon,radius_m,eligible,exclusion_reason\n"
                f"A,Alpha,53.79,-1.55,50,{text},{reason}\n")
    (spot,) = parse_spots(csv_text, source="s.csv")
    assert spot.eligible is expected
    assert spot.exclusion_reason == (None if expected else "reason")


@pytest.mark.parametrize(("spelling", "normal"), [
    ("EPSG:27700", "EPSG:27700"), ("27700", "EPSG:27700"), ("bng", "EPSG:27700"),
    ("BNG", "EPSG:27700"), ("epsg:4326", "EPSG:4326"), ("4326", "EPSG:4326"),
    ("wgs84", "EPSG:4326"), ("WGS 84", "EPSG:4326"), ("EPSG:3857", None),
])
def test_crs_spellings(spelling: str, normal: str | None) -> None:
    assert normalise_crs(spelling) == normal


def test_record_is_the_canonical_dict_and_a_copy() -> None:
    text = "spot_id,name,easting,northing,radius_m,k\nA,Alpha,430000,433000,25,1\n"
    (spot,) = parse_spots(text, source="s.csv")
    rec = spot.record()
    assert rec == {"spot_id": "A", "name": "Alpha", "eligible": True, "exclusion_reason": None,
                   "geometry": {"type": "Circle", "crs": "EPSG:27700",
                                "center": [430000, 433000], "radius_m": 25},
                   "attributes": {"k": 1}}
    rec["geometry"]["center"][0] = 0
    rec["attributes"]["k"] = 2
    assert spot.geometry["center"][0] == 430000 and spot.attributes["k"] == 1
    assert isinstance(spot, CandidateSpot)


def test_read_spots_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_spots(tmp_path / "nope.csv")
    assert "cannot read the file" in str(info.value)


def test_read_spots_reports_non_utf8_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "spots.csv"
    path.write_bytes(b"spot_id,name,lat,lon,radius_m\nA,Caf\xe9,53.79,-1.55,50\n")
    with pytest.raises(InputError) as info:
        read_spots(path)
    (problem,) = info.value.problems
    assert problem.line == 2 and "not UTF-8" in problem.what and problem.source == str(path)
