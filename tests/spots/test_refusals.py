"""Every bad CSV input is refused whole, each problem named by line and field."""

from __future__ import annotations

import pytest

from trial.errors import InputError
from trial.spots import parse_spots

HEADER = "spot_id,name,lat,lon,radius_m,eligible,exclusion_reason\n"


def refused(text: str, **kw: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InputError) as info:
        parse_spots(text, source="spots.csv", **kw)
    assert all(p.source == "spots.csv" for p in info.value.problems)
    return [(p.line, p.field, p.what) for p in info.value.problems]


def test_missing_columns_name_what_was_expected_and_found() -> None:
    ((line, field, what),) = refused("id,title,lat,lon\nA,Alpha,53.79,-1.55\n")
    assert (line, field) == (1, None)
    assert what.startswith("missing columns spot_id, name, radius_m; expected spot_id, name")
    assert what.endswith("found id, title, lat, lon")


def test_missing_coordinates_columns() -> None:
    ((line, _, what),) = refused("spot_id,name,lat,radius_m\nA,Alpha,53.79,50\n")
    assert line == 1 and what.startswith("missing column coordinates;")


@pytest.mark.parametrize(("header", "fragment"), [
    ("spot_id,name,lat,lon,easting,northing,radius_m", "either lat/lon or easting/northing"),
    ("spot_id,name,geometry,radius_m", "give polygons (geometry) or points (radius_m)"),
    ("spot_id,name,lat,lon,radius_m,Name", "column 'Name' appears twice (columns 2 and 6)"),
])
def test_ambiguous_headers(header: str, fragment: str) -> None:
    ((line, _, what),) = refused(header + "\nA,B,1,2,3,4,5\n")
    assert line == 1 and fragment in what


def test_empty_file_and_header_only() -> None:
    assert refused("")[0][:2] == (1, None)
    assert refused("\ufeff\r\n")[0][2].startswith("the file is empty")
    assert refused(HEADER) == [(1, None, "the file has a header but no spots")]


def test_bad_crs_option_and_contradicting_crs() -> None:
    assert refused(HEADER + "A,Alpha,53.79,-1.55,50,,\n", crs="mercator") == [
        (None, "crs", "unknown CRS 'mercator'; give EPSG:4326 (WGS84 lon/lat) or EPSG:27700 "
                      "(British National Grid)")]
    assert refused(HEADER + "A,Alpha,53.79,-1.55,50,,\n", crs="27700") == [
        (None, "crs", "the lat/lon columns are EPSG:4326, but the CRS given is EPSG:27700")]


def test_every_row_problem_with_its_line_and_field() -> None:
    text = HEADER + "\n".join([
        "A,Alpha,53.79,-1.55,50,,",          # 2 ok
        "A,Dup,53.70,-1.55,50,,",            # 3 duplicate id
        ",NoId,53.71,-1.55,50,,",            # 4 empty id
        "C,,53.72,-1.55,50,,",               # 5 empty name
        "D,Delta,,-1.55,50,,",               # 6 missing lat
        "E,Echo,north,-1.55,50,,",           # 7 non-numeric lat
        "F,Fox,nan,inf,50,,",                # 8 NaN and inf
        "G,Golf,91,-181,50,,",               # 9 out of WGS84 range
        "H,Hotel,48.85,2.35,50,,",           # 10 Paris: outside Great Britain's grid
        "I,India,53.73,-1.55,0,,",           # 11 zero radius
        "J,Juliet,53.74,-1.55,,,",           # 12 missing radius
        "K,Kilo,53.75,-1.55,50,false,",      # 13 excluded without a reason
        "L,Lima,53.76,-1.55,50,maybe,",      # 14 bad eligible
        "M,Mike,53.77,-1.55,50,true,why",    # 15 reason but eligible
        "N,Nov,53.78,-1.55,50,,,extra",      # 16 too many fields
        "O,Oscar,53.781,-1.55",              # 17 too few fields
        "P,Papa,53.7901,-1.55,50,,",         # 18 overlaps A
    ]) + "\n"
    found = refused(text)
    assert found == [
        (4, "spot_id", "must not be empty"),
        (5, "name", "must not be empty"),
        (6, "lat", "missing; give a number"),
        (7, "lat", "must be a number, got 'north'"),
        (8, "lat", "must be a finite number, got 'nan'"),
        (8, "lon", "must be a finite number, got 'inf'"),
        (9, "lat", "must be between -90 and 90, got 91"),
        (9, "lon", "must be between -180 and 180, got -181"),
        (10, "lat/lon", "(2.35, 48.85) in EPSG:4326 is outside Great Britain's grid (easting "
                        "0..700000, northing 0..1300000 in EPSG:27700)"),
        (11, "radius_m", "must be > 0, got 0"),
        (12, "radius_m", "missing; give a number"),
        (13, "exclusion_reason", "a spot that is not eligible needs an exclusion_reason"),
        (14, "eligible", "must be true/false, yes/no or 1/0, got 'maybe'"),
        (15, "exclusion_reason", "exclusion_reason is given but the spot is eligible; set "
                                 "eligible to false or clear the reason"),
        (16, None, "the row has 8 fields but the header has 7"),
        (17, None, "the row has 4 fields but the header has 7"),
        (3, "spot_id", "duplicate spot_id 'A' (first at line 2); each spot needs its own id"),
        (18, None, "spots 'A' (line 2) and 'P' (line 18) overlap; eligible spots must not "
                   "share any area"),
    ]


