"""Do groups differ? Between-group tests per competence or area
(``Survey.compare``: Kruskal–Wallis, one-way ANOVA, Welch's ANOVA) and
Dunn's pairwise post-hoc test (``Survey.posthoc``), with multiplicity
control over the items tested.

All items are tested at once: the rank sums of every item come from one
call of the core's kernel (parallel over items, the same result whatever
the thread count; integer-valued ratings such as Likert levels and their
differences are ranked by counting values, others by sorting), and the
group moments of the F tests from a few ``numpy.bincount`` calls, with no
Python loop over items or groups.

The tests are unweighted, as they are classically defined (ranks and
group means of the respondents who answered); survey weights are not used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core
from ._multitest import check_method, p_adjust_within
from ._multitest import p_adjust as adjust_p
from ._provenance import Provenance, attach
from ._wide import area_means, check_rating, group_codes, rating_matrix
from .errors import ConfigurationError, UnknownNameError

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["compare", "posthoc"]

_TESTS = ("kruskal", "anova", "welch")


def _items(survey: Survey, level: str, value: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    if level not in ("competence", "area"):
        raise ConfigurationError(f"level must be 'competence' or 'area', got {level!r}")
    x = rating_matrix(survey, value, "value")
    if level == "area":
        x = area_means(survey, x)
    return x, survey._item_ids(level)


def _sums(res: dict[str, Any], n_groups: int) -> dict[str, np.ndarray]:
    r = res["rank_sum"].reshape(n_groups, -1)
    n = res["count"].reshape(n_groups, -1)
    return {"R": r, "n": n, "N": n.sum(axis=0), "T": res["ties"]}


def item_rank_sums(
    survey: Survey, level: str, value: str, g: np.ndarray, n_groups: int
) -> dict[str, np.ndarray]:
    """:func:`rank_sums` of the survey's items: at competence level with
    whole-number values straight from the answers (one pass in the core),
    else from the rating matrix."""
    if level == "competence":
        check_rating(survey, value, "value")
        res = _core.rating_rank_sums(
            survey._inner, value, np.ascontiguousarray(g, dtype=np.int64), n_groups=n_groups
        )
        if res is not None:
            return _sums(res, n_groups)
    x, _ = _items(survey, level, value)
    return rank_sums(x, g, n_groups)


def rank_sums(x: np.ndarray, g: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """Per item (column of ``x``), the midranks of the answered values among
    respondents with a group (``g >= 0``), summed per group — the core's
    kernel, in parallel over items (``skillsmap.scoring::rank_sums``).

    Returns ``R`` and ``n`` (groups × items: rank sums and counts), ``N``
    (answers per item) and ``T`` (Σ(t³ − t) over tied values per item).
    """
    res = _core.rank_sums(
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(g, dtype=np.int64),
        n_groups=n_groups,
    )
    return _sums(res, n_groups)


def kruskal(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Kruskal–Wallis H (tie-corrected), df, p and ε² of every item, from
    its :func:`rank_sums`."""
    from scipy.stats import chi2

    r, n, big_n, tie = s["R"], s["n"], s["N"], s["T"]
    with np.errstate(invalid="ignore", divide="ignore"):
        ssr = np.where(n > 0, r**2 / np.where(n > 0, n, 1.0), 0.0).sum(axis=0)
        h = 12.0 / (big_n * (big_n + 1)) * ssr - 3.0 * (big_n + 1)
        h = h / (1.0 - tie / (big_n**3 - big_n))
        k = (n > 0).sum(axis=0)
        df = (k - 1).astype(np.float64)
        bad = (k < 2) | ~np.isfinite(h)
        h = np.where(bad, np.nan, h)
        df = np.where(k < 2, np.nan, df)
        p = chi2.sf(h, df)
        eps2 = h / (big_n - 1)
    return {"statistic": h, "df": df, "p_value": p, "epsilon2": eps2, "n": n}


