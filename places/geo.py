"""Great-circle geometry on a spherical Earth: distances, search boxes and grid cells.

Pure Python with no Django import, so it can be tested and reused on its own.
"""

import math

# Mean Earth radius (IUGG), the radius every distance in the guide is computed on.
EARTH_RADIUS_KM = 6371.0088

# The grid that the `cell` column indexes: rows of CELL_DEGREES of latitude from the south
# pole, each split into CELLS_PER_ROW columns of CELL_DEGREES of longitude from -180.
CELL_DEGREES = 0.1
CELL_ROWS = 1800
CELLS_PER_ROW = 3600

# Coordinates are kept to 7 decimals of a degree (about a centimetre). Finer digits mean
# nothing on the ground, and a difference of 1e-300 degrees would underflow in PostgreSQL's
# arithmetic (it raises an error where SQLite rounds to zero).
COORDINATE_DECIMALS = 7


def round_degrees(value: float) -> float:
    """A latitude or longitude rounded to the precision the guide stores."""
    return round(float(value), COORDINATE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def stored_point(latitude: float, longitude: float) -> tuple[float, float]:
    """A point as the guide stores it: rounded, and a pole at longitude 0. Every longitude of a
    pole is the same point, but distances computed from different ones differ in their last
    bits, which would order places tied at a pole at random rather than by id."""
    latitude = round_degrees(latitude)
    return latitude, 0.0 if abs(latitude) == 90 else round_degrees(longitude)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    return term_to_km(haversine_term(lat1, lon1, lat2, lon2))


def haversine_term(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The haversine of the central angle, in [0, 1]: it grows with the distance, so it can
    rank and filter places before any square root or arcsine is taken."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    return (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )


def term_to_km(term: float) -> float:
    """The distance for a haversine term (see haversine_term)."""
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(max(0.0, term))))


def km_to_term(distance_km: float) -> float:
    """The largest haversine term of a point within distance_km; above 1 for the whole globe."""
    angle = distance_km / EARTH_RADIUS_KM
    return math.sin(angle / 2) ** 2 if angle < math.pi else 2.0


def search_radii(radius_km: float, first_km: float = 8.0, factor: float = 4.0) -> list[float]:
    """Radii to search in turn for the k nearest places: first_km, growing by factor, up to and
    including radius_km (8, 32, 128, 500 km for 500 km)."""
    radii = []
    step = first_km
    while step < radius_km:
        radii.append(step)
        step *= factor
    return [*radii, radius_km]


def _row(latitude: float) -> int:
    return min(math.floor((latitude + 90) / CELL_DEGREES), CELL_ROWS - 1)


def _column(longitude: float) -> int:
    return min(math.floor((longitude + 180) / CELL_DEGREES), CELLS_PER_ROW - 1)


def cell_of(latitude: float, longitude: float) -> int:
    """The grid cell holding a point: row-major, so a row's cells are contiguous integers."""
    return _row(latitude) * CELLS_PER_ROW + _column(longitude)


def search_box(
    latitude: float, longitude: float, radius_km: float
) -> tuple[float, float, list[tuple[float, float]]]:
    """The smallest latitude band and longitude intervals that hold every point within radius.

    Returns (south, north, [(west, east), ...]): one longitude interval, two when the box
    crosses the antimeridian, or the whole circle when it reaches a pole.
    """
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle)
    south, north = latitude - dlat, latitude + dlat
    if south <= -90 or north >= 90 or angle >= math.pi / 2:
        return max(south, -90.0), min(north, 90.0), [(-180.0, 180.0)]
    # Widest longitude offset of the circle, reached north of the centre's parallel in the
    # northern hemisphere: asin(sin r / cos lat), not the naive r / cos lat.
    ratio = math.sin(angle) / math.cos(math.radians(latitude))
    if ratio >= 1:
        return south, north, [(-180.0, 180.0)]
    dlon = math.degrees(math.asin(ratio))
    west, east = longitude - dlon, longitude + dlon
    if west <= -180:
        return south, north, [(west + 360, 180.0), (-180.0, east)]
    if east >= 180:
        return south, north, [(west, 180.0), (-180.0, east - 360)]
    return south, north, [(west, east)]


