"""Quadrant figures: importance–performance analysis and Locus for Focus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._i18n import N_, lang_of
from .._model import Framework
from .._provenance import read
from ..errors import ConfigurationError
from ._common import (
    as_frame,
    category_colours,
    group_title,
    is_synthetic,
    items,
    new_axes,
    number_axis,
    place_labels,
    resolve_framework,
    select_group,
    short,
    titled,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_LABEL_MODES = ("label", "code", "none")


def _quadrant_plot(
    table: pd.DataFrame,
    *,
    x: str,
    y: str,
    cx: str,
    cy: str,
    quadrants: dict[str, tuple[float, float, str, str]],
    xlabel: str,
    ylabel: str,
    default_title: str,
    first: pd.Series,
    framework: Framework | str | None,
    labels: str,
    ax: Axes | None,
    title: str | None,
    source: pd.DataFrame,
    lang: str = "en",
) -> Axes:
    tr = lang_of(lang)
    _ = tr.gettext
    if labels not in _LABEL_MODES:
        raise ConfigurationError(f"labels must be one of {', '.join(_LABEL_MODES)}; got {labels!r}")
    item = "area" if read(table).level == "area" else "competence"
    shown = table[table[x].notna() & table[y].notna()]
    if shown.empty:
        raise ConfigurationError("every item is suppressed (too few respondents): nothing to plot")
    info = items(resolve_framework(framework, source), tr)
    ax = new_axes(ax, (8.5, 6.8))
    ids = [str(c) for c in shown[item]]
    area_keys = [info.area(c) if item == "competence" else c for c in ids]
    order = info.areas_in(area_keys)
    colours = category_colours(order)
    xs = shown[x].to_numpy(dtype=np.float64)
    ys = shown[y].to_numpy(dtype=np.float64)
    for a in order:
        m = np.array([k == a for k in area_keys])
        ax.scatter(
            xs[m],
            ys[m],
            s=30,
            color=colours[a],
            edgecolor="black",
            linewidth=0.4,
            zorder=3,
            label=short(info.area_labels.get(a, a), 34),
        )
    vx = float(shown[cx].iloc[0])
    vy = float(shown[cy].iloc[0])
    span_x = max(float(np.ptp(np.append(xs, vx))), 1e-6)
    span_y = max(float(np.ptp(np.append(ys, vy))), 1e-6)
    x0, x1 = min(xs.min(), vx) - 0.18 * span_x, max(xs.max(), vx) + 0.18 * span_x
    y0, y1 = min(ys.min(), vy) - 0.18 * span_y, max(ys.max(), vy) + 0.22 * span_y
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.axvline(vx, color="0.35", linewidth=0.9, linestyle="--", zorder=1)
    ax.axhline(vy, color="0.35", linewidth=0.9, linestyle="--", zorder=1)
    corners = []
    for fx, fy, text, align in quadrants.values():
        corners.append(
            ax.text(
                fx,
                fy,
                _(text),
                transform=ax.transAxes,
                ha=align,
                va="top" if fy > 0.5 else "bottom",
                fontsize=8,
                fontweight="bold",
                color="0.35",
                zorder=2,
            )
        )
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(
        fontsize=7,
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        title=_("area") if item == "competence" else None,
        title_fontsize=7,
    )
    number_axis(ax.xaxis, tr)
    number_axis(ax.yaxis, tr)
    titled(ax, title, default_title, is_synthetic(source), tr)
    if labels != "none":
        texts = [
            info.codes.get(c, short(c, 12)) if labels == "code" else short(info.label(c), 30)
            for c in ids
        ]
        # the most pressing items get the first pick of the free spots
        urgency = first.loc[shown.index].to_numpy(dtype=np.float64)
        order_ = np.argsort(-np.nan_to_num(urgency, nan=-np.inf), kind="stable")
        place_labels(
            ax, xs, ys, texts, [int(i) for i in order_], avoid=corners, vlines=[vx], hlines=[vy]
        )
    return ax


def ipa(
    priorities: pd.DataFrame,
    *,
    group: Any = None,
    framework: Framework | str | None = None,
    labels: str = "label",
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Importance–performance analysis (Martilla & James 1977): mean current
    level (performance, x) × importance (y), with the crosshair of
    :meth:`Survey.priorities` and its four quadrants.

    Parameters
    ----------
    priorities : DataFrame
        From :meth:`Survey.priorities`.
    group : value or tuple, optional
        The group to draw when the table is grouped.
    framework : Framework or id, optional
        Labels and areas (default: the framework of the table's provenance).
    labels : {"label", "code", "none"}
        Point labels; they never overlap each other, the points or the
        quadrant names — a label with no free spot is left out.
    ax, title
        Axes to draw on and a title.
    lang : {"en", "es", "fr", "sl", "fi", "it"}
        Language of the quadrant names, axis labels, legend and title, and of
        the competence and area names when the framework has them.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigurationError
        For a table that is not from :meth:`Survey.priorities`, a bad
        ``labels`` or ``group``, or an unsupported ``lang``.

    See Also
    --------
    Survey.priorities, locus_for_focus

    Examples
    --------
    >>> import skillsmap as sm
    >>> ax = sm.plot.ipa(sm.demo_survey(300, seed=0).priorities(), lang="it")
    >>> ax.get_xlabel()
    'prestazione: livello attuale medio'
    """
    tr = lang_of(lang)
    _ = tr.gettext
    table = select_group(as_frame(priorities, "ipa"), group, "ipa")
    if "ipa_quadrant" not in table.columns:
        raise ConfigurationError("ipa takes the table of survey.priorities()")
    variable = read(table).borich_variable or "importance"
    return _quadrant_plot(
        table,
        x="mean_current",
        y="importance",
        cx="ipa_crosshair_performance",
        cy="ipa_crosshair_importance",
        quadrants={
            "concentrate": (0.01, 0.99, N_("Concentrate here"), "left"),
            "keep": (0.99, 0.99, N_("Keep up the good work"), "right"),
            "low": (0.01, 0.01, N_("Low priority"), "left"),
            "overkill": (0.99, 0.01, N_("Possible overkill"), "right"),
        },
        xlabel=_("performance: mean current level"),
        ylabel=_("mean importance") if variable == "importance" else _("mean required level"),
        default_title=group_title(_("Importance–performance analysis"), table, priorities),
        first=table["importance"] - table["mean_current"],
        framework=framework,
        labels=labels,
        ax=ax,
        title=title,
        source=priorities,
        lang=tr.code,
    )


