"""Great-circle distance, the 0.5 km rounding and the grid index of the prefilter."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.geo import GridIndex, format_km, haversine_km, round_half_km

DUEREN = (50.8009, 6.4788)  # 52349
JUELICH = (50.9215, 6.3627)  # 52428


def test_dueren_to_juelich_is_about_15_7_km():
    # 0.1206° north (13.41 km) and 0.1161° west (8.15 km at 50.86°N): 15.69 km as the crow flies.
    assert haversine_km(*DUEREN, *JUELICH) == pytest.approx(15.69, abs=0.01)
    assert round_half_km(haversine_km(*DUEREN, *JUELICH)) == 15.5


def test_berlin_to_munich_is_about_504_km():
    assert haversine_km(52.5200, 13.4050, 48.1351, 11.5820) == pytest.approx(504, abs=2)


def test_the_same_point_is_0_km_away():
    assert haversine_km(*DUEREN, *DUEREN) == 0.0


def test_one_degree_of_latitude_is_about_111_km():
    assert haversine_km(50.0, 6.0, 51.0, 6.0) == pytest.approx(111.19, abs=0.01)


def test_antipodes_are_half_the_circumference_apart():
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6371.0088)


latitudes = st.floats(-90, 90, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False)


@given(latitudes, longitudes, latitudes, longitudes)
def test_the_distance_is_exactly_symmetric(lat1, lon1, lat2, lon2):
    # The engine computes teen→job in one path and may meet job→teen in another: the floats
    # must be identical, or a pair at the very radius could be in one list and not the other.
    assert haversine_km(lat1, lon1, lat2, lon2) == haversine_km(lat2, lon2, lat1, lon1)


@pytest.mark.parametrize(
    ("km", "shown"),
    [
        (0.0, 0.0),
        (0.01, 0.5),  # any real distance shows as at least 0,5 km; 0 means the same postcode
        (0.24, 0.5),
        (0.74, 0.5),
        (0.75, 1.0),
        (1.24, 1.0),
        (1.25, 1.5),  # halves round up
        (3.24, 3.0),
        (3.26, 3.5),
        (7.6, 7.5),
        (24.99, 25.0),
    ],
)
def test_distances_are_shown_to_the_nearest_half_km(km, shown):
    assert round_half_km(km) == shown


@given(st.floats(0, 20_000, allow_nan=False))
def test_rounding_moves_a_distance_by_at_most_a_quarter_km(km):
    shown = round_half_km(km)
    assert (shown * 2).is_integer()
    assert abs(shown - km) <= 0.25 + 1e-9 or (0 < km < 0.25 and shown == 0.5)


@pytest.mark.parametrize(("km", "text"), [(1.5, "1,5"), (5.0, "5"), (12.5, "12,5"), (2.25, "2,25"), (0.0, "0")])
def test_distances_are_written_the_german_way(km, text):
    assert format_km(km) == text


# --- the grid index ---------------------------------------------------------------------------


def brute_force(points, lat, lon, radius):
    return {key for key, plat, plon in points if haversine_km(lat, lon, plat, plon) <= radius}


def check_index(points, lat, lon, radius, **cells):
    index = GridIndex(points, **cells)
    expected = brute_force(points, lat, lon, radius)
    candidates = list(index.query(lat, lon, radius))
    assert expected <= set(candidates)
    assert len(candidates) == len(set(candidates))
    found = dict(index.within(lat, lon, radius))
    assert set(found) == expected
    for key, km in found.items():
        _, plat, plon = points[key]
        assert km == haversine_km(lat, lon, plat, plon)


germany = st.tuples(st.floats(47.0, 55.5), st.floats(5.5, 15.5))


@settings(max_examples=200, deadline=None)
@given(st.lists(germany, min_size=0, max_size=200), germany, st.floats(0, 60))
def test_the_grid_finds_exactly_the_points_within_the_radius_in_germany(coords, center, radius):
    points = [(n, lat, lon) for n, (lat, lon) in enumerate(coords)]
    check_index(points, *center, radius)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(latitudes, longitudes), max_size=100), latitudes, longitudes,
       st.floats(0, 25_000), st.sampled_from([(0.1, 0.15), (1.0, 1.0), (0.7, 0.45)]))
def test_the_grid_is_right_anywhere_on_earth(coords, lat, lon, radius, cell):
    # Across the 180th meridian, around the poles and with cells that do not divide 360°.
    points = [(n, plat, plon) for n, (plat, plon) in enumerate(coords)]
    check_index(points, lat, lon, radius, cell_lat=cell[0], cell_lon=cell[1])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 30), min_size=1, max_size=40), st.floats(0, 359.999), st.floats(0, 30))
def test_points_right_at_the_radius_are_found(distances, bearing, radius):
    # Points placed at a given distance and bearing from the centre; those at (or a rounding
    # error inside) the radius must come back.
    lat0, lon0 = DUEREN
    points = []
    for n, km in enumerate(distances + [radius]):
        d = km / 6371.0088
        b = math.radians(bearing)
        p0, l0 = math.radians(lat0), math.radians(lon0)
        p1 = math.asin(math.sin(p0) * math.cos(d) + math.cos(p0) * math.sin(d) * math.cos(b))
        l1 = l0 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p0), math.cos(d) - math.sin(p0) * math.sin(p1))
        points.append((n, math.degrees(p1), math.degrees(l1)))
    check_index(points, lat0, lon0, radius)


def test_a_small_query_touches_only_nearby_cells():
    index = GridIndex([(1, *DUEREN), (2, *JUELICH), (3, 52.52, 13.405)])
    assert set(index.query(*DUEREN, 5)) == {1}
    assert set(index.query(*DUEREN, 20)) >= {1, 2}
    assert 3 not in set(index.query(*DUEREN, 20))
    assert dict(index.within(*DUEREN, 20)).keys() == {1, 2}
    assert len(index) == 3


def test_the_grid_refuses_points_that_are_not_on_earth():
    with pytest.raises(ValueError):
        GridIndex([(1, 91.0, 0.0)])
    with pytest.raises(ValueError):
        GridIndex(cell_lat=0)
