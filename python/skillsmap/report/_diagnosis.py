"""Regional diagnoses: one region's tables, figures and summary, with the
other regions as context, in the region's language.

:class:`Context` holds what every diagnosis of a survey shares, computed
once (the Borich scores of every region with their bootstrap intervals, the
quadrants, the learning matches, the gap matrix and the region codes);
:class:`Diagnosis` takes one region's slice of it and adds what only that
region needs (its respondents' reliability and gaps by stakeholder type).
``write`` puts a diagnosis into a folder that the caller staged (see
``_folder``): ``sm.diagnosis`` stages one, ``--all-regions`` stages six and
the interregional page in one folder and publishes them together.

The comparison with the other regions pools their respondents: per
competence, the difference of the mean gaps (region − others) with Welch's
interval, and a two-group Kruskal–Wallis test (the Mann–Whitney test) from
the core's rank sums, Holm-adjusted over the competences, with the
rank-biserial correlation as effect size. Like ``Survey.compare`` these are
unweighted.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import _atomic, plot
from .._compare import item_rank_sums, kruskal
from .._forms_text import type_labels
from .._i18n import N_, Lang
from .._multitest import p_adjust as adjust_p
from .._provenance import read
from .._wide import group_codes, rating_matrix
from ..errors import ConfigurationError, UnknownNameError
from . import Figure, Omitted

if TYPE_CHECKING:
    from .._survey import Survey

#: The language of each RESEES region's diagnosis; other regions get English.
DEFAULT_LANGUAGE: dict[str, str] = {
    "ES22": "es",
    "ES62": "es",
    "FRI": "fr",
    "SI032": "sl",
    "FI1D7": "fi",
    "ITH5": "it",
}


def default_language(region: str) -> str:
    """The language of a region's diagnosis: the RESEES region's own, else en."""
    return DEFAULT_LANGUAGE.get(str(region), "en")


def region_id(survey: Survey, region: Any) -> str:
    """The id of a region of the survey's region set, given its id, name or
    alias (case- and space-insensitive, as the core resolves them), or
    :class:`UnknownNameError` listing the ids."""
    ids = [str(row[0]) for row in survey._inner.regions.rows()]
    if isinstance(region, str):
        at = survey._inner.regions.resolve(region)
        if at is not None:
            return ids[at]
    raise UnknownNameError(f"unknown region {region!r}; known region ids: {', '.join(ids)}")


def slug(region: str) -> str:
    """A folder name for a region id (letters, digits, ``-`` and ``_``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", region).strip("-") or "region"


class Context:
    """What every regional diagnosis of one survey shares, computed once."""

    def __init__(
        self,
        survey: Survey,
        *,
        ci: float,
        n_boot: int,
        seed: int,
        min_n: int,
        matches: pd.DataFrame | None = None,
        log: Callable[..., None] = lambda _msg, /, **_fields: None,
    ) -> None:
        self.survey = survey
        self.framework = survey.framework
        self.ci, self.n_boot, self.seed, self.min_n = ci, n_boot, seed, min_n
        self.names = {str(k): str(v) for k, v in survey._group_names("region").items()}
        self.type_names = {
            str(k): str(v) for k, v in survey._group_names("stakeholder_type").items()
        }
        self.respondents = survey.respondents
        self.frame = survey.to_frame()
        log(N_("Borich scores of every region with bootstrap intervals"))
        self.gaps = survey.gaps(
            "region", ci=ci, n_boot=n_boot, seed=seed, min_n=min_n, progress=False
        )
        self.priorities = survey.priorities("region", min_n=min_n)
        self.g, groups, _key = group_codes(survey, "region")
        self.groups = [str(x) for x in groups]
        self.gap_matrix = rating_matrix(survey, "gap", "value")
        self.competences = self.framework.competences["id"].astype(str).tolist()
        present = sorted(set(self.respondents["region"].dropna().astype(str)))
        if matches is None and len(present) >= 2:
            log(N_("learning matches between the regions"))
            matches = survey.learning_matches(
                "region", min_n=min_n, ci=ci, n_boot=n_boot, seed=seed
            )
        self.matches = matches
        self.importance = read(self.gaps).borich_variable or "importance"


class Diagnosis:
    """One region's tables (labelled DataFrames) and notes."""

    def __init__(self, ctx: Context, region: str, lang: Lang) -> None:
        self.ctx = ctx
        self.region = region
        self.lang = lang
        _ = lang.gettext
        self.name = ctx.names.get(region, region)
        fw = ctx.framework
        comp = fw.competences
        column = f"label_{lang.code}"
        self.labels = dict(
            zip(comp["id"], comp[column] if column in comp else comp["label"], strict=True)
        )
        areas = fw.areas
        self.area_labels = dict(
            zip(areas["id"], areas[column] if column in areas else areas["label"], strict=True)
        )
        self.type_names = type_labels(ctx.type_names, lang.code)
        resp = ctx.respondents
        mine = resp[resp["region"].astype(str) == region]
        self.n = len(mine)
        self.notes: list[str] = []
        self.respondents_by_type = self._by_type(mine)
        self.priorities = self._priorities()
        self.differences = self._differences()
        self.sub = self._subset() if self.n else None
        self.type_gaps = (
            self.sub.gaps("stakeholder_type", min_n=ctx.min_n) if self.sub is not None else None
        )
        self.reliability = self._reliability()
        self.as_learner, self.as_mentor = self._matches()
        n_supp = int(self.priorities["suppressed"].sum()) if len(self.priorities) else 0
        if self.n == 0:
            self.notes.append(_("No respondent of this region is in the survey."))
        elif n_supp:
            self.notes.append(
                _(
                    "{n} of {total} competences have fewer than {min_n} answers from this "
                    "region: their scores are suppressed (left blank) in every table and figure."
                ).format(n=n_supp, total=len(self.priorities), min_n=ctx.min_n)
            )

    # -- tables ---------------------------------------------------------------------

    def _by_type(self, mine: pd.DataFrame) -> pd.DataFrame:
        counts = mine.groupby("stakeholder_type", observed=True).size()
        rows = []
        for t, n in counts.items():
            row = {
                "stakeholder_type": str(t),
                "label": self.type_names.get(str(t), str(t)),
                "respondents": int(n),
                "suppressed": bool(n < self.ctx.min_n),
            }
            if "weight" in mine.columns:
                row["weight_sum"] = float(mine.loc[mine["stakeholder_type"] == t, "weight"].sum())
            rows.append(row)
        cols = ["stakeholder_type", "label", "respondents", "suppressed"]
        if "weight" in mine.columns:
            cols.append("weight_sum")
        df = pd.DataFrame(rows, columns=cols)
        return df.sort_values("respondents", ascending=False, kind="stable").reset_index(drop=True)

    def _priorities(self) -> pd.DataFrame:
        g = self.ctx.gaps
        mine = g[g["region"].astype(str) == self.region].copy()
        pr = self.ctx.priorities
        pr = pr[pr["region"].astype(str) == self.region].set_index("competence")
        mine["label"] = mine["competence"].map(self.labels)
        mine["lff_quadrant"] = mine["competence"].map(pr["lff_quadrant"])
        mine["ipa_quadrant"] = mine["competence"].map(pr["ipa_quadrant"])
        mine = mine.sort_values("mwds", ascending=False, kind="stable", na_position="last")
        mine["rank"] = np.where(
            mine["suppressed"] | mine["mwds"].isna(), np.nan, np.arange(1, len(mine) + 1)
        )
        return mine.reset_index(drop=True)

    def _differences(self) -> pd.DataFrame:
        ctx = self.ctx
        if self.region not in ctx.groups:
            idx = -2
        else:
            idx = ctx.groups.index(self.region)
        g2 = np.where(ctx.g == idx, 0, np.where(ctx.g >= 0, 1, -1)).astype(np.int64)
        x = ctx.gap_matrix
        sums = item_rank_sums(ctx.survey, "competence", "gap", g2, 2)
        res = kruskal(sums)
        r, n = sums["R"], sums["n"]
        mine, others = x[g2 == 0], x[g2 == 1]
        n1 = np.isfinite(mine).sum(axis=0)
        n2 = np.isfinite(others).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            m1 = np.where(n1 > 0, _mean(mine), np.nan)
            m2 = np.where(n2 > 0, _mean(others), np.nan)
            v1 = _var(mine)
            v2 = _var(others)
            se = np.sqrt(v1 / n1 + v2 / n2)
            dfw = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
            from scipy.stats import t as student_t

            q = student_t.ppf(0.5 + ctx.ci / 2, dfw)
            diff = m1 - m2
            # rank-biserial correlation from the mean ranks of the two groups
            rbc = 2.0 * (r[0] / n[0] - r[1] / n[1]) / (n[0] + n[1])
        suppressed = n1 < ctx.min_n
        p = np.where(suppressed, np.nan, res["p_value"])
        tested = ~np.isnan(p)
        p_adj = np.full_like(p, np.nan)
        if tested.any():
            p_adj[tested] = adjust_p(p[tested], "holm")
        df = pd.DataFrame(
            {
                "competence": ctx.competences,
                "area": ctx.framework.competences["area"].astype(str).to_numpy(),
                "label": [self.labels.get(c, c) for c in ctx.competences],
                "mean_gap_region": m1,
                "mean_gap_others": m2,
                "difference": diff,
                "difference_lo": diff - q * se,
                "difference_hi": diff + q * se,
                "rank_biserial": rbc,
                "statistic": res["statistic"],
                "p_value": p,
                "p_adj": p_adj,
                "n_region": n1.astype(np.int64),
                "n_others": n2.astype(np.int64),
                "suppressed": suppressed,
            }
        )
        for col in ("mean_gap_region", "difference", "difference_lo", "difference_hi"):
            df.loc[suppressed, col] = np.nan
        df.loc[suppressed, "rank_biserial"] = np.nan
        df.attrs["ci"] = ctx.ci
        return df

    def _subset(self) -> Survey:
        frame = self.ctx.frame
        rows = frame[frame["region"].astype(str) == self.region].reset_index(drop=True)
        return self.ctx.survey._from_rows(rows)

    def _reliability(self) -> pd.DataFrame | None:
        _ = self.lang.gettext
        if self.sub is None:
            return None
        try:
            # a region's few respondents may leave a fit unconverged: the page
            # says so (a note) rather than the run warning or failing
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                rel = self.sub.reliability(rating="current")
            for w in caught:
                self.notes.append(
                    _("Scale reliability of this region: {why}").format(why=w.message)
                )
        except (ConfigurationError, ValueError) as why:
            self.notes.append(
                _("Scale reliability could not be computed for this region: {why}").format(why=why)
            )
            return None
        rel = rel.copy()
        rel["label"] = rel["scale"].map(lambda a: self.area_labels.get(a, a))
        return rel

    def _matches(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        m = self.ctx.matches
        cols = [
            "learner",
            "mentor",
            "competence",
            "label",
            "learner_gap",
            "learner_gap_lo",
            "learner_gap_hi",
            "learner_current",
            "mentor_current",
            "score",
        ]
        if m is None or m.empty:
            empty = pd.DataFrame(columns=cols)
            return empty, empty.copy()
        m = m.copy()
        m["label"] = m["competence"].map(lambda c: self.labels.get(c, c))
        learner = m[m["learner"].astype(str) == self.region]
        mentor = m[m["mentor"].astype(str) == self.region]
        keep = [c for c in cols if c in m.columns]

        def ranked(t: pd.DataFrame) -> pd.DataFrame:
            return t.sort_values("score", ascending=False, kind="stable")[keep].reset_index(
                drop=True
            )

        return ranked(learner), ranked(mentor)

    # -- the summary paragraph ---------------------------------------------------------

    def summary(self) -> str:
        """A few sentences built from the tables, each number with the table
        it comes from."""
        _ = self.lang.gettext
        tr = self.lang
        parts = []
        types = len(self.respondents_by_type)
        parts.append(
            _(
                "{n} respondents of {region} answered, from {types} stakeholder types (Table 1)."
            ).format(n=tr.int(self.n), region=self.name, types=types)
        )
        top = self.priorities.dropna(subset=["rank"]).head(3)
        if len(top):
            items = [
                _("{competence} (MWDS {score})").format(
                    competence=r["label"], score=tr.num(r["mwds"])
                )
                for _i, r in top.iterrows()
            ]
            parts.append(
                _("Its top training priorities are {items} (Table 2).").format(items=tr.join(items))
            )
        else:
            parts.append(_("No training priority can be ranked: every score is suppressed."))
        d = self.differences
        sig = d[(d["p_adj"] < 0.05)].copy()
        if len(sig):
            sig["abs"] = sig["difference"].abs()
            best = sig.sort_values("abs", ascending=False, kind="stable").head(2)
            items = [
                _("{competence} ({sign}{diff} scale points, Holm-adjusted p {p})").format(
                    competence=r["label"],
                    sign="+" if r["difference"] > 0 else "",
                    diff=tr.num(r["difference"]),
                    p=tr.p(r["p_adj"]),
                )
                for _i, r in best.iterrows()
            ]
            parts.append(
                _(
                    "Compared with the other regions pooled, its gap differs most on {items} "
                    "(Table 3)."
                ).format(items=tr.join(items))
            )
        else:
            parts.append(
                _(
                    "Its gaps do not differ significantly from those of the other regions pooled "
                    "(Holm-adjusted p ≥ 0.05 on every competence, Table 3)."
                )
            )
        if len(self.as_learner):
            counts = self.as_learner.groupby("mentor", sort=False).size()
            counts = counts.sort_values(ascending=False, kind="stable").head(2)
            items = [
                _("{region} ({n} competences)").format(
                    region=self.ctx.names.get(str(k), str(k)), n=int(v)
                )
                for k, v in counts.items()
            ]
            parts.append(
                _("The best mentor regions for it are {items} (Table 4).").format(
                    items=tr.join(items)
                )
            )
        return " ".join(parts)


def _mean(x: np.ndarray) -> np.ndarray:
    n = np.isfinite(x).sum(axis=0)
    s = np.where(np.isfinite(x), x, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return s / n


def _var(x: np.ndarray) -> np.ndarray:
    n = np.isfinite(x).sum(axis=0)
    m = _mean(x)
    d = np.where(np.isfinite(x), x - m, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (d**2).sum(axis=0) / (n - 1)


# -- figures ------------------------------------------------------------------------


def _fig_borich(d: Diagnosis) -> tuple[Any, str]:
    _ = d.lang.gettext
    g = d.ctx.gaps
    mine = g[g["region"].astype(str) == d.region]
    if mine.empty or mine["suppressed"].all():
        raise Omitted(_("every score of this region is suppressed (too few respondents)"))
    ax = plot.borich_bars(mine, framework=d.ctx.framework, lang=d.lang.code, top=15)
    cap = _(
        "Borich mean weighted discrepancy score of the 15 highest-scoring competences in "
        "{region}, highest first: its training priorities. Whiskers: {level}% percentile "
        "bootstrap interval over respondents ({n_boot} replicates)."
    ).format(region=d.name, level=round(100 * d.ctx.ci), n_boot=d.ctx.n_boot)
    return ax, cap


def _priorities_of(d: Diagnosis) -> pd.DataFrame:
    _ = d.lang.gettext
    p = d.ctx.priorities
    mine = p[p["region"].astype(str) == d.region]
    if mine.empty or mine["mean_gap"].isna().all():
        raise Omitted(_("every score of this region is suppressed (too few respondents)"))
    return mine


def _fig_lff(d: Diagnosis) -> tuple[Any, str]:
    _ = d.lang.gettext
    ax = plot.locus_for_focus(_priorities_of(d), framework=d.ctx.framework, lang=d.lang.code)
    cap = _(
        "Locus for Focus of {region}: mean importance (across) against mean gap (up) per "
        "competence, crosshair at the region's means. Upper right (HH): important competences "
        "with a large gap, the focus of training."
    ).format(region=d.name)
    return ax, cap


def _fig_ipa(d: Diagnosis) -> tuple[Any, str]:
    _ = d.lang.gettext
    ax = plot.ipa(_priorities_of(d), framework=d.ctx.framework, lang=d.lang.code)
    cap = _(
        "Importance–performance analysis of {region}: mean current level (across) against "
        "mean importance (up) per competence, crosshair at the region's means. Upper left "
        "(“Concentrate here”): important and weak."
    ).format(region=d.name)
    return ax, cap


def _fig_difference(d: Diagnosis) -> tuple[Any, str]:
    _ = d.lang.gettext
    if d.differences["difference"].notna().sum() == 0:
        raise Omitted(_("every competence of this region is suppressed (too few respondents)"))
    ax = plot.gap_difference(
        d.differences,
        framework=d.ctx.framework,
        lang=d.lang.code,
        region=d.name,
        synthetic=d.ctx.survey.synthetic,
    )
    cap = _(
        "Difference between the mean gap in {region} and in the other regions pooled, per "
        "competence (scale points; right: larger gap in {region}). Bars: {level}% Welch "
        "interval. Dark bars: Mann–Whitney test, Holm-adjusted p < 0.05."
    ).format(region=d.name, level=round(100 * d.ctx.ci))
    return ax, cap


def _fig_types(d: Diagnosis) -> tuple[Any, str]:
    _ = d.lang.gettext
    t = d.type_gaps
    if t is None or t.empty or t["suppressed"].all():
        raise Omitted(
            _("no stakeholder type of this region has {min_n} or more respondents").format(
                min_n=d.ctx.min_n
            )
        )
    # the values are in tables/gaps_by_type.csv; writing them in the cells
    # triples the drawing time of this figure
    ax = plot.gap_heatmap(
        t, framework=d.ctx.framework, names=d.type_names, lang=d.lang.code, annotate=False
    )
    cap = _(
        "Mean gap of each competence by stakeholder type within {region}. Hatched cells have "
        "fewer than {min_n} respondents and are suppressed."
    ).format(region=d.name, min_n=d.ctx.min_n)
    return ax, cap


FIGURES: list[tuple[str, str, Callable[[Diagnosis], tuple[Any, str]]]] = [
    ("borich_bars", N_("Training priorities (Borich)"), _fig_borich),
    ("locus_for_focus", N_("Locus for Focus"), _fig_lff),
    ("ipa", N_("Importance–performance analysis"), _fig_ipa),
    ("difference", N_("Where the region differs from the others"), _fig_difference),
    ("types", N_("Gaps by stakeholder type"), _fig_types),
]


def draw(d: Diagnosis, figdir: Path, dpi: int, log: Callable[..., None]) -> list[Figure]:
    """Draw the diagnosis's figures into ``figdir`` (SVG and PNG)."""
    import matplotlib

    plt = plot._common.pyplot()
    _ = d.lang.gettext
    figures = []
    with matplotlib.rc_context({"svg.hashsalt": "skillsmap", "svg.fonttype": "none"}):
        for key, title, fn in FIGURES:
            fig = Figure(key=key, title=_(title), caption="")
            t0 = time.perf_counter()
            before = set(plt.get_fignums())
            try:
                ax, fig.caption = fn(d)
            except Omitted as why:
                fig.omitted = str(why)
                figures.append(fig)
                continue
            except ConfigurationError as why:
                for num in set(plt.get_fignums()) - before:
                    plt.close(num)
                fig.omitted = str(why)
                figures.append(fig)
                continue
            figure = ax.figure
            try:
                fig.svg = figdir / f"{key}.svg"
                fig.png = figdir / f"{key}.png"
                with _atomic.replacing(fig.svg) as fh:
                    figure.savefig(fh, format="svg", bbox_inches="tight", metadata={"Date": None})
                with _atomic.replacing(fig.png) as fh:
                    figure.savefig(fh, format="png", dpi=dpi, bbox_inches="tight")
            finally:
                plt.close(figure)
            fig.seconds = time.perf_counter() - t0
            figures.append(fig)
    log(N_("{region}: {n} figures"), region=d.region, n=sum(f.omitted is None for f in figures))
    return figures


def tables(d: Diagnosis, tabdir: Path) -> dict[str, Path]:
    """Write the diagnosis's tables as CSV into ``tabdir``."""
    frames: dict[str, pd.DataFrame | None] = {
        "respondents_by_type": d.respondents_by_type,
        "priorities": d.priorities,
        "differences": d.differences,
        "gaps_by_type": d.type_gaps,
        "learning_as_learner": d.as_learner,
        "learning_as_mentor": d.as_mentor,
        "reliability": d.reliability,
    }
    paths = {}
    for name, frame in frames.items():
        if frame is None:
            continue
        path = tabdir / f"{name}.csv"
        with _atomic.replacing(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False)
        paths[name] = path
    return paths


def write(
    d: Diagnosis,
    folder: Path,
    *,
    dpi: int,
    seconds_before: float,
    log: Callable[..., None],
    index: str | None = None,
) -> tuple[list[Figure], dict[str, Path]]:
    """Write one diagnosis (``index.html``, ``figures/``, ``tables/``) into
    the staged ``folder``; return its figures and tables."""
    from ._diagnosis_html import page

    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    figdir = folder / "figures"
    tabdir = folder / "tables"
    figdir.mkdir()
    tabdir.mkdir()
    paths = tables(d, tabdir)
    figures = draw(d, figdir, dpi, log)
    html = page(
        d,
        figures=figures,
        tables=paths,
        out=folder,
        seconds=seconds_before + time.perf_counter() - start,
        index=index,
    )
    _atomic.write_text(folder / "index.html", html)
    return figures, paths
