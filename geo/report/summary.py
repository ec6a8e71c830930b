"""Page 1: the places with the largest gaps, what a gap means there, what to consider.

A councillor reads this page in two minutes, so it names places (wards, and
the town or village nearest each priority area where OpenStreetMap names are
known) and people, not parameters.  Every sentence is built from the analysis:

* :func:`top_places` — the wards holding the first priority gap areas, with
  their residents, which kinds of place are far (beyond a 15-minute walk) or
  thin (few places for the people who share them) and a cautious suggestion;
* :func:`gap_meaning` — whether the gaps here are about distance or about
  provision per resident, in plain words;
* :func:`comparators` — the headline figures against the region's and
  England's, from the national tables when given (else England's share
  follows from its deciles by construction and the region is not known), and
  the change in deprivation since IoD2019 where the 2011 areas were bridged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.present.labels import category_label
from geo.regionnames import REGION_NOT_KNOWN
from geo.sources.osm_places import nearest_place

from .formatting import fmt_int, fmt_pct, join_words, missing, plural
from .wards import priority_mask, priority_order, ward_names

if TYPE_CHECKING:
    from geo.pipeline import Result
    from geo.reference import Reference

#: A walk longer than this is "far" on page 1.
FAR_MINUTES = 15
#: A place this close is "near" when explaining what a gap means.
NEAR_MINUTES = 5
#: At most this many places are named on page 1.
TOP_PLACES = 4
#: A category's access per resident below this share of the area-wide level is "thin".
THIN_SHARE = 0.5

#: Categories a suggestion may name, most useful as a meeting place first, with what to try.
SUGGESTIONS: dict[str, str] = {
    "community_centre": "a community hub or regular drop-in in a hall or school nearby",
    "social_facility": "an outreach or day-support session in a place already there",
    "library": "a mobile or pop-up library session, or library services in a local hub",
    "warm_space": "a warm space or drop-in at a venue already there (a church, school or café)",
    "youth_centre": "detached youth work or a youth session in an existing building",
    "place_of_worship": "working with faith groups nearby on open sessions for everyone",
    "arts_centre": "touring or pop-up arts and social activities",
    "cafe": "a community café or social session in an existing venue",
    "sports_leisure": "outreach activity sessions in a park or hall",
    "park": "improving the green space there or walking groups to the nearest park",
    "community_garden": "a community growing project on land already there",
    "food_bank": "a community meal or pantry at a venue already there",
    "health": "social prescribing links with the nearest practice",
    "pub": "social activities at other venues nearby",
}


@dataclass(frozen=True)
class Place:
    """One ward with priority gap areas, as page 1 tells it."""

    ward: str
    numbers: tuple[int, ...]
    residents: float
    high_risk: float
    far: tuple[str, ...]
    thin: tuple[str, ...]
    consider: str
    #: The nearest named place (town, village …) to each priority area, in order, once each.
    localities: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """``"Braunston in Rutland and Langham, in Ketton ward"`` ("" without place names)."""
        if not self.localities:
            return ""
        return f"{join_words(list(self.localities))}, in {self.ward} ward"

    def row(self) -> dict[str, object]:
        """Formatted for the template."""
        return {
            "ward": self.ward,
            "where": self.where,
            "numbers": ", ".join(str(n) for n in self.numbers),
            "areas": plural(len(self.numbers), "priority area"),
            "residents": fmt_int(self.residents, nearest=10),
            "high_risk": fmt_int(self.high_risk, nearest=10),
            "all_high": abs(self.high_risk - self.residents) < 0.5,
            "far": join_words(list(self.far)) or "none",
            "thin": join_words(list(self.thin)) or "none",
            "consider": self.consider,
        }


def _chosen(result: Result) -> pd.DataFrame:
    """The priority gap areas, numbered; or the ten largest gap scores without any."""
    areas = result.areas
    mask = priority_mask(areas)
    if mask.any():
        chosen = areas[mask].assign(_number=priority_order(result)[mask])
    else:
        chosen = areas.sort_values("priority_rank", kind="stable").head(10)
        chosen = chosen.assign(_number=np.arange(1, len(chosen) + 1))
    return chosen.sort_values("_number")


def kind_words(key: str) -> str:
    """A category's label as words in a sentence (``library``, ``GP / health centre``)."""
    label = category_label(key)
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _far(result: Result, part: pd.DataFrame) -> list[tuple[str, float]]:
    """Categories beyond a 15-minute walk (keys) with the residents affected, most first."""
    limit = FAR_MINUTES * 60 * result.parameters.speed_m_s
    out = []
    for cat in result.categories:
        column = f"nearest_{cat}_m"
        if column not in part:
            continue
        far = pd.to_numeric(part[column], errors="coerce").fillna(np.inf) > limit
        people = float(part.loc[far, "population"].sum())
        if people > 0:
            out.append((cat, people))
    return sorted(out, key=lambda item: -item[1])


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    v = pd.to_numeric(values, errors="coerce")
    w = pd.to_numeric(weights, errors="coerce").fillna(0)
    ok = v.notna() & (w > 0)
    return float(np.average(v[ok], weights=w[ok])) if ok.any() else float("nan")


