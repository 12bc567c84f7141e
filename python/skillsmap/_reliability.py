"""Scale reliability (``Survey.reliability``): Cronbach's α with the Feldt
interval, standardised α and McDonald's ω total per competence area (or for
the whole instrument), with item–rest correlations and α-if-item-deleted.

Reliability is classically unweighted: survey weights describe whom the
respondents represent, not how consistently the items measure one thing,
so the weights are not used here. Each scale uses its complete cases
(respondents who rated every item of the scale), as reliability
coefficients need one covariance matrix.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._checks import number
from ._provenance import Provenance, attach
from ._wide import rating_matrix
from .errors import ConfigurationError

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["cronbach_alpha", "omega_total", "reliability"]


def cronbach_alpha(cov: np.ndarray) -> float:
    """Cronbach's α of a covariance matrix: k/(k−1)·(1 − Σσᵢ²/σ²_total)."""
    k = cov.shape[0]
    total = cov.sum()
    if k < 2 or not total > 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total))


def _standardised(cov: np.ndarray) -> float:
    k = cov.shape[0]
    sd = np.sqrt(np.diag(cov))
    if k < 2 or not np.all(sd > 0):
        return float("nan")
    r = cov / np.outer(sd, sd)
    rbar = (r.sum() - k) / (k * (k - 1))
    return float(k * rbar / (1 + (k - 1) * rbar))


def _one_factor_ml(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loadings λ and uniquenesses ψ of the one-factor maximum-likelihood
    model of a correlation matrix.

    Minimises Jöreskog's (1967) concentrated discrepancy
    F(ψ) = Σ_{m≥2} (θₘ − ln θₘ − 1) over ψ, θ the eigenvalues of
    Ψ^{-1/2} R Ψ^{-1/2}, with its analytic gradient
    ∂F/∂ψᵢ = (λλᵀ + Ψ − R)ᵢᵢ / ψᵢ², ψ bounded below by 0.005 as R's
    ``factanal`` does (a Heywood case stops there).
    """
    from scipy.optimize import minimize

    p = r.shape[0]

    def parts(psi: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        s = 1.0 / np.sqrt(psi)
        theta, vec = np.linalg.eigh(r * np.outer(s, s))
        lam = np.sqrt(psi) * vec[:, -1] * np.sqrt(max(theta[-1] - 1.0, 0.0))
        rest = theta[:-1]
        f = float(np.sum(rest - np.log(rest) - 1.0))
        grad = (lam**2 + psi - 1.0) / psi**2
        return f, grad, lam

    inv = np.linalg.inv(r)
    start = np.clip((1.0 - 0.5 * 1.0 / p) / np.diag(inv), 0.005, 1.0)
    res = minimize(
        lambda x: parts(x)[:2],
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * p,
        options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 2000},
    )
    _, _, lam = parts(res.x)
    lam = lam if lam.sum() >= 0 else -lam
    return lam, 1.0 - lam**2


def omega_total(cov: np.ndarray) -> float:
    """McDonald's ω total of a covariance matrix: (Σλ)² / ((Σλ)² + Σψ) with
    λ, ψ the one-factor ML solution of its correlation matrix."""
    k = cov.shape[0]
    sd = np.sqrt(np.diag(cov))
    if k < 3 or not np.all(sd > 0):
        # one factor is not identified with fewer than three items
        return float("nan")
    r = cov / np.outer(sd, sd)
    if np.linalg.matrix_rank(r) < k:
        return float("nan")
    lam, psi = _one_factor_ml(r)
    s = lam.sum() ** 2
    return float(s / (s + psi.sum()))


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
      correlations (McDonald 1999); NaN below three items.

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
    with _one_blas_thread():
        return _reliability(survey, level, rating, ci, item_stats)


def _one_blas_thread() -> Any:
    """BLAS limited to one thread while the small matrices of the scales are
    decomposed: on matrices of a few dozen items threads only add
    synchronisation (on a busy machine, 20× the time), and one thread makes
    the result independent of the BLAS thread count. A no-op without
    threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is in the stats extra
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _reliability(
    survey: Survey, level: str | None, rating: str, ci: float, item_stats: bool
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    from scipy.stats import f as f_dist

    x = rating_matrix(survey, rating)
    comp = survey.framework.competences
    comp_ids = comp["id"].to_numpy(dtype=object)
    if level == "area":
        scales = [
            (a, np.flatnonzero(comp["area"].to_numpy(dtype=object) == a))
            for a in survey.framework.areas["id"]
        ]
    else:
        scales = [("all", np.arange(len(comp_ids)))]
    rows = []
    items: list[dict[str, Any]] = []
    for name, cols in scales:
        sub = x[:, cols]
        sub = sub[~np.isnan(sub).any(axis=1)]
        n, k = sub.shape
        row: dict[str, Any] = {"scale": name, "n_items": k, "n": n}
        cov = np.cov(sub, rowvar=False, ddof=1).reshape(k, k) if n >= 2 else None
        if cov is None:
            alpha = alpha_std = omega = lo = hi = float("nan")
        else:
            alpha = cronbach_alpha(cov)
            alpha_std = _standardised(cov)
            omega = omega_total(cov)
            df1, df2 = n - 1, (n - 1) * (k - 1)
            if np.isnan(alpha) or df2 <= 0:
                lo = hi = float("nan")
            else:
                c = 1.0 - ci
                lo = 1.0 - (1.0 - alpha) * float(f_dist.ppf(1.0 - c / 2, df1, df2))
                hi = 1.0 - (1.0 - alpha) * float(f_dist.ppf(c / 2, df1, df2))
        row.update(alpha=alpha, alpha_lo=lo, alpha_hi=hi, alpha_std=alpha_std, omega=omega)
        rows.append(row)
        if item_stats:
            items.extend(_item_rows(name, comp_ids[cols], cov, k))
    table = pd.DataFrame(
        rows,
        columns=["scale", "n_items", "n", "alpha", "alpha_lo", "alpha_hi", "alpha_std", "omega"],
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
    it = pd.DataFrame(items, columns=["scale", "competence", "item_rest_r", "alpha_if_deleted"])
    return table, attach(it, prov.replace(kind="reliability_items"))


def _item_rows(name: str, ids: np.ndarray, cov: np.ndarray | None, k: int) -> list[dict[str, Any]]:
    if cov is None:
        return [
            {"scale": name, "competence": c, "item_rest_r": np.nan, "alpha_if_deleted": np.nan}
            for c in ids
        ]
    total = cov.sum()
    diag = np.diag(cov)
    row_sums = cov.sum(axis=1)
    rest_var = total - 2.0 * row_sums + diag
    cov_rest = row_sums - diag
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov_rest / np.sqrt(diag * rest_var)
        if k >= 3:
            aid = (k - 1) / (k - 2) * (1.0 - (np.trace(cov) - diag) / rest_var)
        else:
            aid = np.full(k, np.nan)
    r = np.where((diag > 0) & (rest_var > 0), r, np.nan)
    aid = np.where(rest_var > 0, aid, np.nan)
    return [
        {"scale": name, "competence": c, "item_rest_r": float(a), "alpha_if_deleted": float(b)}
        for c, a, b in zip(ids, r, aid, strict=True)
    ]