def locus_for_focus(
    priorities: pd.DataFrame,
    *,
    group: Any = None,
    framework: Framework | str | None = None,
    labels: str = "label",
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Locus for Focus (Mink, Shultz & Mink 1991): mean importance (x) ×
    mean gap (y), crosshair at the means of :meth:`Survey.priorities`; the
    upper-right quadrant (HH: important and a large gap) is the focus.

    Parameters
    ----------
    priorities : DataFrame
        From :meth:`Survey.priorities`.
    group, framework, labels, ax, title, lang
        As in :func:`ipa`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigurationError
        As :func:`ipa`.

    See Also
    --------
    Survey.priorities, ipa

    Examples
    --------
    >>> import skillsmap as sm
    >>> ax = sm.plot.locus_for_focus(sm.demo_survey(300, seed=0).priorities(), lang="sl")
    >>> ax.get_ylabel()
    'povprečna vrzel (cilj − trenutno)'
    """
    tr = lang_of(lang)
    _ = tr.gettext
    table = select_group(as_frame(priorities, "locus_for_focus"), group, "locus_for_focus")
    if "lff_quadrant" not in table.columns:
        raise ConfigurationError("locus_for_focus takes the table of survey.priorities()")
    variable = read(table).borich_variable or "importance"
    return _quadrant_plot(
        table,
        x="importance",
        y="mean_gap",
        cx="lff_crosshair_importance",
        cy="lff_crosshair_gap",
        quadrants={
            "LH": (0.01, 0.99, N_("LH: large gap, less important"), "left"),
            "HH": (0.99, 0.99, N_("HH: focus here"), "right"),
            "LL": (0.01, 0.01, "LL", "left"),
            "HL": (0.99, 0.01, N_("HL: important, small gap"), "right"),
        },
        xlabel=_("mean importance") if variable == "importance" else _("mean required level"),
        ylabel=_("mean gap (target − current)"),
        default_title=group_title(_("Locus for Focus"), table, priorities),
        first=table["mwds"],
        framework=framework,
        labels=labels,
        ax=ax,
        title=title,
        source=priorities,
        lang=tr.code,
    )