def _thin(result: Result, part: pd.DataFrame) -> list[str]:
    """Categories whose access per resident here is under half the area-wide level."""
    areas = result.areas
    out = []
    for cat in result.categories:
        column = f"access_e2sfca_{cat}"
        if column not in areas:
            continue
        overall = _weighted(areas[column], areas["population"])
        here = _weighted(part[column], part["population"])
        if overall > 0 and not missing(here) and here < THIN_SHARE * overall:
            out.append(kind_words(cat))
    return out


def _suggested(far: list[tuple[str, float]]) -> tuple[str, float] | None:
    """The most useful far category that affects at least a quarter of the most affected."""
    if not far:
        return None
    most = far[0][1]
    order = list(SUGGESTIONS)
    usable = [item for item in far if item[0] in SUGGESTIONS and item[1] >= 0.25 * most]
    usable.sort(key=lambda item: order.index(item[0]))
    return usable[0] if usable else None


def _consider(ward: str, far: list[tuple[str, float]], thin: list[str], near: bool) -> str:
    chosen = _suggested(far)
    if chosen:
        key, people = chosen
        return (
            f"No {kind_words(key)} within {FAR_MINUTES} minutes' walk of about "
            f"{fmt_int(people, nearest=10)} residents of the priority areas in {ward}: "
            f"consider {SUGGESTIONS[key]}, after checking for provision the data may miss."
        )
    if thin:
        return (
            f"Places are within reach in {ward} but few for the people who share them "
            f"({join_words(thin[:3])}): consider more opening hours or capacity at the "
            "nearest places before a new building."
        )
    where = "close by" if near else "within reach"
    return (
        f"Community places are {where} in {ward}, yet risk is high: consider whether "
        "the places there are open, welcoming and known to the people most at risk."
    )


def area_localities(result: Result, areas: pd.DataFrame) -> pd.Series:
    """The nearest named place to each area's point ("" when none is known or near)."""
    places = getattr(result.region, "places", None)
    if places is None or not len(places) or not len(areas):
        return pd.Series("", index=areas.index, dtype=object)
    if {"point_x", "point_y"} <= set(areas.columns):
        xy = gpd.points_from_xy(areas["point_x"], areas["point_y"])
        points = gpd.GeoSeries(xy, index=areas.index, crs=places.crs)
    else:
        points = gpd.GeoSeries(areas.geometry, index=areas.index).representative_point()
    return nearest_place(points, places)["place"]


def top_places(result: Result, *, limit: int = TOP_PLACES) -> list[Place]:
    """The wards holding the first priority gap areas, in priority order."""
    chosen = _chosen(result)
    if chosen.empty:
        return []
    chosen = chosen.assign(_ward=ward_names(chosen), _place=area_localities(result, chosen))
    near_m = NEAR_MINUTES * 60 * result.parameters.speed_m_s
    places = []
    for ward in dict.fromkeys(chosen["_ward"]):
        part = chosen[chosen["_ward"] == ward]
        high = part.get("is_high_risk", pd.Series(True, index=part.index)).fillna(False)
        far = _far(result, part)
        thin = _thin(result, part)
        nearest = pd.to_numeric(part.get("nearest_any_m"), errors="coerce")
        near = bool((nearest <= near_m).all())
        places.append(
            Place(
                ward=ward,
                numbers=tuple(int(n) for n in part["_number"]),
                residents=float(part["population"].sum()),
                high_risk=float(part.loc[high.astype(bool), "population"].sum()),
                far=tuple(kind_words(k) for k, _ in far[:3]),
                thin=tuple(thin[:3]),
                consider=_consider(ward, far, thin, near),
                localities=tuple(n for n in dict.fromkeys(part["_place"]) if n),
            )
        )
        if len(places) == limit:
            break
    return places


def gap_meaning(result: Result) -> str:
    """What a gap means in this area, in plain words."""
    chosen = _chosen(result)
    if chosen.empty:
        return "There are no small areas to compare here."
    speed = result.parameters.speed_m_s
    minutes = pd.to_numeric(chosen.get("nearest_any_m"), errors="coerce") / (60 * speed)
    people = pd.to_numeric(chosen["population"], errors="coerce").fillna(0)
    near = float(people[minutes <= NEAR_MINUTES].sum())
    share = near / float(people.sum()) if people.sum() else float("nan")
    what = "priority gap areas" if priority_mask(result.areas).any() else "largest gaps"
    base = (
        "A gap is an area in the highest third here for loneliness risk and the lowest "
        "third for access to community places. Access counts the places within walking "
        "reach and shares each one among everyone who can reach it."
    )
    if share >= 0.999:
        return (
            f"{base} Every one of the {what} has a community place within {NEAR_MINUTES} "
            "minutes' walk: a gap here means few places for the number of people who can "
            "reach them (thin provision), not being far from any place."
        )
    if share <= 0.001:
        return (
            f"{base} None of the {what} has a community place within {NEAR_MINUTES} "
            "minutes' walk: a gap here is mostly about distance."
        )
    return (
        f"{base} {fmt_pct(share)} of the residents of the {what} have a community place "
        f"within {NEAR_MINUTES} minutes' walk, so a gap is partly thin provision "
        "(many people sharing few places) and partly distance."
    )


