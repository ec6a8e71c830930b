"""What the app's maps and the printed report share, with no map library.

* :mod:`geo.present.palettes` — the colours of every layer;
* :mod:`geo.present.breaks` — class breaks (quantiles) and classing values;
* :mod:`geo.present.classes` — colour, text and legend of each map layer;
* :mod:`geo.present.labels` — names of layers and asset categories;
* :mod:`geo.present.escaping` — HTML escaping that also neutralises what
  templates and script literals would evaluate;
* :mod:`geo.present.geometry` — repairing polygons before simplification,
  reprojection and rounding.

Nothing here imports folium or matplotlib, so the report can use it without
pulling in the web map, and the web map without the report.
"""
