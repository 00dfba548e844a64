"""Great-circle distance, the 0.5 km rounding shown to people, and a grid index for the prefilter.

Homes are postcode centroids (never a street address), so a distance is accurate to the size of
a postcode area at best; the engine compares the exact great-circle distance with the radii and
only *shows* it rounded to 0.5 km.

The grid index answers "which points may lie within r km of here" with a bounding box of grid
cells: a superset that the caller then filters exactly with `haversine_km` (or uses `within`,
which does both). It is correct everywhere on the sphere (across the 180th meridian and around
the poles), although the engine only ever feeds it German postcodes.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator
from typing import Generic, TypeVar

# Mean earth radius (IUGG), the usual choice for the haversine formula; its error against the
# ellipsoid (up to ~0.5 %) is far below the uncertainty of a postcode centroid.
EARTH_RADIUS_KM = 6371.0088

K = TypeVar("K", bound=Hashable)

_radians = math.radians
_sin = math.sin
_cos = math.cos
_asin = math.asin
_sqrt = math.sqrt


def _haversine_rad(phi1: float, lam1: float, cos1: float, phi2: float, lam2: float, cos2: float) -> float:
    """The one place the distance is computed. The engine calls it with precomputed radians and
    cosines; `haversine_km` calls it with fresh ones. Same operations in the same order give
    bit-identical results, so the indexed and the naive path can never disagree at a radius."""
    s_phi = _sin((phi2 - phi1) * 0.5)
    s_lam = _sin((lam2 - lam1) * 0.5)
    h = s_phi * s_phi + cos1 * cos2 * s_lam * s_lam
    # Rounding can push h a hair above 1 for antipodal points.
    return 2.0 * EARTH_RADIUS_KM * _asin(_sqrt(h if h < 1.0 else 1.0))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS84 points given in degrees. Symmetric."""
    phi1 = _radians(lat1)
    phi2 = _radians(lat2)
    return _haversine_rad(phi1, _radians(lon1), _cos(phi1), phi2, _radians(lon2), _cos(phi2))


def round_half_km(km: float) -> float:
    """Round a distance to the nearest 0.5 km for display (halves round up: 1.25 → 1.5).

    0.0 means "the same point", which for homes means the same postcode. Any positive distance
    shows as at least 0.5 km, so "0 km" never hides a real distance between two postcodes.
    """
    if km <= 0.0:
        return 0.0
    rounded = math.floor(km * 2.0 + 0.5) / 2.0
    return rounded if rounded >= 0.5 else 0.5


def format_km(km: float) -> str:
    """German number format for distances and radii: 1.5 → "1,5", 5.0 → "5", 2.25 → "2,25"."""
    text = f"{km:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


