"""Multiplicity control: p-values adjusted for the number of tests made
together (``sm.p_adjust`` and the ``p_adjust=`` option of the tests).

Bonferroni and Holm (1979) control the family-wise error rate; Benjamini &
Hochberg (1995) the false discovery rate. Missing p-values (a test that
could not be made) stay missing and do not count as tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ConfigurationError

__all__ = ["P_ADJUST_METHODS", "p_adjust"]

#: The methods :func:`p_adjust` knows.
P_ADJUST_METHODS = ("none", "bonferroni", "holm", "fdr_bh")


def check_method(method: Any, name: str = "p_adjust") -> str:
    """``method`` as one of :data:`P_ADJUST_METHODS` (None is ``"none"``)."""
    if method is None:
        return "none"
    if not isinstance(method, str) or method not in P_ADJUST_METHODS:
        raise ConfigurationError(
            f"{name} must be one of {', '.join(P_ADJUST_METHODS)}, got {method!r}"
        )
    return method


def p_adjust(p: Any, method: str = "holm") -> np.ndarray:
    """P-values adjusted for multiple testing.

    With m the number of non-missing p-values and p₍₁₎ ≤ … ≤ p₍ₘ₎ their
    order:

    - ``"bonferroni"``: min(1, m·p);
    - ``"holm"`` (Holm 1979): p̃₍ᵢ₎ = max_{k≤i} min(1, (m − k + 1)·p₍ₖ₎);
    - ``"fdr_bh"`` (Benjamini & Hochberg 1995): p̃₍ᵢ₎ = min_{k≥i} min(1, m·p₍ₖ₎/k);
    - ``"none"``: the p-values unchanged.

    These are the adjusted p-values of
    ``statsmodels.stats.multitest.multipletests(p, method=…)``; reject a
    hypothesis at level α when its adjusted p-value is below α.

    Parameters
    ----------
    p : array-like of float
        P-values in [0, 1]; NaN marks a test that was not made (it stays
        NaN and is not counted in m).
    method : {"holm", "bonferroni", "fdr_bh", "none"}

    Returns
    -------
    numpy.ndarray
        The adjusted p-values, in the order given.

    Raises
    ------
    ConfigurationError
        For an unknown method, or p-values outside [0, 1].

    See Also
    --------
    Survey.compare : Adjusts over the items tested.
    Survey.paired_test : ``p_adjust=`` adjusts over groups × items.

    Examples
    --------
    >>> import skillsmap as sm
    >>> sm.p_adjust([0.01, 0.04, 0.03], "holm").round(4).tolist()
    [0.03, 0.06, 0.06]
    >>> sm.p_adjust([0.01, 0.04, 0.03], "fdr_bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    """
    method = check_method(method, "method")
    try:
        p = np.array(p, dtype=np.float64).ravel()
    except (TypeError, ValueError) as err:
        raise ConfigurationError(f"p must be an array of numbers: {err}") from None
    ok = ~np.isnan(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        bad = p[ok][(p[ok] < 0) | (p[ok] > 1)][0]
        raise ConfigurationError(f"p-values must lie in [0, 1], got {bad}")
    out = np.full_like(p, np.nan)
    q = p[ok]
    m = q.size
    if method == "none" or m == 0:
        out[ok] = q
        return out
    if method == "bonferroni":
        out[ok] = np.minimum(q * m, 1.0)
        return out
    order = np.argsort(q, kind="stable")
    s = q[order]
    k = np.arange(1, m + 1, dtype=np.float64)
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum((m - k + 1) * s, 1.0))
    else:  # fdr_bh
        adj = np.minimum.accumulate((m * s / k)[::-1])[::-1]
        adj = np.minimum(adj, 1.0)
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def p_adjust_within(p: np.ndarray, family: np.ndarray, method: str) -> np.ndarray:
    """:func:`p_adjust` applied separately within each family (equal codes
    of ``family``), e.g. the pairs of one competence."""
    out = np.full(p.shape, np.nan)
    if p.size == 0:
        return out
    order = np.argsort(family, kind="stable")
    f = family[order]
    starts = np.flatnonzero(np.r_[True, f[1:] != f[:-1]])
    ends = np.r_[starts[1:], f.size]
    for a, b in zip(starts, ends, strict=True):
        idx = order[a:b]
        out[idx] = p_adjust(p[idx], method)
    return out
