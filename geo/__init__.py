"""Belonging Atlas: where loneliness risk is high and community provision is thin.

The library never imports streamlit; the app (``app.py``, ``pages/``) and the
command line (``python -m geo``) call the same functions.
"""

from __future__ import annotations

import logging

from geo.uploads.hardening import harden_gdal

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

harden_gdal()  # before GDAL (pyogrio) is first imported: see geo/uploads/hardening.py
