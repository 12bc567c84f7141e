"""The gap table of a :class:`~skillsmap.Survey`: gap statistics and Borich
MWDS per group × item (``Survey.gaps``), computed by the Rust core without
the GIL; with ``ci=`` the bootstrap of :mod:`skillsmap._bootstrap` adds
intervals. Also the pieces that the other tables built on a gap table share:
group key columns and item columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _bootstrap, _core
from ._checks import count, keys
from ._provenance import Provenance, attach

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["gaps"]

# Columns whose name in the core's gap table differs: the core's Ī is the
# mean of the Borich variable (`borich_weight`), published as
# `mean_importance` only when importance is that variable.
_CORE_NAMES = {"mean_importance": "borich_weight"}

_STATS = [
    "n",
    "n_eff",
    "n_missing",
    "mean_importance",
    "mean_required",
    "mean_current",
    "mean_gap",
    "mean_positive_gap",
    "relative_gap",
    "attainment",
    "normalised_gap",
    "mwds",
    "rank",
    "suppressed",
]


def key_columns(survey: Survey, res: dict[str, Any], n_items: int) -> dict[str, np.ndarray]:
    """Group key columns of a core result repeated over items (cells are
    group-major), with the values as the data gave them."""
    out = {}
    for key, labels in zip(res["keys"], res["group_labels"], strict=True):
        values = survey._key_values(key, labels)
        out[key] = np.repeat(np.asarray(values, dtype=object), n_items)
    return out


def item_columns(survey: Survey, level: str, n_groups: int) -> dict[str, np.ndarray]:
    """Item id columns repeated over groups."""
    ids = survey._item_ids(level)
    return {name: np.tile(values, n_groups) for name, values in ids.items()}


def group_names(survey: Survey, by: list[str]) -> dict[str, str]:
    """Display names of the values of every grouping key (merged), for the
    provenance of a grouped table."""
    return {str(k): str(v) for key in by for k, v in survey._group_names(key).items()}


def gap_frame(
    survey: Survey,
    by: Any,
    level: str,
    weights: bool,
    min_n: int,
    importance_mean: str,
    borich: str = "importance",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The gap table with its provenance, and the core's columns."""
    by = keys(by)
    min_n = count("min_n", min_n, 0)
    res = _core.gap_table(
        survey._inner,
        by,
        level=level,
        weights=weights,
        min_n=min_n,
        importance_mean=importance_mean,
        borich=borich,
    )
    n_items = res["n_items"]
    n_groups = len(res["group_sizes"])
    data: dict[str, Any] = {
        **key_columns(survey, res, n_items),
        **item_columns(survey, level, n_groups),
    }
    skip = set()
    if not survey._inner.has_importance or not res["borich_uses_importance"]:
        # the core's Ī is the mean of the Borich variable: it is a mean
        # importance only when importance is that variable
        skip.add("mean_importance")
    if not survey._inner.has_required:
        skip.add("mean_required")
    for col in _STATS:
        if col not in skip:
            data[col] = res[_CORE_NAMES.get(col, col)]
    rank = np.asarray(res["rank"], dtype=np.int64)
    data["rank"] = pd.arrays.IntegerArray(rank, rank == 0)
    df = pd.DataFrame(data)
    attach(
        df,
        Provenance(
            kind="gaps",
            framework=survey.framework,
            synthetic=survey.synthetic,
            source=survey.source,
            by=tuple(by),
            group_names=group_names(survey, by),
            level=level,
            weights=bool(weights and survey.has_weights),
            min_n=min_n,
            importance_mean=importance_mean,
            borich=borich,
            borich_variable="importance" if res["borich_uses_importance"] else "required",
            gap_target="required" if res["target_is_required"] else "importance",
        ),
    )
    return df, res


