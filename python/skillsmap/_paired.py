"""The paired Wilcoxon signed-rank test of importance-or-required against
current level, per group × item (``Survey.paired_test``), run by the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core
from ._checks import keys
from ._gaps import group_names, item_columns, key_columns
from ._multitest import check_method
from ._multitest import p_adjust as p_adjust_values
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
    p_adjust: str = "none",
) -> pd.DataFrame:
    """Wilcoxon signed-rank test of importance-or-required vs current
    level, per group × item (unweighted), with effect sizes and
    multiplicity control.

    Matches ``scipy.stats.wilcoxon(I, C, zero_method="wilcox",
    correction=correction, method="asymptotic")``: zero differences are
    dropped, ties get average ranks, the statistic is min(R+, R−) and the
    two-sided p-value comes from the tie-corrected normal approximation.

    Effect sizes, with D = I − C over the n complete pairs:

    - ``r_rb``, the matched-pairs rank-biserial correlation
      (R₊ − R₋)/(R₊ + R₋) over the non-zero differences (Kerby 2014), in
      [−1, 1]; positive when the target exceeds the current level;
    - ``d_z`` = mean(D) / sd(D) (sd with n − 1; Cohen's d for paired
      samples, the t statistic of ``scipy.stats.ttest_rel`` divided by √n).

    Parameters
    ----------
    by : str, list of str or None
        Respondent grouping, as in :meth:`Survey.gaps`.
    level : {"competence", "area"}
    correction : bool
        Continuity correction of the normal approximation.
    p_adjust : {"none", "holm", "fdr_bh", "bonferroni"}
        Multiplicity control over every test of the table (all groups ×
        items), giving ``p_adj``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, the item, ``n`` (pairs), ``n_nonzero``,
        ``r_plus``, ``r_minus``, ``statistic``, ``z``, ``p_value``,
        ``p_adj``, ``r_rb``, ``mean_diff`` and ``d_z``; the provenance names
        the test as the equivalent scipy call.

    See Also
    --------
    Survey.gaps : The size of the gaps the test is about.
    p_adjust : The multiplicity control of ``p_adjust=``.

    Examples
    --------
    >>> import skillsmap as sm
    >>> t = sm.demo_survey(300, seed=0).paired_test()
    >>> bool((t["p_value"] < 0.05).any())
    True
    >>> t = sm.demo_survey(300, seed=0).paired_test(p_adjust="holm")
    >>> bool((t["p_adj"] >= t["p_value"]).all()), bool(t["r_rb"].between(-1, 1).all())
    (True, True)
    """
    method = check_method(p_adjust)
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
    data["p_adj"] = p_adjust_values(res["p_value"], method)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = res["r_plus"] + res["r_minus"]
        data["r_rb"] = np.where(total > 0, (res["r_plus"] - res["r_minus"]) / total, np.nan)
        data["mean_diff"] = res["mean_diff"]
        sd = res["sd_diff"]
        data["d_z"] = np.where(sd > 0, res["mean_diff"] / np.where(sd > 0, sd, 1.0), np.nan)
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
            p_adjust=method,
        ),
    )
