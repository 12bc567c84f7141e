"""The report page: one self-contained HTML file, every data string escaped."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import __version__
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
"""


def esc(value: Any) -> str:
    """HTML-escaped text of any value (quotes too)."""
    return html.escape(str(value), quote=True)


def _num(value: Any, digits: int = 2) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if not np.isfinite(v):
        return "–"
    return f"{v:.{digits}f}"


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


def _figure(fig: Figure, out: Path) -> str:
    title = f'<h2 id="{esc(fig.key)}">{esc(fig.title)}</h2>'
    if fig.omitted is not None or fig.png is None or fig.svg is None:
        return title + f'<p class="omitted">Figure omitted: {esc(fig.omitted)}.</p>'
    data = base64.b64encode(fig.png.read_bytes()).decode("ascii")
    svg = fig.svg.relative_to(out).as_posix()
    png = fig.png.relative_to(out).as_posix()
    return (
        f"{title}<figure>"
        f'<img src="data:image/png;base64,{data}" alt="{esc(fig.title)}">'
        f"<figcaption>{esc(fig.caption)} "
        f'Files: <a href="{esc(svg)}">SVG</a> · <a href="{esc(png)}">PNG</a>.</figcaption>'
        "</figure>"
    )


def _priorities_table(data: Any) -> str:
    g = data.pooled
    keep = g[~g["suppressed"]].sort_values("mwds", ascending=False, kind="stable").head(10)
    comp = data.survey.framework.competences.set_index("id")
    areas = data.survey.framework.areas.set_index("id")["label"]
    quad = data.priorities.set_index("competence")["lff_quadrant"]
    has_ci = "mwds_lo" in keep.columns
    rows = []
    for _, r in keep.iterrows():
        label = comp["label"].get(r["competence"], r["competence"])
        ci = f" [{_num(r['mwds_lo'])}, {_num(r['mwds_hi'])}]" if has_ci else ""
        rows.append(
            [
                (esc(r["rank"]), True),
                (esc(label), False),
                (esc(areas.get(r["area"], r["area"])), False),
                (_num(r["mwds"]) + ci, True),
                (_num(r["mean_gap"]), True),
                (esc(quad.get(r["competence"], "")), False),
                (esc(r["n"]), True),
            ]
        )
    headers = ["rank", "competence", "area", "MWDS [CI]", "mean gap", "LfF", "n"]
    return _table(headers, rows)


def _matches_table(data: Any) -> str:
    m = data.matches
    if m is None or m.empty:
        return '<p class="omitted">No learning matches for this survey.</p>'
    best = m.sort_values("score", ascending=False, kind="stable").head(15)
    rows = []
    for _, r in best.iterrows():
        ci = f" [{_num(r['learner_gap_lo'])}, {_num(r['learner_gap_hi'])}]"
        rows.append(
            [
                (esc(r["sentence"]), False),
                (_num(r["learner_gap"]) + ci, True),
                (_num(r["learner_current"]), True),
                (_num(r["mentor_current"]), True),
                (_num(r["score"]), True),
            ]
        )
    headers = ["match", "learner gap [CI]", "learner current", "mentor current", "score"]
    return _table(headers, rows)


def _reliability_table(data: Any) -> str:
    rel = data.reliability
    areas = data.survey.framework.areas.set_index("id")["label"]
    rows = []
    for _, r in rel.iterrows():
        ci = f" [{_num(r['alpha_lo'])}, {_num(r['alpha_hi'])}]"
        rows.append(
            [
                (esc(areas.get(r["scale"], r["scale"])), False),
                (esc(r["n_items"]), True),
                (esc(r["n"]), True),
                (_num(r["alpha"]) + ci, True),
                (_num(r["alpha_std"]), True),
                (_num(r["omega"]), True),
            ]
        )
    headers = ["area", "items", "n (complete)", "Cronbach's α [95% CI]", "std. α", "ω"]
    return _table(headers, rows)


def _compare_table(data: Any) -> str:
    t = data.compare
    sig = t[t["p_adj"] < 0.05].sort_values("epsilon2", ascending=False, kind="stable")
    if sig.empty:
        return (
            f'<p class="omitted">No competence\'s gap differs between {esc(data.words)} '
            "(Kruskal–Wallis, Holm-adjusted p < 0.05).</p>"
        )
    comp = data.survey.framework.competences.set_index("id")
    rows = []
    for _, r in sig.iterrows():
        p = r["p_adj"]
        rows.append(
            [
                (esc(comp["label"].get(r["competence"], r["competence"])), False),
                (_num(r["statistic"]), True),
                (esc(int(r["df"])), True),
                ("&lt; 0.001" if p < 0.001 else _num(p, 3), True),
                (_num(r["epsilon2"], 3), True),
                (esc(r["n"]), True),
            ]
        )
    headers = ["competence", "H", "df", "p (Holm)", "ε²", "n"]
    return _table(headers, rows)


