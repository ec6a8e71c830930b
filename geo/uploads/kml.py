"""KML and KMZ uploads: placemarks read with defusedxml, never fetching links.

Only ``Placemark`` geometries in the document itself are read (points,
lines, polygons and multi-geometries); network links and external
references are ignored, so opening a file never reaches the network.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import shapely

from geo.errors import UploadError
from geo.uploads.limits import UploadLimits
from geo.uploads.safety import read_member
from geo.uploads.sniff import Sniffed
from geo.uploads.vectors import Features, _cap


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kml_coords(text: str | None) -> list[tuple[float, float]]:
    out = []
    for token in (text or "").replace("\n", " ").split():
        parts = token.split(",")
        if len(parts) >= 2:
            try:
                out.append((float(parts[0]), float(parts[1])))
            except ValueError:
                continue
    return out


def _kml_geometry(element: Any) -> Any:
    name = _local(element.tag)
    if name == "Point":
        coords = _kml_coords(
            next((e.text for e in element.iter() if _local(e.tag) == "coordinates"), "")
        )
        return shapely.Point(coords[0]) if coords else None
    if name == "LineString":
        coords = _kml_coords(
            next((e.text for e in element.iter() if _local(e.tag) == "coordinates"), "")
        )
        return shapely.LineString(coords) if len(coords) >= 2 else None
    if name == "Polygon":
        shell: list[tuple[float, float]] = []
        holes: list[list[tuple[float, float]]] = []
        for child in element:
            which = _local(child.tag)
            if which not in ("outerBoundaryIs", "innerBoundaryIs"):
                continue
            ring = _kml_coords(
                next((e.text for e in child.iter() if _local(e.tag) == "coordinates"), "")
            )
            if which == "outerBoundaryIs":
                shell = ring
            elif len(ring) >= 4:
                holes.append(ring)
        return shapely.Polygon(shell, holes) if len(shell) >= 4 else None
    if name == "MultiGeometry":
        parts = [g for g in (_kml_geometry(child) for child in element) if g is not None]
        return shapely.GeometryCollection(parts) if parts else None
    return None


_KML_GEOMETRIES = {"Point", "LineString", "Polygon", "MultiGeometry", "LinearRing"}


def read_kml(data: bytes, sniffed: Sniffed, limits: UploadLimits) -> Features:
    """Placemarks of a KML document (or of the first ``.kml`` in a KMZ)."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    notes: list[str] = []
    if sniffed.format == "kmz":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".kml")]
        members.sort(key=lambda m: (m.filename.lower() != "doc.kml", m.filename))
        data = read_member(data, members[0], limits)
        if len(members) > 1:
            notes.append(
                f"The KMZ holds {len(members)} KML files; {members[0].filename!r} was read."
            )
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UploadError(
            f"The KML declares a DTD or entities ({type(exc).__name__}), which are refused."
        ) from None
    except Exception as exc:  # ParseError and friends
        raise UploadError(f"The KML is not well-formed XML ({str(exc)[:160]}).") from None
    if _local(root.tag).lower() != "kml":
        raise UploadError("The XML file's root element is not <kml>.")
    links = sum(1 for e in root.iter() if _local(e.tag) == "NetworkLink")
    if links:
        notes.append(f"The KML has {links} network link(s); they were not followed.")
    placemarks = [e for e in root.iter() if _local(e.tag) == "Placemark"]
    _cap(len(placemarks), limits)
    rows: list[dict[str, Any]] = []
    geometries: list[Any] = []
    for placemark in placemarks:
        row: dict[str, Any] = {}
        geometry = None
        for child in placemark:
            tag = _local(child.tag)
            if tag in ("name", "description", "address", "phoneNumber"):
                row[tag] = (child.text or "").strip()
            elif tag == "ExtendedData":
                for item in child.iter():
                    item_tag = _local(item.tag)
                    if item_tag == "Data" and item.get("name"):
                        value = next((v.text for v in item if _local(v.tag) == "value"), "")
                        row[str(item.get("name"))] = (value or "").strip()
                    elif item_tag == "SimpleData" and item.get("name"):
                        row[str(item.get("name"))] = (item.text or "").strip()
            elif tag in _KML_GEOMETRIES and geometry is None:
                try:
                    geometry = _kml_geometry(child)
                except Exception:  # malformed rings and the like
                    geometry = "unreadable"
        rows.append(row)
        geometries.append(geometry)
    return Features.from_records(
        rows, geometries, "EPSG:4326", "KML is always lon/lat (WGS84)", notes
    )
