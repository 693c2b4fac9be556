"""Great-circle geometry on a spherical Earth: distances, search boxes and grid cells.

Pure Python with no Django import, so it can be tested and reused on its own.
"""

import math
from collections.abc import Iterator

# Mean Earth radius (IUGG), the radius every distance in the guide is computed on.
EARTH_RADIUS_KM = 6371.0088

# The grid that the `cell` column indexes: rows of CELL_DEGREES of latitude from the south
# pole, each split into CELLS_PER_ROW columns of CELL_DEGREES of longitude from -180.
CELL_DEGREES = 0.1
CELL_ROWS = 1800
CELLS_PER_ROW = 3600


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


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
    south: float, north: float, intervals: list[tuple[float, float]]
) -> Iterator[tuple[int, int]]:
    """Contiguous (first, last) cell ranges covering a search box, adjacent ranges merged."""
    columns = sorted((_column(west), _column(east)) for west, east in intervals)
    pending = None
    for row in range(_row(south), _row(north) + 1):
        base = row * CELLS_PER_ROW
        for first, last in columns:
            if pending and base + first == pending[1] + 1:
                pending = (pending[0], base + last)
                continue
            if pending:
                yield pending
            pending = (base + first, base + last)
    if pending:
        yield pending


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
