"""Find a place by what people call it: authority, ward, place, small area or postcode.

:func:`search` matches one line of text against

* local authority names and codes (``Trafford``, ``E08000009``);
* ward names and codes (``Sale Moor``), which the tooltips and reports show;
* place names (towns, suburbs, villages: ``Sale``, ``Oakham``) where a table
  of them is given (OpenStreetMap ``place=*`` nodes, see :func:`place_names`);
* LSOA names and codes (``Trafford 019E``, ``E01006187``);
* postcodes (``M33 7XX``), located by a geocoder the caller supplies (OS
  Code-Point Open or the ONS Postcode Directory offline, postcodes.io
  online: :mod:`geo.postcodes`).

Matches are ranked: exact name or code first, then names starting with the
text, then names with a word starting with it, then names containing it;
within a rank authorities come before wards, places, small areas and
postcodes, then shorter names first.  The text is compared case- and
accent-insensitively, with punctuation and repeated spaces ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from geo.postcodes import normalise_postcode

if TYPE_CHECKING:
    from geo.regiontypes import Region

#: Kinds of match, in the order they are listed within a rank.
KINDS = ("authority", "ward", "place", "lsoa", "postcode")

#: A geocoder: a normalised postcode to (easting, northing) in EPSG:27700, or
#: None with the reason it could not be found.
Locate = Callable[[str], tuple[tuple[float, float] | None, str]]


@dataclass(frozen=True)
class Match:
    """One search result.

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    label
        What to show, e.g. ``"Sale Moor — ward in Trafford"``.
    code
        The authority, ward or LSOA code, the place name, or the postcode.
    lad_code, lad_name
        The local authority the match lies in ('' for a postcode that could
        not be placed in one).
    lsoa_codes
        The small areas it covers (one for an LSOA, postcode or place).
    point
        BNG coordinates for a postcode or place, else None.
    """

    kind: str
    label: str
    code: str
    lad_code: str
    lad_name: str
    lsoa_codes: tuple[str, ...] = ()
    point: tuple[float, float] | None = None


def fold(text: object) -> str:
    """Lower case, accents and punctuation removed, single spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", plain)).strip()


def _rank(name: str, query: str) -> int | None:
    """0 exact, 1 prefix, 2 word prefix, 3 substring; None when not matched."""
    if name == query:
        return 0
    if name.startswith(query):
        return 1
    if f" {query}" in f" {name}":
        return 2
    if query in name:
        return 3
    return None


class SearchIndex:
    """Every authority, ward, place and small area of a lookup, ready to search.

    Build it once (it folds every name) and call :meth:`search` per query.
    """

    def __init__(self, lookup: pd.DataFrame, *, places: pd.DataFrame | None = None) -> None:
        self.lookup = lookup
        self.matches = _named(lookup, places)
        self._names = [
            (fold(m.label.split(" — ")[0]), fold(m.code), KINDS.index(m.kind)) for m in self.matches
        ]

    def search(
        self,
        query: str,
        *,
        locate: Locate | None = None,
        lsoa_of: Callable[[float, float], str | None] | None = None,
        limit: int = 10,
    ) -> list[Match]:
        """Places matching ``query`` (see the module docstring), best first.

        ``locate`` geocodes a postcode (without it a postcode gets no match);
        ``lsoa_of`` finds the LSOA a point lies in; at most ``limit`` matches.
        """
        text = fold(query)
        if not text:
            return []
        postcode = normalise_postcode(query)
        if postcode is not None:
            return _postcode(postcode, self.lookup, locate, lsoa_of)[:limit]
        ranked: list[tuple[int, int, int, str, int]] = []
        for i, (name, code, kind) in enumerate(self._names):
            rank = _rank(name, text)
            if rank is None:
                rank = _rank(code, text)
            if rank is not None:
                label = self.matches[i].label
                ranked.append((rank, kind, len(label), label, i))
        ranked.sort()
        return [self.matches[r[4]] for r in ranked[:limit]]


def search(
    query: str,
    lookup: pd.DataFrame,
    *,
    places: pd.DataFrame | None = None,
    locate: Locate | None = None,
    lsoa_of: Callable[[float, float], str | None] | None = None,
    limit: int = 10,
) -> list[Match]:
    """One search without keeping the index (see :class:`SearchIndex`).

    ``lookup``: LSOA 2021 lookup (index ``lsoa21cd``; ``lsoa21nm``,
    ``ward_code``, ``ward_name``, ``lad_code``, ``lad_name``); ``places``:
    optional place names (``name``, ``kind``, ``x``, ``y`` in EPSG:27700,
    ``lsoa21cd``, see :func:`place_names`).
    """
    index = SearchIndex(lookup, places=places)
    return index.search(query, locate=locate, lsoa_of=lsoa_of, limit=limit)