def _meta(survey: Survey, data: Any) -> str:
    fw = survey.framework
    resp = survey.respondents
    pooled = read(data.pooled)
    region_names = survey._group_names("region")
    present = set(resp["region"].dropna())
    regions = [str(name) for rid, name in region_names.items() if rid in present]
    regions += [str(r) for r in dict.fromkeys(resp["region"].dropna()) if r not in region_names]
    items = [
        ("Respondents", f"{survey.n_respondents:,}"),
        ("Answers", f"{survey.n_answers:,}"),
        ("Regions", ", ".join(regions)),
        ("Stakeholder types", f"{resp['stakeholder_type'].nunique()}"),
        ("Framework", f"{fw.name} ({fw.id}, {len(fw.competences)} competences)"),
        ("Scale", f"{survey.scale.min:g}–{survey.scale.max:g}"),
        ("Weights", "used" if pooled.weights else "none"),
        ("Suppression", f"cells with fewer than {pooled.min_n} respondents"),
        ("Bootstrap", f"{pooled.n_boot} replicates, seed {pooled.seed}"),
        ("Compared", data.words),
    ]
    if survey.source:
        # read_survey(export, form=...) records "<export> (sha256 …); form <form> (sha256 …)"
        export, sep, form = survey.source.partition("; form ")
        if sep:
            items[0:0] = [("Source", export), ("Form", form)]
        else:
            items.insert(0, ("Source", survey.source))
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
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>",
    ]
    if survey.synthetic:
        parts.append(
            f'<p class="banner">{esc(SYNTHETIC_NOTE.capitalize())}: every figure and table '
            "below is computed from a generated survey, not from real respondents.</p>"
        )
    parts.append(_meta(survey, data))
    parts.append(extra)
    for note in notes:
        parts.append(f'<p class="note">{esc(note)}</p>')
    toc = "".join(
        f'<li><a href="#{esc(f.key)}">{esc(f.title)}</a>'
        + (" (omitted)" if f.omitted is not None else "")
        + "</li>"
        for f in figures
    )
    if extra:
        toc = '<li><a href="#regions">Regional diagnoses</a></li>' + toc
    parts.append(f'<nav><h2>Contents</h2><ol>{toc}<li><a href="#tables">Tables</a></li></ol></nav>')
    for fig in figures:
        parts.append(_figure(fig, out))
    parts.append('<h2 id="tables">Tables</h2>')
    parts.append("<h3>Top 10 training priorities (Borich MWDS, all respondents)</h3>")
    parts.append(_priorities_table(data))
    parts.append("<h3>Reliability</h3>")
    parts.append(
        "<p>Internal consistency of each competence area's current levels (complete cases): "
        "Cronbach's α with its Feldt interval, standardised α and McDonald's ω (one-factor "
        "model).</p>"
    )
    parts.append(_reliability_table(data))
    parts.append(f"<h3>Do {esc(data.words)} differ?</h3>")
    parts.append(
        f"<p>Competences whose gap differs between {esc(data.words)} (Kruskal–Wallis test, "
        "p-values Holm-adjusted over the competences, below 0.05), largest effect (ε²) "
        "first.</p>"
    )
    parts.append(_compare_table(data))
    parts.append("<h3>Top 15 learning matches</h3>")
    parts.append(_matches_table(data))
    links = "".join(
        f'<li><a href="{esc(p.relative_to(out).as_posix())}">{esc(p.name)}</a></li>'
        for p in tables.values()
    )
    parts.append(f"<h3>All tables (CSV)</h3><ul>{links}</ul>")
    fw = survey.framework
    parts.append(
        "<footer>"
        f"<p>Framework: {esc(fw.citation)}</p>"
        + (f"<p>Licence: {esc(fw.licence)}</p>" if fw.licence else "")
        + f"<p>Made with skillsmap {esc(__version__)} in {seconds:.1f} s.</p>"
        "</footer></main></body></html>"
    )
    return "\n".join(parts)
