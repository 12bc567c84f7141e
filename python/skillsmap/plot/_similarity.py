"""Similarity clustermap and learning-match figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._i18n import lang_of
from .._provenance import read
from ..errors import ConfigurationError
from ._common import (
    SEQUENTIAL,
    annotate_cells,
    as_frame,
    entity_label,
    group_names,
    is_synthetic,
    items,
    new_axes,
    number_axis,
    pyplot,
    resolve_framework,
    short,
    titled,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_LINKAGES = ("average", "complete", "single", "weighted")


def leaf_order(similarity: pd.DataFrame | np.ndarray, method: str = "average") -> tuple[Any, Any]:
    """Hierarchical clustering of a similarity matrix on the distance 1 − s
    (undefined similarities count as the largest distance, 2).

    Parameters
    ----------
    similarity : pandas.DataFrame or numpy.ndarray
        A square similarity matrix (e.g. from :meth:`Survey.similarity`),
        at least 2 × 2; the distance is symmetrised.
    method : {"average", "complete", "single", "weighted"}
        SciPy's linkage method.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The SciPy linkage matrix and the dendrogram's leaf order (row
        positions), the order :func:`similarity_clustermap` draws.

    Raises
    ------
    ConfigurationError
        For an unknown method or a matrix that is not square.

    See Also
    --------
    similarity_clustermap : The clustered heatmap drawn in this order.

    Examples
    --------
    >>> import numpy as np
    >>> import skillsmap as sm
    >>> s = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]])
    >>> z, order = sm.plot.leaf_order(s)
    >>> sorted(order.tolist())
    [0, 1, 2]
    >>> z.shape
    (2, 4)
    """
    if method not in _LINKAGES:
        raise ConfigurationError(f"method must be one of {', '.join(_LINKAGES)}; got {method!r}")
    try:
        from scipy.cluster.hierarchy import leaves_list, linkage
        from scipy.spatial.distance import squareform
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the clustermap needs scipy: pip install 'skillsmap[plot]'") from err
    s = np.asarray(similarity, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != s.shape[1] or s.shape[0] < 2:
        raise ConfigurationError(
            f"leaf_order takes a square similarity matrix of at least 2 × 2, got shape {s.shape}"
        )
    d = np.where(np.isfinite(s), 1.0 - s, 2.0)
    d = np.clip((d + d.T) / 2, 0.0, None)
    np.fill_diagonal(d, 0.0)
    z = linkage(squareform(d, checks=False), method=method)
    return z, leaves_list(z)


def similarity_clustermap(
    similarity: pd.DataFrame,
    *,
    method: str = "average",
    names: Mapping[Any, str] | None = None,
    annotate: bool | None = None,
    cmap: str = SEQUENTIAL,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """A similarity matrix ordered by hierarchical clustering, with its
    dendrogram on the left.

    Parameters
    ----------
    similarity : DataFrame
        Square, labelled: :func:`skillsmap.similarity` of profiles.
    method : {"average", "complete", "single", "weighted"}
        Linkage on the distance 1 − similarity (SciPy).
    names : mapping, optional
        Display names of the entities (default those of the provenance).
    annotate : bool, optional
        Write the values in the cells; default for up to 12 entities.
    cmap : str
        Sequential palette (default cividis).
    ax : Axes, optional
        The heatmap's axes; the dendrogram goes into an inset on its left.
    title : str, optional
    lang : {"en", "es", "fr", "sl", "fi", "it"}
        Language of the title, axis labels and legends (and of competence
        names where the helper draws them).

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap's axes.

    Raises
    ------
    ConfigurationError
        For a matrix that is not square and labelled alike on both axes,
        fewer than two entities, an unknown ``method`` or ``lang``.

    See Also
    --------
    skillsmap.similarity, leaf_order

    Examples
    --------
    >>> import skillsmap as sm
    >>> prof = sm.demo_survey(300, seed=0).profiles(by="region")
    >>> ax = sm.plot.similarity_clustermap(sm.similarity(prof, "pearson"), lang="es")
    >>> ax.get_title().startswith("Similitud")
    True
    """
    tr = lang_of(lang)
    _ = tr.gettext
    sim = as_frame(similarity, "similarity_clustermap")
    if sim.shape[0] != sim.shape[1] or not sim.index.equals(sim.columns):
        raise ConfigurationError(
            "similarity_clustermap takes a square similarity matrix labelled the same on both axes"
        )
    n = sim.shape[0]
    if n < 2:
        raise ConfigurationError("similarity_clustermap needs at least two entities")
    z, order = leaf_order(sim.to_numpy(dtype=np.float64), method)
    from scipy.cluster.hierarchy import dendrogram

    ordered = sim.iloc[order, order]
    labels = group_names(similarity, names)
    text = [short(entity_label(k, labels), 32) for k in ordered.index]
    plt = pyplot()
    side = min(3.0 + 0.42 * n, 18.0)
    if ax is None:
        fig, (dax, ax) = plt.subplots(
            1,
            2,
            figsize=(side + 3.2, side + 1.0),
            width_ratios=[1, 4],
            layout="constrained",
        )
    else:
        dax = ax.inset_axes((-0.32, 0.0, 0.3, 1.0))
        fig = ax.figure
    mat = ordered.to_numpy(dtype=np.float64)
    finite = mat[np.isfinite(mat)]
    vmin = float(finite.min()) if finite.size else 0.0
    image = ax.imshow(
        np.ma.masked_invalid(mat),
        cmap=cmap,
        vmin=min(vmin, 1.0 - 1e-9),
        vmax=1.0,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(np.arange(n))
    ax.set_yticks(np.arange(n))
    longest = max(len(t) for t in text)
    ax.set_xticklabels(text, rotation=90 if longest > 4 else 0, fontsize=8)
    ax.set_yticklabels(text, fontsize=8)
    ax.yaxis.tick_right()
    ax.xaxis.tick_bottom()
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    if annotate or (annotate is None and n <= 12):
        annotate_cells(ax, image, fontsize=7)
    tree = dendrogram(z, no_plot=True)
    for xs, ys in zip(tree["icoord"], tree["dcoord"], strict=True):
        dax.plot(ys, (np.asarray(xs) - 5.0) / 10.0, color="0.25", linewidth=0.9)
    dax.set_ylim(n - 0.5, -0.5)
    top = max(float(np.max(tree["dcoord"])), 1e-9)
    dax.set_xlim(top * 1.05, 0)
    dax.axis("off")
    cbar = fig.colorbar(image, ax=ax, location="bottom", shrink=0.6, pad=0.04, aspect=35)
    metric = read(similarity).metric
    if metric:
        cbar.set_label(_("similarity ({metric})").format(metric=metric), fontsize=8)
    else:
        cbar.set_label(_("similarity"), fontsize=8)
    cbar.ax.tick_params(labelsize=7)
    number_axis(cbar.ax.xaxis, tr)
    default = _("Similarity of gap profiles, clustered")
    if metric:
        default += " " + _("({metric}, {method} linkage)").format(metric=metric, method=method)
    titled(ax, title, default, is_synthetic(similarity), tr)
    return ax


def learning_matches(
    matches: pd.DataFrame,
    *,
    kind: str = "matrix",
    competence: str | None = None,
    top: int = 15,
    names: Mapping[Any, str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Learning matches of :meth:`Survey.learning_matches`.

    Parameters
    ----------
    matches : DataFrame
        The table of :meth:`Survey.learning_matches`.
    kind : {"matrix", "table"}
        ``"matrix"``: learners (rows) × mentors (columns), each cell the
        number of competences the learner could learn from the mentor — or,
        with ``competence=``, the score of each pair for that competence.
        ``"table"``: the ``top`` pairs by score as a table figure, with the
        learner's gap and its bootstrap interval.
    competence : str, optional
        One competence id (``matches["competence"]``) for the matrix.
    top : int
        Rows of the table.
    names, ax, title, lang
        As in :func:`similarity_clustermap`; with ``lang`` the competence
        names come from the matches' framework in that language.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigurationError
        For a table not from :meth:`Survey.learning_matches`, an unknown
        ``kind``, ``competence`` or ``lang``, or ``top`` below 1.

    See Also
    --------
    Survey.learning_matches

    Examples
    --------
    >>> import skillsmap as sm
    >>> m = sm.demo_survey(300, seed=0).learning_matches(n_boot=50)
    >>> ax = sm.plot.learning_matches(m, lang="fi")
    >>> ax.get_xlabel()
    'mentori (korkeampi nykytaso)'
    """
    tr = lang_of(lang)
    _ = tr.gettext
    table = as_frame(matches, "learning_matches")
    if not {"learner", "mentor", "score"} <= set(table.columns):
        raise ConfigurationError("learning_matches takes the table of survey.learning_matches()")
    labels = group_names(matches, names)
    by = next(iter(read(matches).by), "region")
    what = _("Interregional learning matches") if by == "region" else _("Learning matches")
    info = items(resolve_framework(None, matches), tr)
    if competence is not None:
        if kind != "matrix":
            raise ConfigurationError("competence= goes with kind='matrix'")
        if competence not in set(table["competence"]):
            raise ConfigurationError(f"learning_matches: no match for competence {competence!r}")
        table = table[table["competence"] == competence]
    if kind == "matrix":
        seen = set(table["learner"]) | set(table["mentor"])
        known = [k for k in labels if k in {str(x) for x in seen}]
        by_str = {str(x): x for x in seen}
        order = [by_str[k] for k in known] + [
            x for x in dict.fromkeys([*table["learner"], *table["mentor"]]) if str(x) not in known
        ]
        if competence is None:
            counts = pd.crosstab(table["learner"], table["mentor"])
        else:
            counts = table.pivot_table(
                index="learner", columns="mentor", values="score", aggfunc="sum"
            )
        counts = counts.reindex(index=order, columns=order).astype("float64")
        used = counts.fillna(0) > 0
        counts = counts.loc[used.any(axis=1).to_numpy(), used.any(axis=0).to_numpy()]
        if competence is None:
            counts = counts.fillna(0.0)
            for k in counts.index.intersection(counts.columns):
                counts.loc[k, k] = np.nan  # a group never learns from itself
        rows = [short(entity_label(k, labels), 28) for k in counts.index]
        cols = [short(entity_label(k, labels), 28) for k in counts.columns]
        nr, nc = counts.shape
        ax = new_axes(ax, (2.8 + 0.07 * max(map(len, rows)) + 0.7 * nc, 2.6 + 0.45 * nr))
        mat = counts.to_numpy(dtype=np.float64)
        cm = pyplot().get_cmap(SEQUENTIAL).with_extremes(bad="0.92")
        image = ax.imshow(np.ma.masked_invalid(mat), cmap=cm, aspect="auto", vmin=0)
        if competence is None:
            annotate_cells(ax, image, "{:.0f}", fontsize=8)
        else:
            annotate_cells(ax, image, fontsize=8, lang=tr)
        ax.set_xticks(np.arange(nc))
        ax.set_yticks(np.arange(nr))
        long = max(map(len, cols))
        ax.set_xticklabels(cols, rotation=90 if long > 9 or nc > 8 else 0, fontsize=8)
        ax.set_yticklabels(rows, fontsize=8)
        ax.set_xlabel(_("mentor (higher current level)"), fontsize=9)
        ax.set_ylabel(_("learner (large gap)"), fontsize=9)
        cbar = ax.figure.colorbar(image, ax=ax, shrink=0.8)
        cbar.set_label(_("competences matched") if competence is None else _("score"), fontsize=8)
        cbar.ax.tick_params(labelsize=7)
        number_axis(cbar.ax.yaxis, tr)
        if competence is None:
            default = _("{what}: competences per learner–mentor pair").format(what=what)
        else:
            label = info.labels.get(str(competence)) or (
                table["competence_label"].iloc[0] if "competence_label" in table else competence
            )
            default = _("{what}: {competence} (score)").format(
                what=what, competence=short(label, 50)
            )
        titled(ax, title, default, is_synthetic(matches), tr)
        return ax
    if kind != "table":
        raise ConfigurationError(f"kind must be 'matrix' or 'table', got {kind!r}")
    if top < 1:
        raise ConfigurationError(f"top must be positive, got {top}")
    best = table.sort_values("score", ascending=False, kind="stable").head(top)
    cells = []
    for _i, r in best.iterrows():
        ci = ""
        if "learner_gap_lo" in best.columns and np.isfinite(r["learner_gap_lo"]):
            ci = f" [{tr.num(r['learner_gap_lo'])}; {tr.num(r['learner_gap_hi'])}]"
        comp = str(r.get("competence", ""))
        cells.append(
            [
                short(entity_label(r["learner"], labels), 22),
                short(info.labels.get(comp) or str(r.get("competence_label", comp)), 40),
                short(entity_label(r["mentor"], labels), 22),
                tr.num(r["learner_gap"]) + ci if "learner_gap" in best.columns else "",
                tr.num(r["score"]),
            ]
        )
    ax = new_axes(ax, (11.0, 0.9 + 0.27 * len(cells)))
    ax.axis("off")
    tab = ax.table(
        cellText=cells,
        colLabels=[
            _("learner"),
            _("could learn"),
            _("from mentor"),
            _("learner gap [CI]"),
            _("score"),
        ],
        colWidths=[0.17, 0.38, 0.17, 0.18, 0.08],
        loc="upper center",
        cellLoc="left",
    )
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    tab.scale(1.0, 1.3)
    for (row, _col), cell in tab.get_celld().items():
        cell.set_edgecolor("0.8")
        if row == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("0.93")
    default = _("{what}: the {n} best by score").format(what=what, n=len(cells))
    titled(ax, title, default, is_synthetic(matches), tr)
    return ax
