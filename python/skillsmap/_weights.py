"""Respondent weights that reproduce population margins:
raking by iterative proportional fitting (``Survey.rake``) and
post-stratification on full cross-classified cells
(``Survey.post_stratify``).

Both start from the survey's weights when it has them (design weights),
else from 1, and return a new survey whose weights the weighted statistics
(:meth:`Survey.gaps` and everything built on it) then use; the old survey
is unchanged. Each adjustment is a few ``numpy.bincount`` calls over the
respondents per margin and iteration.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._checks import count, number
from ._wide import group_codes
from .errors import ConfigurationError, ConvergenceError, UnknownNameError

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["Weighting", "post_stratify", "rake"]


@dataclass(frozen=True)
class Weighting:
    """How a survey's weights were made (``survey.weighting``).

    Attributes
    ----------
    method : {"rake", "post_stratify"}
    keys : tuple of str
        The margins (raking) or the cell keys (post-stratification).
    iterations : int
        Full raking cycles made (1 for post-stratification).
    converged : bool
        Every margin met within ``tol``.
    max_deviation : float
        The largest relative difference |Σw − total| / total over margin
        categories at the end.
    design_effect : float
        Kish's design effect of unequal weights, n·Σw² / (Σw)².
    n_eff : float
        Kish's effective sample size (Σw)² / Σw² = n / design effect.
    trimmed : int
        Respondents whose adjustment factor ended at a bound.
    """

    method: str
    keys: tuple[str, ...]
    iterations: int
    converged: bool
    max_deviation: float
    design_effect: float
    n_eff: float
    trimmed: int = 0

    def _repr_html_(self) -> str:
        state = "converged" if self.converged else "<b>not converged</b>"
        return (
            f"<p><b>Weighting</b> by {html.escape(self.method)} on "
            f"{html.escape(', '.join(self.keys))}: {state} after {self.iterations} "
            f"iteration{'s' if self.iterations != 1 else ''} (largest margin deviation "
            f"{self.max_deviation:.2g}); design effect {self.design_effect:.3f}, "
            f"effective n {self.n_eff:.1f}"
            + (f", {self.trimmed} respondents trimmed" if self.trimmed else "")
            + "</p>"
        )


def _base_weights(survey: Survey) -> np.ndarray:
    """The respondents' weights (ones without), read-only, cached on the
    (immutable) survey."""
    cache = survey._cache("base_weights")
    if "w" not in cache:
        cols = survey._inner.respondent_columns()
        if "weight" in cols:
            w = np.asarray(cols["weight"], dtype=np.float64).copy()
        else:
            w = np.ones(survey.n_respondents)
        w.flags.writeable = False
        cache["w"] = w
    return cache["w"]


def _check_key(survey: Survey, key: Any) -> str:
    """``key`` if a margin or cell can name it, else a clear error."""
    if not isinstance(key, str):
        raise ConfigurationError(f"margin keys must be column names, got {key!r}")
    known = _respondent_keys(survey)
    if key not in known:
        raise UnknownNameError(f"{key!r} is not a respondent key; known: {', '.join(known)}")
    return key


def _key_column(survey: Survey, key: Any, resp: pd.DataFrame) -> pd.Series:
    return resp[_check_key(survey, key)]


def _totals(name: str, spec: Any) -> dict[Any, float]:
    if isinstance(spec, pd.Series):
        spec = spec.to_dict()
    if not isinstance(spec, Mapping) or not spec:
        raise ConfigurationError(
            f"the margin of {name!r} must be a non-empty mapping category → population total"
        )
    out = {}
    for cat, tot in spec.items():
        t = number(f"the total of {name}={cat!r}", tot)
        if not (np.isfinite(t) and t >= 0):
            raise ConfigurationError(
                f"the total of {name}={cat!r} must be finite and non-negative, got {tot!r}"
            )
        out[cat] = t
    return out


def _margin_codes(survey: Survey, key: Any, cats: list[Any], base: np.ndarray) -> np.ndarray:
    """Positions of the respondents' values of ``key`` in ``cats`` (−1 for
    none), from the survey's cached group codes: one lookup per distinct
    value, not per respondent. Every respondent with a positive weight
    needs one."""
    g, groups, _ = group_codes(survey, _check_key(survey, key))
    # each group's position in cats, then (at g = −1) that of a category
    # given for missing values (None or NaN), which takes them, else −1
    missing = next((i for i, c in enumerate(cats) if _is_missing(c)), -1)
    pos = np.append(pd.Index(cats).get_indexer(pd.Index(groups, dtype=object)), missing)
    codes = pos[g]
    lost = (codes < 0) & (base > 0)
    if lost.any():
        lost_g = pd.unique(g[lost])
        values = ["<missing>" if c < 0 else groups[c] for c in lost_g]
        shown = ", ".join(repr(v) for v in values[:5])
        raise ConfigurationError(
            f"rake: respondents with {key} = {shown} have no population total; "
            "give every category the respondents have"
        )
    return codes


def _respondent_keys(survey: Survey) -> list[str]:
    """The keys a margin can name, cached on the (immutable) survey."""
    cache = survey._cache("respondent_keys")
    if "keys" not in cache:
        attrs = [a[0] for a in survey._inner.respondent_columns()["attributes"]]
        cache["keys"] = ["region", "stakeholder_type", "sector", *attrs]
    return list(cache["keys"])


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _design(w: np.ndarray) -> tuple[float, float]:
    s, s2 = w.sum(), (w * w).sum()
    n_eff = float(s * s / s2)
    return float(w.size * s2 / (s * s)), n_eff


def _check_bounds(bounds: Any) -> tuple[float, float] | None:
    if bounds is None:
        return None
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"bounds must be (lower, upper) limits of the weight adjustment, got {bounds!r}"
        ) from None
    lo, hi = number("bounds[0]", lo), number("bounds[1]", hi)
    if not (0 <= lo <= 1 <= hi):
        raise ConfigurationError(f"bounds must satisfy 0 ≤ lower ≤ 1 ≤ upper, got {bounds!r}")
    return lo, hi


def rake(
    survey: Survey,
    margins: Mapping[str, Mapping[Any, float]],
    *,
    max_iter: int = 100,
    tol: float = 1e-10,
    bounds: tuple[float, float] | None = None,
) -> Survey:
    """Rake the respondent weights to population margins by iterative
    proportional fitting (Deming & Stephan 1940).

    Starting from the survey's weights (or 1), each cycle adjusts the
    weights to every margin in turn: wᵣ ← wᵣ · Tₖ / Σ_{s∈k} w_s for the
    category k of respondent r, T its population total. Cycles stop when
    every margin is met, ``max |Σw − T| / T < tol``. With ``bounds`` =
    (L, U) the adjustment wᵣ / w⁰ᵣ is kept within [L, U] after each step
    (trimming; the margins are then met only if the bounds allow it).

    Parameters
    ----------
    margins : mapping
        Per respondent key (``"region"``, ``"stakeholder_type"``,
        ``"sector"`` or an attribute), a mapping category → population
        total, e.g. ``{"region": {"ES22": 410, …}, "stakeholder_type":
        {"coop": 900, …}}``. Every margin must have the same grand total,
        and every category respondents have must be given.
    max_iter : int
        The most cycles made.
    tol : float
        Convergence tolerance on the relative margin deviation.
    bounds : (float, float), optional
        Lower and upper limits of the adjustment factor, 0 ≤ L ≤ 1 ≤ U.

    Returns
    -------
    Survey
        A new survey with the raked weights; its :attr:`Survey.weighting`
        records iterations, convergence, the largest margin deviation and
        Kish's design effect n·Σw²/(Σw)².

    Raises
    ------
    ConfigurationError
        A margin that cannot be met: a category with a positive total but
        no respondent (or only weight 0), a category of respondents
        without a total, margins with different grand totals.
    ConvergenceError
        The margins are not met within ``max_iter`` cycles (e.g. bounds
        too tight).

    See Also
    --------
    Survey.post_stratify : Weights on full cross-classified cells.
    Survey.weighting : How the weights were made.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(500, seed=0)
    >>> pop = {"ES22": 100, "ES62": 150, "FRI": 300, "SI032": 80, "FI1D7": 70, "ITH5": 300}
    >>> size = {"micro": 600, "small": 300, "medium": 70, "large": 30}
    >>> r = s.rake({"region": pop, "organisation_size": size})
    >>> r.weighting.converged
    True
    >>> w = r.respondents.groupby("region")["weight"].sum()
    >>> round(float(w["FRI"]), 6)
    300.0
    """
    if not isinstance(margins, Mapping) or not margins:
        raise ConfigurationError("margins must be a non-empty mapping key → {category: total}")
    max_iter = count("max_iter", max_iter, 1)
    tol = number("tol", tol)
    if not tol > 0:
        raise ConfigurationError(f"tol must be positive, got {tol}")
    lim = _check_bounds(bounds)
    base = _base_weights(survey)
    parts = []
    grand = None
    for key, spec in margins.items():
        totals = _totals(key, spec)
        cats = list(totals)
        codes = _margin_codes(survey, key, cats, base)
        t = np.array([totals[c] for c in cats])
        have = np.bincount(codes[codes >= 0], weights=base[codes >= 0], minlength=len(cats))
        empty = (t > 0) & (have <= 0)
        if empty.any():
            raise ConfigurationError(
                f"rake: the margin {key}={cats[int(np.flatnonzero(empty)[0])]!r} has a "
                "population total but no respondent with a positive weight: it cannot be met"
            )
        s = float(t.sum())
        if grand is None:
            grand = (key, s)
        elif not np.isclose(s, grand[1], rtol=1e-9, atol=0.0):
            raise ConfigurationError(
                f"rake: inconsistent margins: the totals of {grand[0]!r} sum to {grand[1]:g} "
                f"but those of {key!r} to {s:g}"
            )
        parts.append((key, np.where(codes < 0, 0, codes), t, codes >= 0))
    w = base.copy()
    deviation = np.inf
    it = 0
    while it < max_iter:
        it += 1
        for _, codes, t, ok in parts:
            have = np.bincount(codes, weights=w * ok, minlength=t.size)
            factor = np.divide(t, have, out=np.zeros_like(t), where=have > 0)
            w = w * np.where(ok, factor[codes], 1.0)
            if lim is not None:
                w = np.clip(w, base * lim[0], base * lim[1])
        deviation = _max_deviation(w, parts)
        if deviation < tol:
            break
    converged = bool(deviation < tol)
    if not converged:
        raise ConvergenceError(
            f"rake did not meet the margins in {max_iter} cycles "
            f"(largest relative deviation {deviation:.3g} ≥ tol {tol:g})"
            + ("; the bounds may be too tight" if lim is not None else "")
        )
    trimmed = 0
    if lim is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = w / base
        trimmed = int(np.sum(np.isclose(ratio, lim[0]) | np.isclose(ratio, lim[1])))
    deff, n_eff = _design(w)
    info = Weighting("rake", tuple(margins), it, converged, float(deviation), deff, n_eff, trimmed)
    return survey._with_weights(w, info)


def _max_deviation(w: np.ndarray, parts: list[Any]) -> float:
    worst = 0.0
    for _, codes, t, ok in parts:
        have = np.bincount(codes, weights=w * ok, minlength=t.size)
        pos = t > 0
        if pos.any():
            worst = max(worst, float(np.max(np.abs(have[pos] - t[pos]) / t[pos])))
    return worst


def post_stratify(
    survey: Survey, cells: pd.DataFrame | Mapping[Any, float], *, by: Any = None
) -> Survey:
    """Post-stratify the respondent weights to population totals of full
    cross-classified cells: wᵣ ← wᵣ · T_c / Σ_{s∈c} w_s for the cell c of
    respondent r.

    Parameters
    ----------
    cells : DataFrame or mapping
        A table with one column per key and a ``total`` column (the keys
        are its other columns), or a mapping cell → total with ``by``
        naming the key(s): ``{"ES22": 410, …}`` with ``by="region"``, or
        ``{("ES22", "micro"): 120, …}`` with ``by=["region",
        "organisation_size"]``.
    by : str or list of str, optional
        The keys of a mapping.

    Returns
    -------
    Survey
        A new survey with the post-stratified weights and its
        :attr:`Survey.weighting`.

    Raises
    ------
    ConfigurationError
        A cell with a positive total and no respondent, respondents in a
        cell without a total, a malformed table.

    See Also
    --------
    Survey.rake : Weights from margins only (IPF).
    Survey.weighting : How the weights were made.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(300, seed=0)
    >>> cells = s.respondents.groupby(["region", "organisation_size"]).size().rename("total")
    >>> ps = s.post_stratify(cells.reset_index().assign(total=lambda d: d["total"] * 10))
    >>> round(float(ps.respondents["weight"].sum()), 6)
    3000.0
    """
    if isinstance(cells, pd.DataFrame):
        if "total" not in cells.columns or len(cells.columns) < 2:
            raise ConfigurationError(
                "cells must have the key columns and a 'total' column, "
                f"got columns {list(cells.columns)}"
            )
        keys = [c for c in cells.columns if c != "total"]
        rows = [tuple(r) for r in cells[keys].itertuples(index=False, name=None)]
        totals = list(cells["total"])
    elif isinstance(cells, Mapping) and cells:
        if by is None:
            raise ConfigurationError("by must name the keys of the cells mapping")
        keys = [by] if isinstance(by, str) else list(by)
        rows = [k if isinstance(k, tuple) else (k,) for k in cells]
        totals = list(cells.values())
        if any(len(r) != len(keys) for r in rows):
            raise ConfigurationError(f"every cell must name one value per key of by={keys!r}")
    else:
        raise ConfigurationError("cells must be a DataFrame or a non-empty mapping")
    if len(set(rows)) != len(rows):
        raise ConfigurationError("post_stratify: a cell is given twice")
    resp = survey.respondents
    cols = [_key_column(survey, k, resp) for k in keys]
    t = np.array([_totals("cell", {r: v})[r] for r, v in zip(rows, totals, strict=True)])
    lookup = pd.MultiIndex.from_tuples(rows) if len(keys) > 1 else pd.Index([r[0] for r in rows])
    if len(keys) > 1:
        have_keys = pd.MultiIndex.from_arrays([c.to_numpy(dtype=object) for c in cols])
    else:
        have_keys = pd.Index(cols[0].to_numpy(dtype=object))
    codes = lookup.get_indexer(have_keys)
    base = _base_weights(survey)
    lost = (codes < 0) & (base > 0)
    if lost.any():
        r = int(np.flatnonzero(lost)[0])
        cell = tuple(c.iloc[r] for c in cols)
        raise ConfigurationError(
            f"post_stratify: respondents in cell {dict(zip(keys, cell, strict=True))} "
            "have no population total"
        )
    ok = codes >= 0
    c0 = np.where(ok, codes, 0)
    have = np.bincount(c0, weights=base * ok, minlength=t.size)
    empty = (t > 0) & (have <= 0)
    if empty.any():
        cell = rows[int(np.flatnonzero(empty)[0])]
        raise ConfigurationError(
            f"post_stratify: the cell {dict(zip(keys, cell, strict=True))} has a population "
            "total but no respondent with a positive weight: it cannot be met"
        )
    factor = np.divide(t, have, out=np.zeros_like(t), where=have > 0)
    w = base * np.where(ok, factor[c0], 1.0)
    deff, n_eff = _design(w)
    info = Weighting("post_stratify", tuple(keys), 1, True, 0.0, deff, n_eff)
    return survey._with_weights(w, info)
