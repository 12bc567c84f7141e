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
from .._i18n import N_, Lang
from .._profiles import pivot
from .._provenance import read
from ..errors import ConfigurationError
from . import Figure, Omitted, Report
from ._folder import claim, publish, stage
from ._html import page

if TYPE_CHECKING:
    from .._survey import Survey

# the report compares regions or stakeholder types; the sentences that name
# them are separate messages for each, so that a translation can inflect them
_WORD = {
    "region": (N_("region"), N_("regions")),
    "stakeholder_type": (N_("stakeholder type"), N_("stakeholder types")),
}


def _by(d: _Data, region: str, stakeholder_type: str) -> str:
    """The translation of the message for what the report compares."""
    return d.tr.gettext(region if d.by == "region" else stakeholder_type)


class _Data:
    """The tables the figures are drawn from, computed once."""

    def __init__(
        self, survey: Survey, by: str, ci: float, n_boot: int, seed: int, min_n: int, tr: Lang
    ) -> None:
        _ = tr.gettext
        self.survey = survey
        self.framework = survey.framework
        self.by = by
        self.tr = tr
        self.word, self.words = (_(w) for w in _WORD[by])
        # competence and area names in the page's language where the
        # framework has them (else English)
        column = f"label_{tr.code}"
        comp, areas = self.framework.competences, self.framework.areas
        self.labels = _labels(comp, column)
        self.area_labels = _labels(areas, column)
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
            _("importance")
            if read(self.pooled).borich_variable == "importance"
            else _("required level")
        )
        # the backbone made for co-occurrence counts (see CoGapNetwork)
        self.network = survey.cogap_network(1.0, backbone="noise_corrected", alpha=0.05)
        self.network_note = self.network.describe_backbone(lang=tr)
        if not (self.network.edges["count"] >= min_n).any():
            self.network = survey.cogap_network(1.0)
            self.network_note = _(
                "the strongest links of the full network (the noise-corrected backbone at "
                "α = {alpha} keeps no link: no two gaps occur together more often than their "
                "frequencies explain)"
            ).format(alpha=tr.num(0.05))
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


def _labels(table: pd.DataFrame, column: str) -> dict[str, str]:
    """id → name in a language's column, English where it has none."""
    names = table["label"].astype(str)
    if column in table:
        local = table[column]
        names = local.where(local.notna() & (local.astype(str) != ""), names).astype(str)
    return dict(zip(table["id"].astype(str), names, strict=True))


def _similarity(prof: pd.DataFrame) -> pd.DataFrame:
    from .._similarity import similarity

    return similarity(prof, "pearson", min_overlap=3)


def _name(d: _Data, e: Any) -> str:
    return str(d.names.get(e, e))


def _fig_heatmap(d: _Data) -> tuple[Any, str]:
    _ = d.tr.gettext
    if not d.entities:
        raise Omitted(
            _by(
                d,
                N_("no region has enough respondents (min_n) on any competence"),
                N_("no stakeholder type has enough respondents (min_n) on any competence"),
            )
        )
    ax = plot.gap_heatmap(d.grouped, framework=d.framework, mark=d.posthoc, lang=d.tr.code)
    cap = _by(
        d,
        N_(
            "Mean gap (target − current level, in scale points) of each competence in each "
            "region; red: target above current level, blue: below. Competences are grouped by "
            "area. Hatched cells have fewer than {min_n} respondents and are suppressed. "
            "Outlined cells: the region differs from at least one other region on that "
            "competence (Dunn's test, Holm-adjusted p < {alpha})."
        ),
        N_(
            "Mean gap (target − current level, in scale points) of each competence for each "
            "stakeholder type; red: target above current level, blue: below. Competences are "
            "grouped by area. Hatched cells have fewer than {min_n} respondents and are "
            "suppressed. Outlined cells: the stakeholder type differs from at least one other "
            "type on that competence (Dunn's test, Holm-adjusted p < {alpha})."
        ),
    ).format(min_n=read(d.grouped).min_n, alpha=d.tr.num(0.05))
    return ax, cap


