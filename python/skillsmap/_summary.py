"""The text summary of a survey in a language (``skillsmap summary --lang``).

The core formats the English summary (``src/scoring/summary.rs``,
:meth:`Survey.summary` without ``lang``). This module writes the same summary
with the catalogue's words, the language's number format and the framework's
and the default typology's labels in that language where they exist: it
recounts the same numbers from the survey's columns — answers in input
order, target − current summed per area in that order as the core sums it,
unweighted, so the means are the same floats — and lays them out as the core
does. ``tests/python/test_survey.py`` checks the two agree on every word and
number in English.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._forms_text import type_labels
from ._i18n import Lang

if TYPE_CHECKING:
    from ._survey import Survey

#: Words left out of a type's column abbreviation, as the core leaves out
#: "or", "and", "of", "the" in English.
_MINOR_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"or", "and", "of", "the"}),
    "es": frozenset({"o", "u", "y", "e", "de", "del", "la", "el", "los", "las"}),
    "fr": frozenset({"ou", "et", "de", "du", "des", "d", "la", "le", "les", "l"}),
    "sl": frozenset({"ali", "in", "za"}),
    "fi": frozenset({"tai", "ja"}),
    "it": frozenset({"o", "e", "di", "del", "della", "dei", "delle", "per", "la", "il"}),
}


def abbreviate(label: str, code: str = "en") -> str:
    """A column header of at most six characters, as the core makes one:
    the initials of the label's words (minor words left out), or the first
    letters of a single word.

    >>> abbreviate("Federation or network"), abbreviate("Cooperative")
    ('FN', 'Cooper')
    """
    minor = _MINOR_WORDS.get(code, _MINOR_WORDS["en"])
    words, word = [], ""
    for ch in label + " ":
        if ch.isalnum():
            word += ch
        elif word:
            words.append(word)
            word = ""
    words = [w for w in words if w not in minor]
    if len(words) == 1:
        return words[0][:6]
    return "".join(w[0].upper() for w in words)[:6]


def summary(survey: Survey, lang: Lang) -> str:
    """The summary of ``survey`` in ``lang`` (see the module notes)."""
    from .plot._common import items

    _ = lang.gettext
    inner = survey._inner
    fw = survey.framework

    # answers: missing levels, and target − current per area where both exist
    ans = inner.answer_columns()
    current = np.asarray(ans["current"], dtype=float)
    given = ans.get("required", ans.get("importance"))
    target = np.full_like(current, np.nan) if given is None else np.asarray(given, dtype=float)
    areas = fw.areas["id"].astype(str).tolist()
    area_index = {a: i for i, a in enumerate(areas)}
    area_of = np.array([area_index[str(a)] for a in fw.competences["area"]], dtype=np.intp)
    both = ~np.isnan(current) & ~np.isnan(target)
    area = area_of[np.asarray(ans["competence"], dtype=np.intp)[both]]
    # bincount adds in input order, as the core's loop does
    sums = np.bincount(area, weights=(target - current)[both], minlength=len(areas))
    counts_n = np.bincount(area, minlength=len(areas))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts_n

    # respondents per region × type
    resp = inner.respondent_columns()
    region_names = [str(x) for x in survey.regions.table["name"]]
    type_ids = [str(x) for x in survey.typology.types["id"]]
    names = type_labels(
        {str(k): str(v) for k, v in survey._group_names("stakeholder_type").items()},
        lang.code,
    )
    type_names = [names.get(t, t) for t in type_ids]
    table = np.zeros((len(region_names), len(type_ids)), dtype=np.int64)
    np.add.at(
        table,
        (np.asarray(resp["region"], np.intp), np.asarray(resp["stakeholder_type"], np.intp)),
        1,
    )

    out: list[str] = []
    if survey.synthetic:
        out.append(_("SYNTHETIC DEMONSTRATION DATA — not real survey responses"))
    out.append(
        _(
            "Survey: {respondents} respondents, {answers} answers ({missing_current} missing "
            "current, {missing_target} missing target); framework {framework} ({title})"
        ).format(
            respondents=lang.int(survey.n_respondents),
            answers=lang.int(len(current)),
            missing_current=lang.int(int(np.isnan(current).sum())),
            missing_target=lang.int(int(np.isnan(target).sum())),
            framework=fw.id,
            title=fw.name,
        )
    )
    if survey.source:
        out.append(_("Source: {source}").format(source=survey.source))

    used = [t for t in range(len(type_ids)) if table[:, t].any()]
    abbr = {t: abbreviate(type_names[t], lang.code) for t in used}
    total = _("total")
    rw = max([6, *(len(r) for r in region_names)])
    tw = max(6, len(total))  # a longer word for "total" widens its column
    out.append("")
    out.append(_("Respondents per region × stakeholder type:"))
    out.append(" " * rw + "".join(f" {abbr[t]:>6}" for t in used) + f" {total:>{tw}}")
    for g, name in enumerate(region_names):
        n = int(table[g].sum())
        if n == 0:
            continue
        cells = "".join(f" {lang.int(table[g, t]):>6}" for t in used)
        out.append(f"{name:<{rw}}{cells} {lang.int(n):>{tw}}")
    legend = "; ".join(f"{abbr[t]} = {type_names[t]}" for t in used)
    out.append(_("(columns: {legend})").format(legend=legend))

    labels = items(fw, lang).area_labels
    area_labels = [labels.get(a, a) for a in areas]
    aw = max((len(x) for x in area_labels), default=4)
    out.append("")
    out.append(_("Mean gap (target − current) per competence area:"))
    for label, mean, n in zip(area_labels, means, counts_n, strict=True):
        out.append(f"  {label:<{aw}}  {lang.num(mean, 2):>6}  (n = {lang.int(n)})")
    return "\n".join(out) + "\n"