def gaps(
    survey: Survey,
    by: str | Sequence[str] | None = None,
    *,
    level: str = "competence",
    weights: bool = True,
    min_n: int = 5,
    ci: float | None = None,
    n_boot: int = 2000,
    seed: int | None = None,
    stratify: str | Sequence[str] | None = None,
    top_k: int = 5,
    importance_mean: str = "complete",
    progress: bool | None = None,
    borich: str = "importance",
) -> pd.DataFrame:
    """Gap statistics and Borich needs assessment per group × item.

    Parameters
    ----------
    by : str, list of str or None
        Respondent grouping: ``None`` (all respondents pooled),
        ``"region"``, ``"stakeholder_type"``, ``"sector"``, any respondent
        attribute, or a list of them. Respondents whose attribute value is
        missing are left out of a grouping by that attribute.
    level : {"competence", "area"}
        Item dimension. At area level each respondent contributes the
        mean of their levels over the area's competences (complete pairs).
    weights : bool
        Use the survey weights when the survey has them.
    min_n : int, default 5
        Cells with fewer than ``min_n`` respondents with both target and
        current level and a positive weight, or with a Kish effective
        size ``n_eff`` below ``min_n`` (a few respondents carrying most
        of the weight), are suppressed: statistics NaN, ``suppressed``
        True. ``mean_importance`` and ``mwds`` also need ``min_n``
        respondents with both importance and current level.
    ci : float, optional
        Confidence level (e.g. 0.95) of percentile bootstrap intervals
        over respondents; adds ``mean_gap_lo/hi``, ``mwds_lo/hi`` and
        ``p_top_k``.
    n_boot : int
        Bootstrap replicates.
    seed : int, optional
        Seed of the bootstrap; drawn at random when None and recorded in
        the provenance. Results for a seed are identical whatever the
        number of threads.
    stratify : str or list of str, optional
        Resample within strata of these respondent attributes (e.g.
        ``"region"``), keeping stratum sizes fixed; a missing attribute
        value is a stratum of its own. Without it, respondents are drawn
        from the whole survey, so group sizes vary between replicates.
    top_k : int
        k of ``p_top_k``: the share of replicates in which the item's MWDS
        ranks within the top k of its group.
    importance_mean : {"complete", "all"}
        Whether Ī in the Borich score averages importance over respondents
        who also rated their current level (default) or over every
        importance answer; recorded in the provenance.
    progress : bool, optional
        Show a tqdm progress bar for the bootstrap (default: when tqdm is
        installed and the run is long). Ctrl-C stops the run cleanly.
    borich : {"importance", "required"}
        The Borich variable I when the survey has both: importance
        (Borich's original, the default) or the required level (the
        variant weighting discrepancies by the mean required level).
        Recorded in the provenance.

    Returns
    -------
    pandas.DataFrame
        One row per group × item: the ``by`` columns, ``competence`` and
        ``area`` (or ``area``), ``n`` (respondents with target and current
        level and a positive weight), ``n_eff`` (Kish's effective size
        (Σw)²/Σw², equal to ``n`` without weights), ``n_missing``
        (respondents of the group not counted in ``n``),
        ``mean_importance`` (Ī, when importance is the Borich variable),
        ``mean_required`` (when it has required levels), ``mean_current``,
        ``mean_gap`` (target − current; the target is the required level,
        or importance when the survey has none), ``mean_positive_gap``
        (mean of max(0, gap)), ``relative_gap`` (mean gap / mean target),
        ``attainment`` (mean current / mean target), ``normalised_gap``
        (mean gap / (scale max − min)), ``mwds`` (Borich: Ī · mean of
        I − C, with I the importance, or the required level without
        importance), ``rank`` (by MWDS, descending, within the group; ties
        share the lowest rank) and ``suppressed``. Means are weighted when
        weights are used. ``df.attrs["provenance"]`` (a
        :class:`Provenance`) records the options.

    See Also
    --------
    Survey.priorities : Locus for Focus and IPA quadrants from the same table.
    Survey.profiles : One statistic as an entity × competence matrix.
    Survey.paired_test : Whether target and current levels differ.
    skillsmap.plot.borich_bars : Draw the ranked MWDS with intervals.
    Provenance : What ``df.attrs["provenance"]`` records.

    Examples
    --------
    >>> import skillsmap as sm
    >>> g = sm.demo_survey(300, seed=0).gaps(by="region")
    >>> g[["region", "competence", "n", "mean_gap", "mwds", "rank"]].shape
    (192, 6)
    >>> p = sm.Provenance.of(g)
    >>> p.borich_variable, p.importance_mean
    ('importance', 'complete')
    """
    df, _ = gap_frame(survey, by, level, weights, min_n, importance_mean, borich)
    if ci is None:
        return df
    return _bootstrap.add_intervals(
        survey,
        df,
        ci=ci,
        n_boot=n_boot,
        seed=seed,
        stratify=stratify,
        top_k=top_k,
        progress=progress,
    )