def _moments(x: np.ndarray, g: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    n_items = x.shape[1]
    valid = ~np.isnan(x) & (g >= 0)[:, None]
    rows, cols = np.nonzero(valid)
    v = x[rows, cols]
    cell = g[rows] * n_items + cols
    size = n_groups * n_items
    n = np.bincount(cell, minlength=size).reshape(n_groups, n_items).astype(np.float64)
    s = np.bincount(cell, weights=v, minlength=size).reshape(n_groups, n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n
    # second pass on deviations, for accuracy
    dev = v - mean.ravel()[cell]
    ss = np.bincount(cell, weights=dev * dev, minlength=size).reshape(n_groups, n_items)
    return n, mean, ss


def anova(x: np.ndarray, g: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """One-way ANOVA F, df, p and η² of every item."""
    from scipy.stats import f as f_dist

    n, mean, ss = _moments(x, g, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        big_n = n.sum(axis=0)
        grand = np.nansum(np.where(n > 0, mean * n, 0.0), axis=0) / big_n
        ssb = np.where(n > 0, n * (np.where(n > 0, mean, 0.0) - grand) ** 2, 0.0).sum(axis=0)
        ssw = ss.sum(axis=0)
        k = (n > 0).sum(axis=0).astype(np.float64)
        df1, df2 = k - 1, big_n - k
        f = (ssb / df1) / (ssw / df2)
        bad = (k < 2) | (df2 < 1)
        f = np.where(bad, np.nan, f)
        p = f_dist.sf(f, df1, df2)
        eta2 = ssb / (ssb + ssw)
    return {"statistic": f, "df": df1, "df2": df2, "p_value": p, "eta2": eta2, "n": n}


def welch(x: np.ndarray, g: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """Welch's heteroscedastic one-way ANOVA F, df, df2, p and η² of every
    item (NaN where a group has fewer than two answers or no variance)."""
    from scipy.stats import f as f_dist

    n, mean, ss = _moments(x, g, n_groups)
    present = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        var = ss / (n - 1)
        w = np.where(present, n / var, 0.0)
        sw = w.sum(axis=0)
        mw = np.where(present, w * np.where(present, mean, 0.0), 0.0).sum(axis=0) / sw
        k = present.sum(axis=0).astype(np.float64)
        a = np.where(present, w * (np.where(present, mean, 0.0) - mw) ** 2, 0.0).sum(axis=0)
        a = a / (k - 1)
        lam = np.where(present, (1.0 - w / sw) ** 2 / (n - 1), 0.0).sum(axis=0)
        lam = 3.0 * lam / (k**2 - 1)
        f = a / (1.0 + 2.0 * lam * (k - 2) / 3.0)
        df2 = 1.0 / lam
        bad = (k < 2) | np.any(present & ~((n >= 2) & (var > 0)), axis=0)
        f = np.where(bad, np.nan, f)
        df2 = np.where(bad, np.nan, df2)
        p = f_dist.sf(f, k - 1, df2)
        big_n = n.sum(axis=0)
        grand = np.where(present, n * np.where(present, mean, 0.0), 0.0).sum(axis=0) / big_n
        ssb = np.where(present, n * (np.where(present, mean, 0.0) - grand) ** 2, 0.0).sum(axis=0)
        eta2 = ssb / (ssb + ss.sum(axis=0))
    return {"statistic": f, "df": k - 1, "df2": df2, "p_value": p, "eta2": eta2, "n": n}


def compare(
    survey: Survey,
    by: str = "region",
    value: str = "gap",
    *,
    test: str = "kruskal",
    p_adjust: str = "holm",
    level: str = "competence",
) -> pd.DataFrame:
    """Do the groups differ on each item? One test per competence (or area),
    unweighted, p-values adjusted over the items tested.

    - ``"kruskal"``: Kruskal–Wallis H = [12/(N(N+1)) Σ Rₖ²/nₖ − 3(N+1)] /
      [1 − Σ(t³ − t)/(N³ − N)] (midranks, tie-corrected), χ² with
      g − 1 df, as ``scipy.stats.kruskal``; effect size
      ε² = H / (N − 1) (Tomczak & Tomczak 2014).
    - ``"anova"``: one-way ANOVA F = [SSB/(g − 1)] / [SSW/(N − g)], as
      ``scipy.stats.f_oneway``; η² = SSB / (SSB + SSW).
    - ``"welch"``: Welch's (1951) ANOVA with wₖ = nₖ/sₖ²,
      F = [Σwₖ(x̄ₖ − x̄_w)²/(g − 1)] / [1 + 2(g − 2)λ/3],
      λ = 3Σ(1 − wₖ/Σw)²/(nₖ − 1) / (g² − 1), df₂ = 1/λ, as
      ``pingouin.welch_anova``; η² as for ANOVA.

    Parameters
    ----------
    by : str
        The grouping key: ``"region"``, ``"stakeholder_type"``,
        ``"sector"`` or a respondent attribute. Respondents without a value
        are left out; groups without an answer on an item are left out of
        that item's test.
    value : {"gap", "current", "required", "importance"}
        What is compared (gap = target − current).
    test : {"kruskal", "anova", "welch"}
    p_adjust : {"holm", "fdr_bh", "bonferroni", "none"}
        Multiplicity control over the items tested (:func:`p_adjust`).
    level : {"competence", "area"}
        Items; at area level each respondent contributes the mean of their
        answered competences of the area.

    Returns
    -------
    pandas.DataFrame
        One row per item: the item id columns, ``test``, ``statistic`` (H or
        F), ``df`` (and ``df2`` for F tests), ``p_value``, ``p_adj``, the
        effect size (``epsilon2`` or ``eta2``), ``n`` (answers tested) and
        ``n_<group>`` per group. Statistics are NaN where the test is
        undefined (fewer than two groups, all values tied).

    See Also
    --------
    Survey.posthoc : Which pairs of groups differ (Dunn).
    p_adjust : The multiplicity control of ``p_adjust=``.
    Survey.gaps : The gaps by group being compared.

    Examples
    --------
    >>> import skillsmap as sm
    >>> t = sm.demo_survey(600, seed=0).compare(by="region")
    >>> t.columns.tolist()[:8]
    ['competence', 'area', 'test', 'statistic', 'df', 'p_value', 'p_adj', 'epsilon2']
    >>> bool((t["p_adj"] >= t["p_value"]).all())
    True
    """
    if not isinstance(test, str) or test not in _TESTS:
        raise ConfigurationError(f"test must be one of {', '.join(_TESTS)}, got {test!r}")
    method = check_method(p_adjust)
    g, groups, key = group_codes(survey, by)
    if level not in ("competence", "area"):
        raise ConfigurationError(f"level must be 'competence' or 'area', got {level!r}")
    ids = survey._item_ids(level)
    if test == "kruskal":
        res = kruskal(item_rank_sums(survey, level, value, g, len(groups)))
    else:
        x, _ = _items(survey, level, value)
        res = {"anova": anova, "welch": welch}[test](x, g, len(groups))
    data: dict[str, Any] = dict(ids)
    data["test"] = test
    data["statistic"] = res["statistic"]
    data["df"] = res["df"]
    if "df2" in res:
        data["df2"] = res["df2"]
    data["p_value"] = res["p_value"]
    data["p_adj"] = adjust_p(res["p_value"], method)
    effect = "epsilon2" if test == "kruskal" else "eta2"
    data[effect] = res[effect]
    n = res["n"]
    data["n"] = n.sum(axis=0).astype(np.int64)
    for i, grp in enumerate(groups):
        data[f"n_{grp}"] = n[i].astype(np.int64)
    df = pd.DataFrame(data)
    return attach(
        df,
        Provenance(
            kind="compare",
            framework=survey.framework,
            synthetic=survey.synthetic,
            source=survey.source,
            by=(key,),
            group_names=_names(survey, key),
            level=level,
            value=value,
            test=test,
            p_adjust=method,
            weights=False,
        ),
    )


def _names(survey: Survey, key: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in survey._group_names(key).items()}


def posthoc(
    survey: Survey,
    by: str = "region",
    competence: str | None = None,
    *,
    value: str = "gap",
    p_adjust: str = "holm",
    level: str = "competence",
) -> pd.DataFrame:
    """Dunn's (1964) pairwise post-hoc test of the Kruskal–Wallis ranks,
    with the tie correction, for one item or all of them.

    For groups a and b of an item with N answers, mean ranks R̄ and tied
    values of sizes t: z = (R̄ₐ − R̄_b) / √{[N(N+1)/12 − Σ(t³ − t)/(12(N − 1))]
    (1/nₐ + 1/n_b)}, two-sided p from the normal distribution — as
    ``scikit_posthocs.posthoc_dunn``. P-values are adjusted over the pairs
    of each item.

    Parameters
    ----------
    by : str
        The grouping key (see :meth:`compare`).
    competence : str, optional
        The item (a competence id, or an area id with ``level="area"``);
        all items when None.
    value, p_adjust, level
        As in :meth:`compare`.

    Returns
    -------
    pandas.DataFrame
        A long table, one row per item × pair of groups with answers:
        item id columns, ``group_a``, ``group_b``, ``n_a``, ``n_b``,
        ``mean_rank_a``, ``mean_rank_b``, ``z``, ``p_value``, ``p_adj``.

    See Also
    --------
    Survey.compare : The omnibus test per item.
    skillsmap.plot.gap_heatmap : ``mark=`` outlines the cells that differ.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(600, seed=0)
    >>> d = s.posthoc(by="region", competence="se.found.principles")
    >>> len(d), d.columns.tolist()[2:4]
    (15, ['group_a', 'group_b'])
    """
    from scipy.stats import norm

    method = check_method(p_adjust)
    g, groups, key = group_codes(survey, by)
    if level not in ("competence", "area"):
        raise ConfigurationError(f"level must be 'competence' or 'area', got {level!r}")
    ids = survey._item_ids(level)
    first = next(iter(ids))
    s = item_rank_sums(survey, level, value, g, len(groups))
    if competence is not None:
        where = np.flatnonzero(ids[first] == competence)
        if where.size == 0:
            raise UnknownNameError(f"competence={competence!r} is not a {level} of the framework")
        ids = {k: v[where] for k, v in ids.items()}
        s = {"R": s["R"][:, where], "n": s["n"][:, where], "N": s["N"][where], "T": s["T"][where]}
    r, n, big_n, tie = s["R"], s["n"], s["N"], s["T"]
    a_idx, b_idx = np.triu_indices(len(groups), k=1)
    n_items = r.shape[1]
    item = np.repeat(np.arange(n_items), a_idx.size)
    a = np.tile(a_idx, n_items)
    b = np.tile(b_idx, n_items)
    na, nb = n[a, item], n[b, item]
    keep = (na > 0) & (nb > 0)
    item, a, b, na, nb = item[keep], a[keep], b[keep], na[keep], nb[keep]
    with np.errstate(invalid="ignore", divide="ignore"):
        ra, rb = r[a, item] / na, r[b, item] / nb
        bn = big_n[item]
        var = (bn * (bn + 1) / 12.0 - tie[item] / (12.0 * (bn - 1))) * (1 / na + 1 / nb)
        z = (ra - rb) / np.sqrt(var)
    z = np.where(var > 0, z, np.nan)
    p = 2.0 * norm.sf(np.abs(z))
    grp = np.asarray(groups, dtype=object)
    data: dict[str, Any] = {k: v[item] for k, v in ids.items()}
    data.update(
        group_a=grp[a],
        group_b=grp[b],
        n_a=na.astype(np.int64),
        n_b=nb.astype(np.int64),
        mean_rank_a=ra,
        mean_rank_b=rb,
        z=z,
        p_value=p,
        p_adj=p_adjust_within(p, item, method),
    )
    return attach(
        pd.DataFrame(data),
        Provenance(
            kind="posthoc",
            framework=survey.framework,
            synthetic=survey.synthetic,
            source=survey.source,
            by=(key,),
            group_names=_names(survey, key),
            level=level,
            value=value,
            test="dunn",
            p_adjust=method,
            weights=False,
        ),
    )
