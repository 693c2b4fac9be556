"""The pure great-circle module, against an independent implementation and worked values."""

import math

import pytest
from haversine import Unit, haversine
from hypothesis import given
from hypothesis import strategies as st

from places import geo

latitudes = st.floats(min_value=-90, max_value=90)
longitudes = st.floats(min_value=-180, max_value=180)


def test_one_degree_of_the_equator_is_the_mean_radius_times_pi_over_180():
    assert geo.haversine_km(0, 0, 0, 1) == pytest.approx(6371.0088 * math.pi / 180, abs=1e-9)


def test_antimeridian_neighbours_are_22_km_apart_not_40000():
    assert geo.haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.239, abs=0.001)


def test_pole_to_pole_is_half_the_circumference():
    assert geo.haversine_km(90, 0, -90, 0) == pytest.approx(math.pi * 6371.0088)


def test_identical_points_are_zero_apart():
    assert geo.haversine_km(49.679, 72.6855, 49.679, 72.6855) == 0


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_matches_the_haversine_package(lat1, lon1, lat2, lon2):
    expected = haversine((lat1, lon1), (lat2, lon2), unit=Unit.KILOMETERS)
    assert geo.haversine_km(lat1, lon1, lat2, lon2) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("distance", "shown"),
    [(7.3, "7.3 km"), (48.0, "48 km"), (47.96, "48 km"), (29.84, "29.8 km"), (0.02, "0 km")],
)
def test_distances_show_one_decimal_without_trailing_zero(distance, shown):
    assert geo.format_km(distance) == shown


def test_coordinates_show_hemispheres():
    assert geo.format_coordinates(49.679, 72.6855) == "49.679° N, 72.6855° E"
    assert geo.format_coordinates(-33.85678, -70.0) == "33.85678° S, 70° W"


def test_cells_are_contiguous_along_a_row_and_cover_the_globe_edges():
    assert geo.cell_of(-90, -180) == 0
    assert geo.cell_of(90, 180) == geo.CELL_ROWS * geo.CELLS_PER_ROW - 1
    assert geo.cell_of(0.05, 0.15) == geo.cell_of(0.05, 0.05) + 1


def test_search_box_crossing_the_antimeridian_splits_in_two():
    south, north, intervals = geo.search_box(0, 179.9, 50)
    assert len(intervals) == 2
    assert intervals[0][1] == 180 and intervals[1][0] == -180


def test_search_box_reaching_a_pole_spans_every_longitude():
    assert geo.search_box(89.9, 10, 50)[2] == [(-180.0, 180.0)]


def destination(lat, lon, bearing_deg, distance_km):
    """The point reached from (lat, lon) along a great circle: the direct geodesic problem."""
    angle = distance_km / 6371.0088
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    phi2 = math.asin(
        math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(theta)
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180


@given(
    latitudes,
    longitudes,
    st.floats(min_value=0, max_value=360),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0.01, max_value=20000),
)
def test_every_point_within_the_radius_lies_in_the_search_cells(lat, lon, bearing, share, radius):
    plat, plon = destination(lat, lon, bearing, radius * share * 0.999999)
    south, north, intervals = geo.search_box(lat, lon, radius)
    assert south <= plat <= north
    assert any(west <= plon <= east for west, east in intervals)
    cell = geo.cell_of(plat, plon)
    assert any(first <= cell <= last for first, last in geo.cell_ranges(south, north, intervals))


@pytest.mark.parametrize("lat", [0, 45, 60, 75, -80])
@pytest.mark.parametrize("radius", [50, 500, 2000])
def test_search_box_holds_the_whole_circle_including_its_widest_longitudes(lat, radius):
    south, north, intervals = geo.search_box(lat, 179.0, radius)
    for bearing in range(360):
        plat, plon = destination(lat, 179.0, bearing, radius * 0.999999)
        assert south <= plat <= north
        assert any(west <= plon <= east for west, east in intervals), (bearing, plat, plon)


def test_tall_boxes_are_covered_by_at_most_max_ranges():
    south, north, intervals = geo.search_box(0, 0, 4000)
    ranges = geo.cell_ranges(south, north, intervals, max_ranges=10)
    fine = geo.cell_ranges(south, north, intervals, max_ranges=10_000)
    assert len(ranges) <= 10 < len(fine)
    assert all(any(a <= first and last <= b for a, b in ranges) for first, last in fine)


def test_a_pole_is_stored_as_one_point_whatever_its_longitude():
    assert geo.stored_point(90, 123.4) == (90.0, 0.0)
    assert geo.stored_point(-90.00000001, -45) == (-90.0, 0.0)
    assert geo.stored_point(89.9999999, 123.45678901) == (89.9999999, 123.456789)


# Regions (the page cache's coarse grid): a circle's regions hold every point of the circle.


def points_within(latitude, longitude, radius_km, rng):
    """Points on the circle's edge every 3 degrees of bearing, and inside it at random."""
    edge = [destination(latitude, longitude, b, radius_km) for b in range(0, 360, 3)]
    inside = [
        destination(latitude, longitude, rng.uniform(0, 360), radius_km * rng.random() ** 0.5)
        for _ in range(300)
    ]
    return [
        geo.stored_point(lat, lon)
        for lat, lon in [*edge, *inside]
        if haversine((latitude, longitude), (lat, lon), unit=Unit.KILOMETERS) <= radius_km
    ]


@given(
    latitudes,
    longitudes,
    st.floats(min_value=0.01, max_value=600),
    st.integers(min_value=0, max_value=2**32),
)
def test_the_regions_within_a_radius_hold_every_point_within_it(lat, lon, radius_km, seed):
    import random

    lat, lon = geo.stored_point(lat, lon)
    regions = geo.regions_within(lat, lon, radius_km, max_regions=10_000)
    assert regions is not None
    for point in points_within(lat, lon, radius_km, random.Random(seed)):
        assert geo.region_of(*point) in regions, (point, radius_km)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(0, 179.99), (0, -180), (49.679, 72.6855), (-33.9, 18.4), (89.9, 10), (90, 0), (-89.99, 0)]
    + [(80, 179.9), (-70, -179.5), (66.5, 0), (89.6, 180)],
)
def test_the_regions_of_the_nearby_radius_are_few_at_the_poles_and_the_antimeridian(lat, lon):
    import random

    regions = geo.regions_within(lat, lon, 50, max_regions=16)
    assert regions is not None  # a place page's list depends on a few regions, nowhere all
    for point in points_within(lat, lon, 50, random.Random(1)):
        assert geo.region_of(*point) in regions


def test_a_circle_across_the_antimeridian_holds_regions_on_both_sides():
    regions = geo.regions_within(0, 179.9, 50, max_regions=64)
    assert geo.region_of(0, -179.9) in regions and geo.region_of(0, 179.9) in regions
    assert geo.region_of(0, 0) not in regions


def test_too_wide_an_area_has_no_regions_rather_than_thousands():
    assert geo.regions_within(49.7, 72.6, 500, max_regions=64) is None
    assert geo.regions_of_box(-90, 90, [(-180.0, 180.0)], max_regions=64) is None


def test_a_region_is_about_55_km_across_everywhere():
    for row, columns in enumerate(geo.REGION_COLUMNS):
        south = -90 + row * geo.REGION_DEGREES
        poleward = max(abs(south), abs(south + geo.REGION_DEGREES))
        width_km = 2 * math.pi * 6371.0088 * math.cos(math.radians(poleward)) / columns
        assert columns == 1 or width_km >= 55.5
        assert width_km <= 112  # no more than twice as wide on the equator side
