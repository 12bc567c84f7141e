"""Computing the report's tables and figures and writing them out."""

from __future__ import annotations

import os
import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import _atomic, plot
from .._profiles import pivot
from .._provenance import read
from ..errors import ConfigurationError
from . import Figure, Omitted, Report
from ._folder import claim, publish, stage
from ._html import page

if TYPE_CHECKING:
    from .._survey import Survey

_WORD = {
    "region": ("region", "regions"),
    "stakeholder_type": ("stakeholder type", "stakeholder types"),
}


class _Data:
    """The tables the figures are drawn from, computed once."""

    def __init__(
        self, survey: Survey, by: str, ci: float, n_boot: int, seed: int, min_n: int
    ) -> None:
        self.survey = survey
        self.framework = survey.framework
        self.by = by
        self.word, self.words = _WORD[by]
        self.pooled = survey.gaps(ci=ci, n_boot=n_boot, seed=seed, min_n=min_n, progress=False)
        self.grouped = survey.gaps(by, min_n=min_n)
        self.priorities = survey.priorities(min_n=min_n)
        self.names = survey._group_names(by)
        present = list(dict.fromkeys(self.grouped[by]))
        # entities with at least one unsuppressed cell
        live = set(self.grouped.loc[~self.grouped["suppressed"], by])
        self.entities = [e for e in present if e in live]
        self.all_suppressed = [e for e in present if e not in live]
        seen = set(present)
        self.empty = [e for e in self.names if e not in seen]
        self.profiles = pivot(self.grouped, "mean_gap")  # survey.profiles(by), not recomputed
        self.area_profiles = survey.profiles(by, level="area", min_n=min_n)
        sizes = survey.respondents.groupby(by, observed=True).size()
        self.sizes = {str(k): int(v) for k, v in sizes.items()}
        self.similarity: pd.DataFrame | None = None
        if len(self.entities) >= 2:
            prof = self.profiles.loc[self.entities]
            self.similarity = _similarity(prof)
        self.matches: pd.DataFrame | None = None
        if len(self.entities) >= 2:
            self.matches = survey.learning_matches(by, min_n=min_n, ci=ci, n_boot=n_boot, seed=seed)
        self.min_n = min_n
        # the word for the Borich variable: importance, or the required level
        self.importance = (
            "importance" if read(self.pooled).borich_variable == "importance" else "required level"
        )
        # the backbone made for co-occurrence counts (see CoGapNetwork)
        self.network = survey.cogap_network(1.0, backbone="noise_corrected", alpha=0.05)
        self.network_note = f"the {self.network.describe_backbone()}"
        if not (self.network.edges["count"] >= min_n).any():
            self.network = survey.cogap_network(1.0)
            self.network_note = (
                "the strongest links of the full network (the noise-corrected backbone at "
                "α = 0.05 keeps no link: no two gaps occur together more often than their "
                "frequencies explain)"
            )
        # survey statistics: reliability of each area's current levels, and
        # whether the groups differ on each competence's gap
        self.reliability = survey.reliability(rating="current")
        self.compare = survey.compare(by, value="gap", test="kruskal", p_adjust="holm")
        self.posthoc = survey.posthoc(by, value="gap", p_adjust="holm")
        # like every other cell, a link resting on fewer than min_n respondents
        # is suppressed
        self.edges = self.network.edges[self.network.edges["count"] >= min_n]
        cen = self.network.centrality()
        com = self.network.communities(seed=seed)
        self.centrality = cen.merge(com, on="competence").merge(
            self.network.competences[["competence", "label", "area"]], on="competence"
        )


def _similarity(prof: pd.DataFrame) -> pd.DataFrame:
    from .._similarity import similarity

    return similarity(prof, "pearson", min_overlap=3)


def _name(d: _Data, e: Any) -> str:
    return str(d.names.get(e, e))


def _fig_heatmap(d: _Data) -> tuple[Any, str]:
    if not d.entities:
        raise Omitted(f"no {d.word} has enough respondents (min_n) on any competence")
    ax = plot.gap_heatmap(d.grouped, framework=d.framework, mark=d.posthoc)
    cap = (
        f"Mean gap (target − current level, in scale points) of each competence in each "
        f"{d.word}; red: target above current level, blue: below. Competences are grouped by "
        f"area. Hatched cells have fewer than {read(d.grouped).min_n} respondents and are "
        f"suppressed. Outlined cells: the {d.word} differs from at least one other {d.word} "
        "on that competence (Dunn's test, Holm-adjusted p < 0.05)."
    )
    return ax, cap


