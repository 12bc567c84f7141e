"""Profiles: the entity × item matrix of one gap statistic
(``Survey.profiles``), the input of similarity, relatedness and heatmaps,
and the pivot that makes one out of any gap table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._provenance import attach, read
from .errors import ConfigurationError

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["pivot", "profiles"]


def profiles(
    survey: Survey,
    by: str | Sequence[str] = "region",
    value: str = "mean_gap",
    *,
    level: str = "competence",
    weights: bool = True,
    min_n: int = 5,
    importance_mean: str = "complete",
    borich: str = "importance",
) -> pd.DataFrame:
    """Entity × item matrix of one gap statistic: the input of
    :func:`skillsmap.similarity` and of heatmaps.

    Parameters
    ----------
    by : str or list of str
        The entities (rows): ``"region"``, ``"stakeholder_type"``,
        ``"sector"``, an attribute, or several (a MultiIndex).
    value : str
        Any numeric column of :meth:`Survey.gaps` (``mean_gap``, ``mwds``,
        ``mean_current``, ``relative_gap``, …).
    level, weights, min_n, importance_mean, borich
        As in :meth:`Survey.gaps`; suppressed cells are NaN.

    Returns
    -------
    pandas.DataFrame
        Rows the groups (in the order of :meth:`Survey.gaps`), columns the
        competences (or areas) in framework order; the provenance (kind
        ``"profiles"``) names the ``value``.

    See Also
    --------
    Survey.gaps : The long gap table the profiles pivot.
    similarity : Compare the profiles.
    rca : Revealed comparative advantage of entities in competences.
    skillsmap.plot.gap_heatmap : Draw the profiles.

    Examples
    --------
    >>> import skillsmap as sm
    >>> sm.demo_survey(600, seed=0).profiles(by="region").shape
    (6, 32)
    """
    table = survey.gaps(
        by,
        level=level,
        weights=weights,
        min_n=min_n,
        importance_mean=importance_mean,
        borich=borich,
    )
    keys = read(table).by
    if not keys:
        raise ConfigurationError("profiles need a grouping: by=region, stakeholder_type, …")
    numeric = [
        c
        for c in table.columns
        if c not in {*keys, "competence", "area", "suppressed"}
        and pd.api.types.is_numeric_dtype(table[c])
    ]
    if value not in numeric:
        raise ConfigurationError(f"value must be one of {', '.join(numeric)}; got {value!r}")
    return pivot(table, value)


def pivot(table: pd.DataFrame, value: str, *, mask_suppressed: bool = False) -> pd.DataFrame:
    """Group × item matrix of one column of a gap table: rows the groups in
    the table's order (a single row "all respondents" for a pooled table,
    a MultiIndex for several keys), columns the items in the table's order,
    ``attrs`` those of the table with the provenance of profiles of
    ``value``. With ``mask_suppressed`` suppressed cells are NaN whatever
    the column."""
    prov = read(table)
    keys = list(prov.by)
    item = "area" if prov.level == "area" else "competence"
    values = table[value].astype("float64")
    if mask_suppressed:
        values = values.where(~table["suppressed"].astype(bool))
    items = list(dict.fromkeys(table[item]))
    if not keys:
        wide = pd.DataFrame(
            [values.to_numpy()], index=pd.Index(["all respondents"]), columns=table[item]
        )
    else:
        groups = list(dict.fromkeys(map(tuple, table[keys].to_numpy())))
        wide = table.assign(_value=values).pivot(index=keys, columns=item, values="_value")
        index: Any = (
            [g[0] for g in groups]
            if len(keys) == 1
            else pd.MultiIndex.from_tuples(groups, names=keys)
        )
        wide = wide.reindex(index=index, columns=items)
    wide = wide.astype("float64")
    wide.columns.name = item
    wide.attrs.update(table.attrs)
    return attach(wide, prov.replace(kind="profiles", value=value))