def _residents_share(areas: pd.DataFrame, mask: pd.Series) -> float:
    pop = pd.to_numeric(areas["population"], errors="coerce").fillna(0)
    return float(pop[mask].sum() / pop.sum()) if pop.sum() else float("nan")


def _numeric(areas: pd.DataFrame, name: str) -> pd.Series | None:
    if name not in areas:
        return None
    values = pd.to_numeric(areas[name], errors="coerce")
    return values if values.notna().any() else None


def _parts(result: Result, reference: Reference | None) -> dict[str, pd.DataFrame | None]:
    """England's and the region's small areas from the national tables (None where not known)."""
    from geo.reference import ENGLAND, reference_part

    if reference is None:
        return {"england": None, "region": None}
    codes = result.areas["region_code"].dropna() if "region_code" in result.areas else None
    region = str(codes.mode().iloc[0]) if codes is not None and len(codes) else None
    return {
        "england": reference_part(reference, ENGLAND),
        "region": reference_part(reference, region) if region else None,
    }


def _share_in(part: pd.DataFrame | None, column: str, fallback: str) -> str:
    """Residents' share in deciles 1–2 of ``column`` over a comparator, or ``fallback``."""
    values = None if part is None else _numeric(part, column)
    if part is None or values is None:
        return fallback
    return fmt_pct(_residents_share(part, values <= 2))


def _lonely_rate(part: pd.DataFrame | None, fallback: str) -> str:
    """Expected lonely 65+ per resident 65+ over a set of areas."""
    if part is None or "expected_lonely" not in part or "pop_65plus" not in part:
        return fallback
    lonely = pd.to_numeric(part["expected_lonely"], errors="coerce").sum()
    older = pd.to_numeric(part["pop_65plus"], errors="coerce").sum()
    return fmt_pct(lonely / older, 1) if older > 0 and lonely > 0 else fallback


def comparators(result: Result, reference: Reference | None = None) -> list[dict[str, str]]:
    """Headline figures beside the region's and England's, and the change since IoD2019.

    ``reference`` (:func:`geo.reference.reference_areas`) gives the region's and
    England's figures from the national tables; without it England's follow
    from its deciles by construction and the region is not known.
    """
    areas = result.areas
    parts = _parts(result, reference)
    unknown = REGION_NOT_KNOWN
    rows = []
    national = _numeric(areas, "risk_decile_national")
    if national is not None:
        rows.append(
            {
                "what": "Residents living in England's 20% of small areas most at risk "
                "of loneliness",
                "here": fmt_pct(_residents_share(areas, national <= 2)),
                "region": _share_in(parts["region"], "risk_decile_national", unknown),
                "england": _share_in(parts["england"], "risk_decile_national", "20% of areas"),
            }
        )
    imd = _numeric(areas, "imd_decile")
    if imd is not None:
        rows.append(
            {
                "what": "Residents living in England's 20% most deprived small areas (IoD2025)",
                "here": fmt_pct(_residents_share(areas, imd <= 2)),
                "region": _share_in(parts["region"], "imd_decile", unknown),
                "england": _share_in(parts["england"], "imd_decile", "20% of areas"),
            }
        )
    if _numeric(areas, "expected_lonely") is not None:
        rows.append(
            {
                "what": "People 65+ expected to be often lonely, as a share of residents 65+ "
                "(Age UK model)",
                "here": _lonely_rate(areas, "–"),
                "region": _lonely_rate(parts["region"], unknown),
                "england": _lonely_rate(parts["england"], "7% (the calibration)"),
            }
        )
    rows.extend(_change_since_2019(areas, imd))
    return rows


def _change_since_2019(areas: pd.DataFrame, imd: pd.Series | None) -> list[dict[str, str]]:
    before = _numeric(areas, "iod2019_imd_decile")
    if imd is None or before is None or not (before.notna() & imd.notna()).any():
        return []
    ok = before.notna() & imd.notna()
    worse = int((imd[ok] < before[ok]).sum())
    better = int((imd[ok] > before[ok]).sum())
    return [
        {
            "what": "Change since IoD2019 (2011 areas bridged to 2021): small areas now "
            "in a more deprived / less deprived England decile",
            "here": f"{worse:,} / {better:,} of {int(ok.sum()):,}",
            "region": "–",
            "england": "ranks are relative: England's deciles stay 10% each",
        }
    ]
