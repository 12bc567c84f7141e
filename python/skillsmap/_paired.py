"""The paired Wilcoxon signed-rank test of importance-or-required against
current level, per group × item (``Survey.paired_test``), run by the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import _core
from ._checks import keys
from ._gaps import group_names, item_columns, key_columns
from ._provenance import Provenance, attach

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["paired_test"]


def paired_test(
    survey: Survey,
    by: str | Sequence[str] | None = None,
    *,
    level: str = "competence",
    correction: bool = False,
) -> pd.DataFrame:
    """Wilcoxon signed-rank test of importance-or-required vs current
    level, per group × item (unweighted).

    Matches ``scipy.stats.wilcoxon(I, C, zero_method="wilcox",
    correction=correction, method="asymptotic")``: zero differences are
    dropped, ties get average ranks, the statistic is min(R+, R−) and the
    two-sided p-value comes from the tie-corrected normal approximation.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, the item, ``n`` (pairs), ``n_nonzero``,
        ``r_plus``, ``r_minus``, ``statistic``, ``z`` and ``p_value``; the
        provenance names the test as the equivalent scipy call.

    Examples
    --------
    >>> import skillsmap as sm
    >>> t = sm.demo_survey(300, seed=0).paired_test()
    >>> bool((t["p_value"] < 0.05).any())
    True
    """
    by = keys(by)
    res = _core.paired_tests(survey._inner, by, level=level, correction=bool(correction))
    fw = survey.framework
    n_items = len(fw.areas) if level == "area" else len(fw)
    n_groups = len(res["group_sizes"])
    data: dict[str, Any] = {
        **key_columns(survey, res, n_items),
        **item_columns(survey, level, n_groups),
    }
    for col in ("n", "n_nonzero", "r_plus", "r_minus", "statistic", "z", "p_value"):
        data[col] = res[col]
    df = pd.DataFrame(data)
    variable = "importance" if survey._inner.has_importance else "required"
    test = (
        f"scipy.stats.wilcoxon({variable}, current, zero_method='wilcox', "
        f"correction={bool(correction)}, method='asymptotic'), two-sided"
    )
    return attach(
        df,
        Provenance(
            kind="paired_test",
            framework=fw,
            synthetic=survey.synthetic,
            source=survey.source,
            by=tuple(by),
            group_names=group_names(survey, by),
            level=level,
            test=test,
        ),
    )