def test_bng_ranges_name_the_column() -> None:
    text = ("spot_id,name,easting,northing,radius_m\n"
            "A,Alpha,-5,433000,10\n"
            "B,Beta,430000,1300001,10\n")
    assert refused(text) == [
        (2, "easting", "must be between 0 and 700000 (Great Britain's grid), got -5"),
        (3, "northing", "must be between 0 and 1300000 (Great Britain's grid), got 1300001"),
    ]


def test_lines_count_from_the_header_across_quoted_newlines() -> None:
    text = HEADER + '"A","Alpha\nStreet",53.79,-1.55,50,,\nB,Beta,53.80,-1.55,-1,,\n'
    assert refused(text) == [(4, "radius_m", "must be > 0, got -1")]


def test_excluded_spots_may_overlap_eligible_ones() -> None:
    text = HEADER + ("A,Alpha,53.79,-1.55,50,,\n"
                     "B,Beta,53.7901,-1.55,50,no,overlaps A\n")
    assert [s.spot_id for s in parse_spots(text, source="spots.csv")] == ["A", "B"]


def test_touching_circles_are_not_overlap_but_a_centimetre_more_is() -> None:
    ok = ("spot_id,name,easting,northing,radius_m\n"
          "A,Alpha,430000,433000,50\nB,Beta,430100,433000,50\n")
    assert len(parse_spots(ok, source="spots.csv")) == 2
    bad = ok.replace("430100,433000,50", "430100,433000,50.01")
    assert refused(bad) == [(3, None, "spots 'A' (line 2) and 'B' (line 3) overlap; eligible "
                                      "spots must not share any area")]


@pytest.mark.parametrize(("wkt", "fragment"), [
    ("POLYGON ((0 0, 1 1", "not valid WKT"),
    ("POINT (430000 433000)", "geometry type Point is not supported; give a Polygon"),
    ("MULTIPOLYGON (((430000 433000, 430100 433000, 430100 433100, 430000 433000)))",
     "geometry type MultiPolygon is not supported"),
    ("POLYGON EMPTY", "the polygon is empty"),
    ("POLYGON ((430000 433000, 430100 433100, 430100 433000, 430000 433100, 430000 433000))",
     "invalid polygon: Self-intersection"),
    ("POLYGON ((430000 433000, 430100 433000, 430200 433000, 430000 433000))",
     "invalid polygon"),
    ("POLYGON ((800000 433000, 800100 433000, 800100 433100, 800000 433000))",
     "outside Great Britain's grid"),
    ("", "missing geometry (a WKT polygon)"),
])
def test_bad_wkt(wkt: str, fragment: str) -> None:
    text = f'spot_id,name,geometry\nA,Alpha,"{wkt}"\n'
    ((line, field, what),) = refused(text, crs="EPSG:27700")
    assert (line, field) == (2, "geometry")
    assert fragment in what


def test_polygons_sharing_an_edge_do_not_overlap_but_crossing_ones_do() -> None:
    sq = "POLYGON (({x0} 433000, {x1} 433000, {x1} 433100, {x0} 433100, {x0} 433000))"
    rows = [("A", sq.format(x0=430000, x1=430100)), ("B", sq.format(x0=430100, x1=430200))]
    text = "spot_id,name,geometry\n" + "".join(f'{i},{i},"{w}"\n' for i, w in rows)
    assert len(parse_spots(text, source="spots.csv", crs="bng")) == 2
    text += f'C,C,"{sq.format(x0=430150, x1=430250)}"\n'
    assert refused(text, crs="bng") == [(4, None, "spots 'B' (line 3) and 'C' (line 4) overlap; "
                                                  "eligible spots must not share any area")]