class GridIndex(Generic[K]):
    """Points bucketed into cells of `cell_lat` × `cell_lon` degrees.

    The default 0.1° × 0.15° is about 11 × 10 km in Germany: a 5 km query touches 4–9 cells, a
    25 km query about 40. Keys are anything hashable; a key may appear only once per index (the
    caller groups several objects sharing one point under one key — the engine groups teens by
    postcode centroid, so the distance is computed once per place, not once per teen).
    """

    __slots__ = ("_cell_lat", "_cell_lon", "_cells", "_size")

    def __init__(self, points: Iterable[tuple[K, float, float]] = (), *,
                 cell_lat: float = 0.1, cell_lon: float = 0.15) -> None:
        if cell_lat <= 0 or cell_lon <= 0:
            raise ValueError("cell sizes must be positive")
        self._cell_lat = cell_lat
        self._cell_lon = cell_lon
        self._cells: dict[tuple[int, int], list[tuple[K, float, float]]] = {}
        self._size = 0
        for key, lat, lon in points:
            self.add(key, lat, lon)

    def __len__(self) -> int:
        return self._size

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self._cell_lat), math.floor(lon / self._cell_lon)

    def add(self, key: K, lat: float, lon: float) -> None:
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise ValueError(f"not a WGS84 point: {lat}, {lon}")
        self._cells.setdefault(self._cell(lat, lon), []).append((key, lat, lon))
        self._size += 1

    def _ranges(self, lat: float, lon: float, radius_km: float
                ) -> tuple[int, int, list[tuple[int, int]]]:
        """Rows lo..hi and the column ranges whose cells cover every point within radius_km."""
        # A margin far above floating-point noise and far below a metre keeps points that lie
        # exactly on the radius inside the box.
        delta = max(radius_km, 0.0) / EARTH_RADIUS_KM * (1.0 + 1e-9) + 1e-12
        dlat = math.degrees(delta)
        lat_lo, lat_hi = lat - dlat, lat + dlat
        row_lo = math.floor(max(lat_lo, -90.0) / self._cell_lat)
        row_hi = math.floor(min(lat_hi, 90.0) / self._cell_lat)
        if lat_lo <= -90.0 or lat_hi >= 90.0:
            # The circle holds a pole: every longitude is within reach.
            lon_spans = [(-180.0, 180.0)]
        else:
            # The widest longitude of a spherical circle of angular radius delta around lat is
            # asin(sin delta / cos lat), slightly more than delta / cos lat.
            ratio = _sin(delta) / _cos(_radians(lat))
            dlon = math.degrees(_asin(ratio)) * (1.0 + 1e-9) + 1e-9 if ratio < 1.0 else 180.0
            lon_lo, lon_hi = lon - dlon, lon + dlon
            if dlon >= 180.0:
                lon_spans = [(-180.0, 180.0)]
            elif lon_lo < -180.0:
                lon_spans = [(-180.0, lon_hi), (lon_lo + 360.0, 180.0)]
            elif lon_hi > 180.0:
                lon_spans = [(lon_lo, 180.0), (-180.0, lon_hi - 360.0)]
            else:
                lon_spans = [(lon_lo, lon_hi)]
        cols = [(math.floor(a / self._cell_lon), math.floor(b / self._cell_lon)) for a, b in lon_spans]
        return row_lo, row_hi, cols

    def cells(self, lat: float, lon: float, radius_km: float) -> Iterator[list[tuple[K, float, float]]]:
        """The occupied cells of the bounding box, each a list of (key, lat, lon)."""
        row_lo, row_hi, cols = self._ranges(lat, lon, radius_km)
        cells = self._cells
        boxed = (row_hi - row_lo + 1) * sum(hi - lo + 1 for lo, hi in cols)
        if boxed > len(cells):
            # A huge box (continental radius): scanning the occupied cells is cheaper.
            for (row, col), bucket in cells.items():
                if row_lo <= row <= row_hi and any(lo <= col <= hi for lo, hi in cols):
                    yield bucket
            return
        get = cells.get
        for row in range(row_lo, row_hi + 1):
            for col_lo, col_hi in cols:
                for col in range(col_lo, col_hi + 1):
                    bucket = get((row, col))
                    if bucket is not None:
                        yield bucket

    def query(self, lat: float, lon: float, radius_km: float) -> Iterator[K]:
        """Keys of every point within radius_km and possibly some further away (filter them)."""
        for bucket in self.cells(lat, lon, radius_km):
            for key, _lat, _lon in bucket:
                yield key

    def within(self, lat: float, lon: float, radius_km: float) -> Iterator[tuple[K, float]]:
        """(key, exact distance in km) of every point within radius_km, in no particular order."""
        phi = _radians(lat)
        lam = _radians(lon)
        cos_phi = _cos(phi)
        for bucket in self.cells(lat, lon, radius_km):
            for key, plat, plon in bucket:
                p_phi = _radians(plat)
                km = _haversine_rad(phi, lam, cos_phi, p_phi, _radians(plon), _cos(p_phi))
                if km <= radius_km:
                    yield key, km