def _fig_radar(d: _Data) -> tuple[Any, str]:
    _ = d.tr.gettext
    prof = d.area_profiles
    if prof.shape[1] < 3:
        raise Omitted(
            _("the framework has {n} areas; a radar needs at least 3").format(n=prof.shape[1])
        )
    ents = [e for e in prof.index if e in set(d.entities)]
    if not ents:
        raise Omitted(
            _by(
                d,
                N_("no region has enough respondents"),
                N_("no stakeholder type has enough respondents"),
            )
        )
    note = ""
    if len(ents) > 8:
        largest = set(sorted(ents, key=lambda e: -d.sizes.get(str(e), 0))[:8])
        ents = [e for e in ents if e in largest]
        note = " " + _by(
            d,
            N_("Only the 8 regions with the most respondents are drawn."),
            N_("Only the 8 stakeholder types with the most respondents are drawn."),
        )
    ax = plot.radar(prof, entities=ents, framework=d.framework, lang=d.tr.code)
    cap = (
        _by(
            d,
            N_(
                "Mean gap per competence area, one line per region: the further out, the larger "
                "the gap."
            ),
            N_(
                "Mean gap per competence area, one line per stakeholder type: the further out, "
                "the larger the gap."
            ),
        )
        + note
    )
    return ax, cap


def _fig_borich(d: _Data) -> tuple[Any, str]:
    _ = d.tr.gettext
    ax = plot.borich_bars(d.pooled, framework=d.framework, lang=d.tr.code)
    ci = read(d.pooled).ci
    cap = _(
        "Borich mean weighted discrepancy score of each competence over all respondents "
        "(mean {importance} × mean discrepancy), highest first: the training priorities. "
        "Whiskers: {level}% percentile bootstrap interval over respondents ({n} replicates)."
    ).format(importance=d.importance, level=round(100 * float(ci)), n=read(d.pooled).n_boot)
    return ax, cap


def _fig_ipa(d: _Data) -> tuple[Any, str]:
    _ = d.tr.gettext
    ax = plot.ipa(d.priorities, framework=d.framework, lang=d.tr.code)
    cap = _(
        "Importance–performance analysis: mean current level (across) against mean "
        "{importance} (up) per competence, crosshair at the means. Upper left "
        "(“{quadrant}”): important and weak."
    ).format(importance=d.importance, quadrant=_("Concentrate here"))
    return ax, cap


def _fig_lff(d: _Data) -> tuple[Any, str]:
    _ = d.tr.gettext
    ax = plot.locus_for_focus(d.priorities, framework=d.framework, lang=d.tr.code)
    cap = _(
        "Locus for Focus: mean {importance} (across) against mean gap (up) per competence, "
        "crosshair at the means. Upper right (HH): important competences with a large gap, "
        "the focus of training."
    ).format(importance=d.importance)
    return ax, cap


def _fig_network(d: _Data) -> tuple[Any, str]:
    _ = d.tr.gettext
    if d.edges.empty:
        raise Omitted(
            _(
                "no two competences share a gap of at least 1 point for {min_n} or more respondents"
            ).format(min_n=d.min_n)
        )
    ax = plot.skills_network(
        d.network, gaps=d.pooled, framework=d.framework, min_count=d.min_n, lang=d.tr.code
    )
    cap = _(
        "Co-gap network: two competences are linked when respondents report a gap of at "
        "least one scale point on both; line width is φ (co-occurrence over the larger "
        "number of respondents with either gap). Shown: {backbone}; links shared by "
        "fewer than {min_n} respondents are left out. Node size: mean gap; colour: "
        "competence area."
    ).format(backbone=d.network_note, min_n=d.min_n)
    return ax, cap


