"""The report page: one self-contained HTML file, every data string escaped."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from .._i18n import N_, Lang
from .._provenance import read
from ..plot._common import SYNTHETIC_NOTE

if TYPE_CHECKING:
    from .._survey import Survey
    from . import Figure

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1a1a1a; background: #fff; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd;
     padding-bottom: 0.2rem; }
.banner { background: #fff4d6; border: 1px solid #e6b800; padding: 0.6rem 1rem; margin: 1rem 0;
          font-weight: 600; }
.note { background: #eef4fb; border-left: 4px solid #0072b2; padding: 0.5rem 1rem;
        margin: 0.6rem 0; }
.omitted { background: #f6f6f6; border-left: 4px solid #999; padding: 0.6rem 1rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.92rem; color: #333; margin-top: 0.4rem; }
table.data { border-collapse: collapse; font-size: 0.88rem; margin: 0.6rem 0; }
table.data th, table.data td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; }
table.data th { background: #f3f3f3; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
footer { font-size: 0.82rem; color: #555; margin-top: 3rem; border-top: 1px solid #ddd;
         padding-top: 0.8rem; }
nav ol { columns: 2; }
p.tcap { margin: 1.2rem 0 0.2rem; }
p.summary { font-size: 1.02rem; }
p.back { font-size: 0.9rem; margin: 0 0 0.5rem; }
ul.regions li { margin: 0.2rem 0; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav, p.back { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  p.tcap { break-after: avoid; page-break-after: avoid; }
  figure, table.data tr, dl.meta, .banner { break-inside: avoid; page-break-inside: avoid; }
  figure img { max-height: 235mm; border: 0; }
  a { color: inherit; text-decoration: none; }
  table.data { font-size: 8pt; }
  footer { break-before: avoid; }
}
"""  # i18n: not text


def esc(value: Any) -> str:
    """HTML-escaped text of any value (quotes too)."""
    return html.escape(str(value), quote=True)


def _num(tr: Lang, value: Any, digits: int = 2) -> str:
    """A number in the page's language, escaped (text passes through)."""
    try:
        float(value)
    except (TypeError, ValueError):
        return esc(value)
    return esc(tr.num(value, digits))


def _interval(tr: Lang, lo: Any, hi: Any) -> str:
    """`` [lo, hi]``; with a semicolon where the decimal mark is a comma."""
    sep = "; " if tr.num(0.5, 1)[1] == "," else ", "
    return f" [{_num(tr, lo)}{sep}{_num(tr, hi)}]"