def _named(lookup: pd.DataFrame, places: pd.DataFrame | None) -> list[Match]:
    """Every authority, ward, place and LSOA as a :class:`Match`."""
    frame = lookup.reset_index().rename(columns={"index": "lsoa21cd"})
    matches: list[Match] = []
    for (code, name), rows in frame.groupby(["lad_code", "lad_name"], sort=True):
        codes = tuple(rows["lsoa21cd"])
        matches.append(Match("authority", f"{name} — local authority", code, code, name, codes))
    wards = frame.groupby(["ward_code", "ward_name", "lad_code", "lad_name"], sort=True)
    for (code, name, lad, lad_name), rows in wards:
        label = f"{name} — ward in {lad_name}"
        matches.append(Match("ward", label, code, lad, lad_name, tuple(rows["lsoa21cd"])))
    if places is not None and len(places):
        lads = frame.set_index("lsoa21cd")[["lad_code", "lad_name"]]
        for row in places.itertuples(index=False):
            if row.lsoa21cd not in lads.index:
                continue
            lad, lad_name = lads.loc[row.lsoa21cd]
            label = f"{row.name} — {row.kind} in {lad_name}"
            point = (float(row.x), float(row.y))
            matches.append(Match("place", label, row.name, lad, lad_name, (row.lsoa21cd,), point))
    for row in frame.itertuples(index=False):
        label = f"{row.lsoa21nm} — small area in {row.ward_name}, {row.lad_name}"
        matches.append(
            Match("lsoa", label, row.lsoa21cd, row.lad_code, row.lad_name, (row.lsoa21cd,))
        )
    return matches


def _postcode(
    postcode: str,
    lookup: pd.DataFrame,
    locate: Locate | None,
    lsoa_of: Callable[[float, float], str | None] | None,
) -> list[Match]:
    if locate is None:
        return []
    point, _reason = locate(postcode)
    if point is None:
        return []
    code = lsoa_of(*point) if lsoa_of is not None else None
    if code is not None and code in lookup.index:
        row = lookup.loc[code]
        label = f"{postcode} — postcode in {row['ward_name']}, {row['lad_name']}"
        return [
            Match("postcode", label, postcode, row["lad_code"], row["lad_name"], (code,), point)
        ]
    return [Match("postcode", f"{postcode} — postcode", postcode, "", "", (), point)]


def place_names(frame: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Place names (``name``, ``kind``, ``x``, ``y``) with the LSOA each lies in.

    ``frame`` holds points in EPSG:27700 (``x``, ``y``); ``areas`` the LSOA
    polygons (index ``lsoa21cd``).  Points outside every area are left out.
    """
    import geopandas as gpd

    points = gpd.GeoDataFrame(
        frame[["name", "kind", "x", "y"]].reset_index(drop=True),
        geometry=gpd.points_from_xy(frame["x"], frame["y"]),
        crs=areas.crs,
    )
    polygons = gpd.GeoDataFrame(geometry=areas.geometry.to_numpy(), crs=areas.crs)
    point_i, area_i = polygons.sindex.query(points.geometry, predicate="within")
    out = pd.DataFrame(points.drop(columns="geometry")).iloc[point_i].copy()
    out["lsoa21cd"] = areas.index.to_numpy()[area_i]
    return out.drop_duplicates(subset=["name", "kind", "lsoa21cd"]).reset_index(drop=True)


def region_places(region: Region) -> pd.DataFrame:
    """The region's OpenStreetMap place names (:attr:`Region.places`) ready for the index."""
    places = region.places
    if places is None or not len(places):
        return pd.DataFrame(columns=["name", "kind", "x", "y", "lsoa21cd"])
    frame = pd.DataFrame(
        {
            "name": places["name"].to_numpy(),
            "kind": places["kind"].to_numpy(),
            "x": places.geometry.x.to_numpy(),
            "y": places.geometry.y.to_numpy(),
        }
    )
    return place_names(frame, region.areas)


def lsoa_finder(areas: pd.DataFrame) -> Callable[[float, float], str | None]:
    """A function giving the LSOA (index of ``areas``) a BNG point lies in."""
    import shapely

    geometry = areas.geometry.to_numpy()
    codes = areas.index.to_numpy()
    tree = shapely.STRtree(geometry)

    def find(x: float, y: float) -> str | None:
        hits = tree.query(shapely.Point(x, y), predicate="within")
        return str(codes[hits[0]]) if len(hits) else None

    return find