def _fig_radar(d: _Data) -> tuple[Any, str]:
    prof = d.area_profiles
    if prof.shape[1] < 3:
        raise Omitted(f"the framework has {prof.shape[1]} areas; a radar needs at least 3")
    ents = [e for e in prof.index if e in set(d.entities)]
    if not ents:
        raise Omitted(f"no {d.word} has enough respondents")
    note = ""
    if len(ents) > 8:
        largest = set(sorted(ents, key=lambda e: -d.sizes.get(str(e), 0))[:8])
        ents = [e for e in ents if e in largest]
        note = f" Only the 8 {d.words} with the most respondents are drawn."
    ax = plot.radar(prof, entities=ents, framework=d.framework)
    cap = (
        f"Mean gap per competence area, one line per {d.word}: the further out, the larger "
        f"the gap.{note}"
    )
    return ax, cap


def _fig_borich(d: _Data) -> tuple[Any, str]:
    ax = plot.borich_bars(d.pooled, framework=d.framework)
    ci = read(d.pooled).ci
    cap = (
        "Borich mean weighted discrepancy score of each competence over all respondents "
        f"(mean {d.importance} × mean discrepancy), highest first: the training priorities. "
        f"Whiskers: {round(100 * float(ci))}% percentile bootstrap interval over respondents "
        f"({read(d.pooled).n_boot} replicates)."
    )
    return ax, cap


def _fig_ipa(d: _Data) -> tuple[Any, str]:
    ax = plot.ipa(d.priorities, framework=d.framework)
    cap = (
        "Importance–performance analysis: mean current level (across) against mean "
        f"{d.importance} (up) per competence, crosshair at the means. Upper left "
        "(“Concentrate here”): important and weak."
    )
    return ax, cap


def _fig_lff(d: _Data) -> tuple[Any, str]:
    ax = plot.locus_for_focus(d.priorities, framework=d.framework)
    cap = (
        f"Locus for Focus: mean {d.importance} (across) against mean gap (up) per competence, "
        "crosshair at the means. Upper right (HH): important competences with a large gap, "
        "the focus of training."
    )
    return ax, cap


def _fig_network(d: _Data) -> tuple[Any, str]:
    if d.edges.empty:
        raise Omitted(
            f"no two competences share a gap of at least 1 point for {d.min_n} or more respondents"
        )
    ax = plot.skills_network(d.network, gaps=d.pooled, framework=d.framework, min_count=d.min_n)
    cap = (
        "Co-gap network: two competences are linked when respondents report a gap of at "
        "least one scale point on both; line width is φ (co-occurrence over the larger "
        f"number of respondents with either gap). Shown: {d.network_note}; links shared by "
        f"fewer than {d.min_n} respondents are left out. Node size: mean gap; colour: "
        "competence area."
    )
    return ax, cap


def _fig_similarity(d: _Data) -> tuple[Any, str]:
    if d.similarity is None:
        raise Omitted(
            f"similarity needs at least two {d.words} with data; this survey has {len(d.entities)}"
        )
    ax = plot.similarity_clustermap(d.similarity)
    cap = (
        f"Pearson correlation between the gap profiles of the {d.words} (competences "
        "answered by both), ordered by average-linkage clustering on 1 − r; the dendrogram "
        f"shows which {d.words} have similar needs."
    )
    return ax, cap


def _fig_matches(d: _Data) -> tuple[Any, str]:
    if d.matches is None:
        raise Omitted(
            f"learning matches need at least two {d.words} with data; this survey has "
            f"{len(d.entities)}"
        )
    if d.matches.empty:
        raise Omitted(f"no {d.word} is ahead of another on a competence where that one has a gap")
    ax = plot.learning_matches(d.matches)
    top = read(d.matches).top or 3
    cap = (
        f"Interregional learning matches: for each competence, the {top} {d.words} with the "
        f"largest gap (learners) and the {top} with the highest current level (mentors); "
        "each cell counts the competences a learner could learn from a mentor."
    )
    return ax, cap