def _fig_similarity(d: _Data) -> tuple[Any, str]:
    if d.similarity is None:
        raise Omitted(
            _by(
                d,
                N_("similarity needs at least two regions with data; this survey has {n}"),
                N_(
                    "similarity needs at least two stakeholder types with data; this survey has {n}"
                ),
            ).format(n=len(d.entities))
        )
    ax = plot.similarity_clustermap(d.similarity, lang=d.tr.code)
    cap = _by(
        d,
        N_(
            "Pearson correlation between the gap profiles of the regions (competences "
            "answered by both), ordered by average-linkage clustering on 1 − r; the dendrogram "
            "shows which regions have similar needs."
        ),
        N_(
            "Pearson correlation between the gap profiles of the stakeholder types "
            "(competences answered by both), ordered by average-linkage clustering on 1 − r; "
            "the dendrogram shows which stakeholder types have similar needs."
        ),
    )
    return ax, cap


def _fig_matches(d: _Data) -> tuple[Any, str]:
    if d.matches is None:
        raise Omitted(
            _by(
                d,
                N_("learning matches need at least two regions with data; this survey has {n}"),
                N_(
                    "learning matches need at least two stakeholder types with data; this "
                    "survey has {n}"
                ),
            ).format(n=len(d.entities))
        )
    if d.matches.empty:
        raise Omitted(
            _by(
                d,
                N_("no region is ahead of another on a competence where that one has a gap"),
                N_(
                    "no stakeholder type is ahead of another on a competence where that one "
                    "has a gap"
                ),
            )
        )
    ax = plot.learning_matches(d.matches, lang=d.tr.code)
    top = read(d.matches).top or 3
    cap = _by(
        d,
        N_(
            "Interregional learning matches: for each competence, the {top} regions with the "
            "largest gap (learners) and the {top} with the highest current level (mentors); "
            "each cell counts the competences a learner could learn from a mentor."
        ),
        N_(
            "Learning matches between stakeholder types: for each competence, the {top} types "
            "with the largest gap (learners) and the {top} with the highest current level "
            "(mentors); each cell counts the competences a learner could learn from a mentor."
        ),
    ).format(top=top)
    return ax, cap


_FIGURES: list[tuple[str, str, Callable[[_Data], tuple[Any, str]]]] = [
    ("gap_heatmap", N_("Gaps by competence"), _fig_heatmap),
    ("radar", N_("Gap profiles by area"), _fig_radar),
    ("borich_bars", N_("Training priorities (Borich)"), _fig_borich),
    ("ipa", N_("Importance–performance analysis"), _fig_ipa),
    ("locus_for_focus", N_("Locus for Focus"), _fig_lff),
    ("skills_network", N_("Co-gap network"), _fig_network),
    ("similarity_clustermap", N_("Similarity of gap profiles"), _fig_similarity),
    ("learning_matches", N_("Learning matches"), _fig_matches),
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
    log: Callable[..., None],
    regions: list[tuple[str, str]] | None = None,
    lang: Lang | None = None,
    bilingual_links: bool = False,
) -> Report:
    """Write the report into ``out`` in ``lang`` (default English); with
    ``regions`` (id, language) pairs, also each region's diagnosis under
    ``regions/<id>/``, linked from the page, all published together. With
    ``bilingual_links`` a link whose diagnosis is in another language than
    the page is labelled in both."""
    start = time.perf_counter()
    tr = lang or Lang()
    # refuse a folder that is not ours before spending a minute on the report
    folder = claim(out, force=force)
    log(
        N_("computing gaps, priorities, similarity and the co-gap network ({survey})"),
        survey=repr(survey),
    )
    d = _Data(survey, by, ci, n_boot, seed, min_n, tr)
    # the whole report is written into a staging folder first and swapped in
    # at the end (see _folder), so a failed run leaves the previous one as it was
    staged = stage(folder)
    pages: dict[str, Path] = {}
    try:
        extra = ""
        if regions:
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
                log(
                    N_("diagnosis of {region} ({lang}) in {seconds} s"),
                    region=rid,
                    lang=code,
                    seconds=time.perf_counter() - t0,
                )
            extra = _regions_section(ctx, regions, pages, tr, bilingual=bilingual_links)
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
    log(N_("done in {seconds} s: {page}"), seconds=rep.seconds, page=rep.index)
    return rep


