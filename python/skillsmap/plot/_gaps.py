"""Gap figures: heatmap, radar, Borich bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._i18n import N_, lang_of
from .._model import Framework
from .._profiles import pivot
from .._provenance import read
from ..errors import ConfigurationError
from ._common import (
    DIVERGING,
    OKABE_ITO,
    SEQUENTIAL,
    annotate_cells,
    as_frame,
    category_colours,
    colormap,
    entity_label,
    group_names,
    group_title,
    is_synthetic,
    items,
    new_axes,
    number_axis,
    pyplot,
    resolve_framework,
    select_group,
    short,
    titled,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_VALUE_LABELS = {
    "mean_gap": N_("mean gap (target − current, scale points)"),
    "mean_positive_gap": N_("mean positive gap (scale points)"),
    "normalised_gap": N_("gap as a share of the scale range"),
    "relative_gap": N_("gap relative to the target level"),
    "mwds": N_("Borich mean weighted discrepancy score"),
    "mean_current": N_("mean current level"),
    "mean_required": N_("mean required level"),
    "mean_importance": N_("mean importance"),
    "attainment": N_("attainment (current / target)"),
}
# the same statistics as title words
_VALUE_TITLES = {
    "mean_gap": N_("Mean gap"),
    "mean_positive_gap": N_("Mean positive gap"),
    "normalised_gap": N_("Normalised gap"),
    "relative_gap": N_("Relative gap"),
    "mwds": N_("Borich score"),
    "mean_current": N_("Mean current level"),
    "mean_required": N_("Mean required level"),
    "mean_importance": N_("Mean importance"),
    "attainment": N_("Attainment"),
}

_SIGNED = {"mean_gap", "normalised_gap", "relative_gap", "mwds"}


def _profiles(data: pd.DataFrame, value: str | None, what: str) -> tuple[pd.DataFrame, str]:
    """An entity × item matrix from a gap table (long) or profiles (wide)."""
    data = as_frame(data, what)
    if "suppressed" in data.columns:
        value = value or "mean_gap"
        if value not in data.columns:
            raise ConfigurationError(f"{what}: the gap table has no column {value!r}")
        if not pd.api.types.is_numeric_dtype(data[value]) or data[value].dtype == bool:
            raise ConfigurationError(f"{what}: {value!r} is not a numeric column of the gap table")
        return pivot(data, value, mask_suppressed=True), value
    attr_value = read(data).value
    if value is not None and attr_value is not None and value != attr_value:
        raise ConfigurationError(
            f"{what}: these profiles hold {attr_value!r}, not {value!r}; "
            f"use survey.profiles(value={value!r})"
        )
    try:
        wide = data.astype("float64")
    except (TypeError, ValueError) as err:
        raise ConfigurationError(f"{what}: profiles must be numeric ({err})") from err
    wide.attrs.update(data.attrs)
    return wide, str(value or attr_value or "mean_gap")


def _item_order(columns: Sequence[Any], info: Any) -> list[Any]:
    """Columns in framework order grouped by area; unknown ones keep their place at the end."""
    names = set(map(str, columns))
    known = [c for c in info.order if c in names]
    known_areas = [c for c in info.area_order if c in names]
    placed = set(known) | set(known_areas)
    rest = [c for c in columns if str(c) not in placed]
    by_str = {str(c): c for c in columns}
    return [by_str[c] for c in known + known_areas] + rest


def gap_heatmap(
    data: pd.DataFrame,
    *,
    value: str | None = None,
    framework: Framework | str | None = None,
    names: Mapping[Any, str] | None = None,
    annotate: bool | None = None,
    cmap: str | None = None,
    vmax: float | None = None,
    mark: pd.DataFrame | None = None,
    alpha: float = 0.05,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Heatmap of a gap statistic: competences (rows, grouped by area) ×
    entities (columns).

    Parameters
    ----------
    data : DataFrame
        Profiles from :meth:`Survey.profiles` (entities × competences), or a
        gap table from :meth:`Survey.gaps` (pooled or grouped).
    value : str, optional
        The statistic of a gap table (default ``mean_gap``); for profiles,
        the one they hold.
    framework : Framework or id, optional
        Labels and areas of the competences; default the framework of the
        table's provenance (``data.attrs["provenance"]``).
    names : mapping, optional
        Display names of the entities (default those of the provenance).
    annotate : bool, optional
        Write the values in the cells; default when they fit.
    cmap : str, optional
        A diverging palette centred on 0 (``RdBu_r``) for signed statistics,
        ``cividis`` for levels.
    vmax : float, optional
        Colour limit (symmetric for signed statistics); default the largest
        absolute value.
    mark : DataFrame, optional
        A post-hoc table from :meth:`Survey.posthoc` (same grouping and
        items): cells whose group differs significantly (``p_adj`` <
        ``alpha``, Dunn's test) from at least one other group on that item
        are outlined in black, and the colour-bar label says so.
    alpha : float
        The significance level of ``mark``.
    ax : Axes, optional
    title : str, optional
    lang : {"en", "es", "fr", "sl", "fi", "it"}
        Language of the titles, axis labels and legends, and of the
        competence and area names when the framework has them in that
        language; numbers in the cells follow the language's format.

    Returns
    -------
    matplotlib.axes.Axes
        Suppressed cells (too few respondents) are hatched grey.

    Raises
    ------
    ConfigurationError
        For a table that is not a gap table or profiles, a bad ``vmax``,
        ``mark`` or ``alpha``, or an unsupported ``lang``.

    See Also
    --------
    Survey.gaps, Survey.profiles, Survey.posthoc

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(600, seed=0)
    >>> ax = sm.plot.gap_heatmap(s.gaps(by="region"), mark=s.posthoc(by="region"))
    >>> len(ax.patches) > 1  # the hatched background and the outlined cells
    True
    >>> ax = sm.plot.gap_heatmap(s.gaps(by="region"), lang="fi")
    >>> ax.get_title().splitlines()[-1]
    '(synteettinen esittelyaineisto)'
    """
    tr = lang_of(lang)
    _ = tr.gettext
    wide, value = _profiles(data, value, "gap_heatmap")
    info = items(resolve_framework(framework, data), tr)
    wide = wide[_item_order(list(wide.columns), info)]
    labels = group_names(data, names)
    entities = [entity_label(k, labels) for k in wide.index]
    mat = wide.to_numpy(dtype=np.float64).T  # items × entities
    n_items, n_ent = mat.shape
    finite = mat[np.isfinite(mat)]
    signed = value in _SIGNED or (finite.size > 0 and finite.min() < 0)
    top = float(np.abs(finite).max()) if finite.size else 1.0
    if vmax is None:
        vmax = top if top > 0 else 1.0
    elif not np.isfinite(vmax) or vmax <= 0:
        raise ConfigurationError(f"vmax must be a positive number, got {vmax!r}")
    pyplot()
    from matplotlib.colors import Normalize, TwoSlopeNorm
    from matplotlib.patches import Rectangle

    item_labels = [short(info.label(c), 48) for c in wide.columns]
    longest = max((len(t) for t in item_labels), default=10)
    ent_long = max((len(e) for e in entities), default=4)
    figsize = (
        min(2.2 + 0.065 * longest + 0.75 * n_ent + 1.8, 22.0),
        min(2.2 + 0.27 * n_items + (0.07 * ent_long if n_ent > 8 else 0.3), 30.0),
    )
    ax = new_axes(ax, figsize)
    if signed:
        norm: Normalize = TwoSlopeNorm(vcenter=0.0, vmin=-vmax, vmax=vmax)
        cm = colormap(cmap or DIVERGING).with_extremes(bad=(0, 0, 0, 0))
    else:
        lo = float(finite.min()) if finite.size else 0.0
        norm = Normalize(vmin=lo, vmax=vmax if vmax > lo else lo + 1)
        cm = colormap(cmap or SEQUENTIAL).with_extremes(bad=(0, 0, 0, 0))
    ax.add_patch(
        Rectangle(
            (-0.5, -0.5),
            n_ent,
            n_items,
            facecolor="0.93",
            edgecolor="0.55",
            hatch="///",
            linewidth=0,
            zorder=0,
        )
    )
    image = ax.imshow(
        np.ma.masked_invalid(mat),
        cmap=cm,
        norm=norm,
        aspect="auto",
        interpolation="nearest",
        zorder=1,
    )
    mark_note = ""
    if mark is not None:
        cells, mark_note = _marked_cells(mark, alpha, list(wide.index), list(wide.columns), _)
        for i, j in cells:
            ax.add_patch(
                Rectangle(
                    (j - 0.45, i - 0.45),
                    0.9,
                    0.9,
                    fill=False,
                    edgecolor="black",
                    linewidth=1.6,
                    zorder=5,
                )
            )
    ax.set_xticks(np.arange(n_ent))
    ax.set_xticks(np.arange(-0.5, n_ent), minor=True)
    ax.set_yticks(np.arange(n_items))
    ax.set_yticklabels(item_labels, fontsize=8)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(axis="x", labelsize=8)
    if n_ent <= 8:
        ax.set_xticklabels([wrap(e, 12) for e in entities])
    else:
        ax.set_xticklabels(entities, rotation=90)
    ax.xaxis.tick_top()
    for spine in ax.spines.values():
        spine.set_visible(False)
    # area groups: separators and names on the right
    areas = [info.area(c) if c in info.area_of else None for c in map(str, wide.columns)]
    if any(a is not None for a in areas):
        bounds, centres, names_ = [], [], []
        start = 0
        for i in range(1, n_items + 1):
            if i == n_items or areas[i] != areas[start]:
                if areas[start] is not None:
                    centres.append((start + i - 1) / 2)
                    names_.append(wrap(info.area_labels.get(areas[start], areas[start]), 22))
                if i < n_items:
                    bounds.append(i - 0.5)
                start = i
        for b in bounds:
            ax.axhline(b, color="white", linewidth=2.5, zorder=3)
        sec = ax.secondary_yaxis("right")
        sec.set_yticks(centres)
        sec.set_yticklabels(names_, fontsize=8, fontweight="bold")
        sec.tick_params(length=0)
        sec.spines["right"].set_visible(False)
    fig = ax.figure
    cbar = fig.colorbar(image, ax=ax, orientation="horizontal", shrink=0.6, pad=0.02, aspect=40)
    cbar.set_label(_(_VALUE_LABELS.get(value, value)) + mark_note, fontsize=8)
    cbar.ax.tick_params(labelsize=7)
    # annotate when the cells are big enough
    bbox = ax.get_window_extent()
    cell_w = bbox.width / max(n_ent, 1) * 72 / fig.dpi
    cell_h = bbox.height / max(n_items, 1) * 72 / fig.dpi
    fits = cell_w >= 26 and cell_h >= 9
    if annotate or (annotate is None and fits):
        annotate_cells(ax, image, fontsize=6.5, lang=tr)
    ax.set_xlim(-0.5, n_ent - 0.5)
    ax.set_ylim(n_items - 0.5, -0.5)
    what = _(_VALUE_TITLES[value]) if value in _VALUE_TITLES else str(value)
    default = _("{value} by competence").format(value=what)
    titled(ax, title, default, is_synthetic(data), tr)
    return ax


