"""The co-gap network as a circular figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._i18n import lang_of
from .._model import Framework
from .._provenance import read
from ..errors import ConfigurationError
from ._common import (
    category_colours,
    is_synthetic,
    items,
    new_axes,
    resolve_framework,
    short,
    titled,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._network import CoGapNetwork


def skills_network(
    network: CoGapNetwork,
    *,
    colour_by: str = "area",
    gaps: pd.DataFrame | None = None,
    weight: str = "phi",
    max_edges: int | None = None,
    min_count: int = 0,
    seed: int = 0,
    framework: Framework | str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """The co-gap network: competences on a circle, grouped and coloured by
    area or by community, sized by their mean gap, joined by the network's
    edges (its backbone when the network has one).

    Parameters
    ----------
    network : CoGapNetwork
        From :meth:`Survey.cogap_network`.
    colour_by : {"area", "community"}
        Group and colour competences by framework area, or by the Louvain
        communities of :meth:`CoGapNetwork.communities` (with ``seed``).
    gaps : DataFrame, optional
        Pooled gap table for the node sizes (default: ``survey.gaps()`` of
        the network's survey).
    weight : {"phi", "count"}
        Edge weight shown as line width.
    max_edges : int, optional
        Draw only the strongest edges; default all edges when there are at
        most three per competence, else the strongest 3 × n (the title says
        so).
    min_count : int
        Leave out edges shared by fewer respondents (e.g. the ``min_n`` of
        the gap tables, so that no link rests on one or two people).
    seed : int
        Seed of the community detection.
    framework, ax, title
        As in :func:`gap_heatmap`.
    lang : {"en", "es", "fr", "sl", "fi", "it"}
        Language of the title, axis labels and legends (and of competence
        names where the helper draws them).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigurationError
        For a network that is not a :class:`CoGapNetwork`, an unknown
        ``colour_by``, ``weight`` or ``lang``, or a bad ``gaps``,
        ``max_edges`` or ``min_count``.

    See Also
    --------
    Survey.cogap_network

    Examples
    --------
    >>> import skillsmap as sm
    >>> net = sm.demo_survey(300, seed=0).cogap_network(1.0)
    >>> ax = sm.plot.skills_network(net, lang="fr")
    >>> ax.get_title().startswith("Réseau")
    True
    """
    tr = lang_of(lang)
    _ = tr.gettext
    from .._network import CoGapNetwork

    if not isinstance(network, CoGapNetwork):
        raise ConfigurationError(
            f"skills_network takes a CoGapNetwork (survey.cogap_network()), "
            f"got {type(network).__name__}"
        )
    if colour_by not in {"area", "community"}:
        raise ConfigurationError(f"colour_by must be 'area' or 'community', got {colour_by!r}")
    if weight not in {"phi", "count"}:
        raise ConfigurationError(f"weight must be 'phi' or 'count', got {weight!r}")
    comps = network.competences
    n = len(comps)
    if n == 0:
        raise ConfigurationError("skills_network: the network has no competences")
    if gaps is None:
        gaps = network.pooled_gaps
    if not isinstance(gaps, pd.DataFrame) and type(gaps).__module__.split(".")[0] == "polars":
        gaps = gaps.to_pandas()
    if not isinstance(gaps, pd.DataFrame):
        raise ConfigurationError(
            f"gaps must be a DataFrame of survey.gaps(), got {type(gaps).__name__}"
        )
    if not isinstance(min_count, (int, np.integer)) or min_count < 0:
        raise ConfigurationError(f"min_count must be a non-negative integer, got {min_count!r}")
    fw = network.framework if framework is None else resolve_framework(framework, gaps)
    info = items(fw, tr)
    if colour_by == "community":
        comm = network.communities(seed=seed).set_index("competence")["community"]
        number = [int(comm[c]) + 1 for c in comps["competence"]]
        group = [_("community {n}").format(n=k) for k in number]
        by_number = dict(zip(group, number, strict=True))
        group_order = sorted(set(group), key=lambda g: by_number[g])
    else:
        group = [str(a) for a in comps["area"]]
        group_order = info.areas_in(group)
    colours = category_colours(group_order)
    if "competence" not in gaps.columns or "mean_gap" not in gaps.columns:
        raise ConfigurationError("gaps must be a pooled competence-level table of survey.gaps()")
    if read(gaps).by:
        raise ConfigurationError("gaps must be pooled (survey.gaps() without by=)")
    gap = gaps.set_index("competence")["mean_gap"].reindex(comps["competence"]).to_numpy(float)
    # positions: groups in order around the circle, with a gap between groups
    members = {g: [i for i in range(n) if group[i] == g] for g in group_order}
    slots = n + len(group_order)
    angle = np.zeros(n)
    pos = 0
    for g in group_order:
        for i in members[g]:
            angle[i] = np.pi / 2 - 2 * np.pi * pos / slots
            pos += 1
        pos += 1
    xy = np.column_stack([np.cos(angle), np.sin(angle)])
    edges = network.edges[network.edges["count"] >= min_count]
    total = len(edges)
    limit = max_edges if max_edges is not None else (total if total <= 3 * n else 3 * n)
    if limit < 0:
        raise ConfigurationError(f"max_edges must be non-negative, got {limit}")
    shown = edges.sort_values(weight, ascending=False, kind="stable").head(limit)
    index = {c: i for i, c in enumerate(comps["competence"])}
    ax = new_axes(ax, (9.5, 9.0))
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    if len(shown):
        w = shown[weight].to_numpy(dtype=np.float64)
        lo, hi = float(w.min()), float(w.max())
        rel = (w - lo) / (hi - lo) if hi > lo else np.ones_like(w)
        for (s, t), r in zip(shown[["source", "target"]].to_numpy(), rel, strict=True):
            a, b = xy[index[s]], xy[index[t]]
            ctrl = (a + b) * 0.25
            path = Path([a, ctrl, b], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
            ax.add_patch(
                PathPatch(
                    path,
                    facecolor="none",
                    edgecolor="0.35",
                    linewidth=0.4 + 2.6 * r,
                    alpha=0.25 + 0.45 * r,
                    zorder=1,
                )
            )
    finite = gap[np.isfinite(gap)]
    top = float(np.abs(finite).max()) if finite.size else 1.0
    size = 30 + 320 * np.clip(np.nan_to_num(gap, nan=0.0), 0, None) / (top if top > 0 else 1)
    for g in group_order:
        idx = members[g]
        ax.scatter(
            xy[idx, 0],
            xy[idx, 1],
            s=size[idx],
            color=colours[g],
            edgecolor="black",
            linewidth=0.5,
            zorder=3,
            label=short(info.area_labels.get(g, g), 36),
        )
    fontsize = 7.5 if n <= 40 else max(4.0, 7.5 * 40 / n)
    for i, c in enumerate(comps["competence"]):
        deg = np.degrees(angle[i]) % 360
        left = 90 < deg < 270
        ax.text(
            1.1 * xy[i, 0],
            1.1 * xy[i, 1],
            short(info.label(c), 34),
            rotation=deg - 180 if left else deg,
            rotation_mode="anchor",
            ha="right" if left else "left",
            va="center",
            fontsize=fontsize,
            zorder=4,
        )
    # room for the longest label outside the circle
    longest = max((len(short(info.label(c), 34)) for c in comps["competence"]), default=10)
    lim = min(2.05, 1.25 + 0.024 * longest * fontsize / 7.5)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        ncol=2,
        fontsize=7,
        frameon=False,
        markerscale=0.5,
        title=_("node size: mean gap; line width: {weight}").format(
            weight="φ" if weight == "phi" else _("co-gap count")
        ),
        title_fontsize=7,
    )
    default = _("Co-gap network (gap ≥ {threshold})").format(threshold=tr.num(network.threshold, 1))
    if network.backbone is not None:
        default += f", {network.describe_backbone(lang=tr)}"  # i18n: not text
    if len(shown) < total:
        default += "\n" + _("strongest {shown} of {total} links by {weight}").format(
            shown=len(shown), total=total, weight=weight
        )
    elif total == 0:
        default += "\n" + _("no links")
    titled(ax, title, default, is_synthetic(network), tr)
    return ax