def _regions_section(
    ctx: Any, regions: list[tuple[str, str]], pages: dict[str, Path], tr: Lang, *, bilingual: bool
) -> str:
    from ._html import esc

    _ = tr.gettext
    items = []
    for rid, code in regions:
        name = ctx.names.get(rid, rid)
        link = _("Regional diagnosis: {region}").format(region=name)
        if bilingual and code != tr.code:
            # the page's language, then the diagnosis's own, which the link opens
            own = Lang(code).gettext("Regional diagnosis: {region}").format(region=name)
            link_html = f'{esc(link)} · <span lang="{esc(code)}">{esc(own)}</span>'
        else:
            link_html = esc(link)
        items.append(
            f'<li><a href="{esc(pages[rid].as_posix())}" hreflang="{esc(code)}">{link_html}</a>'
            f" ({esc(code)})</li>"
        )
    intro = (
        _("One diagnosis per region, in the region's language, with the other regions as context.")
        if bilingual
        else _(
            "One diagnosis per region, with the other regions as context, all in this page's "
            "language."
        )
    )
    return (
        f'<h2 id="regions">{esc(_("Regional diagnoses"))}</h2>'
        f"<p>{esc(intro)}</p>"
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
    log(N_("wrote {n} tables"), n=len(tables))
    figures = _draw(d, figdir, dpi, log, plt, matplotlib)
    notes = _notes(d, d.min_n)
    html = page(
        survey=survey,
        data=d,
        figures=figures,
        tables=tables,
        notes=notes,
        title=title or d.tr.gettext("Skills-mapping report"),
        out=staged,
        seconds=time.perf_counter() - start,
        extra=extra,
    )
    _atomic.write_text(staged / "index.html", html)
    return figures, tables


def _draw(
    d: _Data, figdir: Path, dpi: int, log: Callable[..., None], plt: Any, matplotlib: Any
) -> list[Figure]:
    _ = d.tr.gettext
    figures = []
    svg_meta = {"Date": None}  # reproducible SVG files
    with matplotlib.rc_context({"svg.hashsalt": "skillsmap", "svg.fonttype": "none"}):
        for i, (key, fig_title, draw) in enumerate(_FIGURES, start=1):
            t0 = time.perf_counter()
            fig = Figure(key=key, title=_(fig_title), caption="")
            before = set(plt.get_fignums())
            try:
                ax, fig.caption = draw(d)
            except (Omitted, ConfigurationError) as why:
                fig.omitted = str(why)
                log(
                    N_("[{i}/{n}] {figure}: omitted — {why}"),
                    i=i,
                    n=len(_FIGURES),
                    figure=key,
                    why=why,
                )
                figures.append(fig)
                continue
            except Exception as err:
                # one broken figure must not sink the report: say why, warn, go on
                for num in set(plt.get_fignums()) - before:
                    plt.close(num)
                fig.omitted = _("it could not be drawn ({error})").format(
                    error=f"{type(err).__name__}: {err}"
                )
                log(
                    N_("[{i}/{n}] {figure}: FAILED — {error}"),
                    i=i,
                    n=len(_FIGURES),
                    figure=key,
                    error=err,
                )
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
            log(
                N_("[{i}/{n}] {figure} ({seconds} s)"),
                i=i,
                n=len(_FIGURES),
                figure=key,
                seconds=fig.seconds,
            )
    return figures


def _notes(d: _Data, min_n: int) -> list[str]:
    notes = []
    join = d.tr.join
    if d.empty:
        notes.append(
            _by(
                d,
                N_("Regions without respondents, left out of every figure: {names}."),
                N_("Stakeholder types without respondents, left out of every figure: {names}."),
            ).format(names=join([_name(d, e) for e in d.empty]))
        )
    if d.all_suppressed:
        notes.append(
            _by(
                d,
                N_(
                    "Regions with fewer than {min_n} respondents on every competence (all "
                    "their cells suppressed): {names}."
                ),
                N_(
                    "Stakeholder types with fewer than {min_n} respondents on every competence "
                    "(all their cells suppressed): {names}."
                ),
            ).format(min_n=min_n, names=join([_name(d, e) for e in d.all_suppressed]))
        )
    return notes
