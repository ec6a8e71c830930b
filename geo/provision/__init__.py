"""Access to community assets per area: distance, counts and E2SFCA.

Every public function is pure and vectorised: it checks its input, runs one
spatial query (a :class:`scipy.spatial.cKDTree` on coordinate arrays), then
assembles a :class:`pandas.Series` (or a DataFrame of them) indexed like the
areas it was given.  :func:`provision_measures` puts them together for a study
region and says in plain English how they were made.

Conventions
-----------
* Coordinates are metres in British National Grid (EPSG:27700); distances are
  straight lines between an area's point (its population-weighted centroid, or
  a point inside its polygon when that is missing) and each asset's point.
  They are not walking routes: a river or railway can make the walk longer.
* An area's point is ``areas[["point_x", "point_y"]]``; its demand is
  ``areas["population"]``.
* A distance exactly equal to a threshold or catchment counts as within it.
* Nearest distances are ``NaN`` (never ``inf``) when there is no asset to be
  near to, so exports stay valid.

E2SFCA
------
The enhanced two-step floating catchment area method (Luo & Qi 2009) with
catchment radius :math:`d_0` (``catchment_m``), supply :math:`S_j` per asset
(its capacity, or 1) and demand :math:`P_k` per area (its population):

.. math::

    R_j = \\frac{S_j}{\\sum_{k:\\, d_{kj} \\le d_0} P_k\\, W(d_{kj})}, \\qquad
    A_i = \\mathrm{per} \\cdot \\sum_{j:\\, d_{ij} \\le d_0} R_j\\, W(d_{ij})

so :math:`A_i` is supply per ``per`` (1,000) residents.  The decay ``W``:

``"gaussian"`` (default)
    :math:`W(d) = \\exp\\!\\big(-d^2 / (2\\sigma^2)\\big)` for :math:`d \\le d_0`,
    0 beyond, with :math:`\\sigma = d_0 / 2` unless ``sigma_m`` is given.  So
    :math:`W(0) = 1`, :math:`W(d_0/2) = e^{-1/2} \\approx 0.607` and
    :math:`W(d_0) = e^{-2} \\approx 0.135`.  This is exactly PySAL ``access``'s
    ``weights.gaussian(sigma)`` used with ``max_cost=d0`` (it is not the
    variant of Dai (2010) that is rescaled to reach 0 at :math:`d_0`).
``"step"``
    Zone weights, ``steps`` = ``{upper distance (m): weight}``; a distance
    takes the weight of the first upper bound it does not exceed, 0 beyond
    the last (as ``access.weights.step_fn``).  By default Luo & Qi's weights
    over thirds of the catchment: 1.00 up to :math:`d_0/3`, 0.68 up to
    :math:`2d_0/3`, 0.22 up to :math:`d_0`.
``"none"``
    :math:`W = 1` within the catchment: the plain 2SFCA of Luo & Wang (2003).

Two edge cases differ from ``access`` on purpose, and results are otherwise
equal to it (to floating-point rounding):

* an area with no asset within the catchment gets 0 (``access`` leaves it
  out, so it shows as missing);
* an asset whose catchment holds only areas with zero population has no
  demand: its ratio :math:`R_j` is taken as 0, so it adds nothing (``access``
  divides by zero and gives ``inf`` to those areas).

Modules
-------
:mod:`~geo.provision.nearest` (nearest distance, walking minutes),
:mod:`~geo.provision.counts` (counts within distances),
:mod:`~geo.provision.e2sfca` and :mod:`~geo.provision.decay` (E2SFCA),
:mod:`~geo.provision.measures` (all of them for a region, with notes),
:mod:`~geo.provision.coverage` (which categories are known where);
:mod:`~geo.provision.inputs`, :mod:`~geo.provision.checks`,
:mod:`~geo.provision.spatial`, :mod:`~geo.provision.supply` and
:mod:`~geo.provision.notes` hold what those share.
"""

from __future__ import annotations

from geo.provision.checks import DEFAULT_THRESHOLDS, USER_CATEGORY
from geo.provision.counts import counts_within
from geo.provision.coverage import (
    Coverage,
    area_coverage,
    coverage_notice,
    coverage_records,
    mask_uncovered,
    region_coverage,
)
from geo.provision.decay import LUO_QI_STEPS, Decay, decay_weights
from geo.provision.demand import demand_around
from geo.provision.e2sfca import e2sfca
from geo.provision.measures import ProvisionResult, provision_measures
from geo.provision.nearest import nearest_distance, walking_minutes

__all__ = [
    "DEFAULT_THRESHOLDS",
    "LUO_QI_STEPS",
    "USER_CATEGORY",
    "Coverage",
    "Decay",
    "ProvisionResult",
    "area_coverage",
    "counts_within",
    "coverage_notice",
    "coverage_records",
    "decay_weights",
    "demand_around",
    "e2sfca",
    "mask_uncovered",
    "nearest_distance",
    "provision_measures",
    "region_coverage",
    "walking_minutes",
]