def _marked_cells(
    mark: Any, alpha: Any, entities: list[Any], columns: list[Any], _: Any
) -> tuple[list[tuple[int, int]], str]:
    """(item, entity) positions of the cells a post-hoc table marks, and the
    note for the colour-bar label."""
    from .._checks import number

    if isinstance(mark, pd.DataFrame) and mark.empty and {"group_a", "p_adj"} <= set(mark.columns):
        return [], ""  # one group: no pair to test, nothing to mark
    mark = as_frame(mark, "gap_heatmap(mark=…)")
    alpha = number("alpha", alpha)
    if not 0 < alpha < 1:
        raise ConfigurationError(f"alpha must lie in (0, 1), got {alpha}")
    need = {"group_a", "group_b", "p_adj"}
    item = "competence" if "competence" in mark.columns else "area"
    if not need <= set(mark.columns) or item not in mark.columns:
        raise ConfigurationError(
            "gap_heatmap: mark must be a post-hoc table from Survey.posthoc "
            f"(columns group_a, group_b, p_adj and the item), got {list(mark.columns)}"
        )
    sig = mark[mark["p_adj"] < alpha]
    hit = {(str(g), str(c)) for g, c in zip(sig["group_a"], sig[item], strict=True)}
    hit |= {(str(g), str(c)) for g, c in zip(sig["group_b"], sig[item], strict=True)}
    cells = [
        (i, j)
        for i, c in enumerate(columns)
        for j, e in enumerate(entities)
        if (str(e), str(c)) in hit
    ]
    prov = read(mark)
    if prov.p_adjust in (None, "none"):
        note = _("outlined: differs from at least one other group (Dunn's test, p < {alpha})")
    else:
        note = _(
            "outlined: differs from at least one other group "
            "(Dunn's test, {method}-adjusted p < {alpha})"
        )
    return cells, "\n" + note.format(method=prov.p_adjust, alpha=f"{alpha:g}")


