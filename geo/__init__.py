"""Belonging Atlas: where loneliness risk is high and community provision is thin.

The library never imports streamlit; the app (``app.py``, ``pages/``) and the
command line (``python -m geo``) call the same functions.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