_FIGURES: list[tuple[str, str, Callable[[_Data], tuple[Any, str]]]] = [
    ("gap_heatmap", "Gaps by competence", _fig_heatmap),
    ("radar", "Gap profiles by area", _fig_radar),
    ("borich_bars", "Training priorities (Borich)", _fig_borich),
    ("ipa", "Importance–performance analysis", _fig_ipa),
    ("locus_for_focus", "Locus for Focus", _fig_lff),
    ("skills_network", "Co-gap network", _fig_network),
    ("similarity_clustermap", "Similarity of gap profiles", _fig_similarity),
    ("learning_matches", "Learning matches", _fig_matches),
]


def _tables(d: _Data, out: Path) -> dict[str, Path]:
    by = d.by
    tables: dict[str, pd.DataFrame] = {
        "gaps": d.pooled,
        f"gaps_by_{by}": d.grouped,
        "priorities": d.priorities,
        f"profiles_{by}": d.profiles.reset_index(),
        "cogap_edges": d.edges,
        "cogap_centrality": d.centrality,
        "reliability": d.reliability,
        f"compare_{by}": d.compare,
        f"posthoc_{by}": d.posthoc,
    }
    if d.similarity is not None:
        tables[f"similarity_{by}"] = d.similarity.rename_axis(index=by).reset_index()
    if d.matches is not None:
        tables["learning_matches"] = d.matches
    paths = {}
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        with _atomic.replacing(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False)
        paths[name] = path
    return paths


def build(
    survey: Survey,
    out: str | os.PathLike[str],
    *,
    force: bool,
    by: str,
    ci: float,
    n_boot: int,
    seed: int,
    min_n: int,
    dpi: int,
    title: str | None,
    log: Callable[[str], None],
    regions: list[tuple[str, str]] | None = None,
) -> Report:
    """Write the report into ``out``; with ``regions`` (id, language) pairs,
    also each region's diagnosis under ``regions/<id>/``, linked from the
    page, all published together."""
    start = time.perf_counter()
    # refuse a folder that is not ours before spending a minute on the report
    folder = claim(out, force=force)
    log(f"computing gaps, priorities, similarity and the co-gap network ({survey!r})")
    d = _Data(survey, by, ci, n_boot, seed, min_n)
    # the whole report is written into a staging folder first and swapped in
    # at the end (see _folder), so a failed run leaves the previous one as it was
    staged = stage(folder)
    pages: dict[str, Path] = {}
    try:
        extra = ""
        if regions:
            from .._i18n import Lang
            from ._diagnosis import Context, Diagnosis, slug, write

            ctx = Context(
                survey, ci=ci, n_boot=n_boot, seed=seed, min_n=min_n, matches=d.matches, log=log
            )
            for rid, code in regions:
                t0 = time.perf_counter()
                diag = Diagnosis(ctx, rid, Lang(code))
                folder_name = f"regions/{slug(rid)}"
                write(
                    diag,
                    staged / folder_name,
                    dpi=dpi,
                    seconds_before=0.0,
                    log=log,
                    index="../../index.html",
                )
                pages[rid] = Path(folder_name) / "index.html"
                log(f"diagnosis of {rid} ({code}) in {time.perf_counter() - t0:.1f} s")
            extra = _regions_section(ctx, regions, pages)
        figures, tables = _render(
            survey, d, staged, dpi=dpi, log=log, title=title, start=start, extra=extra
        )
        publish(folder, staged)
    finally:
        # after a swap only empty folders remain; after a failure, the new files
        shutil.rmtree(staged, ignore_errors=True)
    out = Path(os.fsdecode(out))
    rep = Report(index=out / "index.html", seconds=time.perf_counter() - start)
    rep.tables = {k: out / "tables" / p.name for k, p in tables.items()}
    for f in figures:
        if f.svg is not None and f.png is not None:
            f.svg = out / "figures" / f.svg.name
            f.png = out / "figures" / f.png.name
    rep.figures = figures
    rep.diagnoses = {rid: out / rel for rid, rel in pages.items()}
    log(f"done in {rep.seconds:.1f} s: {rep.index}")
    return rep


