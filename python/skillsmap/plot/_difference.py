"""The diverging bar figure of a regional diagnosis: where one region's gap
differs from the other regions'."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._i18n import lang_of
from .._model import Framework
from ..errors import ConfigurationError
from ._common import (
    DIVERGING,
    as_frame,
    colormap,
    items,
    new_axes,
    number_axis,
    resolve_framework,
    short,
    titled,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_NEEDS = {"competence", "difference", "difference_lo", "difference_hi", "p_adj"}


def gap_difference(
    differences: pd.DataFrame,
    *,
    region: str | None = None,
    alpha: float = 0.05,
    framework: Framework | str | None = None,
    synthetic: bool | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Diverging bars of a region's gap minus the other regions' gap, per
    competence, with the interval of each difference.

    Parameters
    ----------
    differences : DataFrame
        One row per competence with ``competence``, ``difference``,
        ``difference_lo``, ``difference_hi`` and ``p_adj`` — the
        ``differences`` table of a regional diagnosis
        (``tables/differences.csv``). Rows with a missing difference
        (suppressed) are left out.
    region : str, optional
        The region's display name, for the title.
    alpha : float
        Bars with ``p_adj < alpha`` are drawn dark, the others light.
    framework : Framework or id, optional
        Competence labels (default: the table's provenance, else none).
    synthetic : bool, optional
        Whether the data are synthetic (the title then says so); default
        the table's provenance.
    ax : Axes, optional
    title : str, optional
    lang : {"en", "es", "fr", "sl", "fi", "it"}
        Language of the title, axis label and competence names.

    Returns
    -------
    matplotlib.axes.Axes
        Positive bars (right, red): a larger gap in the region.

    Raises
    ------
    ConfigurationError
        For a table without the columns above, no difference to draw, an
        ``alpha`` outside (0, 1) or an unsupported ``lang``.

    See Also
    --------
    skillsmap.diagnosis, gap_heatmap

    Examples
    --------
    >>> import pandas as pd, skillsmap as sm
    >>> t = pd.DataFrame({"competence": ["se.found.principles", "se.found.legal"],
    ...                   "difference": [0.4, -0.2], "difference_lo": [0.1, -0.5],
    ...                   "difference_hi": [0.7, 0.1], "p_adj": [0.01, 0.6]})
    >>> ax = sm.plot.gap_difference(t, framework="se-core", region="Lappi", lang="fi")
    >>> len(ax.patches)
    2
    """
    tr = lang_of(lang)
    _ = tr.gettext
    table = as_frame(differences, "gap_difference")
    if not _NEEDS <= set(table.columns):
        raise ConfigurationError(
            f"gap_difference needs the columns {sorted(_NEEDS)}, got {list(table.columns)}"
        )
    if not 0 < float(alpha) < 1:
        raise ConfigurationError(f"alpha must lie in (0, 1), got {alpha!r}")
    shown = table[table["difference"].notna()]
    if shown.empty:
        raise ConfigurationError("gap_difference: no difference to draw (all suppressed)")
    shown = shown.sort_values("difference", kind="stable")
    info = items(resolve_framework(framework, differences), tr)
    n = len(shown)
    ax = new_axes(ax, (8.5, 1.6 + 0.26 * n))
    vals = shown["difference"].to_numpy(dtype=np.float64)
    lo = shown["difference_lo"].to_numpy(dtype=np.float64)
    hi = shown["difference_hi"].to_numpy(dtype=np.float64)
    sig = (shown["p_adj"].to_numpy(dtype=np.float64) < alpha) & np.isfinite(vals)
    cmap = colormap(DIVERGING)
    colours = [
        cmap(0.85 if v > 0 else 0.15) if s else cmap(0.65 if v > 0 else 0.35)
        for v, s in zip(vals, sig, strict=True)
    ]
    y = np.arange(n)
    ax.barh(y, vals, color=colours, height=0.7, zorder=2)
    err = np.vstack([np.clip(vals - lo, 0, None), np.clip(hi - vals, 0, None)])
    ok = np.isfinite(err).all(axis=0)
    ax.errorbar(
        vals[ok],
        y[ok],
        xerr=err[:, ok],
        fmt="none",
        ecolor="0.2",
        elinewidth=0.9,
        capsize=2,
        zorder=3,
    )
    ax.set_yticks(y)
    ax.set_yticklabels([short(info.label(c), 48) for c in shown["competence"]], fontsize=8)
    ax.axvline(0, color="0.2", linewidth=0.9)
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel(_("gap difference: region − other regions (scale points)"), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    number_axis(ax.xaxis, tr)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    if region is None:
        default = _("Where the region differs from the others")
    else:
        default = _("Where {region} differs from the other regions").format(region=region)
    if synthetic is None:
        from ._common import is_synthetic

        synthetic = is_synthetic(differences)
    titled(ax, title, default, bool(synthetic), tr)
    return ax