def radar(
    profiles: pd.DataFrame,
    *,
    entities: Sequence[Any] | None = None,
    framework: Framework | str | None = None,
    names: Mapping[Any, str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Radar (spider) chart of up to 8 profiles.

    Parameters
    ----------
    profiles : DataFrame
        From :meth:`Survey.profiles` (rows entities, columns competences or
        areas); ``profiles(level="area")`` reads best.
    entities : sequence, optional
        Which rows to draw (at most 8); default all rows if there are at
        most 8.
    framework, names, ax, title, lang
        As in :func:`gap_heatmap`; ``ax`` must be polar.

    Returns
    -------
    matplotlib.axes.PolarAxes
        Spokes in framework order; a suppressed value breaks the line.

    Raises
    ------
    ConfigurationError
        For a gap table instead of profiles, more than 8 profiles, fewer
        than 3 spokes, an unknown entity or an unsupported ``lang``.

    See Also
    --------
    Survey.profiles, gap_heatmap

    Examples
    --------
    >>> import skillsmap as sm
    >>> prof = sm.demo_survey(300, seed=0).profiles(by="region", level="area")
    >>> ax = sm.plot.radar(prof, lang="es")
    >>> ax.get_title().splitlines()[0]
    'Perfiles: Brecha media'
    """
    tr = lang_of(lang)
    _ = tr.gettext
    wide, value = _profiles(profiles, None, "radar")
    if "suppressed" in profiles.columns:
        raise ConfigurationError("radar takes profiles (survey.profiles(...)), not a gap table")
    if entities is None:
        if len(wide) > 8:
            raise ConfigurationError(
                f"radar draws at most 8 profiles and these have {len(wide)}; choose entities="
            )
        chosen = wide
    else:
        entities = [entities] if isinstance(entities, (str, tuple)) else list(entities)
        if not 1 <= len(entities) <= 8:
            raise ConfigurationError(f"radar draws 1 to 8 profiles, got {len(entities)}")
        missing = [e for e in entities if e not in wide.index]
        if missing:
            raise ConfigurationError(f"radar: no profile for {missing!r}")
        chosen = wide.loc[entities]
    info = items(resolve_framework(framework, profiles), tr)
    chosen = chosen[_item_order(list(chosen.columns), info)]
    n = chosen.shape[1]
    if n < 3:
        raise ConfigurationError(f"radar needs at least 3 spokes, got {n}")
    labels = group_names(profiles, names)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ax = new_axes(ax, (7.0, 7.4), polar=True)
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    colours = OKABE_ITO
    for k, (key, row) in enumerate(chosen.iterrows()):
        vals = row.to_numpy(dtype=np.float64)
        closed = np.append(vals, vals[0])
        ang = np.append(angles, angles[0])
        colour = colours[k % len(colours)]
        ax.plot(
            ang, closed, color=colour, linewidth=1.6, label=short(entity_label(key, labels), 40)
        )
        ax.fill(ang[np.isfinite(closed)], closed[np.isfinite(closed)], color=colour, alpha=0.06)
    ax.set_xticks(angles)
    if n <= 12:
        spoke = [wrap(info.label(c), 18) for c in chosen.columns]
        size = 8.0
    else:
        spoke = [info.codes.get(str(c), short(str(c), 10)) for c in chosen.columns]
        size = 7.0
    ax.set_xticklabels(spoke, fontsize=size)
    ax.tick_params(axis="x", pad=10)
    ax.tick_params(axis="y", labelsize=7, labelcolor="0.4")
    ax.set_rlabel_position(180.0 / n)  # radial ticks between the first two spokes
    finite = chosen.to_numpy(dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size and finite.min() < 0:
        ax.set_rlim(min(finite.min() * 1.1, 0), max(finite.max() * 1.1, 0.1))
    longest = max(len(entity_label(k, labels)) for k in chosen.index)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=max(1, min(len(chosen), 3, 90 // (min(longest, 40) + 6))),
        fontsize=8,
        frameon=False,
    )
    what = _(_VALUE_TITLES[value]) if value in _VALUE_TITLES else str(value)
    default = _("{value} profiles").format(value=what)
    titled(ax, title, default, is_synthetic(profiles), tr)
    return ax


def borich_bars(
    gaps: pd.DataFrame,
    *,
    group: Any = None,
    top: int | None = None,
    framework: Framework | str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Ranked Borich MWDS bars, coloured by area, with bootstrap whiskers.

    Parameters
    ----------
    gaps : DataFrame
        From :meth:`Survey.gaps`; with ``ci=`` the bars carry the
        ``mwds_lo`` – ``mwds_hi`` interval.
    group : value or tuple, optional
        The group to draw when the table is grouped (e.g. ``"FI1D7"``).
    top : int, optional
        Only the ``top`` highest scores.
    framework, ax, title, lang
        As in :func:`gap_heatmap`.

    Returns
    -------
    matplotlib.axes.Axes
        Suppressed items are left out (the title counts them).

    Raises
    ------
    ConfigurationError
        For a table that is not from :meth:`Survey.gaps`, a bad ``top`` or
        ``group``, every item suppressed, or an unsupported ``lang``.

    See Also
    --------
    Survey.gaps

    Examples
    --------
    >>> import skillsmap as sm
    >>> g = sm.demo_survey(300, seed=0).gaps(ci=0.9, n_boot=100, seed=0)
    >>> ax = sm.plot.borich_bars(g, top=5, lang="fr")
    >>> ax.get_xlabel().split(";")[0]
    'Score moyen d’écart pondéré de Borich (MWDS)'
    """
    tr = lang_of(lang)
    _ = tr.gettext
    if isinstance(gaps, pd.DataFrame) and not {"mwds", "suppressed"} <= set(gaps.columns):
        raise ConfigurationError("borich_bars takes a gap table from survey.gaps()")
    table = select_group(as_frame(gaps, "borich_bars"), group, "borich_bars")
    item = "area" if read(table).level == "area" else "competence"
    kept = table[~table["suppressed"].astype(bool) & table["mwds"].notna()]
    n_out = len(table) - len(kept)
    kept = kept.sort_values("mwds", ascending=False, kind="stable")
    if top is not None:
        if not isinstance(top, (int, np.integer)) or isinstance(top, bool) or top < 1:
            raise ConfigurationError(f"top must be a positive integer, got {top!r}")
        kept = kept.head(top)
    if kept.empty:
        raise ConfigurationError("borich_bars: every item is suppressed (too few respondents)")
    info = items(resolve_framework(framework, gaps), tr)
    n = len(kept)
    labels = [short(info.label(c), 48) for c in kept[item]]
    ax = new_axes(ax, (8.5, 1.4 + 0.27 * n))
    area_keys = [info.area(c) if item == "competence" else str(c) for c in kept[item]]
    order = info.areas_in(area_keys)
    colours = category_colours(order)
    ypos = np.arange(n)
    vals = kept["mwds"].to_numpy(dtype=np.float64)
    ax.barh(ypos, vals, color=[colours[a] for a in area_keys], height=0.7, zorder=2)
    if {"mwds_lo", "mwds_hi"} <= set(kept.columns):
        lo = kept["mwds_lo"].to_numpy(dtype=np.float64)
        hi = kept["mwds_hi"].to_numpy(dtype=np.float64)
        err = np.vstack([np.clip(vals - lo, 0, None), np.clip(hi - vals, 0, None)])
        ok = np.isfinite(err).all(axis=0)
        ax.errorbar(
            vals[ok],
            ypos[ok],
            xerr=err[:, ok],
            fmt="none",
            ecolor="0.2",
            elinewidth=0.9,
            capsize=2,
            zorder=3,
        )
    ax.set_yticks(ypos)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.set_axisbelow(True)
    ci = read(table).ci
    xlabel = _("Borich mean weighted discrepancy score (MWDS)")
    if ci and {"mwds_lo", "mwds_hi"} <= set(kept.columns):
        xlabel += "; " + _("whiskers: {level}% bootstrap interval").format(
            level=round(100 * float(ci))
        )
    ax.set_xlabel(xlabel, fontsize=8)
    number_axis(ax.xaxis, tr)
    ax.tick_params(axis="x", labelsize=8)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    if item == "competence" and info.area_labels:
        from matplotlib.patches import Patch

        handles = [
            Patch(color=colours[a], label=short(info.area_labels.get(a, a), 40)) for a in order
        ]
        ax.legend(handles=handles, fontsize=7, frameon=False, loc="best")
    default = group_title(_("Training priorities (Borich MWDS)"), table, gaps)
    if n_out:
        default += "; " + _("suppressed items not shown: {n}").format(n=n_out)
    titled(ax, title, default, is_synthetic(gaps), tr)
    return ax