def _regions_section(ctx: Any, regions: list[tuple[str, str]], pages: dict[str, Path]) -> str:
    from .._i18n import Lang
    from ._html import esc

    items = []
    for rid, code in regions:
        name = ctx.names.get(rid, rid)
        tr = Lang(code)
        link = tr.gettext("Regional diagnosis: {region}").format(region=name)
        items.append(
            f'<li><a href="{esc(pages[rid].as_posix())}" hreflang="{esc(code)}">{esc(link)}</a>'
            f" ({esc(code)})</li>"
        )
    return (
        '<h2 id="regions">Regional diagnoses</h2>'
        "<p>One diagnosis per region, in the region's language, with the other regions as "
        "context.</p>"
        f'<ul class="regions">{"".join(items)}</ul>'
    )


def _render(
    survey: Survey,
    d: _Data,
    staged: Path,
    *,
    dpi: int,
    log: Callable[[str], None],
    title: str | None,
    start: float,
    extra: str,
) -> tuple[list[Figure], dict[str, Path]]:
    plt = plot._common.pyplot()
    import matplotlib

    figdir = staged / "figures"
    tabdir = staged / "tables"
    figdir.mkdir()
    tabdir.mkdir()
    tables = _tables(d, tabdir)
    log(f"wrote {len(tables)} tables")
    figures = _draw(d, figdir, dpi, log, plt, matplotlib)
    notes = _notes(d, d.min_n)
    html = page(
        survey=survey,
        data=d,
        figures=figures,
        tables=tables,
        notes=notes,
        title=title or "Skills-mapping report",
        out=staged,
        seconds=time.perf_counter() - start,
        extra=extra,
    )
    _atomic.write_text(staged / "index.html", html)
    return figures, tables


def _draw(
    d: _Data, figdir: Path, dpi: int, log: Callable[[str], None], plt: Any, matplotlib: Any
) -> list[Figure]:
    figures = []
    svg_meta = {"Date": None}  # reproducible SVG files
    with matplotlib.rc_context({"svg.hashsalt": "skillsmap", "svg.fonttype": "none"}):
        for i, (key, fig_title, draw) in enumerate(_FIGURES, start=1):
            t0 = time.perf_counter()
            fig = Figure(key=key, title=fig_title, caption="")
            before = set(plt.get_fignums())
            try:
                ax, fig.caption = draw(d)
            except (Omitted, ConfigurationError) as why:
                fig.omitted = str(why)
                log(f"[{i}/{len(_FIGURES)}] {key}: omitted — {why}")
                figures.append(fig)
                continue
            except Exception as err:
                # one broken figure must not sink the report: say why, warn, go on
                for num in set(plt.get_fignums()) - before:
                    plt.close(num)
                fig.omitted = f"it could not be drawn ({type(err).__name__}: {err})"
                log(f"[{i}/{len(_FIGURES)}] {key}: FAILED — {err}")
                warnings.warn(
                    f"skillsmap report: figure {key} failed: {err!r}", RuntimeWarning, stacklevel=2
                )
                figures.append(fig)
                continue
            figure = ax.figure
            try:
                fig.svg = figdir / f"{key}.svg"
                fig.png = figdir / f"{key}.png"
                with _atomic.replacing(fig.svg) as fh:
                    figure.savefig(fh, format="svg", bbox_inches="tight", metadata=svg_meta)
                with _atomic.replacing(fig.png) as fh:
                    figure.savefig(fh, format="png", dpi=dpi, bbox_inches="tight")
            finally:
                plt.close(figure)
            fig.seconds = time.perf_counter() - t0
            figures.append(fig)
            log(f"[{i}/{len(_FIGURES)}] {key} ({fig.seconds:.1f} s)")
    return figures


def _notes(d: _Data, min_n: int) -> list[str]:
    notes = []
    if d.empty:
        names = ", ".join(_name(d, e) for e in d.empty)
        notes.append(
            f"{d.words.capitalize()} without respondents, left out of every figure: {names}."
        )
    if d.all_suppressed:
        names = ", ".join(_name(d, e) for e in d.all_suppressed)
        notes.append(
            f"{d.words.capitalize()} with fewer than {min_n} respondents on every competence "
            f"(all their cells suppressed): {names}."
        )
    return notes
