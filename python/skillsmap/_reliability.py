"""Scale reliability (``Survey.reliability``): Cronbach's α with the Feldt
interval, standardised α and McDonald's ω total per competence area (or for
the whole instrument), with item–rest correlations and α-if-item-deleted.

The coefficients, the complete-case covariance and the one-factor
maximum-likelihood fit behind ω are computed by the core
(``skillsmap::scoring::scale_reliability``, GIL released); the Feldt
interval's F quantiles come from scipy.

Reliability is classically unweighted: survey weights describe whom the
respondents represent, not how consistently the items measure one thing,
so the weights are not used here. Each scale uses its complete cases
(respondents who rated every item of the scale), as reliability
coefficients need one covariance matrix.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core
from ._checks import number
from ._provenance import Provenance, attach
from ._wide import check_rating
from .errors import ConfigurationError

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["reliability"]


def reliability(
    survey: Survey,
    level: str | None = "area",
    rating: str = "current",
    *,
    ci: float = 0.95,
    item_stats: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Internal consistency of each competence area as a scale (or of the
    whole instrument), unweighted, on complete cases.

    For a scale of k items with item variances σᵢ², total-score variance
    σ²_X and n complete cases:

    - Cronbach's α = k/(k−1) · (1 − Σσᵢ²/σ²_X) (Cronbach 1951), with the
      Feldt (1965) interval 1 − (1 − α)·F_{1−c/2}, 1 − (1 − α)·F_{c/2}
      (F quantiles with n − 1 and (n − 1)(k − 1) degrees of freedom,
      c = 1 − ``ci``) — as ``pingouin.cronbach_alpha``;
    - standardised α = k·r̄ / (1 + (k − 1)·r̄), r̄ the mean inter-item
      correlation;
    - McDonald's ω total = (Σλ)² / ((Σλ)² + Σψ) with loadings λ and
      uniquenesses ψ of the one-factor maximum-likelihood model of the item
      correlations (McDonald 1999); NaN below three items or with a
      singular correlation matrix. The fit minimises Jöreskog's (1967)
      concentrated discrepancy over ψ bounded below by 0.005 (as R's
      ``factanal``; a Heywood case stops there), by the fixed point
      ψ = 1 − λ(ψ)² accelerated with SQUAREM, finished by projected Newton
      steps where it crawls, to 1e-13. Where the items share little, the
      discrepancy has several local minima (an item alone carrying the
      factor, its ψ on the bound); the fit is restarted on each that may
      be lower and keeps the lowest, so ω is that of the best fit, not of
      the first minimum a descent reaches. A fit that does not converge
      leaves ω NaN with a ``RuntimeWarning``.

    Parameters
    ----------
    level : {"area"} or None
        One scale per competence area, or ``None`` for the whole instrument.
    rating : {"current", "required", "importance", "gap"}
        The rating whose items form the scale.
    ci : float
        Confidence level of the Feldt interval.
    item_stats : bool
        Also return the item table: per item, ``item_rest_r`` (Pearson
        correlation of the item with the sum of the scale's other items)
        and ``alpha_if_deleted``.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        Per scale: ``scale`` (area id, or ``"all"``), ``n_items``, ``n``
        (complete cases), ``alpha``, ``alpha_lo``, ``alpha_hi``,
        ``alpha_std`` and ``omega``. With ``item_stats=True`` also the item
        table (``scale``, ``competence``, ``item_rest_r``,
        ``alpha_if_deleted``). Coefficients are NaN where undefined (fewer
        than two complete cases or items, a constant item).

    See Also
    --------
    Survey.compare : Between-group tests per item.

    Examples
    --------
    >>> import skillsmap as sm
    >>> rel = sm.demo_survey(500, seed=0).reliability()
    >>> rel.columns.tolist()
    ['scale', 'n_items', 'n', 'alpha', 'alpha_lo', 'alpha_hi', 'alpha_std', 'omega']
    >>> bool((rel["alpha_lo"] < rel["alpha"]).all())
    True
    """
    if level not in ("area", None):
        raise ConfigurationError(f"level must be 'area' or None, got {level!r}")
    ci = number("ci", ci)
    if not 0.0 < ci < 1.0:
        raise ConfigurationError(f"ci must lie in (0, 1), got {ci}")
    if not isinstance(item_stats, bool):
        raise ConfigurationError(f"item_stats must be True or False, got {item_stats!r}")
    return _reliability(survey, level, rating, ci, item_stats)


def _reliability(
    survey: Survey, level: str | None, rating: str, ci: float, item_stats: bool
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    from scipy.special import fdtri  # the F quantile function

    names, scales, comp_ids = _scales(survey, level)
    res = _core.reliability(survey._inner, check_rating(survey, rating), scales)
    n = res["n"].astype(np.int64)
    k = res["n_items"].astype(np.int64)
    alpha = res["alpha"]
    # Feldt (1965): F quantiles with n − 1 and (n − 1)(k − 1) df
    df1, df2 = n - 1, (n - 1) * (k - 1)
    ok = ~np.isnan(alpha) & (df1 > 0) & (df2 > 0)
    lo = np.full(len(names), np.nan)
    hi = np.full(len(names), np.nan)
    if ok.any():
        c = 1.0 - ci
        a, d1, d2 = alpha[ok], df1[ok], df2[ok]
        lo[ok] = 1.0 - (1.0 - a) * fdtri(d1, d2, 1.0 - c / 2)
        hi[ok] = 1.0 - (1.0 - a) * fdtri(d1, d2, c / 2)
    table = pd.DataFrame(
        {
            "scale": pd.Series(names, dtype=object),
            "n_items": k,
            "n": n,
            "alpha": alpha,
            "alpha_lo": lo,
            "alpha_hi": hi,
            "alpha_std": res["alpha_std"],
            "omega": res["omega"],
        }
    )
    failed = [s for s, ok in zip(names, res["omega_converged"], strict=True) if not ok]
    if failed:
        warnings.warn(
            f"the one-factor fit behind omega did not converge for {', '.join(map(str, failed))}"
            "; omega is NaN there",
            RuntimeWarning,
            stacklevel=3,
        )
    prov = Provenance(
        kind="reliability",
        framework=survey.framework,
        synthetic=survey.synthetic,
        source=survey.source,
        level=level,
        value=rating,
        ci=ci,
        weights=False,
    )
    attach(table, prov)
    if not item_stats:
        return table
    it = pd.DataFrame(
        {
            "scale": pd.Series(
                np.repeat(np.array(names, dtype=object), [len(c) for c in scales]), dtype=object
            ),
            "competence": pd.Series(comp_ids[np.concatenate(scales)], dtype=object),
            "item_rest_r": res["item_rest_r"],
            "alpha_if_deleted": res["alpha_if_deleted"],
        }
    )
    return table, attach(it, prov.replace(kind="reliability_items"))


def _scales(survey: Survey, level: str | None) -> tuple[list[Any], list[list[int]], np.ndarray]:
    """The scales of ``level``: their names, their competence indices and the
    competence ids, cached on the (immutable) survey."""
    cache = survey._cache("reliability_scales")
    if level not in cache:
        comp = survey.framework.competences
        comp_ids = comp["id"].to_numpy(dtype=object)
        if level == "area":
            area_of = comp["area"].to_numpy(dtype=object)
            names = list(survey.framework.areas["id"])
            scales = [np.flatnonzero(area_of == a).tolist() for a in names]
        else:
            names, scales = ["all"], [list(range(len(comp_ids)))]
        comp_ids.flags.writeable = False
        cache[level] = (names, scales, comp_ids)
    return cache[level]