def _table(headers: Sequence[str], rows: Iterable[Sequence[tuple[str, bool]]]) -> str:
    """An HTML table; each cell is (already escaped text, is-numeric)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{t}</td>' if n else f"<td>{t}</td>" for t, n in row)
        + "</tr>"
        for row in rows
    )
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(fig: Figure, out: Path, tr: Lang) -> str:
    _ = tr.gettext
    title = f'<h2 id="{esc(fig.key)}">{esc(fig.title)}</h2>'
    if fig.omitted is not None or fig.png is None or fig.svg is None:
        omitted = _("Figure omitted: {why}.").format(why=fig.omitted)
        return title + f'<p class="omitted">{esc(omitted)}</p>'
    data = base64.b64encode(fig.png.read_bytes()).decode("ascii")
    svg = fig.svg.relative_to(out).as_posix()
    png = fig.png.relative_to(out).as_posix()
    return (
        f"{title}<figure>"
        f'<img src="data:image/png;base64,{data}" alt="{esc(fig.title)}">'
        f"<figcaption>{esc(fig.caption)} "
        f'{esc(_("Files:"))} <a href="{esc(svg)}">SVG</a> · <a href="{esc(png)}">PNG</a>.'
        "</figcaption></figure>"
    )


def _priorities_table(data: Any) -> str:
    tr = data.tr
    _ = tr.gettext
    g = data.pooled
    keep = g[~g["suppressed"]].sort_values("mwds", ascending=False, kind="stable").head(10)
    quad = data.priorities.set_index("competence")["lff_quadrant"]
    has_ci = "mwds_lo" in keep.columns
    rows = []
    for _i, r in keep.iterrows():
        label = data.labels.get(str(r["competence"]), r["competence"])
        ci = _interval(tr, r["mwds_lo"], r["mwds_hi"]) if has_ci else ""
        rows.append(
            [
                (esc(r["rank"]), True),
                (esc(label), False),
                (esc(data.area_labels.get(str(r["area"]), r["area"])), False),
                (_num(tr, r["mwds"]) + ci, True),
                (_num(tr, r["mean_gap"]), True),
                (esc(quad.get(r["competence"], "")), False),
                (esc(r["n"]), True),
            ]
        )
    headers = [
        _("rank"),
        _("competence"),
        _("area"),
        _("MWDS [CI]"),
        _("mean gap"),
        "LfF",
        "n",
    ]
    return _table(headers, rows)


def _matches_table(data: Any) -> str:
    tr = data.tr
    _ = tr.gettext
    m = data.matches
    if m is None or m.empty:
        return f'<p class="omitted">{esc(_("No learning match."))}</p>'
    best = m.sort_values("score", ascending=False, kind="stable").head(15)
    names = data.names
    rows = []
    for _i, r in best.iterrows():
        ci = _interval(tr, r["learner_gap_lo"], r["learner_gap_hi"])
        # the sentence in the page's language (the table's column is English)
        sentence = _("{learner} could learn {competence} from {mentor}").format(
            learner=names.get(r["learner"], r["learner"]),
            competence=data.labels.get(str(r["competence"]), r["competence"]),
            mentor=names.get(r["mentor"], r["mentor"]),
        )
        rows.append(
            [
                (esc(sentence), False),
                (_num(tr, r["learner_gap"]) + ci, True),
                (_num(tr, r["learner_current"]), True),
                (_num(tr, r["mentor_current"]), True),
                (_num(tr, r["score"]), True),
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


def _reliability_table(data: Any) -> str:
    tr = data.tr
    _ = tr.gettext
    rel = data.reliability
    rows = []
    for _i, r in rel.iterrows():
        ci = _interval(tr, r["alpha_lo"], r["alpha_hi"])
        rows.append(
            [
                (esc(data.area_labels.get(str(r["scale"]), r["scale"])), False),
                (esc(r["n_items"]), True),
                (esc(r["n"]), True),
                (_num(tr, r["alpha"]) + ci, True),
                (_num(tr, r["alpha_std"]), True),
                (_num(tr, r["omega"]), True),
            ]
        )
    headers = [
        _("area"),
        _("items"),
        _("n (complete)"),
        _("Cronbach's α [CI]"),
        _("std. α"),
        _("ω"),
    ]
    return _table(headers, rows)


def _compare_table(data: Any) -> str:
    tr = data.tr
    _ = tr.gettext
    t = data.compare
    sig = t[t["p_adj"] < 0.05].sort_values("epsilon2", ascending=False, kind="stable")
    if sig.empty:
        text = _by(
            data,
            N_(
                "No competence's gap differs between regions (Kruskal–Wallis, Holm-adjusted "
                "p < {alpha})."
            ),
            N_(
                "No competence's gap differs between stakeholder types (Kruskal–Wallis, "
                "Holm-adjusted p < {alpha})."
            ),
        ).format(alpha=tr.num(0.05))
        return f'<p class="omitted">{esc(text)}</p>'
    rows = []
    for _i, r in sig.iterrows():
        rows.append(
            [
                (esc(data.labels.get(str(r["competence"]), r["competence"])), False),
                (_num(tr, r["statistic"]), True),
                (esc(int(r["df"])), True),
                (esc(tr.p(r["p_adj"])), True),
                (_num(tr, r["epsilon2"], 3), True),
                (esc(r["n"]), True),
            ]
        )
    headers = [_("competence"), "H", _("df"), _("p (Holm)"), "ε²", "n"]
    return _table(headers, rows)


def _by(data: Any, region: str, stakeholder_type: str) -> str:
    return data.tr.gettext(region if data.by == "region" else stakeholder_type)


def _meta(survey: Survey, data: Any) -> str:
    tr = data.tr
    _ = tr.gettext
    fw = survey.framework
    resp = survey.respondents
    pooled = read(data.pooled)
    region_names = survey._group_names("region")
    present = set(resp["region"].dropna())
    regions = [str(name) for rid, name in region_names.items() if rid in present]
    regions += [str(r) for r in dict.fromkeys(resp["region"].dropna()) if r not in region_names]
    items = [
        (_("Respondents"), tr.int(survey.n_respondents)),
        (_("Answers"), tr.int(survey.n_answers)),
        (_("Regions"), ", ".join(regions)),
        (_("Stakeholder types"), tr.int(resp["stakeholder_type"].nunique())),
        (
            _("Framework"),
            _("{name} ({id}, {n} competences)").format(
                name=fw.name, id=fw.id, n=len(fw.competences)
            ),
        ),
        (_("Scale"), f"{tr.num(survey.scale.min, 0)}–{tr.num(survey.scale.max, 0)}"),
        (_("Weights"), _("used") if pooled.weights else _("none")),
        (
            _("Suppression"),
            _("cells with fewer than {min_n} respondents").format(min_n=pooled.min_n),
        ),
        (
            _("Bootstrap"),
            _("{n} replicates, seed {seed}").format(n=pooled.n_boot, seed=pooled.seed),
        ),
        (_("Compared"), data.words),
    ]
    if survey.source:
        # read_survey(export, form=...) records "<export> (sha256 …); form <form> (sha256 …)"
        export, sep, form = survey.source.partition("; form ")
        if sep:
            items[0:0] = [(_("Source"), export), (_("Form"), form)]
        else:
            items.insert(0, (_("Source"), survey.source))
    body = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return f'<dl class="meta">{body}</dl>'


def page(
    *,
    survey: Survey,
    data: Any,
    figures: list[Figure],
    tables: dict[str, Path],
    notes: list[str],
    title: str,
    out: Path,
    seconds: float,
    extra: str = "",
) -> str:
    tr: Lang = data.tr
    _ = tr.gettext
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(tr.code)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>",
    ]
    if survey.synthetic:
        banner = _(
            "{note}: every figure and table below is computed from a generated survey, not "
            "from real respondents."
        ).format(note=_(SYNTHETIC_NOTE).capitalize())
        parts.append(f'<p class="banner">{esc(banner)}</p>')
    parts.append(_meta(survey, data))
    parts.append(extra)
    for note in notes:
        parts.append(f'<p class="note">{esc(note)}</p>')
    omitted = " (" + _("omitted") + ")"
    toc = "".join(
        f'<li><a href="#{esc(f.key)}">{esc(f.title)}</a>'
        + (esc(omitted) if f.omitted is not None else "")
        + "</li>"
        for f in figures
    )
    if extra:
        toc = f'<li><a href="#regions">{esc(_("Regional diagnoses"))}</a></li>' + toc
    tables_word = esc(_("Tables"))
    parts.append(
        f"<nav><h2>{esc(_('Contents'))}</h2><ol>{toc}"
        f'<li><a href="#tables">{tables_word}</a></li></ol></nav>'
    )
    for fig in figures:
        parts.append(_figure(fig, out, tr))
    parts.append(f'<h2 id="tables">{tables_word}</h2>')
    parts.append(f"<h3>{esc(_('Top 10 training priorities (Borich MWDS, all respondents)'))}</h3>")
    parts.append(_priorities_table(data))
    parts.append(f"<h3>{esc(_('Reliability'))}</h3>")
    reliability = _(
        "Internal consistency of each competence area's current levels (complete cases): "
        "Cronbach's α with its Feldt interval, standardised α and McDonald's ω (one-factor "
        "model)."
    )
    parts.append(f"<p>{esc(reliability)}</p>")
    parts.append(_reliability_table(data))
    parts.append(
        "<h3>"
        + esc(_by(data, N_("Do regions differ?"), N_("Do stakeholder types differ?")))
        + "</h3>"
    )
    differ = _by(
        data,
        N_(
            "Competences whose gap differs between regions (Kruskal–Wallis test, p-values "
            "Holm-adjusted over the competences, below {alpha}), largest effect (ε²) first."
        ),
        N_(
            "Competences whose gap differs between stakeholder types (Kruskal–Wallis test, "
            "p-values Holm-adjusted over the competences, below {alpha}), largest effect (ε²) "
            "first."
        ),
    ).format(alpha=tr.num(0.05))
    parts.append(f"<p>{esc(differ)}</p>")
    parts.append(_compare_table(data))
    parts.append(f"<h3>{esc(_('Top 15 learning matches'))}</h3>")
    parts.append(_matches_table(data))
    links = "".join(
        f'<li><a href="{esc(p.relative_to(out).as_posix())}">{esc(p.name)}</a></li>'
        for p in tables.values()
    )
    parts.append(f"<h3>{esc(_('All tables (CSV)'))}</h3><ul>{links}</ul>")
    fw = survey.framework
    made = _("Made with skillsmap {version} on {date} in {seconds} s.").format(
        version=__version__, date=tr.date(), seconds=tr.num(seconds, 1)
    )
    parts.append(
        "<footer>"
        f"<p>{esc(_('Framework:'))} {esc(fw.citation)}</p>"
        + (f"<p>{esc(_('Licence:'))} {esc(fw.licence)}</p>" if fw.licence else "")
        + f"<p>{esc(made)}</p>"
        "</footer></main></body></html>"
    )
    return "\n".join(parts)
