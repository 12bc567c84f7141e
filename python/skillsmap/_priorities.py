"""Priority quadrants per item (``Survey.priorities``): Locus for Focus,
importance–performance analysis and the Borich top list, computed by the
core from the gap table of each group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import _core
from ._checks import count
from ._gaps import gap_frame
from ._provenance import attach, read

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["priorities"]


def priorities(
    survey: Survey,
    by: str | Sequence[str] | None = None,
    *,
    crosshair: str = "mean",
    top_k: int | None = None,
    level: str = "competence",
    weights: bool = True,
    min_n: int = 5,
    importance_mean: str = "complete",
    borich: str = "importance",
) -> pd.DataFrame:
    """Priority quadrants per item: Locus for Focus, IPA and Borich.

    Parameters
    ----------
    by : str, list of str or None
        Respondent grouping, as in :meth:`Survey.gaps`; quadrants are
        computed within each group.
    crosshair : {"mean", "median", "scale"}
        Where the crosshair sits: means or medians over the group's items,
        or the scale midpoint (for the gap axis of Locus for Focus, which
        has no midpoint, the mean gap).
    top_k : int, optional
        Size of the Borich top list; defaults to the number of HH items.
    level, weights, min_n, importance_mean, borich
        As in :meth:`Survey.gaps`.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns and the item, ``importance`` (mean
        importance-or-required), ``mean_current``, ``mean_gap``, ``mwds``,
        ``rank``, ``lff_quadrant`` (HH, HL, LH, LL: importance then gap,
        H at or above the crosshair), ``ipa_quadrant`` ("Concentrate
        here": important, low performance; "Keep up the good work";
        "Low priority"; "Possible overkill"), ``priority`` (1 = in the
        Borich top k and in HH, 2 = one of them, 3 = neither), ``top_k``,
        and the crosshair coordinates.

    See Also
    --------
    Survey.gaps : The gap statistics behind the quadrants.
    skillsmap.plot.ipa : Draw the importance–performance quadrants.
    skillsmap.plot.locus_for_focus : Draw the Locus for Focus quadrants.

    Examples
    --------
    >>> import skillsmap as sm
    >>> p = sm.demo_survey(300, seed=0).priorities()
    >>> sorted(p["lff_quadrant"].unique())
    ['HH', 'HL', 'LH', 'LL']
    """
    if top_k is not None:
        top_k = count("top_k", top_k, 1)
    table, res = gap_frame(survey, by, level, weights, min_n, importance_mean, borich)
    prov = read(table)
    keys = list(prov.by)
    item = "area" if level == "area" else "competence"
    # x of both plots: the Borich variable (importance, else required)
    importance = np.asarray(res["borich_weight"], dtype=np.float64)
    n_items = res["n_items"]
    imp_scale = survey.importance_scale if prov.borich_variable == "importance" else survey.scale
    parts = []
    for g in range(len(res["group_sizes"])):
        sl = slice(g * n_items, (g + 1) * n_items)
        rank = np.ascontiguousarray(res["rank"][sl], dtype=np.uint32)
        q = _core.quadrants(
            np.ascontiguousarray(importance[sl]),
            np.ascontiguousarray(res["mean_gap"][sl]),
            np.ascontiguousarray(res["mean_current"][sl]),
            rank,
            crosshair=crosshair,
            current_scale=(survey.scale.min, survey.scale.max),
            importance_scale=(imp_scale.min, imp_scale.max),
            top_k=top_k,
        )
        part = table.iloc[sl][[*keys, item]].copy()
        part["importance"] = importance[sl]
        part["mean_current"] = res["mean_current"][sl]
        part["mean_gap"] = res["mean_gap"][sl]
        part["mwds"] = res["mwds"][sl]
        part["rank"] = table["rank"].iloc[sl].to_numpy()
        part["lff_quadrant"] = q["lff"]
        part["ipa_quadrant"] = q["ipa"]
        part["priority"] = pd.array(q["priority"], dtype="Int64")
        part["top_k"] = q["top_k"]
        part["lff_crosshair_importance"], part["lff_crosshair_gap"] = q["lff_crosshair"]
        part["ipa_crosshair_performance"], part["ipa_crosshair_importance"] = q["ipa_crosshair"]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out.loc[table["suppressed"].to_numpy(), ["importance", "mean_current", "mean_gap", "mwds"]] = (
        np.nan
    )
    return attach(out, prov.replace(kind="priorities", crosshair=crosshair))