def cell_ranges(
    south: float, north: float, intervals: list[tuple[float, float]], max_ranges: int = 100
) -> list[tuple[int, int]]:
    """Contiguous (first, last) cell ranges covering a search box, adjacent ranges merged.

    A box taller than max_ranges rows gets neighbouring ranges joined, so that a query never
    holds more than max_ranges of them; the joined ranges cover more cells, never fewer.
    """
    columns = sorted((_column(west), _column(east)) for west, east in intervals)
    ranges: list[tuple[int, int]] = []
    for row in range(_row(south), _row(north) + 1):
        base = row * CELLS_PER_ROW
        for first, last in columns:
            if ranges and base + first == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], base + last)
            else:
                ranges.append((base + first, base + last))
    group = math.ceil(len(ranges) / max_ranges)
    return [
        (ranges[i][0], ranges[min(i + group, len(ranges)) - 1][1])
        for i in range(0, len(ranges), group)
    ]


def format_km(distance_km: float) -> str:
    """A distance as the guides print it: one decimal, a trailing ".0" dropped ("48 km")."""
    text = f"{distance_km:.1f}".removesuffix(".0")
    return f"{text} km"


def format_coordinates(latitude: float, longitude: float) -> str:
    """Degrees with hemisphere letters, e.g. "49.679° N, 72.6855° E"."""

    def part(value: float, positive: str, negative: str) -> str:
        number = f"{abs(value):.5f}".rstrip("0").rstrip(".")
        return f"{number}° {positive if value >= 0 else negative}"

    return f"{part(latitude, 'N', 'S')}, {part(longitude, 'E', 'W')}"


# Regions: a coarser grid than the cells, for the page cache (places/cache.py). An edit moves
# on the version of the region its place lies in, and a page that lists the places within a
# circle or a box depends on the regions that can hold them. Rows of REGION_DEGREES of
# latitude; each row split into as many columns as keep a region at least REGION_DEGREES wide
# on its poleward edge, so that regions stay about 55 km across up to the poles (one region
# around each pole) and a circle near a pole overlaps a few of them, not a whole ring of
# narrow ones. 55 km: a nearby list's 50 km circle overlaps 4 to 9 regions, and an edit makes
# the pages of the places within about 50 km of its region render again.
REGION_DEGREES = 0.5
REGION_ROWS = round(180 / REGION_DEGREES)


def _region_columns(row: int) -> int:
    poleward = max(abs(-90 + row * REGION_DEGREES), abs(-90 + (row + 1) * REGION_DEGREES))
    return max(1, math.floor(360 / REGION_DEGREES * math.cos(math.radians(poleward))))


REGION_COLUMNS = tuple(_region_columns(row) for row in range(REGION_ROWS))


def _region_row(latitude: float) -> int:
    return min(max(math.floor((latitude + 90) / REGION_DEGREES), 0), REGION_ROWS - 1)


def _region_column(row: int, longitude: float) -> int:
    columns = REGION_COLUMNS[row]
    return min(max(math.floor((longitude + 180) / 360 * columns), 0), columns - 1)


def region_of(latitude: float, longitude: float) -> tuple[int, int]:
    """The (row, column) of the region holding a point."""
    row = _region_row(latitude)
    return row, _region_column(row, longitude)


def regions_of_box(
    south: float, north: float, intervals: list[tuple[float, float]], max_regions: int
) -> set[tuple[int, int]] | None:
    """Every region that holds a point of the box (as search_box returns it), or None when
    that is more than max_regions."""
    regions = set()
    for row in range(_region_row(south), _region_row(north) + 1):
        for west, east in intervals:
            first, last = _region_column(row, west), _region_column(row, east)
            if len(regions) + last - first + 1 > max_regions:
                return None
            regions.update((row, column) for column in range(first, last + 1))
    return regions


def regions_within(
    latitude: float, longitude: float, radius_km: float, max_regions: int
) -> set[tuple[int, int]] | None:
    """Every region that holds a point within radius_km of the point (great-circle distance),
    or None when that is more than max_regions. A superset: the regions of the search box
    that the nearby query reads (places/nearby.py), which holds the circle."""
    south, north, intervals = search_box(latitude, longitude, radius_km)
    return regions_of_box(south, north, intervals, max_regions)
