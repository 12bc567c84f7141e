"""The page of a regional diagnosis: self-contained HTML in the diagnosis's
language, every data string escaped, numbers in the language's format."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import __version__
from .._i18n import N_
from .._provenance import read
from ._html import _CSS, _table, esc

if TYPE_CHECKING:
    from . import Figure
    from ._diagnosis import Diagnosis

_IPA = {
    "Concentrate here": N_("Concentrate here"),
    "Keep up the good work": N_("Keep up the good work"),
    "Low priority": N_("Low priority"),
    "Possible overkill": N_("Possible overkill"),
}


def _figure(d: Diagnosis, fig: Figure, out: Path) -> str:
    _ = d.lang.gettext
    if fig.omitted is not None or fig.png is None or fig.svg is None:
        text = _("Figure omitted: {why}.").format(why=fig.omitted)
        return f'<p class="omitted">{esc(text)}</p>'
    data = base64.b64encode(fig.png.read_bytes()).decode("ascii")
    svg = fig.svg.relative_to(out).as_posix()
    png = fig.png.relative_to(out).as_posix()
    return (
        f'<figure id="fig-{esc(fig.key)}">'
        f'<img src="data:image/png;base64,{data}" alt="{esc(fig.title)}">'
        f"<figcaption>{esc(fig.caption)} "
        f'{esc(_("Files:"))} <a href="{esc(svg)}">SVG</a> · <a href="{esc(png)}">PNG</a>.'
        "</figcaption></figure>"
    )


def _ci(d: Diagnosis, v: Any, lo: Any, hi: Any) -> str:
    tr = d.lang
    if pd.isna(v):
        return "–"
    if pd.isna(lo) or pd.isna(hi):
        return esc(tr.num(v))
    return esc(f"{tr.num(v)} [{tr.num(lo)}; {tr.num(hi)}]")


def _caption(text: str) -> str:
    return f'<p class="tcap"><strong>{esc(text)}</strong></p>'


def _respondents(d: Diagnosis) -> str:
    _ = d.lang.gettext
    tr = d.lang
    t = d.respondents_by_type
    if t.empty:
        return f'<p class="omitted">{esc(_("No respondent of this region is in the survey."))}</p>'
    rows = []
    for _i, r in t.iterrows():
        note = _("suppressed in the type figure") if r["suppressed"] else ""
        rows.append(
            [(esc(r["label"]), False), (esc(tr.int(r["respondents"])), True), (esc(note), False)]
        )
    rows.append([(esc(_("Total")), False), (esc(tr.int(d.n)), True), ("", False)])
    return _table([_("stakeholder type"), _("respondents"), _("note")], rows)


def _priorities(d: Diagnosis) -> str:
    _ = d.lang.gettext
    tr = d.lang
    t = d.priorities.dropna(subset=["rank"]).head(15)
    if t.empty:
        return f'<p class="omitted">{esc(_("Every score of this region is suppressed."))}</p>'
    rows = []
    for _i, r in t.iterrows():
        ipa = _IPA.get(str(r["ipa_quadrant"]))
        rows.append(
            [
                (esc(tr.int(r["rank"])), True),
                (esc(r["label"]), False),
                (esc(d.area_labels.get(r["area"], r["area"])), False),
                (_ci(d, r["mwds"], r.get("mwds_lo"), r.get("mwds_hi")), True),
                (_ci(d, r["mean_gap"], r.get("mean_gap_lo"), r.get("mean_gap_hi")), True),
                (esc(r["lff_quadrant"]), False),
                (esc(_(ipa) if ipa else r["ipa_quadrant"]), False),
                (esc(tr.int(r["n"])), True),
            ]
        )
    headers = [
        _("rank"),
        _("competence"),
        _("area"),
        _("MWDS [CI]"),
        _("mean gap [CI]"),
        _("Locus for Focus"),
        _("IPA"),
        "n",
    ]
    return _table(headers, rows)


def _differences(d: Diagnosis) -> str:
    _ = d.lang.gettext
    tr = d.lang
    t = d.differences.dropna(subset=["difference"])
    if t.empty:
        return f'<p class="omitted">{esc(_("Every score of this region is suppressed."))}</p>'
    t = t.assign(abs=t["difference"].abs()).sort_values("abs", ascending=False, kind="stable")
    rows = []
    for _i, r in t.iterrows():
        rows.append(
            [
                (esc(r["label"]), False),
                (esc(tr.num(r["mean_gap_region"])), True),
                (esc(tr.num(r["mean_gap_others"])), True),
                (_ci(d, r["difference"], r["difference_lo"], r["difference_hi"]), True),
                (esc(tr.num(r["rank_biserial"])), True),
                (esc(tr.p(r["p_adj"])), True),
                (esc(f"{tr.int(r['n_region'])} / {tr.int(r['n_others'])}"), True),
            ]
        )
    headers = [
        _("competence"),
        _("mean gap, region"),
        _("mean gap, other regions"),
        _("difference [CI]"),
        _("rank-biserial r"),
        _("p (Holm)"),
        _("n (region / others)"),
    ]
    return _table(headers, rows)


def _matches(d: Diagnosis, t: pd.DataFrame) -> str:
    _ = d.lang.gettext
    tr = d.lang
    if t.empty:
        return f'<p class="omitted">{esc(_("No learning match."))}</p>'
    names = d.ctx.names
    rows = []
    for _i, r in t.head(12).iterrows():
        learner = names.get(str(r["learner"]), str(r["learner"]))
        mentor = names.get(str(r["mentor"]), str(r["mentor"]))
        sentence = _("{learner} could learn {competence} from {mentor}").format(
            learner=learner, competence=r["label"], mentor=mentor
        )
        rows.append(
            [
                (esc(sentence), False),
                (_ci(d, r["learner_gap"], r["learner_gap_lo"], r["learner_gap_hi"]), True),
                (esc(tr.num(r["learner_current"])), True),
                (esc(tr.num(r["mentor_current"])), True),
                (esc(tr.num(r["score"])), True),
            ]
        )
    headers = [
        _("match"),
        _("learner gap [CI]"),
        _("learner current level"),
        _("mentor current level"),
        _("score"),
    ]
    return _table(headers, rows)


def _reliability(d: Diagnosis) -> str:
    _ = d.lang.gettext
    tr = d.lang
    rel = d.reliability
    if rel is None or rel.empty:
        return f'<p class="omitted">{esc(_("Reliability could not be computed."))}</p>'
    rows = []
    for _i, r in rel.iterrows():
        rows.append(
            [
                (esc(r["label"]), False),
                (esc(tr.int(r["n_items"])), True),
                (esc(tr.int(r["n"])), True),
                (_ci(d, r["alpha"], r["alpha_lo"], r["alpha_hi"]), True),
                (esc(tr.num(r["omega"])), True),
            ]
        )
    headers = [_("area"), _("items"), _("n (complete)"), _("Cronbach's α [CI]"), _("ω")]
    return _table(headers, rows)


def _meta(d: Diagnosis) -> str:
    _ = d.lang.gettext
    tr = d.lang
    survey = d.ctx.survey
    fw = d.ctx.framework
    pooled = read(d.ctx.gaps)
    others = [v for k, v in d.ctx.names.items() if k != d.region and k in set(d.ctx.groups)]
    if survey.has_weights:
        weights = _("respondent weights used for the scores; tests unweighted")
    else:
        weights = _("none (every respondent counts once)")
    items = [
        (_("Region"), d.name),
        (_("Respondents"), tr.int(d.n)),
        (_("Other regions (context)"), ", ".join(others)),
        (_("Framework"), f"{fw.name} ({len(fw.competences)})"),
        (_("Weights"), weights),
        (
            _("Suppression"),
            _("cells with fewer than {min_n} respondents are left blank").format(min_n=d.ctx.min_n),
        ),
        (
            _("Bootstrap"),
            _("{n} replicates, seed {seed}").format(n=pooled.n_boot, seed=pooled.seed),
        ),
    ]
    if survey.source:
        items.insert(0, (_("Source"), survey.source))
    body = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return f'<dl class="meta">{body}</dl>'


def _footer(d: Diagnosis, seconds: float) -> str:
    _ = d.lang.gettext
    tr = d.lang
    fw = d.ctx.framework
    source = fw.translations.get(tr.code) if tr.code != "en" else None
    if tr.code == "en":
        names = ""
    elif source:
        names = _("Competence and area names in this language: {source}.").format(source=source)
    else:
        names = _(
            "The framework has no competence names in this language: they are shown in English."
        )
    parts = [f"<p>{esc(_('Framework:'))} {esc(fw.citation)}</p>"]
    if fw.licence:
        parts.append(f"<p>{esc(_('Licence:'))} {esc(fw.licence)}</p>")
    if names:
        parts.append(f"<p>{esc(names)}</p>")
    made = _("Made with skillsmap {version} on {date} in {seconds} s.").format(
        version=__version__, date=tr.date(), seconds=tr.num(seconds, 1)
    )
    parts.append(f"<p>{esc(made)}</p>")
    return "<footer>" + "".join(parts) + "</footer>"


def page(
    d: Diagnosis,
    *,
    figures: list[Figure],
    tables: dict[str, Path],
    out: Path,
    seconds: float,
    index: str | None,
) -> str:
    """The diagnosis page; ``index`` links back to the interregional page."""
    _ = d.lang.gettext
    tr = d.lang
    fig = {f.key: f for f in figures}
    title = _("Regional diagnosis: {region}").format(region=d.name)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(tr.code)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>",
    ]
    if index is not None:
        back = _("Interregional report and the other regions")
        parts.append(f'<p class="back"><a href="{esc(index)}">← {esc(back)}</a></p>')
    parts.append(f"<h1>{esc(title)}</h1>")
    if d.ctx.survey.synthetic:
        banner = _(
            "Synthetic demonstration data: every figure and table below is computed from a "
            "generated survey, not from real respondents."
        )
        parts.append(f'<p class="banner">{esc(banner)}</p>')
    parts.append(_meta(d))
    for note in d.notes:
        parts.append(f'<p class="note">{esc(note)}</p>')
    parts.append(f'<h2 id="summary">{esc(_("Summary"))}</h2>')
    parts.append(f'<p class="summary">{esc(d.summary())}</p>')

    parts.append(f'<h2 id="respondents">{esc(_("Who answered"))}</h2>')
    parts.append(_caption(_("Table 1. Respondents by stakeholder type")))
    parts.append(_respondents(d))

    parts.append(f'<h2 id="priorities">{esc(_("Training priorities"))}</h2>')
    parts.append(_figure(d, fig["borich_bars"], out))
    parts.append(
        _caption(
            _("Table 2. The 15 highest Borich scores (MWDS) with {level}% intervals").format(
                level=round(100 * d.ctx.ci)
            )
        )
    )
    parts.append(_priorities(d))
    parts.append(_figure(d, fig["locus_for_focus"], out))
    parts.append(_figure(d, fig["ipa"], out))

    parts.append(f'<h2 id="differences">{esc(_("Where the region differs from the others"))}</h2>')
    parts.append(
        "<p>"
        + esc(
            _(
                "Per competence, the mean gap of {region} minus the mean gap of the other "
                "regions pooled, with Welch's {level}% interval; Mann–Whitney test of the gaps, "
                "Holm-adjusted over the competences; effect size: rank-biserial correlation "
                "(positive: larger gaps in {region}). Unweighted."
            ).format(region=d.name, level=round(100 * d.ctx.ci))
        )
        + "</p>"
    )
    parts.append(_figure(d, fig["difference"], out))
    parts.append(_caption(_("Table 3. Gap differences to the other regions, largest first")))
    parts.append(_differences(d))

    parts.append(f'<h2 id="types">{esc(_("Gaps by stakeholder type"))}</h2>')
    parts.append(_figure(d, fig["types"], out))

    parts.append(f'<h2 id="learning">{esc(_("Interregional learning"))}</h2>')
    parts.append(
        _caption(_("Table 4. What {region} could learn, and from whom").format(region=d.name))
    )
    parts.append(_matches(d, d.as_learner))
    parts.append(
        _caption(_("Table 5. What others could learn from {region}").format(region=d.name))
    )
    parts.append(_matches(d, d.as_mentor))

    parts.append(f'<h2 id="reliability">{esc(_("Scale reliability"))}</h2>')
    parts.append(
        _caption(
            _(
                "Table 6. Internal consistency of the current levels of {region}'s respondents"
            ).format(region=d.name)
        )
    )
    parts.append(_reliability(d))

    links = "".join(
        f'<li><a href="{esc(p.relative_to(out).as_posix())}">{esc(p.name)}</a></li>'
        for p in tables.values()
    )
    parts.append(f'<h2 id="tables">{esc(_("All tables (CSV)"))}</h2><ul>{links}</ul>')
    parts.append(_footer(d, seconds))
    parts.append("</main></body></html>")
    return "\n".join(parts)
