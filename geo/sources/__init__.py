"""Readers for the datasets Belonging Atlas is built from.

One module per family of sources.  The community-asset readers
(:mod:`geo.sources.osm`, :mod:`geo.sources.registers`) all return the standard
asset frame described in :mod:`geo.sources.assetfiles`, with categories from
:mod:`geo.sources.taxonomy`.
"""
